/* SPDX-License-Identifier: MIT
 * libFuzzer target: the flasher stub's inflater (firmware/stub/core/inflate.c) on any
 * bytes. The first input byte chooses how the rest is cut into feeds (as FLASH_DEFL_DATA
 * packets cut a stream); the rest is the zlib stream. Checks, besides ASan/UBSan finding
 * no out-of-bounds access: the state stays within its bounds after every feed, the sink
 * gets 4-byte aligned pieces and never more than the limit, and the verdict and output
 * agree with zlib's one-shot inflate: zlib accepts (the whole input, nothing after) <=> we
 * accept, with the same bytes; otherwise we give the error zlib's message names (output
 * past the limit: "too long"; input ending early: "ends early").
 * Where zlib's only complaint is the Adler-32, the trailer is repaired and both run again,
 * so inputs also reach the end of the stream. */
#include "fuzz.h"

#include <zlib.h>

#include "stub/core/inflate.h"

#define LIMIT (1u << 20)

struct got {
	uint8_t *buf;
	uint32_t len;
	int short_piece_seen;
};

static int sink(void *ctx, const uint8_t *p, uint32_t n)
{
	struct got *g = ctx;
	FUZZ_CHECK(!g->short_piece_seen && n && !((uintptr_t)p & 3u),
		   "sink piece breaks the contract (alignment, length, after the last piece)");
	if (n & 3u)
		g->short_piece_seen = 1;
	FUZZ_CHECK(n <= LIMIT - g->len, "sink got bytes past the limit");
	memcpy(g->buf + g->len, p, n);
	g->len += n;
	return 0;
}

static void check_state(const struct inflater *inf)
{
	FUZZ_CHECK(inf->wpos <= INFLATE_WINDOW_SIZE && inf->flushed <= inf->wpos &&
		       inf->bitcount <= 32 && inf->total_out <= LIMIT,
		   "inflater state out of bounds");
}

/* Our verdict, feeding pieces whose sizes come from cut_seed. */
static int ours(struct inflater *inf, struct got *g, const uint8_t *in, size_t n, uint8_t cut_seed)
{
	uint32_t r = cut_seed * 2654435761u + 1u;
	size_t pos = 0;
	int rc = INFLATE_MORE;
	g->len = 0;
	g->short_piece_seen = 0;
	inflate_init(inf, LIMIT, sink, g);
	while (rc >= 0 && pos < n) {
		r = r * 1103515245u + 12345u;
		/* seed 0: one feed; otherwise pieces of 1..(seed % 64 + 1) bytes */
		size_t piece = cut_seed ? 1 + (r >> 16) % (cut_seed % 64u + 1u) : n;
		if (piece > n - pos)
			piece = n - pos;
		rc = inflate_feed(inf, in + pos, (uint32_t)piece);
		check_state(inf);
		pos += piece;
		if (rc == INFLATE_DONE && pos < n)
			rc = inflate_feed(inf, in + pos, (uint32_t)(n - pos));
	}
	if (rc >= 0)
		rc = inflate_finish(inf);
	FUZZ_CHECK(rc < 0 || inflate_total_out(inf) == g->len, "total_out %u, the sink got %u",
		   inflate_total_out(inf), g->len);
	return rc;
}

/* What zlib's one-shot inflate says about in, as one of our results: INFLATE_DONE (the whole
 * input is one stream), INFLATE_ERR_TOO_LONG (output past LIMIT), INFLATE_ERR_TRAILING,
 * INFLATE_ERR_TRUNCATED, or the error its message names. *trailer_at: where the Adler-32
 * is when that was its only complaint, else n. */
static int zlib_verdict(const uint8_t *in, size_t n, uint8_t *out, uint32_t *out_len,
			size_t *trailer_at)
{
	static const struct {
		const char *msg;
		int result;
	} msgs[] = {
	    {"incorrect header check", INFLATE_ERR_HEADER},
	    {"unknown compression method", INFLATE_ERR_HEADER},
	    {"invalid window size", INFLATE_ERR_HEADER},
	    {"invalid block type", INFLATE_ERR_BLOCK_TYPE},
	    {"invalid stored block lengths", INFLATE_ERR_STORED_LENGTH},
	    {"too many length or distance symbols", INFLATE_ERR_CODE_LENGTHS},
	    {"invalid code lengths set", INFLATE_ERR_CODE_LENGTHS},
	    {"invalid bit length repeat", INFLATE_ERR_CODE_LENGTHS},
	    {"invalid code -- missing end-of-block", INFLATE_ERR_CODE_LENGTHS},
	    {"invalid literal/lengths set", INFLATE_ERR_CODE_LENGTHS},
	    {"invalid distances set", INFLATE_ERR_CODE_LENGTHS},
	    {"invalid literal/length code", INFLATE_ERR_CODE},
	    {"invalid distance code", INFLATE_ERR_CODE},
	    {"invalid distance too far back", INFLATE_ERR_DISTANCE},
	    {"incorrect data check", INFLATE_ERR_ADLER},
	};
	z_stream z;
	memset(&z, 0, sizeof z);
	FUZZ_CHECK(inflateInit(&z) == Z_OK, "inflateInit");
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = LIMIT + 1; /* one more: to tell "exactly LIMIT" from "more" */
	int rc = inflate(&z, Z_FINISH), result = -100;
	*out_len = LIMIT + 1 - z.avail_out;
	*trailer_at = n;
	if (*out_len > LIMIT)
		result = INFLATE_ERR_TOO_LONG;
	else if (rc == Z_STREAM_END)
		result = z.avail_in ? INFLATE_ERR_TRAILING : INFLATE_DONE;
	else if (rc == Z_NEED_DICT)
		result = INFLATE_ERR_HEADER;
	else if (rc == Z_BUF_ERROR && z.avail_in == 0)
		result = INFLATE_ERR_TRUNCATED;
	else if (rc == Z_DATA_ERROR && z.msg) {
		for (size_t i = 0; i < sizeof msgs / sizeof *msgs; i++)
			if (!strcmp(z.msg, msgs[i].msg))
				result = msgs[i].result;
		if (result == INFLATE_ERR_ADLER)
			*trailer_at = n - z.avail_in - 4;
	}
	FUZZ_CHECK(result != -100, "a zlib verdict this target does not know: %d %s", rc,
		   z.msg ? z.msg : "");
	inflateEnd(&z);
	return result;
}

static void compare(struct inflater *inf, struct got *g, uint8_t *zout, uint8_t *in, size_t n,
		    uint8_t cut_seed)
{
	for (int pass = 0; pass < 2; pass++) {
		uint32_t zlen;
		size_t trailer_at;
		int verdict = zlib_verdict(in, n, zout, &zlen, &trailer_at);
		int rc = ours(inf, g, in, n, cut_seed);
		/* Where zlib still waits for input we may already know: a preset dictionary
		 * (zlib reads its id, then asks for it), a code-length code with no codes
		 * (zlib reads on, one bit per zero length, to fail at "missing end-of-block"). */
		int early = verdict == INFLATE_ERR_TRUNCATED &&
			    (rc == INFLATE_ERR_HEADER || rc == INFLATE_ERR_CODE_LENGTHS);
		FUZZ_CHECK(rc == verdict || early, "zlib: %s; ours: %s", inflate_strerror(verdict),
			   inflate_strerror(rc));
		FUZZ_CHECK(verdict != INFLATE_DONE ||
			       (g->len == zlen && !memcmp(g->buf, zout, zlen)),
			   "zlib and we inflate to different bytes");
		if (trailer_at == n || pass)
			return;
		uint32_t a = (uint32_t)adler32(adler32(0, NULL, 0), zout, zlen);
		for (int i = 0; i < 4; i++)
			in[trailer_at + (size_t)i] = (uint8_t)(a >> (24 - 8 * i));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *zout, *ourbuf;
	if (!zout) {
		zout = malloc(LIMIT + 1);
		ourbuf = malloc(LIMIT);
		FUZZ_CHECK(zout && ourbuf, "out of memory");
	}
	if (size < 1)
		return 0;
	/* Heap, exactly sized: ASan sees any access past the state. */
	struct inflater *inf = malloc(sizeof *inf);
	uint8_t *in = malloc(size - 1 ? size - 1 : 1);
	FUZZ_CHECK(inf && in, "out of memory");
	memcpy(in, data + 1, size - 1);
	struct got g = {ourbuf, 0, 0};
	compare(inf, &g, zout, in, size - 1, data[0]);
	free(in);
	free(inf);
	return 0;
}
