#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Interop: real esptool finds our stub already running on espdeck-sim and uses it.

Our stub (the blob espdeck embeds, written out by stub-blob-dump) is uploaded through
the ROM loader on espdeck-sim's pseudo-terminal; esptool then connects with
--before no_reset, finds the stub with SYNC ("Stub is already running"), reads and
writes through it, and the backing file must hold exactly what was written (a write
inside a sector keeps its neighbours).

esptool is not part of the project: set ESPTOOL to the command that runs it (for
example "python3 path/to/esptool.py"), or have esptool.py / esptool on PATH; without it
the test is skipped (exit 77) and says so. Checked with esptool v4.8.1 run from its
source tree with Debian's python3-serial (ESPTOOL="python3 .../esptool.py"); esptool
5.x needs Python packages Debian does not ship and was not run.

Note for users: esptool's --after no_reset leaves a running stub (the board is back in
the ROM loader afterwards); --after no_reset_stub keeps it for the next command."""
import os
import select
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import termios
import time
import tty

FLASH_SIZE = 1 << 20
FILL = 0xA5


def esptool_command():
    if os.environ.get('ESPTOOL'):
        return shlex.split(os.environ['ESPTOOL'])
    for name in ('esptool.py', 'esptool'):
        path = shutil.which(name)
        if path:
            return [path]
    return None


def slip(body):
    return b'\xc0' + body.replace(b'\xdb', b'\xdb\xdd').replace(b'\xc0', b'\xdb\xdc') + b'\xc0'


class Pty:
    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        attrs = termios.tcgetattr(self.fd)
        attrs[4] = attrs[5] = termios.B115200
        termios.tcsetattr(self.fd, termios.TCSANOW, attrs)
        self.buf = b''

    def frame(self, timeout=2.0):
        """The next SLIP frame's body, or None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            start = self.buf.find(b'\xc0')
            if start >= 0:
                stop = self.buf.find(b'\xc0', start + 1)
                if stop > start + 1:
                    body = self.buf[start + 1:stop]
                    self.buf = self.buf[stop:]
                    return body.replace(b'\xdb\xdc', b'\xc0').replace(b'\xdb\xdd', b'\xdb')
                if stop == start + 1:
                    self.buf = self.buf[stop:]
                    continue
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if r:
                self.buf += os.read(self.fd, 65536)
        return None

    def command(self, op, data=b'', checksum=0):
        os.write(self.fd, slip(struct.pack('<BBHI', 0, op, len(data), checksum) + data))
        for _ in range(100):
            f = self.frame()
            if f is None:
                raise RuntimeError(f'no reply to command 0x{op:02x}')
            if len(f) >= 10 and f[0] == 1 and f[1] == op:
                if f[-2] != 0:
                    raise RuntimeError(f'command 0x{op:02x} failed: {f[-2]:02x} {f[-1]:02x}')
                return f
        raise RuntimeError(f'no reply to command 0x{op:02x}')


def upload_our_stub(pty, blob_dir):
    out = subprocess.run([os.environ['STUB_BLOB_DUMP'], blob_dir], capture_output=True,
                         text=True)
    if out.returncode == 2:
        print('skipped: this build embeds no stub (no xtensa cross compiler)')
        sys.exit(77)
    assert out.returncode == 0, out.stderr
    pty.command(0x08, b'\x07\x07\x12\x20' + b'\x55' * 32)
    time.sleep(0.05)
    pty.buf = b''
    entry = None
    for line in out.stdout.split('\n'):
        if not line.strip():
            continue
        name, addr = line.split()
        if name == 'entry':
            entry = int(addr, 0)
            continue
        data = open(os.path.join(blob_dir, name), 'rb').read()
        blocks = (len(data) + 0x17FF) // 0x1800
        pty.command(0x05, struct.pack('<IIII', len(data), blocks, 0x1800, int(addr, 0)))
        for seq in range(blocks):
            chunk = data[seq * 0x1800:(seq + 1) * 0x1800]
            cs = 0xEF
            for b in chunk:
                cs ^= b
            pty.command(0x07, struct.pack('<IIII', len(chunk), seq, 0, 0) + chunk, cs)
    pty.command(0x06, struct.pack('<II', 0, entry))
    ohai = pty.frame()
    assert ohai == b'OHAI', f'no OHAI from our stub: {ohai!r}'


def main():
    esptool = esptool_command()
    if not esptool:
        print('skipped: esptool is not installed (set ESPTOOL to run this test)')
        return 77
    tmp = tempfile.mkdtemp(prefix='espdeck-esptool-stub-')
    flash = os.path.join(tmp, 'flash.bin')
    with open(flash, 'wb') as f:
        f.write(bytes([FILL]) * FLASH_SIZE)
    port_file = os.path.join(tmp, 'port')
    sim = subprocess.Popen([os.environ['ESPDECK_SIM'], '--pty', '--port-file', port_file,
                            '--flash', flash, '--flash-size', '1MB', '--fast', '--quiet'],
                           stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.025)
        path = open(port_file).read().strip()
        pty = Pty(path)
        blob_dir = os.path.join(tmp, 'blob')
        os.mkdir(blob_dir)
        upload_our_stub(pty, blob_dir)
        os.close(pty.fd)

        base = esptool + ['--chip', 'esp8266', '--port', path, '--baud', '115200',
                          '--before', 'no_reset', '--after', 'no_reset_stub']
        data = bytes((i * 7 + (i >> 8)) & 0xFF for i in range(5000))
        src = os.path.join(tmp, 'data.bin')
        with open(src, 'wb') as f:
            f.write(data)
        w = subprocess.run(base + ['write_flash', '0x20800', src], capture_output=True,
                           text=True, timeout=120)
        print(w.stdout[-800:])
        assert w.returncode == 0, w.stderr
        assert 'Stub is already running' in w.stdout, 'esptool uploaded its own stub'
        assert 'Hash of data verified' in w.stdout
        dump = os.path.join(tmp, 'dump.bin')
        r = subprocess.run(base + ['read_flash', '0x20000', '0x2000', dump],
                           capture_output=True, text=True, timeout=120)
        print(r.stdout[-800:])
        assert r.returncode == 0, r.stderr
        assert 'Stub is already running' in r.stdout
        want = bytearray([FILL]) * FLASH_SIZE
        padded = data + b'\xff' * (-len(data) % 4)
        want[0x20800:0x20800 + len(padded)] = padded
        assert open(dump, 'rb').read() == bytes(want[0x20000:0x22000]), 'read back differs'
        got = open(flash, 'rb').read()
        bad = [i for i in range(FLASH_SIZE) if got[i] != want[i]]
        assert not bad, f'flash differs at 0x{bad[0]:x} ({len(bad)} bytes)'
        print('esptool used our running stub: write at 0x20800 and read back exact')
        return 0
    finally:
        sim.terminate()
        sim.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
