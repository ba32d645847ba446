/* SPDX-License-Identifier: MIT
 * The command line's handler for every word of the command table (app/commands.h). */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "app/commands.h"

struct handler {
	const char *name;
	cli_command_fn fn;
};

static int cmd_version(const struct config *cfg, int argc, char **argv);
static int cmd_help(const struct config *cfg, int argc, char **argv);
static int cmd_hexview(const struct config *cfg, int argc, char **argv);

static const struct handler handlers[] = {
    {"chip_id", cmd_chip_id},
    {"read_mac", cmd_read_mac},
    {"flash_id", cmd_flash_id},
    {"read_flash_status", cmd_read_flash_status},
    {"write_flash_status", cmd_write_flash_status},
    {"erase_flash", cmd_erase_flash},
    {"erase_region", cmd_erase_region},
    {"write_flash", cmd_write_flash},
    {"read_flash", cmd_read_flash},
    {"verify_flash", cmd_verify_flash},
    {"ports", cmd_ports},
    {"elf2image", cmd_elf2image},
    {"make_ota", cmd_make_ota},
    {"image_info", cmd_image_info},
    {"layouts", cmd_layouts},
    {"layout", cmd_layout},
    {"write_layout", cmd_write_layout},
    {"station", cmd_station},
    {"hexview", cmd_hexview},
    {"monitor", cmd_monitor},
    {"journal", cmd_journal},
    {"publish", cmd_publish},
    {"version", cmd_version},
    {"merge_bin", cmd_merge_bin},
    {"read_mem", cmd_read_mem},
    {"write_mem", cmd_write_mem},
    {"dump_mem", cmd_dump_mem},
    {"load_ram", cmd_load_ram},
    {"run", cmd_run},
    {"read_flash_sfdp", cmd_read_flash_sfdp},
    {"help", cmd_help},
};

static int cmd_version(const struct config *cfg, int argc, char **argv)
{
	app_print_version();
	return CLI_EXIT_OK;
}

/* help, or help COMMAND: that command's usage (as COMMAND --help). */
static int cmd_help(const struct config *cfg, int argc, char **argv)
{
	if (argc < 2) {
		app_print_usage();
		return CLI_EXIT_OK;
	}
	const struct app_command *c = app_command_find(argv[1]);
	if (c) {
		app_print_command_usage(c);
		return CLI_EXIT_OK;
	}
	const char *hint = app_command_suggest(argv[1]);
	fprintf(stderr, "espdeck help: no command '%s'%s%s%s\n", argv[1],
		hint ? "; did you mean " : "", hint ? hint : "", hint ? "?" : "");
	return CLI_EXIT_USAGE;
}

/* Without a screen the interactive viewer cannot run here; main() starts it. */
static int cmd_hexview(const struct config *cfg, int argc, char **argv)
{
	struct cli_hexview_request req;
	int rc = cli_hexview(cfg, argc, argv, &req);
	if (rc == CLI_EXIT_OK && req.interactive) {
		fprintf(stderr,
			"espdeck hexview: this build has no interactive viewer; use --dump\n");
		return CLI_EXIT_FAIL;
	}
	return rc;
}

int cli_run(const struct config *cfg, int argc, char **argv)
{
	const struct app_command *c = app_command_find(argv[0]);
	if (!c) {
		const char *hint = app_command_suggest(argv[0]);
		if (hint)
			fprintf(stderr, "espdeck: unknown command '%s'; did you mean %s?\n",
				argv[0], hint);
		else
			fprintf(stderr, "espdeck: unknown command '%s'\n", argv[0]);
		fprintf(stderr, "Run 'espdeck help' for the list of commands.\n");
		return CLI_EXIT_USAGE;
	}
	if (app_wants_help(argc, argv)) {
		app_print_command_usage(c);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
		if (!strcmp(c->name, handlers[i].name))
			return handlers[i].fn(cfg, argc, argv);
	fprintf(stderr, "espdeck: %s is not available on the command line\n", c->name);
	return CLI_EXIT_USAGE;
}
