/* SPDX-License-Identifier: MIT
 * Helpers of the stub inflater's tests (inflate_harness.h): the sink that keeps what it
 * gets and checks the piece contract, deterministic data, zlib's compressor and verdict,
 * and our inflater fed whole, bytewise, cut at every byte or at random places. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inflate_harness.h"

/* ---- what the sink received ---- */

int sink_cb(void *ctx, const uint8_t *data, uint32_t len)
{
	struct sink *s = ctx;
	if (s->short_piece_seen || len == 0 || ((uintptr_t)data & 3u))
		s->contract_broken = 1;
	if (len & 3u)
		s->short_piece_seen = 1;
	if (s->refuse_after >= 0 && s->len + len > (size_t)s->refuse_after)
		return 77;
	if (s->len + len > s->cap) {
		s->cap = (s->len + len) * 2;
		s->data = realloc(s->data, s->cap);
		assert_non_null(s->data);
	}
	memcpy(s->data + s->len, data, len);
	s->len += len;
	s->pieces++;
	return 0;
}

void sink_reset(struct sink *s)
{
	s->len = 0;
	s->pieces = 0;
	s->short_piece_seen = 0;
	s->contract_broken = 0;
	s->refuse_after = -1;
}

struct inflater inf; /* 36 KiB: static, as on the chip */
struct sink out = {.refuse_after = -1};
unsigned long n_streams, n_inflations;
unsigned long long n_bytes_out;

/* ---- deterministic data ---- */

static uint32_t rng_state = 0x2545F491u;

uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

void make_data(uint8_t *p, size_t n, enum kind kind)
{
	static const char *words[] = {"flash ", "sector ",    "erase ", "0x3FC000 ",
				      "boot ",	"user1.bin ", "\n",	"esp_init_data ",
				      "OHAI ",	"SLIP "};
	size_t i = 0;
	switch (kind) {
	case K_RANDOM:
		for (; i < n; i++)
			p[i] = (uint8_t)rnd();
		break;
	case K_ZEROS:
		memset(p, 0, n);
		break;
	case K_RUNS:
		while (i < n) {
			size_t run = 1 + rnd() % 300;
			uint8_t v = (uint8_t)rnd();
			for (; run && i < n; run--)
				p[i++] = v;
		}
		break;
	case K_PERIODIC: {
		size_t period = 1 + rnd() % 40;
		for (; i < n; i++)
			p[i] = i < period ? (uint8_t)rnd() : p[i - period];
		break;
	}
	case K_TEXT:
		while (i < n) {
			const char *w = words[rnd() % 10];
			for (; *w && i < n; w++)
				p[i++] = (uint8_t)*w;
		}
		break;
	default: /* random stretches and copies from up to 32 KiB back */
		while (i < n) {
			size_t len = 3 + rnd() % 258;
			if (i > 0 && rnd() % 2) {
				size_t dist = 1 + rnd() % (i < 32768 ? i : 32768);
				for (; len && i < n; len--, i++)
					p[i] = p[i - dist];
			} else {
				for (; len && i < n; len--)
					p[i++] = (uint8_t)rnd();
			}
		}
	}
}

/* ---- zlib ---- */

uint8_t *zcompress(const uint8_t *data, size_t n, const struct zparams *zp, size_t *out_len)
{
	z_stream z = {0};
	assert_int_equal(
	    deflateInit2(&z, zp->level, Z_DEFLATED, zp->window_bits, zp->mem_level, zp->strategy),
	    Z_OK);
	size_t cap = deflateBound(&z, n) + 64 + n / 8 +
		     (zp->flush_every ? 16 * (n / zp->flush_every + 1) : 0);
	uint8_t *c = malloc(cap);
	assert_non_null(c);
	z.next_out = c;
	z.avail_out = (uInt)cap;
	size_t pos = 0, step = zp->flush_every ? zp->flush_every : n, round = 0;
	int changed = 0;
	static const int flushes[] = {Z_SYNC_FLUSH, Z_FULL_FLUSH, Z_BLOCK, Z_PARTIAL_FLUSH};
	do {
		size_t take = n - pos < step ? n - pos : step;
		z.next_in = (Bytef *)data + pos;
		z.avail_in = (uInt)take;
		pos += take;
		if (zp->change_params && pos >= n / 2 && !changed) {
			changed = 1;
			assert_true(deflateParams(&z, 9 - zp->level, Z_DEFAULT_STRATEGY) !=
				    Z_STREAM_ERROR);
		}
		int fl = pos == n ? Z_FINISH : flushes[round++ % 4];
		int rc = deflate(&z, fl);
		assert_true(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR);
		assert_int_equal(z.avail_in, 0);
	} while (pos < n);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*out_len = cap - z.avail_out;
	deflateEnd(&z);
	return c;
}

/* zlib's verdict: 1 and the output when it inflates the whole of in with nothing left.
 * When only the Adler-32 is wrong, *trailer_at says where it is (else it is set to n). */
int zlib_verdict(const uint8_t *in, size_t n, uint8_t *dst, size_t cap, size_t *dst_len,
		 size_t *trailer_at)
{
	z_stream z = {0};
	assert_int_equal(inflateInit(&z), Z_OK);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = dst;
	z.avail_out = (uInt)cap;
	int rc = inflate(&z, Z_FINISH);
	*dst_len = cap - z.avail_out;
	int ok = rc == Z_STREAM_END && z.avail_in == 0;
	*trailer_at = n;
	if (rc == Z_DATA_ERROR && z.msg && !strcmp(z.msg, "incorrect data check"))
		*trailer_at = n - z.avail_in - 4;
	inflateEnd(&z);
	return ok;
}

int zlib_accepts(const uint8_t *in, size_t n, uint8_t *dst, size_t cap, size_t *dst_len)
{
	size_t trailer_at;
	return zlib_verdict(in, n, dst, cap, dst_len, &trailer_at);
}

/* ---- ours ---- */

/* Inflates in, cut before each offset of cuts[] (ascending), and returns the result of
 * inflate_finish, or the first error a feed returned. */
int ours_split(const uint8_t *in, size_t n, const size_t *cuts, size_t n_cuts, uint32_t limit)
{
	size_t pos = 0;
	int rc = INFLATE_MORE;
	sink_reset(&out);
	inflate_init(&inf, limit, sink_cb, &out);
	n_inflations++;
	for (size_t i = 0; i <= n_cuts; i++) {
		size_t end = i < n_cuts ? cuts[i] : n;
		rc = inflate_feed(&inf, in + pos, (uint32_t)(end - pos));
		pos = end;
		if (rc < 0)
			return rc;
		if (rc == INFLATE_DONE && pos < n) /* the stream ended before the input did */
			return inflate_feed(&inf, in + pos, (uint32_t)(n - pos));
	}
	rc = inflate_finish(&inf);
	if (rc == INFLATE_DONE)
		n_bytes_out += out.len;
	return rc;
}

void expect_same(const uint8_t *want, size_t want_len, const char *what)
{
	if (out.len != want_len || memcmp(out.data, want, want_len)) {
		size_t i = 0;
		while (i < out.len && i < want_len && out.data[i] == want[i])
			i++;
		fail_msg("%s: %zu bytes out, %zu expected, first difference at %zu", what, out.len,
			 want_len, i);
	}
	assert_false(out.contract_broken);
	assert_int_equal(inflate_total_out(&inf), want_len);
}

int check_whole(const uint8_t *c, size_t cn, const uint8_t *data, size_t n)
{
	int rc = ours_split(c, cn, NULL, 0, UINT32_MAX);
	if (rc != INFLATE_DONE)
		fail_msg("whole stream of %zu bytes: %s", cn, inflate_strerror(rc));
	expect_same(data, n, "whole");
	assert_int_equal(inflate_total_in(&inf), cn);
	return rc;
}

void check_bytewise(const uint8_t *c, size_t cn, const uint8_t *data, size_t n)
{
	size_t *cuts = malloc((cn + 1) * sizeof *cuts);
	assert_non_null(cuts);
	for (size_t i = 1; i < cn; i++)
		cuts[i - 1] = i;
	int rc = ours_split(c, cn, cuts, cn ? cn - 1 : 0, UINT32_MAX);
	if (rc != INFLATE_DONE)
		fail_msg("stream of %zu bytes fed bytewise: %s", cn, inflate_strerror(rc));
	expect_same(data, n, "bytewise");
	free(cuts);
}

void check_every_cut(const uint8_t *c, size_t cn, const uint8_t *data, size_t n)
{
	for (size_t k = 1; k < cn; k++) {
		int rc = ours_split(c, cn, &k, 1, UINT32_MAX);
		if (rc != INFLATE_DONE)
			fail_msg("stream of %zu bytes cut at %zu: %s", cn, k, inflate_strerror(rc));
		expect_same(data, n, "cut once");
	}
}

void check_random_cuts(const uint8_t *c, size_t cn, const uint8_t *data, size_t n)
{
	size_t cap = cn / 2 + 2, n_cuts = 0, pos = 0;
	size_t *cuts = malloc(cap * sizeof *cuts);
	assert_non_null(cuts);
	for (;;) {
		/* mostly packet-sized pieces, some tiny ones */
		pos += rnd() % 4 ? 1 + rnd() % 0x4000 : 1 + rnd() % 7;
		if (pos >= cn || n_cuts == cap)
			break;
		cuts[n_cuts++] = pos;
	}
	int rc = ours_split(c, cn, cuts, n_cuts, UINT32_MAX);
	if (rc != INFLATE_DONE)
		fail_msg("stream of %zu bytes in %zu pieces: %s", cn, n_cuts + 1,
			 inflate_strerror(rc));
	expect_same(data, n, "random cuts");
	free(cuts);
}

/* Compresses data with zp and checks every way of feeding that the size allows. */
void round_trip(const uint8_t *data, size_t n, const struct zparams *zp)
{
	size_t cn;
	uint8_t *c = zcompress(data, n, zp, &cn);
	n_streams++;
	check_whole(c, cn, data, n);
	if (cn <= 4096)
		check_bytewise(c, cn, data, n);
	if (cn <= 160)
		check_every_cut(c, cn, data, n);
	check_random_cuts(c, cn, data, n);
	free(c);
}

const int strategies[5] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED};

uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc(size > 0 ? (size_t)size : 1);
	assert_non_null(p);
	*len = fread(p, 1, (size_t)size, f);
	fclose(f);
	return p;
}
