# SPDX-License-Identifier: MIT
# Baud memory end to end (espdeck(1), "Baud memory"): a virtual board behind a bridge that
# cannot do 921600 (sim://?max-baud=460800). The first run falls back and records the
# failure in a fake state folder; the second says so before trying and still tries the
# rate asked for; a rate that works is recorded as such.
import os
import subprocess
import sys
import tempfile

ESPDECK = os.environ["ESPDECK"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(state, port, baud, out):
    env = dict(os.environ, XDG_STATE_HOME=state)
    cmd = [ESPDECK, "--port", port, "--baud", str(baud), "read_flash", "0", "0x1000", out]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)


def table(state):
    path = os.path.join(state, "espdeck", "bauds")
    rows = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            key, worked, failed = line.rstrip("\n").split("\t")
            rows[key] = (int(worked), int(failed))
    return rows


def main():
    with tempfile.TemporaryDirectory(prefix="espdeck-baudmem-") as d:
        state = os.path.join(d, "state")
        out = os.path.join(d, "r.bin")
        port = "sim://?max-baud=460800&fast"
        key = "port:" + port
        p = run(state, port, 921600, out)
        text = p.stdout + p.stderr
        check(p.returncode == 0, f"first run exit {p.returncode}: {text[-800:]}")
        check("failed on this bridge last time" not in text, "warned without history")
        check("carrying on at 115200" in text, "no fallback line: " + text[-800:])
        check(table(state).get(key) == (0, 921600), f"after a failure: {table(state)}")

        p = run(state, port, 921600, out)
        text = p.stdout + p.stderr
        check(p.returncode == 0, f"second run exit {p.returncode}")
        check("921600 baud failed on this bridge last time; trying 921600 as asked" in text,
              "no warning before the known-bad rate: " + text[-800:])
        check("Changing baud rate to 921600" in text, "the user's rate was not tried")

        p = run(state, port, 460800, out)
        text = p.stdout + p.stderr
        check(p.returncode == 0 and "Changed baud rate to 460800" in text,
              "460800 did not work: " + text[-800:])
        check("failed on this bridge" not in text, "warned about a rate below the failure")
        check(table(state).get(key) == (460800, 921600), f"after success: {table(state)}")

        p = run(state, port, 921600, out)
        text = p.stdout + p.stderr
        check("921600 baud failed on this bridge last time; 460800 worked" in text,
              "the warning does not name the rate that worked: " + text[-800:])

        # another bridge has its own line
        other = "sim://?fast"
        p = run(state, other, 921600, out)
        text = p.stdout + p.stderr
        check(p.returncode == 0 and "failed on this bridge" not in text,
              "another bridge inherited the failure: " + text[-800:])
        check(table(state).get("port:" + other) == (921600, 0), f"other: {table(state)}")
    print("baud memory:", "FAIL" if failures else "ok")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
