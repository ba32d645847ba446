#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs bench-inflate-lx106.elf (the stub's inflater built for the lx106) in
qemu-system-xtensa with -icount on each input compressed at level 9 (as esptool does) and
prints instructions per output byte, exact for QEMU's lx106 model, and what that means at
80 MHz for a range of cycles per instruction (the lx106 has no cache for IRAM code; loads
that feed the next instruction and taken branches cost extra cycles on the chip, which
QEMU does not model).

usage: run_lx106.py QEMU ELF FILE...
"""
import os
import random
import subprocess
import sys
import tempfile
import zlib

CALIBRATION_INSNS = 2_000_000


def run(qemu, elf, path):
    out = subprocess.run(
        [qemu, '-M', 'sim', '-cpu', 'lx106', '-semihosting', '-semihosting-config',
         'enable=on,arg=bench,arg=' + path, '-display', 'none', '-monitor', 'none',
         '-serial', 'none', '-icount', 'shift=5', '-device',
         'loader,file=%s,cpu-num=0' % elf],
        capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        sys.exit('bench-inflate-lx106 failed (exit %d): %s%s' %
                 (out.returncode, out.stdout, out.stderr))
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


def main():
    qemu, elf, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    print('inflate on the lx106 (QEMU -icount, 16 KiB feeds, level 9 input)')
    print('%-20s %9s %9s %9s %10s  %s' % ('input', 'bytes', 'zlib', 'insns/B',
                                          'ms@80MHz', '(1.0 / 1.5 cycles per insn)'))
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in inputs(files):
            path = os.path.join(tmp, 'in.z')
            with open(path, 'wb') as f:
                f.write(zlib.compress(data, 9))
            r = run(qemu, elf, path)
            if int(r['out']) != len(data):
                sys.exit('%s: %s bytes inflated, %d expected' % (name, r['out'], len(data)))
            insns = int(r['ticks']) * CALIBRATION_INSNS / int(r['calibration_ticks'])
            per_byte = insns / len(data)
            ms = insns / 80e6 * 1e3
            print('%-20s %9d %9s %9.1f %5.0f-%-5.0f' % (name[:20], len(data), r['in'],
                                                       per_byte, ms, ms * 1.5))


if __name__ == '__main__':
    main()
