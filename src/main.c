/* SPDX-License-Identifier: MIT
 * espdeck's entry: global options (app/), then a command (cli/) or none (the bench
 * screen, tui/). The interactive hex viewer is a screen, so main() starts it when
 * `hexview` asks for it. */
#include <locale.h>
#include <stdio.h>

#include "app/commands.h"
#include "app/config.h"
#include "app/exit.h"
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
	if (config_word_is(argv[cmd_index], "hexview") &&
	    !app_wants_help(argc - cmd_index, argv + cmd_index))
		rc = run_hexview(&cfg, argc - cmd_index, argv + cmd_index);
	else
		rc = cli_run(&cfg, argc - cmd_index, argv + cmd_index);
	fflush(stdout);
	return rc;
}
