/* SPDX-License-Identifier: MIT
 * The command line: esptool's syntax (global options, then a command and its arguments;
 * dashes and underscores interchangeable). Global options are parsed once into
 * struct config (app/options.c) and handed down; each command lives in its own file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/config.h"
#include "app/exit.h"
#include "app/spec.h"
#include "job/job.h"

/* The command line's names for the exit codes of app/exit.h (one set of values). */
enum cli_exit {
	CLI_EXIT_OK = APP_EXIT_OK,
	CLI_EXIT_FAIL = APP_EXIT_FAIL,
	CLI_EXIT_USAGE = APP_EXIT_USAGE,
	CLI_EXIT_CONNECT = APP_EXIT_CONNECT,
	CLI_EXIT_VERIFY = APP_EXIT_VERIFY,
	CLI_EXIT_CANCELLED = APP_EXIT_CANCELLED,
};

/* Runs the command argv[0] (a word of app/commands.h) with its arguments; returns an
 * app_exit code. */
int cli_run(const struct config *cfg, int argc, char **argv);

/* True when a command word equals name with '-' and '_' treated alike. */
static inline bool cli_word_is(const char *word, const char *name)
{
	return config_word_is(word, name);
}

/* One function per command: argv[0] is the command word. Returns a cli_exit code. */
typedef int (*cli_command_fn)(const struct config *cfg, int argc, char **argv);

/* image tools (cli_image.c) */
int cmd_elf2image(const struct config *cfg, int argc, char **argv);
int cmd_make_ota(const struct config *cfg, int argc, char **argv);
int cmd_image_info(const struct config *cfg, int argc, char **argv);
/* image_info --version 2: esptool's extended listing (cli_image_v2.c) */
int cli_image_info_esptool(const struct config *cfg, const char *cmd, const char *path);
/* merge_bin (cli_merge.c) */
int cmd_merge_bin(const struct config *cfg, int argc, char **argv);
/* esptool's memory commands, run and read_flash_sfdp (cli_mem.c) */
int cmd_read_mem(const struct config *cfg, int argc, char **argv);
int cmd_write_mem(const struct config *cfg, int argc, char **argv);
int cmd_dump_mem(const struct config *cfg, int argc, char **argv);
int cmd_load_ram(const struct config *cfg, int argc, char **argv);
int cmd_run(const struct config *cfg, int argc, char **argv);
int cmd_read_flash_sfdp(const struct config *cfg, int argc, char **argv);
/* board commands (cli_flash.c) */
int cmd_chip_id(const struct config *cfg, int argc, char **argv);
int cmd_read_mac(const struct config *cfg, int argc, char **argv);
int cmd_flash_id(const struct config *cfg, int argc, char **argv);
int cmd_read_flash_status(const struct config *cfg, int argc, char **argv);
int cmd_write_flash_status(const struct config *cfg, int argc, char **argv);
int cmd_erase_flash(const struct config *cfg, int argc, char **argv);
int cmd_erase_region(const struct config *cfg, int argc, char **argv);
int cmd_write_flash(const struct config *cfg, int argc, char **argv);
int cmd_read_flash(const struct config *cfg, int argc, char **argv);
int cmd_verify_flash(const struct config *cfg, int argc, char **argv);
int cmd_ports(const struct config *cfg, int argc, char **argv);

/* Shared by every command that drives a board (cli_flash.c). */
struct chip_info;
/* Runs a job in the foreground through the runner (cli_run.c): on the spec's port, or on
 * every --port at once when several are given ("all" expanded), one worker per board.
 * Prints its events (esptool-style lines; "[port] ..." lines for several boards), a bar
 * or rows on a terminal, plain flushed lines otherwise, and a summary for several
 * boards; Ctrl-C cancels every board. info (may be NULL; one board only) receives the
 * detected chip. Returns a cli_exit code (several boards: FAIL when any failed,
 * CANCELLED when some were cancelled and none failed). */
int cli_run_job(const struct config *cfg, const struct job_spec *spec, struct chip_info *info);
/* layout presets (cli_layout.c) */
int cmd_layouts(const struct config *cfg, int argc, char **argv);
int cmd_layout(const struct config *cfg, int argc, char **argv);
int cmd_write_layout(const struct config *cfg, int argc, char **argv);
int cmd_station(const struct config *cfg, int argc, char **argv);
/* Runs the preset's job (app/preset.h) with a text progress line; returns an exit code.
 * only (may be NULL) selects regions; journal_preset (NULL = the preset's name) is the
 * journal's preset column, e.g. with the override a --force made. */
struct layout;
struct layout_files;
int cli_layout_run_job(const struct config *cfg, const struct layout *l,
		       const struct layout_files *files, const bool *only, bool verify,
		       const char *journal_preset);
/* dump inspector (cli_hexview.c) */
/* What `espdeck hexview` asks for when it wants the interactive viewer (main() starts
 * it, the command line has no screen); strings borrowed from argv. */
struct cli_hexview_request {
	bool interactive;
	const char *path, *compare;
	bool base_given;
	uint32_t base;
	unsigned width;
	bool file_offsets;
};
/* Parses `hexview` and runs the --dump / --structure renderings; when the interactive
 * viewer is wanted it returns APP_EXIT_OK with req->interactive set. */
int cli_hexview(const struct config *cfg, int argc, char **argv, struct cli_hexview_request *req);
/* production bench (cli_production.c) */
int cmd_journal(const struct config *cfg, int argc, char **argv);
int cmd_publish(const struct config *cfg, int argc, char **argv);
int cmd_monitor(const struct config *cfg, int argc, char **argv);
