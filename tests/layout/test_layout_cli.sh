#!/bin/sh
# SPDX-License-Identifier: MIT
# The layout commands as a user runs them: `layouts`, `layout show`, `write_layout`
# (plan, refusal of a broken or incomplete preset with file:line, a real write to the
# virtual board whose flash file is then checked byte for byte).
set -u
: "${ESPDECK:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
export XDG_CONFIG_HOME="$work/xdg"
mkdir -p "$XDG_CONFIG_HOME/espdeck/layouts" "$work/fw"
fail=0

# expect NAME STATUS PATTERN CMD...: runs CMD, checks its exit status and that its
# output (stdout and stderr) holds the fixed string PATTERN.
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

expect list 0 "32m-c1         4 MiB, OTA 1024+1024 (4MB-c1, SDK size_map 6): the seed layout" \
	"$ESPDECK" layouts
expect list-demo 0 "demo           demo: the seed's 32m-c1 layout" "$ESPDECK" layouts
expect list-args 2 "layouts takes no arguments" "$ESPDECK" layouts extra

expect show-seed 0 "1 init_data   0x3fc000    4.0 KiB  esp_init_data_default.bin  missing" \
	"$ESPDECK" layout show 32m-c1 --firmware-dir "$work/fw"
expect show-map 0 "|03333333333333334444444444444444..............................12|" \
	"$ESPDECK" layout show 32m-c1 --firmware-dir "$work/fw"
expect show-missing 0 "32m-c1.ini:31: error: region 'user1': required file user1.bin is in none of the firmware folders (looked in $work/fw, " \
	"$ESPDECK" layout show 32m-c1 --firmware-dir "$work/fw"
expect show-unknown 1 "no preset named 'nosuch'" "$ESPDECK" layout show nosuch
expect show-usage 2 "usage: espdeck layout show NAME" "$ESPDECK" layout list

# A user preset wins over the system one of the same name.
printf '[preset]\ndescription = mine\nflash_size = 1MB\n[region app]\noffset = 0\nfile = app.bin\n' \
	>"$XDG_CONFIG_HOME/espdeck/layouts/demo.ini"
expect user-wins 0 "demo           mine (user)" "$ESPDECK" layouts
rm "$XDG_CONFIG_HOME/espdeck/layouts/demo.ini"

# A broken preset is refused with every error and its line.
printf '[preset]\nflash_size = 4MB\n[region a]\noffset = 0x1234\nfile = a.bin\ncolour = red\n' \
	>"$XDG_CONFIG_HOME/espdeck/layouts/broken.ini"
expect broken-show 1 "broken.ini:4: error: region 'a': offset 0x1234 is not a multiple of 0x1000" \
	"$ESPDECK" layout show broken
expect broken-write 1 "broken.ini:6: error: unknown key 'colour' in [region a]" \
	"$ESPDECK" --port sim:// write_layout broken
expect broken-list 0 "broken         BROKEN: run 'espdeck layout show broken'" "$ESPDECK" layouts

# Files for the demo preset; then an incomplete folder is refused before any board I/O.
python3 - "$work/fw" <<'PY' || exit 1
import os, sys
d = sys.argv[1]
for name, data in (("demo-0x00000.bin", bytes((i * 7 + 1) & 0xFF for i in range(3000))),
                   ("user1.bin", bytes((i * 13 + 5) & 0xFF for i in range(20000))),
                   ("blank.bin", b"\xff" * 4096)):
    open(os.path.join(d, name), "wb").write(data)
PY
mkdir "$work/empty"
expect incomplete 1 "nothing was written: preset demo is not ready" \
	"$ESPDECK" --port "sim://?clock=virtual&fast&flash=$work/none.bin" write_layout demo \
	--firmware-dir "$work/empty"
[ -e "$work/none.bin" ] && { echo "FAIL incomplete: the board was touched"; fail=1; }
expect too-big 1 "region 'boot': $work/big/demo-0x00000.bin is 4097 bytes but the region holds at most 4096" \
	sh -c "mkdir -p '$work/big' && cp '$work/fw/'* '$work/big/' && head -c 4097 /dev/zero >'$work/big/demo-0x00000.bin' && '$ESPDECK' --port sim:// write_layout demo --firmware-dir '$work/big'"

expect plan 0 "  skip user2 ($work/fw/user2.bin absent, optional)" \
	"$ESPDECK" write_layout demo --firmware-dir "$work/fw" --dry-run
expect plan-erase 0 "  erase the whole chip" \
	"$ESPDECK" write_layout demo --firmware-dir "$work/fw" --dry-run
expect no-port 2 "espdeck write_layout: no port given and none found" \
	"$ESPDECK" write_layout demo --firmware-dir "$work/fw"

# The real thing on the virtual board, then the flash file checked. The board's flash
# starts as zeros, so the chip erase shows.
head -c 4194304 /dev/zero >"$work/flash.bin"
expect write 0 "preset demo written and verified to sim://" \
	"$ESPDECK" --port "sim://?clock=virtual&fast&flash=$work/flash.bin" \
	write_layout demo --firmware-dir "$work/fw"
python3 - "$work/flash.bin" "$work/fw" <<'PY' && echo "ok flash-content" || fail=1
import sys
flash = open(sys.argv[1], "rb").read()
fw = sys.argv[2]
checks = [(0x0, open(f"{fw}/demo-0x00000.bin", "rb").read()),
          (0x1000, open(f"{fw}/user1.bin", "rb").read()),
          (0x3FB000, b"\xff" * 4096), (0x3FE000, b"\xff" * 4096)]
for off, data in checks:
    if flash[off:off + len(data)] != data:
        print(f"FAIL flash-content at {off:#x}")
        sys.exit(1)
# erase = chip: what was there before is gone (the optional user2 slot is erased).
if flash[0x101000:0x102000] != b"\xff" * 4096:
    print("FAIL flash-content: the user2 slot was not erased")
    sys.exit(1)
PY
exit $fail
