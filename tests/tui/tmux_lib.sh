# SPDX-License-Identifier: MIT
# Shared harness of the bench's tmux tests, sourced by them after setting sock_prefix
# (and optionally wait_limit, in 50 ms polls). Gives: $work (a temporary folder removed
# at exit), tmx (tmux on a private socket $sock), screen, wait_for TEXT NAME [POLLS]
# (bounded polling, never a fixed sleep), ok NAME, keys KEYS..., and $fail.
: "${ESPDECK:?}"
command -v tmux >/dev/null || { echo "tmux not installed"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
work=$(mktemp -d)
run=0
sock="$sock_prefix-$$-0"
tmx() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tmx kill-server 2>/dev/null; rm -rf "$work"' EXIT INT TERM
fail=0

screen() { tmx capture-pane -p -t b 2>/dev/null; }

wait_for() {
	i=0
	limit=${3:-${wait_limit:-200}}
	while [ $i -lt "$limit" ]; do
		if screen | grep -qF -- "$1"; then return 0; fi
		sleep 0.05
		i=$((i + 1))
	done
	echo "FAIL $2: '$1' never appeared; screen:"
	screen
	fail=1
	return 1
}

t0=$(date +%s)
ok() { echo "ok $1 ($(($(date +%s) - t0)) s)"; }
keys() { tmx send-keys -t b -- "$@"; }
