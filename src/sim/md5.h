/* SPDX-License-Identifier: MIT
 * MD5 (RFC 1321) for the emulated flasher stub's SPI_FLASH_MD5 and READ_FLASH digests.
 * Internal to src/sim. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct sim_md5 {
	uint32_t h[4];
	uint64_t len;
	uint8_t buf[64];
	size_t used;
};

void sim_md5_init(struct sim_md5 *m);
void sim_md5_update(struct sim_md5 *m, const uint8_t *data, size_t len);
void sim_md5_final(struct sim_md5 *m, uint8_t digest[16]);
