# SPDX-License-Identifier: MIT
# merge_bin (issue 15): esptool's syntax, raw output (0xFF gaps, --target-offset,
# --fill-flash-size, the flash-parameter patch of the image at 0x0) checked against a
# model of esptool's rules written here; Intel HEX checked byte for byte against a golden
# file (espdeck's own output, shown identical to esptool 4.8.1's before it was committed)
# and parsed back; errors; and the merged file written to the virtual board.
import os
import struct
import tempfile

from common import SOURCE_ROOT, check, finish, read, run, sim, write


def pattern(n, seed):
    return bytes((i * 7 + seed * 13 + (i >> 8)) & 0xFF for i in range(n))


def image(seg_len=64):
    """A valid ESP8266 v1 image (one segment): esptool patches only such files."""
    seg = pattern(seg_len, 5)
    cs = 0xEF
    for b in seg:
        cs ^= b
    img = bytes([0xE9, 1, 0, 0x20]) + struct.pack("<I", 0x40100004)
    img += struct.pack("<II", 0x40100000, len(seg)) + seg
    return img + bytes(15 - len(img) % 16) + bytes([cs])


def model_raw(pairs, target=0, fill=0):
    end = max(a + len(d) for a, d in pairs)
    out = bytearray(b"\xff" * (max(end, fill) - target))
    for a, d in pairs:
        out[a - target:a - target + len(d)] = d
    return bytes(out)


def parse_hex(text):
    """Intel HEX back to {address: byte}; checks every record's checksum."""
    mem, high = {}, 0
    lines = text.split("\n")
    check(lines[-2:] == [":00000001FF", ""], "HEX ends with the EOF record and a newline")
    for line in lines[:-2]:
        raw = bytes.fromhex(line[1:])
        check(line[0] == ":" and sum(raw) & 0xFF == 0, f"HEX record checksum: {line}")
        check(line == line.upper(), "upper-case HEX")
        n, addr, kind = raw[0], raw[1] << 8 | raw[2], raw[3]
        check(n <= 16 and len(raw) == n + 5, f"record length: {line}")
        if kind == 4:
            high = raw[4] << 8 | raw[5]
        elif kind == 0:
            check(addr + n <= 0x10000, f"record crosses 64 KiB: {line}")
            for i in range(n):
                mem[(high << 16) + addr + i] = raw[4 + i]
    return mem


def test_raw(d):
    boot, u1, u2 = image(), pattern(0x9A05, 1), pattern(0x8801, 2)
    for name, data in (("boot.bin", boot), ("u1.bin", u1), ("u2.bin", u2)):
        write(os.path.join(d, name), data)
    # the seed's files, esptool's spelling; the image at 0x0 gets 00 60 (qio, 4MB-c1, 40m)
    run(["merge_bin", "-o", "m.bin", "--flash_mode", "qio", "--flash_size", "4MB-c1",
         "--flash_freq", "40m", "0x0", "boot.bin", "0x1000", "u1.bin", "0x101000", "u2.bin"],
        d, expect=0, texts=["Flash params set to 0x0060",
                            "Wrote 0x109801 bytes to file m.bin, ready to flash to offset 0x0"])
    patched = boot[:2] + b"\x00\x60" + boot[4:]
    check(read(os.path.join(d, "m.bin")) == model_raw([(0, patched), (0x1000, u1),
                                                        (0x101000, u2)]), "raw merge bytes")
    # keep (the default): untouched; files given out of order; fill; -f and = forms
    run(["merge_bin", "--output=k.bin", "-f", "raw", "--fill-flash-size", "2MB",
         "0x101000", "u2.bin", "0x0", "boot.bin"], d, expect=0)
    check(read(os.path.join(d, "k.bin")) == model_raw([(0, boot), (0x101000, u2)],
                                                      fill=2 << 20), "fill to 2MB, keep")
    # --target-offset: the file starts at the first file's flash offset
    run(["merge_bin", "-o", "t.bin", "--target-offset", "0x1000", "--fill-flash-size", "1MB",
         "0x1000", "u1.bin", "0x81000", "u2.bin"], d, expect=0,
        texts=["ready to flash to offset 0x1000"])
    check(read(os.path.join(d, "t.bin")) == model_raw([(0x1000, u1), (0x81000, u2)], 0x1000,
                                                      1 << 20), "target offset + fill")
    # a non-image at 0x0 is left alone, with esptool's warning
    run(["merge_bin", "-o", "n.bin", "-fm", "dio", "0x0", "u1.bin"], d, expect=0,
        texts=["doesn't look like an image file"])
    check(read(os.path.join(d, "n.bin")) == u1, "non-image at 0x0 not patched")
    # the merged file on the virtual board: the same flash as the separate files
    img = os.path.join(d, "flash.bin")
    run(["write_flash", "0x0", "m.bin"], d, sim(img), expect=0)
    f = read(img)
    check(f[:len(patched)] == patched and f[0x1000:0x1000 + len(u1)] == u1 and
          f[0x101000:0x101000 + len(u2)] == u2, "merged file written to the board")


def test_hex(d):
    c, e, g = pattern(0xFF8, 3), pattern(0x123, 4), pattern(17, 6)
    for name, data in (("c.bin", c), ("e.bin", e), ("g.bin", g), ("boot.bin", image())):
        write(os.path.join(d, name), data)
    # a seam (c ends where e starts), a file across 64 KiB, the image patched
    args = ["merge_bin", "--format", "hex", "-fm", "dout", "-ff", "80m", "0x0", "boot.bin",
            "0x1008", "c.bin", "0x2000", "e.bin", "0xFFF8", "g.bin"]
    run(args + ["-o", "m.hex"], d, expect=0, texts=["Flash params set to 0x032f"])
    got = read(os.path.join(d, "m.hex"))
    golden = read(os.path.join(SOURCE_ROOT, "tests", "parity", "golden", "merge_seam.hex"))
    check(got == golden, "HEX output equals the golden file (= esptool 4.8.1's)")
    mem = parse_hex(got.decode())
    boot = image()
    want = {}
    for a, data in ((0, boot[:2] + b"\x03\x2f" + boot[4:]), (0x1008, c), (0x2000, e),
                    (0xFFF8, g)):
        for i, b in enumerate(data):
            want[a + i] = b
    check(mem == want, "HEX parses back to the files")
    run(["merge_bin", "-f", "hex", "-o", "one.hex", "0x1000", "e.bin"], d, expect=0,
        texts=["only one input file"])
    check(b":04" not in read(os.path.join(d, "one.hex"))[:3], "no 04 record below 64 KiB")


def test_hex_input(d):
    """An Intel HEX input is converted as esptool converts it: its bytes from the given
    address to its highest one, gaps 0xFF; anything that is not valid HEX stays raw."""
    e, g = pattern(0x123, 4), pattern(17, 6)
    for name, data in (("e.bin", e), ("g.bin", g)):
        write(os.path.join(d, name), data)
    run(["merge_bin", "-f", "hex", "-o", "in.hex", "0x1000", "e.bin", "0x3000", "g.bin"], d,
        expect=0)
    run(["merge_bin", "-o", "from_hex.bin", "-t", "0x1000", "0x1000", "in.hex"], d, expect=0)
    want = e + b"\xff" * (0x2000 - len(e)) + g
    check(read(os.path.join(d, "from_hex.bin")) == want, "HEX input back to bytes at 0x1000")
    # placed lower than its data: 0xFF up to where the data starts
    run(["merge_bin", "-o", "low.bin", "0x0", "in.hex"], d, expect=0)
    check(read(os.path.join(d, "low.bin")) == b"\xff" * 0x1000 + want, "HEX input at 0x0")
    # write_flash converts it the same way (esptool's AddrFilenamePairAction)
    img = os.path.join(d, "hexflash.bin")
    run(["write_flash", "0x1000", "in.hex"], d, sim(img), expect=0)
    f = read(img)
    check(f[0x1000:0x1000 + len(want)] == want, "write_flash of an Intel HEX file")
    # a record with a wrong checksum: not HEX to esptool, so the text itself is merged
    bad = b":0400100001020304E3\n:00000001FF\n"
    write(os.path.join(d, "bad.hex"), bad)
    run(["merge_bin", "-o", "raw.bin", "0x0", "bad.hex"], d, expect=0)
    check(read(os.path.join(d, "raw.bin")) == bad, "a broken HEX file is taken as raw bytes")
    write(os.path.join(d, "twice.hex"), b":0100100041AE\n:0100100042AD\n")
    run(["merge_bin", "-o", "x.bin", "0x0", "twice.hex"], d, expect=1,
        texts=["twice.hex: two records of the Intel HEX file write the same address"])


def test_errors(d):
    write(os.path.join(d, "x.bin"), pattern(0x1001, 9))
    for args, code, text in (
        (["-o", "o", "0x0", "x.bin", "0x1000", "x.bin"], 2,
         "x.bin at 0x1000 overlaps x.bin (files must not share a 4 KiB sector"),
        (["-o", "o", "-t", "0x2000", "0x1000", "x.bin"], 2,
         "target offset is 0x2000 but x.bin starts before it, at 0x1000"),
        (["0x0", "x.bin"], 2, "the output file is required (-o OUT)"),
        (["-o", "o", "0x0"], 2, "give pairs of an address and the file"),
        (["-o", "o", "zero", "x.bin"], 2, "address 'zero' is not a number"),
        (["-o", "o", "0x0", "missing.bin"], 1, "missing.bin"),
        (["-o", "o", "--fill-flash-size", "3MB", "0x0", "x.bin"], 2,
         "--fill-flash-size must be one of 256KB"),
        (["-o", "o", "-f", "uf2", "0x0", "x.bin"], 2, "--format uf2"),
        (["-o", "o", "-fs", "4M", "0x1000", "x.bin"], 2, "flash size '4M' is ambiguous"),
        (["-o", "o", "-fs", "detect", "0x0", "x.bin"], 2, "detect needs a board"),
        (["-o", "o", "--bogus", "0x0", "x.bin"], 2, "unknown option"),
    ):
        run(["merge_bin"] + args, d, expect=code, texts=[text])
    check(not os.path.exists(os.path.join(d, "o")), "no output file after an error")


def main():
    with tempfile.TemporaryDirectory() as d:
        test_raw(d)
        test_hex(d)
        test_hex_input(d)
        test_errors(d)
    finish("merge-bin")


main()
