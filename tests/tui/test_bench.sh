#!/bin/sh
# SPDX-License-Identifier: MIT
# The bench screen in a real terminal (tmux, 80x24) against the virtual board: choose a
# preset, write it (100%, verified, bytes on the board's flash), read a block and open it
# in the hex viewer, resize, a broken preset's error with its line number, cancel a
# running write and see a clean state, quit with the terminal given back. Every wait
# polls the screen with a bound; nothing sleeps a fixed time to "let it settle".
set -u
sock_prefix=espdeck-bench
. "$(dirname "$0")/tmux_lib.sh"

# A firmware folder for the demo preset with files of known content.
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
# A broken user preset: an unknown key on line 4.
printf '[preset]\nflash_size = 4MB\n[region a]\ncolour = red\noffset = 0\nfile = a.bin\n' \
	>"$work/xdg/espdeck/layouts/broken.ini"

# start ARGS...: espdeck with global options ARGS in a fresh 80x24 session (cwd = work).
start() {
	tmx kill-server 2>/dev/null
	run=$((run + 1))
	sock="espdeck-bench-$$-$run"
	rm -f "$work/rc"
	tmx new-session -d -s b -x 80 -y 24 -c "$work" \
		"XDG_CONFIG_HOME='$work/xdg' XDG_STATE_HOME='$work/state' $EXTRA_ENV \"$ESPDECK\" $*; echo \$? >'$work/rc'; sleep 60"
}
EXTRA_ENV=""

# quit NAME: q ends the bench with status 0 and the shell gets its terminal back.
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

# -- choose the preset, write it, see 100% and verified ----------------------------------
start "--port 'sim://?clock=virtual&fast&flash=$work/flash.bin' --firmware-dir '$work/fw'"
wait_for "Preset 16MB" first-preset && ok first-preset
keys Tab
i=0
while ! screen | grep -qF "Preset demo " && [ $i -lt 30 ]; do
	keys j
	sleep 0.05
	i=$((i + 1))
done
wait_for "Preset demo " choose-preset && ok choose-preset
wait_for "[x]4 user2       0x101000     1000 B" preset-table && ok preset-table
wait_for "map |0333333333334444444444444" flash-map && ok flash-map
keys w
wait_for "Write all 5 regions of preset demo" confirm-write && ok confirm-write
keys y
wait_for "written and verified" write-verified && ok write-verified
wait_for "100%" write-100 && ok write-100
wait_for "written: demo-0x00000.bin, rf_cal, blank.bin, user1.bin, user2.bin;" \
	write-summary && ok write-summary
keys Enter
wait_for "[idle]" back-to-bench && ok back-to-bench

keys v
wait_for "verify on sim://" verify-job && wait_for "verified" verify-done && ok verify
keys Enter
wait_for "[idle]" verify-closed

# -- read the selected region's block, open it in the hex viewer -------------------------
keys Tab j j r
wait_for "file         flash-3fe000.bin" read-dialog && ok read-dialog
wait_for "address      0x3fe000" read-prefilled && ok read-prefilled
keys Enter
wait_for "x open in hex viewer" read-done && ok read-done
if [ "$(python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print(len(d), set(d)=={255})' \
	"$work/flash-3fe000.bin" 2>&1)" = "4096 True" ]; then
	ok read-file
else
	echo "FAIL read-file: flash-3fe000.bin is not 4096 bytes of 0xFF"
	fail=1
fi
keys x
wait_for "hexview flash-3fe000.bin" hexview && ok hexview
wait_for "at 0x3fe000" hexview-base && ok hexview-base
keys q
wait_for "Preset demo " hexview-back && ok hexview-back

# Another address typed in: the proposed dump name follows it; a bad one is refused.
keys r C-u
tmx send-keys -t b -l -- zz
keys Enter
wait_for "address 'zz' is not a number (0x3fe000)" read-bad-address && ok read-bad-address
keys C-u
tmx send-keys -t b -l -- 0x3ff000
keys Enter
wait_for "read 0x3ff000 +0x1000 -> flash-3ff000.bin" read-renamed && ok read-renamed
wait_for "x open in hex viewer" read2-done && keys Enter
wait_for "[idle]" read2-closed
[ -s "$work/flash-3ff000.bin" ] || { echo "FAIL read-renamed: no flash-3ff000.bin"; fail=1; }

# -- resize at any moment -----------------------------------------------------------------
tmx resize-window -t b -x 60 -y 20
wait_for "terminal too small: 60x20, the bench needs 80x24" too-small && ok too-small
tmx resize-window -t b -x 120 -y 40
wait_for "Settings" resize-large && ok resize-large
tmx resize-window -t b -x 80 -y 24
wait_for "Preset demo " resize-back && wait_for "Settings" resize-back && ok resize-back
quit write
# The board's flash holds what the preset wrote (the sim saves it on close).
python3 - "$work/flash.bin" "$work/fw" <<'PY' && ok flash-content || fail=1
import sys
flash = open(sys.argv[1], "rb").read()
fw = sys.argv[2]
for off, name in ((0x1000, "user1.bin"), (0x101000, "user2.bin"), (0x3FE000, "blank.bin")):
    data = open(f"{fw}/{name}", "rb").read()
    if flash[off:off + len(data)] != data:
        print(f"FAIL flash-content: {name} is not at {off:#x}")
        sys.exit(1)
# The image at 0x0 is written as is (not an E9 image, so no header patch).
if flash[:3000] != open(f"{fw}/demo-0x00000.bin", "rb").read():
    print("FAIL flash-content: the image at 0x0 differs")
    sys.exit(1)
PY

# -- a broken preset shows its error with its line number --------------------------------
start "--port 'sim://?clock=virtual&fast' --firmware-dir '$work/fw' --preset broken"
wait_for "broken.ini:4: error: unknown key 'colour' in [region a]" broken-preset &&
	ok broken-preset
keys w
wait_for "write: the preset is not ready" broken-no-write && ok broken-no-write
quit broken

# -- cancel a running write (real-time board) and see a clean state ----------------------
# Three regions, verify off (reading back in ROM mode is slow): blank.bin is written in
# half a second, user1.bin (300000 bytes) takes about 26 s at 115200 baud.
printf '[preset]\nflash_size = 4MB-c1\nerase = none\n[region blank]\noffset = 0x3FE000\nfile = blank.bin\n[region user1]\noffset = 0x1000\nfile = user1.bin\n[region user2]\noffset = 0x101000\nfile = user2.bin\n' \
	>"$work/xdg/espdeck/layouts/slow.ini"
start "--port sim:// --firmware-dir '$work/fw' --preset slow"
wait_for "Preset slow " cancel-start
keys Tab Tab Tab j j j j j j Enter
wait_for "verify off" verify-off && ok verify-off
keys w
wait_for "Write all 3 regions" cancel-confirm && keys y
wait_for "[>] 2/3 write user1.bin" cancel-running && ok cancel-running
keys Escape
wait_for "cancelled" cancelled && ok cancelled
wait_for "written: blank.bin; interrupted: user1.bin; not written: user2.bin" \
	cancel-summary && ok cancel-summary
keys Enter
wait_for "[idle]" cancel-clean && ok cancel-clean
# The board answers again after the cancel.
keys i
wait_for "flash id 0x1640ef, flash size 4.00 MiB" info-after-cancel && ok info-after-cancel
keys Enter
quit cancel

# -- quitting while a job runs asks, cancels the job and exits with status 5 -------------
start "--port sim:// --firmware-dir '$work/fw' --preset slow"
wait_for "Preset slow " quit-busy-start
keys w
wait_for "Write all 3 regions" quit-busy-confirm && keys y
wait_for "[>] " quit-busy-running
keys q
wait_for "A job is running. Cancel it" quit-busy-asks && ok quit-busy-asks
keys y
i=0
while [ ! -s "$work/rc" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
if [ "$(cat "$work/rc" 2>/dev/null)" = 5 ] && screen | grep -qF "cancelled"; then
	ok quit-busy-status
else
	echo "FAIL quit-busy-status: status '$(cat "$work/rc" 2>/dev/null)' (want 5)"
	screen
	fail=1
fi

# -- a crash leaves a usable terminal ------------------------------------------------------
tmx kill-server 2>/dev/null
run=$((run + 1))
sock="espdeck-bench-$$-$run"
rm -f "$work/rc" "$work/stty"
tmx new-session -d -s b -x 80 -y 24 -c "$work" \
	"\"$ESPDECK\" --port sim:// --firmware-dir '$work/fw' --preset demo </dev/tty & echo \$! >'$work/pid'; wait \$!; echo \$? >'$work/rc'; stty -a >'$work/stty'; sleep 60"
wait_for "Preset demo " crash-start
kill -SEGV "$(cat "$work/pid")"
i=0
while [ ! -s "$work/stty" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
if [ "$(cat "$work/rc" 2>/dev/null)" = 139 ] && grep -q " icanon" "$work/stty" &&
	grep -q " echo " "$work/stty"; then
	ok crash-restores-terminal
else
	echo "FAIL crash-restores-terminal: status '$(cat "$work/rc" 2>/dev/null)', tty:"
	cat "$work/stty" 2>/dev/null
	fail=1
fi

# -- make OTA bins from an ELF (when the demo firmware was built) -------------------------
elf="${ESPDECK_BUILD_ROOT:-}/firmware/demo.elf"
if [ -f "$elf" ]; then
	mkdir -p "$work/ota"
	cp "$elf" "$work/fw/blank.bin" "$work/fw/demo-0x00000.bin" "$work/ota/"
	start "--port 'sim://?clock=virtual&fast' --firmware-dir '$work/ota' --preset demo"
	wait_for "user1.b~ missing" ota-missing && ok ota-missing
	keys o
	wait_for "ELF          $work/ota/demo.elf" ota-dialog && ok ota-dialog
	keys Enter
	wait_for "OTA: wrote $work/ota/user2.bin" ota-written && ok ota-written
	# Publishing is offered right away: a folder that does not exist is refused with
	# the reason, then a real one gets both files under their own names.
	wait_for "Publish user1.bin + user2.bin" publish-offered && ok publish-offered
	tmx send-keys -t b -l -- "$work/nowhere"
	keys Enter
	wait_for "nowhere" publish-bad-dir
	screen | grep -qF "does not" && ok publish-bad-dir ||
		{ echo "FAIL publish-bad-dir: no reason shown"; screen; fail=1; }
	mkdir -p "$work/www"
	keys C-u
	tmx send-keys -t b -l -- "$work/www"
	keys Enter
	wait_for "publish: user1.bin and user2.bin are on" publish-done && ok publish-done
	if cmp -s "$work/ota/user1.bin" "$work/www/user1.bin" &&
		cmp -s "$work/ota/user2.bin" "$work/www/user2.bin"; then
		ok publish-files
	else
		echo "FAIL publish-files: the published bins differ or are missing"
		fail=1
	fi
	wait_for "user1.b~ ok" ota-status && ok ota-status
	if cmp -s "$work/ota/user1.bin" "${ESPDECK_BUILD_ROOT}/firmware/user1.bin"; then
		ok ota-same-as-build
	else
		echo "FAIL ota-same-as-build: user1.bin differs from the build's"
		fail=1
	fi
	quit ota
else
	echo "skip ota: no demo.elf (cross compiler missing)"
fi

# -- a board written before is recognised by its MAC (journal in $work/state) -------------
# The board runs on the real clock ("fast" only drops the flash timing), so the bench sees
# the MAC while the job still runs, before the job adds its own journal line.
rm -rf "$work/state"
EXTRA_ENV=""
start "--port 'sim://?fast&flash=$work/hist.bin' --firmware-dir '$work/fw' --preset demo --log '$work/hist.log'"
wait_for "Preset demo " history-start
keys w
wait_for "Write all 5 regions of preset demo" history-confirm1
keys y
wait_for "written and verified" history-write1
keys Enter
wait_for "[idle]" history-idle1
keys w
wait_for "Write all 5 regions of preset demo" history-confirm2
keys y
wait_for "written and verified" history-write2
if grep -q "new board (not in the journal)" "$work/hist.log" &&
	grep -q "flashed before: 20.*, ok (1 time)" "$work/hist.log"; then
	ok history
else
	echo "FAIL history: the bench did not recognise the board on its second write"
	grep MAC "$work/hist.log"
	fail=1
fi
# --log lines carry the local time in ISO 8601 with milliseconds (issue 15, item 6)
if grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} info: ' "$work/hist.log" &&
	! grep -Evq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}[+-][0-9]{2}:[0-9]{2} ' "$work/hist.log"; then
	ok log-timestamps
else
	echo "FAIL log-timestamps: --log lines without an ISO 8601 time"
	head -3 "$work/hist.log"
	fail=1
fi
keys Enter
wait_for "[idle]" history-idle2
quit history

# -- no colours, 8 colours, and Ctrl-C ----------------------------------------------------
EXTRA_ENV="NO_COLOR=1"
start "--port 'sim://?clock=virtual&fast' --firmware-dir '$work/fw' --preset demo"
wait_for "Preset demo " no-color && ok no-color
quit no-color
EXTRA_ENV="ESPDECK_COLORS=8 TERM=xterm"
start "--port 'sim://?clock=virtual&fast' --firmware-dir '$work/fw' --preset demo"
wait_for "Preset demo " eight-colors && ok eight-colors
keys C-c
i=0
while [ ! -s "$work/rc" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
if [ "$(cat "$work/rc" 2>/dev/null)" = 0 ] && screen | grep -qF "espdeck: "; then
	ok ctrl-c
else
	echo "FAIL ctrl-c: status '$(cat "$work/rc" 2>/dev/null)'"
	screen
	fail=1
fi

exit $fail
