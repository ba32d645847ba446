#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs bench-inflate-lx106.elf (the stub's inflater built for the lx106) in
qemu-system-xtensa with -icount.

Benchmark (default): each input compressed at level 9 (as esptool does); prints
instructions per output byte, exact for QEMU's lx106 model, and what that means at 80 MHz
for a range of cycles per instruction (the lx106 has no cache for IRAM code; loads that
feed the next instruction and taken branches cost extra cycles on the chip, which QEMU
does not model).

--check (a test, suite unit): each input at levels 1, 6 and 9 and with fixed codes; the
output the lx106 build writes back must equal the input byte for byte. Exit 77 (skip)
with the reason when QEMU is missing (QEMU is given as an empty argument then).

usage: run_lx106.py [--check] QEMU ELF FILE...
"""
import os
import random
import subprocess
import sys
import tempfile
import zlib

CALIBRATION_INSNS = 2_000_000
INPUT_MAX = 0x100000  # the program's input buffer


def run(qemu, elf, path, out_path=None):
    args = 'enable=on,arg=bench,arg=' + path + (',arg=' + out_path if out_path else '')
    out = subprocess.run(
        [qemu, '-M', 'sim', '-cpu', 'lx106', '-semihosting', '-semihosting-config', args,
         '-display', 'none', '-monitor', 'none', '-serial', 'none', '-icount', 'shift=5',
         '-device', 'loader,file=%s,cpu-num=0' % elf],
        capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        sys.exit('bench-inflate-lx106 failed on %s (exit %d): %s%s' %
                 (path, out.returncode, out.stdout, out.stderr))
    return dict(line.split(' ', 1) for line in out.stdout.split('\n') if ' ' in line)


def inputs(files):
    for path in files:
        with open(path, 'rb') as f:
            yield os.path.basename(path), f.read()
    rng = random.Random(1)
    words = [b'flash ', b'sector ', b'erase ', b'0x3FC000 ', b'boot ', b'user1.bin ',
             b'\n', b'esp_init_data ', b'OHAI ', b'SLIP ']
    text = b''.join(rng.choice(words) for _ in range(160_000))[:1 << 20]
    yield '1 MiB text', text
    yield '512 KiB random', rng.randbytes(1 << 19)
    yield '1 MiB 0xFF', b'\xff' * (1 << 20)


def compress(data, level, strategy=zlib.Z_DEFAULT_STRATEGY):
    c = zlib.compressobj(level, zlib.DEFLATED, 15, 8, strategy)
    return c.compress(data) + c.flush()


def check(qemu, elf, files):
    if not qemu:
        print('SKIP: qemu-system-xtensa not found (Debian package qemu-system-misc)')
        sys.exit(77)
    streams = total = 0
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, 'in.z'), os.path.join(tmp, 'out')
        for name, data in inputs(files):
            for level, strategy in [(1, 0), (6, 0), (9, 0), (6, zlib.Z_FIXED)]:
                z = compress(data, level, strategy)
                if len(z) >= INPUT_MAX:
                    continue
                with open(src, 'wb') as f:
                    f.write(z)
                run(qemu, elf, src, dst)
                with open(dst, 'rb') as f:
                    got = f.read()
                if got != data:
                    at = next((i for i, (a, b) in enumerate(zip(got, data)) if a != b),
                              min(len(got), len(data)))
                    sys.exit('%s, level %d, strategy %d: the lx106 build gave %d bytes, '
                             '%d expected, first difference at %d' %
                             (name, level, strategy, len(got), len(data), at))
                streams += 1
                total += len(data)
    print('the lx106 build in QEMU inflated %d streams, %d bytes, all equal to the input' %
          (streams, total))


def bench(qemu, elf, files):
    print('inflate on the lx106 (QEMU -icount, 16 KiB feeds, level 9 input)')
    print('%-20s %9s %9s %9s %10s  %s' % ('input', 'bytes', 'zlib', 'insns/B',
                                          'ms@80MHz', '(1.0 / 1.5 cycles per insn)'))
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in inputs(files):
            path = os.path.join(tmp, 'in.z')
            z = compress(data, 9)
            if len(z) >= INPUT_MAX:
                # as --check does: the program's input buffer holds 1 MiB of stream
                print('%-20s %9d %9d  skipped: the stream is over %d bytes' %
                      (name[:20], len(data), len(z), INPUT_MAX))
                continue
            with open(path, 'wb') as f:
                f.write(z)
            r = run(qemu, elf, path)
            if int(r['out']) != len(data):
                sys.exit('%s: %s bytes inflated, %d expected' % (name, r['out'], len(data)))
            insns = int(r['ticks']) * CALIBRATION_INSNS / int(r['calibration_ticks'])
            ms = insns / 80e6 * 1e3
            print('%-20s %9d %9s %9.1f %5.0f-%-5.0f' % (name[:20], len(data), r['in'],
                                                       insns / len(data), ms, ms * 1.5))


def main():
    args = sys.argv[1:]
    mode = bench
    if args and args[0] == '--check':
        mode = check
        args = args[1:]
    mode(args[0], args[1], args[2:])


if __name__ == '__main__':
    main()
