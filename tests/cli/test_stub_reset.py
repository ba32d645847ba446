# SPDX-License-Identifier: MIT
# Issue 13, a board that resets or a stub that hangs in the middle of a write, end to end:
# espdeck -> socket:// -> espdeck-sim --tcp with the stub-only faults reset= and hang=.
# Real time (the engine waits out its timeouts: about a minute per case), so it is a test
# of its own with a longer timeout than cli-flash.
import os
import random
import subprocess
import sys
import tempfile

ESPDECK = os.environ["ESPDECK"]
_STATE = tempfile.TemporaryDirectory()
os.environ["XDG_STATE_HOME"] = _STATE.name
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def flash(path):
    with open(path, "rb") as f:
        return f.read()


def test_stub_reset_retried(d):
    """Issue 13: the board resets (or the stub hangs) in the middle of a stub write. Over
    TCP the fault does not fire again on the new connection, so the job's one reconnect
    resets the board, starts the stub again and writes the file: exit 0 with it proven
    and nothing else changed. Without ESPDECK_SIM the check is skipped, said in a line."""
    sim = os.environ.get("ESPDECK_SIM")
    if not sim:
        print("SKIP test_stub_reset_retried: ESPDECK_SIM not set (no espdeck-sim)")
        return
    import time
    rnd = random.Random(11)
    base = bytes(rnd.getrandbits(8) for _ in range(1 << 20))
    data = bytes(rnd.getrandbits(8) for _ in range(20000))
    with open(os.path.join(d, "r.bin"), "wb") as f:
        f.write(data)
    for fault in ("reset=FLASH_DEFL_DATA:#1", "hang=FLASH_DEFL_DATA:#2"):
        img = os.path.join(d, "reset.img")
        with open(img, "wb") as f:
            f.write(base)
        pf = os.path.join(d, "reset-port.txt")
        if os.path.exists(pf):
            os.unlink(pf)
        proc = subprocess.Popen([sim, "--tcp", "127.0.0.1:0", "--port-file", pf, "--fast",
                                 "--flash", img, "--flash-size", "1MB", "--fault", fault],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                if os.path.exists(pf) and open(pf).read().strip():
                    break
                time.sleep(0.05)
            port = "socket://127.0.0.1:" + open(pf).read().strip()
            p = subprocess.run([ESPDECK, "--port", port, "write_flash", "0x10000", "r.bin"],
                               cwd=d, capture_output=True, text=True, timeout=240)
            check(p.returncode == 0, f"{fault}: exit {p.returncode}: {p.stderr[-600:]}")
            check("the stub stopped answering: resetting the board once" in p.stderr,
                  f"{fault}: the silent stub is reset and started again: {p.stderr[-400:]}")
        finally:
            proc.kill()
            proc.wait()
        fl = flash(img)
        check(fl[0x10000:0x10000 + len(data)] == data,
              f"{fault}: the file is written after the reconnect")
        check(fl[:0x10000] == base[:0x10000] and fl[0x10000 + len(data):] ==
              base[0x10000 + len(data):], f"{fault}: nothing else changed")



def main():
    with tempfile.TemporaryDirectory(prefix="espdeck-reset-") as d:
        test_stub_reset_retried(d)
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
