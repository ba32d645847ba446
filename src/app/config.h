/* SPDX-License-Identifier: MIT
 * The run configuration shared by both front ends (the command line and the bench
 * screen): esptool's global options, parsed once (app/options.c) into struct config and
 * handed down read-only from main().
 *
 * Every setting remembers where its value came from (enum config_source). The order of
 * precedence is: command line > environment > configuration file > defaults. The command
 * line is parsed first, then esptool's environment variables (config_apply_env()), then the
 * configuration file (config_apply_file(), app/config_file.c); each only touches settings
 * whose source is still lower than its own. espdeck.conf(5) describes the file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_PORTS   32
#define CONFIG_MAX_REMOTES 16
#define CONFIG_PATH_MAX	   1024
/* Bytes kept inside struct config for the strings read from the configuration file. */
#define CONFIG_ARENA_BYTES 16384

/* Where a setting's value came from, lowest precedence first. */
enum config_source {
	CONFIG_FROM_DEFAULT = 0,
	CONFIG_FROM_FILE, /* espdeck.conf (source_line[] says where) */
	CONFIG_FROM_ENV,  /* ESPTOOL_PORT, ESPTOOL_BAUD, ... (source_env[] says which) */
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

/* A named list of ports from the configuration file: [remote NAME] with ports = URL, ... */
struct config_remote {
	const char *name;		     /* in the config's arena */
	const char *ports[CONFIG_MAX_PORTS]; /* in the config's arena */
	size_t port_count;
	int line; /* the [remote NAME] line */
};

/* Global options; filled by config_parse(), then read-only. Strings are borrowed from
 * argv or the environment, or point into the struct's own arena (the file's values): they
 * live as long as the struct (copies of the struct borrow from the original). */
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
	int source_line[CONFIG_KEY_COUNT];	     /* the file's line, when from the file */
	const char *source_env[CONFIG_KEY_COUNT];    /* the variable, when from the environment */

	/* The configuration file: --config FILE > $ESPDECK_CONFIG > the default path. */
	const char *config_arg;		 /* --config FILE, NULL when not given */
	char file_path[CONFIG_PATH_MAX]; /* the file looked for ("" when there is no HOME) */
	bool file_named;		 /* named by --config or ESPDECK_CONFIG (must exist) */
	bool file_read;			 /* it existed and was read */
	struct config_remote remotes[CONFIG_MAX_REMOTES];
	size_t remote_count;
	const char *port_remote;       /* the @NAME the ports came from, NULL when none */
	const char *file_firmware_dir; /* the file's firmware_dir, even under --firmware-dir */
	int file_firmware_line;

	/* Where firmware files are looked up, in order (espdeck(1) FILES): --firmware-dir,
	 * the file's firmware_dir, $XDG_DATA_HOME/espdeck/firmware, the installed data
	 * folder, and from the build tree ./firmware and the build's firmware folder.
	 * Joined with ':' for layout_resolve(); firmware_dir above is the first of them. */
	char firmware_path[4 * CONFIG_PATH_MAX];

	char arena[CONFIG_ARENA_BYTES];
	size_t arena_used;
};

/* The defaults (every source CONFIG_FROM_DEFAULT). */
void config_init(struct config *cfg);

/* Applies esptool's environment variables (ESPTOOL_PORT, ESPTOOL_BAUD, ESPTOOL_BEFORE,
 * ESPTOOL_AFTER, ESPTOOL_CHIP, ESPTOOL_CONNECT_ATTEMPTS) to settings the command line did
 * not set. Returns an app_exit code; a bad value is printed with the variable's name. */
int config_apply_env(struct config *cfg);

/* Reads the configuration file into settings whose source is lower than the file's:
 * cfg->config_arg, else $ESPDECK_CONFIG, else $XDG_CONFIG_HOME/espdeck/espdeck.conf
 * (~/.config/...). A missing default file is fine; a missing named file, an unknown
 * section or key, or a bad value is printed as "FILE:LINE: ..." and gives
 * APP_EXIT_USAGE. Also expands "--port @NAME" and builds cfg->firmware_path. */
int config_apply_file(struct config *cfg);

/* The ports of the file's [remote NAME] list. Copies up to cap borrowed pointers (they
 * live as long as cfg) into ports and sets *count to the list's length. Returns true when
 * the list exists, false (and *count 0) when the file has no such list. */
bool config_remote_list(const struct config *cfg, const char *name, const char **ports, size_t cap,
			size_t *count);

/* The firmware search path with dir named first, as --firmware-dir DIR would make it (for a
 * command's own --firmware-dir). Written into buf (cap bytes); returns buf. */
const char *config_firmware_path_for(const struct config *cfg, const char *dir, char *buf,
				     size_t cap);

/* Where setting key came from, for messages and `espdeck config`: "default",
 * "command line", the variable's name ("ESPTOOL_BAUD") or "espdeck.conf:3" (the file's
 * base name and line). Returns buf. */
const char *config_source_text(const struct config *cfg, enum config_key key, char *buf,
			       size_t cap);

/* `espdeck config`: prints every effective setting with its source, the configuration file
 * read (or that there was none), the remote lists and the firmware search path. */
int config_print(const struct config *cfg);

/* Parses the global options at the front of argv into cfg (config_init, the command
 * line, then config_apply_env). On success *cmd_index is the index of the command word
 * (argc when there is none: start the bench screen), or -1 when --help was printed.
 * Returns an app_exit code; prints its own error to stderr. */
int config_parse(int argc, char **argv, struct config *cfg, int *cmd_index);

/* Parses a connect-attempts count (esptool: 0 or less = forever, stored as -1); prints
 * "espdeck: WHAT 'VALUE' is not a count ..." and returns false when it is not one. */
bool config_parse_attempts(const char *value, int *attempts, const char *what);

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
