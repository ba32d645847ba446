/* SPDX-License-Identifier: MIT
 * The command table: every command word espdeck knows, its arguments and a one-line
 * summary, for `espdeck help`, unknown-command errors and main()'s dispatch. The front
 * end that runs a command keeps its own handler for the name (cli/commands.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct app_command {
	const char *name; /* esptool's spelling; '-' and '_' alike when matched */
	const char *args;
	const char *summary;
	const char *options; /* the options and arguments explained, one a line, or NULL */
};

/* The entry for a command word, or NULL. Points into a static table. */
const struct app_command *app_command_find(const char *word);
/* The i-th entry (i < app_command_count()); static. */
const struct app_command *app_command_get(size_t i);
size_t app_command_count(void);

/* Prints the usage summary (global options and every command) to stdout. */
void app_print_usage(void);
/* Prints one command's usage (arguments, options, where to read more) to stdout. */
void app_print_command_usage(const struct app_command *c);
/* True when argv[1..argc-1] (a command's arguments) asks for its usage: -h or --help
 * before any "--". */
bool app_wants_help(int argc, char **argv);

/* The command word nearest to word (a typo: letters swapped, missing or extra), or NULL
 * when none is near enough to suggest. Points into the static table. */
const char *app_command_suggest(const char *word);
/* The same over a NULL-terminated list of names (dashes and underscores alike); returns
 * one of names or NULL. */
const char *app_suggest(const char *word, const char *const *names);

/* Prints "espdeck VERSION (git REVISION)" to stdout: --version, -V and `version`. */
void app_print_version(void);
