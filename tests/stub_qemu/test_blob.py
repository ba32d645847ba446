#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The shipped blob boots: the stub embedded in this espdeck (stub_blob_builtin(), written
out by stub-blob-dump), loaded into QEMU at its segment addresses and started at its entry
by the fake ROM as the ROM loader would after MEM_END, sends exactly the OHAI frame
C0 4F 48 41 49 C0 and then enables its UART receive interrupt (where it would wait for
commands), without a CPU exception or a ROM call the ROM does not have, making exactly the
expected ROM calls in order."""
import os
import subprocess
import sys
import tempfile

import qemu_run

OHAI = bytes.fromhex('c04f484149c0')
# The start-up as the fake ROM sees it (arg=trace=1): clear the ROM's user start, attach
# the flash and give the ROM driver 16 MB / 64 KiB blocks, send OHAI, then take over the
# UART0 interrupt (number 5) and unmask it.
STARTUP = ['ROM ets_set_user_start(0x00000000)', 'ROM SelectSpiFunction()',
           'ROM spi_flash_attach()', 'ROM SPIParamCfg(0x00000000,0x01000000,0x00010000)'] + \
    [f'ROM uart_tx_one_char(0x{b:08x})' for b in OHAI] + \
    ['ROM ets_isr_attach(0x00000005)', 'ROM ets_isr_unmask(0x00000020)']


def main():
    qemu_run.skip_unless_ready('STUB_FAKE_ROM', 'STUB_BLOB_DUMP')
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run([os.environ['STUB_BLOB_DUMP'], tmp], capture_output=True,
                           text=True)
        if p.returncode == 2:
            print('FAIL: the build has the cross compiler but espdeck embeds no stub')
            return 1
        if p.returncode != 0:
            print(f'FAIL: stub-blob-dump: {p.stderr.strip()}')
            return 1
        segments, entry = [], None
        for line in p.stdout.split('\n'):
            if line.startswith('entry '):
                entry = int(line.split()[1], 16)
            elif line:
                name, addr = line.split()
                segments.append((os.path.join(tmp, name), int(addr, 16)))
        flash = os.path.join(tmp, 'flash.bin')
        with open(flash, 'wb') as f:
            f.write(b'\xff' * (1 << 20))
        out = os.path.join(tmp, 'out.bin')
        cmd = ['qemu-system-xtensa', '-M', 'sim', '-cpu', 'lx106', '-semihosting-config',
               f'enable=on,arg=fakerom,arg=entry={entry:#x},arg=out={out},arg=flash={flash},'
               'arg=trace=1',
               '-display', 'none', '-monitor', 'none', '-serial', 'none',
               '-device', f"loader,file={os.environ['STUB_FAKE_ROM']},cpu-num=0"]
        for path, addr in segments:
            cmd += ['-device', f'loader,file={path},addr={addr:#x},force-raw=on']
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            print('FAIL: the blob did not reach its UART interrupt set-up within 60 s')
            return 1
        with open(out, 'rb') as f:
            sent = f.read()
        print(f'blob: {len(segments)} segments '
              f'({", ".join(f"{a:#010x}+{os.path.getsize(p)}" for p, a in segments)}), '
              f'entry {entry:#010x}; QEMU exit {qemu_run.describe(run.returncode)}; '
              f'UART: {sent.hex()}')
        print(run.stderr.strip())
        if run.returncode != 0 or sent != OHAI:
            print(f'FAIL: want exit 0 and UART output {OHAI.hex()}')
            return 1
        calls = [line for line in run.stderr.split('\n') if line.startswith('ROM ')]
        if calls != STARTUP:
            print('FAIL: the ROM calls on the way to OHAI are not, in order:\n  ' +
                  '\n  '.join(STARTUP))
            return 1
        print('ok: the shipped blob boots to its OHAI frame and enables UART receive, '
              'calling the ROM as expected')
    return 0


if __name__ == '__main__':
    sys.exit(main())
