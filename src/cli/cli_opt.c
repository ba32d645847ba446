/* SPDX-License-Identifier: MIT
 * Option matching shared by the esptool-parity commands (cli_opt_int.h). */
#include "cli/cli_opt_int.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/util.h"

int cli_opt_take(int argc, char **argv, int *i, const char *long_name, const char *short_name,
		 const char **value)
{
	const char *arg = argv[*i];
	if (short_name && !strcmp(arg, short_name)) {
		if (*i + 1 >= argc)
			goto missing;
		*value = argv[++*i];
		return 1;
	}
	if (strncmp(arg, "--", 2))
		return 0;
	const char *eq = strchr(arg, '=');
	char name[64];
	size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
	if (n >= sizeof name)
		return 0;
	memcpy(name, arg + 2, n);
	name[n] = '\0';
	if (!cli_word_is(name, long_name))
		return 0;
	if (eq) {
		*value = eq + 1;
		return 1;
	}
	if (*i + 1 >= argc)
		goto missing;
	*value = argv[++*i];
	return 1;
missing:
	fprintf(stderr, "espdeck %s: option %s needs a value\n", argv[0], arg);
	return -1;
}

bool cli_opt_flag(const char *arg, const char *long_name)
{
	return !strncmp(arg, "--", 2) && cli_word_is(arg + 2, long_name);
}

bool cli_opt_u32(const char *cmd, const char *what, const char *text, uint32_t *out)
{
	if (ed_parse_u32(text, out))
		return true;
	fprintf(stderr, "espdeck %s: %s '%s' is not a number (decimal or 0x hex)\n", cmd, what,
		text);
	return false;
}
