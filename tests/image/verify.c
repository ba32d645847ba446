/* SPDX-License-Identifier: MIT
 * The independent image checker (see verify.h). Deliberately shares no code with
 * src/image: its own CRC, its own checksum, its own layout arithmetic. */
#include "verify.h"

#include <stdio.h>
#include <string.h>

static char msg[256];

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t want_boot_crc(const uint8_t *data, size_t len)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < len; i++) {
		c ^= data[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
	}
	c ^= 0xFFFFFFFFu;
	return (c & 0x80000000u) ? ~c : c + 1u;
}

#define FAIL(...) (snprintf(msg, sizeof msg, __VA_ARGS__), msg)

const char *want_e9(const uint8_t *img, size_t img_len, size_t start, uint8_t count, uint8_t b2,
		    uint8_t b3, uint32_t entry, const struct want_seg *segs, size_t n,
		    enum want_pad pad, size_t *end)
{
	if (start + 8 > img_len)
		return FAIL("image ends (%zu) before the E9 header at %zu", img_len, start);
	const uint8_t *h = img + start;
	if (h[0] != 0xE9 || h[1] != count || h[2] != b2 || h[3] != b3 || le32(h + 4) != entry)
		return FAIL("E9 header at %zu is %02x %02x %02x %02x %08x, want e9 %02x %02x %02x "
			    "%08x",
			    start, h[0], h[1], h[2], h[3], le32(h + 4), count, b2, b3, entry);
	size_t pos = start + 8;
	uint8_t sum = 0xEF;
	for (size_t i = 0; i < n; i++) {
		size_t padded = (segs[i].len + 3) / 4 * 4;
		if (pos + 8 + padded > img_len)
			return FAIL("segment %zu runs past the image end", i);
		if (le32(img + pos) != segs[i].addr || le32(img + pos + 4) != padded)
			return FAIL("segment %zu header at %zu: addr %08x len %u, want %08x %zu", i,
				    pos, le32(img + pos), le32(img + pos + 4), segs[i].addr,
				    padded);
		if (memcmp(img + pos + 8, segs[i].data, segs[i].len) != 0)
			return FAIL("segment %zu data at %zu differs", i, pos + 8);
		for (size_t k = segs[i].len; k < padded; k++)
			if (img[pos + 8 + k] != 0)
				return FAIL("segment %zu padding byte at %zu is not 0", i,
					    pos + 8 + k);
		for (size_t k = 0; k < segs[i].len; k++)
			sum ^= segs[i].data[k];
		pos += 8 + padded;
	}
	size_t zeros = pad == PAD_ESPTOOL ? 15 - pos % 16 : 16 - (pos + 1) % 16;
	if (pos + zeros + 1 > img_len)
		return FAIL("image ends before the checksum byte at %zu", pos + zeros);
	for (size_t k = 0; k < zeros; k++)
		if (img[pos + k] != 0)
			return FAIL("checksum padding byte at %zu is not 0", pos + k);
	if (img[pos + zeros] != sum)
		return FAIL("checksum at %zu is %02x, want %02x", pos + zeros, img[pos + zeros],
			    sum);
	if ((pos + zeros + 1) % 16 != 0)
		return FAIL("checksum line ends at %zu, not on a 16-byte boundary",
			    pos + zeros + 1);
	*end = pos + zeros + 1;
	return NULL;
}

const char *want_irom16(const uint8_t *img, size_t img_len, size_t at, uint32_t addr,
			const uint8_t *data, size_t len, size_t *end)
{
	size_t padded = (len + 15) / 16 * 16;
	if (at + 8 + padded > img_len)
		return FAIL("irom segment runs past the image end");
	if (le32(img + at) != addr || le32(img + at + 4) != padded)
		return FAIL("irom header at %zu: %08x %u, want %08x %zu", at, le32(img + at),
			    le32(img + at + 4), addr, padded);
	if (memcmp(img + at + 8, data, len) != 0)
		return FAIL("irom data at %zu differs", at + 8);
	for (size_t k = len; k < padded; k++)
		if (img[at + 8 + k] != 0)
			return FAIL("irom padding byte at %zu is not 0", at + 8 + k);
	*end = at + 8 + padded;
	return NULL;
}

const char *want_crc_end(const uint8_t *img, size_t img_len, size_t at)
{
	if (at + 4 != img_len)
		return FAIL("image is %zu bytes, want %zu (CRC at %zu)", img_len, at + 4, at);
	uint32_t want = want_boot_crc(img, at);
	if (le32(img + at) != want)
		return FAIL("CRC at %zu is %08x, want %08x", at, le32(img + at), want);
	return NULL;
}
