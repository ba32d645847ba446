/* SPDX-License-Identifier: MIT
 * Placeholder commands until their work lands; each says so and fails. */
#include "cli/cli.h"

#include <stdio.h>

int cmd_elf2image(const struct config *cfg, int argc, char **argv)
{
	fprintf(stderr, "espdeck: '%s' is not implemented yet\n", argv[0]);
	return CLI_EXIT_FAIL;
}

int cmd_make_ota(const struct config *cfg, int argc, char **argv)
{
	fprintf(stderr, "espdeck: '%s' is not implemented yet\n", argv[0]);
	return CLI_EXIT_FAIL;
}

int cmd_image_info(const struct config *cfg, int argc, char **argv)
{
	fprintf(stderr, "espdeck: '%s' is not implemented yet\n", argv[0]);
	return CLI_EXIT_FAIL;
}

