/* SPDX-License-Identifier: MIT
 * espdeck journal [--journal FILE] [--mac M] [--result ok|failed|cancelled]
 *                 [--since DATE] [--until DATE] [--file F] [--csv]
 * The journal of flashed boards (src/journal), as a table or CSV. */
#include "cli/cli.h"
#include "cli/cli_int.h"

#include <stdio.h>
#include <string.h>

#include "journal/journal.h"

#define JOURNAL_USAGE                                                                              \
	"espdeck journal [--journal FILE] [--mac M] [--result ok|failed|cancelled] "               \
	"[--since DATE] [--until DATE] [--file F] [--csv]"

struct journal_listing {
	struct journal_filter filter;
	bool csv;
	size_t shown, ok, failed, cancelled;
};

/* The files column without the MD5s, for the table ("boot_v1.6.bin user1.bin"). */
static void file_names(const char *files, char *out, size_t cap)
{
	size_t o = 0;
	bool skipping = false;
	for (const char *p = files; *p && o + 1 < cap; p++) {
		if (*p == '=')
			skipping = true;
		else if (*p == ';') {
			skipping = false;
			out[o++] = ' ';
		} else if (!skipping)
			out[o++] = *p;
	}
	out[o] = '\0';
}

static void print_csv_field(const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n") || (*s && (s[0] == ' ' || s[strlen(s) - 1] == ' '))) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
	fputs(last ? "\r\n" : ",", stdout);
}

static int list_entry(void *user, const struct journal_entry *e)
{
	struct journal_listing *l = user;
	if (!journal_entry_matches(e, &l->filter))
		return 0;
	l->shown++;
	l->ok += !strcmp(e->result, "ok");
	l->failed += !strcmp(e->result, "failed");
	l->cancelled += !strcmp(e->result, "cancelled");
	if (l->csv) {
		const char *cols[JOURNAL_COLUMNS] = {e->time,	    e->port,   e->chip,	 e->mac,
						     e->flash_id,   e->preset, e->files, e->result,
						     e->duration_s, e->error,  e->slot};
		for (size_t i = 0; i < JOURNAL_COLUMNS; i++)
			print_csv_field(cols[i], i + 1 == JOURNAL_COLUMNS);
		return 0;
	}
	char names[1024], error[sizeof e->error];
	file_names(e->files, names, sizeof names);
	snprintf(error, sizeof error, "%s", e->error);
	for (char *p = error; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	printf("%-20s  %-14s  %-17s  %-9s  %6s s  %-10s  %s%s%s%s%s\n", e->time, e->port, e->mac,
	       e->result, e->duration_s, e->preset, names, *e->slot ? "  slot: " : "", e->slot,
	       *error ? "  error: " : "", error);
	return 0;
}

int cmd_journal(const struct config *cfg, int argc, char **argv)
{
	const char *path = NULL, *mac = NULL, *result = NULL, *since = NULL, *until = NULL,
		   *file = NULL, *pos[1];
	bool csv = false;
	const struct cli_opt opts[] = {
	    {"journal", &path, NULL}, {"mac", &mac, NULL},     {"result", &result, NULL},
	    {"since", &since, NULL},  {"until", &until, NULL}, {"file", &file, NULL},
	    {"csv", NULL, &csv},
	};
	size_t npos;
	int rc = cli_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &npos,
				JOURNAL_USAGE);
	if (rc != CLI_EXIT_OK)
		return rc;
	struct ed_error err;
	char default_path[4096];
	if (!path)
		path = cfg->journal_path; /* the global --journal FILE */
	if (!path) {
		if (journal_default_path(default_path, sizeof default_path, &err) < 0)
			return cli_report("journal", &err);
		path = default_path;
	}
	struct journal_listing l = {.csv = csv};
	l.filter = (struct journal_filter){.mac = mac, .result = result, .file = file};
	if ((since && journal_parse_date(since, false, &l.filter.since, &err) < 0) ||
	    (until && journal_parse_date(until, true, &l.filter.until, &err) < 0) ||
	    journal_filter_check(&l.filter, &err) < 0)
		return cli_report("journal", &err);

	if (csv)
		printf("%s\r\n", JOURNAL_HEADER);
	struct journal_stats st;
	rc = journal_read(path, list_entry, &l, &st, &err);
	if (rc == ED_ERR_NOTFOUND) {
		fprintf(stderr,
			"espdeck journal: no journal yet at %s (no board has been flashed "
			"with it)\n",
			path);
		return CLI_EXIT_OK;
	}
	if (rc < 0)
		return cli_report("journal", &err);
	if (st.damaged)
		fprintf(stderr,
			"espdeck journal: %zu damaged line%s skipped in %s (first at line "
			"%zu)\n",
			st.damaged, st.damaged == 1 ? "" : "s", path, st.first_damaged_line);
	if (st.torn_tail)
		fprintf(stderr,
			"espdeck journal: the last line of %s is incomplete (a write was "
			"interrupted); it is ignored\n",
			path);
	if (!csv)
		printf("%zu of %zu entries (%zu ok, %zu failed, %zu cancelled) in %s\n", l.shown,
		       st.entries, l.ok, l.failed, l.cancelled, path);
	return CLI_EXIT_OK;
}
