/* SPDX-License-Identifier: MIT
 * Read-only mmap of a dump, with change detection by fstat (see dump_file.h). */
#include "dump/dump_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct dump_file {
	int fd;
	const uint8_t *data;
	size_t size;
	struct timespec mtime;
	dev_t dev;
	ino_t ino;
	char *path;
	bool changed;
};

/* Flash addresses are 32 bits, and the largest ESP8266 flash is 16 MiB; anything past
 * 4 GiB cannot be a dump and would overflow the address arithmetic. */
#define DUMP_FILE_MAX 0xFFFFFFFFull

int dump_file_open(const char *path, struct dump_file **out, struct ed_error *err)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ed_fail(err, errno == ENOENT ? ED_ERR_NOTFOUND : ED_ERR_IO,
			       "cannot open %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return ed_fail(err, ED_ERR_IO, "cannot stat %s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return ed_fail(err, ED_ERR_FORMAT,
			       "%s is not a regular file (a dump is a file made by read_flash)",
			       path);
	}
	if (st.st_size == 0) {
		close(fd);
		return ed_fail(err, ED_ERR_FORMAT,
			       "%s is empty (0 bytes): nothing to show; did read_flash fail?",
			       path);
	}
	if ((unsigned long long)st.st_size > DUMP_FILE_MAX) {
		close(fd);
		return ed_fail(err, ED_ERR_FORMAT, "%s is larger than 4 GiB: not a flash dump",
			       path);
	}
	size_t size = (size_t)st.st_size;
	void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		int e = errno;
		close(fd);
		return ed_fail(err, ED_ERR_IO, "cannot map %s: %s", path, strerror(e));
	}
	struct dump_file *f = calloc(1, sizeof *f);
	char *copy = strdup(path);
	if (!f || !copy) {
		free(f);
		free(copy);
		munmap(map, size);
		close(fd);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory opening %s", path);
	}
	f->fd = fd;
	f->data = map;
	f->size = size;
	f->mtime = st.st_mtim;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->path = copy;
	*out = f;
	return ED_OK;
}

void dump_file_destroy(struct dump_file *f)
{
	if (!f)
		return;
	munmap((void *)f->data, f->size);
	close(f->fd);
	free(f->path);
	free(f);
}

const uint8_t *dump_file_data(const struct dump_file *f)
{
	return f->data;
}

size_t dump_file_size(const struct dump_file *f)
{
	return f->size;
}

const char *dump_file_path(const struct dump_file *f)
{
	return f->path;
}

int dump_file_check(struct dump_file *f, struct ed_error *err)
{
	struct stat st;
	if (f->changed)
		return ed_fail(err, ED_ERR_FORMAT, "%s changed on disk while viewed; reopen it",
			       f->path);
	if (fstat(f->fd, &st) < 0)
		return ed_fail(err, ED_ERR_IO, "cannot stat %s: %s", f->path, strerror(errno));
	if ((size_t)st.st_size != f->size) {
		f->changed = true;
		return ed_fail(err, ED_ERR_FORMAT,
			       "%s changed on disk while viewed (%zu bytes, now %lld); reopen it",
			       f->path, f->size, (long long)st.st_size);
	}
	if (st.st_mtim.tv_sec != f->mtime.tv_sec || st.st_mtim.tv_nsec != f->mtime.tv_nsec) {
		f->changed = true;
		return ed_fail(err, ED_ERR_FORMAT,
			       "%s was rewritten while viewed (same size, new contents); reopen it",
			       f->path);
	}
	/* An atomic rewrite (new file renamed over the old one) leaves our mapping intact
	 * but stale: compare the inode the path names now. */
	struct stat now;
	if (stat(f->path, &now) < 0 || now.st_dev != f->dev || now.st_ino != f->ino) {
		f->changed = true;
		return ed_fail(err, ED_ERR_FORMAT,
			       "%s was replaced or removed while viewed; reopen it", f->path);
	}
	return ED_OK;
}
