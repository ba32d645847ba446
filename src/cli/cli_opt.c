/* SPDX-License-Identifier: MIT
 * Option matching shared by the esptool-parity commands (cli_opt_int.h). */
#include "cli/cli_opt_int.h"

#include <stdio.h>
#include <string.h>

#include "app/commands.h"
#include "app/config.h"
#include "cli/cli.h"
#include "core/util.h"

int cli_opt_take(int argc, char **argv, int *i, const char *long_name, const char *short_name,
		 const char **value)
{
	const char *arg = argv[*i];
	int rc = config_take_value(argc, argv, i, long_name, short_name, value);
	if (rc >= 0)
		return rc;
	fprintf(stderr, "espdeck %s: option %s needs a value\n", argv[0], arg);
	return -1;
}

const char *cli_opt_suggest(const char *arg, const char *const *names)
{
	if (strncmp(arg, "--", 2))
		return NULL;
	char name[64];
	snprintf(name, sizeof name, "%s", arg + 2);
	name[strcspn(name, "=")] = '\0';
	const char *hint = app_suggest(name, names);
	if (!hint)
		return NULL;
	/* In the user's spelling: --flash-mode for --flash-mod, --flash_mode for --flash_mod.
	 * One command line is parsed at a time, so one buffer is enough. */
	static char styled[64];
	bool dashes = strchr(name, '-') != NULL, underscores = strchr(name, '_') != NULL;
	snprintf(styled, sizeof styled, "%s", hint);
	for (char *c = styled; *c; c++)
		if (dashes && !underscores && *c == '_')
			*c = '-';
		else if (underscores && !dashes && *c == '-')
			*c = '_';
	return styled;
}

bool cli_opt_flag(const char *arg, const char *long_name)
{
	return config_is_flag(arg, long_name);
}

bool cli_opt_u32(const char *cmd, const char *what, const char *text, uint32_t *out)
{
	if (ed_parse_u32(text, out))
		return true;
	fprintf(stderr, "espdeck %s: %s '%s' is not a number (decimal or 0x hex)\n", cmd, what,
		text);
	return false;
}
