#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# rfc2217:// against espdeck-sim --rfc2217 (issue 14 items 1 and 2): the board's
# two-transistor auto-reset model reached over RFC 2217 enters the loader with espdeck's
# reset (both changes of a step in one segment, esptool's default Classic timings) and
# boots the firmware for a client that changes the lines one at a time 100 ms apart, as
# pyserial does; the stub's baud change through SET-BAUDRATE; 0xFF both ways; and bad
# servers: one that does not speak RFC 2217 (echo, garbage, silence), one that drops the
# connection mid-job, an unknown host, a bad URL option. Also espdeck-sim --pty following a
# baud change made just before a write.
import hashlib
import os
import random
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rfc_lib import (DTR_OFF, DTR_ON, RTS_OFF, RTS_ON, SYNC, SYNC_REPLY_HEAD,  # noqa: E402
                     Rfc2217Client, check, finish, run, set_control, start_sim, stop)

CLASSIC = "D0|R1|W0.1|D1|R0|W0.05|D0"  # esptool's ClassicReset with its default delay


def classic_reset(c, gap):
    """esptool's ClassicReset through c; gap > 0 sends each change alone, gap seconds
    apart (pyserial's rfc2217 client), gap 0 sends each step's changes in one segment."""
    steps = [[DTR_OFF], [RTS_ON, DTR_OFF], "wait0.1", [DTR_ON], [RTS_OFF, DTR_ON],
             "wait0.05", [DTR_OFF]]
    for step in steps:
        if isinstance(step, str):
            time.sleep(float(step[4:]))
            continue
        if gap:
            for v in step:
                c.send(set_control(v))
                time.sleep(gap)
        else:
            c.send(b"".join(set_control(v) for v in step))


def trace_after(path, start):
    """(time, text) of the sim trace lines from line number start on, once the session
    that wrote them has ended (the sim writes its trace out then)."""
    end = time.monotonic() + 3
    while time.monotonic() < end and "SET-CONTROL" not in "".join(
            open(path).read().splitlines()[start:]):
        time.sleep(0.05)
    out = []
    for line in open(path).read().splitlines()[start:]:
        t, _, text = line.strip().partition(" ")
        out.append((float(t), text))
    return out


def reset_window(events):
    """Seconds between the first DTR on and the RTS off after it (both lines asserted at
    the board), and the boot that follows DTR on (traced when the board samples its
    straps, which may be before RTS off)."""
    dtr_on = rts_off = None
    boot = None
    for t, text in events:
        if text == "RFC2217 SET-CONTROL 8" and dtr_on is None:
            dtr_on = t
        elif text == "RFC2217 SET-CONTROL 12" and dtr_on is not None and rts_off is None:
            rts_off = t
        elif text.startswith("BOOT") and dtr_on is not None and boot is None:
            boot = text.split()[1]
    return (rts_off - dtr_on if rts_off is not None else None), boot


def test_reset_model(tmp):
    trace = os.path.join(tmp, "reset.trace")
    sim, port = start_sim(tmp, "reset", "--rfc2217", "127.0.0.1:0", "--trace", trace)
    try:
        c = Rfc2217Client(int(port))
        c.received(0.3)
        classic_reset(c, 0.1)
        c.send(SYNC)
        got = c.received(1.0)
        c.close()
        check(SYNC_REPLY_HEAD not in got,
              "a client changing DTR/RTS one at a time 100 ms apart boots the firmware "
              "(no SYNC reply)")
        window, boot = reset_window(trace_after(trace, 0))
        mark = len(open(trace).read().splitlines())
        check(window is not None and window >= 0.09 and boot == "flash",
              f"its both-lines-asserted window is {window} s at the board, and it boots "
              f"from flash ({boot})")
        c = Rfc2217Client(int(port))
        c.received(0.3)
        # a long SB of escaped 0xFF (answered in full) and an unknown option first
        c.send(bytes([255, 250, 44, 3]) + b"\xff\xff" * 60 + bytes([255, 240, 255, 251, 99]))
        classic_reset(c, 0)
        c.send(SYNC)
        got = c.received(1.0)
        c.close()
        check(SYNC_REPLY_HEAD in got, "the same reset with both changes in one segment "
              "enters the loader")
        u = f"rfc2217://127.0.0.1:{port}"
        time.sleep(0.2)  # the second client's session ends and its trace is written
        mark = len(open(trace).read().splitlines())
        p = run(["--port", u, "--custom-reset-sequence", CLASSIC, "--connect-attempts", "1",
                 "chip_id"])
        check(p.returncode == 0 and "Chip ID: 0x00a1b2c3" in p.stdout,
              f"espdeck enters the loader with esptool's Classic timings: {p.stderr[-500:]}")
        events = trace_after(trace, mark)
        window, boot = reset_window(events)
        check(window == 0 and boot == "download",
              f"espdeck's DTR on and RTS off arrive together ({window} s apart) and the "
              f"board boots into the loader ({boot})")
        texts = [t for _, t in events]
        check("RFC2217 SET-BAUDRATE 115200" in texts and "RFC2217 PURGE-DATA 1" in texts,
              "espdeck sets the baud rate at open and purges the server's input before "
              "SYNC")
        p = run(["--port", u + "?ign_set_control", "--connect-attempts", "1", "read_mac"])
        check(p.returncode == 0 and "18:fe:34:a1:b2:c3" in p.stdout,
              f"espdeck's default reset over rfc2217:// with ?ign_set_control: "
              f"{p.stderr[-500:]}")
    finally:
        stop(sim)


def test_write_read(tmp):
    """0xFF in both directions, the stub's baud change through SET-BAUDRATE (without it the
    board's timing model garbles every byte at 460800)."""
    sim, port = start_sim(tmp, "wr", "--rfc2217", "127.0.0.1:0")
    u = f"rfc2217://127.0.0.1:{port}"
    rnd = random.Random(14)
    data = bytes(0xFF if rnd.random() < 0.3 else rnd.getrandbits(8) for _ in range(8192))
    data += b"\xff" * 4096 + bytes(range(256)) * 16
    src = os.path.join(tmp, "data.bin")
    open(src, "wb").write(data)
    try:
        p = run(["--port", u, "--baud", "460800", "write_flash", "0x10000", src])
        check(p.returncode == 0 and "Changed baud rate to 460800" in p.stdout
              and "verified by MD5" in p.stdout,
              f"write_flash at 460800 over rfc2217:// verified by MD5: {p.stdout[-600:]}"
              f"{p.stderr[-600:]}")
        check("no answer at the new baud rate" not in p.stdout + p.stderr,
              "the stub answered at the new baud rate")
        out = os.path.join(tmp, "back.bin")
        p = run(["--port", u, "--baud", "460800", "read_flash", "0x10000", str(len(data)),
                 out])
        back = open(out, "rb").read() if os.path.exists(out) else b""
        check(p.returncode == 0 and back == data,
              f"read_flash over rfc2217:// gives the bytes back, 0xFF included "
              f"({hashlib.md5(back).hexdigest()}): {p.stderr[-400:]}")
    finally:
        stop(sim)


def test_pty_baud(tmp):
    """espdeck-sim --pty follows the line speed when input arrives (issue 14 item 7): the
    stub's CHANGE_BAUDRATE, then the first packet at the new rate must be understood."""
    sim, pty = start_sim(tmp, "pty", "--pty")
    src = os.path.join(tmp, "pty.bin")
    open(src, "wb").write(bytes(range(256)) * 32)
    try:
        p = run(["--port", pty, "--baud", "460800", "write_flash", "0x8000", src])
        out = p.stdout + p.stderr
        check(p.returncode == 0 and "Changed baud rate to 460800" in out
              and "no answer at 460800" not in out and "verified by MD5" in out,
              f"a stub baud change through a pty: exit {p.returncode}: {out[-500:]}")
    finally:
        stop(sim)


class Server:
    """A TCP server on loopback that runs handler(conn) for each connection."""

    def __init__(self, handler):
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(4)
        self.port = self.ls.getsockname()[1]
        self.handler = handler
        self.conns = []
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while True:
            try:
                conn, _ = self.ls.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        try:
            self.handler(conn)
        except OSError:
            pass

    def close(self):
        self.ls.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


def echo(conn):
    while True:
        d = conn.recv(4096)
        if not d:
            return
        conn.sendall(d)


def garbage(conn):
    rnd = random.Random(7)
    for _ in range(40):
        conn.sendall(bytes(rnd.getrandbits(8) & 0x7F for _ in range(512)))
        time.sleep(0.05)
    time.sleep(10)


def silent(conn):
    time.sleep(10)


def proxy_slow(target_port, first_s, each_s):
    """Forwards to target_port, holding everything back first_s at the start and each_s
    per chunk from the board (a server on a slow, distant link)."""
    def handler(conn):
        time.sleep(first_s)
        up = socket.create_connection(("127.0.0.1", target_port))

        def down():
            try:
                while True:
                    d = up.recv(4096)
                    if not d:
                        break
                    time.sleep(each_s)
                    conn.sendall(d)
            except OSError:
                pass
        threading.Thread(target=down, daemon=True).start()
        try:
            while True:
                d = conn.recv(4096)
                if not d:
                    break
                up.sendall(d)
        finally:
            up.close()
    return handler


def proxy_dropping(target_port, after):
    """Forwards to target_port and closes both sides after `after` bytes from the client."""
    def handler(conn):
        up = socket.create_connection(("127.0.0.1", target_port))
        done = [0]

        def down():
            try:
                while True:
                    d = up.recv(4096)
                    if not d:
                        break
                    conn.sendall(d)
            except OSError:
                pass
        threading.Thread(target=down, daemon=True).start()
        while True:
            d = conn.recv(4096)
            if not d:
                break
            up.sendall(d)
            done[0] += len(d)
            if done[0] >= after:
                break
        for s in (conn, up):
            s.shutdown(socket.SHUT_RDWR)
            s.close()
    return handler


def test_bad_servers(tmp):
    cases = [
        (echo, "is not an RFC 2217 server: it offered COM-PORT-OPTION itself"),
        (garbage, "did not answer the RFC 2217 negotiation within 3 s"),
        (silent, "did not answer the RFC 2217 negotiation within 3 s (0 data bytes"),
    ]
    for handler, text in cases:
        srv = Server(handler)
        p = run(["--port", f"rfc2217://127.0.0.1:{srv.port}", "chip_id"], timeout=30)
        srv.close()
        check(p.returncode == 3 and text in p.stderr and "socket://" in p.stderr
              and p.seconds < 10,
              f"{handler.__name__} server: exit {p.returncode} in {p.seconds:.1f} s, "
              f"'{text}': {p.stderr.strip()}")
    p = run(["--port", "rfc2217://no-such-host.invalid:4000", "chip_id"], timeout=30)
    check(p.returncode == 3 and "cannot resolve rfc2217://no-such-host.invalid:4000"
          in p.stderr, f"unknown host: exit {p.returncode}: {p.stderr.strip()}")
    p = run(["--port", "rfc2217://127.0.0.1:4000?timeout=3", "chip_id"])
    check(p.returncode == 2 and "unknown option 'timeout=3'" in p.stderr,
          f"unknown URL option: exit {p.returncode}: {p.stderr.strip()}")
    p = run(["--port", "rfc2217://127.0.0.1", "chip_id"])
    check(p.returncode == 2 and "write rfc2217://HOST:PORT" in p.stderr,
          f"no port number: exit {p.returncode}: {p.stderr.strip()}")
    # A server that drops the connection in the middle of a write.
    sim, port = start_sim(tmp, "drop", "--rfc2217", "127.0.0.1:0")
    srv = Server(proxy_dropping(int(port), 30000))
    src = os.path.join(tmp, "big.bin")
    open(src, "wb").write(random.Random(3).randbytes(65536))
    p = run(["--port", f"rfc2217://127.0.0.1:{srv.port}", "--baud", "460800", "write_flash",
             "0x0", src], timeout=60)
    srv.close()
    stop(sim)
    check(p.returncode != 0 and "was closed" in p.stderr and p.seconds < 30,
          f"a server that drops mid-write: exit {p.returncode} in {p.seconds:.1f} s: "
          f"{p.stderr.strip()[-400:]}")
    # A slow server: negotiation after 1.5 s, every chunk from the board 20 ms late.
    sim, port = start_sim(tmp, "slow", "--rfc2217", "127.0.0.1:0")
    srv = Server(proxy_slow(int(port), 1.5, 0.02))
    p = run(["--port", f"rfc2217://127.0.0.1:{srv.port}", "read_mac"], timeout=60)
    srv.close()
    stop(sim)
    check(p.returncode == 0 and "18:fe:34:a1:b2:c3" in p.stdout,
          f"a slow server that answers within the timeouts works: exit {p.returncode}: "
          f"{p.stderr.strip()[-400:]}")
    # A server that speaks RFC 2217, but no board answers behind it.
    def mute_rfc(conn):
        conn.sendall(bytes([255, 251, 0, 255, 253, 0, 255, 253, 44]))
        while conn.recv(4096):
            pass
    srv = Server(mute_rfc)
    p = run(["--port", f"rfc2217://127.0.0.1:{srv.port}", "--connect-attempts", "1",
             "chip_id"], timeout=30)
    srv.close()
    check(p.returncode == 3 and "no reply to SYNC after 1 attempts" in p.stderr
          and p.seconds < 10,
          f"a server with no board answering: exit {p.returncode} in {p.seconds:.1f} s: "
          f"{p.stderr.strip()}")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_STATE_HOME"] = tmp
        test_reset_model(tmp)
        test_write_read(tmp)
        test_pty_baud(tmp)
        test_bad_servers(tmp)
    finish()


main()
