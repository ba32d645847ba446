/* SPDX-License-Identifier: MIT
 * MD5 as text and of files (md5.h): the host-only helpers, kept apart from md5.c, which
 * the flasher stub also compiles for the ESP8266. */
#include "core/md5.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void md5_hex(const uint8_t digest[16], char out[33])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[32] = '\0';
}

void md5_buffer_hex(const void *data, size_t len, char out[33])
{
	struct md5 ctx;
	uint8_t digest[16];
	md5_init(&ctx);
	md5_update(&ctx, data, len);
	md5_final(&ctx, digest);
	md5_hex(digest, out);
}

int md5_file_hex(const char *path, char out[33], struct ed_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ed_fail(err, errno == ENOENT ? ED_ERR_NOTFOUND : ED_ERR_IO,
			       "cannot open %s to checksum it: %s", path, strerror(errno));
	struct md5 ctx;
	md5_init(&ctx);
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
		md5_update(&ctx, buf, (size_t)n);
	}
	close(fd);
	uint8_t digest[16];
	md5_final(&ctx, digest);
	md5_hex(digest, out);
	return ED_OK;
}
