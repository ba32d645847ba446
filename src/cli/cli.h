/* SPDX-License-Identifier: MIT
 * The command line: esptool's syntax (global options, then a command and its arguments;
 * dashes and underscores interchangeable). Global options are parsed once into
 * struct config (options.c) and handed down; each command lives in its own file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "job/job.h"

/* Exit codes (documented in espdeck(1)). */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,      /* the operation failed (bad file, board error, ...) */
	CLI_EXIT_USAGE = 2,     /* bad command line */
	CLI_EXIT_CONNECT = 3,   /* could not open the port or reach the board */
	CLI_EXIT_VERIFY = 4,    /* a verification found different data */
	CLI_EXIT_CANCELLED = 5, /* interrupted (Ctrl-C) */
};

#define CONFIG_MAX_PORTS 32

/* Global options; parsed once in options.c, then read-only. */
struct config {
	const char *ports[CONFIG_MAX_PORTS]; /* --port, may repeat ("all" allowed) */
	size_t port_count;
	uint32_t baud;             /* --baud, default 115200 */
	bool baud_given;
	const char *before;        /* --before NAME, default "default_reset" */
	const char *after;         /* --after NAME, default "hard_reset" */
	const char *chip;          /* --chip NAME, default "auto" */
	const char *trace_path;    /* --trace FILE */
	const char *firmware_dir;  /* --firmware-dir DIR, default "firmware" */
	const char *preset;        /* --preset NAME (TUI preselection) */
	const char *log_path;      /* --log FILE (TUI log tee) */
	int connect_attempts;      /* --connect-attempts N: 0 = unset (7), -1 = N <= 0 (forever) */
	const char *reset_sequence; /* --custom-reset-sequence SEQ (esptool's notation) */
	bool boot_check;           /* --boot-check: listen to the boot after a hard reset */
	char expect[1024];         /* --expect RULE (repeatable), joined with ';' */
	uint32_t boot_time_ms;     /* --boot-time MS, 0 = the job's default (3000) */
	uint32_t app_baud;         /* --app-baud BAUD, 0 = 115200 */
	const char *journal_path;  /* --journal FILE; NULL = the default path for writes */
	bool no_journal;           /* --no-journal */
	int verbose;               /* -v, repeatable */
	bool quiet;                /* -q */
	/* The interactive hex viewer lives in the UI (tui/), outside espdeck-core; main.c
	 * sets this so `espdeck hexview` can start it. NULL in builds without the UI. */
	int (*interactive_hexview)(const struct config *cfg, const char *path,
				   const char *compare_path, bool base_given, uint32_t base,
				   unsigned width, bool file_offsets);
};

/* Parses the global options at the front of argv. On success *cmd_index is the index of
 * the command word (argc when there is none, which means "start the TUI"). Returns a
 * cli_exit code; prints its own error to stderr. */
int cli_parse_globals(int argc, char **argv, struct config *cfg, int *cmd_index);

/* Runs the command argv[0] with its arguments; returns a cli_exit code. */
int cli_run(const struct config *cfg, int argc, char **argv);

/* Prints the usage summary to stdout. */
void cli_print_usage(void);

/* True when a command word equals name with '-' and '_' treated alike. */
bool cli_word_is(const char *word, const char *name);

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
int cmd_erase_flash(const struct config *cfg, int argc, char **argv);
int cmd_erase_region(const struct config *cfg, int argc, char **argv);
int cmd_write_flash(const struct config *cfg, int argc, char **argv);
int cmd_read_flash(const struct config *cfg, int argc, char **argv);
int cmd_verify_flash(const struct config *cfg, int argc, char **argv);
int cmd_ports(const struct config *cfg, int argc, char **argv);

/* Shared by every command that drives a board (cli_flash.c). */
struct job_spec;
struct chip_info;
/* esptool's --before/--after names (dashes or underscores); false when unknown. */
bool cli_before_of(const char *name, enum job_before *out);
bool cli_after_of(const char *name, enum job_after *out);
/* A job spec filled from the global options: port, baud, before/after, trace, verbose;
 * flash params "keep"; no steps. */
void cli_job_spec(const struct config *cfg, struct job_spec *spec);
/* True when the command runs on several boards (--port given twice, or --port all). */
bool cli_is_multi(const struct config *cfg);
/* Runs the same job on every --port at once, one worker per board (cli_production.c):
 * lines prefixed with the port, or one row per board on a terminal, then a summary.
 * Returns CLI_EXIT_OK when every board passed, else the worst board's exit code. */
int cli_run_multi(const struct config *cfg, const struct job_spec *spec);
/* The journal a job of these steps writes to: --journal, or the default path for jobs
 * that write; NULL for none (--no-journal, read-only jobs, no default path). */
const char *cli_journal_for(const struct config *cfg, const struct job_spec *spec, char *buf,
			    size_t cap);
/* Runs a job in the foreground: prints its events (esptool-style lines), a progress bar
 * on a terminal or plain lines otherwise, cancels on Ctrl-C. info (may be NULL) receives
 * the detected chip. Returns a cli_exit code. */
int cli_run_job(const struct config *cfg, const struct job_spec *spec, struct chip_info *info);
/* layout presets (cli_layout.c) */
int cmd_layouts(const struct config *cfg, int argc, char **argv);
int cmd_layout(const struct config *cfg, int argc, char **argv);
int cmd_write_layout(const struct config *cfg, int argc, char **argv);
/* The preset-writing job shared by write_layout and the bench screen (cli_layout.c).
 * cli_layout_steps() fills steps (room for 2 * LAYOUT_MAX_REGIONS + 1) with the erase and
 * write steps of every present region, or only those with only[i] set (only may be NULL);
 * returns the count. cli_layout_spec() fills the spec from the global options and the
 * preset's flash parameters. cli_layout_run_job() runs it with a text progress line and
 * returns a cli_exit code. */
struct layout;
struct layout_files;
struct job_spec;
struct job_step;
size_t cli_layout_steps(const struct layout *l, const struct layout_files *files,
			const bool *only, struct job_step *steps);
void cli_layout_spec(const struct config *cfg, const struct layout *l, bool verify,
		     struct job_spec *spec);
int cli_layout_run_job(const struct config *cfg, const struct layout *l,
		       const struct layout_files *files, const bool *only, bool verify);
/* dump inspector (cli_hexview.c) */
int cmd_hexview(const struct config *cfg, int argc, char **argv);
/* production bench (cli_production.c) */
int cmd_journal(const struct config *cfg, int argc, char **argv);
int cmd_publish(const struct config *cfg, int argc, char **argv);
int cmd_monitor(const struct config *cfg, int argc, char **argv);
