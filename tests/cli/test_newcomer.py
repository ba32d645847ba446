# SPDX-License-Identifier: MIT
# A newcomer's command line (issue 15, items 6 and 7): one version line for --version,
# -V and `version`; "did you mean" for mistyped commands and options; `COMMAND --help`;
# --log with timestamps; the summary line of a multi-file write; --trace to stderr and
# --trace-file; --after no_reset_stub leaving the stub for the next run. espdeck runs as a
# user runs it, against virtual boards (in-process sim:// and espdeck-sim over TCP).
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

ESPDECK = os.environ["ESPDECK"]
ESPDECK_SIM = os.environ["ESPDECK_SIM"]
SOURCE_ROOT = os.environ.get("ESPDECK_SOURCE_ROOT", ".")
# Writes are journalled by default: keep the journal out of the user's state folder.
_STATE = tempfile.TemporaryDirectory()
os.environ["XDG_STATE_HOME"] = _STATE.name
failures = []
checks = 0

SIM = "sim://?fast&clock=virtual"


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(args, cwd, expect=None, texts=(), absent=(), timeout=60):
    """Runs espdeck; checks the exit code, that each text is in stdout+stderr and that
    no absent text is."""
    p = subprocess.run([ESPDECK] + args, cwd=cwd, capture_output=True, text=True,
                       timeout=timeout)
    out = p.stdout + p.stderr
    if expect is not None and p.returncode != expect:
        check(False, f"{' '.join(args)}: exit {p.returncode}, expected {expect}\n"
              f"output: {out[-2000:]}")
    for t in texts:
        check(t in out, f"{' '.join(args)}: wanted {t!r} in:\n{out[-2000:]}")
    for t in absent:
        check(t not in out, f"{' '.join(args)}: did not want {t!r} in:\n{out[-2000:]}")
    return p


def project_version():
    with open(os.path.join(SOURCE_ROOT, "meson.build")) as f:
        return re.search(r"version\s*:\s*'([^']+)'", f.read()).group(1)


def test_version(d):
    lines = [run([a], d, expect=0).stdout for a in ("--version", "-V", "version")]
    check(lines[0] == lines[1] == lines[2],
          f"--version, -V and version print the same: {lines}")
    want = f"espdeck {project_version()}"
    check(lines[0].startswith(want), f"the version line starts with {want!r}: {lines[0]!r}")
    git = subprocess.run(["git", "-C", SOURCE_ROOT, "rev-parse", "--git-dir"],
                         capture_output=True, text=True)
    if git.returncode == 0:
        # the commit the binary was built from (an older one when tests run without a
        # rebuild after a commit): a real commit of this tree
        m = re.search(r"\(git ([0-9a-f]{7,})(-dirty)?\)$", lines[0].strip())
        check(m is not None, f"the version line names a git revision: {lines[0]!r}")
        if m:
            c = subprocess.run(["git", "-C", SOURCE_ROOT, "rev-parse", "--verify", "--quiet",
                                m.group(1) + "^{commit}"], capture_output=True, text=True)
            check(c.returncode == 0, f"{m.group(1)} is a commit of this tree: {lines[0]!r}")
    else:
        print("skip: the source tree is not a git checkout; no revision to compare")
    # outside a git checkout (a tarball), the project version alone
    with tempfile.TemporaryDirectory() as t:
        p = subprocess.run(["sh", os.path.join(SOURCE_ROOT, "tools", "version.sh"), t, "9.9"],
                           capture_output=True, text=True)
        check(p.returncode != 0 and p.stdout == "",
              f"tools/version.sh fails outside a git checkout (meson's fallback): {p}")


def test_typos(d):
    run(["wirte_flash", "0x0", "x.bin"], d, expect=2,
        texts=["unknown command 'wirte_flash'; did you mean write_flash?"])
    run(["read-flsh"], d, expect=2, texts=["did you mean read_flash?"])
    run(["chipid"], d, expect=2, texts=["did you mean chip_id?"])
    run(["frobnicate"], d, expect=2, texts=["unknown command 'frobnicate'\n",
                                            "espdeck help"], absent=["did you mean"])
    run(["--buad", "9600", "chip_id"], d, expect=2,
        texts=["unknown option '--buad'; did you mean --baud?"])
    run(["--flash-mode", "qio", "write_flash", "0", "x"], d, expect=2,
        texts=["--flash_mode belongs to a command", "after the command word"])
    run(["write_flash", "--flash-mod", "qio", "0x0", "x.bin"], d, expect=2,
        texts=["unknown option '--flash-mod'; did you mean --flash-mode?",
               "espdeck write_flash --help"])
    run(["verify_flash", "--flash_sise", "4MB", "0x0", "x.bin"], d, expect=2,
        texts=["did you mean --flash_size?"])
    # the other commands' options, in the user's spelling
    run(["merge_bin", "-o", "m.bin", "--fill-flash-sise", "4MB", "0x0", "x.bin"], d, expect=2,
        texts=["unknown option '--fill-flash-sise'; did you mean --fill-flash-size?"])
    run(["journal", "--reslt", "ok"], d, expect=2, texts=["did you mean --result?"])
    run(["elf2image", "--verison", "3", "app.elf"], d, expect=2,
        texts=["did you mean --version?", "espdeck elf2image --help"])
    run(["--port", SIM, "monitor", "--expcet", "booted"], d, expect=2,
        texts=["did you mean --expect?"])
    run(["merge_bin", "-o", "m.bin", "--bogus", "0x0", "x.bin"], d, expect=2,
        texts=["unknown option '--bogus'\n"], absent=["did you mean"])


def test_command_help(d):
    p = run(["write_flash", "-h"], d, expect=0,
            texts=["usage: espdeck [global options] write_flash [options] ADDR FILE",
                   "--flash_mode", "--flash_size", "--erase-all", "--verify", "espdeck(1)"])
    check(p.stderr == "", f"write_flash -h prints to stdout only: {p.stderr!r}")
    run(["--port", SIM, "write_flash", "--help"], d, expect=0, texts=["--flash_mode"])
    run(["merge_bin", "--help"], d, expect=0, texts=["--fill-flash-size", "--target-offset"])
    run(["elf2image", "-h"], d, expect=0, texts=["--version 1|2|3"])
    run(["read_flash", "-h"], d, expect=0, texts=["read_flash ADDR SIZE FILE"])
    run(["monitor", "--help"], d, expect=0, texts=["--expect RULES", "--boot-baud"])
    run(["hexview", "--help"], d, expect=0, texts=["--compare FILE2", "--dump"])
    run(["chip_id", "-h"], d, expect=0, texts=["usage: espdeck [global options] chip_id\n"])
    run(["help", "merge_bin"], d, expect=0, texts=["--fill-flash-size"])
    run(["help", "mrege_bin"], d, expect=2, texts=["did you mean merge_bin?"])
    # the global summary names the new spellings
    run(["--help"], d, expect=0, texts=["no_reset_stub", "-t, --trace ", "--trace-file FILE",
                                        "-V, --version", "--log FILE"])
    # after "--" a -h is an argument, not a request for help
    run(["read_mem", "--", "-h"], d, expect=2, absent=["usage: espdeck [global options]"])


def test_trace(d):
    # esptool's meaning: a flag, the trace on stderr, and the command still runs
    p = run(["--port", SIM, "--trace", "chip_id"], d, expect=0, texts=["Chip ID: 0x"])
    tx = [l for l in p.stderr.splitlines() if l.startswith("TRACE ") and " TX " in l]
    rx = [l for l in p.stderr.splitlines() if l.startswith("TRACE ") and " RX " in l]
    check(tx and rx, f"--trace prints the packets to stderr: {p.stderr[:500]!r}")
    check("TRACE" not in p.stdout, "the trace stays off stdout")
    p = run(["--port", SIM, "-t", "read_mem", "0x40001000"], d, expect=0,
            texts=["0x40001000 = "])
    check(" TX " in p.stderr and p.stderr.count("TRACE ") > 2, "-t traces read_mem too")
    # --trace-file F: the file, nothing on stderr
    f = os.path.join(d, "proto.trace")
    p = run(["--port", SIM, "--trace-file", f, "chip_id"], d, expect=0, absent=["TRACE"])
    with open(f) as t:
        text = t.read()
    check(" TX " in text and " RX " in text, "--trace-file writes the packets")
    # the old "--trace FILE" / "-t FILE" / "--trace=FILE": a clear error, not FILE as a command
    for args in (["--trace", "old.trace", "chip_id"], ["-t", "old.trace", "chip_id"],
                 ["--trace=old.trace", "chip_id"]):
        run(["--port", SIM] + args, d, expect=2,
            texts=["takes no file", "--trace-file old.trace"])
    check(not os.path.exists(os.path.join(d, "old.trace")), "no trace file from the old form")
    # the bench screen covers stderr: --trace is refused there, before curses starts
    run(["--port", SIM, "--trace"], d, expect=2, texts=["use --trace-file FILE"])
    # several boards: each trace line names its port
    p = run(["--port", SIM, "--port", SIM + "&mac=18:fe:34:00:00:02", "--trace", "read_mac"],
            d, expect=0)
    check("TRACE [" + SIM + "&mac=18:fe:34:00:00:02] " in p.stderr and
          "TRACE [" + SIM + "] " in p.stderr, "several boards: the trace names each port")


class SimServer:
    """espdeck-sim as a TCP server; with keep_board a new connection does not reset the
    board (a bridge in front of a running board), so a stub survives between runs."""

    def __init__(self, d, keep_board=True):
        port_file = os.path.join(d, "sim.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        args = [ESPDECK_SIM, "--tcp", "127.0.0.1:0", "--port-file", port_file, "--fast",
                "--quiet", "--flash", os.path.join(d, "server-flash.bin")]
        self.proc = subprocess.Popen(args + (["--keep-board"] if keep_board else []),
                                     stdout=subprocess.DEVNULL)
        for _ in range(400):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.025)
        self.port = "socket://127.0.0.1:" + open(port_file).read().strip()

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def test_after_no_reset_stub(d):
    data = bytes((i * 13 + (i >> 8)) & 0xFF for i in range(8192))
    with open(os.path.join(d, "stub-data.bin"), "wb") as f:
        f.write(data)
    srv = SimServer(d)
    try:
        P = ["--port", srv.port]
        stay = ["--before", "no_reset", "--after", "no_reset_stub"]
        run(P + stay + ["write_flash", "0x1000", "stub-data.bin"], d, expect=0,
            texts=["Uploading stub...", "verified by MD5", "Staying in flasher stub."])
        # the second run finds the stub the first one left: no upload
        run(P + stay + ["read_flash", "0x1000", "8192", "back.bin"], d, expect=0,
            texts=["Stub is already running. No upload is necessary."],
            absent=["Uploading stub"])
        with open(os.path.join(d, "back.bin"), "rb") as f:
            check(f.read() == data, "read_flash through the reused stub returns the data")
        # --before no_reset_no_sync: no SYNC to tell, so the stub is found by a probe
        run(P + ["--before", "no_reset_no_sync", "--after", "no-reset-stub", "verify_flash",
                 "0x1000", "stub-data.bin"], d, expect=0,
            texts=["Stub is already running"], absent=["Uploading stub"])
        run(P + ["--before", "no-reset-no-sync", "--after", "no_reset_stub", "read_mem",
                 "0x40001000"], d, expect=0,
            texts=["0x40001000 = 0xfff0c101", "Staying in flasher stub."])
        # --after no_reset (esptool's meaning): "Staying in bootloader." and the stub
        # hands the chip back to the ROM loader, so the next run uploads a stub again
        run(P + ["--before", "no_reset", "--after", "no_reset", "chip_id"], d, expect=0,
            texts=["Stub is already running", "Staying in bootloader."])
        run(P + stay + ["chip_id"], d, expect=0, texts=["Uploading stub...", "Stub running..."],
            absent=["already running"])
        run(P + ["--before", "no_reset", "--after", "no_reset", "read_mem", "0x40001000"], d,
            expect=0, texts=["Staying in bootloader."])
        run(P + stay + ["chip_id"], d, expect=0, texts=["Uploading stub..."])
        # the ROM under no_reset_no_sync (left synced by the run before): the probe finds
        # no stub, so one is uploaded
        run(P + ["--before", "no_reset", "--after", "no_reset", "read_mem", "0x40001000"], d,
            expect=0)
        run(P + ["--before", "no_reset", "--after", "no_reset", "read_mem", "0x40001000"], d,
            expect=0, texts=["Staying in bootloader."])
        run(P + ["--before", "no_reset_no_sync", "--after", "no_reset_stub", "chip_id"], d,
            expect=0, texts=["Uploading stub...", "Staying in flasher stub."],
            absent=["already running", "warning"])
    finally:
        srv.close()
    # without --keep-board every connection resets the board: the stub is gone
    srv = SimServer(d, keep_board=False)
    try:
        P = ["--port", srv.port, "--before", "no_reset", "--after", "no_reset_stub"]
        run(P + ["chip_id"], d, expect=0, texts=["Uploading stub..."])
        run(P + ["chip_id"], d, expect=0, texts=["Uploading stub..."],
            absent=["already running"])
    finally:
        srv.close()
    run(["--after", "no_reset_stubb", "chip_id"], d, expect=2,
        texts=["no_reset, no_reset_stub"])


def run_merged(args, cwd, expect=0):
    """Runs espdeck with stderr into stdout, as a terminal shows them, in order."""
    p = subprocess.run([ESPDECK] + args, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    check(p.returncode == expect, f"{' '.join(args)}: exit {p.returncode}, expected {expect}\n"
          f"{p.stdout[-2000:]}")
    return p.stdout.splitlines()


SUMMARY = re.compile(r"^(\d+) files, ([\d.]+ (?:B|KiB|MiB)) written in [\d.]+ s"
                     r"(?: \([\d.]+ (?:B|KiB|MiB)/s\))?, (.+)$")


def make_files(d, n):
    names = []
    for k in range(n):
        name = f"part{k}.bin"
        with open(os.path.join(d, name), "wb") as f:
            f.write(bytes((i * (k + 3)) & 0xFF for i in range(5000 + k)))
        names.append(name)
    return names


def test_write_summary(d):
    names = make_files(d, 4)
    pairs = []
    for k, name in enumerate(names):
        pairs += [hex(0x10000 * (k + 1)), name]
    flash = os.path.join(d, "summary-flash.bin")
    lines = run_merged(["--port", f"{SIM}&flash={flash}", "write_flash"] + pairs, d)
    m = SUMMARY.match(lines[-1]) if lines else None
    check(m is not None, f"the last line of a 4-file write is the summary: {lines[-3:]}")
    if m:
        check(m.group(1) == "4" and m.group(2) == "19.5 KiB" and m.group(3) == "verified by MD5",
              f"the summary counts 4 files, 20006 bytes, verified by MD5: {lines[-1]!r}")
    # ROM mode: the proof named; --verify reads back
    lines = run_merged(["--port", SIM, "--no-stub", "write_flash"] + pairs[:4], d)
    check(lines and lines[-1].startswith("2 files, 9.8 KiB written in ") and
          lines[-1].endswith(", checked by the ROM's 8-bit checksum only"),
          f"ROM mode: the summary names the checksum proof: {lines[-2:]}")
    lines = run_merged(["--port", SIM, "--no-stub", "write_flash", "--verify"] + pairs[:4], d)
    check(lines and lines[-1].endswith(", verified by read-back"),
          f"ROM mode with --verify: verified by read-back: {lines[-2:]}")
    # a warning (no RTS line over TCP: press RESET) comes before the summary
    srv = SimServer(d)
    try:
        lines = run_merged(["--port", srv.port, "write_flash"] + pairs[:6], d)
        warn = [i for i, l in enumerate(lines) if l.startswith("warning:")]
        check(warn and SUMMARY.match(lines[-1]) and warn[-1] < len(lines) - 1,
              f"warnings come before the summary line: {lines[-3:]}")
    finally:
        srv.close()
    # one file: its own line is the summary, no extra line
    lines = run_merged(["--port", SIM, "write_flash", "0x1000", names[0]], d)
    check(not any(SUMMARY.match(l) for l in lines), f"no summary for one file: {lines[-2:]}")


ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d ")


def test_log(d):
    log = os.path.join(d, "run.log")
    names = make_files(d, 2)
    run(["--log", log, "--port", SIM, "write_flash", "0x1000", names[0], "0x3000", names[1]],
        d, expect=0)
    with open(log) as f:
        lines = f.read().splitlines()
    check(len(lines) > 5, f"--log has the job's lines: {lines}")
    bad = [l for l in lines if not ISO_MS.match(l)]
    check(not bad, f"every --log line starts with an ISO 8601 time with ms: {bad[:3]}")
    check(any(l.endswith("Chip is ESP8266EX") for l in lines), "--log has the chip line")
    check(SUMMARY.match(ISO_MS.sub("", lines[-1])) is not None,
          f"--log ends with the summary: {lines[-1:]}")
    # appended, warnings and errors too
    run(["--log", log, "--port", SIM, "--connect-attempts", "1", "--before", "no_reset",
         "write_flash", "0x1001", names[0]], d, expect=2)
    run(["--log", log, "--port", SIM + "&sync-after=99", "--connect-attempts", "1",
         "--before", "no_reset", "chip_id"], d, expect=3)
    with open(log) as f:
        more = f.read().splitlines()[len(lines):]
    check(any("error: " in l and ISO_MS.match(l) for l in more),
          f"--log appends the error with its time: {more[-2:]}")
    run(["--log", os.path.join(d, "no", "such", "dir.log"), "--port", SIM, "chip_id"], d,
        expect=1, texts=["--log", "cannot open it for appending"])


def main():
    with tempfile.TemporaryDirectory() as d:
        test_version(d)
        test_typos(d)
        test_command_help(d)
        test_trace(d)
        test_after_no_reset_stub(d)
        test_write_summary(d)
        test_log(d)
    print(f"newcomer: {checks - len(failures)} of {checks} checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
