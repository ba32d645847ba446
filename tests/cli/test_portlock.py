# SPDX-License-Identifier: MIT
# Port locking (espdeck(1) PORTS): a serial port open in one espdeck (or held with flock by
# any program, as esptool/pyserial do) is refused by a second one with the holder's PID and
# name, before any byte is sent; once the holder is gone the port works again. The port is
# the virtual board's pseudo-terminal (espdeck-sim --pty).
import fcntl
import os
import subprocess
import sys
import time

ESPDECK = os.environ["ESPDECK"]
SIM = os.environ["ESPDECK_SIM"]
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def espdeck(args, timeout=60):
    return subprocess.run([ESPDECK] + args, capture_output=True, text=True, timeout=timeout)


def main():
    sim = subprocess.Popen([SIM, "--pty", "--fast"], stdout=subprocess.PIPE, text=True)
    try:
        pty = sim.stdout.readline().strip()
        check(pty.startswith("/dev/"), f"espdeck-sim printed its pty: {pty!r}")
        p = espdeck(["--port", pty, "chip_id"])
        check(p.returncode == 0, f"free port works: {p.returncode} {p.stderr}")

        # Held by another espdeck (a monitor keeps it open).
        holder = subprocess.Popen([ESPDECK, "--port", pty, "monitor", "--time", "30"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # Wait (up to 30 s under load) until the monitor holds its lock.
            locked = False
            for _ in range(300):
                with open("/proc/locks") as f:
                    locked = any(l.split()[1] == "FLOCK" and l.split()[4] == str(holder.pid)
                                 for l in f if len(l.split()) > 4)
                if locked or holder.poll() is not None:
                    break
                time.sleep(0.1)
            check(locked, "the monitor took the port's lock")
            refused = espdeck(["--port", pty, "--connect-attempts", "1", "chip_id"])
            if "in use" not in refused.stderr:
                check(False, f"second espdeck not refused: {refused.stderr!r}")
                refused = None
            if refused:
                want = f"port {pty} in use by PID {holder.pid} (espdeck)"
                check(want in refused.stderr, f"wanted {want!r} in {refused.stderr!r}")
                check(refused.returncode != 0, "refusal exits non-zero")
                check("Chip ID" not in refused.stdout, "refused: nothing talked to the board")
        finally:
            holder.terminate()
            holder.wait(timeout=10)
        p = espdeck(["--port", pty, "chip_id"])
        check(p.returncode == 0, f"port free again after the holder ended: {p.stderr}")

        # Held by another program with flock(), as pyserial's exclusive open does.
        fd = os.open(pty, os.O_RDWR | os.O_NOCTTY)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        p = espdeck(["--port", pty, "chip_id"])
        want = f"port {pty} in use by PID {os.getpid()} ("
        check(p.returncode != 0 and want in p.stderr, f"wanted {want!r} in {p.stderr!r}")
        os.close(fd)
        p = espdeck(["--port", pty, "chip_id"])
        check(p.returncode == 0, f"free after the flock holder closed: {p.stderr}")
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    if failures:
        print(f"{len(failures)} of {checks} checks failed")
        sys.exit(1)
    print(f"portlock: {checks} checks passed")


main()
