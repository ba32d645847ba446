/* SPDX-License-Identifier: MIT
 * Placeholder commands until their work lands; each says so and fails. */
#include "cli/cli.h"

#include <stdio.h>

int cmd_chip_id(const struct config *cfg, int argc, char **argv)
{
	fprintf(stderr, "espdeck: '%s' is not implemented yet\n", argv[0]);
	return CLI_EXIT_FAIL;
}

int cmd_read_mac(const struct config *cfg, int argc, char **argv)
{
	fprintf(stderr, "espdeck: '%s' is not implemented yet\n", argv[0]);
	return CLI_EXIT_FAIL;
}

int cmd_flash_id(const struct config *cfg, int argc, char **argv)
{
	fprintf(stderr, "espdeck: '%s' is not implemented yet\n", argv[0]);
	return CLI_EXIT_FAIL;
}

int cmd_erase_flash(const struct config *cfg, int argc, char **argv)
{
	fprintf(stderr, "espdeck: '%s' is not implemented yet\n", argv[0]);
	return CLI_EXIT_FAIL;
}

int cmd_erase_region(const struct config *cfg, int argc, char **argv)
{
	fprintf(stderr, "espdeck: '%s' is not implemented yet\n", argv[0]);
	return CLI_EXIT_FAIL;
}

int cmd_write_flash(const struct config *cfg, int argc, char **argv)
{
	fprintf(stderr, "espdeck: '%s' is not implemented yet\n", argv[0]);
	return CLI_EXIT_FAIL;
}

int cmd_read_flash(const struct config *cfg, int argc, char **argv)
{
	fprintf(stderr, "espdeck: '%s' is not implemented yet\n", argv[0]);
	return CLI_EXIT_FAIL;
}

int cmd_verify_flash(const struct config *cfg, int argc, char **argv)
{
	fprintf(stderr, "espdeck: '%s' is not implemented yet\n", argv[0]);
	return CLI_EXIT_FAIL;
}

int cmd_ports(const struct config *cfg, int argc, char **argv)
{
	fprintf(stderr, "espdeck: '%s' is not implemented yet\n", argv[0]);
	return CLI_EXIT_FAIL;
}

