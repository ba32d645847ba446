/* SPDX-License-Identifier: MIT
 * Journal writer (journal.h): where the journal lives and the durable append. */
#include "journal/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/csv.h"

int journal_default_path(char *out, size_t cap, struct ed_error *err)
{
	/* XDG Base Directory: state data goes to $XDG_STATE_HOME, default ~/.local/state;
	 * a relative value is invalid and must be ignored. */
	const char *state = getenv("XDG_STATE_HOME");
	int n;
	if (state && state[0] == '/') {
		n = snprintf(out, cap, "%s/espdeck/journal.csv", state);
	} else {
		const char *home = getenv("HOME");
		if (!home || !*home)
			return ed_fail(
			    err, ED_ERR_NOTFOUND,
			    "no place for the journal: neither XDG_STATE_HOME nor HOME is "
			    "set; use --journal FILE");
		n = snprintf(out, cap, "%s/.local/state/espdeck/journal.csv", home);
	}
	if (n < 0 || (size_t)n >= cap)
		return ed_fail(err, ED_ERR_ARG, "the journal path is too long");
	return ED_OK;
}

/* Creates every missing folder above the file at path. */
static int make_parent_dirs(const char *path, struct ed_error *err)
{
	char dir[4096];
	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
		return ed_fail(err, ED_ERR_ARG, "the journal path is too long: %s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return ED_OK;
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		bool end = *p == '\0';
		if (*p == '/' || end) {
			*p = '\0';
			if (mkdir(dir, 0755) && errno != EEXIST)
				return ed_fail(err, ED_ERR_IO,
					       "cannot create the folder %s for the journal: %s",
					       dir, strerror(errno));
			if (end)
				break;
			*p = '/';
		}
	}
	return ED_OK;
}

static void format_time(time_t t, char *out, size_t cap)
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, cap, "?");
}

static int build_line(const struct journal_record *rec, struct csv_line *line, struct ed_error *err)
{
	char when[32], duration[32];
	format_time(rec->time ? rec->time : time(NULL), when, sizeof when);
	snprintf(duration, sizeof duration, "%.1f", rec->duration_s);

	struct csv_line files;
	csv_line_init(&files);
	/* The files column is one field: "name=md5;name=md5" (no CSV quoting inside). */
	for (size_t i = 0; i < rec->file_count; i++) {
		const char *name = rec->files[i].name ? rec->files[i].name : "";
		size_t need = files.len + strlen(name) + 80;
		char *p = files.cap >= need ? files.text : realloc(files.text, need * 2);
		if (!p) {
			csv_line_finish(&files);
			return ed_fail(err, ED_ERR_NOMEM, "out of memory building a journal line");
		}
		files.text = p;
		files.cap = files.cap >= need ? files.cap : need * 2;
		const char *board = rec->files[i].board_md5;
		files.len += (size_t)snprintf(files.text + files.len, files.cap - files.len,
					      "%s%s=%s%s%s", i ? ";" : "", name, rec->files[i].md5,
					      board[0] ? "/board:" : "", board);
	}

	csv_line_init(line);
	const char *fields[JOURNAL_COLUMNS] = {when,
					       rec->port,
					       rec->chip,
					       rec->mac,
					       rec->flash_id,
					       rec->preset,
					       files.text ? files.text : "",
					       rec->result,
					       duration,
					       rec->error,
					       rec->slot};
	for (size_t i = 0; i < JOURNAL_COLUMNS; i++)
		csv_line_add(line, fields[i]);
	csv_line_finish(&files);
	return csv_line_end(line, err);
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* What must precede the line: the header in a new file, a line end after a torn line. */
static const char *prefix_for(int fd, off_t size)
{
	if (size == 0)
		return JOURNAL_HEADER "\r\n";
	char last = '\n';
	if (pread(fd, &last, 1, size - 1) == 1 && last != '\n')
		return "\r\n";
	return "";
}

static void sync_parent_dir(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int journal_append(const char *path, const struct journal_record *rec, struct ed_error *err)
{
	struct csv_line line;
	int rc = build_line(rec, &line, err);
	if (rc < 0) {
		csv_line_finish(&line);
		return rc;
	}
	rc = make_parent_dirs(path, err);
	if (rc < 0) {
		csv_line_finish(&line);
		return rc;
	}
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = ed_fail(err, ED_ERR_IO, "cannot open the journal %s: %s", path,
			     strerror(errno));
		csv_line_finish(&line);
		return rc;
	}
	struct stat st;
	if (flock(fd, LOCK_EX) || fstat(fd, &st)) {
		rc = ed_fail(err, ED_ERR_IO, "cannot lock the journal %s: %s", path,
			     strerror(errno));
		goto out;
	}
	const char *prefix = prefix_for(fd, st.st_size);
	size_t plen = strlen(prefix);
	char *buf = malloc(plen + line.len);
	if (!buf) {
		rc = ed_fail(err, ED_ERR_NOMEM, "out of memory writing the journal");
		goto out;
	}
	memcpy(buf, prefix, plen);
	memcpy(buf + plen, line.text, line.len);
	/* One write(): concurrent appenders cannot interleave inside a line. */
	if (write_all(fd, buf, plen + line.len) || fsync(fd))
		rc = ed_fail(err, ED_ERR_IO, "cannot write the journal %s: %s", path,
			     strerror(errno));
	else if (st.st_size == 0)
		sync_parent_dir(path); /* a new file's name must survive a power loss too */
	free(buf);
out:
	close(fd); /* also releases the lock */
	csv_line_finish(&line);
	return rc;
}
