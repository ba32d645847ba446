/* SPDX-License-Identifier: MIT
 * Option matching for the esptool-parity commands (merge_bin, the memory commands,
 * read_flash_sfdp): esptool's spellings "--name VALUE", "--name=VALUE", "-s VALUE", with
 * dashes and underscores alike. Private to cli/. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Takes argv[*i] (and its value) when it is --long_name or short_name (may be NULL).
 * Returns 1 and sets *value (borrowed from argv) when taken, 0 when argv[*i] is another
 * word, -1 after printing "espdeck CMD: option X needs a value". */
int cli_opt_take(int argc, char **argv, int *i, const char *long_name, const char *short_name,
		 const char **value);

/* The hint for an unknown option arg among the command's long names (NULL-terminated,
 * without leading dashes): "flash-mode" for "--flash-mod" (in the user's choice of '-' or
 * '_'), or NULL when none is near. Points to a static buffer, valid until the next call. */
const char *cli_opt_suggest(const char *arg, const char *const *names);

/* True when arg is the flag --long_name (dashes and underscores alike). */
bool cli_opt_flag(const char *arg, const char *long_name);

/* Parses an address or count as esptool does (0x hex, decimal); prints
 * "espdeck CMD: WHAT 'TEXT' is not a number" and returns false otherwise. */
bool cli_opt_u32(const char *cmd, const char *what, const char *text, uint32_t *out);
