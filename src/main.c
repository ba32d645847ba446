/* SPDX-License-Identifier: MIT
 * espdeck's entry: global options, then a command (CLI) or none (the bench screen). */
#include <locale.h>
#include <stdio.h>

#include "cli/cli.h"
#include "tui/hexview.h"
#include "tui/tui.h"

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	struct config cfg;
	int cmd_index = 0;
	int rc = cli_parse_globals(argc, argv, &cfg, &cmd_index);
	if (rc != CLI_EXIT_OK || cmd_index < 0)
		return rc;
	cfg.interactive_hexview = hexview_main;
	if (cmd_index >= argc)
		return tui_main(&cfg);
	rc = cli_run(&cfg, argc - cmd_index, argv + cmd_index);
	fflush(stdout);
	return rc;
}
