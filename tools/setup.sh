#!/bin/sh
# SPDX-License-Identifier: MIT
# The README's two commands end up here:
#   tools/setup.sh run   install what is missing, build, start the bench on a virtual board
#   tools/setup.sh test  install what is missing, build (plain and with ASan+UBSan), run
#                        every test; the last line is "N passed, N failed"
set -eu
cd "$(dirname "$0")/.."

# Debian packages the build, the tests and the demo need. gcc-xtensa-lx106 builds the
# demo firmware, the test ELFs and the flasher stub; qemu-system-misc runs the stub on the
# real instruction set (tests/stub_qemu); nodejs/npm run the esptool-js interop test; tmux
# drives the TUI tests; clang (with its libFuzzer runtime) builds the third test tree and
# the fuzz targets; ser2net serves the virtual board's pty over RFC 2217 and raw TCP
# (tests/remote).
PKGS="meson ninja-build pkg-config gcc clang clang-format libncurses-dev libserialport-dev libelf-dev \
libinih-dev zlib1g-dev libcmocka-dev scdoc gcc-xtensa-lx106 binutils-xtensa-lx106 \
tmux nodejs npm socat python3 xxd libclang-rt-14-dev qemu-system-misc ser2net"

install_missing() {
	missing=""
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	# node/npm may come from elsewhere than Debian; accept working commands.
	if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
		missing=$(echo "$missing" | tr ' ' '\n' | grep -v -x -e nodejs -e npm | tr '\n' ' ')
	fi
	if command -v python3 >/dev/null 2>&1; then
		missing=$(echo "$missing" | tr ' ' '\n' | grep -v -x -e python3 | tr '\n' ' ')
	fi
	missing=$(echo "$missing" | tr -s ' ')
	if [ -n "$(echo "$missing" | tr -d ' ')" ]; then
		echo "== installing:$missing"
		SUDO=""
		[ "$(id -u)" = 0 ] || SUDO=sudo
		$SUDO apt-get update -q
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing
	fi
}

build() { # build DIR [meson options...]
	dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@"
	fi
	ninja -C "$dir"
}

case "${1:-}" in
run)
	install_missing
	build build
	shift
	# flash=state: the virtual board keeps its flash between runs (issue 15, item 1).
	exec ./build/espdeck --port 'sim://?flash=state' --firmware-dir build/firmware \
		--preset demo "$@"
	;;
test)
	install_missing
	# The interop test's npm packages, pinned by tests/interop/package-lock.json.
	(cd tests/interop && npm ci --no-audit --no-fund --loglevel=error) ||
		echo "== npm ci in tests/interop failed: the esptool-js interop test will be skipped"
	exec tools/run-tests.sh
	;;
*)
	echo "usage: tools/setup.sh run|test" >&2
	exit 2
	;;
esac
