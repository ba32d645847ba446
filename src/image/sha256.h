/* SPDX-License-Identifier: MIT
 * SHA-256 (FIPS 180-4) of a buffer: the digest esptool appends to version 3 images. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Writes the 32-byte digest of data[0..len) to out (the caller's). */
void img_sha256(const uint8_t *data, size_t len, uint8_t out[32]);
