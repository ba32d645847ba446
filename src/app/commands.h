/* SPDX-License-Identifier: MIT
 * The command table: every command word espdeck knows, its arguments and a one-line
 * summary, for `espdeck help`, unknown-command errors and main()'s dispatch. The front
 * end that runs a command keeps its own handler for the name (cli/commands.c). */
#pragma once

#include <stddef.h>

struct app_command {
	const char *name; /* esptool's spelling; '-' and '_' alike when matched */
	const char *args;
	const char *summary;
};

/* The entry for a command word, or NULL. Points into a static table. */
const struct app_command *app_command_find(const char *word);
/* The i-th entry (i < app_command_count()); static. */
const struct app_command *app_command_get(size_t i);
size_t app_command_count(void);

/* Prints the usage summary (global options and every command) to stdout. */
void app_print_usage(void);
