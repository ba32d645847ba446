/* SPDX-License-Identifier: MIT
 * Global options, parsed once into struct config (esptool's names and spellings), each
 * setting's source recorded; then the environment for what the command line left. */
#include "app/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/commands.h"
#include "app/exit.h"
#include "app/spec.h"
#include "bootlog/bootlog.h"
#include "core/util.h"
#include "engine/reset_seq.h"

int config_take_value(int argc, char **argv, int *i, const char *long_name, const char *short_name,
		      const char **value)
{
	const char *arg = argv[*i];
	if (short_name && !strcmp(arg, short_name)) {
		if (*i + 1 >= argc)
			return -1;
		*value = argv[++*i];
		return 1;
	}
	if (strncmp(arg, "--", 2))
		return 0;
	const char *eq = strchr(arg, '=');
	char name[64];
	size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
	if (n >= sizeof name)
		return 0;
	memcpy(name, arg + 2, n);
	name[n] = '\0';
	if (!config_word_is(name, long_name))
		return 0;
	if (eq) {
		*value = eq + 1;
		return 1;
	}
	if (*i + 1 >= argc)
		return -1;
	*value = argv[++*i];
	return 1;
}

bool config_is_flag(const char *arg, const char *long_name)
{
	return !strncmp(arg, "--", 2) && config_word_is(arg + 2, long_name);
}

/* --before/--after are checked here so a typo fails before any port is opened. */
static bool reset_names_ok(const struct config *cfg)
{
	enum job_before before;
	enum job_after after;
	if (!app_before_of(cfg->before, &before)) {
		fprintf(stderr,
			"espdeck: --before '%s' is not one of default_reset, no_reset, manual, "
			"no_reset_no_sync\n",
			cfg->before);
		return false;
	}
	if (!app_after_of(cfg->after, &after)) {
		fprintf(stderr,
			"espdeck: --after '%s' is not one of hard_reset, soft_reset, "
			"no_reset, no_reset_stub\n",
			cfg->after);
		return false;
	}
	return true;
}

/* --connect-attempts N; as esptool, 0 or less means "until interrupted" */
static int parse_attempts(const char *value, struct config *cfg)
{
	uint32_t n;
	bool negative = value[0] == '-';
	if (!ed_parse_u32(value + negative, &n) || (!negative && n > 1000)) {
		fprintf(stderr,
			"espdeck: --connect-attempts '%s' is not a count (default 7; 0 or "
			"less = keep trying until Ctrl-C)\n",
			value);
		return APP_EXIT_USAGE;
	}
	cfg->connect_attempts = negative || n == 0 ? -1 : (int)n;
	cfg->source[CONFIG_CONNECT_ATTEMPTS] = CONFIG_FROM_CMDLINE;
	return APP_EXIT_OK;
}

/* --custom-reset-sequence SEQ, checked before any port is opened */
static int parse_reset_sequence(const char *value, struct config *cfg)
{
	struct ed_error err;
	if (reset_seq_check(value, &err) < 0) {
		fprintf(stderr, "espdeck: --custom-reset-sequence: %s\n", err.msg);
		return APP_EXIT_USAGE;
	}
	cfg->reset_sequence = value;
	cfg->source[CONFIG_RESET_SEQUENCE] = CONFIG_FROM_CMDLINE;
	return APP_EXIT_OK;
}

/* --trace / -t is esptool's flag: the protocol trace on stderr. Until 0.1 it took a file,
 * so "--trace FILE" or "-t FILE" (a word that is no command) and "--trace=FILE" are
 * refused with the new spelling instead of running FILE as a command. */
static int take_trace_flag(int argc, char **argv, int i, struct config *cfg)
{
	const char *file = !strncmp(argv[i], "--trace=", 8) ? argv[i] + 8 : NULL;
	if (!file && i + 1 < argc && argv[i + 1][0] != '-' && !app_command_find(argv[i + 1]) &&
	    !app_command_suggest(argv[i + 1]))
		file = argv[i + 1];
	if (file) {
		fprintf(stderr,
			"espdeck: %s takes no file: it prints the protocol trace to stderr (as "
			"esptool's --trace); for a file write --trace-file %s\n",
			argv[i], file);
		return APP_EXIT_USAGE;
	}
	cfg->trace_stderr = true;
	cfg->source[CONFIG_TRACE] = CONFIG_FROM_CMDLINE;
	return APP_EXIT_OK;
}

/* The options that only store their text; 1 matched, 0 not, -1 value missing. */
static int take_string(int argc, char **argv, int *i, struct config *cfg)
{
	struct {
		const char *name, *short_name;
		const char **dst;
		enum config_key key;
	} strs[] = {
	    {"before", NULL, &cfg->before, CONFIG_BEFORE},
	    {"after", "-a", &cfg->after, CONFIG_AFTER},
	    {"chip", "-c", &cfg->chip, CONFIG_CHIP},
	    {"trace_file", NULL, &cfg->trace_path, CONFIG_TRACE},
	    {"firmware_dir", NULL, &cfg->firmware_dir, CONFIG_FIRMWARE_DIR},
	    {"preset", NULL, &cfg->preset, CONFIG_PRESET},
	    {"log", NULL, &cfg->log_path, CONFIG_LOG},
	};
	for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++) {
		int r =
		    config_take_value(argc, argv, i, strs[k].name, strs[k].short_name, strs[k].dst);
		if (r > 0)
			cfg->source[strs[k].key] = CONFIG_FROM_CMDLINE;
		if (r != 0)
			return r;
	}
	return 0;
}

/* The production bench's options: --boot-check, --expect, --boot-time, --app-baud,
 * --journal, --no-journal. 1 matched, 0 not, -1 value missing, -2 bad value (printed). */
static int take_production(int argc, char **argv, int *i, struct config *cfg)
{
	const char *arg = argv[*i], *value = NULL;
	int r;
	if (config_is_flag(arg, "boot_check")) {
		cfg->boot_check = true;
		cfg->source[CONFIG_BOOT_CHECK] = CONFIG_FROM_CMDLINE;
		return 1;
	}
	if (config_is_flag(arg, "no_journal")) {
		cfg->no_journal = true;
		cfg->source[CONFIG_JOURNAL] = CONFIG_FROM_CMDLINE;
		return 1;
	}
	if ((r = config_take_value(argc, argv, i, "journal", NULL, &cfg->journal_path)) != 0) {
		cfg->source[CONFIG_JOURNAL] = CONFIG_FROM_CMDLINE;
		return r;
	}
	if ((r = config_take_value(argc, argv, i, "expect", NULL, &value)) != 0) {
		if (r < 0)
			return r;
		/* Checked now, so a typo fails before any board is touched. */
		struct bootlog_rules rules = {0};
		struct ed_error err;
		if (bootlog_rules_add(&rules, value, &err) < 0) {
			fprintf(stderr, "espdeck: --expect: %s\n", err.msg);
			return -2;
		}
		size_t len = strlen(cfg->expect);
		if (len + strlen(value) + 2 >= sizeof cfg->expect) {
			fprintf(stderr, "espdeck: --expect: too many rules\n");
			return -2;
		}
		snprintf(cfg->expect + len, sizeof cfg->expect - len, "%s%s", len ? ";" : "",
			 value);
		cfg->boot_check = true;
		cfg->source[CONFIG_EXPECT] = cfg->source[CONFIG_BOOT_CHECK] = CONFIG_FROM_CMDLINE;
		return 1;
	}
	uint32_t *num = NULL;
	const char *what = NULL;
	if ((r = config_take_value(argc, argv, i, "boot_time", NULL, &value)) != 0) {
		num = &cfg->boot_time_ms;
		cfg->source[CONFIG_BOOT_TIME] = CONFIG_FROM_CMDLINE;
		what = "--boot-time '%s' is not a time in milliseconds (for example 3000)";
	} else if ((r = config_take_value(argc, argv, i, "app_baud", NULL, &value)) != 0) {
		num = &cfg->app_baud;
		cfg->source[CONFIG_APP_BAUD] = CONFIG_FROM_CMDLINE;
		what = "--app-baud '%s' is not a baud rate (for example 115200)";
	}
	if (r <= 0)
		return r;
	if (!ed_parse_u32(value, num) || *num == 0 || *num > 600000) {
		fprintf(stderr, "espdeck: ");
		fprintf(stderr, what, value);
		fprintf(stderr, "\n");
		return -2;
	}
	return 1;
}

/* "unknown option '--buad'; did you mean --baud?" over the global options' names. */
static void unknown_option(const char *arg)
{
	static const char *const names[] = {"port",
					    "baud",
					    "before",
					    "after",
					    "chip",
					    "trace",
					    "trace-file",
					    "firmware-dir",
					    "preset",
					    "log",
					    "connect-attempts",
					    "custom-reset-sequence",
					    "boot-check",
					    "expect",
					    "boot-time",
					    "app-baud",
					    "journal",
					    "no-journal",
					    "timestamps",
					    "no-stub",
					    "verbose",
					    "quiet",
					    "help",
					    "version",
					    NULL};
	char name[64] = "";
	const char *hint = NULL;
	if (!strncmp(arg, "--", 2)) {
		snprintf(name, sizeof name, "%s", arg + 2);
		name[strcspn(name, "=")] = '\0';
		hint = app_suggest(name, names);
	}
	static const char *const command_options[] = {"flash_mode", "flash_size", "flash_freq",
						      NULL};
	const char *late = hint ? NULL : app_suggest(name, command_options);
	if (hint)
		fprintf(stderr, "espdeck: unknown option '%s'; did you mean --%s?\n", arg, hint);
	else if (late)
		fprintf(stderr,
			"espdeck: '%s' is not a global option; --%s belongs to a command: give "
			"it after the command word (write_flash --%s ...)\n",
			arg, late, late);
	else
		fprintf(stderr, "espdeck: unknown option '%s'\n", arg);
	fprintf(stderr, "Run 'espdeck --help' for the options.\n");
}

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg); /* every source CONFIG_FROM_DEFAULT */
	cfg->baud = 115200;
	cfg->before = "default_reset";
	cfg->after = "hard_reset";
	cfg->chip = "auto";
	cfg->firmware_dir = "firmware";
}

void config_apply_env(struct config *cfg)
{
	const char *env_port = getenv("ESPTOOL_PORT");
	if (cfg->source[CONFIG_PORT] < CONFIG_FROM_ENV && env_port && *env_port) {
		cfg->ports[0] = env_port;
		cfg->port_count = 1;
		cfg->source[CONFIG_PORT] = CONFIG_FROM_ENV;
	}
}

int config_parse(int argc, char **argv, struct config *cfg, int *cmd_index)
{
	config_init(cfg);
	int i = 1;
	for (; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = NULL;
		int r;
		if (arg[0] != '-')
			break;
		if (!strcmp(arg, "-h") || config_is_flag(arg, "help")) {
			app_print_usage();
			*cmd_index = -1;
			return APP_EXIT_OK;
		}
		if (!strcmp(arg, "-V") || config_is_flag(arg, "version")) {
			app_print_version();
			*cmd_index = -1;
			return APP_EXIT_OK;
		}
		if (!strcmp(arg, "-v") || config_is_flag(arg, "verbose")) {
			cfg->verbose++;
			cfg->source[CONFIG_VERBOSE] = CONFIG_FROM_CMDLINE;
			continue;
		}
		if (!strcmp(arg, "-q") || config_is_flag(arg, "quiet")) {
			cfg->quiet = true;
			continue;
		}
		if (config_is_flag(arg, "timestamps")) {
			cfg->timestamps = true;
			cfg->source[CONFIG_TIMESTAMPS] = CONFIG_FROM_CMDLINE;
			continue;
		}
		if (!strcmp(arg, "-t") || config_is_flag(arg, "trace") ||
		    !strncmp(arg, "--trace=", 8)) {
			if (take_trace_flag(argc, argv, i, cfg) != APP_EXIT_OK)
				return APP_EXIT_USAGE;
			continue;
		}
		if (config_is_flag(arg, "no_stub")) {
			cfg->no_stub = true;
			continue;
		}
		if ((r = config_take_value(argc, argv, &i, "port", "-p", &value)) != 0) {
			if (r < 0)
				goto missing;
			if (cfg->port_count == CONFIG_MAX_PORTS) {
				fprintf(stderr, "espdeck: at most %d --port options\n",
					CONFIG_MAX_PORTS);
				return APP_EXIT_USAGE;
			}
			cfg->ports[cfg->port_count++] = value;
			cfg->source[CONFIG_PORT] = CONFIG_FROM_CMDLINE;
			continue;
		}
		if ((r = config_take_value(argc, argv, &i, "baud", "-b", &value)) != 0) {
			if (r < 0)
				goto missing;
			if (!ed_parse_u32(value, &cfg->baud) || cfg->baud < 300) {
				fprintf(stderr,
					"espdeck: --baud '%s' is not a baud rate (for example "
					"115200)\n",
					value);
				return APP_EXIT_USAGE;
			}
			cfg->baud_given = true;
			cfg->source[CONFIG_BAUD] = CONFIG_FROM_CMDLINE;
			continue;
		}
		if ((r = config_take_value(argc, argv, &i, "connect_attempts", NULL, &value)) !=
		    0) {
			if (r < 0)
				goto missing;
			if (parse_attempts(value, cfg) != APP_EXIT_OK)
				return APP_EXIT_USAGE;
			continue;
		}
		if ((r = config_take_value(argc, argv, &i, "custom_reset_sequence", NULL,
					   &value)) != 0) {
			if (r < 0)
				goto missing;
			if (parse_reset_sequence(value, cfg) != APP_EXIT_OK)
				return APP_EXIT_USAGE;
			continue;
		}
		if ((r = take_production(argc, argv, &i, cfg)) == -2)
			return APP_EXIT_USAGE;
		if (r < 0)
			goto missing;
		if (r > 0)
			continue;
		if ((r = take_string(argc, argv, &i, cfg)) < 0)
			goto missing;
		if (r > 0)
			continue;
		unknown_option(arg);
		return APP_EXIT_USAGE;
	}
	if (!reset_names_ok(cfg))
		return APP_EXIT_USAGE;
	config_apply_env(cfg);
	*cmd_index = i;
	return APP_EXIT_OK;

missing:
	fprintf(stderr, "espdeck: option '%s' needs a value\n", argv[i]);
	return APP_EXIT_USAGE;
}

const char *config_source_name(enum config_source source)
{
	switch (source) {
	case CONFIG_FROM_DEFAULT:
		return "default";
	case CONFIG_FROM_FILE:
		return "config file";
	case CONFIG_FROM_ENV:
		return "environment";
	case CONFIG_FROM_CMDLINE:
		return "command line";
	}
	return "?";
}

const char *config_key_name(enum config_key key)
{
	static const char *const names[CONFIG_KEY_COUNT] = {
	    [CONFIG_PORT] = "--port",
	    [CONFIG_BAUD] = "--baud",
	    [CONFIG_BEFORE] = "--before",
	    [CONFIG_AFTER] = "--after",
	    [CONFIG_CHIP] = "--chip",
	    [CONFIG_TRACE] = "--trace",
	    [CONFIG_FIRMWARE_DIR] = "--firmware-dir",
	    [CONFIG_PRESET] = "--preset",
	    [CONFIG_LOG] = "--log",
	    [CONFIG_CONNECT_ATTEMPTS] = "--connect-attempts",
	    [CONFIG_RESET_SEQUENCE] = "--custom-reset-sequence",
	    [CONFIG_BOOT_CHECK] = "--boot-check",
	    [CONFIG_EXPECT] = "--expect",
	    [CONFIG_BOOT_TIME] = "--boot-time",
	    [CONFIG_APP_BAUD] = "--app-baud",
	    [CONFIG_JOURNAL] = "--journal",
	    [CONFIG_VERBOSE] = "--verbose",
	    [CONFIG_TIMESTAMPS] = "--timestamps",
	};
	return key < CONFIG_KEY_COUNT && names[key] ? names[key] : "?";
}

bool config_word_is(const char *word, const char *name)
{
	for (; *word && *name; word++, name++) {
		char a = *word == '-' ? '_' : *word;
		char b = *name == '-' ? '_' : *name;
		if (a != b)
			return false;
	}
	return *word == *name;
}
