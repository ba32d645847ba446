# SPDX-License-Identifier: MIT
# The journal records, per file, the MD5 the board reported for the written range (issue
# 13, item 9), not only the file's own: a boot image at 0x0 whose header espdeck patched
# (--flash_mode dio) has a board MD5 that differs from the file's and equals the MD5 of
# what the virtual board's flash holds; a plain file has the same MD5 twice; ROM mode
# (--no-stub) has no MD5 command, so no board part.
import csv
import hashlib
import os
import struct
import subprocess
import sys
import tempfile

ESPDECK = os.environ["ESPDECK"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def md5(data):
    return hashlib.md5(data).hexdigest()


def files_of(journal):
    with open(journal, newline="") as f:
        rows = list(csv.reader(f))
    return rows[-1][6] if len(rows) > 1 else ""


def main():
    with tempfile.TemporaryDirectory(prefix="espdeck-jmd5-") as d:
        seg = bytes((i * 7 + 3) & 0xFF for i in range(2000))
        img = bytes([0xE9, 1, 0, 0]) + struct.pack("<I", 0x40100004)
        img += struct.pack("<II", 0x40100000, len(seg)) + seg
        cs = 0xEF
        for b in seg:
            cs ^= b
        img += bytes(15 - len(img) % 16) + bytes([cs])
        app = bytes((i * 13 + 1) & 0xFF for i in range(10000))
        for name, data in (("boot.bin", img), ("app.bin", app)):
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        flash = os.path.join(d, "flash.img")
        journal = os.path.join(d, "journal.csv")
        port = f"sim://?fast&clock=virtual&flash={flash}"
        env = dict(os.environ, XDG_STATE_HOME=os.path.join(d, "state"))

        def run(*args):
            return subprocess.run([ESPDECK, "--port", port, "--journal", journal, *args],
                                  cwd=d, capture_output=True, text=True, timeout=60, env=env)

        r = run("write_flash", "--flash_mode", "dio", "0x0", "boot.bin", "0x10000", "app.bin")
        check(r.returncode == 0, f"stub write: exit {r.returncode} {r.stderr[-500:]}")
        held = open(flash, "rb").read()
        on_board = held[:len(img)]
        check(on_board[2] == 0x02 and on_board != img, "the header at 0x0 was patched to dio")
        want = "boot.bin=%s/board:%s;app.bin=%s/board:%s" % (md5(img), md5(on_board),
                                                            md5(app), md5(app))
        got = files_of(journal)
        check(got == want, f"journal files column\n  got  {got}\n  want {want}")

        r = run("--no-stub", "write_flash", "0x10000", "app.bin")
        check(r.returncode == 0, f"ROM write: exit {r.returncode} {r.stderr[-500:]}")
        got = files_of(journal)
        check(got == "app.bin=%s" % md5(app), f"ROM mode has no board MD5: {got}")

        # espdeck journal --csv passes the column through; --file still finds the name
        r = subprocess.run([ESPDECK, "journal", "--journal", journal, "--file", "boot.bin",
                            "--csv"], capture_output=True, text=True, timeout=30, env=env)
        check(r.returncode == 0 and "/board:" + md5(on_board) in r.stdout,
              f"journal --file boot.bin --csv: {r.stdout[-500:]} {r.stderr[-300:]}")
    print("journal MD5:", "FAIL" if failures else "ok")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
