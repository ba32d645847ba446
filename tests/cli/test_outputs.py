# SPDX-License-Identifier: MIT
# Output files as a user names them (issue 11, defect 7): read_flash's dump and the -o of
# make_ota / elf2image go atomically into regular files only; a symlink is followed and
# its target replaced (the link stays); a FIFO, a character device or - (stdout) is
# written straight; a folder or a missing folder is refused before the board is touched.
# usage: test_outputs.py [testapp-ota.elf]   (the -o checks need the cross-compiled ELF)
import os
import random
import stat
import subprocess
import sys
import tempfile
import threading

ESPDECK = os.environ["ESPDECK"]
_STATE = tempfile.TemporaryDirectory()
os.environ["XDG_STATE_HOME"] = _STATE.name
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(args, cwd, port=None, text=True):
    cmd = [ESPDECK] + (["--port", port] if port else []) + args
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=text, timeout=60)


class Board:
    """A virtual board whose 1 MiB flash lives in a file, with a command trace."""

    def __init__(self, d):
        self.flash = os.path.join(d, "board.img")
        self.trace = os.path.join(d, "board.trace")
        rnd = random.Random(11)
        self.data = bytes(rnd.getrandbits(8) for _ in range(1 << 20))
        with open(self.flash, "wb") as f:
            f.write(self.data)
        self.port = f"sim://?fast&clock=virtual&flash={self.flash}&trace={self.trace}"

    def commands(self):
        """Commands the board saw since the last call (the trace is one line each)."""
        if not os.path.exists(self.trace):
            return 0
        with open(self.trace) as f:
            n = sum(1 for _ in f)
        os.unlink(self.trace)
        return n

    def dump(self, d, out):
        return run(["read_flash", "0x1000", "4096", out], d, self.port)

    def want(self):
        return self.data[0x1000:0x2000]


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def test_symlinks(d, b):
    os.mkdir(os.path.join(d, "dumps"))
    os.symlink("dumps/real.bin", os.path.join(d, "latest.bin"))
    with open(os.path.join(d, "dumps/real.bin"), "wb") as f:
        f.write(b"old")
    os.chmod(os.path.join(d, "dumps/real.bin"), 0o640)
    p = b.dump(d, "latest.bin")
    check(p.returncode == 0, f"dump into a symlink: exit {p.returncode}: {p.stderr}")
    check(os.path.islink(os.path.join(d, "latest.bin")), "the symlink is still a symlink")
    check(read_bytes(os.path.join(d, "dumps/real.bin")) == b.want(), "its target has the dump")
    mode = stat.S_IMODE(os.stat(os.path.join(d, "dumps/real.bin")).st_mode)
    check(mode == 0o640, f"the replaced file keeps its permissions (0{mode:o})")
    # a dangling link (a chain of two) creates its final target
    os.symlink("hop.bin", os.path.join(d, "chain.bin"))
    os.symlink(os.path.join(d, "dumps/new.bin"), os.path.join(d, "hop.bin"))
    p = b.dump(d, "chain.bin")
    check(p.returncode == 0, f"dump into a dangling chain: exit {p.returncode}: {p.stderr}")
    check(os.path.islink(os.path.join(d, "chain.bin")) and
          os.path.islink(os.path.join(d, "hop.bin")), "both links stay links")
    check(read_bytes(os.path.join(d, "dumps/new.bin")) == b.want(), "the final target is made")


def test_fifo(d, b):
    fifo = os.path.join(d, "pipe")
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(read_bytes(fifo)))
    reader.start()
    p = b.dump(d, "pipe")
    if p.returncode != 0:  # the reader still waits for a writer: release it
        with open(fifo, "wb"):
            pass
    reader.join(30)
    check(p.returncode == 0, f"dump into a FIFO: exit {p.returncode}: {p.stderr}")
    check(stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO is still a FIFO")
    check(got and got[0] == b.want(), "the FIFO's reader got the dump")


def test_stdout(d, b):
    p = run(["read_flash", "0x1000", "4096", "-"], d, b.port, text=False)
    check(p.returncode == 0, f"dump to -: exit {p.returncode}: {p.stderr[-500:]}")
    check(p.stdout == b.want(), f"stdout is exactly the dump ({len(p.stdout)} bytes)")
    check(b"Read 4096 bytes" in p.stderr, "the progress text went to stderr")
    check(not os.path.exists(os.path.join(d, "-")), "no file named -")


def test_devices(d, b):
    """Character devices are written, never replaced. As root, private nodes of the
    null and full devices stand in for /dev/null and /dev/full."""
    if os.geteuid() == 0:
        null, full = os.path.join(d, "null"), os.path.join(d, "full")
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    else:
        null, full = "/dev/null", None
    p = b.dump(d, null)
    check(p.returncode == 0, f"dump into a null device: exit {p.returncode}: {p.stderr}")
    check(stat.S_ISCHR(os.stat(null).st_mode), "the null device is still a device")
    if full:
        p = b.dump(d, full)
        check(p.returncode == 1, f"dump into a full device: exit {p.returncode}")
        check("cannot write " + full + ": No space left on device" in p.stderr,
              "a full device says so: " + p.stderr)
        check(stat.S_ISCHR(os.stat(full).st_mode), "the full device is still a device")


def test_refused_before_work(d, b):
    b.commands()
    os.mkdir(os.path.join(d, "folder"))
    p = b.dump(d, "folder")
    check(p.returncode == 1, f"dump into a folder: exit {p.returncode}")
    check("espdeck: error: folder is a folder: give a file name (for example "
          "folder/dump.bin)" in p.stderr, "a folder is refused: " + p.stderr)
    check(b.commands() == 0, "a folder is refused before the board is touched")
    p = b.dump(d, "nowhere/dump.bin")
    check(p.returncode == 1, f"dump into a missing folder: exit {p.returncode}")
    check("cannot write nowhere/dump.bin: the folder nowhere does not exist (create it first)"
          in p.stderr, "a missing folder is refused: " + p.stderr)
    check(b.commands() == 0, "a missing folder is refused before the board is touched")
    check(not os.path.exists(os.path.join(d, "nowhere")), "no folder made")
    p = b.dump(d, "ok.bin")
    check(p.returncode == 0 and b.commands() > 0, "the trace sees a real dump (control)")


def test_image_outputs(d, elf):
    if not elf:
        print("SKIP: -o checks (no cross-compiled ELF)")
        return
    p = run(["make_ota", elf, "--app", "1", "-o", "plain.bin"], d)
    check(p.returncode == 0, f"make_ota -o plain.bin: {p.stderr}")
    want = read_bytes(os.path.join(d, "plain.bin"))
    os.symlink("img/target.bin", os.path.join(d, "ota.bin"))
    os.mkdir(os.path.join(d, "img"))
    p = run(["make_ota", elf, "--app", "1", "-o", "ota.bin"], d)
    check(p.returncode == 0 and os.path.islink(os.path.join(d, "ota.bin")) and
          read_bytes(os.path.join(d, "img/target.bin")) == want,
          f"make_ota -o a symlink writes its target: {p.stderr}")
    p = run(["make_ota", elf, "--app", "1", "-o", "-"], d, text=False)
    check(p.returncode == 0 and p.stdout == want, "make_ota -o - writes the bin to stdout")
    check(b"Wrote - (" in p.stderr, "and says so on stderr")
    fifo = os.path.join(d, "img.fifo")
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(read_bytes(fifo)))
    reader.start()
    p = run(["elf2image", "--version=2", elf, "-o", "img.fifo"], d)
    if p.returncode != 0:
        with open(fifo, "wb"):
            pass
    reader.join(30)
    check(p.returncode == 0 and stat.S_ISFIFO(os.stat(fifo).st_mode) and got and
          got[0][:1] == b"\xea", f"elf2image -o a FIFO writes into it: {p.stderr}")
    os.mkdir(os.path.join(d, "outdir"))
    p = run(["make_ota", elf, "--app", "1", "-o", "outdir"], d)
    check(p.returncode == 1 and "outdir is a folder" in p.stderr and
          os.path.isdir(os.path.join(d, "outdir")), f"make_ota -o a folder: {p.stderr}")


def main():
    elf = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else None
    with tempfile.TemporaryDirectory(prefix="espdeck-out-") as d:
        b = Board(d)
        for t in (test_symlinks, test_fifo, test_stdout, test_devices,
                  test_refused_before_work):
            t(d, b)
        test_image_outputs(d, elf)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("all output checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
