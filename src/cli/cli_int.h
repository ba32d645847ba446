/* SPDX-License-Identifier: MIT
 * What the command line's own files share beyond cli/cli.h (private to cli/). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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
/* The local time as --timestamps puts it before a line ("14:03:07.250 "). */
void cli_print_time(FILE *out);

struct layout;
struct layout_report;
struct layout_files;

/* Prints a preset's diagnostics (file:line: what) to out. */
void cli_layout_print_diags(FILE *out, const struct layout *l, const struct layout_report *rep);
/* Loads preset name and resolves its files from fwdir; on a broken preset prints the
 * problems and returns false. *files_ok says whether every file is ready. The structs are
 * big: the caller gives heap memory (files finished with layout_files_finish()). */
bool cli_layout_load(const char *name, const char *fwdir, struct layout *l,
		     struct layout_report *rep, struct layout_files *files, bool *files_ok);
