# SPDX-License-Identifier: MIT
# Output into a pipe: the plain renderer flushes every line as it happens, so a script
# reading espdeck's stdout sees the progress while the job runs, not all at the end.
# The board runs in real time (sim:// without a virtual clock), a 128 KiB write at
# 921600 baud takes a few seconds; the test compares when lines arrive relative to the
# whole run, so a slow machine only stretches both.
import os
import re
import subprocess
import sys
import tempfile
import time

ESPDECK = os.environ["ESPDECK"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def read_lines(cmd, cwd):
    """(seconds since start, line) for every stdout line, as they arrive."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    lines = [(time.monotonic() - t0, line.rstrip("\n")) for line in p.stdout]
    err = p.stderr.read()
    rc = p.wait(timeout=120)
    return rc, lines, err, time.monotonic() - t0


with tempfile.TemporaryDirectory() as d:
    with open(os.path.join(d, "app.bin"), "wb") as f:
        f.write(os.urandom(128 * 1024))
    cmd = [ESPDECK, "--no-journal", "--timestamps", "--port", "sim://", "--baud", "921600",
           "write_flash", "0x10000", "app.bin"]
    rc, lines, err, total = read_lines(cmd, d)
    check(rc == 0, f"write through a pipe: exit {rc}\n{err}")
    progress = [(t, l) for t, l in lines if "%)" in l]
    print(f"{len(lines)} lines in {total:.2f} s, {len(progress)} progress lines")
    for t, l in lines:
        print(f"  {t:6.2f}  {l}")
    check(len(progress) >= 5, f"at least 5 progress lines, got {len(progress)}")
    if len(progress) >= 5:
        spread = progress[-1][0] - progress[0][0]
        # Lines buffered until the end would all arrive within a few milliseconds.
        check(spread >= 0.3 * total,
              f"progress lines arrive spread over the job: first at {progress[0][0]:.2f} s, "
              f"last at {progress[-1][0]:.2f} s of {total:.2f} s")
    stamp = re.compile(r"^\d\d:\d\d:\d\d\.\d\d\d ")
    check(lines and all(stamp.match(l) for _, l in lines),
          "--timestamps: every line starts with HH:MM:SS.mmm")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("pipe: all checks passed")
