# SPDX-License-Identifier: MIT
# The configuration file, esptool's environment variables and their precedence
# (espdeck.conf(5)): `espdeck config` shows each setting with its source; the file's
# values reach real runs on the virtual board (port lists, @remote lists, firmware_dir
# relative to the file, custom_reset_sequence); bad files are refused with file:line and
# exit 2; firmware lookup lists every folder it looked in.
import os
import subprocess
import sys
import tempfile

ESPDECK = os.environ["ESPDECK"]
BUILD = os.environ["ESPDECK_BUILD_ROOT"]
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(args, cwd, env=None, expect=None):
    e = dict(os.environ)
    for k in list(e):
        if k.startswith("ESPTOOL_") or k == "ESPDECK_CONFIG":
            del e[k]
    e.update(env or {})
    p = subprocess.run([ESPDECK] + args, cwd=cwd, env=e, capture_output=True, text=True,
                       timeout=60)
    if expect is not None and p.returncode != expect:
        check(False, f"{' '.join(args)}: exit {p.returncode}, expected {expect}\n"
              f"stdout: {p.stdout[-1500:]}\nstderr: {p.stderr[-1500:]}")
    return p


def has(text, want, what):
    check(want in text, f"{what}: wanted {want!r} in:\n{text}")


def settings(out):
    """'key = value  (source)' lines of `espdeck config` as {key: (value, source)}."""
    res = {}
    for line in out.splitlines():
        if " = " in line and line.endswith(")") and "  (" in line:
            key, rest = line.split(" = ", 1)
            value, source = rest.rsplit("  (", 1)
            res[key] = (value, source[:-1])
    return res


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def main():
    d = tempfile.mkdtemp()
    xdg = os.path.join(d, "xdg")
    env = {"XDG_CONFIG_HOME": xdg, "XDG_DATA_HOME": os.path.join(d, "data"),
           "XDG_STATE_HOME": os.path.join(d, "state")}
    conf = os.path.join(xdg, "espdeck", "espdeck.conf")

    # No file: defaults, and the output says there was none.
    p = run(["config"], d, env, expect=0)
    has(p.stdout, f"config file: none ({conf} does not exist)", "no file")
    s = settings(p.stdout)
    check(s.get("baud") == ("115200", "default"), f"default baud: {s.get('baud')}")

    # The default file, each kind of key.
    write(conf, "; espdeck.conf for the tests\n"
          "port = sim://?fast, sim://?fast&mac=5c:cf:7f:00:00:02\n"
          "baud = 460800\n"
          "before = default_reset\n"
          "after = no_reset\n"
          "connect_attempts = 3\n"
          "custom_reset_sequence = R1|W0.1|U1,0|W0.05|D0\n"
          "firmware_dir = fw\n"
          "preset = demo\n"
          "journal = journal.csv\n"
          "\n"
          "[remote lab]\n"
          "ports = sim://?fast&mac=5c:cf:7f:00:00:0a,  sim://?fast&mac=5c:cf:7f:00:00:0b\n"
          "[remote far]\n"
          "ports = rfc2217://192.0.2.1:4000, socket://192.0.2.2:4001\n")
    p = run(["config"], d, env, expect=0)
    has(p.stdout, f"config file: {conf}", "file named")
    s = settings(p.stdout)
    check(s.get("port") == ("sim://?fast, sim://?fast&mac=5c:cf:7f:00:00:02", "espdeck.conf:2"),
          f"port from file: {s.get('port')}")
    check(s.get("baud") == ("460800", "espdeck.conf:3"), f"baud from file: {s.get('baud')}")
    check(s.get("after") == ("no_reset", "espdeck.conf:5"), f"after: {s.get('after')}")
    check(s.get("connect_attempts") == ("3", "espdeck.conf:6"), f"attempts: {s.get('connect_attempts')}")
    check(s.get("custom_reset_sequence") == ("R1|W0.1|U1,0|W0.05|D0", "espdeck.conf:7"),
          f"reset seq: {s.get('custom_reset_sequence')}")
    # relative paths in the file are relative to the file's folder
    check(s.get("firmware_dir") == (os.path.join(xdg, "espdeck", "fw"), "espdeck.conf:8"),
          f"firmware_dir: {s.get('firmware_dir')}")
    check(s.get("journal") == (os.path.join(xdg, "espdeck", "journal.csv"), "espdeck.conf:10"),
          f"journal: {s.get('journal')}")
    check(s.get("preset") == ("demo", "espdeck.conf:9"), f"preset: {s.get('preset')}")
    check(s.get("remote lab", ("", ""))[1] == "espdeck.conf:12", f"remote: {s.get('remote lab')}")
    has(p.stdout, "firmware search path: " + os.path.join(xdg, "espdeck", "fw") + " "
        + os.path.join(d, "data", "espdeck", "firmware"), "search path order")

    # Precedence: command line > environment > file > default.
    p = run(["config"], d, dict(env, ESPTOOL_BAUD="921600", ESPTOOL_PORT="sim://",
                                ESPTOOL_AFTER="soft_reset", ESPTOOL_CONNECT_ATTEMPTS="0",
                                ESPTOOL_CHIP="esp8266", ESPTOOL_BEFORE="no_reset"), expect=0)
    s = settings(p.stdout)
    check(s.get("baud") == ("921600", "ESPTOOL_BAUD"), f"env baud: {s.get('baud')}")
    check(s.get("port") == ("sim://", "ESPTOOL_PORT"), f"env port: {s.get('port')}")
    check(s.get("after") == ("soft_reset", "ESPTOOL_AFTER"), f"env after: {s.get('after')}")
    check(s.get("before") == ("no_reset", "ESPTOOL_BEFORE"), f"env before: {s.get('before')}")
    check(s.get("chip") == ("esp8266", "ESPTOOL_CHIP"), f"env chip: {s.get('chip')}")
    check(s.get("connect_attempts") == ("0 (until interrupted)", "ESPTOOL_CONNECT_ATTEMPTS"),
          f"env attempts: {s.get('connect_attempts')}")
    p = run(["--baud", "230400", "--port", "sim://?fast", "config"], d,
            dict(env, ESPTOOL_BAUD="921600"), expect=0)
    s = settings(p.stdout)
    check(s.get("baud") == ("230400", "command line"), f"cmdline baud: {s.get('baud')}")
    check(s.get("port") == ("sim://?fast", "command line"), f"cmdline port: {s.get('port')}")
    check(s.get("after") == ("no_reset", "espdeck.conf:5"), f"file after kept: {s.get('after')}")

    # Bad environment values: exit 2 naming the variable.
    p = run(["config"], d, dict(env, ESPTOOL_BAUD="fast"), expect=2)
    has(p.stderr, "ESPTOOL_BAUD 'fast' is not a baud rate", "bad ESPTOOL_BAUD")
    p = run(["chip_id"], d, dict(env, ESPTOOL_BEFORE="sideways"), expect=2)
    has(p.stderr, "ESPTOOL_BEFORE 'sideways' is not one of default_reset", "bad ESPTOOL_BEFORE")
    p = run(["config"], d, dict(env, ESPTOOL_CONNECT_ATTEMPTS="many"), expect=2)
    has(p.stderr, "ESPTOOL_CONNECT_ATTEMPTS 'many' is not a count", "bad attempts")

    # The file's two ports make a real two-board job; the reset sequence is the file's.
    p = run(["chip_id"], d, env, expect=0)
    has(p.stdout + p.stderr, "5c:cf:7f:00:00:02", "file's second board")
    # The file's custom_reset_sequence is the one used: a sequence that never pulls GPIO0
    # low keeps a board that needs a reset out of its loader (the board's trace shows
    # it booting the flash), while the command line's own sequence still wins.
    seqconf = os.path.join(d, "seq.conf")
    write(seqconf, "custom_reset_sequence = R1|W0.1|R0\nconnect_attempts = 1\n")
    tr = os.path.join(d, "seq.trace")
    p = run(["--config", seqconf, "--port", f"sim://?fast&need-reset&trace={tr}", "read_mac"],
            d, env, expect=3)
    with open(tr) as f:
        boots = [l.split(None, 1)[1].strip() for l in f if " BOOT " in l]
    check(boots[1:] == ["BOOT flash rst_cause=2"], f"the file's sequence was used: {boots}")
    p = run(["--config", seqconf, "--custom-reset-sequence", "R1|W0.1|U1,0|W0.05|D0",
             "--port", "sim://?fast&need-reset", "read_mac"], d, env, expect=0)

    # @NAME expands to the remote list, from the command line and from ESPTOOL_PORT.
    p = run(["--port", "@lab", "read_mac"], d, env, expect=0)
    has(p.stdout + p.stderr, "5c:cf:7f:00:00:0a", "@lab first board")
    has(p.stdout + p.stderr, "5c:cf:7f:00:00:0b", "@lab second board")
    p = run(["config"], d, dict(env, ESPTOOL_PORT="@far"), expect=0)
    s = settings(p.stdout)
    check(s.get("port") == ("rfc2217://192.0.2.1:4000, socket://192.0.2.2:4001 (@far)",
                            "ESPTOOL_PORT"), f"@far: {s.get('port')}")
    p = run(["--port", "@nosuch", "chip_id"], d, env, expect=2)
    has(p.stderr, "port @nosuch: no [remote nosuch] in " + conf + "; the lists are: @lab @far",
        "unknown remote")

    # --config and ESPDECK_CONFIG name another file; a named file must exist.
    other = os.path.join(d, "other.conf")
    write(other, "baud = 74880\n")
    p = run(["--config", other, "config"], d, env, expect=0)
    check(settings(p.stdout).get("baud") == ("74880", "other.conf:1"), "--config file")
    p = run(["config"], d, dict(env, ESPDECK_CONFIG=other), expect=0)
    check(settings(p.stdout).get("baud") == ("74880", "other.conf:1"), "ESPDECK_CONFIG file")
    has(p.stdout, f"config file: {other} (named by ESPDECK_CONFIG)", "which file, named how")
    p = run(["--config", os.path.join(d, "nope.conf"), "config"], d, env, expect=2)
    has(p.stderr, "cannot read the configuration file " + os.path.join(d, "nope.conf")
        + " (named by --config)", "missing named file")
    p = run(["config"], d, dict(env, ESPDECK_CONFIG=os.path.join(d, "nope.conf")), expect=2)
    has(p.stderr, "(named by ESPDECK_CONFIG)", "missing ESPDECK_CONFIG file")

    # Bad files: every error with file:line, what was wrong and what is accepted; exit 2,
    # before any board is touched.
    bad = os.path.join(d, "bad.conf")
    write(bad, "port = sim://\n"
          "colour = red\n"
          "baud = fast\n"
          "before = sideways\n"
          "connect_attempts = lots\n"
          "custom_reset_sequence = D0|X1\n"
          "[station]\n"
          "a = b\n"
          "[remote lab]\n"
          "port = sim://\n"
          "not a setting\n")
    p = run(["--config", bad, "chip_id"], d, env, expect=2)
    has(p.stderr, bad + ":2: error: unknown key 'colour' (the keys are port, baud,", "unknown key")
    has(p.stderr, bad + ":3: error: baud 'fast' is not a baud rate", "bad baud")
    has(p.stderr, bad + ":4: error: before 'sideways' is not one of default_reset, no_reset",
        "bad before")
    has(p.stderr, bad + ":5: connect_attempts 'lots' is not a count", "bad attempts")
    has(p.stderr, bad + ":6: error: custom_reset_sequence:", "bad reset sequence")
    has(p.stderr, bad + ":7: error: unknown section [station]", "unknown section")
    has(p.stderr, bad + ":10: error: unknown key 'port' in [remote lab] (the only key is ports",
        "remote key")
    has(p.stderr, bad + ":11: error: not a setting", "syntax")
    check("Chip ID" not in p.stdout, "bad file: no board touched")
    # journal = none is --no-journal; log is relative to the file; chip is checked.
    write(other + ".2", "journal = none\nlog = logs/bench.log\nchip = esp8266\n")
    p = run(["--config", other + ".2", "config"], d, env, expect=0)
    s = settings(p.stdout)
    check(s.get("journal") == ("none", "other.conf.2:1"), f"journal none: {s.get('journal')}")
    check(s.get("log") == (os.path.join(d, "logs", "bench.log"), "other.conf.2:2"),
          f"log: {s.get('log')}")
    check(s.get("chip") == ("esp8266", "other.conf.2:3"), f"chip: {s.get('chip')}")
    write(other + ".2", "chip = esp32\n")
    p = run(["--config", other + ".2", "config"], d, env, expect=2)
    has(p.stderr, "other.conf.2:1: error: chip 'esp32' is not one of auto, esp8266", "bad chip")

    # Long port lists continue on indented lines; nothing else does.
    cont = os.path.join(d, "cont.conf")
    write(cont, "port = sim://?a,\n  sim://?b\n\n\tsim://?c\nbaud = 9600\n"
          "[remote x]\nports = sim://?1\n    sim://?2\n")
    p = run(["--config", cont, "config"], d, env, expect=0)
    s = settings(p.stdout)
    check(s.get("port") == ("sim://?a, sim://?b, sim://?c", "cont.conf:1"), f"cont: {s.get('port')}")
    check(s.get("remote x") == ("sim://?1, sim://?2", "cont.conf:6"), f"cont: {s.get('remote x')}")
    # Commas inside a port (fault:// options) are not separators.
    write(cont, "port = fault://seed=7,rate=0.01,kinds=all|sim://?fast,sim://?a ,/dev/ttyUSB0\n")
    p = run(["--config", cont, "config"], d, env, expect=0)
    s = settings(p.stdout)
    check(s.get("port", ("",))[0] == "fault://seed=7,rate=0.01,kinds=all|sim://?fast, sim://?a, "
          "/dev/ttyUSB0", f"fault:// kept whole: {s.get('port')}")
    write(cont, "baud = 9600\n  1200\n")
    p = run(["--config", cont, "config"], d, env, expect=2)
    has(p.stderr, cont + ":2: error: an indented line continues 'baud'", "bad continuation")
    write(bad, "[remote lab]\n")
    p = run(["--config", bad, "config"], d, env, expect=2)
    has(p.stderr, bad + ":1: error: [remote lab] has no ports", "empty remote")

    # Firmware lookup: --firmware-dir, the file's firmware_dir, $XDG_DATA_HOME (this binary
    # is not installed: the build's firmware replaces the installed folder, and only when
    # no folder is named); a missing file names every folder.
    fw_given = os.path.join(d, "given")
    os.makedirs(fw_given)
    fw_file = os.path.join(xdg, "espdeck", "fw")
    fw_data = os.path.join(d, "data", "espdeck", "firmware")
    os.makedirs(fw_file)
    os.makedirs(fw_data)
    write(os.path.join(d, "preset.ini"), "[preset]\nflash_size = 1MB\nerase = regions\n"
          "[region a]\noffset = 0x0\nfile = a.bin\n"
          "[region b]\noffset = 0x10000\nfile = b.bin\n"
          "[region c]\noffset = 0x20000\nfile = c.bin\n"
          "[region d]\noffset = 0x30000\nfile = nowhere.bin\n")
    # Sizes tell which folder each file came from.
    for folder, name, kib in [(fw_given, "a.bin", 4), (fw_file, "a.bin", 8),
                              (fw_file, "b.bin", 12), (fw_data, "b.bin", 16),
                              (fw_data, "c.bin", 20)]:
        with open(os.path.join(folder, name), "wb") as f:
            f.write(bytes([kib]) * kib * 1024)
    p = run(["--firmware-dir", fw_given, "layout", "show", os.path.join(d, "preset.ini")], d,
            env)
    out = p.stdout + p.stderr
    has(out, "0 a           0x000000    4.0 KiB  a.bin", "a from --firmware-dir")
    has(out, "1 b           0x010000   12.0 KiB  b.bin", "b from the file's firmware_dir")
    has(out, "2 c           0x020000   20.0 KiB  c.bin", "c from XDG_DATA_HOME")
    has(out, f"region 'b': b.bin is not in {fw_given}; taking {fw_file}/b.bin", "mixing said")
    has(out, "region 'd': required file nowhere.bin is in none of the firmware folders "
        f"(looked in {fw_given}, {fw_file}, {fw_data})",
        "missing file lists every place")
    # The demo preset from any folder: the build's firmware is found without --firmware-dir.
    if os.path.exists(os.path.join(BUILD, "firmware", "demo-0x00000.bin")):
        img = os.path.join(d, "flash.bin")
        p = run(["--config", other, "--port", f"sim://?fast&clock=virtual&flash={img}",
                 "--no-journal", "write_layout", "demo"], d, env, expect=0)
        with open(os.path.join(BUILD, "firmware", "user1.bin"), "rb") as f:
            user1 = f.read()
        with open(img, "rb") as f:
            check(f.read()[0x1000:0x1000 + len(user1)] == user1, "demo user1 written")
    else:
        print("SKIP demo write: no demo firmware (xtensa-lx106-elf-gcc missing)")

    # ESPTOOL_FM/FS/FF: write_flash's defaults for the image header at 0x0, as esptool;
    # the command line still wins.
    seg = bytes(range(256)) * 4
    boot = bytes([0xE9, 1, 0, 0]) + (0x40100004).to_bytes(4, "little")
    boot += (0x40100000).to_bytes(4, "little") + len(seg).to_bytes(4, "little") + seg
    cs = 0xEF
    for b in seg:
        cs ^= b
    boot += bytes(15 - len(boot) % 16) + bytes([cs])
    with open(os.path.join(d, "boot.bin"), "wb") as f:
        f.write(boot)
    img = os.path.join(d, "hdr.bin")
    port = f"sim://?fast&clock=virtual&flash={img}"
    fenv = dict(env, ESPTOOL_FM="dio", ESPTOOL_FS="1MB", ESPTOOL_FF="80m")
    run(["--config", other, "--port", port, "--no-journal", "write_flash", "0x0", "boot.bin"],
        d, fenv, expect=0)
    with open(img, "rb") as f:
        hdr = f.read(4)
    check(hdr[2] == 2 and hdr[3] == 0x2F, f"ESPTOOL_FM/FS/FF in the header: {hdr.hex()}")
    run(["--config", other, "--port", port, "--no-journal", "write_flash", "--flash_mode",
         "qio", "0x0", "boot.bin"], d, fenv, expect=0)
    with open(img, "rb") as f:
        hdr = f.read(4)
    check(hdr[2] == 0 and hdr[3] == 0x2F, f"--flash_mode over ESPTOOL_FM: {hdr.hex()}")
    p = run(["--config", other, "--port", port, "write_flash", "0x0", "boot.bin"], d,
            dict(env, ESPTOOL_FM="fast"), expect=2)
    has(p.stderr, "'fast' is not one of keep, qio", "bad ESPTOOL_FM")

    # Ports: no --port anywhere and no ESP bridge on this machine -> the usual error.
    os.remove(conf)
    p = run(["ports"], d, env)
    if not any(b in p.stdout for b in ("CP210x", "CH340", "CH9102", "FTDI")):
        p = run(["chip_id"], d, env)
        check(p.returncode == 2 and "no port given" in p.stderr,
              f"no bridge, no port: exit {p.returncode}: {p.stderr}")

    if failures:
        print(f"{len(failures)} of {checks} checks failed")
        sys.exit(1)
    print(f"config: {checks} checks passed")


main()
