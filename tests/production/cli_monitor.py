#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# `espdeck monitor` against a socket://127.0.0.1:PORT peer that plays a recorded boot log
# (tests/production/data), as a serial bridge in TCP mode would.
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ESPDECK = os.environ["ESPDECK"]
DATA = os.path.join(os.environ["ESPDECK_SOURCE_ROOT"], "tests", "production", "data")
failures = []


def check(cond, what, detail=""):
    if not cond:
        failures.append(what)
        print("FAIL:", what, detail, file=sys.stderr)


class Peer:
    """Accepts one connection, sends a log in small chunks, then holds or closes."""

    def __init__(self, log_name, close_after=False):
        with open(os.path.join(DATA, log_name), "rb") as f:
            self.data = f.read()
        self.close_after = close_after
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        conn, _ = self.sock.accept()
        try:
            for i in range(0, len(self.data), 37):
                conn.sendall(self.data[i:i + 37])
                time.sleep(0.002)
            if not self.close_after:
                conn.recv(1)  # until the monitor closes its end
        except OSError:
            pass
        finally:
            conn.close()
            self.sock.close()

    def spec(self):
        return "socket://127.0.0.1:%d" % self.port


def monitor(peer, *args, timeout=20):
    return subprocess.run([ESPDECK, "--port", peer.spec(), "monitor", *args],
                          capture_output=True, text=True, timeout=timeout)


# A good SDK boot into user1, the application's output at 115200 as garbage afterwards.
peer = Peer("sdk-boot-user1.log")
r = monitor(peer, "--time", "1.5", "--expect", "jump to run user1; csum ok")
check(r.returncode == 0, "good boot exits 0", r.stderr)
out = r.stdout
check(" ets Jan  8 2013,rst cause:2, boot mode:(3,6)\n"
      "    = reset cause 2 (external reset, EN/RST pin), boot mode 3 (flash boot)\n" in out,
      "banner printed and explained", out)
check("load 0x40100000, len 2408, room 16 \n    = segment 1: 2408 bytes to 0x40100000 (IRAM)\n"
      in out, "segment explained", out)
check("jump to run user1 @ 1000\n    = the boot loader starts user1 at flash 0x1000\n" in out,
      "jump explained", out)
check("unreadable bytes: output at another baud rate]" in out, "garbage summarised", out)
check("boot: rst cause 2 (external reset, EN/RST pin), boot mode 3 (flash boot), 3 segments, "
      "csum ok, boot loader 1.6 (40MHz QIO 32Mbit(1024KB+1024KB)), user1\n" in out,
      "facts summary", out)
check(out.endswith("verdict: booted: all 2 expectations held: jump to run user1; csum ok\n"),
      "verdict last", out[-200:])

# A corrupt boot loader: csum err decides, whatever the preset expects.
peer = Peer("csum-err.log")
r = monitor(peer, "--time", "1", "--expect", "jump to run user1")
check(r.returncode == 1, "csum err exits 1", r.stdout)
check("csum err\n" in r.stdout and "ets_main.c \n    = the ROM stopped" in r.stdout,
      "csum err lines shown, final line without newline completed", r.stdout)
check("verdict: not booted: the ROM reported csum err after 3 segments" in r.stdout,
      "csum err verdict", r.stdout)

# Download mode; the peer hangs up at the end and the monitor stops by itself.
peer = Peer("download-mode.log", close_after=True)
r = monitor(peer)
check(r.returncode == 1, "download mode exits 1", r.stdout + r.stderr)
check("waiting for host\n    = UART download mode" in r.stdout, "waiting explained", r.stdout)
check("verdict: not booted: the board started in UART download mode (boot mode 1)" in r.stdout,
      "download verdict", r.stdout)

# Expectations that do not hold name what was seen instead.
peer = Peer("sdk-boot-user2.log")
r = monitor(peer, "--time", "1", "--expect", "jump to run user1")
check(r.returncode == 1, "wrong slot exits 1")
check("verdict: not booted: expected 'jump to run user1', but the boot loader jumped to user2\n"
      in r.stdout, "wrong slot verdict", r.stdout)

# Ctrl-C ends a monitor without --time and still prints the verdict.
peer = Peer("sdk-boot-user1.log")
p = subprocess.Popen([ESPDECK, "--port", peer.spec(), "monitor"], stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True)
seen = ""
deadline = time.time() + 10
while "jump to run" not in seen and time.time() < deadline:
    line = p.stdout.readline()
    if not line:
        break
    seen += line
p.send_signal(signal.SIGINT)
rest, err = p.communicate(timeout=10)
check(p.returncode == 0, "Ctrl-C exits with the verdict's code", err)
check("verdict: booted: the boot loader v1.6 jumped to user1" in rest, "verdict after Ctrl-C",
      rest)

# Nothing on the line at all.
peer = Peer("download-mode.log")
peer.data = b""
r = monitor(peer, "--time", "0.5")
check(r.returncode == 0, "silence without expectations is not a failure")
check("verdict: unknown: nothing was received" in r.stdout, "silence verdict", r.stdout)

# --reset pulses EN through RTS: the virtual board boots the image found at 0x0.
def v1_image():
    data = bytes(range(64))
    body = bytes([0xE9, 1, 0, 0x40]) + struct.pack("<I", 0x40100004)
    body += struct.pack("<II", 0x40100000, len(data)) + data
    csum = 0xEF
    for b in data:
        csum ^= b
    return body + b"\0" * (15 - len(body) % 16) + bytes([csum])


with tempfile.TemporaryDirectory() as tmp:
    flash = os.path.join(tmp, "flash.bin")
    with open(flash, "wb") as f:
        image = v1_image()
        f.write(image + b"\xff" * (1024 * 1024 - len(image)))
    r = subprocess.run([ESPDECK, "--port", "sim://?boot-log=1&clock=virtual&flash=" + flash,
                        "monitor", "--reset", "--time", "1", "--expect", "csum ok; rst cause 2"],
                       capture_output=True, text=True, timeout=20)
    check(r.returncode == 0, "reset sim boots", r.stdout + r.stderr)
    check("rst cause:2, boot mode:(3,6)" in r.stdout and "rst cause:1" not in r.stdout,
          "only the boot after the reset is heard", r.stdout)
    check("verdict: booted: all 2 expectations held" in r.stdout, "sim verdict", r.stdout)

# Over raw TCP there are no reset lines: say so, and listen anyway.
peer = Peer("sdk-boot-user1.log")
r = monitor(peer, "--reset", "--time", "1")
check(r.returncode == 0 and "has no DTR/RTS lines to reset the board: press its reset button"
      in r.stderr and "verdict: booted" in r.stdout, "reset over TCP", r.stderr)

# Bad input: clear errors, usage exit code, no capture.
for args, code, text in [
        (["--expect", "jump to run user3"], 2, "unknown boot rule 'jump to run user3'"),
        (["--time", "soon"], 2, "--time 'soon' is not a number of seconds"),
        (["--baud", "fast"], 2, "--baud 'fast' is not a baud rate"),
        (["--bogus"], 2, "unknown option '--bogus'")]:
    r = subprocess.run([ESPDECK, "--port", "socket://127.0.0.1:9", "monitor", *args],
                       capture_output=True, text=True, timeout=10)
    check(r.returncode == code and text in r.stderr, "bad input %s" % args, r.stderr)
r = subprocess.run([ESPDECK, "--port", "socket://127.0.0.1:1", "monitor", "--time", "1"],
                   capture_output=True, text=True, timeout=10)
check(r.returncode == 3 and "cannot connect" in r.stderr, "refused port exits 3", r.stderr)

print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
