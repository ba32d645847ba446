# SPDX-License-Identifier: MIT
# image_info --version 2 prints esptool's extended listing (issue 15): the expected texts
# below are esptool 4.8.1's output for the same files, checked once by running it; the
# files are built here. espdeck's own form stays the default.
import os
import struct
import tempfile

from common import check, finish, run, write


def segs(parts):
    out, cs = b"", 0xEF
    for addr, data in parts:
        out += struct.pack("<II", addr, len(data)) + data
        for b in data:
            cs ^= b
    return out, cs


def v1(parts, entry, params=b"\x02\x20"):
    body, cs = segs(parts)
    img = bytes([0xE9, len(parts)]) + params + struct.pack("<I", entry) + body
    return img + bytes(15 - len(img) % 16) + bytes([cs])


def v2(irom, parts, entry, first=b"\x00\x20", second=b"\x00\x20"):
    head = bytes([0xEA, 4]) + first + struct.pack("<I", entry)
    head += struct.pack("<II", 0, len(irom)) + irom
    body, cs = segs(parts)
    img = head + bytes([0xE9, len(parts)]) + second + struct.pack("<I", entry) + body
    return img + bytes(15 - len(img) % 16) + bytes([cs])


RAM = [(0x3FFE8000, bytes(range(0x34))), (0x40100000, bytes(range(100, 167)))]

V1_TEXT = """File size: 144 (bytes)
Detected image type: ESP8266

ESP8266 image header
====================
Image version: 1
Entry point: 0x40100014
Segments: 2
Flash size: 1MB
Flash freq: 40m
Flash mode: DIO

Segments information
====================
Segment   Length   Load addr   File offs  Memory types
-------  -------  ----------  ----------  ------------
      0  0x00034  0x3ffe8000  0x00000008  DRAM
      1  0x00044  0x40100000  0x00000044  IRAM

ESP8266 image footer
====================
Checksum: 0x48 (valid)
"""

V2_TEXT = """File size: 192 (bytes)
WARNING: Flash size/freq value in first header (0x60) disagrees with second (0x6f). Using second value.

ESP8266 image header
====================
Image version: 2
Entry point: 0x40100014
Segments: 3
Flash size: 4MB-c1
Flash freq: 80m
Flash mode: QIO

Segments information
====================
Segment   Length   Load addr   File offs  Memory types
-------  -------  ----------  ----------  ------------
      0  0x00020  0x00000000  0x00000008  
      1  0x00034  0x3ffe8000  0x00000038  DRAM
      2  0x00044  0x40100000  0x00000074  IRAM

ESP8266 image footer
====================
Checksum: 0x48 (valid)
"""


def test_listing(d):
    write(os.path.join(d, "v1.bin"), v1(RAM, 0x40100014))
    p = run(["image_info", "--version", "2", "v1.bin"], d, expect=0)
    check(p.stdout == V1_TEXT, "v1 listing:\n" + p.stdout)
    write(os.path.join(d, "v2.bin"), v2(bytes(range(32)), RAM, 0x40100014, b"\x00\x60",
                                        b"\x00\x6f"))
    p = run(["--chip", "esp8266", "image_info", "-v", "2", "v2.bin"], d, expect=0)
    check(p.stdout == V2_TEXT, "v2 listing:\n" + p.stdout)
    bad = bytearray(v1(RAM, 0x40100014))
    bad[-1] ^= 0xFF
    write(os.path.join(d, "bad.bin"), bytes(bad))
    run(["image_info", "--version=2", "bad.bin"], d, expect=1,
        texts=["Checksum: 0xb7 (invalid - calculated 48)\n", "the checksum does not match"])
    # the default stays espdeck's own description
    run(["image_info", "v1.bin"], d, expect=0, texts=["Result: OK"])
    run(["image_info", "--version", "1", "v1.bin"], d, expect=0, texts=["Result: OK"])


def test_errors(d):
    write(os.path.join(d, "ff.bin"), b"\xff" * 64)
    run(["image_info", "--version", "2", "ff.bin"], d, expect=1,
        texts=["This is not a valid image (invalid magic number: 0xff)"])
    write(os.path.join(d, "short.bin"), v1(RAM, 0x40100014)[:80])
    run(["image_info", "--version", "2", "short.bin"], d, expect=1,
        texts=["End of file reading segment 0x40100000, length 67 (actual length 4)"])
    run(["image_info", "--version", "3", "short.bin"], d, expect=2,
        texts=["--version must be 1 or 2"])


def main():
    with tempfile.TemporaryDirectory() as d:
        test_listing(d)
        test_errors(d)
    finish("image-info")


main()
