/* SPDX-License-Identifier: MIT
 * The stub inflater on corrupt streams: one hand-made stream (a bit writer) per error with
 * its code and text, whole and one byte at a time, sticky afterwards and refused by zlib
 * too; the Adler-32, trailing data, truncation, the output limit and a failing sink on
 * damaged real streams; and the one-bit single codes RFC 1951 allows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "inflate_harness.h"

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
			assert_int_equal(ours_split(w.b, stream_bytes(&w), NULL, 0, 0),
					 INFLATE_DONE);
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
			assert_int_equal(ours_split(w.b, stream_bytes(&w), NULL, 0, 4),
					 INFLATE_DONE);
			expect_same((const uint8_t *)"AAAA", 4, "single distance code");
		}
	}
}

/* ---- damage to real streams ---- */

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
			assert_int_equal(ours_split(c, cn, NULL, 0, limits[i]),
					 INFLATE_ERR_TOO_LONG);
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

int run_error_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_headers),
	    cmocka_unit_test(test_bad_block_type_and_stored_length),
	    cmocka_unit_test(test_bad_code_lengths),
	    cmocka_unit_test(test_bad_literal_codes),
	    cmocka_unit_test(test_bad_codes_and_distances),
	    cmocka_unit_test(test_single_codes),
	    cmocka_unit_test(test_adler_trailing_truncated),
	    cmocka_unit_test(test_output_limit_and_sink),
	};
	return cmocka_run_group_tests_name("stub inflate: corrupt streams", tests, NULL, NULL);
}
