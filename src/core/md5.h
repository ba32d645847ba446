/* SPDX-License-Identifier: MIT
 * MD5 (RFC 1321): the journal records each file's digest and the virtual board computes the
 * flasher stub's SPI_FLASH_MD5 and READ_FLASH digests; none of the
 * libraries already in the build offers it (zlib has CRC-32 only). Not for security.
 * md5_init/update/final are freestanding (md5.c): the flasher stub's host build uses them
 * too; on the chip the stub calls the mask ROM's MD5 (firmware/stub/md5_rom.c).
 * Call order: md5_init -> md5_update (any number) -> md5_final. Caller-owned state. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct md5 {
	uint32_t state[4];
	uint32_t bytes_lo; /* message length so far, low and high words (two words, so */
	uint32_t bytes_hi; /* the ESP8266 build needs no 64-bit helpers) */
	uint8_t block[64]; /* pending partial block */
};

void md5_init(struct md5 *ctx);
void md5_update(struct md5 *ctx, const void *data, size_t len);
/* Writes the 16-byte digest; ctx must be initialised again before reuse. */
void md5_final(struct md5 *ctx, uint8_t digest[16]);

/* Lower-case hex of a digest into out (33 bytes with the NUL). */
void md5_hex(const uint8_t digest[16], char out[33]);

/* MD5 of a whole buffer as hex. */
void md5_buffer_hex(const void *data, size_t len, char out[33]);

/* MD5 of a file's contents as hex; ED_ERR_IO / ED_ERR_NOTFOUND naming the path. */
int md5_file_hex(const char *path, char out[33], struct ed_error *err);
