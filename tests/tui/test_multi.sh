#!/bin/sh
# SPDX-License-Identifier: MIT
# Several boards at once from the bench (issue 7), in tmux at 80x24: three virtual boards
# checked (two added with '+', one given with --port that disconnects mid-write), the
# preset written on all: two rows "verified, booted", one FAILED with its reason, the
# summary; the boot check's lines in the log; a second run recognises the boards by MAC
# from the journal; Esc cancels every board, c only the selected one. Every wait polls with a bound.
set -u
sock_prefix=espdeck-multi
wait_limit=300
. "$(dirname "$0")/tmux_lib.sh"

# A good v1 image at 0x0 (one IRAM segment, reference 7.2) so the ROM's boot log says
# "csum" good, and a payload at 0x10000.
mkdir -p "$work/fw" "$work/xdg/espdeck/layouts" "$work/state"
python3 - "$work/fw" <<'PY' || exit 1
import os, struct, sys
d = sys.argv[1]
data = bytes((i * 7 + 3) & 0xFF for i in range(1500))
body = bytes([0xE9, 1, 0, 0x20]) + struct.pack("<I", 0x40100004)
body += struct.pack("<II", 0x40100000, len(data)) + data
csum = 0xEF
for b in data:
    csum ^= b
body += b"\0" * (15 - len(body) % 16) + bytes([csum])
open(os.path.join(d, "boot.bin"), "wb").write(body)
open(os.path.join(d, "app.bin"), "wb").write(bytes((i * 13) & 0xFF for i in range(8192)))
PY
printf '[preset]\nflash_size = 1MB\nerase = none\nexpect = csum ok\nboot_time_ms = 500\n[region boot]\noffset = 0x0\nfile = boot.bin\n[region app]\noffset = 0x10000\nfile = app.bin\n' \
	>"$work/xdg/espdeck/layouts/tray.ini"

FAULTY="sim://?clock=virtual&fast&boot-log=1&fault=disconnect-after=3000"
# start [PORT [BAUD]]: the bench on PORT (default the faulty board) at BAUD (default
# 115200); '+' boards inherit its clock.
start() {
	port=${1:-$FAULTY}
	baud=${2:-115200}
	tmx kill-server 2>/dev/null
	run=$((run + 1))
	sock="espdeck-multi-$$-$run"
	rm -f "$work/rc"
	tmx new-session -d -s b -x 80 -y 24 -c "$work" \
		"XDG_CONFIG_HOME='$work/xdg' XDG_STATE_HOME='$work/state' \"$ESPDECK\" --port '$port' --baud $baud --firmware-dir '$work/fw' --preset tray --log '$work/log$run.txt'; echo \$? >'$work/rc'; sleep 60"
}
quit() {
	keys q
	i=0
	while [ ! -s "$work/rc" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	[ "$(cat "$work/rc" 2>/dev/null)" = 0 ] && ok "quit $1" ||
		{ echo "FAIL quit $1: status '$(cat "$work/rc" 2>/dev/null)'"; fail=1; }
}
# Two virtual boards added with '+' (checked when added), then the faulty one checked.
select_three() {
	wait_for "Preset tray " "$1-start"
	keys +
	wait_for "[x]virtual board 2" "$1-plus"
	keys +
	wait_for "[x]virtual board 3" "$1-plus2"
	keys k k k k Space
	wait_for "[x]virtual ?clock" "$1-checked"
	keys w
	wait_for "to 3 checked" "$1-confirm" && keys y
}

# -- three boards, one failing: the others finish verified and booted ---------------------
start
select_three first && ok three-selected
wait_for "2 passed, 1 failed, 0 cancelled of 3 boards" summary 600 && ok summary
n=$(screen | grep -c "verified, booted")
[ "$n" = 2 ] && ok two-verified-booted ||
	{ echo "FAIL two-verified-booted: $n rows"; screen; fail=1; }
screen | grep -F "virtual ?clock=" | grep -F "FAILED: " | grep -qvF "FAILED: written" &&
	ok failed-row-reason ||
	{ echo "FAIL failed-row-reason"; screen; fail=1; }
# The detail of a selected good board: its boot verdict with the deciding line.
keys j
wait_for "boot: booted" boot-verdict && ok boot-verdict
# the selected board's engine line: the stub and its baud rate (no rates: fast timing)
wait_for "stub at 115200 baud" multi-engine && ok multi-engine
grep -qF "virtual board 2: [boot] " "$work/log1.txt" && ok bootlog-lines ||
	{ echo "FAIL bootlog-lines: no boot-log line of virtual board 2 in the log"; fail=1; }
grep -qF "virtual board 2: ESP8266EX MAC 5c:cf:7f:b0:00:01, new board" "$work/log1.txt" &&
	ok first-run-new-board || { echo "FAIL first-run-new-board"; grep MAC "$work/log1.txt"; fail=1; }
keys Enter
wait_for "[idle]" back-to-bench && ok back-to-bench

# -- a second write in the same session knows the boards by their MAC ------------------------
# (the view of the new job comes up on y; "flashed before" exists only in it)
keys w
wait_for "to 3 checked" second-confirm && keys y
keys j
wait_for "flashed before: 20" mac-recognised 600 && ok mac-recognised
wait_for "2 passed, 1 failed" second-summary 600
grep -qF "virtual board 3: ESP8266EX MAC 5c:cf:7f:b0:00:02, flashed before: " \
	"$work/log1.txt" && ok mac-recognised-log || { echo "FAIL mac-recognised-log"; fail=1; }
keys Enter
quit second

# -- Esc cancels every board ----------------------------------------------------------------
# Real-time boards (a bench started without clock=virtual): connecting, writing and
# verifying 11 KiB at 921600 and the boot check leave seconds to cancel in.
REALTIME="sim://?boot-log=1"
start "$REALTIME" 921600
wait_for "Preset tray " cancel-start
keys + + w
wait_for "to 2 checked" cancel-confirm && keys y
wait_for "virtual board 3" cancel-rows
keys Escape
wait_for "0 passed, 0 failed, 2 cancelled of 2 boards" cancel-all 400 && ok cancel-all
keys Enter
wait_for "[idle]" cancel-back

# -- c cancels only the selected board; the other one finishes (same session) -------------
keys w
wait_for "to 2 checked" cancel-one-confirm && keys y
keys c
wait_for "1 passed, 0 failed, 1 cancelled of 2 boards" cancel-one 400 && ok cancel-one
screen | grep -F "virtual board 2" | grep -qF "cancelled" && ok cancel-one-row ||
	{ echo "FAIL cancel-one-row: the first board's row does not say cancelled"; screen; fail=1; }
keys Enter
quit cancel-one

exit $fail
