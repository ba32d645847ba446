#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The stub's link checks (firmware/stub/tools/stubelf.py) catch what they promise: a good
link passes and prints its sizes; an undefined symbol, a ROM symbol at an address the ROM
address script does not give, a symbol into the ROM that the script does not list, read-only
data placed in IRAM, data at or above 0x3FFFC000 and a misplaced entry each fail, naming the
symbol or section. Each bad case is a real link of selftest.c with the cross compiler."""
import os
import re
import subprocess
import sys
import tempfile

import qemu_run

ROOT = os.environ['ESPDECK_SOURCE_ROOT']
STUB = os.path.join(ROOT, 'firmware', 'stub')
STUBELF = os.path.join(STUB, 'tools', 'stubelf.py')
ROM_LD = os.path.join(STUB, 'ld', 'rom.ld')
failures = 0


def check(cond, what):
    global failures
    print(('ok: ' if cond else 'FAIL: ') + what)
    if not cond:
        failures += 1


def link(tmp, name, script=None, extra=(), source=None):
    """Links selftest.c (or source) like the stub; returns (elf, map)."""
    elf = os.path.join(tmp, name + '.elf')
    map_path = os.path.join(tmp, name + '.map')
    ld_dir = os.path.join(STUB, 'ld')
    cmd = [os.environ['XTENSA_CC'], '-Os', '-std=c11', '-ffreestanding', '-nostdlib',
           '-mlongcalls', '-mtext-section-literals', '-ffunction-sections', '-fdata-sections',
           '-I', STUB, '-L', ld_dir, '-T', script or 'stub.ld', '-Wl,--gc-sections',
           f'-Wl,-Map={map_path}', '-o', elf, os.path.join(STUB, 'start.S'),
           os.path.join(STUB, 'start_bss.c'),
           source or os.path.join(ROOT, 'tests', 'stub_qemu', 'selftest.c')] + list(extra)
    subprocess.run(cmd, check=True, cwd=tmp)
    return elf, map_path


def checker(elf, map_path):
    p = subprocess.run([sys.executable, STUBELF, 'check', elf, ROM_LD, map_path],
                       capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def variant(tmp, name, old, new):
    with open(os.path.join(STUB, 'ld', 'stub.ld'), encoding='utf-8') as f:
        text = f.read()
    assert old in text, f'stub.ld no longer contains {old!r}'
    path = os.path.join(tmp, name + '.ld')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text.replace(old, new))
    return path


def main():
    if not os.environ.get('XTENSA_CC'):
        print('SKIP: no xtensa-lx106-elf-gcc (Debian package gcc-xtensa-lx106)')
        return qemu_run.SKIP
    with tempfile.TemporaryDirectory() as tmp:
        code, text = checker(*link(tmp, 'good'))
        check(code == 0 and re.search(r'stub: text \d+ B \(IRAM, \d+ B free\), data\+rodata '
                                      r'\d+ B at 0x3fffaca8, bss \d+ B at 0x3ffe8100-', text) is not None,
              f'a good link passes and prints the sizes: {text.strip()}')

        undefined = os.path.join(tmp, 'undefined.c')
        with open(undefined, 'w', encoding='utf-8') as f:
            f.write('void ets_printf(const char *, ...);\n'
                    'void stub_main(void);\nvoid stub_main(void) { ets_printf("x"); }\n')
        code, text = checker(*link(tmp, 'undef', source=undefined,
                                   extra=['-Wl,--unresolved-symbols=ignore-all']))
        check(code == 1 and 'undefined symbol ets_printf' in text,
              f'an undefined symbol fails: {text.strip()}')

        code, text = checker(*link(tmp, 'unlisted', source=undefined,
                                   extra=['-Wl,--defsym=ets_printf=0x400024cc']))
        check(code == 1 and 'symbol ets_printf resolves into the ROM at 0x400024cc, which '
              'ld/rom.ld does not list' in text,
              f'a ROM function outside the list fails: {text.strip()}')

        code, text = checker(*link(tmp, 'moved', extra=['-Wl,--defsym=SPIRead=0x40004b20']))
        check(code == 1 and 'ROM symbol SPIRead at 0x40004b20, ld/rom.ld says 0x40004b1c'
              in text, f'a ROM function at another address fails: {text.strip()}')

        script = variant(tmp, 'rodata_iram', '*(.literal .text .literal.* .text.*)',
                         '*(.literal .text .literal.* .text.*) *(.rodata .rodata.*)')
        code, text = checker(*link(tmp, 'rodata_iram', script=script))
        check(code == 1 and re.search(r'input section \.rodata\S* \(\d+ bytes\) placed in '
                                      r'IRAM', text) is not None,
              f'read-only data in IRAM fails: {text.strip()}')

        script = variant(tmp, 'high_dram', 'dram_upload : org = 0x3FFFACA8, len = '
                         '0x3FFFB20C - 0x3FFFACA8', 'dram_upload : org = 0x3FFFBFF0, len = 0x4000')
        code, text = checker(*link(tmp, 'high_dram', script=script))
        check(code == 1 and 'data must stay inside DRAM 0x3ffe8100-0x3fffc000' in text,
              f'data reaching 0x3FFFC000 fails: {text.strip()}')

        code, text = checker(*link(tmp, 'entry', extra=['-Wl,-e,stub_main']))
        check(code == 1 and 'is not stub_entry at the start of the text' in text,
              f'an entry other than start.S fails: {text.strip()}')
    print(f'{failures} failure(s)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
