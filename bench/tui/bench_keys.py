#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# How fast the bench screen answers a key while a job runs, measured in a real terminal
# (tmux 80x24) against the real-time virtual board, and how much it writes to the
# terminal while following a job (it should redraw only what changed).
#
# Prints: key latency (median, p90, max) against the 50 ms target, the same for a plain
# `cat` in the same tmux (the floor set by tmux itself), and the bytes per second sent
# to the terminal during a write, as a share of repainting the whole 80x24 screen at the
# 30 frames per second the loop allows.
import fcntl
import os
import pty
import select
import shutil
import struct
import termios
import statistics
import subprocess
import sys
import tempfile
import time

ESPDECK = os.environ.get("ESPDECK")
SAMPLES = 20
TARGET_MS = 50.0


def tmux(sock, *args, check=True):
    return subprocess.run(["tmux", "-L", sock, "-f", "/dev/null", *args],
                          capture_output=True, text=True, check=check).stdout


def screen(sock):
    return tmux(sock, "capture-pane", "-p", "-t", "b", check=False)


def wait_for(sock, text, limit_s=10.0):
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        if text in screen(sock):
            return True
    raise SystemExit(f"bench: '{text}' never appeared; screen:\n{screen(sock)}")


def round_trip(sock, key, text):
    """Milliseconds from sending key until text is on the screen."""
    t0 = time.monotonic()
    tmux(sock, "send-keys", "-t", "b", key)
    wait_for(sock, text)
    return (time.monotonic() - t0) * 1000


def summary(name, ms):
    ms = sorted(ms)
    p90 = ms[int(len(ms) * 0.9) - 1]
    return (f"{name}: median {statistics.median(ms):.1f} ms, p90 {p90:.1f} ms, "
            f"max {ms[-1]:.1f} ms")


class Pty:
    """espdeck on a pseudo-terminal of its own: the UI's latency without tmux."""

    def __init__(self, argv, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
            os.execve(argv[0], argv, env)
        self.buf = b""

    def drain(self, timeout=0.0):
        while select.select([self.fd], [], [], timeout)[0]:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.buf += chunk
            timeout = 0.0

    def wait_for(self, text, limit_s=10.0):
        end = time.monotonic() + limit_s
        while time.monotonic() < end:
            if text in self.buf:
                return True
            self.drain(0.001)
        raise SystemExit(f"bench: {text!r} never came from the pty")

    def round_trip(self, key, text):
        self.drain()
        self.buf = b""
        t0 = time.monotonic()
        os.write(self.fd, key)
        self.wait_for(text)
        return (time.monotonic() - t0) * 1000

    def close(self):
        try:
            os.kill(self.pid, 15)
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        os.close(self.fd)


def pty_latency(work, fw):
    env = dict(os.environ, TERM="xterm-256color", XDG_CONFIG_HOME=f"{work}/xdg")
    p = Pty([ESPDECK, "--port", "sim://", "--firmware-dir", fw, "--preset", "big"], env)
    try:
        p.wait_for(b"[idle]")
        p.round_trip(b"w", b"Write all 1 region")
        p.round_trip(b"y", b"write big.bin")
        p.wait_for(b"KiB")
        samples = []
        for _ in range(SAMPLES // 2):
            samples.append(p.round_trip(b"l", b"every step"))
            samples.append(p.round_trip(b"q", b"full log"))
        os.write(p.fd, b"\x1b")
        p.wait_for(b"cancelled")
        return samples
    finally:
        p.close()


def pty_latency_boards(work, fw, boards=4):
    """The same keys while `boards` real-time virtual boards are written at once."""
    env = dict(os.environ, TERM="xterm-256color", XDG_CONFIG_HOME=f"{work}/xdg",
               XDG_STATE_HOME=f"{work}/state")
    p = Pty([ESPDECK, "--port", "sim://", "--firmware-dir", fw, "--preset", "big"], env)
    try:
        p.wait_for(b"[idle]")
        # curses sends only what changed, so "virtual board N" may never come whole:
        # the confirmation below says how many boards are checked.
        for _ in range(boards):
            os.write(p.fd, b"+")
            p.drain(0.2)
        p.round_trip(b"w", f"to {boards} checked".encode())
        p.round_trip(b"y", f"on {boards} boards".encode())
        p.wait_for(b"KiB/s")
        samples = []
        for _ in range(SAMPLES // 2):
            samples.append(p.round_trip(b"l", b"every step"))
            samples.append(p.round_trip(b"q", b"cancel this board"))
        os.write(p.fd, b"\x1b")
        p.wait_for(f"{boards} cancelled".encode(), 30.0)
        return samples
    finally:
        p.close()


def cat_floor(work):
    sock = f"espdeck-bench-cat-{os.getpid()}"
    tmux(sock, "new-session", "-d", "-s", "b", "-x", "80", "-y", "24", "cat")
    try:
        samples = []
        for i in range(SAMPLES):
            samples.append(round_trip(sock, chr(ord("a") + i), "abcdefghijklmnopqrst"[:i + 1]))
        return samples
    finally:
        tmux(sock, "kill-server", check=False)


def main():
    if not ESPDECK or not shutil.which("tmux"):
        print("bench: needs $ESPDECK and tmux")
        return 77
    work = tempfile.mkdtemp()
    fw = os.path.join(work, "fw")
    layouts = os.path.join(work, "xdg", "espdeck", "layouts")
    os.makedirs(fw)
    os.makedirs(layouts)
    with open(os.path.join(fw, "big.bin"), "wb") as f:
        f.write(bytes((i * 13 + 5) & 0xFF for i in range(1 << 20)))
    with open(os.path.join(layouts, "big.ini"), "w") as f:
        f.write("[preset]\nflash_size = 4MB\nerase = none\n"
                "[region big]\noffset = 0x100000\nfile = big.bin\n")
    sock = f"espdeck-bench-keys-{os.getpid()}"
    out = os.path.join(work, "pane.out")
    cmd = (f"XDG_CONFIG_HOME='{work}/xdg' '{ESPDECK}' --port sim:// "
           f"--firmware-dir '{fw}' --preset big")
    tmux(sock, "new-session", "-d", "-s", "b", "-x", "80", "-y", "24", "-c", work, cmd)
    try:
        wait_for(sock, "Preset big ")
        tmux(sock, "send-keys", "-t", "b", "w")
        wait_for(sock, "Write all 1 region")
        tmux(sock, "send-keys", "-t", "b", "y")
        wait_for(sock, "[>] 1/1 write big.bin")
        wait_for(sock, "KiB /")  # bytes are moving
        # Output while only the job changes the screen.
        tmux(sock, "pipe-pane", "-t", "b", "-o", f"cat >> '{out}'")
        time.sleep(3.0)
        tmux(sock, "pipe-pane", "-t", "b")
        sent = os.path.getsize(out) if os.path.exists(out) else 0
        # Keys while the job runs: open the full log, close it again.
        samples = []
        for _ in range(SAMPLES // 2):
            samples.append(round_trip(sock, "l", "Log (every step and error in full)"))
            samples.append(round_trip(sock, "q", "Esc cancel"))
        running = "[write" in screen(sock)
        tmux(sock, "send-keys", "-t", "b", "Escape")
        wait_for(sock, "cancelled")
    finally:
        tmux(sock, "kill-server", check=False)
    floor = cat_floor(work)
    direct = pty_latency(work, fw)
    boards = pty_latency_boards(work, fw)
    shutil.rmtree(work, ignore_errors=True)
    worst = max(samples)
    print(summary("bench key latency during a write", samples))
    print(f"  target {TARGET_MS:.0f} ms: worst case is {worst / TARGET_MS:.2f} x the target"
          f"{'' if running else ' (the job had ended: figures are not under load)'}")
    print(summary("tmux floor (cat echoing a key)", floor))
    print(f"  bench median / floor median: "
          f"{statistics.median(samples) / statistics.median(floor):.2f}")
    print(summary("bench key latency during a write, own pty (no tmux)", direct))
    print(f"  target {TARGET_MS:.0f} ms: worst case is {max(direct) / TARGET_MS:.2f} x the target")
    print(summary("bench key latency with 4 boards written at once, own pty", boards))
    print(f"  target {TARGET_MS:.0f} ms: worst case is {max(boards) / TARGET_MS:.2f} x the target"
          f"; median 4 boards / 1 board: "
          f"{statistics.median(boards) / statistics.median(direct):.2f}")
    full = 80 * 24 * 30
    print(f"terminal output while following the job: {sent / 3.0:.0f} B/s = "
          f"{100.0 * sent / 3.0 / full:.1f}% of repainting 80x24 at 30 frames/s ({full} B/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
