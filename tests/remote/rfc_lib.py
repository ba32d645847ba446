# SPDX-License-Identifier: MIT
# Helpers of the remote-port tests: checks, espdeck runs, espdeck-sim endpoints, free TCP
# ports, and a minimal RFC 2217 client for the line-by-line reset test.
import os
import socket
import subprocess
import time

ESPDECK = os.environ["ESPDECK"]
SIM = os.environ["ESPDECK_SIM"]
failures = []


def check(cond, what):
    if cond:
        print("ok:", what)
    else:
        failures.append(what)
        print("FAIL:", what)


def finish():
    if failures:
        print(f"{len(failures)} check(s) failed")
        raise SystemExit(1)
    print("all checks passed")


def run(args, timeout=120):
    t0 = time.monotonic()
    p = subprocess.run([ESPDECK] + args, capture_output=True, text=True, timeout=timeout)
    p.seconds = time.monotonic() - t0
    return p


def wait_file(path, proc, timeout=5):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path) and open(path).read().strip():
            return open(path).read().strip()
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    raise RuntimeError(f"{path} never appeared: {proc.stderr.read() if proc.stderr else ''}")


def start_sim(tmp, name, *args):
    """espdeck-sim with a port file; returns (process, port file text)."""
    pf = os.path.join(tmp, name + ".port")
    p = subprocess.Popen([SIM, "--port-file", pf, "--quiet", *args],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return p, wait_file(pf, p)


def stop(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


IAC, SB, SE, WILL, DO = 255, 250, 240, 251, 253
COM_PORT, SET_CONTROL = 44, 5
DTR_ON, DTR_OFF, RTS_ON, RTS_OFF = 8, 9, 11, 12


def set_control(value):
    return bytes([IAC, SB, COM_PORT, SET_CONTROL, value, IAC, SE])


def slip(body):
    return b"\xc0" + body.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"


SYNC = slip(bytes([0, 0x08, 36, 0, 0, 0, 0, 0]) + b"\x07\x07\x12\x20" + b"\x55" * 32)
SYNC_REPLY_HEAD = b"\xc0\x01\x08"


class Rfc2217Client:
    """Just enough RFC 2217 to reset a board and send a SYNC, one line change per send()."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=3)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.s.sendall(bytes([IAC, WILL, 0, IAC, DO, 0, IAC, WILL, COM_PORT]))

    def send(self, data):
        self.s.sendall(data)

    def received(self, seconds):
        end = time.monotonic() + seconds
        got = b""
        while time.monotonic() < end:
            self.s.settimeout(max(end - time.monotonic(), 0.01))
            try:
                d = self.s.recv(4096)
            except socket.timeout:
                break
            if not d:
                break
            got += d
        return got

    def close(self):
        self.s.close()
