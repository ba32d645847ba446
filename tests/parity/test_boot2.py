# SPDX-License-Identifier: MIT
# The virtual board prints the SDK boot loader's lines (issue 15, item 8) when the flash
# holds a boot-loader-shaped image at 0x0 (built here: no vendor binary) and a user image
# where the boot configuration points; the demo preset then passes the README's
# `monitor --reset --expect "jump to run user1"` over a real pseudo-terminal.
import os
import struct
import subprocess
import tempfile

from common import BUILD_ROOT, check, finish, read, run, sim, write

MB = 1 << 20


def v1_image(segments, entry=0x40100004, params=b"\x00\x00"):
    img = bytearray([0xE9, len(segments)]) + params + struct.pack("<I", entry)
    cs = 0xEF
    for addr, data in segments:
        img += struct.pack("<II", addr, len(data)) + data
        for b in data:
            cs ^= b
    img += bytes(15 - len(img) % 16) + bytes([cs])
    return bytes(img)


def boot_loader():
    """Shaped like boot_v1.x: IRAM code, two DRAM segments, under 4 KiB."""
    return v1_image([(0x40100000, bytes(range(200)) * 8), (0x3FFE8000, b"\x11" * 776),
                     (0x3FFE8310, b"\x22" * 632)], entry=0x40100400)


def user_bin(app):
    """A gen_appbin boot-mode-2 header is all the boot loader checks (its magic)."""
    return bytes([0xEA, 4, 0, app]) + struct.pack("<I", 0x40100004) + b"\x33" * 504


def flash_with(size, parts):
    f = bytearray(b"\xff" * size)
    for addr, data in parts:
        f[addr:addr + len(data)] = data
    return f


def monitor(d, name, flash, expect, code, texts=(), absent=()):
    img = os.path.join(d, name)
    write(img, bytes(flash))
    size = len(flash) // MB
    p = run(["monitor", "--reset", "--time", "0.5"] + (["--expect", expect] if expect else []),
            d, sim(img, f"&boot-log&flash-size={size}MB"), expect=code, texts=texts)
    for t in absent:
        check(t not in p.stdout, f"{name}: {t!r} must not be printed:\n{p.stdout[-1500:]}")
    return p


def test_slots(d):
    boot = boot_loader()
    u1, u2 = user_bin(1), user_bin(2)
    base = [(0, boot), (0x1000, u1), (0x101000, u2)]
    # an erased configuration (the seed writes blank.bin at 0x3FE000): user1; header 00 00
    # of the image at 0x0 = QIO, 40 MHz, size_map 0 ... but the seed patches it: do that
    img = os.path.join(d, "seed.bin")
    write(img, bytes(flash_with(4 * MB, base[1:])))
    write(os.path.join(d, "boot.bin"), boot)
    run(["write_flash", "--flash_mode", "dio", "--flash_freq", "80m", "--flash_size",
         "32m-c1", "0x0", "boot.bin"], d, sim(img), expect=0)
    run(["monitor", "--reset", "--time", "0.5", "--expect", "jump to run user1"], d,
        sim(img, "&boot-log"), expect=0,
        texts=["\n2nd boot version : 1.7\n", "\n  SPI Speed      : 80MHz\n",
               "\n  SPI Mode       : DIO\n", "\n  SPI Flash Size & Map: 32Mbit(1024KB+1024KB)\n",
               "\njump to run user1 @ 1000\n", "verdict: booted"])
    patched = [(0, boot[:2] + b"\x00\x60" + boot[4:])] + base[1:]
    # flag byte (0x3FF000) = 0: parameters in 0x3FD000; usr_bin 1 + boot_status 1 = user2
    monitor(d, "u2.bin", flash_with(4 * MB, patched + [(0x3FF000, b"\x00"),
                                                        (0x3FD000, b"\x05\x00")]),
            "jump to run user2", 0, texts=["jump to run user2 @ 101000"])
    # the same parameters in the other sector are not read while the flag is 0
    monitor(d, "u1flag.bin", flash_with(4 * MB, patched + [(0x3FF000, b"\x00"),
                                                            (0x3FE000, b"\x05\x00")]),
            "jump to run user1", 0, texts=["jump to run user1 @ 1000"])
    # flag != 0: parameters in 0x3FE000; usr_bin 0, boot_status 0, version != 4 = user2
    monitor(d, "u2b.bin", flash_with(4 * MB, patched + [(0x3FE000, b"\x00\x00")]),
            "jump to run user2", 0, texts=["jump to run user2 @ 101000"])
    # ... with version 4: user1
    monitor(d, "u1v4.bin", flash_with(4 * MB, patched + [(0x3FE000, b"\x00\x04")]),
            "jump to run user1", 0, texts=["jump to run user1 @ 1000"])
    # a 512+512 map (1MB, size_map 2): user2 at 0x81000, configuration at 0xFD000-0xFF000
    small = [(0, boot[:2] + b"\x03\x22" + boot[4:]), (0x1000, u1), (0x81000, u2),
             (0xFF000, b"\x00"), (0xFD000, b"\x05")]
    monitor(d, "1mb.bin", flash_with(1 * MB, small), "jump to run user2", 0,
            texts=["  SPI Flash Size & Map: 8Mbit(512KB+512KB)", "  SPI Speed      : 20MHz",
                   "  SPI Mode       : DOUT", "jump to run user2 @ 81000"])


def test_no_boot_loader(d):
    raw = boot_loader()
    boot = raw[:2] + b"\x00\x60" + raw[4:]  # 4MB-c1, like the seed writes it
    # no user image where the configuration points: no boot loader lines, not booted
    monitor(d, "noapp.bin", flash_with(4 * MB, [(0, boot)]), "jump to run user1", 1,
            texts=["never jumped"], absent=["\njump to run", "2nd boot version"])
    # user2 selected but only user1 present
    monitor(d, "nou2.bin", flash_with(4 * MB, [(0, boot), (0x1000, user_bin(1)),
                                               (0x3FE000, b"\x00\x00")]), None, 0,
            absent=["\njump to run", "2nd boot version"])
    # a non-OTA application at 0x0 (code in irom0 segment, past one sector): ROM lines only
    app = v1_image([(0x40100000, b"\x44" * 5000)])
    monitor(d, "app.bin", flash_with(4 * MB, [(0, app), (0x1000 * 2, b"")]), None, 0,
            texts=["csum 0x"], absent=["2nd boot version"])
    # a segment outside RAM (irom0) is no boot loader
    irom = v1_image([(0x40201010, b"\x55" * 100)])
    monitor(d, "irom.bin", flash_with(4 * MB, [(0, irom), (0x1000, user_bin(1))]), None, 0,
            absent=["2nd boot version"])
    # a bad checksum stops the ROM before any boot loader
    bad = bytearray(boot)
    bad[-1] ^= 0xFF
    monitor(d, "bad.bin", flash_with(4 * MB, [(0, bytes(bad)), (0x1000, user_bin(1))]),
            None, 1, texts=["csum err"], absent=["2nd boot version"])


def test_demo_preset_readme(d):
    """The README: write_layout demo, then monitor --reset --expect "jump to run user1"."""
    fw = os.path.join(BUILD_ROOT, "firmware")
    if not os.path.exists(os.path.join(fw, "user1.bin")):
        print("no demo firmware (no cross compiler): README check skipped")
        return
    img = os.path.join(d, "demo.bin")
    run(["--firmware-dir", fw, "write_layout", "demo"], d, sim(img), expect=0)
    run(["monitor", "--reset", "--time", "1", "--expect", "jump to run user1"], d,
        sim(img, "&boot-log"), expect=0,
        texts=["jump to run user1 @ 1000", "verdict: booted"])


def test_boot_baud_on_a_tty(d):
    """74880 baud (the boot log's rate) on a real pseudo-terminal: monitor listens at it
    (termios has no B74880), and the next write at 115200 still syncs."""
    write(os.path.join(d, "w.bin"), bytes(range(256)) * 4)
    proc = subprocess.Popen([os.environ["ESPDECK_SIM"], "--pty", "--fast", "--boot-log"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        port = proc.stdout.readline().strip()
        check(port.startswith("/dev/"), "espdeck-sim --pty prints its path: " + port)
        p = run(["monitor", "--time", "0.3"], d, port, texts=["verdict: "])
        check(p.returncode in (0, 1) and "not a standard rate" not in p.stderr,
              f"74880 baud on a pty: exit {p.returncode}, {p.stderr}")
        run(["write_flash", "--verify", "0x2000", "w.bin"], d, port, expect=0,
            texts=["Verified 1024 bytes"])
    finally:
        proc.kill()
        proc.wait()


def main():
    with tempfile.TemporaryDirectory() as d:
        test_slots(d)
        test_no_boot_loader(d)
        test_demo_preset_readme(d)
        test_boot_baud_on_a_tty(d)
    finish("boot2")


main()
