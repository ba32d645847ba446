#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds espdeck three times (gcc with warnings as errors; gcc with AddressSanitizer +
# UndefinedBehaviorSanitizer; clang with warnings as errors) and runs every test suite in
# each, then prints one line: "N passed, N failed" (skipped tests are counted separately
# and named). TEST_VARIANTS="plain clang" runs a subset.
set -u
cd "$(dirname "$0")/.."
status=0

setup() { # setup DIR CC [meson options...]
	dir=$1
	cc=$2
	shift 2
	if [ ! -f "$dir/build.ninja" ]; then
		CC=$cc meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 ||
			{ cat "$dir.setup.log"; return 1; }
	fi
	ninja -C "$dir" || return 1
}

rm -f build-*.testlog.json
for variant in ${TEST_VARIANTS:-plain asan clang}; do
	case $variant in
	plain) dir=build-test; cc=gcc; opts="-Dwerror=true" ;;
	asan) dir=build-asan; cc=gcc; opts="-Db_sanitize=address,undefined -Db_lundef=false" ;;
	clang) dir=build-clang; cc=clang; opts="-Dwerror=true" ;;
	*) echo "unknown variant $variant"; status=1; continue ;;
	esac
	echo "== build ($variant)"
	# shellcheck disable=SC2086
	if ! setup "$dir" "$cc" $opts; then
		echo "build ($variant) failed"
		echo "$variant-build: build failed" >>build-failures.txt
		status=1
		continue
	fi
	echo "== tests ($variant)"
	meson test -C "$dir" --print-errorlogs --num-processes 2 ||
		status=1
	cp "$dir/meson-logs/testlog.json" "build-$variant.testlog.json" 2>/dev/null || true
done

# Fuzzing (tests/fuzz): its own clang tree with libFuzzer, ASan and UBSan. The suite
# replays every corpus; then each target fuzzes for a few seconds (bench/fuzz/run).
if command -v clang >/dev/null 2>&1; then
	echo "== build (fuzz)"
	if (setup build-fuzz clang -Dfuzz=true -Dtests=false -Dman=disabled \
		-Db_sanitize=address,undefined -Db_lundef=false); then
		echo "== fuzz corpora (replay)"
		meson test -C build-fuzz --suite fuzz --print-errorlogs --num-processes 2 || status=1
		cp build-fuzz/meson-logs/testlog.json build-fuzz.testlog.json 2>/dev/null || true
		echo "== fuzzing each target for ${ESPDECK_FUZZ_SECONDS:-3} s"
		if ! bench/fuzz/run "${ESPDECK_FUZZ_SECONDS:-3}"; then
			echo "fuzz: findings (above)" >>build-failures.txt
			status=1
		fi
	else
		echo "fuzz-build: build failed" >>build-failures.txt
		status=1
	fi
else
	echo "== fuzz: skipped (no clang)"
fi

python3 - "$@" <<'PY'
import glob, json, os
passed = failed = skipped = 0
skipped_names = []
for path in sorted(glob.glob("build-*.testlog.json")):
    variant = path[len("build-"):-len(".testlog.json")]
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            res = r.get("result")
            if res in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif res == "SKIP":
                skipped += 1
                skipped_names.append(f"{variant}/{r.get('name')}")
            else:
                failed += 1
if os.path.exists("build-failures.txt"):
    with open("build-failures.txt") as f:
        failed += sum(1 for _ in f)
    os.remove("build-failures.txt")
if skipped_names:
    print("skipped: " + ", ".join(skipped_names))
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
