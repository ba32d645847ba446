#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# `espdeck publish`: to a local folder (atomic, names kept) and to a fake remote (an scp
# stand-in on PATH that records its argv and copies), with bad inputs: missing file,
# corrupt image, missing folder, names that a shell would interpret, scp failing.
import os
import shutil
import struct
import subprocess
import sys
import tempfile

ESPDECK = os.environ["ESPDECK"]
failures = []


def check(cond, what, detail=""):
    if not cond:
        failures.append(what)
        print("FAIL:", what, detail, file=sys.stderr)


def v1_image(fill):
    """A minimal valid version-1 image (reference 7.2): one IRAM segment, checksum at the
    end of a 16-byte-aligned file."""
    data = bytes([fill]) * 32
    body = bytes([0xE9, 1, 0, 0x40]) + struct.pack("<I", 0x40100004)
    body += struct.pack("<II", 0x40100000, len(data)) + data
    csum = 0xEF
    for b in data:
        csum ^= b
    return body + b"\0" * (15 - len(body) % 16) + bytes([csum])


tmp = tempfile.mkdtemp(prefix="espdeck-publish-")
os.chdir(tmp)
good = {"user1.bin": v1_image(1), "user2.bin": v1_image(2),
        "it's \"odd\" $(touch pwned) ;x.bin": v1_image(3), "we:ird.bin": v1_image(4)}
for name, data in good.items():
    with open(name, "wb") as f:
        f.write(data)
with open("corrupt.bin", "wb") as f:
    f.write(v1_image(5)[:-1] + b"\x00")
with open("notes.txt", "wb") as f:
    f.write(b"hello, not an image\n")


def publish(*args, env=None):
    return subprocess.run([ESPDECK, "publish", *args], capture_output=True, text=True,
                          timeout=30, env=env)


# Local folder: every name kept byte for byte, nothing else left behind, nothing executed.
os.mkdir("www")
odd = "it's \"odd\" $(touch pwned) ;x.bin"
r = publish("user1.bin", odd, "--to", "www")
check(r.returncode == 0, "local publish succeeds", r.stderr)
check(sorted(os.listdir("www")) == sorted(["user1.bin", odd]), "names kept, no temp files",
      os.listdir("www"))
check(open("www/" + odd, "rb").read() == good[odd], "contents copied")
check(not os.path.exists("pwned"), "the name was not run by a shell")
check("checked user1.bin: v1 (0xE9, loaded by the ROM), 64 B\n" in r.stdout, "check reported", r.stdout)
check("published user1.bin -> www/user1.bin\n" in r.stdout, "copy reported", r.stdout)
# Publishing again replaces the file in one step.
with open("user1.bin", "wb") as f:
    f.write(v1_image(9))
r = publish("user1.bin", "--to=www")
check(r.returncode == 0 and open("www/user1.bin", "rb").read() == v1_image(9),
      "republish replaces", r.stderr)

# Bad inputs: each fails with a clear message and publishes nothing at all.
os.mkdir("empty")
for args, code, text in [
        (["user1.bin", "missing.bin", "--to", "empty"], 1,
         "cannot open missing.bin: No such file or directory"),
        (["user1.bin", "corrupt.bin", "--to", "empty"], 1,
         "corrupt.bin is not a good image, not published: checksum mismatch"),
        (["notes.txt", "--to", "empty"], 1,
         "notes.txt is not a good image, not published: wrong magic byte 0x68"),
        (["user1.bin", "--to", "no-such-dir"], 1, "the folder no-such-dir does not exist"),
        (["user1.bin", "--to", "notes.txt"], 1, "notes.txt is not a folder"),
        (["user1.bin"], 2, "no destination: give --to DIR"),
        (["--to", "empty"], 2, "no files to publish"),
        (["user1.bin", "--to", "@:x"], 2, "'@:x' names no host before the ':'"),
        (["user1.bin", "www/user1.bin", "--to", "empty"], 2, "have the same name")]:
    r = publish(*args)
    check(r.returncode == code and text in r.stderr, "bad input %s" % args,
          "rc=%d %s" % (r.returncode, r.stderr))
    check(os.listdir("empty") == [], "nothing published for %s" % args, os.listdir("empty"))

# A fake remote: an scp stand-in first on PATH records its arguments and copies.
os.mkdir("bin")
os.mkdir("remote")
stand_in = os.path.join(tmp, "bin", "scp")
with open(stand_in, "w") as f:
    f.write("#!/usr/bin/env python3\n"
            "import os, shutil, sys\n"
            "with open(os.environ['SCP_LOG'], 'a') as log:\n"
            "    log.write('\\x1f'.join(sys.argv[1:]) + '\\n')\n"
            "if os.environ.get('SCP_FAIL'):\n"
            "    print('scp: connection refused', file=sys.stderr)\n"
            "    sys.exit(1)\n"
            "host, path = sys.argv[-1].split(':', 1)\n"
            "dest = os.path.join(os.environ['SCP_ROOT'], path.lstrip('/'))\n"
            "os.makedirs(dest, exist_ok=True)\n"
            "shutil.copy(sys.argv[-2], dest)\n")
os.chmod(stand_in, 0o755)
env = dict(os.environ, PATH=os.path.join(tmp, "bin") + ":" + os.environ["PATH"],
           SCP_LOG=os.path.join(tmp, "scp.log"), SCP_ROOT=os.path.join(tmp, "remote"))
env.pop("ESPDECK_SCP", None)
dest = "root@192.168.178.82:/media/storage1/www/homesite/public/firmware"
r = publish("user2.bin", odd, "we:ird.bin", "--to", dest, env=env)
check(r.returncode == 0, "scp publish succeeds", r.stderr)
calls = [line.split("\x1f") for line in open(env["SCP_LOG"]).read().splitlines()]
check(calls == [["--", "user2.bin", dest], ["--", odd, dest], ["--", "./we:ird.bin", dest]],
      "scp argv exact, one file per call", calls)
remote = os.path.join(tmp, "remote", "media/storage1/www/homesite/public/firmware")
check(sorted(os.listdir(remote)) == sorted(["user2.bin", odd, "we:ird.bin"]), "remote copies",
      os.listdir(remote))
check("published user2.bin -> %s (via scp)\n" % dest in r.stdout, "scp reported", r.stdout)
check(not os.path.exists("pwned"), "no shell on the scp path either")

# --scp and ESPDECK_SCP name the program; a failing or missing one is reported per file.
shutil.copy(stand_in, os.path.join(tmp, "bin", "my-copier"))
os.remove(env["SCP_LOG"])
r = publish("user1.bin", "--to", "host:fw", "--scp", "my-copier", env=env)
check(r.returncode == 0 and os.path.exists(os.path.join(tmp, "remote", "fw", "user1.bin")),
      "--scp program used", r.stderr)
r = publish("user1.bin", "--to", "host:fw", env=dict(env, ESPDECK_SCP="my-copier"))
check(r.returncode == 0 and "(via my-copier)" in r.stdout, "ESPDECK_SCP used", r.stdout)
r = publish("user1.bin", "user2.bin", "--to", "host:fw", env=dict(env, SCP_FAIL="1"))
check(r.returncode == 1, "scp failure exits 1")
check("'scp' failed with exit status 1 copying user1.bin to host:fw" in r.stderr and
      "'scp' failed with exit status 1 copying user2.bin to host:fw" in r.stderr and
      "0 of 2 files published" in r.stderr, "scp failure reported per file", r.stderr)
r = publish("user1.bin", "--to", "host:fw", "--scp", "no-such-scp-program", env=env)
check(r.returncode == 1 and "cannot run 'no-such-scp-program': No such file or directory"
      in r.stderr, "missing scp program", r.stderr)

shutil.rmtree(tmp)
print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
