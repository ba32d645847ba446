/* SPDX-License-Identifier: MIT
 * Output files: atomic replace for files, straight writes for FIFOs, devices and open
 * descriptors, refusal for the rest (see outfile.h). */
#include "core/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

/* Symbolic links followed before giving up (Linux's own limit is 40). */
#define MAX_LINKS 40

/* The descriptor a stream name stands for, or -1. */
static int stream_fd(const char *path)
{
	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout"))
		return STDOUT_FILENO;
	if (!strcmp(path, "/dev/stderr"))
		return STDERR_FILENO;
	if (strncmp(path, "/dev/fd/", 8) != 0)
		return -1;
	char *end;
	errno = 0;
	long fd = strtol(path + 8, &end, 10);
	if (errno || end == path + 8 || *end || fd < 0 || fd > INT_MAX)
		return -1;
	return (int)fd;
}

bool ed_output_is_stream(const char *path)
{
	return path && stream_fd(path) >= 0;
}

/* Follows symbolic links from path to the name that is finally written (it may not exist
 * yet). A relative link target is relative to the link's folder. */
static int resolve(const char *path, char *out, size_t cap, struct ed_error *err)
{
	if (snprintf(out, cap, "%s", path) >= (int)cap)
		return ed_fail(err, ED_ERR_ARG, "%s: the path is too long", path);
	for (int hops = 0; hops <= MAX_LINKS; hops++) {
		struct stat st;
		if (lstat(out, &st) != 0 || !S_ISLNK(st.st_mode))
			return ED_OK;
		char target[PATH_MAX];
		ssize_t n = readlink(out, target, sizeof target - 1);
		if (n < 0)
			return ed_fail(err, ED_ERR_IO, "cannot read the link %s: %s", out,
				       strerror(errno));
		target[n] = '\0';
		char next[PATH_MAX];
		const char *slash = strrchr(out, '/');
		int len = target[0] == '/' || !slash ? snprintf(next, sizeof next, "%s", target)
						     : snprintf(next, sizeof next, "%.*s/%s",
								(int)(slash - out), out, target);
		if (len < 0 || (size_t)len >= cap)
			return ed_fail(err, ED_ERR_ARG, "%s: the link's target path is too long",
				       path);
		memcpy(out, next, (size_t)len + 1);
	}
	return ed_fail(err, ED_ERR_ARG, "%s: more than %d symbolic links in a row (a loop?)", path,
		       MAX_LINKS);
}

/* The folder a new file at path goes to must exist and be writable (the temporary file
 * and the rename happen there). */
static int check_folder(const char *user, const char *path, struct ed_error *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	struct stat st;
	if (stat(dir, &st) != 0)
		return ed_fail(err, ED_ERR_IO, "cannot write %s: the folder %s %s", user, dir,
			       errno == ENOENT ? "does not exist (create it first)"
					       : strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return ed_fail(err, ED_ERR_IO, "cannot write %s: %s is not a folder", user, dir);
	if (access(dir, W_OK | X_OK) != 0)
		return ed_fail(err, ED_ERR_IO,
			       "cannot write %s: the folder %s is not writable (%s)", user, dir,
			       strerror(errno));
	return ED_OK;
}

/* What path (resolved) is, for the decision; errors for the kinds that are refused. */
static int classify(const char *user, const char *path, struct stat *st, bool *exists,
		    struct ed_error *err)
{
	*exists = stat(path, st) == 0;
	if (!*exists) {
		if (errno != ENOENT)
			return ed_fail(err, ED_ERR_IO, "cannot write %s: %s", user,
				       strerror(errno));
		return check_folder(user, path, err);
	}
	if (S_ISDIR(st->st_mode))
		return ed_fail(err, ED_ERR_ARG,
			       "%s is a folder: give a file name (for example %s/dump.bin)", user,
			       user);
	if (S_ISBLK(st->st_mode))
		return ed_fail(err, ED_ERR_ARG,
			       "%s is a block device (a disk): espdeck writes files, FIFOs and "
			       "character devices; give a file name",
			       user);
	if (S_ISSOCK(st->st_mode))
		return ed_fail(err, ED_ERR_ARG, "%s is a socket: give a file name", user);
	if (S_ISREG(st->st_mode))
		return check_folder(user, path, err);
	if (access(path, W_OK) != 0)
		return ed_fail(err, ED_ERR_IO, "cannot write %s: %s", user, strerror(errno));
	return ED_OK;
}

int ed_output_check(const char *path, struct ed_error *err)
{
	if (!path || !*path)
		return ed_fail(err, ED_ERR_ARG, "no output file given");
	if (stream_fd(path) >= 0)
		return ED_OK;
	char real[PATH_MAX];
	struct stat st;
	bool exists;
	int rc = resolve(path, real, sizeof real, err);
	return rc < 0 ? rc : classify(path, real, &st, &exists, err);
}

static int write_all(int fd, const char *user, const uint8_t *data, size_t size,
		     struct ed_error *err)
{
	size_t done = 0;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ed_fail(err, ED_ERR_IO,
				       "cannot write %s: %s (%zu of %zu bytes written)", user,
				       n < 0 ? strerror(errno) : "nothing taken", done, size);
		done += (size_t)n;
	}
	return ED_OK;
}

/* FIFOs and character devices: open (a FIFO waits for its reader) and write. */
static int write_straight(const char *user, const char *path, const uint8_t *data, size_t size,
			  struct ed_error *err)
{
	int fd;
	do
		fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return ed_fail(err, ED_ERR_IO, "cannot open %s: %s", user, strerror(errno));
	int rc = write_all(fd, user, data, size, err);
	if (close(fd) != 0 && rc == ED_OK && errno != EINTR)
		rc = ed_fail(err, ED_ERR_IO, "cannot close %s: %s", user, strerror(errno));
	return rc;
}

int ed_output_write(const char *path, const uint8_t *data, size_t size, struct ed_error *err)
{
	if (!path || !*path)
		return ed_fail(err, ED_ERR_ARG, "no output file given");
	int fd = stream_fd(path);
	if (fd >= 0)
		return write_all(fd, strcmp(path, "-") ? path : "stdout", data, size, err);
	char real[PATH_MAX];
	struct stat st;
	bool exists;
	int rc = resolve(path, real, sizeof real, err);
	if (rc == ED_OK)
		rc = classify(path, real, &st, &exists, err);
	if (rc < 0)
		return rc;
	if (exists && !S_ISREG(st.st_mode))
		return write_straight(path, real, data, size, err);
	rc = ed_write_file_atomic_mode(real, data, size, exists ? (int)(st.st_mode & 07777) : -1,
				       err);
	if (rc < 0 && strcmp(real, path))
		ed_error_prefix(err, "%s (a link to %s)", path, real);
	return rc;
}
