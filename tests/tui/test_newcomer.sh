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

# -- item 5: focus starts on Ports and shows without colours ----------------------------
EXTRA_ENV="NO_COLOR=1"
start "--port 'sim://?clock=virtual&fast&keep=1&latency-ms=0&seed=12345' --firmware-dir '$work/fw' --preset demo"
wait_for "Preset demo " focus-start
wait_for "> Ports <" focus-on-ports && ok focus-on-ports
screen | grep -qF "> Presets <" && { echo "FAIL focus-on-ports: two panes marked"; fail=1; }
keys Tab
wait_for "> Presets <" focus-moves && ok focus-moves
screen | grep -qF "> Ports <" && { echo "FAIL focus-moves: Ports still marked"; fail=1; }
keys BTab
wait_for "> Ports <" focus-back
EXTRA_ENV=""

# -- item 5: at 80x24 the title line never cuts a number ---------------------------------
head1() { screen | head -1; }
if head1 | grep -qF "32m-c1 qio 40m | 115200 baud"; then
	ok header-115200
else
	echo "FAIL header-115200: the title line cuts the baud or the flash size:"
	head1
	fail=1
fi
keys Tab Tab Tab
i=0
while ! head1 | grep -qF "921600" && [ $i -lt 12 ]; do
	keys Right
	sleep 0.1
	i=$((i + 1))
done
if head1 | grep -qF "32m-c1 qio 40m | 921600 baud"; then
	ok header-921600
else
	echo "FAIL header-921600: the title line cuts the baud:"
	head1
	fail=1
fi

# -- item 5: the read dialog's file name follows the address as it is typed --------------
keys r
wait_for "Read a block of flash" name-dialog
keys C-u
tmx send-keys -t b -l -- 0x3ff
wait_for "file         flash-0003ff.bin" name-follows-typing
tmx send-keys -t b -l -- 000
wait_for "file         flash-3ff000.bin" name-follows-typing && ok name-follows-typing
# Once the user edits the name, it is theirs.
keys Tab Tab C-u
tmx send-keys -t b -l -- mine.bin
keys Tab C-u
tmx send-keys -t b -l -- 0x3fd000
wait_for "address      0x3fd000" name-kept
wait_for "file         mine.bin" name-kept && ok name-kept-after-edit
keys Escape
wait_for "[idle]" name-closed

# -- item 5: the chip-info view shows no empty progress bar ------------------------------
keys i
wait_for "flash id 0x1640ef" info-done
if screen | grep -qE "reset +[0-9]+%|0 B / 0 B"; then
	echo "FAIL info-no-bar: the chip-info view shows a byte count:"
	screen
	fail=1
else
	ok info-no-bar
fi
keys Enter
wait_for "[idle]" info-closed

# -- item 5: OTA creates a missing output folder after asking; its error is whole -------
long="$work/fw/a-firmware-folder-with-a-rather-long-name"
keys o
wait_for "Make OTA bins" ota-dialog
keys C-u
tmx send-keys -t b -l -- "$long/app.elf"
keys Tab C-u
tmx send-keys -t b -l -- "$work/new/out"
keys Enter
wait_for "Create the output folder?" ota-asks && ok ota-asks
keys n
wait_for "[idle]" ota-no
[ -e "$work/new" ] && { echo "FAIL ota-no: the folder was created after 'n'"; fail=1; }
keys o
wait_for "Make OTA bins" ota-dialog2
keys C-u
tmx send-keys -t b -l -- "$long/app.elf"
keys Tab C-u
tmx send-keys -t b -l -- "$work/new/out"
keys Enter
wait_for "Create the output folder?" ota-asks2 && keys y
wait_for "No such file or directory" ota-error
# The whole message is inside the dialog (between its title and its keys), not cut.
if screen | sed -n '/Make OTA bins/,/Enter OK/p' | grep -qF "or directory"; then
	ok ota-error-whole
else
	echo "FAIL ota-error-whole: the OTA dialog cuts its error:"
	screen
	fail=1
fi
[ -d "$work/new/out" ] && ok ota-folder-created ||
	{ echo "FAIL ota-folder-created: no $work/new/out"; fail=1; }
keys Escape
wait_for "[idle]" ota-closed
quit item5

# -- item 5: a cancel shows one summary, in the user's words -----------------------------
printf '[preset]\nflash_size = 4MB-c1\nerase = none\n[region blank]\noffset = 0x3FE000\nfile = blank.bin\n[region user1]\noffset = 0x1000\nfile = user1.bin\n[region user2]\noffset = 0x101000\nfile = user2.bin\n' \
	>"$work/xdg/espdeck/layouts/slow3.ini"
start "--no-stub --port sim:// --firmware-dir '$work/fw' --preset slow3"
wait_for "Preset slow3 " cancel-start
keys Tab Tab Tab j j j j j j Enter
wait_for "verify off" cancel-verify-off
keys w
wait_for "Write all 3 regions" cancel-confirm && keys y
wait_for "[>] 2/3 write user1.bin" cancel-running
keys Escape
wait_for "written: blank.bin; interrupted: user1.bin; not written: user2.bin" \
	cancel-one-summary && wait_for "cancelled" cancel-one-summary && ok cancel-one-summary
if screen | grep -qE "not written or incomplete|register 0x|cancelled during a wait"; then
	echo "FAIL cancel-user-words: engine internals or a second summary on the view:"
	screen
	fail=1
else
	ok cancel-user-words
fi
keys Enter
wait_for "[idle]" cancel-closed
quit cancel

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
# A verify only reads: it compares the forced file without asking.
keys v
wait_for "verify on sim://" force-verify-job && wait_for "verified" force-verify &&
	ok force-verify
keys Enter
wait_for "[idle]" force-verify-closed
quit force
same "$work/force.bin" 0x1000 "$work/fw2/user1.bin" force-on-board
if grep -qF ",demo (forced: user1.bin built for 2MB-c1)," "$work/state/espdeck/journal.csv"; then
	ok force-journal
else
	echo "FAIL force-journal: the override is not in the journal line"
	cat "$work/state/espdeck/journal.csv"
	fail=1
fi

# A saved image of another size is refused with what to do, never used cut or padded.
XDG_STATE_HOME="$work/state" "$ESPDECK" --port 'sim://?clock=virtual&fast&flash=state&flash-size=1MB' \
	flash_id >"$work/out" 2>&1
st=$?
if [ $st != 0 ] && grep -qF "sim-flash.bin holds 4194304 bytes, not a flash of 1048576 bytes; delete it" "$work/out"; then
	ok state-size-refused
else
	echo "FAIL state-size-refused: status $st"
	cat "$work/out"
	fail=1
fi

# make run's port: the list tells the saved board from the plain one, the log says where.
start "--port 'sim://?flash=state' --firmware-dir '$work/fw' --preset demo"
wait_for "[ ]virtual board (s" make-run-port && wait_for "[ ]virtual board, f" make-run-port &&
	wait_for "sim://?flash=state: flash kept in" make-run-port && ok make-run-port
quit make-run-port

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
