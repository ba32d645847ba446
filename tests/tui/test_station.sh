#!/bin/sh
# SPDX-License-Identifier: MIT
# The bench's station view (S, issue 14 item 4), in tmux at 80x24: a remote virtual board
# (espdeck-sim --tcp as socket://, the port given with --port) gets the preset, its row
# says passed and the journal records the slot; q stops the station, Esc goes back; S
# again finds the same board and skips it (same MAC, same files), saying so in its row.
# Every wait polls with a bound.
set -u
sock_prefix=espdeck-station
wait_limit=300
. "$(dirname "$0")/tmux_lib.sh"
: "${ESPDECK_SIM:?}"

mkdir -p "$work/fw" "$work/xdg/espdeck/layouts" "$work/state"
python3 -c "import sys; open(sys.argv[1], 'wb').write(bytes((i * 13 + 5) & 0xFF for i in range(6000)))" \
	"$work/fw/app.bin" || exit 1
printf '[preset]\nflash_size = 1MB\nerase = regions\n[region app]\noffset = 0x10000\nfile = app.bin\n' \
	>"$work/xdg/espdeck/layouts/line.ini"

"$ESPDECK_SIM" --tcp 127.0.0.1:0 --port-file "$work/tcp.port" --fast --quiet \
	--mac 5c:cf:7f:5a:00:01 --flash "$work/board.flash" --flash-size 1MB &
sim=$!
trap 'kill $sim 2>/dev/null; tmx kill-server 2>/dev/null; rm -rf "$work"' EXIT INT TERM
i=0
while [ ! -s "$work/tcp.port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
url="socket://127.0.0.1:$(cat "$work/tcp.port")"

tmx new-session -d -s b -x 80 -y 24 -c "$work" \
	"XDG_CONFIG_HOME='$work/xdg' XDG_STATE_HOME='$work/state' \"$ESPDECK\" --port '$url' --firmware-dir '$work/fw' --preset line; echo \$? >'$work/rc'; sleep 60"
wait_for "Preset line " start
keys '?'
wait_for "Help: the bench screen" help-open
keys NPage
wait_for "S  station: write the preset" help && ok help-names-S
keys Escape
keys S
wait_for "Station: line on every new board" view && ok station-view
# the board's own row says passed (the counter line "0 passed, ..." is there from the start)
i=0
until screen | grep -F "5c:cf:7f:5a:00:01" | grep -qF "passed" || [ $i -ge 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
screen | grep -F "5c:cf:7f:5a:00:01" | grep -qF "passed" && ok remote-board-passed && ok row-shows-mac ||
	{ echo "FAIL row-shows-mac"; screen; fail=1; }
python3 - "$work/board.flash" "$work/fw/app.bin" <<'PY' && ok flash-holds-file || fail=1
import sys
flash = open(sys.argv[1], "rb").read()
app = open(sys.argv[2], "rb").read()
if flash[0x10000:0x10000 + len(app)] != app:
    print("FAIL flash-holds-file: the board's flash differs at 0x10000")
    sys.exit(1)
PY
journal="$work/state/espdeck/journal.csv"
tail -n 1 "$journal" | grep -qF ",ok,0." && tail -n 1 "$journal" | grep -qF ",$url" &&
	ok journal-slot || { echo "FAIL journal-slot:"; cat "$journal"; fail=1; }
keys q
wait_for "stopped" stopped && ok q-stops
keys Escape
wait_for "Preset line " back && ok back-to-bench
keys S
wait_for "0 passed, 1 skipped" skip-counted && ok skip-counted && ok skipped-again
[ "$(grep -c ',ok,' "$journal")" = 1 ] && ok no-second-line ||
	{ echo "FAIL no-second-line"; cat "$journal"; fail=1; }
keys q
wait_for "stopped" stopped2
keys Escape
wait_for "Preset line " back2
keys q
i=0
while [ ! -s "$work/rc" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(cat "$work/rc" 2>/dev/null)" = 0 ] && ok quit ||
	{ echo "FAIL quit: status '$(cat "$work/rc" 2>/dev/null)'"; fail=1; }

# -- the command line's terminal renderer: one row per slot, redrawn in place -------------
tmx kill-server 2>/dev/null
sock="espdeck-station-$$-cli"
rm -f "$work/rc"
tmx new-session -d -s b -x 80 -y 24 -c "$work" \
	"XDG_CONFIG_HOME='$work/xdg' XDG_STATE_HOME='$work/state' \"$ESPDECK\" --firmware-dir '$work/fw' station line --no-local --rewrite --port '$url'; echo \$? >'$work/rc'; sleep 60"
wait_for "1 passed, 0 skipped, 0 failed, 0 running | q stop, r retry failed" cli-rows &&
	ok cli-rows
screen | grep -F "$url" | grep -qF "5c:cf:7f:5a:00:01 passed    written" && ok cli-row-result ||
	{ echo "FAIL cli-row-result"; screen; fail=1; }
keys q
wait_for "Station summary: 1 passed, 0 skipped (already written), 0 failed" cli-summary &&
	ok cli-summary
n=$(screen | grep -cF "5c:cf:7f:5a:00:01 passed")
[ "$n" = 1 ] && ok cli-row-once || { echo "FAIL cli-row-once: $n rows"; screen; fail=1; }
i=0
while [ ! -s "$work/rc" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(cat "$work/rc" 2>/dev/null)" = 0 ] && ok cli-exit ||
	{ echo "FAIL cli-exit: status '$(cat "$work/rc" 2>/dev/null)'"; fail=1; }
exit $fail
