#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# ser2net in front of espdeck-sim --pty (issue 14 item 3), as a remote bench host runs it:
# one connection with a telnet(rfc2217) accepter and one raw TCP, both on the board's
# pseudo-terminal; chip_id, write_flash with MD5 verify (stub) and read_flash through
# rfc2217:// and socket://, the stub's baud change through SET-BAUDRATE (ser2net sets the
# pty's speed, espdeck-sim follows it), and one multi-board job with a remote and a local
# port in one --port list. Skipped (77) only when ser2net is not installed.
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rfc_lib import check, finish, free_port, run, start_sim, stop  # noqa: E402

SER2NET = shutil.which("ser2net") or shutil.which("ser2net", path="/usr/sbin:/sbin")
if not SER2NET:
    print("SKIP: ser2net is not installed (apt-get install ser2net; tools/setup.sh does)")
    raise SystemExit(77)

CONFIG = """%YAML 1.1
---
connection: &rfc
  accepter: telnet(rfc2217),tcp,127.0.0.1,{rfc}
  connector: serialdev,{pty},115200n81,local
  options:
    kickolduser: true
connection: &raw
  accepter: tcp,127.0.0.1,{raw}
  connector: serialdev,{pty},115200n81,local
  options:
    kickolduser: true
"""


def listening():
    """TCP ports in LISTEN state on this host (/proc/net/tcp, state 0A)."""
    ports = set()
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        f = line.split()
        if f[3] == "0A":
            ports.add(int(f[1].split(":")[1], 16))
    return ports


def start_ser2net(tmp, pty):
    rfc, raw = free_port(), free_port()
    conf = os.path.join(tmp, "ser2net.yaml")
    open(conf, "w").write(CONFIG.format(rfc=rfc, raw=raw, pty=pty))
    p = subprocess.Popen([SER2NET, "-n", "-d", "-c", conf, "-P", os.path.join(tmp, "pid")],
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "s2n.log"), "w"))
    # Wait for both listeners without connecting: a connection opens the pty, and
    # ser2net then drops a client of the other accepter until it has closed it again.
    end = time.monotonic() + 5
    while time.monotonic() < end and not {rfc, raw} <= listening():
        time.sleep(0.05)
    return p, f"rfc2217://127.0.0.1:{rfc}", f"socket://127.0.0.1:{raw}"


def flash_and_read(tmp, url, data, offset):
    src = os.path.join(tmp, "in.bin")
    open(src, "wb").write(data)
    p = s2n_run(["--port", url, "write_flash", hex(offset), src])
    check(p.returncode == 0 and "verified by MD5" in p.stdout,
          f"write_flash through ser2net {url}: exit {p.returncode} {p.stderr[-500:]}")
    out = os.path.join(tmp, "out.bin")
    p = s2n_run(["--port", url, "read_flash", hex(offset), str(len(data)), out])
    back = open(out, "rb").read() if os.path.exists(out) else b""
    check(p.returncode == 0 and back == data,
          f"read_flash through ser2net {url} gives the bytes back: {p.stderr[-400:]}")


S2N = {}  # the running ser2net process and the pty it serves


def pty_open_in(pid, pty):
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == pty:
                return True
        except OSError:
            pass
    return False


def s2n_run(args):
    """ser2net closes the pty a moment after a client leaves and drops a client of the
    other accepter that comes before: wait until its file descriptor is gone."""
    p = run(args)
    end = time.monotonic() + 5
    while time.monotonic() < end and pty_open_in(S2N["pid"], S2N["pty"]):
        time.sleep(0.02)
    return p


def main():
    rnd = random.Random(2217)
    data = bytes(0xFF if rnd.random() < 0.2 else rnd.getrandbits(8) for _ in range(12288))
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_STATE_HOME"] = tmp
        flash = os.path.join(tmp, "flash.bin")
        sim, pty = start_sim(tmp, "pty", "--pty", "--flash", flash, "--flash-size", "1MB")
        s2n, rfc, raw = start_ser2net(tmp, pty)
        S2N.update(pid=s2n.pid, pty=pty)
        try:
            for url in (rfc, raw):
                p = s2n_run(["--port", url, "chip_id"])
                check(p.returncode == 0 and "Chip ID: 0x00a1b2c3" in p.stdout,
                      f"chip_id through ser2net {url}: {p.stderr[-400:]}")
            flash_and_read(tmp, rfc, data, 0x20000)
            flash_and_read(tmp, raw, data[::-1], 0x30000)
            src = os.path.join(tmp, "multi.bin")
            open(src, "wb").write(data)
            p = s2n_run(["--port", rfc, "--port", "sim://?fast&mac=5c:cf:7f:00:00:01",
                         "write_flash", "0x40000", src])
            out = p.stdout + p.stderr
            check(p.returncode == 0 and rfc in out and "sim://" in out,
                  f"one job on a remote and a local port: exit {p.returncode}: {out[-800:]}")
            # The stub's baud change through SET-BAUDRATE: ser2net sets the pty's speed and
            # espdeck-sim follows it. No reset reaches a board behind a pty, so the stub
            # stays at 460800 afterwards: the read runs on a fresh board (same flash file).
            src = os.path.join(tmp, "fast.bin")
            open(src, "wb").write(data[4096:] + data[:4096])
            p = s2n_run(["--port", rfc, "--baud", "460800", "write_flash", "0x50000", src])
            check(p.returncode == 0 and "verified by MD5" in p.stdout
                  and "Changed baud rate to 460800" in p.stdout
                  and "no answer at the new baud rate" not in p.stdout + p.stderr,
                  f"write_flash at 460800 through ser2net, the baud changed by SET-BAUDRATE: "
                  f"{p.stdout[-500:]}{p.stderr[-500:]}")
        finally:
            stop(s2n)
            stop(sim)
        sim, pty = start_sim(tmp, "pty2", "--pty", "--flash", flash)
        s2n, rfc, raw = start_ser2net(tmp, pty)
        S2N.update(pid=s2n.pid, pty=pty)
        try:
            out = os.path.join(tmp, "fast-back.bin")
            p = s2n_run(["--port", rfc, "--baud", "460800", "read_flash", "0x50000",
                         str(len(data)), out])
            back = open(out, "rb").read() if os.path.exists(out) else b""
            check(p.returncode == 0 and back == data[4096:] + data[:4096]
                  and "Changed baud rate to 460800" in p.stdout,
                  f"read_flash at 460800 through ser2net: {p.stderr[-400:]}")
        finally:
            stop(s2n)
            stop(sim)
    finish()


main()
