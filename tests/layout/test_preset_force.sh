#!/bin/sh
# SPDX-License-Identifier: MIT
# A preset that refuses a vendor's bin built for another flash size (issue 15, item 3):
# without --force nothing is written and the error says how to override; with --force the
# refusal is a warning, the board gets the file, and the journal line records the
# override in its preset column.
set -u
: "${ESPDECK:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
export XDG_CONFIG_HOME="$work/xdg" XDG_STATE_HOME="$work/state"
mkdir -p "$work/fw"
fail=0

# The demo preset (32m-c1 = 4MB-c1, size_map 6) with a user1.bin whose v1 header says
# 2MB-c1 (size_map 5), as the SDK's user1.2048.new.5.bin does.
python3 - "$work/fw" <<'PY' || exit 1
import struct, sys
d = sys.argv[1]
open(d + "/demo-0x00000.bin", "wb").write(bytes((i * 7 + 1) & 0xFF for i in range(3000)))
open(d + "/blank.bin", "wb").write(b"\xff" * 4096)
data = bytes(range(16))
img = bytes([0xE9, 1, 0, 0x50]) + struct.pack("<III", 0x40100000, 0x40100000, 16) + data
cs = 0xEF
for b in data:
    cs ^= b
open(d + "/user1.bin", "wb").write(img + bytes(15) + bytes([cs]))
PY
port="sim://?clock=virtual&fast&flash=$work/board.bin"

# expect NAME STATUS PATTERN CMD...: exit status and a fixed string of the output.
expect() {
	name=$1 want=$2 pattern=$3
	shift 3
	"$@" >"$work/out" 2>&1
	got=$?
	if [ "$got" != "$want" ] || ! grep -qF -- "$pattern" "$work/out"; then
		echo "FAIL $name: status $got (want $want), looked for: $pattern"
		cat "$work/out"
		fail=1
	else
		echo "ok $name"
	fi
}

expect show-hint 0 "not ready to write: 1 problem above (write_layout --force writes it anyway)" \
	"$ESPDECK" layout show demo --firmware-dir "$work/fw"
expect refused 1 "user1.bin was built for flash size 2MB-c1 (size_map 5) but the preset is 32m-c1 (size_map 6)" \
	"$ESPDECK" --port "$port" write_layout demo --firmware-dir "$work/fw"
expect refused-says-force 1 "add --force to write it anyway" \
	"$ESPDECK" --port "$port" write_layout demo --firmware-dir "$work/fw"
if [ -e "$work/board.bin" ] || [ -e "$work/state/espdeck/journal.csv" ]; then
	echo "FAIL refused-nothing-written: the board was opened without --force"
	fail=1
else
	echo "ok refused-nothing-written"
fi
# Another problem beside the size (a missing required file) is not overridable.
mv "$work/fw/blank.bin" "$work/blank.bin"
expect force-other-error 1 "required file blank.bin is in none of the firmware folders" \
	"$ESPDECK" --port "$port" write_layout demo --firmware-dir "$work/fw" --force
[ -e "$work/board.bin" ] && { echo "FAIL force-other-error: the board was opened"; fail=1; }
mv "$work/blank.bin" "$work/fw/blank.bin"

expect forced 0 "espdeck: warning: writing anyway (--force): user1.bin built for 2MB-c1" \
	"$ESPDECK" --port "$port" write_layout demo --firmware-dir "$work/fw" --force
grep -qF "demo.ini:32: warning: region 'user1'" "$work/out" && echo "ok forced-warning" ||
	{ echo "FAIL forced-warning: the refusal is not shown as a warning"; cat "$work/out"; fail=1; }
python3 - "$work/board.bin" "$work/fw/user1.bin" <<'PY' && echo "ok forced-written" || fail=1
import sys
flash = open(sys.argv[1], "rb").read()
want = open(sys.argv[2], "rb").read()
if flash[0x1000:0x1000 + len(want)] != want:
    print("FAIL forced-written: user1.bin is not at 0x1000")
    sys.exit(1)
PY
if grep -qF ",demo (forced: user1.bin built for 2MB-c1),"  "$work/state/espdeck/journal.csv" &&
	grep -qF ",ok," "$work/state/espdeck/journal.csv"; then
	echo "ok forced-journal"
else
	echo "FAIL forced-journal: the override is not in the journal line"
	cat "$work/state/espdeck/journal.csv"
	fail=1
fi
exit $fail
