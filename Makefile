# SPDX-License-Identifier: MIT
# Convenience entry points for a fresh machine (the build itself is meson + ninja).
#   make run     install what is missing, build, start the bench on a virtual board
#   make check   install what is missing, build, run every test
.PHONY: run check clean
run:
	@tools/setup.sh run
check:
	@tools/setup.sh test
clean:
	rm -rf build build-test build-asan build-clang build-*.testlog.json build*.setup.log
