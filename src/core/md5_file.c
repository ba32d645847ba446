/* SPDX-License-Identifier: MIT
 * MD5 as text and of files (md5.h): the host-only helpers, kept apart from md5.c, which
 * the flasher stub also compiles for the ESP8266. */
#include "core/md5.h"

#include "core/util.h"

#include <string.h>

void md5_hex(const uint8_t digest[16], char out[33])
{
	ed_hex(digest, 16, out);
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

static void feed_md5(void *ctx, const uint8_t *piece, size_t n)
{
	md5_update(ctx, piece, n);
}

int md5_file_hex(const char *path, char out[33], struct ed_error *err)
{
	struct md5 ctx;
	md5_init(&ctx);
	int rc = ed_file_each_piece(path, feed_md5, &ctx, err);
	if (rc != ED_OK)
		return rc;
	uint8_t digest[16];
	md5_final(&ctx, digest);
	md5_hex(digest, out);
	return ED_OK;
}
