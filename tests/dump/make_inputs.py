#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the deterministic dumps the --dump text tests render (into the folder given).
import os
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes(data))


# The seed's dump: read_flash 0x3fe000 2048 flash-3fe.bin of a freshly written blank.bin.
write("flash-3fe.bin", b"\xff" * 2048)

# 3117 bytes at 0x1000: a v1 image header and segment, 48 bytes of 0xFF (too short
# to collapse), text, 2 KiB erased (collapsed), a row of every byte class, 5 odd bytes.
img = bytearray([0xE9, 1, 0, 0x60, 0x38, 4, 0x10, 0x40, 0, 0, 0x10, 0x40, 4, 0, 0, 0,
                 0x12, 0x34, 0x56, 0x78] + [0] * 11)
img.append(0xEF ^ 0x12 ^ 0x34 ^ 0x56 ^ 0x78)
d = bytearray(img)
d += b"\xff" * 48
d += b"esp_init_data rf_cal boot_v1.6 user1.bin user2.bin @ 0x101000 "
d += b"\xff" * (1024 - len(d))
d += b"\xff" * 2048
d += bytes(range(0, 256, 8)) + bytes(range(0x7c, 0x84))
d += b"\x00\x01\x41\x7f\xff"
write("app-0x01000.bin", d)

# The same with two bytes changed and 3 bytes more, for --compare.
e = bytearray(d)
e[0x20] = 0x00
e[0xC10] ^= 0x80
e += b"\xaa\xbb\xcc"
write("app-0x01000-b.bin", e)
