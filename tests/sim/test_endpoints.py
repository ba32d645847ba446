#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# espdeck-sim as a program: the TCP endpoint (port file, a reset per connection, --once,
# the disconnect fault), the pty endpoint, and the errors of a bad command line.
import os
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time
import tty

SIM = os.environ["ESPDECK_SIM"]
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print(f"FAIL: {what}")
    else:
        print(f"ok: {what}")


def slip(body):
    return b"\xc0" + body.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"


def request(op, data=b"", chk=0):
    return slip(struct.pack("<BBHI", 0, op, len(data), chk) + data)


SYNC = request(0x08, b"\x07\x07\x12\x20" + b"\x55" * 32)
SYNC_REPLY = bytes.fromhex("c0010802000707122000 00c0".replace(" ", ""))


def read_reg(addr):
    return request(0x0A, struct.pack("<I", addr))


def recv_exact(read, n, timeout):
    end = time.monotonic() + timeout
    buf = b""
    while len(buf) < n and time.monotonic() < end:
        chunk = read(n - len(buf), end - time.monotonic())
        if chunk is None:
            break
        buf += chunk
    return buf


def sock_reader(s):
    def read(n, left):
        s.settimeout(max(left, 0.001))
        try:
            d = s.recv(n)
        except socket.timeout:
            return b""
        return d if d else None
    return read


def start(*args):
    p = subprocess.Popen([SIM, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p


def wait_file(path, proc):
    for _ in range(200):
        if os.path.exists(path) and open(path).read().strip():
            return open(path).read().strip()
        if proc.poll() is not None:
            break
        time.sleep(0.025)
    return None


def test_tcp(tmp):
    pf = os.path.join(tmp, "port")
    p = start("--tcp", "127.0.0.1:0", "--port-file", pf, "--fast", "--quiet",
              "--flash", os.path.join(tmp, "flash.bin"), "--flash-size", "1MB")
    port = wait_file(pf, p)
    check(port is not None and port.isdigit(), "port file holds the bound port")
    printed = p.stdout.readline().decode().strip()
    check(printed == port, f"the port is printed on stdout ({printed})")
    with socket.create_connection(("127.0.0.1", int(port))) as s:
        s.sendall(SYNC)
        got = recv_exact(sock_reader(s), 96, 2)
        check(got == SYNC_REPLY * 8, "eight SYNC replies over TCP")
        s.sendall(read_reg(0x40001000))
        got = recv_exact(sock_reader(s), 12, 2)
        check(len(got) == 12 and struct.unpack("<I", got[5:9])[0] == 0xFFF0C101,
              "READ_REG of the chip magic over TCP")
    with socket.create_connection(("127.0.0.1", int(port))) as s:
        # A new connection is a reset: nothing is answered before the next SYNC.
        s.sendall(read_reg(0x40001000))
        got = recv_exact(sock_reader(s), 12, 0.3)
        check(got == b"", "a new connection is a reset (commands before SYNC ignored)")
        s.sendall(SYNC)
        check(recv_exact(sock_reader(s), 96, 2) == SYNC_REPLY * 8, "SYNC after reconnect")
    p.terminate()
    check(p.wait(5) == 0, "SIGTERM ends espdeck-sim with status 0")
    # --quiet: the port line on stdout is the interface (espdeck-sim(1)), stderr is silent
    check(p.stdout.read() == b"", "--quiet: nothing on stdout after the port line")
    err = p.stderr.read().decode()
    check(err == "", f"--quiet: nothing on stderr ({err.strip()})")
    check(os.path.getsize(os.path.join(tmp, "flash.bin")) == 1 << 20,
          "the backing file has the flash size")


def test_once_and_disconnect(tmp):
    pf = os.path.join(tmp, "port2")
    p = start("--tcp", "127.0.0.1:0", "--port-file", pf, "--fast", "--once",
              "--fault", "disconnect-after=60")
    port = wait_file(pf, p)
    with socket.create_connection(("127.0.0.1", int(port))) as s:
        s.sendall(SYNC)
        check(recv_exact(sock_reader(s), 96, 2) == SYNC_REPLY * 8, "first SYNC answered")
        s.sendall(SYNC)
        s.settimeout(2)
        rest = b""
        try:
            while True:
                d = s.recv(4096)
                if not d:
                    break
                rest += d
        except (socket.timeout, ConnectionResetError):
            rest = None
        check(rest == b"", "disconnect-after=60 closes the connection mid-request")
    try:
        code = p.wait(5)
    except subprocess.TimeoutExpired:
        p.kill()
        code = None
    err = p.stderr.read().decode()
    check(code == 0, "--once exits after the session")
    check("disconnected after 60 bytes" in err, f"the disconnect is reported ({err.strip()})")


def test_pty(tmp):
    p = start("--pty", "--fast", "--quiet")
    path = p.stdout.readline().decode().strip()
    check(path.startswith("/dev/pts/"), f"the pty path is printed ({path})")
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[4] = attrs[5] = termios.B115200
    termios.tcsetattr(fd, termios.TCSANOW, attrs)

    def read(n, left):
        import select
        r, _, _ = select.select([fd], [], [], max(left, 0.001))
        return os.read(fd, n) if r else b""

    os.write(fd, SYNC)
    check(recv_exact(read, 96, 2) == SYNC_REPLY * 8, "eight SYNC replies over the pty")
    os.write(fd, read_reg(0x3FF0005C))
    got = recv_exact(read, 12, 2)
    check(len(got) == 12 and struct.unpack("<I", got[5:9])[0] == 0x18FE34,
          "OTP word with the default OUI over the pty")
    os.close(fd)
    p.terminate()
    check(p.wait(5) == 0, "SIGTERM ends the pty board")


def test_pty_baud_change(tmp):
    """A client that changes the pty's speed and writes at once (esptool, espdeck after
    the stub's CHANGE_BAUDRATE) is heard at the new rate."""
    espdeck = os.environ.get("ESPDECK")
    if not espdeck:
        print("skip: ESPDECK not set, no pty baud change check")
        return
    p = start("--pty", "--fast", "--quiet")
    path = p.stdout.readline().decode().strip()
    env = dict(os.environ, XDG_STATE_HOME=os.path.join(tmp, "state"))
    r = subprocess.run([espdeck, "--port", path, "--baud", "921600", "read_flash", "0",
                        "0x1000", os.path.join(tmp, "pty.bin")],
                       capture_output=True, text=True, timeout=60, env=env)
    out = r.stdout + r.stderr
    check(r.returncode == 0 and "Changed baud rate to 921600" in out and
          "no answer" not in out, "the stub moves to 921600 over the pty: " + out[-600:])
    p.terminate()
    p.wait(5)


def test_bad_usage():
    r = subprocess.run([SIM, "--fast"], capture_output=True, text=True)
    check(r.returncode == 2 and "give exactly one endpoint" in r.stderr,
          "no endpoint: usage error")
    r = subprocess.run([SIM, "--tcp", "0", "--flash-size", "3MB"], capture_output=True,
                       text=True)
    check(r.returncode == 2 and "flash-size" in r.stderr and "16MB" in r.stderr,
          f"bad flash size: {r.stderr.strip()}")
    r = subprocess.run([SIM, "--tcp", "127.0.0.1:99999"], capture_output=True, text=True)
    check(r.returncode == 1 and "not a port number" in r.stderr,
          f"bad port: {r.stderr.strip()}")
    r = subprocess.run([SIM, "--tcp", "0", "--bogus"], capture_output=True, text=True)
    check(r.returncode == 2 and "--bogus" in r.stderr, "unknown option named")


with tempfile.TemporaryDirectory() as tmp:
    test_tcp(tmp)
    test_once_and_disconnect(tmp)
    test_pty(tmp)
    test_pty_baud_change(tmp)
    test_bad_usage()
print("endpoint checks: " + (f"{failures} failed" if failures else "all ok"))
sys.exit(1 if failures else 0)
