/* SPDX-License-Identifier: MIT
 * Small shared helpers (see util.h). */
#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	return 99;
}

static bool parse_digits(const char *s, unsigned base, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	bool any = false, last_us = false;
	for (; *s; s++) {
		if (*s == '_') {
			if (!any || last_us)
				return false;
			last_us = true;
			continue;
		}
		int d = digit_value(*s);
		if (d >= (int)base)
			break;
		v = v * base + (unsigned)d;
		if (v > 0xFFFFFFFFull)
			return false;
		any = true;
		last_us = false;
	}
	if (!any || last_us)
		return false;
	*out = v;
	*end = s;
	return true;
}

static bool parse_number(const char *text, uint64_t *out, const char **end)
{
	const char *s = text;
	if (!s)
		return false;
	while (isspace((unsigned char)*s))
		s++;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	else if (s[0] == '0' && s[1] != '\0') {
		/* Python rejects "017"; accept only all-zero strings like "00". */
		for (const char *p = s; *p; p++)
			if (*p != '0' && *p != '_')
				return false;
	}
	return parse_digits(s, base, out, end);
}

bool ed_parse_u32(const char *text, uint32_t *out)
{
	uint64_t v;
	const char *end;
	if (!parse_number(text, &v, &end))
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return false;
	*out = (uint32_t)v;
	return true;
}

bool ed_parse_size(const char *text, uint32_t *out)
{
	uint64_t v;
	const char *end;
	if (!parse_number(text, &v, &end))
		return false;
	uint64_t mul = 1;
	if (*end == 'k' || *end == 'K')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v * mul > 0xFFFFFFFFull)
		return false;
	*out = (uint32_t)(v * mul);
	return true;
}

int ed_read_file(const char *path, uint8_t **data, size_t *size, size_t max_bytes,
		 struct ed_error *err)
{
	*data = NULL;
	*size = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ed_fail(err, errno == ENOENT ? ED_ERR_NOTFOUND : ED_ERR_IO,
			       "cannot open %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ed_fail(err, ED_ERR_IO, "%s is not a regular file", path);
	}
	if ((uint64_t)st.st_size > max_bytes) {
		close(fd);
		return ed_fail(err, ED_ERR_FORMAT, "%s is %lld bytes, more than the %zu allowed",
			       path, (long long)st.st_size, max_bytes);
	}
	size_t want = (size_t)st.st_size;
	uint8_t *buf = malloc(want ? want : 1);
	if (!buf) {
		close(fd);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory reading %s", path);
	}
	size_t got = 0;
	while (got < want) {
		ssize_t n = read(fd, buf + got, want - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			free(buf);
			close(fd);
			return ed_fail(err, ED_ERR_IO, "cannot read %s: %s", path,
				       n < 0 ? strerror(e) : "file shrank while reading");
		}
		got += (size_t)n;
	}
	close(fd);
	*data = buf;
	*size = got;
	return ED_OK;
}

int ed_write_file_atomic(const char *path, const uint8_t *data, size_t size, struct ed_error *err)
{
	return ed_write_file_atomic_mode(path, data, size, -1, err);
}

int ed_write_file_atomic_mode(const char *path, const uint8_t *data, size_t size, int mode,
			      struct ed_error *err)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 32);
	if (!tmp)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory writing %s", path);
	snprintf(tmp, plen + 32, "%s.partial-XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return ed_fail(err, ED_ERR_IO, "cannot create a file next to %s: %s", path,
			       strerror(e));
	}
	size_t done = 0;
	int rc = ED_OK;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ed_fail(err, ED_ERR_IO, "cannot write %s: %s", path, strerror(errno));
			break;
		}
		done += (size_t)n;
	}
	if (rc == ED_OK && fsync(fd) != 0)
		rc = ed_fail(err, ED_ERR_IO, "cannot sync %s: %s", path, strerror(errno));
	/* mkstemp makes 0600; dumps and images are ordinary user files, and a replaced file
	 * keeps its own permissions. */
	if (rc == ED_OK && mode >= 0) {
		fchmod(fd, (mode_t)mode);
	} else if (rc == ED_OK) {
		mode_t mask = umask(0);
		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	if (close(fd) != 0 && rc == ED_OK)
		rc = ed_fail(err, ED_ERR_IO, "cannot close %s: %s", path, strerror(errno));
	if (rc == ED_OK && rename(tmp, path) != 0)
		rc = ed_fail(err, ED_ERR_IO, "cannot rename into %s: %s", path, strerror(errno));
	if (rc != ED_OK)
		unlink(tmp);
	free(tmp);
	return rc;
}

uint64_t ed_monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

const char *ed_iso_time_ms(char *buf, size_t cap)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	localtime_r(&ts.tv_sec, &tm);
	char date[32], zone[8];
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof zone, "%z", &tm); /* +0100: ISO 8601 wants +01:00 */
	snprintf(buf, cap, "%s.%03ld%.3s:%.2s", date, (long)(ts.tv_nsec / 1000000), zone, zone + 3);
	return buf;
}

const char *ed_format_size(char *buf, size_t cap, uint64_t bytes)
{
	if (bytes < 1024)
		snprintf(buf, cap, "%llu B", (unsigned long long)bytes);
	else if (bytes < 1024 * 1024)
		snprintf(buf, cap, "%.1f KiB", (double)bytes / 1024.0);
	else
		snprintf(buf, cap, "%.2f MiB", (double)bytes / (1024.0 * 1024.0));
	return buf;
}

const char *ed_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int ed_file_each_piece(const char *path, void (*feed)(void *ctx, const uint8_t *piece, size_t n),
		       void *ctx, struct ed_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ed_fail(err, errno == ENOENT ? ED_ERR_NOTFOUND : ED_ERR_IO,
			       "cannot open %s to checksum it: %s", path, strerror(errno));
	uint8_t buf[16384];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return ed_fail(err, ED_ERR_IO, "cannot read %s: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		feed(ctx, buf, (size_t)n);
	}
	close(fd);
	return ED_OK;
}

void ed_hex(const uint8_t *bytes, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex[bytes[i] >> 4];
		out[2 * i + 1] = hex[bytes[i] & 15];
	}
	out[2 * len] = '\0';
}
