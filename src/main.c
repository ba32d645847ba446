/* SPDX-License-Identifier: MIT
 * espdeck's entry: global options (app/), then a command (cli/) or none (the bench
 * screen, tui/). The interactive hex viewer is a screen, so main() starts it when
 * `hexview` asks for it. */
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>

#include "app/commands.h"
#include "app/config.h"
#include "app/exit.h"
#include "app/portpick.h"
#include "cli/cli.h"
#include "tui/hexview.h"
#include "tui/tui.h"

static int run_hexview(const struct config *cfg, int argc, char **argv)
{
	struct cli_hexview_request req;
	int rc = cli_hexview(cfg, argc, argv, &req);
	if (rc != APP_EXIT_OK || !req.interactive)
		return rc;
	return hexview_main(cfg, req.path, req.compare, req.base_given, req.base, req.width,
			    req.file_offsets);
}

/* write_layout --dry-run touches no board. */
static bool dry_run(int argc, char **argv, int cmd_index)
{
	for (int i = cmd_index + 1; i < argc; i++)
		if (config_is_flag(argv[i], "dry_run"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	struct config cfg;
	int cmd_index = 0;
	int rc = config_parse(argc, argv, &cfg, &cmd_index);
	if (rc != APP_EXIT_OK || cmd_index < 0)
		return rc;
	if (cmd_index >= argc) {
		if (cfg.trace_stderr && !cfg.trace_path) {
			fprintf(stderr, "espdeck: the bench screen covers stderr, so --trace "
					"would garble it: use --trace-file FILE\n");
			return APP_EXIT_USAGE;
		}
		return tui_main(&cfg);
	}
	if (config_word_is(argv[cmd_index], "config"))
		return config_print(&cfg);
	/* A board command with no port anywhere takes the one ESP bridge plugged in. */
	if (app_command_needs_board(argv[cmd_index]) && !dry_run(argc, argv, cmd_index) &&
	    !app_wants_help(argc - cmd_index, argv + cmd_index) &&
	    (rc = app_pick_port(&cfg)) != APP_EXIT_OK)
		return rc;
	if (config_word_is(argv[cmd_index], "hexview") &&
	    !app_wants_help(argc - cmd_index, argv + cmd_index))
		rc = run_hexview(&cfg, argc - cmd_index, argv + cmd_index);
	else
		rc = cli_run(&cfg, argc - cmd_index, argv + cmd_index);
	fflush(stdout);
	return rc;
}
