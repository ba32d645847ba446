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
# One clang-format run over every file (a run per file costs ~100 ms each); its
# diagnostics start with the file's name.
files=$(git ls-files '*.c' '*.h')
total=$(printf '%s\n' "$files" | grep -c .)
bad=$(printf '%s\n' "$files" | xargs "$format" --dry-run -Werror 2>&1 |
	sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' |
	sort -u)
differ=$(printf '%s\n' "$bad" | grep -c .)
[ "$quiet" = -q ] || [ -z "$bad" ] || printf '%s\n' "$bad"
echo "check-format: $differ of $total C files differ from .clang-format"
[ "$differ" -eq 0 ]
