/* SPDX-License-Identifier: MIT
 * The stub's inflater (firmware/stub/core/inflate.c) against zlib: thousands of streams
 * from zlib's compressor (every level, strategy, window and memory setting, mixed block
 * types, random / repetitive / text data, 0 bytes to 1 MiB, the firmware images of the
 * build), fed whole, one byte at a time, cut at every byte and cut at random places;
 * every corrupt-stream case with its code and text; random damage judged against zlib. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../firmware/stub/core/inflate.h"

/* ---- what the sink received ---- */

struct sink {
	uint8_t *data;
	size_t len, cap;
	size_t pieces;
	int short_piece_seen; /* a piece not a multiple of 4 came: it must be the last */
	int contract_broken;
	int refuse_after;     /* refuse (return 77) once this many bytes arrived; -1: never */
};

static int sink_cb(void *ctx, const uint8_t *data, uint32_t len)
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

static void sink_reset(struct sink *s)
{
	s->len = 0;
	s->pieces = 0;
	s->short_piece_seen = 0;
	s->contract_broken = 0;
	s->refuse_after = -1;
}

static struct inflater inf; /* 36 KiB: static, as on the chip */
static struct sink out = {.refuse_after = -1};
static unsigned long n_streams, n_inflations;
static unsigned long long n_bytes_out;

/* ---- deterministic data ---- */

static uint32_t rng_state = 0x2545F491u;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

enum kind { K_RANDOM, K_ZEROS, K_RUNS, K_PERIODIC, K_TEXT, K_MIXED, K_COUNT };

static void make_data(uint8_t *p, size_t n, enum kind kind)
{
	static const char *words[] = {"flash ", "sector ", "erase ", "0x3FC000 ", "boot ",
				      "user1.bin ", "\n", "esp_init_data ", "OHAI ", "SLIP "};
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

struct zparams {
	int level, strategy, window_bits, mem_level;
	size_t flush_every; /* 0: none; else Z_SYNC_FLUSH / Z_FULL_FLUSH / Z_BLOCK in turn */
	int change_params;  /* switch level and strategy half way */
};

static uint8_t *zcompress(const uint8_t *data, size_t n, const struct zparams *zp,
			  size_t *out_len)
{
	z_stream z = {0};
	assert_int_equal(deflateInit2(&z, zp->level, Z_DEFLATED, zp->window_bits, zp->mem_level,
				      zp->strategy),
			 Z_OK);
	size_t cap = deflateBound(&z, n) + 64 + n / 8 + (zp->flush_every ? 16 * (n / zp->flush_every + 1) : 0);
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
			assert_true(deflateParams(&z, 9 - zp->level, Z_DEFAULT_STRATEGY) != Z_STREAM_ERROR);
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
static int zlib_verdict(const uint8_t *in, size_t n, uint8_t *dst, size_t cap, size_t *dst_len,
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

static int zlib_accepts(const uint8_t *in, size_t n, uint8_t *dst, size_t cap, size_t *dst_len)
{
	size_t trailer_at;
	return zlib_verdict(in, n, dst, cap, dst_len, &trailer_at);
}

/* ---- ours ---- */

/* Inflates in, cut before each offset of cuts[] (ascending), and returns the result of
 * inflate_finish, or the first error a feed returned. */
static int ours_split(const uint8_t *in, size_t n, const size_t *cuts, size_t n_cuts,
		      uint32_t limit)
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

static void expect_same(const uint8_t *want, size_t want_len, const char *what)
{
	if (out.len != want_len || memcmp(out.data, want, want_len)) {
		size_t i = 0;
		while (i < out.len && i < want_len && out.data[i] == want[i])
			i++;
		fail_msg("%s: %zu bytes out, %zu expected, first difference at %zu", what,
			 out.len, want_len, i);
	}
	assert_false(out.contract_broken);
	assert_int_equal(inflate_total_out(&inf), want_len);
}

static int check_whole(const uint8_t *c, size_t cn, const uint8_t *data, size_t n)
{
	int rc = ours_split(c, cn, NULL, 0, UINT32_MAX);
	if (rc != INFLATE_DONE)
		fail_msg("whole stream of %zu bytes: %s", cn, inflate_strerror(rc));
	expect_same(data, n, "whole");
	assert_int_equal(inflate_total_in(&inf), cn);
	return rc;
}

static void check_bytewise(const uint8_t *c, size_t cn, const uint8_t *data, size_t n)
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

static void check_every_cut(const uint8_t *c, size_t cn, const uint8_t *data, size_t n)
{
	for (size_t k = 1; k < cn; k++) {
		int rc = ours_split(c, cn, &k, 1, UINT32_MAX);
		if (rc != INFLATE_DONE)
			fail_msg("stream of %zu bytes cut at %zu: %s", cn, k, inflate_strerror(rc));
		expect_same(data, n, "cut once");
	}
}

static void check_random_cuts(const uint8_t *c, size_t cn, const uint8_t *data, size_t n)
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
static void round_trip(const uint8_t *data, size_t n, const struct zparams *zp)
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

/* ---- the zlib matrix ---- */

static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE,
				 Z_FIXED};

static void test_small_streams_all_levels_and_strategies(void **state)
{
	static const size_t sizes[] = {0, 1, 2, 3, 4, 5, 7, 31, 100, 259, 1000, 4099};
	uint8_t *data = malloc(4099);
	assert_non_null(data);
	unsigned long before = n_streams;
	for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
		for (int kind = 0; kind < K_COUNT; kind++) {
			make_data(data, sizes[si], kind);
			for (int level = 0; level <= 9; level++) {
				for (int st = 0; st < 5; st++) {
					struct zparams zp = {level, strategies[st], 15, 8, 0, 0};
					round_trip(data, sizes[si], &zp);
				}
			}
		}
	}
	free(data);
	printf("# small: %lu streams (0..4099 bytes, 6 kinds, levels 0-9, 5 strategies)\n",
	       n_streams - before);
}

static void test_windows_memlevels_flushes(void **state)
{
	size_t n = 70000; /* more than twice the window: wraps, far matches */
	uint8_t *data = malloc(n);
	assert_non_null(data);
	unsigned long before = n_streams;
	for (int kind = 0; kind < K_COUNT; kind++) {
		make_data(data, n, kind);
		for (int wbits = 9; wbits <= 15; wbits += 3) {
			for (int mem = 1; mem <= 9; mem += 4) {
				struct zparams zp = {1 + (int)(rnd() % 9), Z_DEFAULT_STRATEGY, wbits, mem, 0, 0};
				round_trip(data, n, &zp);
			}
		}
		/* empty stored blocks (sync/full flush), empty fixed blocks (Z_BLOCK,
		 * partial flush), and a level/strategy change inside one stream */
		for (size_t every = 1; every <= 20000; every *= 37) {
			struct zparams zp = {(int)(rnd() % 10), strategies[rnd() % 5], 15, 8, every, 1};
			round_trip(data, every == 1 ? 3000 : n, &zp);
		}
	}
	free(data);
	printf("# windows/memLevels/flushes: %lu streams of up to 70000 bytes\n",
	       n_streams - before);
}

static void test_one_mebibyte(void **state)
{
	size_t n = 1u << 20;
	uint8_t *data = malloc(n);
	assert_non_null(data);
	static const int kinds[] = {K_RANDOM, K_TEXT, K_MIXED, K_RUNS};
	static const int levels[] = {0, 1, 6, 9};
	for (int i = 0; i < 4; i++) {
		make_data(data, n, kinds[i]);
		struct zparams zp = {levels[i], Z_DEFAULT_STRATEGY, 15, 8, 0, 0};
		round_trip(data, n, &zp);
	}
	free(data);
}

static uint8_t *read_file(const char *path, size_t *len)
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

/* The images the build makes for the boards (what esptool would compress at level 9). */
static void test_firmware_images(void **state)
{
	const char *root = getenv("ESPDECK_BUILD_ROOT");
	char path[4096];
	snprintf(path, sizeof path, "%s/firmware", root ? root : ".");
	DIR *dir = opendir(path);
	int images = 0;
	for (struct dirent *e; dir && (e = readdir(dir));) {
		size_t l = strlen(e->d_name), n = 0;
		if (l < 5 || strcmp(e->d_name + l - 4, ".bin"))
			continue;
		snprintf(path, sizeof path, "%s/firmware/%s", root ? root : ".", e->d_name);
		uint8_t *data = read_file(path, &n);
		assert_non_null(data);
		for (int level = 0; level <= 9; level++) {
			struct zparams zp = {level, Z_DEFAULT_STRATEGY, 15, 8, 0, 0};
			round_trip(data, n, &zp);
		}
		free(data);
		images++;
	}
	if (dir)
		closedir(dir);
	printf("# firmware images: %d (levels 0-9)\n", images);
	if (!images)
		skip(); /* no cross compiler: the build made no images */
}

static int n_code_files;
static char **code_files;

/* The demo images are small; machine code of firmware size: the espdeck executable and,
 * with the cross compiler, its lx106 libgcc.a (xtensa code, as in a real firmware); at
 * most their first MiB (an ASan build of espdeck is 7 MB). */
static void test_machine_code(void **state)
{
	static const int levels[] = {1, 6, 9};
	for (int i = 0; i < n_code_files; i++) {
		size_t n = 0;
		uint8_t *data = read_file(code_files[i], &n);
		if (!data)
			fail_msg("cannot read %s", code_files[i]);
		if (n > 1u << 20)
			n = 1u << 20;
		for (int l = 0; l < 3; l++) {
			struct zparams zp = {levels[l], Z_DEFAULT_STRATEGY, 15, 8, 0, 0};
			round_trip(data, n, &zp);
		}
		printf("# machine code: %zu bytes at levels 1, 6, 9\n", n);
		free(data);
	}
	if (!n_code_files)
		skip();
}

/* ---- hand-made streams for every error ---- */

struct bits {
	uint8_t b[256];
	size_t n; /* bits written */
};

static void put_bits(struct bits *w, uint32_t v, unsigned count)
{
	for (unsigned i = 0; i < count; i++, w->n++) {
		if (!(w->n & 7))
			w->b[w->n / 8] = 0;
		w->b[w->n / 8] |= (uint8_t)(((v >> i) & 1u) << (w->n & 7));
	}
}

/* A Huffman code: most significant bit first. */
static void put_code(struct bits *w, uint32_t code, unsigned len)
{
	while (len--)
		put_bits(w, (code >> len) & 1u, 1);
}

static void put_fixed_lit(struct bits *w, unsigned sym)
{
	if (sym < 144)
		put_code(w, 0x30 + sym, 8);
	else if (sym < 256)
		put_code(w, 0x190 + sym - 144, 9);
	else if (sym < 280)
		put_code(w, sym - 256, 7);
	else
		put_code(w, 0xC0 + sym - 280, 8);
}

static void stream_start(struct bits *w)
{
	w->n = 0;
	put_bits(w, 0x78, 8);
	put_bits(w, 0x9C, 8);
}

static size_t stream_bytes(const struct bits *w)
{
	return (w->n + 7) / 8;
}

static void expect_error(const uint8_t *in, size_t n, int code, const char *text)
{
	/* whole, then one byte at a time: the same verdict */
	int rc = ours_split(in, n, NULL, 0, UINT32_MAX);
	if (rc != code)
		fail_msg("expected \"%s\", got \"%s\"", text, inflate_strerror(rc));
	assert_string_equal(inflate_strerror(rc), text);
	size_t *cuts = malloc((n + 1) * sizeof *cuts);
	assert_non_null(cuts);
	for (size_t i = 1; i < n; i++)
		cuts[i - 1] = i;
	assert_int_equal(ours_split(in, n, cuts, n > 1 ? n - 1 : 0, UINT32_MAX), code);
	free(cuts);
	/* sticky: nothing more is accepted */
	assert_int_equal(inflate_feed(&inf, in, (uint32_t)n), code);
	assert_int_equal(inflate_finish(&inf), code);
	size_t zl;
	static uint8_t zout[1 << 16];
	assert_false(zlib_accepts(in, n, zout, sizeof zout, &zl));
}

static void test_bad_headers(void **state)
{
	static const uint8_t cm7[] = {0x77, 0x85, 3, 0, 0, 0, 0, 1};	    /* CM 7 */
	static const uint8_t cinfo8[] = {0x88, 0x98, 3, 0, 0, 0, 0, 1};	    /* 64 KiB window */
	static const uint8_t fdict[] = {0x78, 0xBB, 0, 0, 0, 1, 3, 0};	    /* preset dict */
	static const uint8_t fcheck[] = {0x78, 0x9D, 3, 0, 0, 0, 0, 1};	    /* check bits */
	static const uint8_t gzip[] = {0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3}; /* gzip, not zlib */
	static const uint8_t cinfo15[] = {0xF8, 0x1F, 3, 0, 0, 0, 0, 1};    /* 8 MiB window */
	const char *text = "not a zlib stream (bad header)";
	expect_error(cm7, sizeof cm7, INFLATE_ERR_HEADER, text);
	expect_error(cinfo8, sizeof cinfo8, INFLATE_ERR_HEADER, text);
	expect_error(fdict, sizeof fdict, INFLATE_ERR_HEADER, text);
	expect_error(fcheck, sizeof fcheck, INFLATE_ERR_HEADER, text);
	expect_error(gzip, sizeof gzip, INFLATE_ERR_HEADER, text);
	expect_error(cinfo15, sizeof cinfo15, INFLATE_ERR_HEADER, text);
}

static void test_bad_block_type_and_stored_length(void **state)
{
	struct bits w;
	stream_start(&w);
	put_bits(&w, 1, 1);
	put_bits(&w, 3, 2);
	expect_error(w.b, stream_bytes(&w), INFLATE_ERR_BLOCK_TYPE, "invalid deflate block type");

	stream_start(&w);
	put_bits(&w, 1, 1);
	put_bits(&w, 0, 2);
	w.n = 24; /* aligned */
	put_bits(&w, 5, 16);
	put_bits(&w, 0xFFFB, 16); /* ~5 is 0xFFFA */
	put_bits(&w, 0x12345678, 32);
	put_bits(&w, 0x9A, 8);
	expect_error(w.b, stream_bytes(&w), INFLATE_ERR_STORED_LENGTH,
		     "stored block length does not match its complement");
}

/* A dynamic block header: counts, the code-length code lengths (in RFC order), and the
 * literal/length and distance code lengths written with that code. */
static void dyn_header(struct bits *w, unsigned hlit, unsigned hdist, unsigned hclen,
		       const uint8_t *clen_in_order)
{
	stream_start(w);
	put_bits(w, 1, 1);
	put_bits(w, 2, 2);
	put_bits(w, hlit - 257, 5);
	put_bits(w, hdist - 1, 5);
	put_bits(w, hclen - 4, 4);
	for (unsigned i = 0; i < hclen; i++)
		put_bits(w, clen_in_order[i], 3);
}

static void test_bad_code_lengths(void **state)
{
	const char *text = "invalid code lengths in a dynamic block header";
	struct bits w;
	/* Code-length code: symbols 0 and 8 with 2 bits, 16..18 with 2 bits; in RFC order
	 * 16 17 18 0 8 ... : all five of length... 5 codes of 2 bits = over-subscribed. */
	static const uint8_t over[5] = {2, 2, 2, 2, 2};
	dyn_header(&w, 257, 1, 5, over);
	put_bits(&w, 0, 32);
	expect_error(w.b, stream_bytes(&w), INFLATE_ERR_CODE_LENGTHS, text);
	/* incomplete code-length code: three codes of 2 bits */
	static const uint8_t incomplete[4] = {2, 2, 2, 0};
	dyn_header(&w, 257, 1, 4, incomplete);
	put_bits(&w, 0, 32);
	expect_error(w.b, stream_bytes(&w), INFLATE_ERR_CODE_LENGTHS, text);
	/* 287 literal/length codes, 31 distance codes: more than deflate has */
	static const uint8_t fine[4] = {1, 0, 0, 1}; /* canonical: 0 is "0", 16 is "1" */
	dyn_header(&w, 287, 1, 4, fine);
	put_bits(&w, 0, 32);
	expect_error(w.b, stream_bytes(&w), INFLATE_ERR_CODE_LENGTHS, text);
	dyn_header(&w, 257, 31, 4, fine);
	put_bits(&w, 0, 32);
	expect_error(w.b, stream_bytes(&w), INFLATE_ERR_CODE_LENGTHS, text);
	/* the first length is a repeat (16) of nothing */
	dyn_header(&w, 257, 1, 4, fine);
	put_code(&w, 1, 1);
	put_bits(&w, 0, 2);
	put_bits(&w, 0, 32);
	expect_error(w.b, stream_bytes(&w), INFLATE_ERR_CODE_LENGTHS, text);
	/* code-length code with 0: "0" and 18: "1" (both 1 bit; order 16 17 18 0) */
	static const uint8_t zeros18[4] = {0, 0, 1, 1};
	/* 138 + 121 zeros = 259 > 257 + 1: a repeat past the end */
	dyn_header(&w, 257, 1, 4, zeros18);
	put_code(&w, 1, 1);
	put_bits(&w, 127, 7);
	put_code(&w, 1, 1);
	put_bits(&w, 110, 7);
	put_bits(&w, 0, 32);
	expect_error(w.b, stream_bytes(&w), INFLATE_ERR_CODE_LENGTHS, text);
	/* 138 + 120 zeros: all 258 lengths zero, no end-of-block code */
	dyn_header(&w, 257, 1, 4, zeros18);
	put_code(&w, 1, 1);
	put_bits(&w, 127, 7);
	put_code(&w, 1, 1);
	put_bits(&w, 109, 7);
	put_bits(&w, 0, 32);
	expect_error(w.b, stream_bytes(&w), INFLATE_ERR_CODE_LENGTHS, text);
}

/* Lengths 1 and 2 for the code-length code: 0 "0" ... built so that the literal/length
 * code gets two symbols of length 2 (incomplete) or three of length 1 (over-subscribed). */
static void test_bad_literal_codes(void **state)
{
	const char *text = "invalid code lengths in a dynamic block header";
	struct bits w;
	/* code-length code over {0, 1, 2, 18}: 18 "0"(1 bit)... use 2-bit codes for
	 * 0, 1, 2, 18 (complete: four codes of 2 bits). Canonical: 0 -> 00, 1 -> 01,
	 * 2 -> 10, 18 -> 11. RFC order: 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1 */
	uint8_t clen[18] = {0};
	clen[2] = 2;  /* 18 */
	clen[3] = 2;  /* 0 */
	clen[15] = 2; /* 2 */
	clen[17] = 2; /* 1 */
	/* 256 lengths: symbol 0 gets 2, symbols 1..255 zero, 256 gets 2; then dist: 1 */
	for (int variant = 0; variant < 2; variant++) {
		dyn_header(&w, 257, 1, 18, clen);
		put_code(&w, variant ? 1 : 2, 2); /* symbol 0: length 1 or 2 */
		put_code(&w, 3, 2);
		put_bits(&w, 127, 7); /* 138 zeros: 1..138 */
		put_code(&w, 3, 2);
		put_bits(&w, 106, 7); /* 117 zeros: 139..255 */
		put_code(&w, 2, 2);   /* 256: length 2 */
		put_code(&w, 1, 2);   /* distance 0: length 1 */
		put_bits(&w, 0, 32);
		/* variant 0: lengths 2, 2 -> incomplete; variant 1: 1, 2 -> complete would
		 * need two of 2 bits; 1 and 2 leaves one code unused -> incomplete too */
		expect_error(w.b, stream_bytes(&w), INFLATE_ERR_CODE_LENGTHS, text);
	}
	/* over-subscribed: 0, 1 and 256 all of length 1 */
	dyn_header(&w, 257, 1, 18, clen);
	put_code(&w, 1, 2);
	put_code(&w, 1, 2);
	put_code(&w, 3, 2);
	put_bits(&w, 127, 7); /* 2..139 */
	put_code(&w, 3, 2);
	put_bits(&w, 105, 7); /* 140..255 */
	put_code(&w, 1, 2);
	put_code(&w, 1, 2);
	put_bits(&w, 0, 32);
	expect_error(w.b, stream_bytes(&w), INFLATE_ERR_CODE_LENGTHS, text);
}

static void test_bad_codes_and_distances(void **state)
{
	struct bits w;
	/* fixed block, literal/length 286 */
	stream_start(&w);
	put_bits(&w, 1, 1);
	put_bits(&w, 1, 2);
	put_fixed_lit(&w, 'a');
	put_fixed_lit(&w, 286);
	put_bits(&w, 0, 32);
	expect_error(w.b, stream_bytes(&w), INFLATE_ERR_CODE,
		     "invalid literal/length or distance code");
	/* fixed block, distance code 30 */
	stream_start(&w);
	put_bits(&w, 1, 1);
	put_bits(&w, 1, 2);
	put_fixed_lit(&w, 'a');
	put_fixed_lit(&w, 257);
	put_code(&w, 30, 5);
	put_bits(&w, 0, 32);
	expect_error(w.b, stream_bytes(&w), INFLATE_ERR_CODE,
		     "invalid literal/length or distance code");
	/* a match 2 back after one byte of output */
	stream_start(&w);
	put_bits(&w, 1, 1);
	put_bits(&w, 1, 2);
	put_fixed_lit(&w, 'a');
	put_fixed_lit(&w, 257);
	put_code(&w, 1, 5); /* distance 2 */
	put_fixed_lit(&w, 256);
	put_bits(&w, 0, 32);
	expect_error(w.b, stream_bytes(&w), INFLATE_ERR_DISTANCE, "distance too far back");
	/* a match at the very start */
	stream_start(&w);
	put_bits(&w, 1, 1);
	put_bits(&w, 1, 2);
	put_fixed_lit(&w, 257);
	put_code(&w, 0, 5);
	put_bits(&w, 0, 32);
	expect_error(w.b, stream_bytes(&w), INFLATE_ERR_DISTANCE, "distance too far back");
}

/* RFC 1951 allows a code of a single one-bit code (zlib takes it for literal/length codes
 * too): the other bit pattern is then no code at all. */
static void test_single_codes(void **state)
{
	struct bits w;
	size_t zl;
	static uint8_t zout[64];
	/* literal/length code: only end-of-block, "0"; code-length code 1 -> "0", 18 -> "1" */
	uint8_t clen[18] = {0};
	clen[2] = 1;
	clen[17] = 1;
	for (int bad = 0; bad < 2; bad++) {
		dyn_header(&w, 257, 1, 18, clen);
		put_code(&w, 1, 1);
		put_bits(&w, 127, 7); /* 138 zeros */
		put_code(&w, 1, 1);
		put_bits(&w, 107, 7); /* 118 zeros: up to 255 */
		put_code(&w, 0, 1);   /* 256: 1 bit */
		put_code(&w, 0, 1);   /* distance 0: 1 bit */
		put_code(&w, (uint32_t)bad, 1);
		w.n = (w.n + 7) & ~(size_t)7;
		put_bits(&w, 0x01000000, 32); /* Adler-32 of nothing, big-endian */
		if (bad) {
			expect_error(w.b, stream_bytes(&w), INFLATE_ERR_CODE,
				     "invalid literal/length or distance code");
		} else {
			assert_true(zlib_accepts(w.b, stream_bytes(&w), zout, sizeof zout, &zl));
			assert_int_equal(ours_split(w.b, stream_bytes(&w), NULL, 0, 0), INFLATE_DONE);
			assert_int_equal(out.len, 0);
		}
	}
	/* one distance code: "AAAA" from 'A' and a match of 3 at distance 1 ("0"); "1" is no
	 * distance. Literal/length: 'A' "0", 256 "10", 257 "11". Code-length code: 1 "0",
	 * 2 "10", 18 "11". */
	memset(clen, 0, sizeof clen);
	clen[2] = 2;
	clen[15] = 2;
	clen[17] = 1;
	for (int bad = 0; bad < 2; bad++) {
		dyn_header(&w, 258, 1, 18, clen);
		put_code(&w, 3, 2);
		put_bits(&w, 54, 7); /* 65 zeros */
		put_code(&w, 0, 1);  /* 'A': 1 */
		put_code(&w, 3, 2);
		put_bits(&w, 127, 7); /* 138 zeros */
		put_code(&w, 3, 2);
		put_bits(&w, 41, 7); /* 52 zeros: up to 255 */
		put_code(&w, 2, 2);  /* 256: 2 */
		put_code(&w, 2, 2);  /* 257: 2 */
		put_code(&w, 0, 1);  /* distance 0: 1 */
		put_code(&w, 0, 1);  /* 'A' */
		put_code(&w, 3, 2);  /* length 3 */
		put_code(&w, (uint32_t)bad, 1);
		put_code(&w, 2, 2); /* end of block */
		w.n = (w.n + 7) & ~(size_t)7;
		put_bits(&w, 0x05018e02, 32); /* Adler-32 of "AAAA" (0x028e0105), big-endian */
		if (bad) {
			put_bits(&w, 0, 16); /* enough bits to tell that no code matches */
			expect_error(w.b, stream_bytes(&w), INFLATE_ERR_CODE,
				     "invalid literal/length or distance code");
		} else {
			assert_true(zlib_accepts(w.b, stream_bytes(&w), zout, sizeof zout, &zl));
			assert_int_equal(ours_split(w.b, stream_bytes(&w), NULL, 0, 4), INFLATE_DONE);
			expect_same((const uint8_t *)"AAAA", 4, "single distance code");
		}
	}
}

/* ---- damage to valid streams ---- */

static uint8_t *sample_stream(size_t n, size_t *cn, uint8_t **data)
{
	*data = malloc(n);
	assert_non_null(*data);
	make_data(*data, n, K_MIXED);
	struct zparams zp = {9, Z_DEFAULT_STRATEGY, 15, 8, 0, 0};
	return zcompress(*data, n, &zp, cn);
}

static void test_adler_trailing_truncated(void **state)
{
	size_t n = 5000, cn;
	uint8_t *data, *c = sample_stream(n, &cn, &data);
	uint8_t *longer = malloc(cn + 1);
	assert_non_null(longer);
	memcpy(longer, c, cn);
	/* every bit of the Adler-32 */
	for (size_t bit = 0; bit < 32; bit++) {
		longer[cn - 1 - bit / 8] ^= (uint8_t)(1u << (bit % 8));
		expect_error(longer, cn, INFLATE_ERR_ADLER,
			     "Adler-32 of the data does not match the stream");
		longer[cn - 1 - bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* one byte more, whether fed with the stream or after it ended */
	longer[cn] = 0;
	assert_int_equal(ours_split(longer, cn + 1, NULL, 0, UINT32_MAX), INFLATE_ERR_TRAILING);
	assert_string_equal(inflate_strerror(INFLATE_ERR_TRAILING),
			    "data after the end of the zlib stream");
	assert_int_equal(ours_split(longer, cn + 1, &cn, 1, UINT32_MAX), INFLATE_ERR_TRAILING);
	/* cut short anywhere: "ends early" from finish, never a false success */
	for (size_t k = 0; k < cn; k += 1 + k / 64) {
		assert_int_equal(ours_split(c, k, NULL, 0, UINT32_MAX), INFLATE_ERR_TRUNCATED);
		assert_true(out.len <= n);
		assert_memory_equal(out.data, data, out.len);
	}
	assert_string_equal(inflate_strerror(INFLATE_ERR_TRUNCATED), "zlib stream ends early");
	free(longer);
	free(c);
	free(data);
}

static void test_output_limit_and_sink(void **state)
{
	size_t cn;
	uint8_t *data, *c;
	/* a stored stream, a literal-heavy one and a match-heavy one */
	for (int kind = 0; kind < 3; kind++) {
		size_t n = 40000;
		data = malloc(n);
		assert_non_null(data);
		make_data(data, n, kind == 0 ? K_RANDOM : kind == 1 ? K_TEXT : K_ZEROS);
		struct zparams zp = {kind == 0 ? 0 : 6, Z_DEFAULT_STRATEGY, 15, 8, 0, 0};
		c = zcompress(data, n, &zp, &cn);
		/* exactly the announced size passes */
		assert_int_equal(ours_split(c, cn, NULL, 0, (uint32_t)n), INFLATE_DONE);
		expect_same(data, n, "at the limit");
		/* one byte less: rejected, and the sink never sees a byte past the limit */
		uint32_t limits[] = {(uint32_t)n - 1, (uint32_t)n / 2, 0};
		for (int i = 0; i < 3; i++) {
			assert_int_equal(ours_split(c, cn, NULL, 0, limits[i]), INFLATE_ERR_TOO_LONG);
			assert_true(out.len <= limits[i]);
			assert_memory_equal(out.data, data, out.len);
		}
		assert_string_equal(inflate_strerror(INFLATE_ERR_TOO_LONG),
				    "inflated data longer than announced");
		/* a sink that fails (a flash write error) stops the stream for good */
		sink_reset(&out);
		out.refuse_after = 20000;
		inflate_init(&inf, UINT32_MAX, sink_cb, &out);
		assert_int_equal(inflate_feed(&inf, c, (uint32_t)cn), INFLATE_ERR_SINK);
		assert_int_equal(inflate_sink_error(&inf), 77);
		size_t seen = out.len;
		assert_int_equal(inflate_feed(&inf, c, 1), INFLATE_ERR_SINK);
		assert_int_equal(inflate_finish(&inf), INFLATE_ERR_SINK);
		assert_int_equal(out.len, seen);
		assert_string_equal(inflate_strerror(INFLATE_ERR_SINK),
				    "writing the inflated data failed");
		out.refuse_after = -1;
		free(c);
		free(data);
	}
}

/* Random damage: whatever zlib accepts we give back identically; whatever zlib rejects we
 * reject. (Single-call zlib accepts any distance up to the output so far, as we do.) When
 * the damage leaves a decodable stream whose only fault is the Adler-32, the trailer is
 * corrected too and both verdicts are compared again: damage the checksum would hide. */
static void test_damage_against_zlib(void **state)
{
	static uint8_t zout[1 << 16];
	unsigned long agree_ok = 0, agree_bad = 0;
	for (int round = 0; round < 3000; round++) {
		size_t n = 1 + rnd() % 3000, cn, zl;
		uint8_t *data = malloc(n);
		assert_non_null(data);
		make_data(data, n, (enum kind)(rnd() % K_COUNT));
		struct zparams zp = {(int)(rnd() % 10), strategies[rnd() % 5], 15, 8, 0, 0};
		uint8_t *c = zcompress(data, n, &zp, &cn);
		int flips = 1 + (int)(rnd() % 3);
		for (int i = 0; i < flips; i++) {
			/* the Adler-32 would catch nearly all; damage the deflate data and,
			 * half the time, recompute nothing: both verdicts are compared */
			size_t at = 2 + rnd() % (cn > 6 ? cn - 6 : 1);
			c[at] ^= (uint8_t)(1u << (rnd() % 8));
		}
		if (rnd() % 4 == 0)
			cn -= rnd() % cn; /* and sometimes cut */
		size_t trailer_at;
		for (int pass = 0; pass < 2; pass++) {
			int z_ok = zlib_verdict(c, cn, zout, sizeof zout, &zl, &trailer_at);
			size_t cut = cn ? rnd() % cn : 0;
			int rc = ours_split(c, cn, &cut, cn ? 1 : 0, UINT32_MAX);
			if (z_ok) {
				assert_int_equal(rc, INFLATE_DONE);
				expect_same(zout, zl, "damaged but valid");
				agree_ok++;
			} else {
				if (rc >= 0)
					fail_msg("zlib rejects a %zu-byte stream we accept", cn);
				agree_bad++;
			}
			if (trailer_at == cn)
				break;
			uint32_t a = (uint32_t)adler32(adler32(0, NULL, 0), zout, (uInt)zl);
			for (int i = 0; i < 4; i++)
				c[trailer_at + (size_t)i] = (uint8_t)(a >> (24 - 8 * i));
		}
		free(c);
		free(data);
	}
	printf("# damaged streams: %lu accepted by both, %lu rejected by both\n", agree_ok,
	       agree_bad);
}

static int print_totals(void **state)
{
	printf("# total: %lu zlib streams, %lu inflations, %llu bytes inflated and compared\n",
	       n_streams, n_inflations, n_bytes_out);
	free(out.data);
	return 0;
}

int main(int argc, char **argv)
{
	n_code_files = argc - 1;
	code_files = argv + 1;
	out.cap = 1u << 21; /* grows in sink_cb; never NULL, for memcmp */
	out.data = malloc(out.cap);
	if (!out.data)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_bad_block_type_and_stored_length),
		cmocka_unit_test(test_bad_code_lengths),
		cmocka_unit_test(test_bad_literal_codes),
		cmocka_unit_test(test_bad_codes_and_distances),
		cmocka_unit_test(test_single_codes),
		cmocka_unit_test(test_adler_trailing_truncated),
		cmocka_unit_test(test_output_limit_and_sink),
		cmocka_unit_test(test_damage_against_zlib),
		cmocka_unit_test(test_small_streams_all_levels_and_strategies),
		cmocka_unit_test(test_windows_memlevels_flushes),
		cmocka_unit_test(test_one_mebibyte),
		cmocka_unit_test(test_firmware_images),
		cmocka_unit_test(test_machine_code),
	};
	return cmocka_run_group_tests_name("stub inflate", tests, NULL, print_totals);
}
