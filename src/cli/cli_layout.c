/* SPDX-License-Identifier: MIT
 * Placeholder commands until their work lands; each says so and fails. */
#include "cli/cli.h"

#include <stdio.h>

int cmd_layouts(const struct config *cfg, int argc, char **argv)
{
	fprintf(stderr, "espdeck: '%s' is not implemented yet\n", argv[0]);
	return CLI_EXIT_FAIL;
}

int cmd_layout(const struct config *cfg, int argc, char **argv)
{
	fprintf(stderr, "espdeck: '%s' is not implemented yet\n", argv[0]);
	return CLI_EXIT_FAIL;
}

int cmd_write_layout(const struct config *cfg, int argc, char **argv)
{
	fprintf(stderr, "espdeck: '%s' is not implemented yet\n", argv[0]);
	return CLI_EXIT_FAIL;
}

