#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The QEMU harness itself, proved with selftest.c before the stub runs in it: the program is
built like the stub (flags, start.S, ld/stub.ld, ld/rom.ld), calls the ROM through the fake
ROM's trampolines at the real ROM addresses, reads/erases/programs the file-backed flash,
divides through the ROM's __udivsi3, and returns through start.S's return address into the
ROM's flash boot. Faults come back as distinct exit codes with a message naming them."""
import os
import struct
import sys
import tempfile

import qemu_run

failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print(f'FAIL: {what}')
    else:
        print(f'ok: {what}')


def run_mode(tmp, first_word):
    flash = os.path.join(tmp, 'flash.bin')
    out = os.path.join(tmp, 'out.bin')
    image = bytearray(b'\xff' * 65536)
    image[0:4] = struct.pack('<I', first_word)
    image[0x1000:0x2000] = bytes(range(256)) * 16  # erased by the program before writing
    with open(flash, 'wb') as f:
        f.write(image)
    code, err = qemu_run.run(os.environ['STUB_SELFTEST_ELF'], flash=flash, out=out)
    with open(out, 'rb') as f:
        sent = f.read()
    with open(flash, 'rb') as f:
        after = f.read()
    return code, err, sent, after


def main():
    qemu_run.skip_unless_ready('STUB_FAKE_ROM', 'STUB_SELFTEST_ELF')
    with tempfile.TemporaryDirectory() as tmp:
        code, err, sent, after = run_mode(tmp, 0x33221100)
        check(code == 21, f'the program returns into the ROM flash boot: exit '
              f'{qemu_run.describe(code)} {err.strip()}')
        sector = b''.join(struct.pack('<I', (i * 0x01010101) & 0xFFFFFFFF)
                          for i in range(1024))
        sector = bytearray(sector)
        sector[12:16] = struct.pack('<I', 0x03030303 & 0x0F0F0F0F)
        want = (b'selftest' + struct.pack('<I', 0x33221100) + struct.pack('<I', 0) +
                sector[4092:4096] + struct.pack('<I', 0x03030303) +
                struct.pack('<III', 1000000 // 7, 1000000 % 7, 1))
        check(sent == want, f'UART output through uart_tx_one_char: got {sent.hex()}, '
              f'want {want.hex()}')
        check(after[0x1000:0x2000] == bytes(sector),
              'the flash file holds what SPIEraseSector + SPIWrite put there (NOR AND)')
        check(after[:4] == struct.pack('<I', 0x33221100) and
              after[0x2000:] == b'\xff' * (65536 - 0x2000),
              'the flash outside the written sector is untouched')

        code, err, sent, _ = run_mode(tmp, 0xDEADBEEF)
        check(code == 0x7C and 'EXCCAUSE 0x00000009' in err,
              f'an unaligned load is a CPU exception (LoadStoreAlignment): exit '
              f'{qemu_run.describe(code)} {err.strip()}')
        code, err, sent, _ = run_mode(tmp, 0x5EC7CAFE)
        check(code == 0x7E and '__udivdi3 is not implemented in the fake ROM' in err,
              f'a ROM function without fake stops the run naming it: exit '
              f'{qemu_run.describe(code)} {err.strip()}')
        code, err, sent, _ = run_mode(tmp, 0x0BADF00D)
        check(code == 0x7D and 'SPIRead at 0x00000002' in err,
              f'an unaligned SPIRead is refused as the ROM needs aligned access: exit '
              f'{qemu_run.describe(code)} {err.strip()}')
    print(f'{failures} failure(s)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
