/* SPDX-License-Identifier: MIT
 * An independent checker for the image tests: it re-derives every byte an image must
 * hold from a list of expected segments (written from the format rules of reference §7,
 * not from the writers' code) and reports the first difference with its offset. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct want_seg {
	uint32_t addr;	     /* address written in the segment header */
	const uint8_t *data; /* unpadded bytes */
	size_t len;
};

enum want_pad {
	PAD_ESPTOOL, /* 15 - pos % 16 zeros before the checksum byte */
	PAD_APPBIN,  /* 16 - (pos + 1) % 16 zeros (16 instead of 0) */
};

/* Bitwise CRC-32 (reflected 0xEDB88320), then the boot loader's transform. */
uint32_t want_boot_crc(const uint8_t *data, size_t len);

/* Checks the E9 block at img[start]: header (count, b2, b3, entry), each segment
 * (header, data, zero padding to 4), the checksum line. *end is set to the offset after
 * the checksum byte. Returns NULL or a message naming the first wrong byte. */
const char *want_e9(const uint8_t *img, size_t img_len, size_t start, uint8_t count, uint8_t b2,
		    uint8_t b3, uint32_t entry, const struct want_seg *segs, size_t n,
		    enum want_pad pad, size_t *end);

/* Checks an unchecked irom segment at img[at]: header (addr, length rounded to 16), data,
 * zero padding; *end after it. */
const char *want_irom16(const uint8_t *img, size_t img_len, size_t at, uint32_t addr,
			const uint8_t *data, size_t len, size_t *end);

/* Checks the 4-byte CRC at img[at] and that the image ends there. */
const char *want_crc_end(const uint8_t *img, size_t img_len, size_t at);
