#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Remote ports against local ones (issue 14): connect time (espdeck chip_id: open, reset,
# SYNC, detect, stub) and a write and a read of SIZE bytes of random data (default 1 MiB),
# at each baud rate, through
#   rfc2217 direct   rfc2217:// to espdeck-sim --rfc2217
#   rfc2217 ser2net  rfc2217:// to ser2net's telnet(rfc2217) accepter on espdeck-sim --pty
#   socket ser2net   socket:// to ser2net's raw accepter on the same pty
#   socket direct    socket:// to espdeck-sim --tcp
#   pty local        the pty itself
# Every run gets a fresh board (the same flash file), since no reset reaches a board
# behind a pty. Raw TCP cannot change the baud rate: its rows are at 115200 only.
# Usage: bench_remote.py [SIZE_BYTES [BAUD...]]   (needs ser2net for the ser2net rows)
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ESPDECK = os.environ.get("ESPDECK", "build/espdeck")
SIM = os.environ.get("ESPDECK_SIM", "build/espdeck-sim")
SER2NET = shutil.which("ser2net") or shutil.which("ser2net", path="/usr/sbin:/sbin")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_for(path, proc):
    for _ in range(250):
        if os.path.exists(path) and open(path).read().strip():
            return open(path).read().strip()
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    raise RuntimeError("espdeck-sim did not start")


class Endpoint:
    def __init__(self, kind, tmp, flash):
        self.procs = []
        pf = os.path.join(tmp, "port")
        if os.path.exists(pf):
            os.unlink(pf)
        mode = {"rfc2217 direct": ["--rfc2217", "127.0.0.1:0"],
                "socket direct": ["--tcp", "127.0.0.1:0"]}.get(kind, ["--pty"])
        sim = subprocess.Popen([SIM, *mode, "--flash", flash, "--flash-size", "4MB",
                                "--port-file", pf, "--quiet"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(sim)
        where = wait_for(pf, sim)
        if kind == "rfc2217 direct":
            self.url = f"rfc2217://127.0.0.1:{where}"
        elif kind == "socket direct":
            self.url = f"socket://127.0.0.1:{where}"
        elif kind == "pty local":
            self.url = where
        else:
            port = free_port()
            acc = "telnet(rfc2217),tcp" if kind.startswith("rfc2217") else "tcp"
            conf = os.path.join(tmp, "ser2net.yaml")
            open(conf, "w").write(
                f"connection: &b\n  accepter: {acc},127.0.0.1,{port}\n"
                f"  connector: serialdev,{where},115200n81,local\n")
            self.procs.append(subprocess.Popen(
                [SER2NET, "-n", "-d", "-c", conf, "-P", os.path.join(tmp, "pid")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            time.sleep(0.5)
            scheme = "rfc2217" if kind.startswith("rfc2217") else "socket"
            self.url = f"{scheme}://127.0.0.1:{port}"

    def close(self):
        for p in reversed(self.procs):
            p.terminate()
            p.wait()


def timed(args):
    t0 = time.monotonic()
    p = subprocess.run([ESPDECK, *args], capture_output=True, text=True)
    dt = time.monotonic() - t0
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1:]
    return dt, None


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 20
    bauds = [int(b) for b in sys.argv[2:]] or [115200, 921600]
    kinds = ["rfc2217 direct", "socket direct", "pty local"]
    if SER2NET:
        kinds[1:1] = ["rfc2217 ser2net", "socket ser2net"]
    else:
        print("(ser2net not installed: its rows are left out)")
    print(f"{'link':16} {'baud':>7} {'connect s':>10} {'write s':>8} {'KiB/s':>7} "
          f"{'read s':>7} {'KiB/s':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_STATE_HOME"] = tmp
        src = os.path.join(tmp, "data.bin")
        open(src, "wb").write(random.Random(1).randbytes(size))
        for baud in bauds:
            for kind in kinds:
                if kind.startswith("socket") and baud != 115200:
                    continue
                flash = os.path.join(tmp, kind.replace(" ", "_") + ".flash")
                row = []
                for args in (["chip_id"], ["write_flash", "0x0", src],
                             ["read_flash", "0x0", str(size), os.path.join(tmp, "back")]):
                    ep = Endpoint(kind, tmp, flash)
                    try:
                        dt, err = timed(["--port", ep.url, "--baud", str(baud), *args])
                    finally:
                        ep.close()
                    row.append(dt)
                    if err:
                        print(f"{kind:16} {baud:>7} {args[0]} failed: {err}")
                cells = [f"{row[0]:10.2f}" if row[0] else f"{'-':>10}"]
                for dt in row[1:]:
                    cells.append(f"{dt:8.2f} {size / 1024 / dt:7.1f}" if dt
                                 else f"{'-':>8} {'-':>7}")
                print(f"{kind:16} {baud:>7} {' '.join(cells)}", flush=True)
                if os.path.exists(os.path.join(tmp, "back")):
                    same = open(os.path.join(tmp, "back"), "rb").read() == open(src, "rb").read()
                    os.unlink(os.path.join(tmp, "back"))
                    if not same:
                        print(f"{kind:16} {baud:>7} read back differs from what was written")


main()
