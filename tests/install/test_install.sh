#!/bin/sh
# SPDX-License-Identifier: MIT
# An installed espdeck works away from the source tree (issue 15 item 4): `meson install
# --destdir` into a temporary folder, then the installed binary, run from another folder
# with no --firmware-dir, lists the installed presets, finds the installed demo firmware
# and blank.bin, and writes the demo preset to a virtual board byte for byte.
set -u
: "${ESPDECK_BUILD_ROOT:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
fail=0
if [ ! -f "$ESPDECK_BUILD_ROOT/firmware/demo-0x00000.bin" ]; then
	echo "SKIP: no demo firmware in the build (xtensa-lx106-elf-gcc missing)"
	exit 77
fi
if ! meson install -C "$ESPDECK_BUILD_ROOT" --no-rebuild --quiet --destdir "$work/root" \
	>"$work/install.log" 2>&1; then
	echo "FAIL: meson install"
	cat "$work/install.log"
	exit 1
fi
bin=$(find "$work/root" -type f -name espdeck -perm -u+x | head -1)
fwdir=$(find "$work/root" -type d -path '*/espdeck/firmware' | head -1)
if [ -z "$bin" ] || [ -z "$fwdir" ]; then
	echo "FAIL: installed espdeck ($bin) or its firmware folder ($fwdir) not found"
	find "$work/root" | head -50
	exit 1
fi
for f in blank.bin demo-0x00000.bin demo-0x10000.bin user1.bin user2.bin demo.elf; do
	if ! cmp -s "$fwdir/$f" "$ESPDECK_BUILD_ROOT/firmware/$f"; then
		echo "FAIL installed-$f: $fwdir/$f missing or not the build's"
		fail=1
	fi
done

# expect NAME STATUS PATTERN CMD...: runs CMD in $work/elsewhere, checks its exit status
# and that its output holds the fixed string PATTERN.
mkdir -p "$work/elsewhere"
expect() {
	name=$1 want=$2 pattern=$3
	shift 3
	(cd "$work/elsewhere" && env XDG_CONFIG_HOME="$work/xdg" XDG_DATA_HOME="$work/data" \
		XDG_STATE_HOME="$work/state" "$@") >"$work/out" 2>&1
	got=$?
	if [ "$got" != "$want" ] || ! grep -qF -- "$pattern" "$work/out"; then
		echo "FAIL $name: status $got (want $want), looked for: $pattern"
		cat "$work/out"
		fail=1
	else
		echo "ok $name"
	fi
}

expect layouts 0 "demo           demo: the seed's 32m-c1 layout" "$bin" layouts
expect search-path 0 "firmware search path: $work/data/espdeck/firmware $fwdir" "$bin" config
expect show-demo 0 "files: from the first of $work/data/espdeck/firmware/ $fwdir/" \
	"$bin" layout show demo
img="$work/flash.bin"
expect write-demo 0 "" "$bin" --port "sim://?fast&clock=virtual&flash=$img" write_layout demo
python3 - "$img" "$fwdir" <<'PY' || fail=1
import sys
flash = open(sys.argv[1], "rb").read()
fw = sys.argv[2]
ok = True
for off, name in [(0x1000, "user1.bin"), (0x101000, "user2.bin"), (0x3FE000, "blank.bin")]:
    data = open(f"{fw}/{name}", "rb").read()
    if flash[off:off + len(data)] != data:
        print(f"FAIL flash-{name}: not at 0x{off:x} in the board's flash")
        ok = False
    else:
        print(f"ok flash-{name}")
sys.exit(0 if ok else 1)
PY
# A missing file names every folder looked in.
mkdir -p "$work/data/espdeck/firmware"
printf '[preset]\nflash_size = 1MB\n[region a]\noffset = 0\nfile = nowhere.bin\n' >"$work/p.ini"
expect missing 1 "(looked in $work/data/espdeck/firmware, $fwdir)" \
	"$bin" --port sim:// write_layout "$work/p.ini"
exit $fail
