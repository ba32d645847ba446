#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The flashing station (issue 14 item 4): `espdeck station PRESET` on virtual boards that
# appear while it runs: espdeck-sim --pty boards symlinked into a watched temp folder
# (as udev does in /dev/serial/by-path) and espdeck-sim --tcp boards as remote socket://
# ports. Checks the flash from the board's side (the sim's backing file), the journal's
# slot column, the skip of a board already written, --rewrite, retry on request, and
# that q / Ctrl-C stop cleanly (boards in progress finish; a second stop cancels).
import csv
import os
import queue
import random
import re
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

ESPDECK = os.environ["ESPDECK"]
SIM = os.environ["ESPDECK_SIM"]
failures = []


def check(cond, what, detail=""):
    if not cond:
        failures.append(what)
        print("FAIL:", what, detail, file=sys.stderr)


def image(payload_len, seed=7):
    """A v1 image: one IRAM segment, zero padding, the checksum byte."""
    rnd = random.Random(seed)
    data = bytes(rnd.randrange(256) for _ in range(payload_len))
    body = bytes([0xE9, 1, 0, 0x20]) + struct.pack("<I", 0x40100004)
    body += struct.pack("<II", 0x40100000, payload_len) + data
    csum = 0xEF
    for b in data:
        csum ^= b
    body += b"\0" * (15 - len(body) % 16)
    return body + bytes([csum])


class Sims:
    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = []

    def pty(self, mac, flash, fast=True):
        args = [SIM, "--pty", "--quiet", "--mac", mac, "--flash", flash, "--flash-size", "1MB"]
        p = subprocess.Popen(args + (["--fast"] if fast else []), stdout=subprocess.PIPE,
                             text=True)
        self.procs.append(p)
        path = p.stdout.readline().strip()
        if not path.startswith("/dev/"):
            raise RuntimeError("espdeck-sim --pty did not print its path: " + path)
        return path

    def tcp(self, name, mac, flash, fast=True, kind="tcp"):
        port_file = os.path.join(self.tmp, name + ".port")
        args = [SIM, "--" + kind, "127.0.0.1:0", "--port-file", port_file, "--quiet", "--mac",
                mac, "--flash", flash, "--flash-size", "1MB"]
        p = subprocess.Popen(args + (["--fast"] if fast else []), stdout=subprocess.DEVNULL)
        self.procs.append(p)
        for _ in range(500):
            if os.path.exists(port_file) and open(port_file).read().strip():
                scheme = "rfc2217" if kind == "rfc2217" else "socket"
                return "%s://127.0.0.1:%s" % (scheme, open(port_file).read().strip())
            time.sleep(0.01)
        raise RuntimeError("espdeck-sim did not report its port")

    def close(self):
        for p in self.procs:
            p.kill()
            p.wait()


class Station:
    """espdeck station with stdout and stderr read line by line (the pipe renderer)."""

    def __init__(self, tmp, *args):
        self.lines = []
        self.q = queue.Queue()
        self.p = subprocess.Popen(
            [ESPDECK, "--firmware-dir", os.path.join(tmp, "fw"), "--journal",
             os.path.join(tmp, "journal.csv"), "station", os.path.join(tmp, "bench.ini"),
             *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            self.q.put(line.rstrip("\n"))
        self.q.put(None)

    def wait_for(self, pattern, timeout=30):
        """The first line from now on that matches pattern, or None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.q.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                return None
            self.lines.append(line)
            if re.search(pattern, line):
                return line
        return None

    def wait_all(self, patterns, timeout=30):
        """Waits until every pattern matched a line (in any order); returns the misses."""
        left = list(patterns)
        end = time.monotonic() + timeout
        while left and time.monotonic() < end:
            line = self.wait_for("|".join("(?:%s)" % p for p in left),
                                 max(0.01, end - time.monotonic()))
            if line is None:
                break
            left = [p for p in left if not re.search(p, line)]
        return left

    def send(self, text):
        self.p.stdin.write(text + "\n")
        self.p.stdin.flush()

    def finish(self, timeout=30):
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            check(False, "the station stops in time", "\n".join(self.lines[-20:]))
        while True:
            try:
                line = self.q.get(timeout=5)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
        return self.p.returncode, "\n".join(self.lines)


def journal_rows(tmp):
    path = os.path.join(tmp, "journal.csv")
    if not os.path.exists(path):
        return [], []
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def holds(flash, data):
    """The board's flash starts with the image (bytes 2-3, mode and size, may be patched)."""
    got = open(flash, "rb").read(len(data))
    return got[:2] == data[:2] and got[4:] == data[4:]


def test_boards_appear(tmp, sims, app):
    flash_pty = os.path.join(tmp, "pty.flash")
    flash_tcp = os.path.join(tmp, "tcp.flash")
    pty = sims.pty("5c:cf:7f:00:00:01", flash_pty)
    url = sims.tcp("tcp", "5c:cf:7f:00:00:02", flash_tcp)
    watch = os.path.join(tmp, "by-path")
    os.mkdir(watch)
    st = Station(tmp, "--watch", watch, "--port", url)
    line = st.wait_for(r"^\[%s\] passed" % re.escape(url))
    check(line is not None, "the remote board is written", "\n".join(st.lines[-15:]))
    os.symlink(pty, os.path.join(watch, "pci-0000:00:14.0-usb-0:1.2:1.0-port0"))
    line = st.wait_for(r"^\[pci-0000:00:14.0-usb-0:1.2:1.0-port0\] passed")
    check(line is not None, "a board that appears in the watched folder is written",
          "\n".join(st.lines[-15:]))
    check(any("board plugged in" in s for s in st.lines), "the station says a board came")
    check(holds(flash_pty, app) and holds(flash_tcp, app), "both boards hold the image")
    # Unplugged and plugged in again (the same board): the slot sees a new arrival, and
    # the journal knows the board, so it is not written twice.
    link = os.path.join(watch, "pci-0000:00:14.0-usb-0:1.2:1.0-port0")
    os.unlink(link)
    check(st.wait_for(r"^\[pci-0000:00:14.0-usb-0:1.2:1.0-port0\] board unplugged") is not None,
          "the station sees the board leave", "\n".join(st.lines[-5:]))
    os.symlink(pty, link)
    line = st.wait_for(r"^\[pci-0000:00:14.0-usb-0:1.2:1.0-port0\] (skipped|passed)")
    check(line and "skipped: board 5c:cf:7f:00:00:01 already has these files" in line,
          "a board plugged in again is skipped", line)
    st.send("q")
    rc, out = st.finish()
    check(rc == 0, "q stops the station with exit 0", out[-500:])
    check("Station summary: 2 passed, 1 skipped" in out, "the summary counts all three",
          out[-300:])
    header, rows = journal_rows(tmp)
    check(header[-1] == "slot", "the journal has a slot column", header)
    slots = sorted((r[3], r[10], r[7]) for r in rows)
    check(slots == [("5c:cf:7f:00:00:01", "pci-0000:00:14.0-usb-0:1.2:1.0-port0", "ok"),
                    ("5c:cf:7f:00:00:02", url, "ok")], "the journal records each slot", rows)
    return pty, url, watch


def test_skip_written(tmp, pty, url, watch):
    """Both boards again (the pty stays in the folder): skipped and said so; Ctrl-C."""
    st = Station(tmp, "--watch", watch, "--port", url, "--poll", "0.5")
    missed = st.wait_all([
        r"^\[pci-0000:00:14.0-usb-0:1.2:1.0-port0\] skipped: board 5c:cf:7f:00:00:01 "
        r"already has these files \(written .* at pci-0000:00:14.0-usb-0:1.2:1.0-port0\); "
        r"--rewrite writes it again",
        r"^\[%s\] skipped: board 5c:cf:7f:00:00:02" % re.escape(url)])
    check(not missed, "boards already written are skipped with a message",
          "%s\n%s" % (missed, "\n".join(st.lines[-10:])))
    time.sleep(6)  # two more looks (every 5 x 0.5 s): the board stays, nothing is said
    st.p.send_signal(signal.SIGINT)
    rc, out = st.finish()
    check(rc == 0 and "Station summary: 0 passed, 2 skipped" in out, "Ctrl-C stops cleanly",
          out[-400:])
    _, rows = journal_rows(tmp)
    check(len(rows) == 2, "a skip writes no journal line", rows)
    # A remote board that stays connected is not written again, and not said again.
    check(out.count("[%s] skipped" % url) == 1, "a board that stays is left alone", out)


def test_rewrite(tmp, url):
    st = Station(tmp, "--no-local", "--rewrite", "--port", url)
    line = st.wait_for(r"^\[%s\] (passed|skipped)" % re.escape(url))
    check(line and "passed" in line, "--rewrite writes a board written before", line)
    st.send("q")
    rc, out = st.finish()
    check(rc == 0, "exit 0 after --rewrite", out[-300:])
    _, rows = journal_rows(tmp)
    check(len(rows) == 3 and rows[-1][10] == url, "the rewrite is journalled", rows)


def test_retry(tmp, sims, app):
    """A slot whose port does not open fails; r retries it once the port is there."""
    flash = os.path.join(tmp, "retry.flash")
    watch = os.path.join(tmp, "retry-dir")
    os.mkdir(watch)
    outside = os.path.join(tmp, "later-pty")
    os.symlink(outside, os.path.join(watch, "usb-retry"))
    st = Station(tmp, "--watch", watch)
    line = st.wait_for(r"^\[usb-retry\] FAILED: .*\(r retries\)")
    check(line is not None, "a port that does not open fails the slot",
          "\n".join(st.lines[-10:]))
    st.send("r")
    check(st.wait_for(r"^\[usb-retry\] retrying the failed board") is not None,
          "r retries the failed board", "\n".join(st.lines[-10:]))
    line = st.wait_for(r"^\[usb-retry\] (passed|FAILED)")
    check(line and "FAILED" in line, "still no port: failed again", line)
    # Once per request: the next try is asked for again, this time with SIGUSR1.
    os.symlink(sims.pty("5c:cf:7f:00:00:03", flash), outside)
    st.p.send_signal(signal.SIGUSR1)
    check(st.wait_for(r"^\[usb-retry\] retrying the failed board") is not None,
          "SIGUSR1 retries the failed board", "\n".join(st.lines[-10:]))
    line = st.wait_for(r"^\[usb-retry\] (passed|FAILED)")
    check(line and "passed" in line, "the retry writes the board", line)
    check(holds(flash, app), "the retried board holds the image")
    st.send("q")
    rc, out = st.finish()
    check(rc == 1 and "Station summary: 1 passed, 0 skipped (already written), 2 failed" in out,
          "the first failure stays in the summary and the exit code", out[-400:])


def test_stop_while_writing(tmp, sims):
    """q lets the board being written finish; a second stop cancels it cleanly."""
    big = image(60000, seed=11)
    open(os.path.join(tmp, "fw", "app.bin"), "wb").write(big)
    for finish, mac in ((True, "5c:cf:7f:00:00:04"), (False, "5c:cf:7f:00:00:05")):
        url = sims.tcp("slow" + mac[-1], mac, os.path.join(tmp, "slow%s.flash" % mac[-1]),
                       fast=False)
        st = Station(tmp, "--no-local", "--port", url)
        check(st.wait_for(r"^\[.*\] Writing app.bin") is not None, "the slow write starts",
              "\n".join(st.lines[-10:]))
        st.send("q")
        if not finish:
            st.p.send_signal(signal.SIGINT)
        rc, out = st.finish(timeout=60)
        if finish:
            check(rc == 0 and "[%s] passed" % url in out and "stopping: no new boards" in out,
                  "q: the board in progress finishes", out[-600:])
        else:
            check(rc == 5 and "[%s] CANCELLED" % url in out and
                  "0 failed, 1 cancelled" in out, "q then Ctrl-C cancels it", out[-600:])
            _, rows = journal_rows(tmp)
            check(rows and rows[-1][3] == mac and rows[-1][7] == "cancelled",
                  "the cancelled board is journalled", rows[-1:])


def test_replug_while_writing(tmp, sims):
    """A board unplugged and plugged in again while its job runs is looked at again once
    that job ended (here the same board: the journal then skips it)."""
    watch = os.path.join(tmp, "replug-dir")
    os.mkdir(watch)
    pty = sims.pty("5c:cf:7f:00:00:06", os.path.join(tmp, "replug.flash"), fast=False)
    link = os.path.join(watch, "usb-replug")
    os.symlink(pty, link)
    st = Station(tmp, "--watch", watch)
    check(st.wait_for(r"^\[usb-replug\] Writing app.bin") is not None, "the slow write starts",
          "\n".join(st.lines[-10:]))
    os.unlink(link)
    os.symlink(pty, link)
    line = st.wait_for(r"^\[usb-replug\] (passed|FAILED)", timeout=60)
    check(line and "passed" in line, "the write goes on (the port stayed open)", line)
    line = st.wait_for(r"^\[usb-replug\] (skipped|passed|FAILED)")
    check(line and "skipped: board 5c:cf:7f:00:00:06 already has these files" in line,
          "the board that came back is looked at after the job", line)
    st.send("q")
    rc, out = st.finish()
    check(rc == 0, "exit 0", out[-300:])


def test_one_worker_per_port(tmp, sims):
    """A device given with --port and also linked in the watched folder is one slot."""
    watch = os.path.join(tmp, "dup-dir")
    os.mkdir(watch)
    pty = sims.pty("5c:cf:7f:00:00:07", os.path.join(tmp, "dup.flash"))
    os.symlink(pty, os.path.join(watch, "usb-dup"))
    st = Station(tmp, "--watch", watch, "--port", pty)
    line = st.wait_for(r"^\[%s\] (passed|FAILED)" % re.escape(pty))
    check(line and "passed" in line, "the --port slot writes the board", line)
    st.send("q")
    rc, out = st.finish()
    check(rc == 0 and "[usb-dup]" not in out, "no second slot on the same device", out[-600:])


def test_bad_input(tmp):
    fw = ["--firmware-dir", os.path.join(tmp, "fw")]
    r = subprocess.run([ESPDECK, *fw, "station", os.path.join(tmp, "bench.ini"), "--watch",
                        os.path.join(tmp, "nowhere")], capture_output=True, text=True,
                       timeout=20, cwd=tmp)
    check(r.returncode == 1 and "nowhere, does not exist; give --watch DIR" in r.stderr,
          "a missing watch folder", r.stderr)
    r = subprocess.run([ESPDECK, "station"], capture_output=True, text=True, timeout=20)
    check(r.returncode == 2 and "needs a preset name" in r.stderr, "no preset", r.stderr)
    r = subprocess.run([ESPDECK, "station", "x", "--bogus"], capture_output=True, text=True,
                       timeout=20)
    check(r.returncode == 2 and "unknown option '--bogus'" in r.stderr, "unknown option",
          r.stderr)
    r = subprocess.run([ESPDECK, *fw, "station", os.path.join(tmp, "bench.ini"), "--port", "all"],
                       capture_output=True, text=True, timeout=20)
    check(r.returncode == 2 and "watches the ESP bridges by itself" in r.stderr, "--port all",
          r.stderr)


def test_rfc2217_slot(tmp, sims, app):
    """A port on another host served over RFC 2217 (espdeck-sim --rfc2217: the board runs
    its firmware until DTR/RTS reset it into the loader) is a slot like any other."""
    flash = os.path.join(tmp, "rfc.flash")
    url = sims.tcp("rfc", "5c:cf:7f:00:00:09", flash, fast=False, kind="rfc2217")
    st = Station(tmp, "--no-local", "--port", url)
    line = st.wait_for(r"^\[%s\] passed" % re.escape(url), timeout=60)
    check(line is not None, "an rfc2217:// board is written", "\n".join(st.lines[-15:]))
    st.send("q")
    rc, out = st.finish()
    check(rc == 0, "exit 0 after the rfc2217:// slot", out[-300:])
    check(holds(flash, app), "the rfc2217:// board holds the image")
    _, rows = journal_rows(tmp)
    check(rows and rows[-1][10] == url, "the rfc2217:// slot is journalled", rows[-1:])


def main():
    tmp = tempfile.mkdtemp(prefix="espdeck-station-")
    fw = os.path.join(tmp, "fw")
    os.mkdir(fw)
    app = image(3000)
    open(os.path.join(fw, "app.bin"), "wb").write(app)
    open(os.path.join(tmp, "bench.ini"), "w").write(
        "[preset]\nname = bench\nflash_size = 1MB\nerase = regions\n"
        "[region app]\noffset = 0x0\nfile = app.bin\n")
    sims = Sims(tmp)
    try:
        pty, url, watch = test_boards_appear(tmp, sims, app)
        test_skip_written(tmp, pty, url, watch)
        test_rewrite(tmp, url)
        test_retry(tmp, sims, app)
        test_bad_input(tmp)
        test_rfc2217_slot(tmp, sims, app)
        test_stop_while_writing(tmp, sims)
        test_replug_while_writing(tmp, sims)
        test_one_worker_per_port(tmp, sims)
    finally:
        sims.close()
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("ok")


main()
