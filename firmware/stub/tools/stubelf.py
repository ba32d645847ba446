#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build-time tool for the ESP8266 flasher stub (firmware/stub).

  stubelf.py check ELF ROM_LD [MAP]      link checks; prints the sizes; exit 1 on failure
  stubelf.py embed ELF ROM_LD MAP OUT.c  link checks, then the blob as C data (stub_blob.h)
  stubelf.py vectors ROM_LD OUT.S        the QEMU fake ROM's trampolines (qemu/fake_rom.c)

The link checks: no undefined symbol; every symbol that resolves into the ROM (code
0x40000000-0x4000FFFF, data 0x3FFFC000-0x3FFFFFFF) is one ld/rom.ld names, at the address it
gives; executable sections inside IRAM 0x4010C500-0x4010FFFF and nothing else there (IRAM
takes only 32-bit accesses; with the linker's map, every input section placed there must be
code or literals by name: .text*, .literal*, .entry.text); every other allocated section inside DRAM 0x3FFE8100-0x3FFFBFFF;
the entry (stub_entry of start.S) at the start of the text."""
import hashlib
import re
import struct
import sys

IRAM = (0x4010C500, 0x40110000)
DRAM = (0x3FFE8100, 0x3FFFC000)
ROM_CODE = (0x40000000, 0x40010000)
ROM_DATA = (0x3FFFC000, 0x40000000)

SHF_ALLOC, SHF_EXECINSTR = 0x2, 0x4
SHT_SYMTAB, SHT_NOBITS = 2, 8
SHN_UNDEF = 0

# Exception vectors at the lx106's reset VECBASE 0x40000000 and the return address into the
# ROM's main that continues the flash boot (NONOS SDK eagle.rom.addr.v6.ld; reference §9.1).
VECTORS = {'_DebugExceptionVector': 0x40000010, '_NMIExceptionVector': 0x40000020,
           '_KernelExceptionVector': 0x40000030, '_UserExceptionVector': 0x40000050,
           '_DoubleExceptionVector': 0x40000070}
ROM_BOOT_RETURN = 0x400010A8


class LinkError(Exception):
    pass


def read_rom_ld(path):
    """name -> address from the PROVIDE(name = 0x...); lines of ld/rom.ld."""
    rom = {}
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            m = re.match(r'\s*PROVIDE\s*\(\s*(\w+)\s*=\s*(0x[0-9a-fA-F]+)\s*\)\s*;', line)
            if m:
                if m.group(1) in rom:
                    raise LinkError(f'{path}:{lineno}: {m.group(1)} is listed twice')
                rom[m.group(1)] = int(m.group(2), 16)
    return rom


class Elf:
    def __init__(self, path):
        with open(path, 'rb') as f:
            self.raw = f.read()
        raw = self.raw
        if raw[:4] != b'\x7fELF' or raw[4] != 1 or raw[5] != 1:
            raise LinkError(f'{path}: not a 32-bit little-endian ELF')
        (self.entry,) = struct.unpack_from('<I', raw, 24)
        shoff, = struct.unpack_from('<I', raw, 32)
        shentsize, shnum, shstrndx = struct.unpack_from('<HHH', raw, 46)
        self.sections = []
        for i in range(shnum):
            name, stype, flags, addr, off, size, link, info, align, entsize = \
                struct.unpack_from('<10I', raw, shoff + i * shentsize)
            self.sections.append(dict(name_off=name, type=stype, flags=flags, addr=addr,
                                      off=off, size=size, link=link))
        names = self.sections[shstrndx]
        for s in self.sections:
            s['name'] = self._str(names['off'] + s['name_off'])
        self.symbols = []
        for s in self.sections:
            if s['type'] != SHT_SYMTAB:
                continue
            strtab = self.sections[s['link']]['off']
            for j in range(1, s['size'] // 16):
                name, value, size, info, other, shndx = \
                    struct.unpack_from('<IIIBBH', raw, s['off'] + j * 16)
                self.symbols.append(dict(name=self._str(strtab + name), value=value,
                                         shndx=shndx, type=info & 15))

    def _str(self, off):
        return self.raw[off:self.raw.index(b'\0', off)].decode()

    def section(self, name):
        for s in self.sections:
            if s['name'] == name:
                return s
        return None

    def data(self, s):
        return self.raw[s['off']:s['off'] + s['size']]


def inside(lo, hi, rng):
    return rng[0] <= lo and hi <= rng[1]


def check(elf, rom):
    errors = []
    for sym in elf.symbols:
        if sym['shndx'] == SHN_UNDEF and sym['name']:
            errors.append(f"undefined symbol {sym['name']}: not in ld/rom.ld, and nothing "
                          "in the stub defines it")
            continue
        if sym['type'] == 4:  # STT_FILE
            continue
        v = sym['value']
        in_rom = ROM_CODE[0] <= v < ROM_CODE[1] or ROM_DATA[0] <= v < ROM_DATA[1]
        if in_rom and rom.get(sym['name']) != v:
            errors.append(f"symbol {sym['name']} resolves into the ROM at {v:#010x}, which "
                          "ld/rom.ld does not list under that name")
        if sym['name'] in rom and rom[sym['name']] != v and in_rom:
            errors.append(f"ROM symbol {sym['name']} at {v:#010x}, ld/rom.ld says "
                          f"{rom[sym['name']]:#010x}")
    for s in elf.sections:
        if not s['flags'] & SHF_ALLOC or s['size'] == 0:
            continue
        lo, hi = s['addr'], s['addr'] + s['size']
        where = f"section {s['name']} at {lo:#010x}-{hi:#010x} ({s['size']} bytes)"
        if s['flags'] & SHF_EXECINSTR:
            if not inside(lo, hi, IRAM):
                errors.append(f'{where}: code must stay inside IRAM '
                              f'{IRAM[0]:#010x}-{IRAM[1]:#010x}')
        elif lo < IRAM[1] and hi > IRAM[0]:
            errors.append(f'{where}: data in IRAM (only 32-bit accesses work there)')
        elif not inside(lo, hi, DRAM):
            errors.append(f'{where}: data must stay inside DRAM '
                          f'{DRAM[0]:#010x}-{DRAM[1]:#010x}')
    text = elf.section('.text')
    if text is None or text['size'] == 0:
        errors.append('no .text section')
    else:
        entry = [s['value'] for s in elf.symbols if s['name'] == 'stub_entry']
        if entry != [elf.entry] or not text['addr'] <= elf.entry < text['addr'] + 16:
            errors.append(f'entry {elf.entry:#010x} is not stub_entry at the start of the '
                          f"text ({text['addr']:#010x}): start.S must come first")
    if errors:
        raise LinkError('\n'.join(errors))


CODE_INPUT = re.compile(r'^\.(literal|text|entry\.text)(\..*)?$')


def check_map(map_path):
    """Input sections the linker placed in IRAM output sections that are not code."""
    errors = []
    with open(map_path, encoding='utf-8') as f:
        lines = f.read().split('Linker script and memory map', 1)[-1].splitlines()
    out_sec, out_addr = None, 0
    pending = None
    for line in lines:
        m = re.match(r'^(\.\S+)\s+(0x[0-9a-f]+)?', line)
        if m:
            out_sec, out_addr = m.group(1), int(m.group(2) or '0', 16)
            pending = None
            continue
        m = re.match(r'^ (\.\S+)(?:\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+))?\s*$', line)
        if m and not m.group(2):
            pending = m.group(1)
            continue
        if pending:
            m2 = re.match(r'^\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+)', line)
            name, pending = pending, None
            if m2:
                m = (name, m2.group(1), m2.group(2), m2.group(3))
            else:
                continue
        elif m:
            m = m.groups()
        else:
            continue
        name, addr, size, obj = m[0], int(m[1], 16), int(m[2], 16), m[3]
        if size and IRAM[0] <= addr < IRAM[1] and not CODE_INPUT.match(name):
            errors.append(f'{obj}: input section {name} ({size} bytes) placed in IRAM at '
                          f'{addr:#010x} (output {out_sec}): IRAM holds code only, data '
                          'there faults on byte access')
    return errors


# The upload through the ROM loader as espdeck sends it (src/engine/stubclient.c, reference
# §9.1): per segment a MEM_BEGIN and MEM_DATA blocks of 0x1800 bytes (PKT_ROM_MEM_BLOCK),
# then one MEM_END; each request waits for the ROM's 10-byte reply (MEM_END's may be cut
# off by the jump, counted anyway). Requests carry an 8-byte header (MEM_BEGIN 16 data bytes, MEM_DATA a
# 16-byte block header, MEM_END 8), every frame two SLIP END bytes and an escape per
# 0xC0/0xDB byte. 8N1: 10 bit times per byte. BSS is not sent: its size costs nothing.
UPLOAD_BLOCK = 0x1800
UPLOAD_BAUD = 115200
REPLY_LEN = 8 + 2


def slip_len(frame):
    return len(frame) + 2 + frame.count(0xC0) + frame.count(0xDB)


def upload_bytes(segs, entry):
    """Bytes on the wire, both directions, to upload the segments and jump to entry."""
    total = 0
    for addr, data in segs:
        blocks = (len(data) + UPLOAD_BLOCK - 1) // UPLOAD_BLOCK
        total += slip_len(struct.pack('<8x4I', len(data), blocks, UPLOAD_BLOCK, addr))
        total += slip_len(bytes(REPLY_LEN))
        for i in range(0, len(data), UPLOAD_BLOCK):
            block = data[i:i + UPLOAD_BLOCK]
            chk = 0xEF
            for b in block:
                chk ^= b
            head = struct.pack('<BBHI4I', 0, 7, 16 + len(block), chk, len(block),
                               i // UPLOAD_BLOCK, 0, 0)
            total += slip_len(head + block) + slip_len(bytes(REPLY_LEN))
    total += slip_len(struct.pack('<8x2I', 0, entry)) + slip_len(bytes(REPLY_LEN))
    return total


def sizes(elf):
    def section(name):
        s = elf.section(name)
        return (s['addr'], s['size']) if s else (0, 0)
    (_, text), (data_at, data), (bss_at, bss) = section('.text'), section('.data'), \
        section('.bss')
    iram_free = IRAM[1] - IRAM[0] - text
    wire = upload_bytes(segments(elf), elf.entry)
    return (f'stub: text {text} B (IRAM, {iram_free} B free), data+rodata {data} B at '
            f'{data_at:#010x}, bss {bss} B at {bss_at:#010x}-{bss_at + bss:#010x}, '
            f'entry {elf.entry:#010x}; upload {text + data} B, {wire} B on the wire with '
            f'framing and replies, {wire * 10 / UPLOAD_BAUD:.3f} s at {UPLOAD_BAUD}')


def segments(elf):
    segs = []
    for name in ('.text', '.data'):
        s = elf.section(name)
        if s and s['size'] and s['type'] != SHT_NOBITS:
            data = elf.data(s)
            data += b'\0' * (-len(data) % 4)
            segs.append((s['addr'], data))
    return segs


def identity(segs, entry):
    h = hashlib.sha256()
    for addr, data in segs:
        h.update(struct.pack('<II', addr, len(data)))
        h.update(data)
    h.update(struct.pack('<I', entry))
    return h.digest()


def embed(elf, out_path):
    segs = segments(elf)
    lines = ['/* Generated at build time by firmware/stub/tools/stubelf.py from the stub ELF;',
             ' * do not edit. */',
             '#include "stub/stub_blob_int.h"', '']
    for i, (addr, data) in enumerate(segs):
        lines.append(f'static const uint8_t segment{i}[{len(data)}] = {{')
        for j in range(0, len(data), 16):
            lines.append('\t' + ', '.join(f'0x{b:02x}' for b in data[j:j + 16]) + ',')
        lines.append('};')
    lines.append('static const struct stub_segment segments[] = {')
    for i, (addr, data) in enumerate(segs):
        lines.append(f'\t{{{addr:#010x}, {len(data)}, segment{i}}},')
    lines.append('};')
    digest = identity(segs, elf.entry)
    lines.append('static const struct stub_blob blob = {')
    lines.append(f'\t.entry = {elf.entry:#010x},')
    lines.append(f'\t.n_segments = {len(segs)},')
    lines.append('\t.segments = segments,')
    lines.append('\t.sha256 = {' + ', '.join(f'0x{b:02x}' for b in digest) + '},')
    lines.append('};')
    lines.append('')
    lines.append('const struct stub_blob *stub_blob_embedded(void)')
    lines.append('{')
    lines.append('\treturn &blob;')
    lines.append('}')
    with open(out_path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')


def vectors(rom, out_path):
    entries = [(addr, name, f'fake_{name}') for name, addr in rom.items()
               if ROM_CODE[0] <= addr < ROM_CODE[1]]
    entries += [(addr, name, 'fake_rom_user_vector' if name == '_UserExceptionVector' else
                 'fake_rom_exception') for name, addr in VECTORS.items()]
    entries.append((ROM_BOOT_RETURN, 'ROM flash boot', 'fake_rom_after_stub'))
    entries.sort()
    for (a, n, _), (b, m, _) in zip(entries, entries[1:]):
        if b - a < 3:
            raise LinkError(f'{n} and {m} are {b - a} bytes apart: no room for a jump')
    names = sorted(name for name, addr in rom.items() if ROM_CODE[0] <= addr < ROM_CODE[1])
    out = ['/* Generated at build time by firmware/stub/tools/stubelf.py from ld/rom.ld;',
           ' * do not edit. A "j" at each ROM address to the fake ROM\'s implementation',
           ' * (qemu/fake_rom.c); weak fallbacks stop the run naming the function. */',
           '\t.section .rom_vectors, "ax"']
    for addr, name, target in entries:
        out.append(f'\t.org {addr - ROM_CODE[0]:#x}\t/* {name} */')
        out.append(f'\tj {target}')
    out.append('\t.section .text.fallbacks, "ax"')
    out.append('\t.align 4')
    for i, name in enumerate(names):
        out += [f'\t.weak fake_{name}', f'\t.type fake_{name}, @function', f'fake_{name}:',
                f'\tmovi a2, {i}', '\tj fake_rom_unimplemented']
    out.append('\t.section .rodata.fake_rom_names, "a"')
    out.append('\t.align 4')
    out.append('\t.global fake_rom_names')
    out.append('fake_rom_names:')
    for i in range(len(names)):
        out.append(f'\t.word .Lname{i}')
    for i, name in enumerate(names):
        out.append(f'.Lname{i}:\t.asciz "{name}"')
    with open(out_path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(out) + '\n')


def main(argv):
    try:
        if len(argv) == 4 and argv[1] == 'vectors':
            vectors(read_rom_ld(argv[2]), argv[3])
            return 0
        if (argv[1:2] == ['check'] and len(argv) in (4, 5)) or \
                (argv[1:2] == ['embed'] and len(argv) == 6):
            elf = Elf(argv[2])
            try:
                check(elf, read_rom_ld(argv[3]))
                errors = []
            except LinkError as e:
                errors = [str(e)]
            if len(argv) > 4:
                errors += check_map(argv[4])
            if errors:
                raise LinkError('\n'.join(errors))
            print(sizes(elf))
            if argv[1] == 'embed':
                embed(elf, argv[5])
            return 0
    except LinkError as e:
        print(f'stub link check FAILED for {argv[2]}:', file=sys.stderr)
        print(str(e), file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
