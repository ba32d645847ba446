#!/bin/sh
# SPDX-License-Identifier: MIT
# `espdeck hexview --dump` against expected files (tests/dump/expected), and the errors a
# user meets on bad input: exact text, exit status, nothing on stdout.
set -u
: "${ESPDECK:?}" "${ESPDECK_SOURCE_ROOT:?}"
here=$ESPDECK_SOURCE_ROOT/tests/dump
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
python3 "$here/make_inputs.py" "$work" || exit 1
# presets come from the source tree only, not from the user running the tests
XDG_CONFIG_HOME=$work/xdg
export XDG_CONFIG_HOME
fail=0

# check NAME EXPECTED_STATUS ARGS...: stdout of espdeck ARGS must equal expected/NAME.txt
check() {
	name=$1 want=$2
	shift 2
	(cd "$work" && "$ESPDECK" "$@") >"$work/out" 2>"$work/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL $name: exit $got, expected $want"; cat "$work/err"; fail=1
	fi
	if ! diff -u "$here/expected/$name.txt" "$work/out"; then
		echo "FAIL $name: output differs (above)"; fail=1
	fi
}

# bad NAME EXPECTED_STATUS EXPECTED_STDERR_LINE ARGS...
bad() {
	name=$1 want=$2 msg=$3
	shift 3
	(cd "$work" && "$ESPDECK" hexview "$@") >"$work/out" 2>"$work/err"
	got=$?
	if [ "$got" -ne "$want" ] || [ -s "$work/out" ] ||
		[ "$(head -n 1 "$work/err")" != "$msg" ]; then
		echo "FAIL $name: exit $got (expected $want), stderr:"; cat "$work/err"
		echo "expected: $msg"; fail=1
	fi
}

check seed 0 hexview --dump flash-3fe.bin
check app 0 hexview --dump app-0x01000.bin
check app-w8-offsets 0 hexview --dump --width 8 --offsets app-0x01000.bin
check app-w32-base 0 hexview --dump --width=32 --base 0x200000 app-0x01000.bin
check compare 4 hexview --dump app-0x01000.bin --compare app-0x01000-b.bin
check compare-same 0 hexview --dump flash-3fe.bin --compare flash-3fe.bin
check structure-app 0 hexview --structure app-0x01000.bin
check structure-seed 0 --preset 32m-c1 hexview --structure flash-3fe.bin

: >"$work/empty.bin"
bad missing 1 "espdeck hexview: cannot open nothere.bin: No such file or directory" \
	--dump nothere.bin
bad empty 1 "espdeck hexview: empty.bin is empty (0 bytes): nothing to show; did read_flash fail?" \
	--dump empty.bin
bad directory 1 "espdeck hexview: . is not a regular file (a dump is a file made by read_flash)" \
	--dump .
bad width 2 "espdeck hexview: --width '12' must be 8, 16 or 32" --dump --width 12 flash-3fe.bin
bad base 2 "espdeck hexview: --base 'zz' is not an address (for example 0x3fe000)" \
	--dump --base zz flash-3fe.bin
# addresses are 32-bit: a base whose dump would run past 0xffffffff is refused, not wrapped
bad base-wraps 1 "espdeck hexview: base 0xffffffff + 2048 bytes runs past address 0xffffffff (the addresses would wrap to 0): use a base of at most 0xfffff800; flash addresses end at 0x1000000" \
	--dump --base 0xFFFFFFFF flash-3fe.bin
bad base-wraps-compare 1 "espdeck hexview: base 0xfffff900 + 2048 bytes runs past address 0xffffffff (the addresses would wrap to 0): use a base of at most 0xfffff800; flash addresses end at 0x1000000" \
	--dump --base 0xfffff900 flash-3fe.bin --compare flash-3fe.bin
bad base-wraps-structure 1 "espdeck hexview: base 0xffffffff + 2048 bytes runs past address 0xffffffff (the addresses would wrap to 0): use a base of at most 0xfffff800; flash addresses end at 0x1000000" \
	--structure --base 0xffffffff flash-3fe.bin
bad nofile 2 "espdeck hexview: no FILE given" --dump
bad option 2 "espdeck hexview: unknown option '--bogus'" --bogus flash-3fe.bin
bad two-files 2 "espdeck hexview: unexpected argument 'b.bin' (one FILE; use --compare FILE2)" \
	a.bin b.bin
bad no-tty 2 "espdeck hexview: not a terminal; use --dump for a text rendering" flash-3fe.bin
bad compare-missing 1 "espdeck hexview: cannot open gone.bin: No such file or directory" \
	--dump flash-3fe.bin --compare gone.bin

# the seed's workflow on a virtual board: write init data, dump three sectors with a
# short name (flash-3fc.bin = sector 0x3FC), inspect the dump
python3 -c "
d = bytearray(128); d[0] = 5; d[48] = 1; d[114] = 1
open('$work/init.bin', 'wb').write(d)"
board="sim://?clock=virtual&fast=1&flash=board.bin"
if (cd "$work" && "$ESPDECK" --port "$board" write_flash 0x3fc000 init.bin &&
	"$ESPDECK" --port "$board" read_flash 0x3fc000 0x3000 flash-3fc.bin) >"$work/log" 2>&1; then
	check board-dump 0 hexview --dump flash-3fc.bin
	check board-structure 0 hexview --structure flash-3fc.bin
else
	echo "FAIL board: write_flash/read_flash on $board failed:"; cat "$work/log"; fail=1
fi

# an unknown preset: the message names it and where presets were looked for
(cd "$work" && "$ESPDECK" --preset nope hexview --structure flash-3fe.bin) >"$work/out" 2>"$work/err"
got=$?
case "$(cat "$work/err")" in
"espdeck hexview: no preset named 'nope' (searched "*"); 'espdeck layouts' lists them") ;;
*) echo "FAIL preset: stderr: $(cat "$work/err")"; fail=1 ;;
esac
[ $got -eq 1 ] && [ ! -s "$work/out" ] || { echo "FAIL preset: exit $got or output"; fail=1; }

[ $fail -eq 0 ] && echo "all hexview --dump checks passed"
exit $fail
