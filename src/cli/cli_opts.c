/* SPDX-License-Identifier: MIT
 * The option parser of the production commands (journal, publish, monitor). */
#include "cli/cli.h"
#include "cli/cli_int.h"
#include "cli/cli_opt_int.h"

#include <stdio.h>
#include <string.h>

int cli_parse_opts(int argc, char **argv, const struct cli_opt *opts, size_t nopts,
		   const char **pos, size_t maxpos, size_t *npos, const char *usage_line)
{
	bool only_pos = false;
	*npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!only_pos && !strcmp(arg, "--")) {
			only_pos = true;
			continue;
		}
		if (only_pos || strncmp(arg, "--", 2)) {
			if (*npos == maxpos) {
				fprintf(stderr,
					"espdeck %s: too many arguments ('%s')\nusage: %s\n",
					argv[0], arg, usage_line);
				return CLI_EXIT_USAGE;
			}
			pos[(*npos)++] = arg;
			continue;
		}
		const char *eq = strchr(arg, '=');
		char name[32];
		size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		const struct cli_opt *o = NULL;
		if (len < sizeof name) {
			memcpy(name, arg + 2, len);
			name[len] = '\0';
			for (size_t k = 0; k < nopts && !o; k++)
				if (cli_word_is(name, opts[k].name))
					o = &opts[k];
		}
		if (!o) {
			const char *names[33];
			size_t n = 0;
			for (; n < nopts && n < 32; n++)
				names[n] = opts[n].name;
			names[n] = NULL;
			const char *hint = cli_opt_suggest(arg, names);
			fprintf(stderr, "espdeck %s: unknown option '%s'%s%s%s\nusage: %s\n",
				argv[0], arg, hint ? "; did you mean --" : "", hint ? hint : "",
				hint ? "?" : "", usage_line);
			return CLI_EXIT_USAGE;
		}
		if (o->flag) {
			*o->flag = true;
			continue;
		}
		if (!eq && i + 1 >= argc) {
			fprintf(stderr, "espdeck %s: option '%s' needs a value\nusage: %s\n",
				argv[0], arg, usage_line);
			return CLI_EXIT_USAGE;
		}
		*o->value = eq ? eq + 1 : argv[++i];
	}
	return CLI_EXIT_OK;
}

int cli_report(const char *cmd, const struct ed_error *err)
{
	fprintf(stderr, "espdeck %s: %s\n", cmd, err->msg);
	return err->code == ED_ERR_ARG ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
}
