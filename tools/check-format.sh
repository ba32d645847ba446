#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks every tracked C file against .clang-format (clang-format 14) without changing
# anything: prints the files that would change and how many, exits 1 when any would.
# tools/check-format.sh -q prints only the count.
set -u
cd "$(dirname "$0")/.."
quiet=${1:-}
format=${CLANG_FORMAT:-clang-format}
command -v "$format" >/dev/null 2>&1 ||
	{ echo "check-format: $format not found (apt-get install clang-format)"; exit 2; }
total=0
differ=0
for f in $(git ls-files '*.c' '*.h'); do
	total=$((total + 1))
	if ! "$format" --dry-run -Werror "$f" >/dev/null 2>&1; then
		differ=$((differ + 1))
		[ "$quiet" = -q ] || echo "$f"
	fi
done
echo "check-format: $differ of $total C files differ from .clang-format"
[ "$differ" -eq 0 ]
