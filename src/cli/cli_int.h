/* SPDX-License-Identifier: MIT
 * What the command line's own files share beyond cli/cli.h (private to cli/). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* An option of a command: a value (the last one given wins) or a flag. */
struct cli_opt {
	const char *name;   /* long name without dashes; '-' and '_' alike */
	const char **value; /* for options with a value */
	bool *flag;	    /* for flags */
};

/* Parses argv[1..] into opts and positional arguments (after "--" everything is
 * positional). Prints its own error with usage_line; returns a cli_exit code. */
int cli_parse_opts(int argc, char **argv, const struct cli_opt *opts, size_t nopts,
		   const char **pos, size_t maxpos, size_t *npos, const char *usage_line);

/* Prints "espdeck CMD: message" for err; returns USAGE for ED_ERR_ARG, else FAIL. */
int cli_report(const char *cmd, const struct ed_error *err);
