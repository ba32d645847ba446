#!/bin/sh
# SPDX-License-Identifier: MIT
# Prints espdeck's version line for src/version.h (meson's vcs_tag): the project version
# and the git revision of the source tree, "0.1.0 (git a91c2d5)", "-dirty" when it has
# changes. Fails outside a git checkout of this tree (a tarball, or a tarball unpacked
# inside another repository), and meson then uses the project version alone.
# Usage: version.sh SOURCE_ROOT PROJECT_VERSION
set -e
root=$(cd "$1" && pwd -P)
top=$(git -C "$root" rev-parse --show-toplevel 2>/dev/null)
[ "$(cd "$top" && pwd -P)" = "$root" ]
rev=$(git -C "$root" describe --always --dirty --abbrev=7 --exclude='*')
echo "$2 (git $rev)"
