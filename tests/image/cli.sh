#!/bin/sh
# SPDX-License-Identifier: MIT
# The image commands as a user runs them: output names, esptool's option spellings,
# image_info's verdicts, and the exact errors (and exit codes) on bad input.
# usage: cli.sh [testapp-ota.elf testapp-flat.elf]   (ELF-based checks skip without them)
set -u
E=${ESPDECK:?ESPDECK must name the built espdeck}
# meson passes build-relative paths: make them absolute before leaving for the work dir
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
[ $# -ge 2 ] && set -- "$(abs "$1")" "$(abs "$2")"
W=$(mktemp -d "${TMPDIR:-/tmp}/espdeck-image-cli.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
fails=0
checks=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# expect CODE TEXTS CMD...: runs CMD once, wants exit CODE and each of the |-separated
# TEXTS in its stdout+stderr (one run per command: sanitizer builds start slowly)
expect() {
	code=$1
	texts=$2
	shift 2
	checks=$((checks + 1))
	out=$("$@" 2>&1)
	rc=$?
	[ "$rc" -eq "$code" ] || fail "$* exited $rc, want $code; output: $out"
	while [ -n "$texts" ]; do
		text=${texts%%|*}
		[ "$text" = "$texts" ] && texts="" || texts=${texts#*|}
		case $out in
		*"$text"*) ;;
		*) fail "$* printed '$out', want it to contain '$text'" ;;
		esac
	done
}

exists() {
	checks=$((checks + 1))
	[ -f "$1" ] || fail "$1 was not written"
}

absent() {
	checks=$((checks + 1))
	for f in "$@"; do
		[ -e "$f" ] && fail "$f exists after a failed command"
	done
	return 0
}

same() {
	checks=$((checks + 1))
	cmp -s "$1" "$2" || fail "$1 and $2 differ"
}

# --- bad input that needs no cross compiler ---
echo "just some text, not an ELF" >notelf
expect 1 "not an ELF file" "$E" elf2image notelf
absent notelf-0x00000.bin
expect 1 "not an ELF file" "$E" make_ota notelf --app 1 -o u.bin
absent u.bin
expect 1 "cannot open missing.elf" "$E" elf2image missing.elf
expect 2 "no ELF file given" "$E" elf2image
expect 2 "unknown option '--bogus'" "$E" elf2image --bogus notelf
expect 2 "unknown flash size '33m'" "$E" elf2image -fs 33m notelf
expect 2 "unknown flash mode 'fast'" "$E" elf2image --flash-mode fast notelf
expect 2 "unknown flash frequency '41m'" "$E" elf2image --flash_freq=41m notelf
expect 2 "--version 4 is not supported: use 1 (ROM image, the default), 2 (OTA image for the SDK boot loader) or 3 (RTOS SDK v3)" "$E" elf2image --version 4 notelf
expect 2 "flash size '4MB-c1' is not one of the version 3 image's sizes" "$E" elf2image --version 3 -fs 4MB-c1 notelf
expect 1 "notelf: not an ELF file" "$E" elf2image --version 3 notelf
expect 2 "--app 1 or --app 2 is required" "$E" make_ota notelf -o u.bin
expect 2 "--app '3' must be 1..2" "$E" make_ota notelf --app 3 -o u.bin
expect 2 "--boot-mode '7' must be 0..2" "$E" make_ota notelf --app 1 --boot-mode 7 -o u.bin
expect 2 "-o FILE is required" "$E" make_ota notelf --app 2
expect 2 "option -o needs a value" "$E" make_ota notelf --app 2 -o
printf '\177ELF' >short.elf
expect 1 "ELF" "$E" elf2image short.elf
expect 1 "wrong magic byte 0x6a at offset 0" "$E" image_info notelf
expect 1 "too short" "$E" image_info short.elf
expect 2 "no image file given" "$E" image_info
ls ./*partial* >/dev/null 2>&1 && fail "temporary files left behind: $(ls ./*partial*)"

# --- a gen_appbin boot mode 1 bin built by hand, and its damaged variants ---
# E9 03 00 01, three 4-byte sections from 0x40100000, checksum 0xE3 at 0x2f, 0xFF to
# 0x10000, 20 irom0 bytes, then gen_appbin's CRC (zlib CRC-32 from gzip's trailer;
# negative as a signed int: c ^ 0xFFFFFFFF, else c + 1)
boot1_crc() {
	set -- $(gzip -c <"$1" | tail -c 8 | head -c 4 | od -An -tu1)
	c=$(($1 + $2 * 256 + $3 * 65536 + $4 * 16777216))
	if [ "$c" -ge 2147483648 ]; then c=$((c ^ 4294967295)); else c=$((c + 1)); fi
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $((c & 255)) $((c >> 8 & 255)) \
		$((c >> 16 & 255)) $((c >> 24 & 255)))"
}
if command -v gzip >/dev/null && command -v od >/dev/null; then
	{
		printf '\351\003\000\001\004\000\020\100'
		printf '\000\000\020\100\004\000\000\000\001\002\003\004'
		printf '\000\001\020\100\004\000\000\000\005\006\007\010'
		printf '\000\002\020\100\004\000\000\000\011\012\013\014'
		printf '\000\000\000\343'
		head -c $((0x10000 - 48)) /dev/zero | tr '\000' '\377'
		printf 'irom0 code, 20 byte'
		printf 's'
	} >old.body
	{ cat old.body; boot1_crc old.body; } >old1.bin
	expect 0 "Format: SDK OTA app (gen_appbin)|Boot mode: 1 (boot_v1.1), app slot 1 (user1)|\
Result: OK" "$E" image_info old1.bin
	size=$(wc -c <old1.bin)
	# one irom0 byte, one fill byte, byte 3, one CRC byte
	{ head -c 65540 old1.bin; printf 'X'; tail -c +65542 old1.bin; } >old-irom.bin
	expect 1 "Boot mode: 1 (boot_v1.1)|CRC: |INVALID|Result: BAD IMAGE|CRC invalid: stored 0x|\
the irom0 code (offset 0x10000-0x10014) or the CRC at offset 0x10014 is damaged" \
		"$E" image_info old-irom.bin
	{ head -c 4096 old1.bin; printf 'X'; tail -c +4098 old1.bin; } >old-fill.bin
	expect 1 "Boot mode: 1 (boot_v1.1)|the 0xFF fill from offset 0x30 to 0x10000 has 1 damaged \
byte, the first at offset 0x1000 (CRC invalid: stored 0x" "$E" image_info old-fill.bin
	{ head -c 3 old1.bin; printf '\005'; tail -c +5 old1.bin; } >old-slot.bin
	expect 1 "Boot mode: 1 (boot_v1.1), app slot 1|bytes 2-3 of the boot mode 1 header are \
00 05, not 00 01 or 00 02 (the app slot); the stored CRC fits 00 01 (user1)" \
		"$E" image_info old-slot.bin
	{ head -c $((size - 1)) old1.bin; printf 'X'; } >old-crc.bin
	expect 1 "Boot mode: 1 (boot_v1.1)|CRC invalid: stored 0x|only the byte at offset \
0x10017 differs, so the CRC itself is damaged" "$E" image_info old-crc.bin
fi

if [ $# -lt 2 ]; then
	echo "note: ELF-based checks skipped: no test ELFs (xtensa-lx106-elf-gcc missing;" \
		"install gcc-xtensa-lx106)"
	echo "$checks checks, $fails failed"
	[ "$fails" -eq 0 ] || exit 1
	exit 77
fi

# --- the seed's commands and esptool's naming ---
cp "$1" espmodule
cp "$1" app.elf
cp "$2" flat.elf
expect 0 "Wrote user1.bin" "$E" elf2image --version=2 -o user1.bin espmodule
expect 1 "this is an ELF file, not a firmware image" "$E" image_info espmodule
expect 0 "Format: v2 (esptool elf2image --version 2, 0xEA)|Note: esptool's layout|Flash size: 1MB (old name 8m, \
size_map 2)|Result: OK" "$E" image_info user1.bin
expect 0 "espmodule-0x01010.bin" "$E" elf2image espmodule
exists espmodule-0x00000.bin
expect 0 "Wrote app-0x01000.bin" "$E" elf2image --version 2 app.elf
expect 0 "Wrote flat-0x10000.bin" "$E" elf2image -o flat- flat.elf
exists flat-0x00000.bin
expect 0 "Format: v1 (0xE9, loaded by the ROM)" "$E" image_info flat-0x00000.bin
expect 1 "wrong magic byte" "$E" image_info flat-0x10000.bin
# --version 3 (RTOS SDK v3): "<ELF without extension>.bin", the ESP32 size codes
expect 0 "Wrote app.bin" "$E" elf2image --version 3 app.elf
expect 0 "Wrote v3.bin" "$E" elf2image --version=3 -fm dout -fs 4MB -ff 80m -o v3.bin app.elf
[ "$(od -An -tx1 -j2 -N2 v3.bin | tr -d ' ')" = "032f" ] ||
	fail "v3.bin header bytes 2-3 are not 03 2f (dout, ESP32 code 2 for 4MB, 80m)"

# every spelling of the flash options gives the same bytes
"$E" -q elf2image --version 2 --flash_mode dio --flash_size 4MB-c1 --flash_freq 80m -o a.bin app.elf
"$E" -q elf2image -e 2 -fm dio -fs 32m-c1 -ff 80m -o b.bin app.elf
"$E" -q elf2image --version=2 --flash-mode=dio --flash-size=4mb-c1 --flash-freq=80m -o c.bin app.elf
same a.bin b.bin
same a.bin c.bin
# esptool's ESP32-only options are accepted and ignored, as esptool does for the ESP8266
expect 0 "note: options for ESP32-family images are ignored" "$E" elf2image --version 2 \
	--dont-append-digest --min-rev 1 --pad-to-size 4MB -fm dio -fs 4MB-c1 -ff 80m -o d.bin app.elf
same a.bin d.bin
expect 2 "unknown option '--elf-sha256-offset'" "$E" elf2image --elf-sha256-offset 0xb0 app.elf
expect 0 "Flash mode: dio (2)|Flash frequency: 80m" "$E" image_info a.bin

# --- make_ota: the SDK's user1/user2 ---
expect 0 "Wrote user1-ota.bin" "$E" make_ota app.elf --app 1 --flash_mode qio --flash_freq 40m \
	--flash_size 32m-c1 -o user1-ota.bin
expect 0 "Boot mode: 2 (boot_v1.2 and later), app slot 1 (user1)|Flash size: 4MB-c1 (old \
name 32m-c1, size_map 6)|Flash map: 1024 KB + 1024 KB OTA slots|  0  0x00000000|0x40100000|\
Result: OK" "$E" image_info user1-ota.bin
"$E" -q make_ota app.elf --app=2 --boot_mode=2 -fm qio -ff 40m -fs 4MB-c1 -o user2-ota.bin
expect 0 "app slot 2 (user2)|irom0 code runs at 0x40201010 (user2 at 0x101000 in the \
4MB-c1 map)" "$E" image_info user2-ota.bin
# a user1 link used for user2 of a 512+512 map: gen_appbin's bytes, and a warning
expect 0 "warning: .irom0.text is linked at 0x40201010, but the boot loader runs user2 of \
the 1MB map (512 KB + 512 KB) at 0x40281010" "$E" make_ota app.elf --app 2 -fs 1MB -o u2.bin
expect 0 "boot mode 1, app 2" "$E" make_ota app.elf --app 2 --boot-mode 1 -o old2.bin
expect 0 "Boot mode: 1 (boot_v1.1), app slot 2" "$E" image_info old2.bin
# make_ota's own boot mode 1 bin with its first irom0 byte damaged (QA's case)
{ head -c 65536 old2.bin; printf '\377'; tail -c +65538 old2.bin; } >old2-bad.bin
expect 1 "Boot mode: 1 (boot_v1.1), app slot 2|CRC invalid: stored 0x|irom0 code (offset \
0x10000-" "$E" image_info old2-bad.bin
expect 0 "Wrote none.irom0text.bin" "$E" make_ota app.elf --boot-mode 0 -o none.bin
exists none.bin

# --- image_info's verdicts on damaged images ---
size=$(wc -c <user1-ota.bin)
head -c 100 user1-ota.bin >cut.bin
expect 1 "truncated" "$E" image_info cut.bin
cat user1-ota.bin notelf >long.bin
expect 1 "unexpected bytes follow the end of the image at offset $(printf 0x%x "$size")|\
Result: BAD IMAGE" "$E" image_info long.bin
# flip one byte of irom0 code (offset 20): only the CRC covers it
{ head -c 20 user1-ota.bin; printf '\377'; tail -c +22 user1-ota.bin; } >crc.bin
expect 1 "CRC mismatch" "$E" image_info crc.bin
# flip the checksum byte (the one before the CRC)
{ head -c $((size - 5)) user1-ota.bin; printf '\125'; tail -c 4 user1-ota.bin; } >sum.bin
expect 1 "checksum mismatch" "$E" image_info sum.bin

# --- ELFs that are ELFs but not usable ---
# e_machine (offset 18) set to 3 (x86)
{ head -c 18 app.elf; printf '\003\000'; tail -c +21 app.elf; } >x86.elf
expect 1 "not Xtensa (EM_XTENSA = 94)" "$E" elf2image x86.elf
expect 1 "not Xtensa" "$E" make_ota x86.elf --app 1 -o x86.bin
absent x86-0x00000.bin x86.bin
head -c 2000 app.elf >cut.elf
expect 1 "truncated" "$E" make_ota cut.elf --app 1 -o cut-ota.bin
absent cut-ota.bin
ls ./*partial* >/dev/null 2>&1 && fail "temporary files left behind: $(ls ./*partial*)"

# --- the demo firmware the build made (build/firmware), as the presets will use it ---
F=${ESPDECK_BUILD_ROOT:-}/firmware
if [ -f "$F/demo.elf" ]; then
	expect 0 "app slot 1 (user1)|Flash size: 4MB-c1 (old name 32m-c1, size_map 6)|\
Result: OK" "$E" image_info "$F/user1.bin"
	expect 0 "app slot 2 (user2)|Result: OK" "$E" image_info "$F/user2.bin"
	expect 0 "Format: v1|Result: OK" "$E" image_info "$F/demo-0x00000.bin"
	"$E" -q make_ota "$F/demo.elf" --app 2 -fm qio -ff 40m -fs 32m-c1 -o demo2.bin
	same demo2.bin "$F/user2.bin"
	checks=$((checks + 1))
	[ "$(wc -c <"$F/blank.bin")" -eq 4096 ] && [ "$(tr -d '\377' <"$F/blank.bin" | wc -c)" -eq 0 ] ||
		fail "blank.bin is not 4096 bytes of 0xFF"
fi

echo "$checks checks, $fails failed"
[ "$fails" -eq 0 ]
