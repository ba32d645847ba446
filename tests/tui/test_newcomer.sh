#!/bin/sh
# SPDX-License-Identifier: MIT
# A newcomer's first hour on the bench (issue 15, items 1, 3 and 5), in a real terminal
# (tmux, 80x24) against the virtual board: the board keeps its flash for the session and,
# with flash=state, between runs; a preset's refusal of a vendor bin is a warning that
# must be confirmed; focus, header, cancel summary and the dialogs as a newcomer meets
# them. Every wait polls the screen with a bound; nothing sleeps a fixed time.
set -u
sock_prefix=espdeck-newcomer
. "$(dirname "$0")/tmux_lib.sh"

mkdir -p "$work/fw" "$work/xdg/espdeck/layouts"
python3 - "$work/fw" <<'PY' || exit 1
import os, sys
d = sys.argv[1]
def put(name, data):
    open(os.path.join(d, name), "wb").write(data)
put("demo-0x00000.bin", bytes((i * 7 + 1) & 0xFF for i in range(3000)))
put("user1.bin", bytes((i * 13 + 5) & 0xFF for i in range(300000)))
put("user2.bin", bytes((i * 3 + 9) & 0xFF for i in range(1000)))
put("blank.bin", b"\xff" * 4096)
PY

# start ARGS...: espdeck with global options ARGS in a fresh 80x24 session (cwd = work).
start() {
	tmx kill-server 2>/dev/null
	run=$((run + 1))
	sock="$sock_prefix-$$-$run"
	rm -f "$work/rc"
	tmx new-session -d -s b -x 80 -y 24 -c "$work" \
		"XDG_CONFIG_HOME='$work/xdg' XDG_STATE_HOME='$work/state' $EXTRA_ENV \"$ESPDECK\" $*; echo \$? >'$work/rc'; sleep 60"
}
EXTRA_ENV=""

quit() {
	keys q
	i=0
	while [ ! -s "$work/rc" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	if [ "$(cat "$work/rc" 2>/dev/null)" != 0 ]; then
		echo "FAIL quit ($1): exit status '$(cat "$work/rc" 2>/dev/null)'"
		screen
		fail=1
	else
		ok "quit ($1)"
	fi
}

# same FILE OFFSET FWFILE NAME: the first bytes of FILE at OFFSET are FWFILE's.
same() {
	python3 - "$1" "$2" "$3" <<'PY' && ok "$4" || { echo "FAIL $4: $1 at $2 is not $3"; fail=1; }
import sys
data = open(sys.argv[1], "rb").read()
want = open(sys.argv[3], "rb").read()
off = int(sys.argv[2], 0)
sys.exit(0 if data[off:off + len(want)] == want else 1)
PY
}

# -- item 1: the board keeps its flash for the session: write, then verify and read ------
start "--port 'sim://?clock=virtual&fast&keep=1' --firmware-dir '$work/fw' --preset demo"
wait_for "Preset demo " session-start
wait_for "keep=1: flash kept while" session-port-note && ok session-port-note
keys w
wait_for "Write all 5 regions of preset demo" session-confirm && keys y
wait_for "written and verified" session-write && ok session-write
keys Enter
wait_for "[idle]" session-idle
keys v
wait_for "verify on sim://" session-verify-job &&
	wait_for "verified" session-verify && ok session-verify
screen | grep -qF "holds 0xff" && { echo "FAIL session-verify: the board forgot its flash"; fail=1; }
keys Enter
wait_for "[idle]" session-verify-closed
# Regions pane, user1 (0x1000): a read shows what was written.
keys Tab Tab j j j r
wait_for "file         flash-001000.bin" session-read-dialog
keys Enter
wait_for "x open in hex viewer" session-read-done
keys Enter
wait_for "[idle]" session-read-closed
same "$work/flash-001000.bin" 0 "$work/fw/user1.bin" session-read
quit session

# -- item 1: flash=state keeps it between runs, in $XDG_STATE_HOME/espdeck ---------------
state="$work/state/espdeck/sim-flash.bin"
start "--port 'sim://?clock=virtual&fast&flash=state' --firmware-dir '$work/fw' --preset demo"
wait_for "Preset demo " state-start
wait_for "flash kept in" state-port-note && wait_for "espdeck/sim-flash.bin" state-port-note &&
	ok state-port-note
keys w
wait_for "Write all 5 regions of preset demo" state-confirm && keys y
wait_for "written and verified" state-write && ok state-write
keys Enter
wait_for "[idle]" state-idle
quit state-first-run
[ -f "$state" ] && ok state-file || { echo "FAIL state-file: no $state"; fail=1; }
same "$state" 0x1000 "$work/fw/user1.bin" state-file-content
start "--port 'sim://?clock=virtual&fast&flash=state' --firmware-dir '$work/fw' --preset demo"
wait_for "Preset demo " state-again
keys v
wait_for "verify on sim://" state-verify-job &&
	wait_for "verified" state-verify && ok state-verify-next-run
keys Enter
wait_for "[idle]" state-verify-closed
quit state-second-run

# -- item 3: a vendor bin built for another flash size: a warning to confirm -----------
mkdir -p "$work/fw2"
cp "$work/fw/demo-0x00000.bin" "$work/fw/blank.bin" "$work/fw/user2.bin" "$work/fw2/"
python3 - "$work/fw2" <<'PY' || exit 1
import struct, sys
data = bytes(range(16))
img = bytes([0xE9, 1, 0, 0x50]) + struct.pack("<III", 0x40100000, 0x40100000, 16) + data
cs = 0xEF
for b in data:
    cs ^= b
open(sys.argv[1] + "/user1.bin", "wb").write(img + bytes(15) + bytes([cs]))
PY
start "--port 'sim://?clock=virtual&fast&flash=$work/force.bin' --firmware-dir '$work/fw2' --preset demo"
wait_for "Preset demo " force-start
keys w
wait_for "Preset check: another flash size" force-dialog &&
	wait_for "user1.bin was built for flash size 2MB-c1" force-explained &&
	wait_for "(a vendor's bin you" force-explained && ok force-dialog
keys n
wait_for "[idle]" force-no
if [ -e "$work/force.bin" ]; then
	echo "FAIL force-no-nothing-written: the board was opened after 'n'"
	fail=1
else
	ok force-no-nothing-written
fi
keys w
wait_for "Preset check: another flash size" force-dialog-again && keys y
wait_for "Write all 5 regions of preset demo" force-write-confirm && keys y
wait_for "written and verified" force-written && ok force-written
keys Enter
wait_for "[idle]" force-idle
quit force
same "$work/force.bin" 0x1000 "$work/fw2/user1.bin" force-on-board
if grep -qF ",demo (forced: user1.bin built for 2MB-c1)," "$work/state/espdeck/journal.csv"; then
	ok force-journal
else
	echo "FAIL force-journal: the override is not in the journal line"
	cat "$work/state/espdeck/journal.csv"
	fail=1
fi

# A kill in the middle of a write leaves the saved image as it was (never half a write):
# the real-time board takes seconds for user1.bin, the kill comes while it is written.
printf '[preset]\nflash_size = 4MB-c1\nerase = none\n[region user2]\noffset = 0x101000\nfile = user2.bin\n[region user1]\noffset = 0x1000\nfile = user1.bin\n' \
	>"$work/xdg/espdeck/layouts/slow.ini"
python3 - "$work/fw" <<'PY'
import sys
open(sys.argv[1] + "/user2.bin", "wb").write(bytes((i * 5 + 1) & 0xFF for i in range(1000)))
open(sys.argv[1] + "/user1.bin", "wb").write(bytes((i * 11 + 3) & 0xFF for i in range(300000)))
PY
before=$(sha256sum "$state" | cut -d' ' -f1)
tmx kill-server 2>/dev/null
run=$((run + 1))
sock="$sock_prefix-$$-$run"
tmx new-session -d -s b -x 80 -y 24 -c "$work" \
	"XDG_CONFIG_HOME='$work/xdg' XDG_STATE_HOME='$work/state' \"$ESPDECK\" --port 'sim://?flash=state' --firmware-dir '$work/fw' --preset slow </dev/tty & echo \$! >'$work/pid'; wait; sleep 60"
wait_for "Preset slow " kill-start
keys Tab Tab Tab j j j j j j Enter
wait_for "verify off" kill-verify-off
keys w
wait_for "Write all 2 regions" kill-confirm && keys y
wait_for "[>] 2/2 write user1.bin" kill-running
kill -KILL "$(cat "$work/pid")"
i=0
while kill -0 "$(cat "$work/pid")" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
if [ "$(sha256sum "$state" | cut -d' ' -f1)" = "$before" ] &&
	[ "$(ls "$work/state/espdeck" | grep -c sim-flash)" = 1 ]; then
	ok kill-keeps-image
else
	echo "FAIL kill-keeps-image: the saved flash changed or a temporary file was left"
	ls -la "$work/state/espdeck"
	fail=1
fi

exit $fail
