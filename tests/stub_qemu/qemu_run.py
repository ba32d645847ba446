# SPDX-License-Identifier: MIT
"""Running xtensa programs in QEMU for the stub tests: the fake ROM (firmware/stub/qemu) is
the program QEMU starts; it calls the program under test at its entry, as the ESP8266's ROM
loader does after MEM_END. See stub.md for the invocation and its pitfalls."""
import os
import shutil
import struct
import subprocess
import sys

SKIP = 77  # meson's "skipped" exit code

EXIT_NAMES = {0: 'finished', 20: 'software_reset', 21: 'returned to the ROM flash boot',
              0x7C: 'CPU exception', 0x7D: 'ROM function misused',
              0x7E: 'ROM function missing from the fake ROM'}


def skip_unless_ready(*env_vars):
    """Exits with meson's skip code, saying why, when QEMU or a cross-built ELF is missing."""
    if not shutil.which('qemu-system-xtensa'):
        print('SKIP: qemu-system-xtensa not found (Debian package qemu-system-misc; '
              'tools/setup.sh installs it)')
        sys.exit(SKIP)
    for var in env_vars:
        path = os.environ.get(var, '')
        if not path:
            print(f'SKIP: {var} is empty: the build found no xtensa-lx106-elf-gcc '
                  '(Debian package gcc-xtensa-lx106)')
            sys.exit(SKIP)
        if not os.path.exists(path):
            print(f'FAIL: {var}={path} does not exist: was it built?')
            sys.exit(1)


def elf_entry(path):
    with open(path, 'rb') as f:
        head = f.read(28)
    return struct.unpack_from('<I', head, 24)[0]


def run(program, flash=None, out=None, inp=None, timeout=120):
    """Runs program (an ELF linked at the stub's addresses) under the fake ROM. Returns
    (exit code, stderr text)."""
    args = ['fakerom', f'entry={elf_entry(program):#x}', f'out={out}']
    if flash:
        args.append(f'flash={flash}')
    if inp:
        args.append(f'in={inp}')
    for a in args:
        if ',' in a:
            raise ValueError(f'QEMU option values cannot hold a comma: {a}')
    cmd = ['qemu-system-xtensa', '-M', 'sim', '-cpu', 'lx106',
           '-semihosting-config', 'enable=on,' + ','.join('arg=' + a for a in args),
           '-display', 'none', '-monitor', 'none', '-serial', 'none',
           '-device', f"loader,file={os.environ['STUB_FAKE_ROM']},cpu-num=0",
           '-device', f'loader,file={program}']
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f'QEMU did not finish within {timeout} s (the program hangs)'
    return p.returncode, p.stderr


def describe(code):
    return f'{code} ({EXIT_NAMES.get(code, "unexpected")})'


# Building request streams as a host sends them (reference §1.2-1.5).
def slip(frame):
    return b'\xc0' + frame.replace(b'\xdb', b'\xdb\xdd').replace(b'\xc0', b'\xdb\xdc') + b'\xc0'


def request(op, data, checksum=0):
    return slip(struct.pack('<BBHI', 0, op, len(data), checksum) + data)


def data_checksum(data):
    c = 0xEF
    for b in data:
        c ^= b
    return c
