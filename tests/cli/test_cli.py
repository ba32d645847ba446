# SPDX-License-Identifier: MIT
# The board commands end to end: espdeck runs as a user would run it, against a virtual
# board that keeps its flash in a file between runs (sim://?flash=FILE, fast timing,
# virtual clock). The seed's commands run verbatim with esptool.py replaced by espdeck
# and /dev/ttyUSB0 by the virtual board. Checks the flash file, the output text, the
# error text and the exit codes (espdeck(1)).
import os
import random
import struct
import subprocess
import sys
import tempfile

ESPDECK = os.environ["ESPDECK"]
# Writes are journalled by default: keep the journal out of the user's state folder.
_STATE = tempfile.TemporaryDirectory()
os.environ["XDG_STATE_HOME"] = _STATE.name
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(args, cwd, port=None, expect=None):
    cmd = [ESPDECK] + (["--port", port] if port else []) + args
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60)
    if expect is not None and p.returncode != expect:
        check(False, f"{' '.join(args)}: exit {p.returncode}, expected {expect}\n"
              f"stdout: {p.stdout[-1500:]}\nstderr: {p.stderr[-1500:]}")
    return p


def seed_line(line, port):
    """A seed command with esptool.py replaced by espdeck and the port by the board."""
    args = line.split()
    assert args[0] == "esptool.py"
    args = args[1:]
    i = args.index("--port")
    args[i + 1] = port
    return args


def make_files(d):
    rnd = random.Random(42)
    os.makedirs(os.path.join(d, "firmware"))
    seg = bytes(rnd.getrandbits(8) for _ in range(3600))
    img = bytes([0xE9, 1, 0, 0]) + struct.pack("<I", 0x40100004)
    img += struct.pack("<II", 0x40100000, len(seg)) + seg
    cs = 0xEF
    for b in seg:
        cs ^= b
    img += bytes(15 - len(img) % 16) + bytes([cs])
    files = {
        "boot_v1.6.bin": img,
        "esp_init_data_default.bin": bytes(rnd.getrandbits(8) for _ in range(128)),
        "blank.bin": b"\xff" * 4096,
        "user1.bin": bytes(rnd.getrandbits(8) for _ in range(0x9A00 + 17)),
        "user2.bin": bytes(rnd.getrandbits(8) for _ in range(0x8800 + 5)),
    }
    for name, data in files.items():
        with open(os.path.join(d, "firmware", name), "wb") as f:
            f.write(data)
    return files


def flash(path):
    with open(path, "rb") as f:
        return f.read()


SEED_SEPARATE = """\
esptool.py --port /dev/ttyUSB0 --baud 115200 erase_flash
esptool.py --port /dev/ttyUSB0 --baud 115200 write_flash --flash_mode qio --flash_size 32m-c1 0x0 firmware/boot_v1.6.bin
esptool.py --port /dev/ttyUSB0 --baud 115200 write_flash --flash_mode qio --flash_size 32m-c1 0x3FC000 firmware/esp_init_data_default.bin
esptool.py --port /dev/ttyUSB0 --baud 115200 write_flash --flash_mode qio --flash_size 32m-c1 0x3FE000 firmware/blank.bin
esptool.py --port /dev/ttyUSB0 --baud 115200 write_flash --flash_mode qio --flash_size 32m-c1 0x01000 firmware/user1.bin
esptool.py --port /dev/ttyUSB0 --baud 115200 write_flash --flash_mode qio --flash_size 32m-c1 0x101000 firmware/user2.bin
"""
SEED_ALL = """\
esptool.py --port /dev/ttyUSB0 --baud 115200 erase_flash
esptool.py --port /dev/ttyUSB0 --baud 115200 write_flash --flash_mode qio --flash_size 32m-c1 0x0 firmware/boot_v1.6.bin 0x3FC000 firmware/esp_init_data_default.bin 0x3FE000 firmware/blank.bin 0x01000 firmware/user1.bin 0x101000 firmware/user2.bin
esptool.py --port /dev/ttyUSB0 --baud 115200 read_flash 0x3fe000 2048 flash-3fe.bin
"""
LAYOUT = {"boot_v1.6.bin": 0x0, "esp_init_data_default.bin": 0x3FC000, "blank.bin": 0x3FE000,
          "user1.bin": 0x1000, "user2.bin": 0x101000}


def expected_image(files):
    exp = bytearray(b"\xff" * (4 << 20))
    for name, off in LAYOUT.items():
        data = bytearray(files[name])
        if off == 0:
            data[2:4] = b"\x00\x60"  # qio, 32m-c1 (size map 6), 40m kept
        exp[off:off + len(data)] = data
    return bytes(exp)


def test_seed(d, files):
    for script in (SEED_SEPARATE, SEED_ALL):
        img = os.path.join(d, "seed.img")
        if os.path.exists(img):
            os.unlink(img)
        port = f"sim://?fast&clock=virtual&flash={img}"
        for line in script.splitlines():
            p = run(seed_line(line, port), d, expect=0)
            check("Stub running..." in p.stdout, f"seed line runs on the stub: {line}")
            if "write_flash" in line:
                check("verified by MD5" in p.stdout, f"seed write proven by MD5: {p.stdout}")
        got = flash(img)
        exp = expected_image(files)
        diff = next((i for i in range(len(exp)) if got[i] != exp[i]), None)
        check(diff is None, f"seed flash differs at 0x{diff or 0:x}")
    dump = flash(os.path.join(d, "flash-3fe.bin"))
    check(dump == b"\xff" * 2048, "read_flash 0x3fe000 2048 gives blank.bin's bytes")
    check("Flash params set to 0x0060" in run(seed_line(SEED_ALL.splitlines()[1], port), d,
                                                   expect=0).stdout, "header patch reported")


def test_header_patch(d):
    img = os.path.join(d, "h.img")
    port = f"sim://?fast&clock=virtual&flash={img}&flash-size=2MB"
    run(["write_flash", "-fs", "detect", "-fm", "dio", "-ff", "26m", "0x0",
         "firmware/boot_v1.6.bin"], d, port, expect=0)
    check(flash(img)[2:4] == b"\x02\x31", "-fs detect on 2MB: header 02 31")
    run(["write_flash", "0x0", "firmware/boot_v1.6.bin"], d, port, expect=0)
    check(flash(img)[2:4] == b"\x00\x00", "keep leaves the header alone")
    run(["write_flash", "--flash_size", "4MB-c1", "0x1000", "firmware/boot_v1.6.bin"], d, port,
        expect=0)
    check(flash(img)[0x1002:0x1004] == b"\x00\x00", "only an image at 0x0 is patched")
    # above the ROM's default 4 MB: SPI_SET_PARAMS first
    img = os.path.join(d, "h16.img")
    port = f"sim://?fast&clock=virtual&flash={img}&flash-size=16MB"
    run(["write_flash", "0xF00000", "v.bin"], d, port, expect=0)
    check(flash(img)[0xF00000:0xF00000 + 5000] == b"\x11" * 5000, "write at 15 MB")


def test_info_commands(d):
    port = "sim://?fast&clock=virtual&mac=5c:cf:7f:11:22:33"
    p = run(["chip_id"], d, port, expect=0)
    check("Chip is ESP8266EX" in p.stdout and "Chip ID: 0x00112233" in p.stdout,
          "chip_id output: " + p.stdout)
    check("Crystal is 26MHz" in p.stdout, "crystal line")
    p = run(["read_mac"], d, port, expect=0)
    check("MAC: 5c:cf:7f:11:22:33" in p.stdout, "read_mac output: " + p.stdout)
    p = run(["flash_id"], d, port, expect=0)
    check("Manufacturer: ef" in p.stdout and "Device: 4016" in p.stdout
          and "Detected flash size: 4MB" in p.stdout, "flash_id output: " + p.stdout)
    p = run(["-q", "flash_id"], d, "sim://?fast&clock=virtual&flash-size=1MB", expect=0)
    check("Detected flash size: 1MB" in p.stdout and "Chip is" not in p.stdout,
          "flash_id -q on 1MB: " + p.stdout)
    p = run(["ports"], d, None, expect=0)
    check(p.stdout.strip() != "", "ports prints something")


def test_neighbours_separate_runs(d):
    """user1 first, boot.bin later in a separate run: user1's first sector survives."""
    rnd = random.Random(7)
    big = bytes(rnd.getrandbits(8) for _ in range(0x6000))
    small = bytes(rnd.getrandbits(8) for _ in range(3000))
    for name, data in (("big.bin", big), ("small.bin", small)):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    for strategy in ("exact", "preserve"):
        img = os.path.join(d, f"n-{strategy}.img")
        port = f"sim://?fast&clock=virtual&flash={img}"
        run(["erase_flash"], d, port, expect=0)
        run(["write_flash", "0x1000", "big.bin"], d, port, expect=0)
        run(["write_flash", "--erase-strategy", strategy, "0x0", "small.bin"], d, port, expect=0)
        run(["write-flash", "--erase-strategy", strategy, "0x7000", "small.bin"], d, port,
            expect=0)
        got = flash(img)
        check(got[0x1000:0x7000] == big[:0x6000], f"{strategy}: neighbour after 0x0 kept")
        check(got[0:3000] == small and got[0x7000:0x7000 + 3000] == small,
              f"{strategy}: small files written")
        check(got[0x8000:0x10000] == b"\xff" * 0x8000, f"{strategy}: rest still erased")


def test_verify_erase_read(d):
    img = os.path.join(d, "v.img")
    port = f"sim://?fast&clock=virtual&flash={img}"
    rnd = random.Random(3)
    data = bytes(rnd.getrandbits(8) for _ in range(5000))
    with open(os.path.join(d, "v.bin"), "wb") as f:
        f.write(data)
    p = run(["write_flash", "--verify", "0x20000", "v.bin"], d, port, expect=0)
    check("Verified 5000 bytes" in p.stdout, "write_flash --verify says verified")
    p = run(["verify_flash", "0x20000", "v.bin"], d, port, expect=0)
    check("verify OK" in p.stdout, "verify_flash OK: " + p.stdout)
    p = run(["write_flash", "--check-blocks", "0x30000", "v.bin"], d, port, expect=0)
    p = run(["verify_flash", "0x30000", "v.bin"], d, port, expect=0)
    check("verify OK" in p.stdout, "write_flash --check-blocks writes the data: " + p.stdout)
    bad = bytearray(data)
    bad[1000] ^= 1
    with open(os.path.join(d, "bad.bin"), "wb") as f:
        f.write(bad)
    p = run(["verify_flash", "0x20000", "bad.bin"], d, port, expect=4)
    check("verification failed" in p.stderr and "0x0203e8" in p.stderr,
          "verify_flash mismatch names the address: " + p.stderr)
    p = run(["read_flash", "0x20000", "5000", "back.bin"], d, port, expect=0)
    check(flash(os.path.join(d, "back.bin")) == data, "read_flash returns the data")
    run(["erase_region", "0x20000", "0x1000"], d, port, expect=0)
    got = flash(img)
    check(got[0x20000:0x21000] == b"\xff" * 4096 and got[0x21000:0x21000 + 904] == data[4096:],
          "erase_region erased exactly one sector")
    run(["--after", "no_reset", "write_flash", "-e", "0x1000", "v.bin"], d, port, expect=0)
    got = flash(img)
    check(got[0x21000:0x22000] == b"\xff" * 4096 and got[0x1000:0x1000 + 5000] == data,
          "write_flash -e erased the chip first")
    trace = os.path.join(d, "trace.txt")
    run(["--trace-file", trace, "read_mac"], d, port, expect=0)
    with open(trace) as f:
        text = f.read()
    check("TX" in text and "RX" in text, "--trace-file writes packets")


def test_compress_options(d):
    """-z (the default on the stub) and -u land the same bytes; ROM mode sends plain."""
    img = os.path.join(d, "z.img")
    port = f"sim://?fast&clock=virtual&flash={img}"
    data = open(os.path.join(d, "v.bin"), "rb").read()
    for args, compressed in ((["write_flash", "--compress"], True),
                             (["write_flash", "-u"], False),
                             (["--no-stub", "write_flash", "-z"], False),
                             (["write_flash", "--no-stub", "-z"], False)):
        g = args.index("write_flash")
        p = run(args[:g] + ["write_flash"] + args[g + 1:] + ["0x20000", "v.bin"], d, port,
                expect=0)
        check(("compressed bytes" in p.stdout) == compressed, f"{args}: {p.stdout}")
        check(("Stub running" in p.stdout) == ("--no-stub" not in args), f"{args} mode")
        check(flash(img)[0x20000:0x20000 + len(data)] == data, f"{args}: data written")


def test_diff_options(d):
    """--diff, --diff yes/no and esptool 5's --diff-with FILE: only changed sectors are
    written on the stub; ROM mode says --diff needs the stub and writes whole."""
    img = os.path.join(d, "diff.img")
    port = f"sim://?fast&clock=virtual&flash={img}"
    data = bytearray(os.urandom(5 * 4096))
    with open(os.path.join(d, "d1.bin"), "wb") as f:
        f.write(data)
    run(["write_flash", "0x30000", "d1.bin"], d, port, expect=0)
    data[3 * 4096 + 5] ^= 0xFF
    with open(os.path.join(d, "d2.bin"), "wb") as f:
        f.write(data)
    p = run(["write_flash", "--diff", "0x30000", "d2.bin"], d, port, expect=0)
    check("4 of 5 sectors unchanged and skipped" in p.stdout, f"--diff: {p.stdout}")
    check(flash(img)[0x30000:0x35000] == bytes(data), "--diff: the flash holds the new file")
    p = run(["write_flash", "--diff-with", "d1.bin", "0x30000", "d2.bin"], d, port, expect=0)
    check("5 of 5 sectors unchanged and skipped" in p.stdout, f"--diff-with: {p.stdout}")
    check("not read" in p.stderr, f"--diff-with note: {p.stderr}")
    p = run(["write_flash", "--diff", "no", "0x30000", "d2.bin"], d, port, expect=0)
    check("skipped" not in p.stdout, f"--diff no: {p.stdout}")
    p = run(["write_flash", "--diff-with", "skip", "0x30000", "d2.bin"], d, port, expect=0)
    check("skipped" not in p.stdout, f"--diff-with skip: {p.stdout}")
    p = run(["--no-stub", "write_flash", "--diff", "0x30000", "d1.bin"], d, port, expect=0)
    check("--diff needs the flasher stub" in p.stdout + p.stderr, f"ROM --diff: {p.stdout}")
    p = run(["write_flash", "--diff=maybe", "0x30000", "d1.bin"], d, port, expect=2)
    check("give --diff alone" in p.stderr, f"--diff=maybe: {p.stderr}")


def test_flash_status(d):
    """read_flash_status / write_flash_status with esptool's syntax and lines, on the stub
    and in ROM mode; bad --bytes and values are usage errors."""
    port = "sim://?fast&clock=virtual"
    for pre in ([], ["--no-stub"]):
        p = run(pre + ["read_flash_status"], d, port, expect=0)
        check("Flash memory status: 0x0000" in p.stdout, f"{pre} read_flash_status: {p.stdout}")
        p = run(pre + ["write_flash_status", "--bytes", "1", "--non-volatile", "0x1c"], d,
                port, expect=0)
        check("Initial flash memory status: 0x00\n" in p.stdout
              and "Setting flash memory status: 0x1c\n" in p.stdout
              and "After flash memory status:   0x1c\n" in p.stdout,
              f"{pre} write_flash_status: {p.stdout}")
    p = run(["read_flash_status", "--bytes", "3"], d, port, expect=0)
    check("Flash memory status: 0x0000\n" in p.stdout, f"--bytes 3 (esptool pads to 4): {p.stdout}")
    for args, what in ((["read_flash_status", "--bytes", "4"], "1, 2 or 3"),
                       (["write_flash_status"], "needs VALUE"),
                       (["write_flash_status", "--bytes", "1", "0x100"], "does not fit"),
                       (["read_flash_status", "0x1"], "unexpected argument")):
        p = run(args, d, port, expect=2)
        check(what in p.stderr, f"{args}: {p.stderr}")


def test_all_size(d):
    """read_flash ADDR ALL and erase_region ADDR ALL run to the end of the detected flash."""
    img = os.path.join(d, "all.img")
    port = f"sim://?fast&clock=virtual&flash={img}&flash-size=1MB"
    data = open(os.path.join(d, "v.bin"), "rb").read()
    run(["write_flash", "0xFE000", "v.bin"], d, port, expect=0)
    out = os.path.join(d, "all.bin")
    run(["read_flash", "0xFE000", "ALL", out], d, port, expect=0)
    got = open(out, "rb").read()
    check(len(got) == 0x2000 and got[:len(data)] == data,
          f"read_flash ALL reads to the end of the 1 MB flash: {len(got)} bytes")
    run(["erase_region", "0xFF000", "all"], d, port, expect=0)
    fl = flash(img)
    check(fl[0xFF000:0x100000] == b"\xff" * 0x1000 and fl[0xFE000:0xFF000] == data[:0x1000],
          "erase_region ALL erases to the end and nothing before")


def test_bad_input(d):
    port = "sim://?fast&clock=virtual"
    cases = [
        (["write_flash", "0x0"], 2, "needs ADDR FILE pairs"),
        (["write_flash", "0x0", "missing.bin"], 1, "cannot open missing.bin"),
        (["write_flash", "zz", "v.bin"], 2, "'zz' is not a number"),
        (["write_flash", "0x1001", "v.bin"], 2, "not a multiple of 0x1000"),
        (["write_flash", "--flash_size", "3MB", "0x0", "v.bin"], 2, "is not one of"),
        (["write_flash", "--flash_mode", "fast", "0x0", "v.bin"], 2, "is not one of"),
        (["write_flash", "--bogus", "0x0", "v.bin"], 2, "unknown option '--bogus'"),
        (["write_flash", "0x0", "v.bin", "0x1000", "v.bin"], 2, "overlaps"),
        (["erase_region", "0x1001", "0x1000"], 2, "multiple of 4096"),
        (["erase_region", "0x1000"], 2, "needs ADDR SIZE"),
        (["read_flash", "0x0", "16"], 2, "needs ADDR SIZE FILE"),
        (["write_flash", "0x3FF000", "v.bin"], 2, "past the end of the 4096 KiB flash"),
    ]
    for args, code, text in cases:
        p = run(args, d, port, expect=code)
        check(text in p.stderr, f"{args}: stderr lacks '{text}': {p.stderr}")
    for args, code, text in [
        (["--before", "bogus", "chip_id"], 2, "--before 'bogus' is not one of"),
        (["--after", "bogus", "chip_id"], 2, "--after 'bogus' is not one of"),
        (["--baud", "fast", "chip_id"], 2, "is not a baud rate"),
    ]:
        p = run(args, d, port, expect=code)
        check(text in p.stderr, f"{args}: stderr lacks '{text}': {p.stderr}")


def test_unreachable(d):
    env_port = os.environ.pop("ESPTOOL_PORT", None)
    for port, code, text in [
        ("/dev/ttyESPDECK-NOPE", 3, "/dev/ttyESPDECK-NOPE not found"),
        ("socket://127.0.0.1:1", 3, "cannot connect to socket://127.0.0.1:1"),
        ("socket://nocolon", 2, "write socket://HOST:PORT"),
        ("bogus://x", 2, "unknown port scheme"),
        (None, 2, "no port given"),
    ]:
        p = run(["chip_id"], d, port, expect=code)
        check(text in p.stderr, f"{port}: stderr lacks '{text}': {p.stderr}")
    p = run(["--before", "no_reset", "--connect-attempts", "2", "chip_id"], d,
            "sim://?fast&clock=virtual&need-reset", expect=3)
    check("no reply to SYNC after 2 attempts" in p.stderr, "sync failure text: " + p.stderr)
    # a board that vanishes during a read: error, and no file that looks complete
    out = os.path.join(d, "partial.bin")
    p = run(["read_flash", "0x0", "4096", out], d,
            "sim://?fast&clock=virtual&fault=disconnect-after=5000", expect=1)
    check("disconnect" in p.stderr, "disconnect text: " + p.stderr)
    check(not os.path.exists(out), "no dump after a failed read")
    check(not [n for n in os.listdir(d) if n.startswith("partial.bin")], "no temp left")
    if env_port is not None:
        os.environ["ESPTOOL_PORT"] = env_port


def test_no_port(d):
    """Every board command with no port given and none found says so, what it looked at and
    how to name a port, and stops before the board stage (no "Opening " with an empty name)."""
    home = os.path.join(d, "home-noport")
    os.makedirs(home, exist_ok=True)
    saved = {k: os.environ.pop(k, None) for k in ("ESPTOOL_PORT", "ESPDECK_CONFIG",
                                                  "HOME", "XDG_CONFIG_HOME")}
    os.environ["HOME"] = home
    conf = os.path.join(home, ".config", "espdeck", "espdeck.conf")
    commands = [["chip_id"], ["read_mac"], ["flash_id"], ["read_flash_status"],
                ["write_flash_status", "0"], ["erase_flash"], ["erase_region", "0", "4096"],
                ["write_flash", "0x0", "v.bin"], ["read_flash", "0", "16", "o.bin"],
                ["verify_flash", "0x0", "v.bin"], ["read_mem", "0x3ff00050"],
                ["monitor"], ["run"], ["read_flash_sfdp", "0", "4"]]
    try:
        probe = run(["chip_id"], d)
        if "the only ESP USB bridge" in probe.stderr or "ESP USB bridges are plugged" in probe.stderr:
            print("SKIP no-port messages: an ESP USB bridge is plugged into this machine")
            return
        for args in commands:
            p = run(args, d, expect=2)
            out = p.stdout + p.stderr
            for text in ("no port given and none found",
                         "looked for an ESP USB bridge", "--port PORT", "ESPTOOL_PORT=PORT",
                         f"'port = PORT' in {conf}"):
                check(text in p.stderr, f"no port, {args[0]}: stderr lacks '{text}': {p.stderr}")
            check("Opening" not in out, f"no port, {args[0]}: says 'Opening': {out}")
        # a port given as an empty string is not "no port" but is no port either
        p = run(["--port", "", "chip_id"], d, expect=2)
        check("the port given (from command line) is empty" in p.stderr
              and "Opening" not in p.stdout + p.stderr, "--port '': " + p.stderr)
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None)
            if v is not None:
                os.environ[k] = v


def test_faults(d):
    rnd = random.Random(5)
    data = bytes(rnd.getrandbits(8) for _ in range(0x8000))
    with open(os.path.join(d, "f.bin"), "wb") as f:
        f.write(data)
    for seed in (1, 2):
        img = os.path.join(d, f"f{seed}.img")
        port = (f"sim://?fast&clock=virtual&flash={img}&seed={seed}"
                "&fault=drop=0.00002,corrupt=0.00002,stall=2000@0.01")
        p = run(["write_flash", "0x10000", "f.bin"], d, port)
        if p.returncode == 0:
            check(flash(img)[0x10000:0x18000] == data, f"fault seed {seed}: data correct")
        else:
            # 4: done and proven, but a glitch before the stub ran leaves the rest unproven
            check(p.returncode in (1, 4) and "error:" in p.stderr,
                  f"fault seed {seed}: clear error: {p.returncode} {p.stderr[-300:]}")


def test_rom_begin_offset_flip(d):
    """ROM mode: erase_region over a blank region whose FLASH_BEGIN offset loses bit 17 on
    the wire erases 0x40000.. instead; the ROM answers as usual and the region reads blank,
    so only the witness read before tells: exit 4 naming the range."""
    rnd = random.Random(11)
    base = bytearray(rnd.getrandbits(8) for _ in range(1 << 20))
    base[0x60000:0x70000] = b"\xff" * 0x10000
    img = os.path.join(d, "begin.img")
    with open(img, "wb") as f:
        f.write(base)
    # FLASH_BEGIN #1 is the flash attach, #2 the erase; bit 160 + 17: offset bit 17
    port = f"sim://?fast&clock=virtual&flash={img}&flash-size=1MB&fault=hdr-flip=FLASH_BEGIN:#2:177"
    p = run(["--no-stub", "erase_region", "0x60000", "0x10000"], d, port, expect=4)
    check("0x040000..0x04ffff may now be erased" in p.stderr and flash(img)[0x40000] == 0xFF,
          f"an offset flip of erase_region's FLASH_BEGIN is named: {p.stderr[-600:]}")


def test_links(d):
    """socket:// and a pseudo-terminal opened as a serial device, via espdeck-sim."""
    sim = os.environ.get("ESPDECK_SIM")
    if not sim:
        return
    import time
    with open(os.path.join(d, "l.bin"), "wb") as f:
        f.write(bytes(range(256)) * 20)
    pf = os.path.join(d, "port.txt")
    img = os.path.join(d, "tcp.img")
    proc = subprocess.Popen([sim, "--tcp", "127.0.0.1:0", "--port-file", pf, "--fast",
                             "--flash", img], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if os.path.exists(pf) and open(pf).read().strip():
                break
            time.sleep(0.05)
        port = "socket://127.0.0.1:" + open(pf).read().strip()
        p = run(["write_flash", "--verify", "0x2000", "l.bin"], d, port, expect=0)
        check("Verified 5120 bytes" in p.stdout, "socket:// write and verify")
        check("carries no RTS line" in p.stderr, "socket:// says it cannot reset: " + p.stderr)
        p = run(["read_mac"], d, port, expect=0)
        check("MAC: 18:fe:34:a1:b2:c3" in p.stdout, "socket:// read_mac")
    finally:
        proc.kill()
        proc.wait()
    proc = subprocess.Popen([sim, "--pty", "--fast"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline().strip()
        check(line.startswith("/dev/"), "espdeck-sim --pty prints its path: " + line)
        p = run(["write_flash", "--verify", "0x3000", "l.bin"], d, line, expect=0)
        check("Verified 5120 bytes" in p.stdout, "pty write and verify")
    finally:
        proc.kill()
        proc.wait()


def test_whole_job_check(d):
    """A write whose second file does not fit leaves the board untouched (issue 10)."""
    img = os.path.join(d, "whole.img")
    port = f"sim://?fast&clock=virtual&flash={img}"
    run(["write_flash", "0x0", "v.bin", "0x3FD000", "v.bin"], d, port, expect=0)
    before = flash(img)
    for extra in ([], ["--erase-all"], ["--flash_mode", "qio"]):
        p = run(["write_flash"] + extra + ["0x0", "firmware/boot_v1.6.bin", "0x3FF000",
                                           "firmware/user1.bin"], d, port, expect=2)
        check("user1.bin 0x3ff000..0x408a10 goes past the end of the 4096 KiB flash; nothing "
              "was erased or written" in p.stderr, f"whole-job check {extra}: {p.stderr}")
        check("Writing" not in p.stdout and "Erasing" not in p.stdout,
              f"whole-job check {extra}: nothing starts: {p.stdout}")
        check(flash(img) == before, f"whole-job check {extra}: the flash is unchanged")
    # With --flash_size the command line already knows: the port is not even opened.
    p = run(["write_flash", "--flash_size", "1MB", "0x0", "firmware/boot_v1.6.bin", "0xF8000",
             "firmware/user1.bin"], d, port, expect=2)
    check("firmware/user1.bin at 0xf8000 (39441 bytes) does not fit in the 1MB of flash; "
          "nothing was erased or written" in p.stderr and "Opening" not in p.stdout,
          f"--flash_size 1MB: checked before the port is opened: {p.stderr} {p.stdout}")
    check(flash(img) == before, "--flash_size 1MB: the flash is unchanged")
    # A boot image at 0x0 whose header promises more than the file holds: nothing is written.
    bad = os.path.join(d, "bad-boot.bin")
    with open(bad, "wb") as f:
        f.write(bytes([0xE9, 3, 0, 0x40, 0x08, 0x10, 0x10, 0x40]) + b"\x00" * 24)
    p = run(["write_flash", "0x1000", "v.bin", "0x0", bad], d, port, expect=2)
    check("starts like an ESP8266 image but its header is damaged" in p.stderr and
          "nothing was erased or written" in p.stderr, f"damaged boot image: {p.stderr}")
    check("Writing" not in p.stdout, f"damaged boot image: nothing starts: {p.stdout}")
    check(flash(img) == before, "damaged boot image: the flash is unchanged")


def test_check_chip(d):
    """--check-chip maps every sector before and after: a FLASH_DEFL_BEGIN whose offset
    gets bit 18 flipped on the wire (a board whose stub does not check headers)
    also writes the file at 0x50000, and the error names
    those sectors; a clean write passes; several boards get the check by default."""
    rnd = random.Random(7)
    base = bytes(rnd.getrandbits(8) for _ in range(1 << 20))
    img = os.path.join(d, "chip.img")
    with open(img, "wb") as f:
        f.write(base)
    bad = f"sim://?fast&clock=virtual&unchecked&flash={img}&flash-size=1MB&fault=hdr-flip=FLASH_DEFL_BEGIN:#1:178"
    p = run(["write_flash", "--check-chip", "0x10000", "v.bin"], d, bad, expect=4)
    check("0x050000..0x051fff (2 sectors)" in p.stderr,
          f"--check-chip names the sectors written elsewhere: {p.stderr[-600:]}")
    with open(img, "wb") as f:
        f.write(base)
    p = run(["write_flash", "--no-check-chip", "0x10000", "v.bin"], d, bad, expect=4)
    check("0x050000" not in p.stderr and "--check-chip" in p.stderr,
          f"without the check the damage is suspected, not located: {p.stderr[-600:]}")
    good = f"sim://?fast&clock=virtual&flash={img}&flash-size=1MB"
    p = run(["write_flash", "--check-chip", "0x10000", "v.bin"], d, good, expect=0)
    check("Whole-chip check: nothing outside the files changed" in p.stdout,
          f"a clean write passes the whole-chip check: {p.stdout[-600:]}")
    two = ["--port", good, "--port", f"sim://?fast&clock=virtual&flash-size=1MB"]
    p = subprocess.run([ESPDECK] + two + ["write_flash", "0x10000", "v.bin"], cwd=d,
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0 and p.stdout.count("Whole-chip check: nothing outside") == 2,
          f"several boards get the whole-chip check by default: {p.stdout[-600:]}")
    p = subprocess.run([ESPDECK] + two + ["write_flash", "--no-check-chip", "0x10000",
                       "v.bin"], cwd=d, capture_output=True, text=True, timeout=60)
    check(p.returncode == 0 and "Whole-chip check" not in p.stdout,
          f"--no-check-chip turns it off: {p.stdout[-600:]}")


def main():
    with tempfile.TemporaryDirectory(prefix="espdeck-cli-") as d:
        files = make_files(d)
        with open(os.path.join(d, "v.bin"), "wb") as f:
            f.write(b"\x11" * 5000)
        test_seed(d, files)
        test_info_commands(d)
        test_header_patch(d)
        test_neighbours_separate_runs(d)
        test_verify_erase_read(d)
        test_bad_input(d)
        test_compress_options(d)
        test_diff_options(d)
        test_flash_status(d)
        test_all_size(d)
        test_whole_job_check(d)
        test_check_chip(d)
        test_unreachable(d)
        test_no_port(d)
        test_faults(d)
        test_rom_begin_offset_flip(d)
        test_links(d)
    print(f"{checks - len(failures)} of {checks} checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
