#!/bin/sh
# SPDX-License-Identifier: MIT
# The bench screen takes its defaults from espdeck.conf (espdeck.conf(5)): started with no
# option at all, it opens on the file's port and preset, looks up the preset's files in
# the file's firmware_dir (relative to the file), and writes them to the board.
set -u
sock_prefix=espdeck-conftui
. "$(dirname "$0")/tmux_lib.sh"

mkdir -p "$work/xdg/espdeck/bins"
python3 - "$work/xdg/espdeck/bins" <<'PY' || exit 1
import os, sys
d = sys.argv[1]
def put(name, data):
    open(os.path.join(d, name), "wb").write(data)
put("demo-0x00000.bin", bytes((i * 7 + 1) & 0xFF for i in range(3000)))
put("user1.bin", bytes((i * 13 + 5) & 0xFF for i in range(3000)))
put("user2.bin", bytes((i * 3 + 9) & 0xFF for i in range(1000)))
put("blank.bin", b"\xff" * 4096)
PY
cat >"$work/xdg/espdeck/espdeck.conf" <<EOC
; the bench's defaults
port = sim://?clock=virtual&fast&flash=$work/flash.bin
preset = demo
firmware_dir = bins
baud = 460800
EOC
tmx new-session -d -s b -x 200 -y 30 -c "$work" \
	"XDG_CONFIG_HOME='$work/xdg' XDG_STATE_HOME='$work/state' XDG_DATA_HOME='$work/data' \"$ESPDECK\"; echo \$? >'$work/rc'; sleep 60"
wait_for "Preset demo " header-preset && ok header-preset
wait_for "port sim://?clock=virtual" header-port && ok header-port
wait_for "files in $work/xdg/espdeck/bins" firmware-dir 100 && ok firmware-dir
wait_for "baud   460800" settings-baud && ok settings-baud
keys w
wait_for "Write all 5 regions of preset demo" confirm-write && ok confirm-write
keys y
wait_for "written and verified" write-verified 400 && ok write-verified
python3 - "$work/flash.bin" "$work/xdg/espdeck/bins/user1.bin" <<'PY' || fail=1
import sys
flash = open(sys.argv[1], "rb").read()
user1 = open(sys.argv[2], "rb").read()
if flash[0x1000:0x1000 + len(user1)] != user1:
    print("FAIL flash-content: user1.bin from the file's firmware_dir is not at 0x1000")
    sys.exit(1)
print("ok flash-content")
PY
exit $fail
