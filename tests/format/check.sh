#!/bin/sh
# SPDX-License-Identifier: MIT
# The formatting of every tracked C file against .clang-format (tools/check-format.sh),
# as a test: fails naming the files that differ; skips (77) saying why where clang-format
# or the git checkout it lists files from is missing.
cd "$(dirname "$0")/../.." || exit 1
command -v "${CLANG_FORMAT:-clang-format}" >/dev/null 2>&1 ||
	{ echo "skip: clang-format not installed (apt-get install clang-format)"; exit 77; }
git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	{ echo "skip: not a git checkout, so there is no list of tracked files"; exit 77; }
exec tools/check-format.sh
