/* SPDX-License-Identifier: MIT
 * Baud memory (baudmem.h): the bridge key, the table file and its atomic rewrite. */
#include "link/baudmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "link/ports.h"

#define BAUDMEM_MAX_LINES 512 /* bridges kept; the oldest lines go first */

static bool is_device_path(const char *spec)
{
	return !strstr(spec, "://");
}

void baudmem_bridge_key(const char *port_spec, char *out, size_t cap)
{
	const char *spec = port_spec ? port_spec : "";
	uint16_t vid, pid;
	char serial[64];
	if (is_device_path(spec) && ports_usb_identity(spec, &vid, &pid, serial, sizeof serial))
		snprintf(out, cap, "usb:%04x:%04x:%s", vid, pid, serial);
	else
		snprintf(out, cap, "port:%s", spec);
	/* a key is one field of a tab-separated line */
	for (char *p = out; *p; p++)
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = '_';
}

int baudmem_path(char *out, size_t cap, struct ed_error *err)
{
	/* XDG Base Directory: a relative XDG_STATE_HOME is invalid and ignored. */
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int n;
	if (state && state[0] == '/')
		n = snprintf(out, cap, "%s/espdeck/bauds", state);
	else if (home && *home)
		n = snprintf(out, cap, "%s/.local/state/espdeck/bauds", home);
	else
		return ed_fail(err, ED_ERR_NOTFOUND,
			       "no place for the baud memory: neither XDG_STATE_HOME nor HOME "
			       "is set");
	if (n < 0 || (size_t)n >= cap)
		return ed_fail(err, ED_ERR_ARG, "the baud memory path is too long");
	return ED_OK;
}

struct baudmem_entry baudmem_update(struct baudmem_entry e, uint32_t baud, bool worked)
{
	if (!baud)
		return e;
	if (worked) {
		if (baud > e.worked)
			e.worked = baud;
		if (e.failed && e.failed <= baud)
			e.failed = 0;
	} else {
		if (!e.failed || baud < e.failed)
			e.failed = baud;
		if (e.worked >= baud)
			e.worked = 0;
	}
	return e;
}

void baudmem_warning(const struct baudmem_entry *e, uint32_t baud, char *out, size_t cap)
{
	if (cap)
		out[0] = '\0';
	if (!e->failed || baud < e->failed)
		return;
	char worked[48] = "";
	if (e->worked)
		snprintf(worked, sizeof worked, "; %u worked", e->worked);
	if (baud == e->failed)
		snprintf(out, cap, "%u baud failed on this bridge last time%s", baud, worked);
	else
		snprintf(out, cap, "%u baud failed on this bridge last time, so %u may too%s",
			 e->failed, baud, worked);
}

/* Parses one table line; false for comments and anything malformed. */
static bool parse_line(char *line, char **key, struct baudmem_entry *e)
{
	if (line[0] == '#' || !line[0])
		return false;
	char *t1 = strchr(line, '\t');
	if (!t1)
		return false;
	*t1 = '\0';
	char *end;
	unsigned long w = strtoul(t1 + 1, &end, 10);
	if (*end != '\t')
		return false;
	unsigned long f = strtoul(end + 1, &end, 10);
	if (*end != '\0' && *end != '\n')
		return false;
	*key = line;
	e->worked = (uint32_t)w;
	e->failed = (uint32_t)f;
	return true;
}

int baudmem_lookup(const char *key, struct baudmem_entry *out, struct ed_error *err)
{
	memset(out, 0, sizeof *out);
	char path[4096];
	int rc = baudmem_path(path, sizeof path, err);
	if (rc < 0)
		return rc;
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		return ed_fail(err, ED_ERR_IO, "cannot read the baud memory %s: %s", path,
			       strerror(errno));
	}
	char line[1024];
	int found = 0;
	while (fgets(line, sizeof line, f)) {
		char *k;
		struct baudmem_entry e;
		if (parse_line(line, &k, &e) && !strcmp(k, key)) {
			*out = e;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static int make_dirs(const char *path, struct ed_error *err)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return ED_OK;
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		bool end = *p == '\0';
		if (*p == '/' || end) {
			*p = '\0';
			if (mkdir(dir, 0755) && errno != EEXIST)
				return ed_fail(
				    err, ED_ERR_IO,
				    "cannot create the folder %s for the baud memory: %s", dir,
				    strerror(errno));
			if (end)
				return ED_OK;
			*p = '/';
		}
	}
}

/* Copies the table without key's line to out (at most BAUDMEM_MAX_LINES - 1 lines, the
 * newest), then key's new line last. */
static int rewrite(FILE *in, FILE *out, const char *key, struct baudmem_entry e)
{
	char(*lines)[1024] = calloc(BAUDMEM_MAX_LINES, sizeof *lines);
	if (!lines)
		return ED_ERR_NOMEM;
	size_t n = 0, first = 0;
	char line[1024];
	while (in && fgets(line, sizeof line, in)) {
		char copy[1024], *k;
		struct baudmem_entry old;
		snprintf(copy, sizeof copy, "%s", line);
		if (!parse_line(copy, &k, &old) || !strcmp(k, key))
			continue;
		snprintf(lines[(first + n) % BAUDMEM_MAX_LINES], sizeof line, "%s", line);
		if (n < BAUDMEM_MAX_LINES - 1)
			n++;
		else
			first = (first + 1) % BAUDMEM_MAX_LINES;
	}
	fprintf(out, "# espdeck baud memory: bridge<TAB>highest rate that worked<TAB>lowest "
		     "rate that failed (0 = none)\n");
	for (size_t i = 0; i < n; i++)
		fputs(lines[(first + i) % BAUDMEM_MAX_LINES], out);
	fprintf(out, "%s\t%u\t%u\n", key, e.worked, e.failed);
	free(lines);
	return ED_OK;
}

int baudmem_record(const char *key, uint32_t baud, bool worked, struct ed_error *err)
{
	char path[4096], tmp[4200], lock[4200];
	int rc = baudmem_path(path, sizeof path, err);
	if (rc < 0)
		return rc;
	if ((rc = make_dirs(path, err)) < 0)
		return rc;
	snprintf(lock, sizeof lock, "%s.lock", path);
	snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
	int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lfd < 0 || flock(lfd, LOCK_EX) < 0) {
		rc = ed_fail(err, ED_ERR_IO, "cannot lock the baud memory %s: %s", lock,
			     strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return rc;
	}
	struct baudmem_entry e;
	struct ed_error lerr;
	if (baudmem_lookup(key, &e, &lerr) < 0)
		memset(&e, 0, sizeof e); /* an unreadable table is replaced */
	e = baudmem_update(e, baud, worked);
	FILE *in = fopen(path, "r");
	FILE *out = fopen(tmp, "w");
	rc = out ? rewrite(in, out, key, e) : ED_ERR_IO;
	if (in)
		fclose(in);
	if (out && (fflush(out) || fsync(fileno(out))))
		rc = ED_ERR_IO;
	if (out && fclose(out))
		rc = ED_ERR_IO;
	if (rc == ED_OK && rename(tmp, path) < 0)
		rc = ED_ERR_IO;
	if (rc < 0) {
		ed_fail(err, rc, "cannot write the baud memory %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	close(lfd); /* releases the lock */
	return rc;
}
