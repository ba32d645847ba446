/* SPDX-License-Identifier: MIT
 * Journal reader (journal.h): parses the CSV back, skipping a torn or damaged line with a
 * count instead of failing, filters entries, and answers "was this MAC flashed before". */
#include "journal/journal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "journal/csv.h"

/* A journal of a busy bench for years stays far below this. */
#define JOURNAL_MAX_BYTES (256u << 20)

int journal_parse_date(const char *text, bool end_of_day, time_t *out, struct ed_error *err)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	int y, mo, d, h = 0, mi = 0, s = 0, used = 0;
	char tail[8] = "";
	bool date_only = false;
	if (sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &used) == 3 && text[used] == '\0') {
		date_only = true;
	} else if (sscanf(text, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &used) == 5) {
		const char *rest = text + used;
		if (*rest == ':' && sscanf(rest, ":%2d%n", &s, &used) == 1)
			rest += used;
		snprintf(tail, sizeof tail, "%s", rest);
		if (strcmp(tail, "") && strcmp(tail, "Z"))
			goto bad;
	} else {
		goto bad;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		goto bad;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*out = timegm(&tm) + (date_only && end_of_day ? 86400 : 0);
	return ED_OK;
bad:
	return ed_fail(err, ED_ERR_ARG,
		       "cannot read the date '%s': use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC)",
		       text);
}

bool journal_mac_normalize(const char *mac, char out[13])
{
	size_t n = 0;
	for (const char *p = mac; p && *p; p++) {
		if (*p == ':' || *p == '-' || *p == '.')
			continue;
		if (!isxdigit((unsigned char)*p) || n == 12)
			return false;
		out[n++] = (char)tolower((unsigned char)*p);
	}
	out[n] = '\0';
	return n == 12;
}

int journal_filter_check(const struct journal_filter *f, struct ed_error *err)
{
	char mac[13];
	if (f->mac && !journal_mac_normalize(f->mac, mac))
		return ed_fail(
		    err, ED_ERR_ARG,
		    "'%s' is not a MAC address: give 12 hex digits, e.g. 5c:cf:7f:01:02:03",
		    f->mac);
	if (f->result && strcmp(f->result, "ok") && strcmp(f->result, "failed") &&
	    strcmp(f->result, "cancelled"))
		return ed_fail(err, ED_ERR_ARG, "unknown result '%s': use ok, failed or cancelled",
			       f->result);
	if (f->since && f->until && f->until <= f->since)
		return ed_fail(err, ED_ERR_ARG, "--until is not after --since: nothing can match");
	return ED_OK;
}

/* True when the files column ("a.bin=md5;b.bin=md5") names file, by full name or by the
 * last path component. */
static bool names_file(const char *files, const char *file)
{
	const char *want = ed_basename(file);
	char buf[sizeof((struct journal_entry *)0)->files];
	snprintf(buf, sizeof buf, "%s", files);
	char *save = NULL;
	for (char *item = strtok_r(buf, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
		char *eq = strrchr(item, '=');
		if (eq)
			*eq = '\0';
		if (!strcmp(item, file) || !strcmp(ed_basename(item), want))
			return true;
	}
	return false;
}

bool journal_entry_matches(const struct journal_entry *e, const struct journal_filter *f)
{
	char want[13], have[13];
	if (f->mac && (!journal_mac_normalize(f->mac, want) ||
		       !journal_mac_normalize(e->mac, have) || strcmp(want, have)))
		return false;
	if (f->result && strcmp(f->result, e->result))
		return false;
	if (f->since && (e->when < 0 || e->when < f->since))
		return false;
	if (f->until && (e->when < 0 || e->when >= f->until))
		return false;
	if (f->file && !names_file(e->files, f->file))
		return false;
	return true;
}

static void fill_entry(struct journal_entry *e, char **field, size_t count, size_t line_no)
{
	struct {
		char *dst;
		size_t cap;
	} cols[JOURNAL_COLUMNS] = {
	    {e->time, sizeof e->time},
	    {e->port, sizeof e->port},
	    {e->chip, sizeof e->chip},
	    {e->mac, sizeof e->mac},
	    {e->flash_id, sizeof e->flash_id},
	    {e->preset, sizeof e->preset},
	    {e->files, sizeof e->files},
	    {e->result, sizeof e->result},
	    {e->duration_s, sizeof e->duration_s},
	    {e->error, sizeof e->error},
	    {e->slot, sizeof e->slot},
	};
	for (size_t i = 0; i < JOURNAL_COLUMNS; i++)
		snprintf(cols[i].dst, cols[i].cap, "%s", i < count ? field[i] : "");
	e->line_no = line_no;
	if (journal_parse_date(e->time, false, &e->when, NULL) < 0)
		e->when = -1;
}

static size_t count_lines(const char *p, size_t n)
{
	size_t lines = 0;
	for (size_t i = 0; i < n; i++)
		lines += p[i] == '\n';
	return lines;
}

static void note_damage(struct journal_stats *st, size_t line_no)
{
	if (!st->damaged++)
		st->first_damaged_line = line_no;
}

int journal_read(const char *path, journal_entry_fn fn, void *user, struct journal_stats *stats,
		 struct ed_error *err)
{
	struct journal_stats local;
	struct journal_stats *st = stats ? stats : &local;
	memset(st, 0, sizeof *st);
	uint8_t *data = NULL;
	size_t len = 0;
	int rc = ed_read_file(path, &data, &len, JOURNAL_MAX_BYTES, err);
	if (rc < 0)
		return rc;
	struct journal_entry *e = malloc(sizeof *e);
	char *scratch = malloc(sizeof *e);
	if (!e || !scratch) {
		free(e);
		free(scratch);
		free(data);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory reading the journal");
	}
	const char *p = (const char *)data;
	size_t off = 0, line_no = 1;
	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		off = 3; /* a UTF-8 byte order mark, added when a spreadsheet saved the file */
	rc = ED_OK;
	while (off < len && rc == ED_OK) {
		char *field[JOURNAL_COLUMNS];
		size_t count = 0, skip = 0;
		long used = csv_parse_record(p + off, len - off, scratch, sizeof *e, field,
					     JOURNAL_COLUMNS, &count, &skip);
		if (used == 0) {
			st->torn_tail = true;
			break;
		}
		size_t adv = used > 0 ? (size_t)used : skip;
		bool header = line_no == 1 && used > 0 && count >= 1 && !strcmp(field[0], "time");
		bool columns_ok = count == JOURNAL_COLUMNS || count == JOURNAL_COLUMNS_V1;
		if (used < 0 || (!columns_ok && !header)) {
			/* A damaged line, or a torn line closed off by a later append. */
			note_damage(st, line_no);
		} else if (!header) {
			fill_entry(e, field, count, line_no);
			st->entries++;
			if (fn)
				rc = fn(user, e);
		}
		line_no += count_lines(p + off, adv);
		off += adv;
	}
	free(e);
	free(scratch);
	free(data);
	return rc;
}

struct lookup {
	char mac[13];
	struct journal_history *out;
};

static int lookup_one(void *user, const struct journal_entry *e)
{
	struct lookup *l = user;
	char have[13];
	if (!journal_mac_normalize(e->mac, have) || strcmp(have, l->mac))
		return 0;
	l->out->times++;
	l->out->ok += !strcmp(e->result, "ok");
	l->out->last = *e; /* file order is time order: appends only */
	return 0;
}

int journal_lookup_mac(const char *path, const char *mac, struct journal_history *out,
		       struct ed_error *err)
{
	memset(out, 0, sizeof *out);
	struct lookup l = {.out = out};
	if (!journal_mac_normalize(mac, l.mac))
		return ed_fail(err, ED_ERR_ARG, "'%s' is not a MAC address", mac);
	int rc = journal_read(path, lookup_one, &l, NULL, err);
	if (rc == ED_ERR_NOTFOUND) {
		ed_error_clear(err);
		return ED_OK;
	}
	return rc;
}

void journal_files_text(const struct journal_file *files, size_t count, char *out, size_t cap)
{
	size_t len = 0;
	if (cap)
		out[0] = '\0';
	for (size_t i = 0; i < count && len < cap; i++) {
		int n = snprintf(out + len, cap - len, "%s%s=%s", i ? ";" : "",
				 files[i].name ? files[i].name : "", files[i].md5);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

struct written {
	char mac[13];
	const char *files;
	struct journal_entry *out;
	bool found;
};

/* The files column without the board's own MD5s ("name=md5/board:MD5" reads as
 * "name=md5"): a board proven by the stub has the same files as the spec lists. */
static bool same_files(const char *logged, const char *want)
{
	while (*logged && *logged == *want) {
		logged++;
		want++;
		if (!strncmp(logged, "/board:", 7))
			logged += strcspn(logged, ";");
	}
	return *logged == *want;
}

static int written_one(void *user, const struct journal_entry *e)
{
	struct written *w = user;
	char have[13];
	if (strcmp(e->result, "ok") || !same_files(e->files, w->files) ||
	    !journal_mac_normalize(e->mac, have) || strcmp(have, w->mac))
		return 0;
	w->found = true;
	if (w->out)
		*w->out = *e; /* the latest one wins: file order is time order */
	return 0;
}

int journal_find_written(const char *path, const char *mac, const char *files_text,
			 struct journal_entry *out, struct ed_error *err)
{
	struct written w = {.files = files_text, .out = out};
	if (!journal_mac_normalize(mac, w.mac))
		return ed_fail(err, ED_ERR_ARG, "'%s' is not a MAC address", mac);
	int rc = journal_read(path, written_one, &w, NULL, err);
	if (rc == ED_ERR_NOTFOUND) {
		ed_error_clear(err);
		return 0;
	}
	return rc < 0 ? rc : w.found;
}
