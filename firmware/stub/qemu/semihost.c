/* SPDX-License-Identifier: MIT
 * semi_arg() for the QEMU builds: reads QEMU's semihosting arguments once. */
#include "semihost.h"

static uint32_t argv_buf[256];
static int argv_loaded;

static int key_matches(const char *arg, const char *key)
{
	while (*key && *arg == *key) {
		arg++;
		key++;
	}
	return *key == 0 && *arg == '=';
}

const char *semi_arg(const char *key)
{
	if (!argv_loaded) {
		if (semi_call(SEMI_ARGV_SZ, 0, 0, 0) > (int32_t)sizeof argv_buf)
			return 0;
		semi_call(SEMI_ARGV, (int32_t)(uintptr_t)argv_buf, 0, 0);
		argv_loaded = 1;
	}
	for (const char *const *arg = (const char *const *)argv_buf; *arg; arg++) {
		if (key_matches(*arg, key)) {
			const char *value = *arg;
			while (*value != '=')
				value++;
			return value + 1;
		}
	}
	return 0;
}
