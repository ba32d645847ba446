#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Several boards at once (issue 7): one espdeck command on virtual boards (in-process
# sim:// and espdeck-sim --tcp on loopback), one of them faulty; the boot check after the
# hard reset; the journal's one line per board per job; the journal after a SIGKILL.
import csv
import hashlib
import os
import random
import signal
import struct
import subprocess
import sys
import tempfile
import time

ESPDECK = os.environ["ESPDECK"]
SIM = os.environ["ESPDECK_SIM"]
failures = []
VIRT = "sim://?clock=virtual&fast"


def check(cond, what, detail=""):
    if not cond:
        failures.append(what)
        print("FAIL:", what, detail, file=sys.stderr)


def image(payload_len, corrupt=False, seed=7):
    """A v1 image (reference 7.2): one IRAM segment, zero padding, the checksum byte."""
    rnd = random.Random(seed)
    data = bytes(rnd.randrange(256) for _ in range(payload_len))
    body = bytes([0xE9, 1, 0, 0x20]) + struct.pack("<I", 0x40100004)
    body += struct.pack("<II", 0x40100000, payload_len) + data
    csum = 0xEF
    for b in data:
        csum ^= b
    body += b"\0" * (15 - len(body) % 16)
    return body + bytes([csum ^ (0x01 if corrupt else 0)])


def run(*args, timeout=60):
    return subprocess.run([ESPDECK, *args], capture_output=True, text=True, timeout=timeout)


def journal_rows(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def md5(data):
    return hashlib.md5(data).hexdigest()


def start_tcp_board(tmp, name, flash):
    port_file = os.path.join(tmp, name + ".port")
    p = subprocess.Popen([SIM, "--tcp", "127.0.0.1:0", "--port-file", port_file, "--once",
                          "--fast", "--quiet", "--flash", flash, "--flash-size", "1MB"],
                         stdout=subprocess.DEVNULL)
    for _ in range(500):
        if os.path.exists(port_file) and open(port_file).read().strip():
            return p, "socket://127.0.0.1:%s" % open(port_file).read().strip()
        time.sleep(0.01)
    raise RuntimeError("espdeck-sim did not report its port")


def test_parallel_with_a_faulty_board(tmp):
    boot = image(4000)
    user = bytes(random.Random(3).randrange(256) for _ in range(20000))
    files = {"boot.bin": boot, "user.bin": user}
    for n, d in files.items():
        open(os.path.join(tmp, n), "wb").write(d)
    flashes = [os.path.join(tmp, "board%d.flash" % i) for i in range(4)]
    ports = ["%s&flash=%s&flash-size=1MB&mac=5c:cf:7f:00:00:0%d" % (VIRT, flashes[i], i)
             for i in range(2)]
    sims = []
    for i in (2, 3):
        p, spec = start_tcp_board(tmp, "tcp%d" % i, flashes[i])
        sims.append(p)
        ports.append(spec)
    faulty = VIRT + "&fault=disconnect-after=3000"
    ports.append(faulty)
    journal = os.path.join(tmp, "parallel.csv")
    args = []
    for p in ports:
        args += ["--port", p]
    r = run(*args, "--journal", journal, "write_flash", "--verify",
            "0x0", os.path.join(tmp, "boot.bin"), "0x10000", os.path.join(tmp, "user.bin"))
    for p in sims:
        p.wait(timeout=10)
    check(r.returncode == 1, "a failing board makes the exit status 1", r.returncode)
    check("Summary: 4 passed, 1 failed, 0 cancelled (of 5 boards)" in r.stdout,
          "the summary counts passed and failed boards", r.stdout[-600:])
    check("  %s: failed: " % faulty in r.stdout and "disconnected" in r.stdout,
          "the summary names the faulty board and why", r.stdout[-600:])
    for p in ports[:4]:
        check("[%s] passed" % p in r.stdout, "board %s reported passed" % p)
        check("[%s] Verifying" % p in r.stdout, "board %s was verified" % p)
    for i, fl in enumerate(flashes):
        data = open(fl, "rb").read()
        check(data[:len(boot)] == boot, "board %d holds boot.bin at 0x0" % i)
        check(data[0x10000:0x10000 + len(user)] == user, "board %d holds user.bin at 0x10000" % i)
    header, rows = journal_rows(journal)
    check(header == ["time", "port", "chip", "mac", "flash_id", "preset", "files", "result",
                     "duration_s", "error", "slot"], "journal header", header)
    check(len(rows) == 5, "one journal line per board", len(rows))
    by_port = {row[1]: row for row in rows}
    # per file its MD5 and the one the board reported for the written range (stub mode)
    want_files = "boot.bin=%s/board:%s;user.bin=%s/board:%s" % (md5(boot), md5(boot),
                                                                md5(user), md5(user))
    for p in ports[:4]:
        row = by_port.get(p)
        check(row is not None and row[7] == "ok" and row[6] == want_files and row[9] == "",
              "journal line of %s: ok with both MD5s" % p, row)
    check(by_port[ports[0]][3] == "5c:cf:7f:00:00:00" and by_port[ports[0]][2] == "ESP8266EX",
          "journal records chip and MAC", by_port[ports[0]])
    bad = by_port.get(faulty)
    check(bad is not None and bad[7] == "failed" and "disconnected" in bad[9],
          "journal line of the faulty board: failed with the reason", bad)


def boot_flash(tmp, name, img):
    path = os.path.join(tmp, name)
    data = bytearray(b"\xff" * (1 << 20))
    data[:len(img)] = img
    open(path, "wb").write(bytes(data))
    return path


def test_boot_check(tmp):
    good, bad = image(1500), image(1500, corrupt=True)
    payload = os.path.join(tmp, "payload.bin")
    open(payload, "wb").write(b"\x5a" * 4096)
    journal = os.path.join(tmp, "boot.csv")
    # The same write (away from 0x0) on a board with a good and one with a corrupt image at
    # 0x0: the boot check judges what the ROM prints for each.
    ports = ["%s&boot-log=1&flash=%s" % (VIRT, boot_flash(tmp, "good.flash", good)),
             "%s&boot-log=1&flash=%s" % (VIRT, boot_flash(tmp, "bad.flash", bad))]
    r = run("--port", ports[0], "--port", ports[1], "--journal", journal, "--boot-check",
            "write_flash", "0x20000", payload)
    check(r.returncode == 1, "a board that did not boot fails the run", r.returncode)
    check("[%s] Boot check: booted" % ports[0] in r.stdout, "good image: booted", r.stdout)
    check("[%s] boot: csum err" % ports[1] in r.stdout, "the boot log line is shown", r.stdout)
    check("boot check: not booted within 3.0 s: the ROM reported csum err" in r.stdout,
          "bad image: not booted, with the ROM's csum err as reason", r.stdout[-800:])
    check("Summary: 1 passed, 1 failed" in r.stdout, "boot check summary", r.stdout[-400:])
    _, rows = journal_rows(journal)
    res = {row[1]: (row[7], row[9]) for row in rows}
    check(res.get(ports[0]) == ("ok", ""), "journal: booted board ok", res)
    check(res.get(ports[1], ("", ""))[0] == "failed" and "csum err" in res[ports[1]][1],
          "journal: not booted board failed with csum err", res)
    # One board, a rule the virtual board's ROM-only log cannot meet: the reason says so.
    r = run("--port", ports[0], "--no-journal", "--expect", "jump to run user1",
            "write_flash", "0x20000", payload)
    check(r.returncode == 1 and "expected 'jump to run user1', but the boot loader never "
          "jumped to a user image" in r.stderr, "unmet rule is the reason", r.stderr)
    check(" ets Jan  8 2013,rst cause:2, boot mode:(3,6)" in r.stdout,
          "single board: the ROM banner is printed", r.stdout)
    # Rules that hold.
    r = run("--port", ports[0], "--no-journal", "--expect", "csum ok; rst cause 2",
            "--expect", "boot mode flash", "write_flash", "0x20000", payload)
    check(r.returncode == 0 and "Boot check: booted (all" in r.stdout, "rules that hold",
          r.stdout[-300:] + r.stderr)


def test_preset_boot_keys(tmp):
    fw = os.path.join(tmp, "fw")
    os.makedirs(fw, exist_ok=True)
    open(os.path.join(fw, "app.bin"), "wb").write(image(2000))
    preset = os.path.join(tmp, "bench.ini")
    open(preset, "w").write("[preset]\nname = bench\nflash_size = 1MB\nerase = regions\n"
                            "expect = csum ok\nexpect = jump to run user1\n"
                            "boot_time_ms = 1500\n[region app]\noffset = 0x0\nfile = app.bin\n")
    journal = os.path.join(tmp, "preset.csv")
    r = run("--firmware-dir", fw, "--port", VIRT + "&boot-log=1", "--journal", journal,
            "write_layout", preset)
    check(r.returncode == 1 and "boot check: not booted within 1.5 s: expected 'jump to run "
          "user1'" in r.stderr, "preset rules and boot time are used", r.stderr)
    _, rows = journal_rows(journal)
    check(len(rows) == 1 and rows[0][5] == "bench" and rows[0][6].startswith("app.bin="),
          "journal names the preset and its file", rows)
    open(preset, "a").write("")
    text = open(preset).read().replace("jump to run user1", "jump to nowhere")
    open(preset, "w").write(text)
    r = run("--firmware-dir", fw, "layout", "show", preset)
    check(r.returncode != 0 and "bench.ini:6: error: expect: unknown boot rule 'jump to "
          "nowhere'" in r.stdout + r.stderr, "a bad rule names file:line", r.stdout + r.stderr)
    text = text.replace("boot_time_ms = 1500", "boot_time_ms = soon")
    open(preset, "w").write(text)
    r = run("--firmware-dir", fw, "layout", "show", preset)
    check(r.returncode != 0 and "bench.ini:7: error: boot_time_ms 'soon' is not a time"
          in r.stdout + r.stderr, "a bad boot_time_ms names file:line", r.stdout + r.stderr)


def test_usage(tmp):
    r = run("--port", VIRT, "--port", VIRT, "read_flash", "0", "4096", os.path.join(tmp, "x"))
    check(r.returncode == 2 and "give a single --port" in r.stderr,
          "read_flash refuses several ports", r.stderr)
    check(not os.path.exists(os.path.join(tmp, "x")), "no dump written")
    r = run("--expect", "jump to run user9", "--port", VIRT, "chip_id")
    check(r.returncode == 2 and "--expect" in r.stderr and "unknown boot rule" in r.stderr,
          "a bad --expect is a usage error", r.stderr)
    r = run("--boot-time", "never", "--port", VIRT, "chip_id")
    check(r.returncode == 2 and "--boot-time 'never' is not a time" in r.stderr,
          "a bad --boot-time is a usage error", r.stderr)
    r = run("--port", VIRT, "--port", VIRT, "chip_id")
    check(r.returncode == 2 and "port %s is given twice" % VIRT in r.stderr,
          "the same port twice is refused", r.stderr)
    r = run("--port", "all", "monitor")
    check(r.returncode == 2 and "monitor watches one port" in r.stderr,
          "monitor refuses --port all", r.stderr)
    r = run("--port", VIRT, "--port", "all", "chip_id")
    if "no serial port on a known ESP USB bridge" in r.stderr:  # a machine without boards
        check(r.returncode == 3 and "see 'espdeck ports'" in r.stderr,
              "--port all without bridges: exit 3 and a hint", r.stderr)
    else:
        check("Running on " in r.stdout, "--port all ran on the bridges found", r.stdout)
    a, b = VIRT + "&mac=5c:cf:7f:aa:00:01", VIRT + "&mac=5c:cf:7f:aa:00:02"
    r = run("--port", a, "--port", b, "read_mac")
    check(r.returncode == 0 and "[%s] MAC: 5c:cf:7f:aa:00:01" % a in r.stdout and
          "[%s] MAC: 5c:cf:7f:aa:00:02" % b in r.stdout and "2 passed" in r.stdout,
          "read_mac on two boards, lines prefixed by port", r.stdout)
    r = run("--port", a, "--port", "sim://?flash-size=3MB", "chip_id")
    check(r.returncode == 1 and "1 passed, 1 failed" in r.stdout,
          "a board that cannot open fails alone", r.stdout + r.stderr)


def test_journal_survives_sigkill(tmp):
    img = image(48000)
    path = os.path.join(tmp, "app.bin")
    open(path, "wb").write(img)
    journal = os.path.join(tmp, "kill.csv")
    # Two boards finish at once on the virtual clock; two on the real clock take seconds.
    ports = [VIRT + "&mac=5c:cf:7f:bb:00:01", VIRT + "&mac=5c:cf:7f:bb:00:02",
             "sim://?mac=5c:cf:7f:bb:00:03", "sim://?mac=5c:cf:7f:bb:00:04"]
    args = [ESPDECK]
    for p in ports:
        args += ["--port", p]
    proc = subprocess.Popen(args + ["--journal", journal, "write_flash", "0x0", path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lines = 0
    for _ in range(1000):
        if os.path.exists(journal):
            lines = open(journal, "rb").read().count(b"\r\n")
            if lines >= 3:
                break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    check(lines >= 3, "the fast boards were journalled before the kill", lines)
    raw = open(journal, "rb").read()
    check(raw.endswith(b"\r\n"), "no torn line after SIGKILL")
    header, rows = journal_rows(journal)
    check(len(rows) >= 2 and all(len(row) == 11 for row in rows), "every line complete", rows)
    for row in rows:
        check(row[7] == "ok" and row[6] == "app.bin=%s/board:%s" % (md5(img), md5(img)),
              "journalled board ok", row)
    r = run("journal", "--journal", journal, "--csv")
    check(r.returncode == 0 and "damaged" not in r.stderr and
          len(r.stdout.strip().splitlines()) == len(rows) + 1,
          "espdeck journal reads every line back", r.stdout + r.stderr)


def test_ctrl_c_cancels_every_board(tmp):
    path = os.path.join(tmp, "big.bin")
    # random bytes: the stub's compression must not finish the write before Ctrl-C
    open(path, "wb").write(random.Random(7).randbytes(65536))
    journal = os.path.join(tmp, "cancel.csv")
    ports = ["sim://?mac=5c:cf:7f:cc:00:01", "sim://?mac=5c:cf:7f:cc:00:02"]
    proc = subprocess.Popen([ESPDECK, "--port", ports[0], "--port", ports[1], "--journal",
                             journal, "write_flash", "0x10000", path],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Both boards are writing once a "write" progress line of each has appeared.
    seen = set()
    for line in proc.stdout:
        for p in ports:
            if line.startswith("[%s] write " % p):
                seen.add(p)
        if len(seen) == 2:
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    check(proc.returncode == 5, "Ctrl-C: exit status 5", proc.returncode)
    check("stopping every board" in err, "Ctrl-C is acknowledged", err)
    check("Summary: 0 passed, 0 failed, 2 cancelled (of 2 boards)" in out,
          "Ctrl-C: both boards cancelled", out[-500:])
    for p in ports:
        check("[%s] CANCELLED: " % p in out, "cancelled board line for %s" % p, out[-500:])
    _, rows = journal_rows(journal)
    check(sorted(r[1] for r in rows) == sorted(ports) and all(r[7] == "cancelled" and
          "not written or incomplete: big.bin@0x10000" in r[9] for r in rows),
          "journal: one cancelled line per board saying what was not written", rows)


def test_default_journal(tmp):
    state = os.path.join(tmp, "state")
    env = dict(os.environ, XDG_STATE_HOME=state)
    path = os.path.join(tmp, "one.bin")
    open(path, "wb").write(b"\x11" * 5000)
    default = os.path.join(state, "espdeck", "journal.csv")

    def espdeck(*args):
        return subprocess.run([ESPDECK, "--port", VIRT, *args], capture_output=True,
                              text=True, timeout=60, env=env)
    r = espdeck("chip_id")
    check(r.returncode == 0 and not os.path.exists(default), "reads are not journalled")
    r = espdeck("--no-journal", "write_flash", "0x1000", path)
    check(r.returncode == 0 and not os.path.exists(default), "--no-journal writes none")
    r = espdeck("write_flash", "0x1000", path)
    check(r.returncode == 0 and os.path.exists(default), "a write is journalled by default",
          r.stderr)
    _, rows = journal_rows(default)
    check(len(rows) == 1 and rows[0][1] == VIRT and rows[0][7] == "ok" and
          rows[0][6] == "one.bin=%s/board:%s" % (md5(b"\x11" * 5000), md5(b"\x11" * 5000)),
          "the default journal's line", rows)
    r = espdeck("write_flash", "0x1000", os.path.join(tmp, "missing.bin"))
    _, rows = journal_rows(default)
    check(r.returncode != 0 and len(rows) == 1, "a file that cannot be read: no job, no line")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_STATE_HOME"] = os.path.join(tmp, "state")  # never the user's journal
        for t in (test_parallel_with_a_faulty_board, test_boot_check, test_preset_boot_keys,
                  test_usage, test_journal_survives_sigkill, test_ctrl_c_cancels_every_board,
                  test_default_journal):
            sub = os.path.join(tmp, t.__name__)
            os.makedirs(sub)
            t(sub)
    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        return 1
    print("all multi-board checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
