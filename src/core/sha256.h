/* SPDX-License-Identifier: MIT
 * SHA-256 (FIPS 180-4): the identity of the embedded flasher stub (stub/stub_blob.h), so the
 * virtual board can tell our stub from any other upload.
 * Call order: sha256_init -> sha256_update (any number) -> sha256_final. Caller-owned state. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct sha256 {
	uint32_t state[8];
	uint64_t bytes;	   /* message length so far */
	uint8_t block[64]; /* pending partial block */
};

void sha256_init(struct sha256 *ctx);
void sha256_update(struct sha256 *ctx, const void *data, size_t len);
/* Writes the 32-byte digest; ctx must be initialised again before reuse. */
void sha256_final(struct sha256 *ctx, uint8_t digest[32]);

/* SHA-256 of a whole buffer. */
void sha256_buffer(const void *data, size_t len, uint8_t digest[32]);

/* Lower-case hex of a digest into out (65 bytes with the NUL). */
void sha256_hex(const uint8_t digest[32], char out[65]);

/* SHA-256 of a file's contents as hex; ED_ERR_IO / ED_ERR_NOTFOUND naming the path. */
int sha256_file_hex(const char *path, char out[65], struct ed_error *err);
