#!/bin/sh
# SPDX-License-Identifier: MIT
# The interactive dump inspector in a real terminal (tmux, 80x24): keys in, screen text
# out, with bounded polling instead of fixed sleeps.
set -u
: "${ESPDECK:?}" "${ESPDECK_SOURCE_ROOT:?}"
command -v tmux >/dev/null || { echo "tmux not installed"; exit 77; }
work=$(mktemp -d)
run=0
sock="espdeck-hexview-$$-$run"
tmx() { tmux -L "$sock" -f /dev/null "$@"; }
# every server this run started goes, also when the run is cut short (a closed pipe)
cleanup() {
	i=1
	while [ $i -le $run ]; do
		tmux -L "espdeck-hexview-$$-$i" kill-server 2>/dev/null
		rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/espdeck-hexview-$$-$i"
		i=$((i + 1))
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
python3 "$ESPDECK_SOURCE_ROOT/tests/dump/make_inputs.py" "$work" || exit 1
# 5 sectors at 0x3FB000: data, two erased, data, erased
python3 - "$work/flash-3fb000.bin" <<'PY' || exit 1
import sys
d = bytearray(b"\xff" * 0x5000)
d[0x10:0x14] = b"\x01\x02\x03\x04"
d[0x3000:0x3080] = bytes([5, 8] + [0] * 126)
open(sys.argv[1], "wb").write(d)
PY
fail=0
screen() { tmx capture-pane -p -t hv 2>/dev/null; }

# wait_for TEXT [STEP]: polls the screen for a fixed string for up to 5 s.
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		if screen | grep -qF -- "$1"; then return 0; fi
		sleep 0.05
		i=$((i + 1))
	done
	echo "FAIL ${2:-}: '$1' never appeared; screen:"
	screen
	fail=1
	return 1
}

# start ARGS...: runs espdeck hexview ARGS in a fresh session (cwd = work), 80x24 unless
# cols/lines say otherwise.
cols=80 lines=24
start() {
	tmx kill-server 2>/dev/null
	run=$((run + 1))
	sock="espdeck-hexview-$$-$run" # a fresh server: no race with the one just killed
	rm -f "$work/rc"
	tmx new-session -d -s hv -x "$cols" -y "$lines" -c "$work" \
		"\"$ESPDECK\" hexview $*; echo \$? >\"$work/rc\"; sleep 60"
}

# keys KEY...: tmux key names (Enter, Down, q); type TEXT: literal text (tmux would read
# "0x1100" as a key code and "-16" as an option).
keys() { tmx send-keys -t hv -- "$@"; }
type() { tmx send-keys -t hv -l -- "$1"; }

# quit: q must end the viewer with exit status 0.
quit() {
	keys q
	i=0
	while [ ! -s "$work/rc" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	if [ "$(cat "$work/rc" 2>/dev/null)" != 0 ]; then
		echo "FAIL quit ($1): exit status '$(cat "$work/rc" 2>/dev/null)'"
		fail=1
	fi
}

# -- rows, collapsed runs, go-to, search ----------------------------------------------
start app-0x01000.bin
wait_for "00001000: e9 01 00 60 38 04 10 40" open
wait_for "at 0x1000 (from the file name)" base-from-name
wait_for "00001090: -- erased: 2.9 KiB (2928 bytes of 0xFF) to 00001bff --" collapsed
wait_for " 0x001000  offset 0x0  irom0 0x40201000  byte e9" status
keys g; type 1c2a; keys Enter
wait_for " 0x001c2a  offset 0xc2a  irom0 0x40201c2a  byte 41" goto
keys g; type zz; keys Enter
wait_for "'zz' is not an address (try 0x3fe010, 4096, 3fe010, +0x100, -16)" goto-error
keys g; type -0x2a; keys Enter
wait_for " 0x001c00  offset 0xc00" goto-relative
keys /; type '"bin'; keys Enter
wait_for '"bin": match 1 of 2 (search wrapped)' search-text
wait_for " 0x001075  offset 0x75" search-text-pos
keys n
wait_for '"bin": match 2 of 2' search-next
keys N
wait_for '"bin": match 1 of 2' search-prev
keys /; type 'e9 ?? 00 60'; keys Enter
wait_for "e9 ?? 00 60: match 1 of 1" search-wildcard
keys /; type 'e9 0'; keys Enter
wait_for "'e9 0' is not a hex byte string" search-error
# expand the erased run and collapse it again
keys g; type 0x1100; keys Enter
wait_for " 0x001100  offset 0x100" goto-into-run
wait_for "00001100: ff ff ff ff" goto-expands-run
keys Enter
wait_for "00001090: -- erased: 2.9 KiB" collapsed-again
keys Enter
wait_for "00001100: ff ff ff ff" expanded-again
# export a selection of 4 bytes
keys Home v Right Right Right x; type sel.bin; keys Enter
wait_for "wrote 4 bytes (0x1000-0x1003) to sel.bin" export
if [ "$(od -An -tx1 "$work/sel.bin" | tr -d ' \n')" != "e9010060" ]; then
	echo "FAIL export: sel.bin holds $(od -An -tx1 "$work/sel.bin")"
	fail=1
fi
# the key help, closed by any key
keys h
wait_for "hexview keys" help
keys x
wait_for "00001000: e9 01 00 60" help-closed
# file offsets instead of flash addresses
keys o
wait_for "00000000: e9 01 00 60" offsets
quit rows

# -- structure pane, data sectors, sector map (120 columns: rows of 16 beside the pane) --
cols=120
start flash-3fb000.bin
wait_for "003fb000: ff ff ff ff ff ff ff ff" open-sectors
keys ']'
wait_for " 0x3fe000  offset 0x3000" next-data-sector
keys ']'
wait_for "no data sector after this one" no-next-sector
keys '['
wait_for " 0x3fb000  offset 0x0" prev-data-sector
keys s
wait_for "Structure (Tab focus, Enter jump)" pane
wait_for "3fc000 esp_init_data at 0x3fc000" pane-init-data
keys Down Down Down Enter
wait_for " 0x3fd000  offset 0x2000" pane-jump
wait_for "sector 0x3fd erased  in: system parameters 1/3 at 0x3fd000" status-in
wait_for "003fd000: ff ff ff ff ff ff ff ff  ff ff ff ff ff ff ff ff  ................" pane-rows-of-16
keys Tab Home m
wait_for "sector map: 5 sectors of 4 KiB, 3 erased (.), 2 data (#)" map
wait_for "003fb000 #..#." map-cells
keys Right Right Right Enter
wait_for " 0x3fe000  offset 0x3000" map-open
quit pane
cols=80

# -- compare mode -------------------------------------------------------------------
start app-0x01000.bin --compare app-0x01000-b.bin
wait_for "5 differing bytes in 1 sector (d / D: next / previous)" compare
keys d
wait_for " 0x001020  offset 0x20" diff-1
wait_for "       2: 00 ff ff ff" diff-row
keys d
wait_for " 0x001c10  offset 0xc10" diff-2
keys d
wait_for "no difference after the cursor" diff-end
keys D
wait_for " 0x001020  offset 0x20" diff-prev
quit compare

# -- a dump that changes while it is shown ---------------------------------------------
cp "$work/app-0x01000.bin" "$work/flash-1000.bin"
start flash-1000.bin
wait_for "00001000: e9 01 00 60" open-changing
: >"$work/flash-1000.bin"
keys Down
wait_for "changed on disk while viewed (3117 bytes, now 0); reopen it" changed
quit changed

# -- a narrow terminal: rows of 8 bytes --------------------------------------------------
cols=60 lines=12
start app-0x01000.bin
wait_for "00001008: 00 00 10 40 04 00 00 00  ...@...." narrow
quit narrow
cols=80 lines=24

# -- errors before the screen starts ---------------------------------------------------
start nothere.bin
i=0
while [ ! -s "$work/rc" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
wait_for "espdeck hexview: cannot open nothere.bin: No such file or directory" missing
[ "$(cat "$work/rc")" = 1 ] || { echo "FAIL missing: exit $(cat "$work/rc")"; fail=1; }

[ $fail -eq 0 ] && echo "all hexview screen checks passed"
exit $fail
