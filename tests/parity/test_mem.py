# SPDX-License-Identifier: MIT
# esptool's read_mem, write_mem, dump_mem, load_ram, run, read_flash_sfdp and flash_id's
# size line (issue 15) on the virtual board: in-process (sim://, with its trace of the
# ROM commands) and over real TCP (espdeck-sim, whose RAM lives between runs).
import os
import struct
import subprocess
import tempfile
import time

from common import BUILD_ROOT, check, finish, read, run, sim, write


def start_tcp_sim(d, *extra):
    pf = os.path.join(d, "port.txt")
    if os.path.exists(pf):
        os.unlink(pf)
    proc = subprocess.Popen([os.environ["ESPDECK_SIM"], "--tcp", "127.0.0.1:0", "--port-file",
                             pf, "--fast"] + list(extra), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(pf) and open(pf).read().strip():
            break
        time.sleep(0.02)
    return proc, "socket://127.0.0.1:" + open(pf).read().strip()


def trace_lines(path, *kinds):
    """The virtual board's trace without timestamps, only lines starting with kinds."""
    out = []
    for line in open(path):
        words = line.split(None, 1)
        if len(words) == 2 and words[1].startswith(kinds):
            out.append(words[1].strip())
    return out


def v1_image(segments, entry):
    img = bytearray([0xE9, len(segments), 0, 0]) + struct.pack("<I", entry)
    cs = 0xEF
    for addr, data in segments:
        img += struct.pack("<II", addr, len(data)) + data
        for b in data:
            cs ^= b
    return bytes(img + bytes(15 - len(img) % 16) + bytes([cs]))


def test_registers(d):
    run(["read_mem", "0x40001000"], d, sim(), expect=0,
        texts=["0x40001000 = 0xfff0c101\n", "Chip is ESP8266EX"])
    p = run(["-q", "read_mem", "0x40001000"], d, sim(), expect=0)
    check(p.stdout == "0x40001000 = 0xfff0c101\n", "-q prints only the value: " + p.stdout)
    run(["read_mem", "0x3ff00050"], d, sim(extra="&mac=5c:cf:7f:11:22:33"), expect=0,
        texts=["0x3ff00050 = 0x33"])
    proc, port = start_tcp_sim(d)
    try:
        # esptool's mask: only the bits under it change (RAM starts zeroed)
        run(["write_mem", "0x3FFE8000", "0x12345678", "0x0000FFFF"], d, port, expect=0,
            texts=["Wrote 12345678, mask 0000ffff to 3ffe8000\n"])
        run(["read_mem", "0x3ffe8000"], d, port, expect=0, texts=["0x3ffe8000 = 0x00005678"])
        run(["write_mem", "0x3ffe8004", "0xdeadbeef"], d, port, expect=0,
            texts=["Wrote deadbeef, mask ffffffff to 3ffe8004"])
        # dump_mem: whole words, little endian, size rounded down to words as esptool does
        run(["dump_mem", "0x3ffe8000", "10", "m.bin"], d, port, expect=0,
            texts=["Read 8 bytes\nDone!"])
        check(read(os.path.join(d, "m.bin")) == bytes.fromhex("78560000efbeadde"),
              f"dump_mem bytes {read(os.path.join(d, 'm.bin')).hex()}")
        run(["dump_mem", "0x3ffe8000", "4096", "big.bin"], d, port, expect=0,
            texts=["1024 bytes read... (25 %)", "4096 bytes read... (100 %)\nRead 4096 bytes"])
        check(len(read(os.path.join(d, "big.bin"))) == 4096, "dump_mem 4096 bytes")
        # --before/--after in either spelling (esptool accepts both)
        run(["--before", "no-reset", "--after", "no-reset", "read_mem", "0x3ffe8004"], d, port,
            expect=0, texts=["0x3ffe8004 = 0xdeadbeef", "Staying in bootloader."])
        run(["--before=no_reset", "--after=no_reset_stub", "read_mem", "0x3ffe8004"], d, port,
            expect=0, texts=["Staying in bootloader."])
        # a failed dump leaves no file behind
        run(["dump_mem", "0x3ffe8000", "16", os.path.join(d, "nodir", "x.bin")], d, port,
            expect=1, texts=["nodir"])
        check(not os.path.exists(os.path.join(d, "nodir")), "no partial dump")
    finally:
        proc.kill()
        proc.wait()


def test_load_ram_and_run(d):
    ram = [(0x3FFE8000, bytes(range(52))), (0x40100000, bytes(range(100, 168))),
           (0x40100100, bytes(7000))]  # the last spans two 0x1800-byte MEM_DATA blocks
    write(os.path.join(d, "ram.bin"), v1_image(ram, 0x40100014))
    tr = os.path.join(d, "load.trace")
    run(["load_ram", "ram.bin"], d, sim(extra=f"&trace={tr}"), expect=0,
        texts=["RAM boot...\n", "Downloading 52 bytes at 3ffe8000... done!\n",
               "Downloading 7000 bytes at 40100100... done!\n",
               "All segments done, executing at 40100014\n", "Exiting immediately.\n"])
    want = [
        "MEM_BEGIN size=0x34 blocks=1 block_size=0x1800 addr=0x3ffe8000 -> 00 00",
        "MEM_DATA len=52 seq=0 addr=0x3ffe8000 -> 00 00",
        "MEM_BEGIN size=0x44 blocks=1 block_size=0x1800 addr=0x40100000 -> 00 00",
        "MEM_DATA len=68 seq=0 addr=0x40100000 -> 00 00",
        "MEM_BEGIN size=0x1b58 blocks=2 block_size=0x1800 addr=0x40100100 -> 00 00",
        "MEM_DATA len=6144 seq=0 addr=0x40100100 -> 00 00",
        "MEM_DATA len=856 seq=1 addr=0x40101900 -> 00 00",
        "MEM_END flag=0 entry=0x40100014 -> 00 00 (jumps)",
    ]
    got = trace_lines(tr, "MEM_")
    check(got == want, "load_ram's ROM commands (as esptool 4.8.1 sends them):\n" +
          "\n".join(got))
    # bad images are refused before any board is touched
    write(os.path.join(d, "irom.bin"), v1_image([(0x40210000, b"\x01" * 16)], 0x40100000))
    run(["load_ram", "irom.bin"], d, sim(), expect=1,
        texts=["segment 1 at 0x40210000 is flash-mapped code (irom0)"])
    fw = os.path.join(BUILD_ROOT, "firmware", "user1.bin")
    if os.path.exists(fw):
        run(["load_ram", fw], d, sim(), expect=1, texts=["load_ram runs a version 1 (0xE9)"])
    bad = bytearray(v1_image(ram[:1], 0x40100000))
    bad[-1] ^= 1
    write(os.path.join(d, "bad.bin"), bytes(bad))
    run(["load_ram", "bad.bin"], d, sim(), expect=1, texts=["checksum"])
    run(["load_ram", "missing.bin"], d, sim(), expect=1, texts=["missing.bin"])
    # run: FLASH_BEGIN(0, 0) + FLASH_END(1), the ROM boots the flash, as esptool's run
    tr = os.path.join(d, "run.trace")
    run(["run"], d, sim(extra=f"&trace={tr}"), expect=0, texts=["Hard resetting"])
    ends = trace_lines(tr, "FLASH_END", "BOOT")
    check(any(x.startswith("FLASH_END") for x in ends) and
          any("BOOT flash" in x for x in ends), "run boots the flash:\n" + "\n".join(ends))


def test_sfdp_and_flash_id(d):
    run(["read_flash_sfdp", "0", "4"], d, sim(extra="&flash-size=16MB"), expect=0,
        texts=["Manufacturer: ef\nDevice: 4018\nDetected flash size: 16MB\n",
               "SFDP[0..3]: 53 46 44 50 \n"])
    run(["read_flash_sfdp", "0x8", "2"], d, sim(), expect=0, texts=["SFDP[8..9]: 00 "])
    run(["read_flash_sfdp", "0", "5"], d, sim(), expect=2, texts=["BYTES must be 1 to 4"])
    # flash_id names sizes as esptool does, also those past 16MB
    for fid, size in (("0x1940EF", "32MB"), ("0x1640EF", "4MB"), ("0x1240C8", "256KB"),
                      ("0x2040EF", "64MB"), ("0x0040EF", "Unknown")):
        run(["flash_id"], d, sim(extra=f"&flash-id={fid}"), expect=0,
            texts=[f"Detected flash size: {size}\n"])


def test_usage(d):
    for args, text in ((["read_mem"], "usage: espdeck read_mem ADDR"),
                       (["read_mem", "here"], "address 'here' is not a number"),
                       (["write_mem", "0x0"], "usage: espdeck write_mem ADDR VALUE [MASK]"),
                       (["write_mem", "0x0", "1", "m"], "mask 'm' is not a number"),
                       (["dump_mem", "0", "4"], "usage: espdeck dump_mem ADDR SIZE FILE"),
                       (["dump_mem", "0", "0x2000000", "x"], "more than the 16 MiB"),
                       (["run", "now"], "usage: espdeck run"),
                       (["load_ram"], "usage: espdeck load_ram FILE")):
        run(args, d, sim(), expect=2, texts=[text])
    run(["read_mem", "0"], d, None, expect=2,
        texts=["espdeck read_mem: no port given and none found", "--port PORT"])
    run(["read_mem", "0"], d, "all", expect=2, texts=["give one board with --port"])


def main():
    with tempfile.TemporaryDirectory() as d:
        test_registers(d)
        test_load_ram_and_run(d)
        test_sfdp_and_flash_id(d)
        test_usage(d)
    finish("mem")


main()
