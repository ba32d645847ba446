#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# espdeck beside esptool (issue 13, item 10), both in their default mode (flasher stub,
# zlib, MD5), both timed the same way: wall-clock time of the whole command, through the
# same transport (a fresh `espdeck-sim --pty` per run, its realistic real-time timing
# model: wire time at the baud rate, reply latency, the stub's CPU, page program and erase
# times). Operations, each at 921600 baud:
#   seed    the seed layout (boot 0x0, init data 0x3FC000, blank 0x3FE000, user1 0x1000,
#           user2 0x101000) with stand-ins of the seed's sizes (vendor files not shipped)
#   random  a 1 MiB random file at 0x100000
#   read    a 4 MiB read
#   user1   re-flashing a 1 MiB user1.bin with 1% changed (espdeck with --diff when it
#           has it, else "n/a (needs --diff)"; esptool 4 writes the whole file)
# Each row: time, ratio to the UART wire limit (payload / (baud / 10); above 1 means
# faster than the raw bytes could cross the line) and espdeck's time over esptool's.
#
#   side_by_side.py ESPDECK ESPDECK_SIM
# env: ESPTOOL="python3 path/to/esptool.py" or a path (or `esptool` / `esptool.py` on PATH;
#      otherwise the column is skipped), ESPTOOL_PYTHON (interpreter for a bare .py path,
#      default python3),
#      BENCH_OPS=seed,random,read,user1 (a subset to run).
import hashlib
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BAUD = 921600


def firmware_like(size, seed):
    """Bytes that compress about as well as an SDK application (zlib level 9: ~0.7)."""
    rng = random.Random(seed)
    words = [rng.getrandbits(32).to_bytes(4, "little") for _ in range(600)]
    text = [b"wifi_station_connect", b"user_init", b"ets_printf", b"os_timer_arm ",
            b"espconn_sent", b"\x00\x00\x00\x00"]
    out = bytearray()
    while len(out) < size:
        r = rng.random()
        if r < 0.55:
            out += rng.choice(words)
        elif r < 0.6:
            out += rng.choice(text)
        else:
            out += rng.getrandbits(32).to_bytes(4, "little")
    return bytes(out[:size])


def find_esptool():
    """ESPTOOL as the interop tests take it (a command line, "python3 .../esptool.py"),
    or a bare esptool.py path, or esptool on PATH."""
    if os.environ.get("ESPTOOL"):
        cmd = shlex.split(os.environ["ESPTOOL"])
    else:
        path = shutil.which("esptool") or shutil.which("esptool.py")
        cmd = [path] if path else None
    if cmd and len(cmd) == 1 and cmd[0].endswith(".py"):
        cmd = [os.environ.get("ESPTOOL_PYTHON", "python3")] + cmd
    return cmd


class Sim:
    """A fresh virtual board on a pty, its flash in a file (kept on SIGTERM)."""

    def __init__(self, sim, work, flash):
        pf = os.path.join(work, "pty.txt")
        if os.path.exists(pf):
            os.unlink(pf)
        self.p = subprocess.Popen([sim, "--pty", "--port-file", pf, "--flash-size", "4MB",
                                   "--flash", flash, "--quiet"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(200):
            if os.path.exists(pf) and open(pf).read().strip():
                break
            time.sleep(0.02)
        self.port = open(pf).read().strip()

    def close(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(10)


def timed(cmd, env=None):
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    t = time.monotonic() - t0
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stdout[-800:]}"
                           f"\n{r.stderr[-800:]}")
    return t, r.stdout + r.stderr


def main():
    if len(sys.argv) < 3:
        print("usage: side_by_side.py ESPDECK ESPDECK_SIM", file=sys.stderr)
        return 2
    espdeck, sim = sys.argv[1], sys.argv[2]
    ops = os.environ.get("BENCH_OPS", "seed,random,read,user1").split(",")
    esptool = find_esptool()
    work = tempfile.mkdtemp(prefix="espdeck-side-")
    env = dict(os.environ, XDG_STATE_HOME=os.path.join(work, "state"))
    try:
        return run(espdeck, sim, esptool, ops, work, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(espdeck, sim, esptool, ops, work, env):
    def put(name, data):
        path = os.path.join(work, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    rng = random.Random(7)
    seed_files = [
        (0x0, put("boot_v1.6.bin", bytes(rng.getrandbits(8) for _ in range(3856)))),
        (0x3FC000, put("esp_init_data_default.bin", bytes(rng.getrandbits(8) for _ in range(128)))),
        (0x3FE000, put("blank.bin", b"\xff" * 4096)),
        (0x1000, put("user1.bin", firmware_like(300 * 1024, 1))),
        (0x101000, put("user2.bin", firmware_like(300 * 1024, 2))),
    ]
    rnd = put("random.bin", os.urandom(1 << 20))
    big = firmware_like(1 << 20, 3)
    user1_old = put("user1-1MiB-old.bin", big)
    changed = bytearray(big)
    changed[0x40000:0x40000 + len(big) // 100] = os.urandom(len(big) // 100)
    user1_new = put("user1-1MiB-new.bin", bytes(changed))
    help_text = subprocess.run([espdeck, "write_flash", "--help"], capture_output=True,
                               text=True).stdout
    has_diff = "--diff" in help_text

    def args_for(op):
        """(payload bytes, espdeck args, esptool args, needs a primed flash)"""
        if op == "seed":
            pairs = [x for off, path in seed_files for x in (hex(off), path)]
            size = sum(os.path.getsize(p) for _, p in seed_files)
            return size, ["write_flash"] + pairs, ["write_flash"] + pairs, False
        if op == "random":
            return 1 << 20, ["write_flash", "0x100000", rnd], ["write_flash", "0x100000", rnd], False
        if op == "read":
            out = os.path.join(work, "dump.bin")
            return 4 << 20, ["read_flash", "0", "0x400000", out], \
                ["read_flash", "0", "0x400000", out], False
        if op == "user1":
            ours = ["write_flash", "--diff", "0x1000", user1_new] if has_diff else None
            return 1 << 20, ours, ["write_flash", "0x1000", user1_new], True
        raise SystemExit(f"unknown operation {op} (seed, random, read, user1)")

    def one(tool_cmd, op_args, primed):
        flash = os.path.join(work, "board.bin")
        if os.path.exists(flash):
            os.unlink(flash)
        if primed:  # the board already holds the old user1.bin
            s = Sim(sim, work, flash)
            try:
                timed([espdeck, "--port", s.port, "--baud", str(BAUD), "write_flash",
                       "0x1000", user1_old], env)
            finally:
                s.close()
        s = Sim(sim, work, flash)
        try:
            t, _ = timed(tool_cmd + ["--port", s.port, "--baud", str(BAUD)] + op_args, env)
        finally:
            s.close()
        return t

    names = {"seed": "seed layout", "random": "1 MiB random", "read": "4 MiB read",
             "user1": "user1.bin 1 MiB, 1% changed"}
    print(f"espdeck beside esptool, espdeck-sim --pty (real-time timing model), {BAUD} baud")
    if not esptool:
        print("esptool: not installed, column skipped (set ESPTOOL=path/to/esptool.py)")
    else:
        v = subprocess.run(esptool + ["version"], capture_output=True, text=True).stdout
        print("esptool:", (v.strip().splitlines() or ["?"])[-1], "(default mode: stub, zlib, MD5)")
    print(f"{'operation':30} {'payload':>9} {'espdeck':>9} {'x wire':>7} "
          f"{'esptool':>9} {'x wire':>7} {'espdeck/esptool':>16}")
    for op in ops:
        payload, ours, theirs, primed = args_for(op)
        wire = payload * 10 / BAUD
        t_ours = one([espdeck], ours, primed) if ours else None
        t_theirs = one(esptool, theirs, primed) if esptool else None
        cols = [f"{names[op]:30}", f"{payload:9d}"]
        cols += [f"{t_ours:8.2f}s", f"{wire / t_ours:6.2f}x"] if t_ours else \
            [f"{'n/a (needs --diff)':>17}"]
        cols += [f"{t_theirs:8.2f}s", f"{wire / t_theirs:6.2f}x"] if t_theirs else \
            [f"{'-':>9}", f"{'-':>7}"]
        cols += [f"{t_ours / t_theirs:15.2f}x"] if t_ours and t_theirs else [f"{'-':>16}"]
        print(" ".join(cols), flush=True)
    print("targets: seed layout <= 0.75x esptool; 4 MiB read >= 0.95x wire (within 1.05x of "
          "its wire time); user1.bin 1% re-flash >= 1.5x wire")
    return 0


if __name__ == "__main__":
    sys.exit(main())
