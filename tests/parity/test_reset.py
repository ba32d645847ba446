# SPDX-License-Identifier: MIT
# Connecting as esptool does (issue 15): --connect-attempts N with 0 or less meaning
# "until interrupted", --custom-reset-sequence in esptool's custom_reset_sequence notation,
# and --before/--after with dashes or underscores; on the virtual board, whose trace shows
# the resets and boots.
import os
import tempfile

from common import check, finish, run, sim

NO_SYNC = "no reply to SYNC after"


def test_attempts(d):
    # the board ignores its first 40 SYNCs; 7 attempts x 5 tries = 35 are not enough
    port = sim(extra="&sync-after=40")
    run(["--before", "no_reset", "read_mac"], d, port, expect=3,
        texts=[NO_SYNC + " 7 attempts"])
    run(["--before", "no_reset", "--connect-attempts", "8", "read_mac"], d, port, expect=3,
        texts=[NO_SYNC + " 8 attempts"])
    run(["--before", "no-reset", "--connect-attempts", "9", "read_mac"], d, port, expect=0,
        texts=["MAC: 18:fe:34:a1:b2:c3"])
    for n in ("0", "-1"):
        run(["--before", "no_reset", f"--connect-attempts={n}", "read_mac"], d, port, expect=0,
            texts=["MAC: 18:fe:34:a1:b2:c3"])
    run(["--connect-attempts", "many", "read_mac"], d, port, expect=2,
        texts=["0 or less = keep trying until Ctrl-C"])


def boots(trace):
    return [line.split(None, 1)[1].strip() for line in open(trace) if " BOOT " in line]


def test_custom_reset(d):
    # a board that answers only after a reset into download mode
    tr = os.path.join(d, "hard.trace")
    run(["--custom-reset-sequence", "R1|W0.1|R0", "--connect-attempts", "2", "read_mac"], d,
        sim(extra=f"&need-reset&trace={tr}"), expect=3, texts=[NO_SYNC + " 2 attempts"])
    check(boots(tr)[1:] == ["BOOT flash rst_cause=2"] * 2,
          "a hard-reset sequence boots the flash on every attempt: " + str(boots(tr)))
    tr = os.path.join(d, "dl.trace")
    run(["--custom-reset-sequence", "R1|W0.1|U1,0|W0.05|D0", "write_mem", "0x3ffe8000", "1"],
        d, sim(extra=f"&need-reset&trace={tr}"), expect=0, texts=["Wrote 00000001"])
    check(boots(tr)[1:2] == ["BOOT download rst_cause=2"],
          "the custom sequence puts the board into download mode: " + str(boots(tr)))
    # board jobs (write_flash) take it too
    with open(os.path.join(d, "x.bin"), "wb") as f:
        f.write(b"\x5a" * 100)
    run(["--custom-reset-sequence=R1|W0.1|U1,0|W0.05|D0", "write_flash", "0x1000", "x.bin"], d,
        sim(extra="&need-reset"), expect=0, texts=["Wrote 100 bytes"])
    for seq, bad in (("D0|X1", "step 2 'X1'"), ("D2", "step 1 'D2'"), ("W", "step 1 'W'"),
                     ("U1|R0", "step 1 'U1'"), ("D0||R1", "step 2 ''"), ("W100", "'W100'"),
                     ("", "is empty")):
        run(["--custom-reset-sequence", seq, "read_mac"], d, sim(), expect=2, texts=[bad])


def test_reset_names(d):
    run(["--before", "default-reset", "--after", "soft-reset", "read_mac"], d, sim(), expect=0,
        texts=["MAC:"])
    run(["--after", "no-reset-stub", "read_mem", "0x40001000"], d, sim(), expect=0,
        texts=["Staying in bootloader."])
    run(["--before", "hard_reset", "read_mac"], d, sim(), expect=2, texts=["--before"])
    p = run(["--help"], d, None, expect=0, texts=["--connect-attempts N", "0 or less = forever",
                                                 "--custom-reset-sequence"])


def main():
    with tempfile.TemporaryDirectory() as d:
        test_attempts(d)
        test_custom_reset(d)
        test_reset_names(d)
    finish("reset")


main()
