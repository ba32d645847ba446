#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The shipped blob through a whole session, on the real instruction set: the stub espdeck
embeds (hal_esp8266.c: its UART interrupt handler, ring buffer, main loop, SPI0 user
commands, ROM calls) runs in QEMU on the fake ROM, which delivers the host's bytes one at a
time through the stub's own UART0 interrupt handler and answers SPI0 user commands as a
flash chip would, from a timer interrupt. The session, as esptool would send it: SYNC,
READ_REG of the UART divider, SPI_SET_PARAMS, INFO, a compressed write of 20 KiB at an
unaligned offset, SPI_FLASH_MD5, READ_FLASH with acks, ERASE_REGION, RUN_USER_CODE.
The blob's replies and final flash must equal the host build's (stub-replay-host) on the
same input, and RUN_USER_CODE must return into the ROM's flash boot."""
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


def session():
    rng = random.Random(7)
    data = b''.join(bytes(rng.randrange(256) for _ in range(512)) if i % 2 else
                    bytes([i]) * 512 for i in range(40))
    offset = 0x3003
    packed = zlib.compress(data, 9)
    s = request(0x08, b'\x07\x07\x12\x20' + b'\x55' * 32)
    s += request(0x0A, struct.pack('<I', 0x60000014))
    s += request(0x0B, struct.pack('<6I', 0, 4 << 20, 0x10000, 0x1000, 0x100, 0xFFFF))
    s += request(0xE1, b'')
    blocks = [packed[i:i + 0x4000] for i in range(0, len(packed), 0x4000)]
    s += request(0x10, struct.pack('<4I', len(data), len(blocks), 0x4000, offset))
    for seq, block in enumerate(blocks):
        s += request(0x11, struct.pack('<4I', len(block), seq, 0, 0) + block,
                     data_checksum(block))
    s += request(0x12, struct.pack('<I', 1))
    s += request(0x13, struct.pack('<4I', offset, len(data), 0, 0))
    s += request(0xD2, struct.pack('<4I', 0x3000, 0x2000, 0x1000, 1))
    s += slip(struct.pack('<I', 0x1000)) + slip(struct.pack('<I', 0x2000))
    s += request(0xD1, struct.pack('<2I', 0x20000, 0x1000))
    s += request(0xD3, b'')
    return s, data, offset


def main():
    qemu_run.skip_unless_ready('STUB_FAKE_ROM', 'STUB_BLOB_DUMP')
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run([os.environ['STUB_BLOB_DUMP'], tmp], capture_output=True,
                           text=True)
        if p.returncode != 0:
            print(f'FAIL: stub-blob-dump: {p.stderr.strip()}')
            return 1
        loads, entry = [], None
        for line in p.stdout.split('\n'):
            if line.startswith('entry '):
                entry = int(line.split()[1], 16)
            elif line:
                name, addr = line.split()
                loads += ['-device', f'loader,file={os.path.join(tmp, name)},'
                          f'addr={int(addr, 16):#x},force-raw=on']
        stream, data, offset = session()
        inp = os.path.join(tmp, 'session.in')
        with open(inp, 'wb') as f:
            f.write(stream)
        flash0 = os.path.join(tmp, 'flash0.bin')
        with open(flash0, 'wb') as f:
            f.write(bytes(random.Random(3).randrange(256) for _ in range(1 << 16)) +
                    b'\xff' * ((4 << 20) - (1 << 16)))
        blob_flash, host_flash = os.path.join(tmp, 'blob.flash'), os.path.join(tmp, 'host.flash')
        shutil.copyfile(flash0, blob_flash)
        shutil.copyfile(flash0, host_flash)
        blob_out, host_out = os.path.join(tmp, 'blob.out'), os.path.join(tmp, 'host.out')
        cmd = ['qemu-system-xtensa', '-M', 'sim', '-cpu', 'lx106', '-semihosting-config',
               f'enable=on,arg=fakerom,arg=entry={entry:#x},arg=out={blob_out},'
               f'arg=flash={blob_flash},arg=uart={inp}',
               '-display', 'none', '-monitor', 'none', '-serial', 'none',
               # virtual time from the instruction count: the timer interrupts that stand
               # in for the UART and SPI0 land at the same instructions on every run
               '-icount', 'shift=0',
               '-device', f"loader,file={os.environ['STUB_FAKE_ROM']},cpu-num=0"] + loads
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            print('FAIL: the blob did not finish the session within 120 s')
            return 1
        host = subprocess.run([os.environ['STUB_REPLAY_HOST'], inp, host_flash, host_out],
                              capture_output=True, text=True, timeout=60)
        with open(blob_out, 'rb') as f:
            bout = f.read()
        with open(host_out, 'rb') as f:
            hout = f.read()
        with open(blob_flash, 'rb') as f:
            bflash = f.read()
        with open(host_flash, 'rb') as f:
            hflash = f.read()
        print(f'blob in QEMU: exit {qemu_run.describe(run.returncode)}, {len(bout)} bytes '
              f'sent; host build: exit {qemu_run.describe(host.returncode)}, {len(hout)} '
              f'bytes sent; {len(stream)} bytes of input')
        print(run.stderr.strip())
        problems = []
        if run.returncode != 21 or host.returncode != 21:
            problems.append('both must end in RUN_USER_CODE, returning into the ROM flash boot')
        if bout != hout:
            at = next((i for i, (a, b) in enumerate(zip(bout, hout)) if a != b),
                      min(len(bout), len(hout)))
            problems.append(f'the replies differ at byte {at}: blob {bout[at:at + 16].hex()}, '
                            f'host {hout[at:at + 16].hex()}')
        if bflash != hflash:
            problems.append('the final flash differs')
        if bflash[offset:offset + len(data)] != data:
            problems.append('the blob did not write the data')
        if hashlib.md5(data).digest() not in bout:
            problems.append('no reply carries the MD5 of the data')
        for problem in problems:
            print(f'FAIL: {problem}')
        if problems:
            return 1
        print('ok: the blob answers the session as the host build does, through its UART '
              'interrupt, and returns into the ROM flash boot')
    return 0


if __name__ == '__main__':
    sys.exit(main())
