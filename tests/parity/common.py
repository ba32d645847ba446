# SPDX-License-Identifier: MIT
# Shared helpers of the esptool-parity tests: run espdeck as a user would, count checks,
# report failures with what was printed.
import os
import subprocess
import sys
import tempfile

ESPDECK = os.environ["ESPDECK"]
SOURCE_ROOT = os.environ.get("ESPDECK_SOURCE_ROOT", ".")
BUILD_ROOT = os.environ.get("ESPDECK_BUILD_ROOT", ".")
# The cross-compiled test application (tests/image/testapp.c), when meson passed one.
TESTAPP_ELF = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else None
# Writes are journalled by default: keep the journal out of the user's state folder.
_STATE = tempfile.TemporaryDirectory()
os.environ["XDG_STATE_HOME"] = _STATE.name
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(args, cwd, port=None, expect=None, texts=(), timeout=120):
    """Runs espdeck; checks the exit code and that each text is in stdout+stderr."""
    cmd = [ESPDECK] + (["--port", port] if port else []) + args
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    out = p.stdout + p.stderr
    if expect is not None and p.returncode != expect:
        check(False, f"{' '.join(args)}: exit {p.returncode}, expected {expect}\n"
              f"output: {out[-2000:]}")
    for t in texts:
        check(t in out, f"{' '.join(args)}: wanted {t!r} in:\n{out[-2000:]}")
    return p


def sim(flash=None, extra=""):
    port = "sim://?fast&clock=virtual"
    if flash:
        port += f"&flash={flash}"
    return port + extra


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def finish(name):
    print(f"{name}: {checks - len(failures)} of {checks} checks passed")
    sys.exit(1 if failures else 0)
