#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# `espdeck journal`: reads a journal written by any RFC 4180 writer (Python's csv module
# here, as a spreadsheet would), lists and filters it, tolerates a torn last line, and its
# --csv output reads back in Python's csv module unchanged.
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile

ESPDECK = os.environ["ESPDECK"]
failures = []


def check(cond, what, detail=""):
    if not cond:
        failures.append(what)
        print("FAIL:", what, detail, file=sys.stderr)


HEADER = ["time", "port", "chip", "mac", "flash_id", "preset", "files", "result",
          "duration_s", "error"]
MD5 = "0123456789abcdef0123456789abcdef"
ROWS = [
    ["2025-11-24T09:00:00Z", "/dev/ttyUSB0", "ESP8266EX", "5c:cf:7f:00:00:01", "0x1640ef",
     "32m-c1", "boot_v1.6.bin=%s;user1.bin=%s" % (MD5, MD5), "ok", "31.5", ""],
    ["2025-11-25T10:00:00Z", "/dev/ttyUSB1", "ESP8266EX", "5C:CF:7F:00:00:02", "0x1640ef",
     "32m-c1", "user1.bin=%s;user2.bin=%s" % (MD5, MD5), "failed", "4.0",
     'no reply to SYNC, "is GPIO0 low?"\nretried 7 times'],
    ["2025-11-26T11:00:00Z", "/dev/ttyUSB0", "ESP8266EX", "5c:cf:7f:00:00:01", "0x1640ef",
     "32m-c1", "user1.bin=%s" % MD5, "ok", "30.1", ""],
]

tmp = tempfile.mkdtemp(prefix="espdeck-journal-")
state = os.path.join(tmp, "state")
os.makedirs(os.path.join(state, "espdeck"))
path = os.path.join(state, "espdeck", "journal.csv")
with open(path, "w", newline="") as f:
    w = csv.writer(f)  # RFC 4180: CRLF, quotes doubled
    w.writerow(HEADER)
    w.writerows(ROWS)
    f.write("2025-11-26T12:00:00Z,/dev/ttyUSB2,ESP82")  # a write cut by a power loss
env = dict(os.environ, XDG_STATE_HOME=state)


def journal(*args, environ=None):
    return subprocess.run([ESPDECK, "journal", *args], capture_output=True, text=True,
                          timeout=20, env=environ or env)


def entries(out):
    return [line for line in out.splitlines() if line.startswith("20")]


r = journal()
check(r.returncode == 0, "journal lists", r.stderr)
lines = entries(r.stdout)
check(len(lines) == 3, "three complete entries", r.stdout)
check(lines[1].startswith("2025-11-25T10:00:00Z  /dev/ttyUSB1") and "failed" in lines[1] and
      lines[1].endswith('user1.bin user2.bin  error: no reply to SYNC, "is GPIO0 low?" '
                        'retried 7 times'), "failed entry with its error", lines[1])
check(r.stdout.endswith("3 of 3 entries (2 ok, 1 failed, 0 cancelled) in %s\n" % path),
      "summary", r.stdout)
check("the last line of %s is incomplete (a write was interrupted); it is ignored" % path
      in r.stderr, "torn line reported", r.stderr)

for args, count in [(["--mac", "5CCF7F000001"], 2), (["--mac", "5c-cf-7f-00-00-02"], 1),
                    (["--result", "failed"], 1), (["--result", "ok"], 2),
                    (["--since", "2025-11-25", "--until", "2025-11-25"], 1),
                    (["--since", "2025-11-25T10:00:01"], 1), (["--until", "2025-11-24"], 1),
                    (["--file", "user2.bin"], 1), (["--file", "firmware/user1.bin"], 3),
                    (["--file", "boot_v1.6.bin", "--mac", "5c:cf:7f:00:00:01"], 1),
                    (["--result", "cancelled"], 0)]:
    r = journal(*args)
    check(r.returncode == 0 and len(entries(r.stdout)) == count and
          ("%d of 3 entries" % count) in r.stdout, "filter %s" % args, r.stdout + r.stderr)

r = subprocess.run([ESPDECK, "journal", "--csv", "--result", "failed"], capture_output=True,
                   timeout=20, env=env)
text = r.stdout.decode()
got = list(csv.reader(io.StringIO(text, newline="")))
# The file above has the ten columns of journals written before the station's slot
# column: they read with an empty slot.
check(got == [HEADER + ["slot"], ROWS[1] + [""]], "--csv reads back as written", got)
check(text.startswith(",".join(HEADER + ["slot"]) + "\r\n") and text.endswith("\r\n"),
      "--csv keeps CRLF", text)

other = os.path.join(tmp, "other.csv")
shutil.copy(path, other)
r = journal("--journal", other, "--mac", "5c:cf:7f:00:00:02",
            environ=dict(os.environ, XDG_STATE_HOME=os.path.join(tmp, "nowhere")))
check(r.returncode == 0 and len(entries(r.stdout)) == 1, "--journal FILE", r.stderr)

home = os.path.join(tmp, "home")
r = journal(environ={k: v for k, v in dict(os.environ, HOME=home).items()
                     if k != "XDG_STATE_HOME"})
check(r.returncode == 0 and "no journal yet at %s/.local/state/espdeck/journal.csv" % home
      in r.stderr, "HOME fallback, missing journal", r.stderr)
r = journal(environ={k: v for k, v in os.environ.items()
                     if k not in ("XDG_STATE_HOME", "HOME")})
check(r.returncode == 1 and "neither XDG_STATE_HOME nor HOME is set; use --journal FILE"
      in r.stderr, "no place for a journal", r.stderr)

for args, text in [(["--since", "tomorrow"], "cannot read the date 'tomorrow'"),
                   (["--mac", "zz"], "'zz' is not a MAC address"),
                   (["--result", "passed"], "unknown result 'passed'"),
                   (["--since", "2025-11-26", "--until", "2025-11-25"], "--until is not after"),
                   (["--mac"], "option '--mac' needs a value"),
                   (["extra"], "too many arguments ('extra')")]:
    r = journal(*args)
    check(r.returncode == 2 and text in r.stderr, "bad input %s" % args, r.stderr)

# A damaged line in the middle is skipped with its line number; the rest still lists.
with open(path, "ab") as f:
    f.write(b'\r\n2025-11-27T08:00:00Z,/dev/ttyUSB3,ESP8266EX,5c:cf:7f:00:00:03,0x1640ef,'
            b'32m-c1,user1.bin=x,ok,3.0,\r\n')
r = journal()
check(len(entries(r.stdout)) == 4 and "1 damaged line skipped" in r.stderr and
      "(first at line 6)" in r.stderr, "damaged line skipped", r.stdout + r.stderr)

shutil.rmtree(tmp)
print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
