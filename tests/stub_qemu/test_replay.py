#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Host build vs QEMU build of the stub core, byte for byte. The virtual-board stub tests
run with ESPDECK_STUB_TRANSCRIPT_DIR set, so the board records every stub session it runs
(<name>.flash: the flash when the stub started; <name>.in: every byte the core received).
Each transcript is replayed into the host build (stub-replay-host) and into the core
cross-compiled for the lx106 with the stub's flags, placement and ROM address script,
running in qemu-system-xtensa on the fake ROM (stub_qemu.elf). Both must send the same bytes,
leave the same flash image and end the same way. Also checked: the transcripts cover the
commands that matter (FLASH_DATA, FLASH_DEFL_DATA, SPI_FLASH_MD5, READ_FLASH).

One more session is made here, as esptool would send it: compressed writes (zlib level 9,
16 KiB blocks) of real firmware from the build (the demo images, the stub's own ELF) and of
256 KiB of mixed data at aligned and unaligned offsets, SPI_FLASH_MD5 of each, and a
windowed READ_FLASH with its acks. Beyond host == QEMU, its result is checked absolutely:
the final flash holds the files and the replies carry their MD5s."""
import glob
import hashlib
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import qemu_run
from qemu_run import data_checksum, request, slip

OP_NAMES = {0x02: 'FLASH_BEGIN', 0x03: 'FLASH_DATA', 0x04: 'FLASH_END', 0x05: 'MEM_BEGIN',
            0x06: 'MEM_END', 0x07: 'MEM_DATA', 0x08: 'SYNC', 0x09: 'WRITE_REG',
            0x0A: 'READ_REG', 0x0B: 'SPI_SET_PARAMS', 0x0D: 'SPI_ATTACH',
            0x0F: 'CHANGE_BAUDRATE', 0x10: 'FLASH_DEFL_BEGIN', 0x11: 'FLASH_DEFL_DATA',
            0x12: 'FLASH_DEFL_END', 0x13: 'SPI_FLASH_MD5', 0xD0: 'ERASE_FLASH',
            0xD1: 'ERASE_REGION', 0xD2: 'READ_FLASH', 0xD3: 'RUN_USER_CODE',
            0xE0: 'SECTOR_MD5', 0xE1: 'INFO'}
REQUIRED = ('FLASH_DATA', 'FLASH_DEFL_DATA', 'SPI_FLASH_MD5', 'READ_FLASH')


def requests(data):
    """Opcodes of the well-formed request frames in a SLIP byte stream (direction byte 0x00,
    length field matching the frame)."""
    ops = set()
    for frame in data.split(b'\xc0'):
        frame = frame.replace(b'\xdb\xdc', b'\xc0').replace(b'\xdb\xdd', b'\xdb')
        if len(frame) >= 8 and frame[0] == 0 and \
                int.from_bytes(frame[2:4], 'little') == len(frame) - 8:
            ops.add(frame[1])
    return ops


def synthesize(tdir):
    """Writes synthetic-esptool.{flash,in}; returns [(offset, bytes)] it writes and the
    READ_FLASH range."""
    build = os.environ['ESPDECK_BUILD_ROOT']
    rng = random.Random(12)
    mixed = b''.join(bytes(rng.randrange(256) for _ in range(1024)) if i % 3 == 0 else
                     bytes([i & 0xFF]) * 1024 for i in range(256))
    files = []
    for name in ('firmware/user1.bin', 'firmware/demo-0x00000.bin',
                 'firmware/stub/stub.elf'):
        path = os.path.join(build, name)
        if os.path.exists(path):
            with open(path, 'rb') as f:
                files.append(f.read())
    writes = [(0x1000, files[0] if files else mixed[:4096]), (0x20003, mixed)]
    writes += [(0x80000 + 0x10000 * i, data) for i, data in enumerate(files[1:])]
    stream = request(0x0B, struct.pack('<6I', 0, 4 << 20, 0x10000, 0x1000, 0x100, 0xFFFF))
    for offset, data in writes:
        packed = zlib.compress(data, 9)
        blocks = [packed[i:i + 0x4000] for i in range(0, len(packed), 0x4000)]
        stream += request(0x10, struct.pack('<4I', len(data), len(blocks), 0x4000, offset))
        for seq, block in enumerate(blocks):
            stream += request(0x11, struct.pack('<4I', len(block), seq, 0, 0) + block,
                              data_checksum(block))
        stream += request(0x12, struct.pack('<I', 1))
        stream += request(0x13, struct.pack('<4I', offset, len(data), 0, 0))
    read_off, read_len = 0x20000, 0x12345
    stream += request(0xD2, struct.pack('<4I', read_off, read_len, 4096, 2))
    for acked in list(range(4096, read_len, 4096)) + [read_len]:
        stream += slip(struct.pack('<I', acked))
    with open(os.path.join(tdir, 'synthetic-esptool.in'), 'wb') as f:
        f.write(stream)
    with open(os.path.join(tdir, 'synthetic-esptool.flash'), 'wb') as f:
        f.write(b'\xff' * (4 << 20))
    return writes, (read_off, read_len)


def check_synthetic(tdir, writes, read_range, tmp):
    """The host replay of the synthetic session did what was asked (absolute checks)."""
    flash = os.path.join(tmp, 'synth.flash')
    out = os.path.join(tmp, 'synth.out')
    shutil.copyfile(os.path.join(tdir, 'synthetic-esptool.flash'), flash)
    subprocess.run([os.environ['STUB_REPLAY_HOST'],
                    os.path.join(tdir, 'synthetic-esptool.in'), flash, out], check=True)
    with open(flash, 'rb') as f:
        image = f.read()
    with open(out, 'rb') as f:
        sent = f.read()
    frames = [f.replace(b'\xdb\xdc', b'\xc0').replace(b'\xdb\xdd', b'\xdb')
              for f in sent.split(b'\xc0') if f]
    problems = []
    for offset, data in writes:
        if image[offset:offset + len(data)] != data:
            problems.append(f'flash at {offset:#x} does not hold the {len(data)} bytes written')
        md5 = hashlib.md5(data).digest()
        if not any(f[:2] == b'\x01\x13' and f[8:24] == md5 for f in frames):
            problems.append(f'no SPI_FLASH_MD5 reply with the MD5 of the data at {offset:#x}')
    lo = min(o for o, _ in writes)
    hi = max(o + len(d) for o, d in writes)
    if image[:lo] != b'\xff' * lo or image[(hi + 4095) & ~4095:] != \
            b'\xff' * (len(image) - ((hi + 4095) & ~4095)):
        problems.append('flash outside the written sectors changed')
    off, n = read_range
    if hashlib.md5(image[off:off + n]).digest() not in frames:
        problems.append('READ_FLASH did not end with the MD5 of the range')
    if b''.join(f for f in frames if len(f) == 4096) != image[off:off + n - n % 4096]:
        problems.append('READ_FLASH data frames do not match the flash')
    return problems


def record(tmp):
    """Runs the virtual-board stub tests with transcripts on; returns the transcript dir."""
    tdir = os.path.join(tmp, 'transcripts')
    os.mkdir(tdir)
    env = dict(os.environ, ESPDECK_STUB_TRANSCRIPT_DIR=tdir)
    for entry in filter(None, os.environ.get('STUB_TRANSCRIPT_SOURCES', '').split(':')):
        cmd = entry.split('|')
        name = ' '.join([os.path.basename(cmd[0])] + cmd[1:])
        before = len(os.listdir(tdir))
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            print(p.stdout[-3000:], p.stderr[-3000:])
            raise SystemExit(f'FAIL: {name} failed while recording transcripts')
        print(f'recorded: {name}: {(len(os.listdir(tdir)) - before) // 2} sessions')
    return tdir


def replay(name, tdir, tmp):
    """(ok, input bytes, output bytes, flash bytes, message) for one transcript."""
    flash0 = os.path.join(tdir, name + '.flash')
    inp = os.path.join(tdir, name + '.in')
    host_flash, qemu_flash = os.path.join(tmp, 'host.flash'), os.path.join(tmp, 'qemu.flash')
    host_out, qemu_out = os.path.join(tmp, 'host.out'), os.path.join(tmp, 'qemu.out')
    shutil.copyfile(flash0, host_flash)
    shutil.copyfile(flash0, qemu_flash)
    host = subprocess.run([os.environ['STUB_REPLAY_HOST'], inp, host_flash, host_out],
                          capture_output=True, text=True, timeout=120)
    code, err = qemu_run.run(os.environ['STUB_QEMU_ELF'], flash=qemu_flash, out=qemu_out,
                             inp=inp, timeout=300)
    with open(host_out, 'rb') as f:
        hout = f.read()
    with open(qemu_out, 'rb') as f:
        qout = f.read() if code is not None else b''
    with open(host_flash, 'rb') as f:
        hflash = f.read()
    with open(qemu_flash, 'rb') as f:
        qflash = f.read()
    size_in = os.path.getsize(inp)
    problems = []
    if host.returncode != code:
        problems.append(f'ended differently: host {qemu_run.describe(host.returncode)}, '
                        f'QEMU {qemu_run.describe(code)} {err.strip()} {host.stderr.strip()}')
    if hout != qout:
        at = next((i for i, (a, b) in enumerate(zip(hout, qout)) if a != b),
                  min(len(hout), len(qout)))
        problems.append(f'output differs at byte {at} (host {len(hout)} bytes, QEMU '
                        f'{len(qout)}): host {hout[at:at + 16].hex()} QEMU '
                        f'{qout[at:at + 16].hex()}')
    if hflash != qflash:
        at = next(i for i, (a, b) in enumerate(zip(hflash, qflash)) if a != b)
        problems.append(f'final flash differs at {at:#x}')
    return not problems, size_in, len(hout), len(hflash), '; '.join(problems)


def main():
    qemu_run.skip_unless_ready('STUB_FAKE_ROM', 'STUB_QEMU_ELF')
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        tdir = record(tmp)
        writes, read_range = synthesize(tdir)
        for problem in check_synthetic(tdir, writes, read_range, tmp):
            failures += 1
            print(f'FAIL: synthetic-esptool (host build): {problem}')
        names = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(tdir, '*.in')))
        if not names:
            print('FAIL: the virtual-board tests recorded no stub session')
            return 1
        totals = [0, 0, 0]
        ops = set()
        for name in names:
            with open(os.path.join(tdir, name + '.in'), 'rb') as f:
                ops |= requests(f.read())
            ok, n_in, n_out, n_flash, msg = replay(name, tdir, tmp)
            totals = [totals[0] + n_in, totals[1] + n_out, totals[2] + n_flash]
            if not ok:
                failures += 1
                print(f'FAIL: {name}: {msg}')
        covered = sorted(OP_NAMES[op] for op in ops if op in OP_NAMES)
        unknown = len([op for op in ops if op not in OP_NAMES])
        print(f'{len(names)} transcripts, {totals[0]} input bytes replayed; compared '
              f'{totals[1]} output bytes and {totals[2]} flash bytes per build; '
              f'{failures} differ')
        print('commands in the transcripts: ' + ' '.join(covered) +
              f', and {unknown} opcodes the stub does not implement')
        missing = [op for op in REQUIRED if op not in covered]
        if missing:
            failures += 1
            print('FAIL: no transcript exercises ' + ', '.join(missing))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
