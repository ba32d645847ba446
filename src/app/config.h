/* SPDX-License-Identifier: MIT
 * The run configuration shared by both front ends (the command line and the bench
 * screen): esptool's global options, parsed once (app/options.c) into struct config and
 * handed down read-only from main().
 *
 * Every setting remembers where its value came from (enum config_source). The order of
 * precedence is: command line > environment > configuration file > defaults. Today the
 * command line and ESPTOOL_PORT fill it (config_apply_env()); the station's config file
 * and the rest of esptool's environment variables (ESPTOOL_BAUD, ...) go into
 * config_apply_env() / a config_apply_file() beside it, and only touch settings whose
 * source is still lower than theirs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_PORTS 32

/* Where a setting's value came from, lowest precedence first. */
enum config_source {
	CONFIG_FROM_DEFAULT = 0,
	CONFIG_FROM_FILE, /* the station's config file (not read yet) */
	CONFIG_FROM_ENV,  /* ESPTOOL_PORT */
	CONFIG_FROM_CMDLINE,
};

/* The settings whose source is recorded (one per global option). */
enum config_key {
	CONFIG_PORT = 0,
	CONFIG_BAUD,
	CONFIG_BEFORE,
	CONFIG_AFTER,
	CONFIG_CHIP,
	CONFIG_TRACE,
	CONFIG_FIRMWARE_DIR,
	CONFIG_PRESET,
	CONFIG_LOG,
	CONFIG_CONNECT_ATTEMPTS,
	CONFIG_RESET_SEQUENCE,
	CONFIG_BOOT_CHECK,
	CONFIG_EXPECT,
	CONFIG_BOOT_TIME,
	CONFIG_APP_BAUD,
	CONFIG_JOURNAL,
	CONFIG_VERBOSE,
	CONFIG_TIMESTAMPS,
	CONFIG_KEY_COUNT
};

/* Global options; filled by config_parse(), then read-only. Strings are borrowed from
 * argv or the environment and live as long as the process. */
struct config {
	const char *ports[CONFIG_MAX_PORTS]; /* --port, may repeat ("all" allowed) */
	size_t port_count;
	uint32_t baud;		    /* --baud, default 115200 */
	bool baud_given;	    /* --baud was given (the monitor's default differs) */
	const char *before;	    /* --before NAME, default "default_reset" */
	const char *after;	    /* --after NAME, default "hard_reset" */
	const char *chip;	    /* --chip NAME, default "auto" */
	const char *trace_path;	    /* --trace-file FILE */
	bool trace_stderr;	    /* --trace / -t: the protocol trace on stderr (esptool's) */
	const char *firmware_dir;   /* --firmware-dir DIR, default "firmware" */
	const char *preset;	    /* --preset NAME (TUI preselection) */
	const char *log_path;	    /* --log FILE (TUI log tee) */
	int connect_attempts;	    /* --connect-attempts N: 0 = unset (7), -1 = N <= 0 (forever) */
	const char *reset_sequence; /* --custom-reset-sequence SEQ (esptool's notation) */
	bool boot_check;	    /* --boot-check: listen to the boot after a hard reset */
	char expect[1024];	    /* --expect RULE (repeatable), joined with ';' */
	uint32_t boot_time_ms;	    /* --boot-time MS, 0 = the job's default (3000) */
	uint32_t app_baud;	    /* --app-baud BAUD, 0 = 115200 */
	const char *journal_path;   /* --journal FILE; NULL = the default path for writes */
	bool no_journal;	    /* --no-journal */
	int verbose;		    /* -v, repeatable */
	bool quiet;		    /* -q */
	bool timestamps;	    /* --timestamps: plain output lines start with the time */
	bool no_stub;		    /* --no-stub: ROM mode only (esptool's flag) */
	enum config_source source[CONFIG_KEY_COUNT]; /* where each setting came from */
};

/* The defaults (every source CONFIG_FROM_DEFAULT). */
void config_init(struct config *cfg);

/* Applies the environment (ESPTOOL_PORT) to settings the command line did not set. */
void config_apply_env(struct config *cfg);

/* Parses the global options at the front of argv into cfg (config_init, the command
 * line, then config_apply_env). On success *cmd_index is the index of the command word
 * (argc when there is none: start the bench screen), or -1 when --help was printed.
 * Returns an app_exit code; prints its own error to stderr. */
int config_parse(int argc, char **argv, struct config *cfg, int *cmd_index);

/* "default", "config file", "environment", "command line". */
const char *config_source_name(enum config_source source);
/* The option's name for messages: "--port", "--baud", ... */
const char *config_key_name(enum config_key key);

/* True when a command word equals name with '-' and '_' treated alike (esptool). */
bool config_word_is(const char *word, const char *name);

/* Matches "--name VALUE", "--name=VALUE" (dashes/underscores alike) or short_name VALUE
 * (short_name may be NULL). On a match sets *value (borrowed from argv) and advances *i
 * past what was used; returns 1, 0 when argv[*i] is another option, -1 when the value is
 * missing. Prints nothing: the front end words the error. */
int config_take_value(int argc, char **argv, int *i, const char *long_name, const char *short_name,
		      const char **value);

/* True when arg is the flag --long_name (dashes/underscores alike). */
bool config_is_flag(const char *arg, const char *long_name);
