/* SPDX-License-Identifier: MIT
 * MD5 after RFC 1321 (md5.h): the four rounds of sixteen steps over 64-byte blocks,
 * little-endian words, padding with 0x80, zeros and the bit length. The hex and file
 * helpers are in md5_file.c. */
#include "core/md5.h"

/* Freestanding on purpose: the flasher stub (firmware/stub) compiles this file for the
 * ESP8266, where there is no libc header; memcpy/memset come from the ROM. */

/* Per-step shift amounts, RFC 1321 §3.4. */
/* clang-format off */
static const uint8_t shifts[64] = {
	7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
	5,  9, 14, 20, 5,  9, 14, 20, 5,  9, 14, 20, 5,  9, 14, 20,
	4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
	6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
/* clang-format on */

/* T[i] = floor(abs(sin(i + 1)) * 2^32), RFC 1321 §3.4. */
static const uint32_t sines[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t rotl(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static void transform(uint32_t state[4], const uint8_t block[64])
{
	uint32_t m[16];
	for (int i = 0; i < 16; i++)
		m[i] = get_le32(block + 4 * i);
	uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
	for (unsigned i = 0; i < 64; i++) {
		uint32_t f;
		unsigned g;
		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
		}
		uint32_t next = b + rotl(a + f + sines[i] + m[g], shifts[i]);
		a = d;
		d = c;
		c = b;
		b = next;
	}
	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
}

void md5_init(struct md5 *ctx)
{
	__builtin_memset(ctx, 0, sizeof *ctx);
	ctx->state[0] = 0x67452301;
	ctx->state[1] = 0xefcdab89;
	ctx->state[2] = 0x98badcfe;
	ctx->state[3] = 0x10325476;
}

void md5_update(struct md5 *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;
	if (!len)
		return; /* data may be NULL then */
	size_t used = ctx->bytes_lo % 64;
	uint32_t lo = ctx->bytes_lo + (uint32_t)len;
	ctx->bytes_hi += (uint32_t)((uint64_t)len >> 32) + (lo < ctx->bytes_lo);
	ctx->bytes_lo = lo;
	if (used) {
		size_t take = 64 - used < len ? 64 - used : len;
		__builtin_memcpy(ctx->block + used, p, take);
		p += take;
		len -= take;
		if (used + take < 64)
			return;
		transform(ctx->state, ctx->block);
	}
	for (; len >= 64; p += 64, len -= 64)
		transform(ctx->state, p);
	__builtin_memcpy(ctx->block, p, len);
}

void md5_final(struct md5 *ctx, uint8_t digest[16])
{
	/* The bit count in two words: no 64-bit shifts, which the ESP8266 ROM has no
	 * helper for. */
	uint32_t bits_lo = ctx->bytes_lo << 3, bits_hi = ctx->bytes_hi << 3 | ctx->bytes_lo >> 29;
	static const uint8_t pad[64] = {0x80};
	size_t used = ctx->bytes_lo % 64;
	md5_update(ctx, pad, used < 56 ? 56 - used : 120 - used);
	uint8_t len_le[8];
	put_le32(len_le, bits_lo);
	put_le32(len_le + 4, bits_hi);
	md5_update(ctx, len_le, 8);
	for (int i = 0; i < 4; i++)
		put_le32(digest + 4 * i, ctx->state[i]);
}
