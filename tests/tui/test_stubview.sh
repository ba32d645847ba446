#!/bin/sh
# SPDX-License-Identifier: MIT
# The bench on the flasher stub (issue 13, items 2 and 9), in a real terminal (tmux, 80x24)
# against a virtual board behind a bridge that cannot do 921600 (max-baud=460800), on the
# virtual clock with the realistic timing model: the job view shows the stub's upload and
# baud stages, the MD5 the board reported for every file, the data and wire rates; the
# baud setting then marks the rate that failed and, after a good run, the one that worked;
# the journal line holds the board's MD5 of each file.
set -u
sock_prefix=espdeck-stubview
. "$(dirname "$0")/tmux_lib.sh"

mkdir -p "$work/fw" "$work/xdg"
python3 - "$work/fw" <<'PY' || exit 1
import os, sys
d = sys.argv[1]
def put(name, data):
    open(os.path.join(d, name), "wb").write(data)
put("demo-0x00000.bin", bytes((i * 7 + 1) & 0xFF for i in range(3000)))
put("user1.bin", bytes((i * 13 + 5) & 0xFF for i in range(100000)))
put("user2.bin", bytes((i * 3 + 9) & 0xFF for i in range(1000)))
put("blank.bin", b"\xff" * 4096)
PY
user1_md5=$(python3 -c 'import hashlib,sys; print(hashlib.md5(open(sys.argv[1],"rb").read()).hexdigest())' "$work/fw/user1.bin")
port="sim://?clock=virtual&max-baud=460800&flash=$work/flash.bin"

start() {
	tmx kill-server 2>/dev/null
	run=$((run + 1))
	sock="$sock_prefix-$$-$run"
	rm -f "$work/rc"
	tmx new-session -d -s b -x 80 -y 24 -c "$work" \
		"XDG_CONFIG_HOME='$work/xdg' XDG_STATE_HOME='$work/state' \"$ESPDECK\" $*; echo \$? >'$work/rc'; sleep 60"
}

# wait_log TEXT NAME: bounded polling of the bench's --log file (lines whole, not wrapped)
wait_log() {
	i=0
	while [ $i -lt 200 ]; do
		grep -qF -- "$1" "$work/bench.log" 2>/dev/null && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "FAIL $2: '$1' not in the bench log:"
	cat "$work/bench.log"
	fail=1
	return 1
}

# write NAME: w, y, wait for the verified write, keep the screen in $work/NAME.txt
write() {
	keys w
	wait_for "Write all 5 regions of preset demo" "$1-confirm" && keys y
	wait_for "written and verified" "$1-done" 600 || return 1
	screen >"$work/$1.txt"
}

start "--port '$port' --baud 921600 --firmware-dir '$work/fw' --preset demo --log '$work/bench.log'"
wait_for "Preset demo " start && ok start
screen | grep -qF "baud   921600 " && ! screen | grep -qF "921600 FAIL" && ok no-memory-yet ||
	{ echo "FAIL no-memory-yet: a note before any job"; screen; fail=1; }

write first && ok first-write
# the stages of a stub job, and the board's MD5 for user1.bin
grep -qF "connect > upload stub > baud > erase > write > verify > reset" "$work/first.txt" &&
	ok stages || { echo "FAIL stages:"; cat "$work/first.txt"; fail=1; }
grep -qF "user1.bin @0x001000 MD5 $user1_md5" "$work/first.txt" && ok board-md5 ||
	{ echo "FAIL board-md5: no 'MD5 $user1_md5' for user1.bin"; cat "$work/first.txt"; fail=1; }
# 921600 got no answer: the job carried on at 115200; data and wire rates are shown
grep -qE "stub at 115200 baud \| [0-9.]+ (K|M)?i?B/s data, [0-9.]+ (K|M)?i?B/s zlib on the wire" \
	"$work/first.txt" && ok rates || { echo "FAIL rates:"; cat "$work/first.txt"; fail=1; }
keys Enter
wait_for "[idle]" first-idle
# the bridge's memory: 921600 failed here (short form at 80 columns)
wait_for "baud   921600 FAIL" baud-failed-marked && ok baud-failed-marked

# the log of the job has the per-file line with both rates and the board's MD5
wait_log "user1.bin @0x001000: 100000 bytes in" file-line &&
	grep "user1.bin @0x001000: 100000 bytes in" "$work/bench.log" |
	grep -qE "B/s of zlib data on the wire\); MD5 on the board $user1_md5" && ok file-line ||
	{ echo "FAIL file-line:"; grep "user1.bin @0x001000" "$work/bench.log"; fail=1; }

# choose 460800 (Settings pane: baud is its first row), write again: it works
keys Tab Tab Tab Left
wait_for "baud   460800" baud-460800 && ok baud-460800
write second && ok second-write
grep -qF "stub at 460800 baud |" "$work/second.txt" && ok second-rate ||
	{ echo "FAIL second-rate:"; cat "$work/second.txt"; fail=1; }
keys Enter
wait_for "[idle]" second-idle
wait_for "baud   460800 ok" baud-worked-marked && ok baud-worked-marked
# stepping onto the failed rate warns in the log, the good one says it worked
keys Right
wait_log "baud 921600: 921600 failed on this bridge last time; a job still tries it" warn-on-failed &&
	ok warn-on-failed
keys Left
wait_log "baud 460800 (worked here last time)" worked-note && ok worked-note
# a wide terminal has room for the whole note
tmx resize-window -t b -x 160 -y 40
wait_for "460800 (worked here last time)" wide-note && ok wide-note
tmx resize-window -t b -x 80 -y 24
wait_for "Preset demo " back-to-80
keys q
i=0
while [ ! -s "$work/rc" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done

# the journal: per file the file's MD5 and the one the board reported
if grep -qF "user1.bin=$user1_md5/board:$user1_md5" "$work/state/espdeck/journal.csv"; then
	ok journal-board-md5
else
	echo "FAIL journal-board-md5:"
	cat "$work/state/espdeck/journal.csv"
	fail=1
fi
# the memory file itself: one line for this bridge, 460800 worked, 921600 failed
if grep -qF "$(printf 'port:%s\t460800\t921600' "$port")" "$work/state/espdeck/bauds"; then
	ok baud-file
else
	echo "FAIL baud-file:"
	cat "$work/state/espdeck/bauds"
	fail=1
fi
exit $fail
