# SPDX-License-Identifier: MIT
# --flash_size names everywhere a size is accepted (issue 15, item 2): the old megabit
# names keep working and the output says what they mean; an upper-case M without B
# ("4M" = 4 MB or 4 Mbit?) is refused with both meanings; esptool's names as before.
import os
import struct
import tempfile

from common import TESTAPP_ELF, check, finish, read, run, sim, write

AMBIGUOUS_4M = ("flash size '4M' is ambiguous: it could mean 4MB (megabytes, size_map 4), "
                "or the old megabit name 4m = 512KB (size_map 0); write 4MB or 4m")


def boot_like_image():
    seg = bytes(range(64))
    cs = 0xEF
    for b in seg:
        cs ^= b
    img = bytes([0xE9, 1, 0, 0]) + struct.pack("<I", 0x40100004)
    img += struct.pack("<II", 0x40100000, len(seg)) + seg
    return img + bytes(15 - len(img) % 16) + bytes([cs])


def test_write_flash(d):
    write(os.path.join(d, "boot.bin"), boot_like_image())
    img = os.path.join(d, "flash.bin")
    for name in ("4M", "8M", "16M", "32M", "2M"):
        p = run(["write_flash", "--flash_size", name, "0x0", "boot.bin"], d, sim(img), expect=2,
                texts=[f"flash size '{name}' is ambiguous"])
        check("Connecting" not in p.stdout, f"{name}: refused before connecting")
    run(["write_flash", "-fs", "4M", "0x0", "boot.bin"], d, sim(img), expect=2,
        texts=[AMBIGUOUS_4M])
    run(["write_flash", "--flash_size=1M", "0x0", "boot.bin"], d, sim(img), expect=2,
        texts=["it could mean 1MB (megabytes, size_map 2), or 1m megabits, which is no "
               "ESP8266 flash size; write 1MB"])
    run(["write_flash", "--flash_size", "32M-c1", "0x0", "boot.bin"], d, sim(img), expect=2,
        texts=["32MB-c1, which is no ESP8266 flash size, or the old megabit name "
               "32m-c1 = 4MB-c1 (size_map 6); write 32m-c1"])
    # the seed's spelling: accepted, explained, and the header says size_map 6
    run(["write_flash", "--flash_mode", "qio", "--flash_size", "32m-c1", "0x0", "boot.bin"],
        d, sim(img), expect=0, texts=["Flash size 32m-c1 = 4MB-c1"])
    check(read(img)[2:4] == b"\x00\x60", f"32m-c1 header {read(img)[2:4].hex()}")
    run(["write_flash", "-fs", "4m", "0x0", "boot.bin"], d, sim(img), expect=0,
        texts=["Flash size 4m = 512KB"])
    check(read(img)[3] >> 4 == 0, "4m = 512KB = size_map 0")
    p = run(["write_flash", "-fs", "4MB", "0x0", "boot.bin"], d, sim(img), expect=0)
    check("Flash size" not in p.stdout, "esptool names need no explanation")
    check(read(img)[3] >> 4 == 4, "4MB = size_map 4")
    run(["write_flash", "-fs", "2MB-c1", "0x0", "boot.bin"], d, sim(img), expect=0)
    check(read(img)[3] >> 4 == 5, "2MB-c1 = size_map 5")
    run(["write_flash", "-fs", "detect", "0x0", "boot.bin"], d, sim(img), expect=0)
    check(read(img)[3] >> 4 == 4, "detect on the 4 MB board = size_map 4")
    run(["write_flash", "-fs", "keep", "0x0", "boot.bin"], d, sim(img), expect=0)
    run(["verify_flash", "-fs", "4M", "0x0", "boot.bin"], d, sim(img), expect=2,
        texts=[AMBIGUOUS_4M])


def test_image_tools(d):
    elf = TESTAPP_ELF
    if not elf:
        print("no cross-compiled ELF: image tool checks skipped")
        return
    run(["elf2image", "-fs", "4M", "-o", "x-", elf], d, expect=2, texts=[AMBIGUOUS_4M])
    run(["elf2image", "--version=2", "--flash_size", "8M", "-o", "x.bin", elf], d, expect=2,
        texts=["flash size '8M' is ambiguous"])
    run(["make_ota", elf, "--app", "1", "-fs", "4M", "-o", "u.bin"], d, expect=2,
        texts=[AMBIGUOUS_4M])
    run(["elf2image", "--version=2", "--flash_size", "32m-c1", "-o", "ok.bin", elf], d,
        expect=0)
    check(read(os.path.join(d, "ok.bin"))[3] >> 4 == 6, "elf2image -fs 32m-c1 = size_map 6")


def test_presets(d):
    run(["layout", "show", "32m-c1"], d, expect=0,
        texts=["flash: size 32m-c1 = 4MB-c1 (4194304 bytes)"])
    os.makedirs(os.path.join(d, "presets"), exist_ok=True)
    ini = os.path.join(d, "presets", "amb.ini")
    write(ini, b"[preset]\nflash_size = 16M\n[region a]\noffset = 0\nfill = 0xff\nsize = 0x1000\n")
    run(["layout", "show", ini], d, expect=1,
        texts=["amb.ini:2: error: flash_size: flash size '16M' is ambiguous: it could mean "
               "16MB (megabytes, size_map 9), or the old megabit name 16m = 2MB (size_map 3)"])


def main():
    with tempfile.TemporaryDirectory() as d:
        test_write_flash(d)
        test_image_tools(d)
        test_presets(d)
    finish("flash-size")


main()
