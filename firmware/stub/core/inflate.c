/* SPDX-License-Identifier: MIT
 * Streaming inflate (inflate.h). A state machine over a 32-bit bit buffer: each state
 * either has all the bits it needs, or returns INFLATE_MORE without consuming anything
 * (the bits stay in the buffer, the state in the struct), so the stream can be cut at any
 * byte. The refill takes whole bytes while 24 bits or fewer are buffered, so after a
 * refill at least 25 bits are there unless the input is exhausted; no state needs more
 * than 25 at once except the 32-bit fields read after byte alignment, when the buffer
 * holds whole bytes and the refill reaches 32. Huffman codes decode through a 9-bit table
 * with a canonical bit-by-bit fallback for longer codes (RFC 1951 §3.2.2). */
#include "inflate.h"

#include <stddef.h>

/* No libc headers on the chip: the compiler's builtins become calls to the ROM's memcpy and
 * memset (the only library functions this file uses). */
#define copy_bytes __builtin_memcpy
#define set_bytes  __builtin_memset

#define WSIZE	  INFLATE_WINDOW_SIZE
#define FAST_MASK ((1u << INFLATE_FAST_BITS) - 1u)
#define ADLER_MOD 65521u
/* Bytes that can be summed before b might pass 2^32 (zlib's NMAX). */
#define ADLER_NMAX 5552u
/* The helpers of the literal/length loop and the match copy: -Os would otherwise call them
 * for every symbol. Inlined there, the lx106 runs 16% fewer instructions per output byte
 * (bench/inflate: 38.2 against 45.3 on lx106 code) for 256 more bytes of the stub's upload;
 * -DINFLATE_SMALL keeps them out of line. The states that run once per block or per match
 * (headers, distance codes, code lengths) call one shared copy instead (need,
 * decode_cold): inlined in each of them they would cost the upload another 540 bytes for
 * 5% fewer instructions per byte. */
#if defined(__GNUC__) && !defined(INFLATE_SMALL)
#define HOT static inline __attribute__((always_inline))
#else
#define HOT static inline
#endif
/* An internal step result: the state changed, run the next one. */
#define GO 2
/* decode() results besides a symbol. */
#define NEED_BITS (-1)
#define BAD_CODE  (-2)

enum state {
	S_HEADER,
	S_BLOCK,
	S_STORED_LEN,
	S_STORED_COPY,
	S_DYN_COUNTS,
	S_DYN_CLEN,
	S_DYN_LENS,
	S_SYM,
	S_DIST,
	S_DIST_EXTRA,
	S_COPY,
	S_ADLER,
	S_DONE,
};

/* RFC 1951 §3.2.5: lengths 257..285 and distances 0..29, base and extra bits, computed
 * instead of tabled (the tables cost 177 bytes of the stub's upload, the arithmetic less
 * than half that). Length codes 0-7 (257-264) have no extra bits; from there every four
 * codes take one more, and each base is the last plus 2^extra of the previous code, which
 * comes out as (4 + code % 4) << (extra) + 3; code 28 (285) is 258 with none. Distance
 * codes 0-3 have none, then every two take one more: base (2 + code % 2) << extra + 1. */
HOT uint32_t len_extra(uint32_t code)
{
	return code < 8u || code == 28u ? 0 : (code >> 2) - 1u;
}

HOT uint32_t len_base(uint32_t code)
{
	if (code < 8u)
		return code + 3u;
	if (code == 28u)
		return 258u;
	return ((4u + (code & 3u)) << ((code >> 2) - 1u)) + 3u;
}

HOT uint32_t dist_extra(uint32_t code)
{
	return code < 4u ? 0 : (code >> 1) - 1u;
}

HOT uint32_t dist_base(uint32_t code)
{
	if (code < 4u)
		return code + 1u;
	return ((2u + (code & 1u)) << ((code >> 1) - 1u)) + 1u;
}

/* RFC 1951 §3.2.7: the order of the code-length code lengths. */
static const uint8_t clen_order[19] = {16, 17, 18, 0, 8,  7, 9,	 6, 10, 5,
				       11, 4,  12, 3, 13, 2, 14, 1, 15};

HOT uint8_t *window_bytes(struct inflater *inf)
{
	return (uint8_t *)inf->window;
}

/* ---- bits ---- */

HOT void refill(struct inflater *inf)
{
	while (inf->bitcount <= 24 && inf->in_left) {
		inf->bitbuf |= (uint32_t)*inf->in++ << inf->bitcount;
		inf->bitcount += 8;
		inf->in_left--;
		inf->total_in++;
	}
}

/* True when n (<= 25, or 32 at a byte boundary) bits are buffered; false means the input
 * of this call is exhausted. */
static int need(struct inflater *inf, uint32_t n)
{
	refill(inf);
	return inf->bitcount >= n;
}

HOT uint32_t peek(const struct inflater *inf, uint32_t n)
{
	return inf->bitbuf & ((1u << n) - 1u);
}

HOT void drop(struct inflater *inf, uint32_t n)
{
	inf->bitbuf >>= n;
	inf->bitcount -= n;
}

static void align_to_byte(struct inflater *inf)
{
	drop(inf, inf->bitcount & 7u);
}

/* The whole buffer as 32 bits; only at a byte boundary with 32 bits buffered. */
static uint32_t take32(struct inflater *inf)
{
	uint32_t v = inf->bitbuf;
	inf->bitbuf = 0;
	inf->bitcount = 0;
	return v;
}

/* ---- Huffman codes ---- */

static uint32_t reverse_bits(uint32_t code, uint32_t len)
{
	uint32_t r = 0;
	while (len--) {
		r = (r << 1) | (code & 1u);
		code >>= 1;
	}
	return r;
}

static void fill_fast(struct inflate_huff *h)
{
	uint32_t code = 0, index = 0;
	set_bytes(h->fast, 0, sizeof h->fast);
	for (uint32_t len = 1; len <= INFLATE_FAST_BITS; len++) {
		for (uint32_t k = 0; k < h->count[len]; k++) {
			uint16_t entry = (uint16_t)(len << 9 | h->symbol[index++]);
			for (uint32_t r = reverse_bits(code, len); r <= FAST_MASK; r += 1u << len)
				h->fast[r] = entry;
			code++;
		}
		code <<= 1;
	}
}

/* Builds the canonical code for n symbols. Returns -1 when over-subscribed, else the
 * number of unused codes of the longest length (0: complete). *max_len: the longest. */
static int32_t huff_build(struct inflate_huff *h, const uint8_t *lengths, uint32_t n,
			  uint32_t *max_len)
{
	uint16_t offs[16];
	int32_t left = 1;

	set_bytes(h->count, 0, sizeof h->count);
	for (uint32_t i = 0; i < n; i++)
		h->count[lengths[i]]++;
	*max_len = 0;
	for (uint32_t len = 1; len <= 15; len++) {
		left = left * 2 - h->count[len];
		if (left < 0)
			return -1;
		if (h->count[len])
			*max_len = len;
	}
	offs[1] = 0;
	for (uint32_t len = 1; len < 15; len++)
		offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
	for (uint32_t sym = 0; sym < n; sym++)
		if (lengths[sym])
			h->symbol[offs[lengths[sym]]++] = (uint16_t)sym;
	h->count[0] = (uint16_t)*max_len; /* no code has length 0: the slot holds the longest */
	fill_fast(h);
	return left;
}

/* zlib's rule for literal/length and distance codes: complete, or no code at all, or a
 * single code of one bit (RFC 1951 §3.2.7 allows one distance code of one bit). */
static int acceptable(int32_t left, uint32_t max_len)
{
	return left == 0 || max_len == 0 || max_len == 1;
}

/* decode() for codes longer than the fast table: canonical decoding bit by bit. */
static int32_t decode_slow(const struct inflate_huff *h, uint32_t bits, uint32_t avail,
			   uint32_t *len)
{
	int32_t code = 0, first = 0, index = 0;
	/* Up to the longest code only: the bits of an incomplete code (a single one-bit code)
	 * that match nothing are refused as soon as they are there, as zlib does. */
	for (uint32_t l = 1; l <= h->count[0]; l++) {
		if (l > avail)
			return NEED_BITS;
		code |= (int32_t)((bits >> (l - 1)) & 1u);
		int32_t count = h->count[l];
		if (code - count < first) {
			*len = l;
			return h->symbol[index + (code - first)];
		}
		index += count;
		first = (first + count) << 1;
		code <<= 1;
	}
	return BAD_CODE;
}

/* The symbol the buffered bits start with, its length in *len; NEED_BITS when the buffer
 * is too short to tell, BAD_CODE when no code of the table matches. */
HOT int32_t decode(const struct inflate_huff *h, uint32_t bits, uint32_t avail, uint32_t *len)
{
	uint32_t entry = h->fast[bits & FAST_MASK];
	if (!entry)
		return decode_slow(h, bits, avail, len);
	if ((entry >> 9) > avail)
		return NEED_BITS;
	*len = entry >> 9;
	return (int32_t)(entry & 511u);
}

/* decode() after a refill, where speed matters less (distance codes, code lengths): one
 * shared copy. */
static int32_t decode_cold(const struct inflate_huff *h, struct inflater *inf, uint32_t *len)
{
	refill(inf);
	return decode(h, inf->bitbuf, inf->bitcount, len);
}

static void build_fixed(struct inflater *inf)
{
	uint8_t *l = inf->lengths;
	uint32_t max_len;
	for (uint32_t i = 0; i < 288; i++)
		l[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
	(void)huff_build(&inf->lit, l, 288, &max_len);
	set_bytes(l, 5, 32);
	(void)huff_build(&inf->dist, l, 32, &max_len);
	inf->fixed_built = 1;
}

/* ---- output ---- */

static void adler_update(struct inflater *inf, const uint8_t *p, uint32_t n)
{
	uint32_t a = inf->adler_a, b = inf->adler_b;
	while (n) {
		uint32_t k = n < ADLER_NMAX ? n : ADLER_NMAX;
		n -= k;
		for (; k >= 4; k -= 4, p += 4) { /* unrolled: the loop costs as much as the sums */
			a += p[0];
			b += a;
			a += p[1];
			b += a;
			a += p[2];
			b += a;
			a += p[3];
			b += a;
		}
		while (k--) {
			a += *p++;
			b += a;
		}
		/* 65536 = 15 (mod 65521): fold twice, subtract once; no division (the
		 * lx106 has no divide instruction). */
		a = (a & 0xffffu) + 15u * (a >> 16);
		if (a >= ADLER_MOD)
			a -= ADLER_MOD;
		b = (b & 0xffffu) + 15u * (b >> 16);
		b = (b & 0xffffu) + 15u * (b >> 16);
		if (b >= ADLER_MOD)
			b -= ADLER_MOD;
	}
	inf->adler_a = a;
	inf->adler_b = b;
}

/* Hands window bytes [flushed, end) to the sink. */
static int flush(struct inflater *inf, uint32_t end)
{
	if (end <= inf->flushed)
		return 0;
	const uint8_t *piece = window_bytes(inf) + inf->flushed;
	uint32_t len = end - inf->flushed;
	adler_update(inf, piece, len);
	inf->flushed = end;
	int rc = inf->sink(inf->sink_ctx, piece, len);
	if (rc) {
		inf->sink_error = rc;
		return INFLATE_ERR_SINK;
	}
	return 0;
}

HOT int wrap_if_full(struct inflater *inf)
{
	if (inf->wpos < WSIZE)
		return 0;
	int rc = flush(inf, WSIZE);
	inf->wpos = 0;
	inf->flushed = 0;
	return rc;
}

HOT int put_literal(struct inflater *inf, uint32_t c)
{
	if (inf->total_out == inf->out_limit)
		return INFLATE_ERR_TOO_LONG;
	window_bytes(inf)[inf->wpos++] = (uint8_t)c;
	inf->total_out++;
	return wrap_if_full(inf);
}

/* ---- states ---- */

static int step_header(struct inflater *inf)
{
	if (!need(inf, 16))
		return INFLATE_MORE;
	uint32_t cmf = peek(inf, 8), flg = (inf->bitbuf >> 8) & 0xffu;
	/* CM 8 = deflate, CINFO <= 7 = window <= 32 KiB, no FDICT, (CMF*256+FLG) % 31 == 0:
	 * the check without a division, 256 = 8 (mod 31). */
	uint32_t check = cmf * 8u + flg;
	while (check >= 31u * 64u)
		check -= 31u * 64u;
	while (check >= 31u)
		check -= 31u;
	if ((cmf & 15u) != 8u || (cmf >> 4) > 7u || (flg & 0x20u) || check)
		return INFLATE_ERR_HEADER;
	drop(inf, 16);
	inf->state = S_BLOCK;
	return GO;
}

static int step_block(struct inflater *inf)
{
	if (!need(inf, 3))
		return INFLATE_MORE;
	inf->last_block = peek(inf, 1);
	uint32_t type = (inf->bitbuf >> 1) & 3u;
	drop(inf, 3);
	switch (type) {
	case 0:
		align_to_byte(inf);
		inf->state = S_STORED_LEN;
		return GO;
	case 1:
		if (!inf->fixed_built)
			build_fixed(inf);
		inf->state = S_SYM;
		return GO;
	case 2:
		inf->state = S_DYN_COUNTS;
		return GO;
	default:
		return INFLATE_ERR_BLOCK_TYPE;
	}
}

static int end_of_block(struct inflater *inf)
{
	if (!inf->last_block) {
		inf->state = S_BLOCK;
		return GO;
	}
	align_to_byte(inf);
	inf->state = S_ADLER;
	int rc = flush(inf, inf->wpos);
	return rc ? rc : GO;
}

static int step_stored_len(struct inflater *inf)
{
	if (!need(inf, 32))
		return INFLATE_MORE;
	uint32_t v = take32(inf);
	if ((v & 0xffffu) != (~v >> 16))
		return INFLATE_ERR_STORED_LENGTH;
	inf->length = v & 0xffffu;
	if (inf->out_limit - inf->total_out < inf->length)
		return INFLATE_ERR_TOO_LONG;
	inf->state = S_STORED_COPY;
	return GO;
}

/* The bit buffer is empty here (take32), so the bytes come straight from the input. */
static int step_stored_copy(struct inflater *inf)
{
	while (inf->length) {
		uint32_t n = inf->length;
		if (n > inf->in_left)
			n = inf->in_left;
		if (n > WSIZE - inf->wpos)
			n = WSIZE - inf->wpos;
		if (!n)
			return INFLATE_MORE;
		copy_bytes(window_bytes(inf) + inf->wpos, inf->in, n);
		inf->in += n;
		inf->in_left -= n;
		inf->total_in += n;
		inf->wpos += n;
		inf->total_out += n;
		inf->length -= n;
		int rc = wrap_if_full(inf);
		if (rc)
			return rc;
	}
	return end_of_block(inf);
}

static int step_dyn_counts(struct inflater *inf)
{
	if (!need(inf, 14))
		return INFLATE_MORE;
	inf->hlit = peek(inf, 5) + 257u;
	inf->hdist = ((inf->bitbuf >> 5) & 31u) + 1u;
	inf->hclen = ((inf->bitbuf >> 10) & 15u) + 4u;
	drop(inf, 14);
	if (inf->hlit > 286u || inf->hdist > 30u)
		return INFLATE_ERR_CODE_LENGTHS;
	set_bytes(inf->lengths, 0, 19);
	inf->index = 0;
	inf->state = S_DYN_CLEN;
	return GO;
}

static int step_dyn_clen(struct inflater *inf)
{
	uint32_t max_len;
	while (inf->index < inf->hclen) {
		if (!need(inf, 3))
			return INFLATE_MORE;
		inf->lengths[clen_order[inf->index++]] = (uint8_t)peek(inf, 3);
		drop(inf, 3);
	}
	/* The code-length code lives in dist until the real tables are built. */
	inf->fixed_built = 0;
	if (huff_build(&inf->dist, inf->lengths, 19, &max_len) != 0 || max_len == 0)
		return INFLATE_ERR_CODE_LENGTHS;
	inf->index = 0;
	inf->state = S_DYN_LENS;
	return GO;
}

static int build_dynamic(struct inflater *inf)
{
	uint32_t max_len;
	int32_t left;
	if (!inf->lengths[256])
		return INFLATE_ERR_CODE_LENGTHS;
	left = huff_build(&inf->lit, inf->lengths, inf->hlit, &max_len);
	if (left < 0 || !acceptable(left, max_len))
		return INFLATE_ERR_CODE_LENGTHS;
	left = huff_build(&inf->dist, inf->lengths + inf->hlit, inf->hdist, &max_len);
	if (left < 0 || !acceptable(left, max_len))
		return INFLATE_ERR_CODE_LENGTHS;
	inf->state = S_SYM;
	return GO;
}

static int step_dyn_lens(struct inflater *inf)
{
	uint32_t total = inf->hlit + inf->hdist;
	while (inf->index < total) {
		uint32_t n, extra = 0, rep = 1, value;
		int32_t sym = decode_cold(&inf->dist, inf, &n);
		if (sym == NEED_BITS)
			return INFLATE_MORE;
		if (sym < 0)
			return INFLATE_ERR_CODE_LENGTHS;
		value = (uint32_t)sym;
		if (sym == 16) {
			if (!inf->index)
				return INFLATE_ERR_CODE_LENGTHS;
			value = inf->lengths[inf->index - 1];
			extra = 2;
			rep = 3;
		} else if (sym == 17) {
			value = 0;
			extra = 3;
			rep = 3;
		} else if (sym == 18) {
			value = 0;
			extra = 7;
			rep = 11;
		}
		if (n + extra > inf->bitcount)
			return INFLATE_MORE;
		drop(inf, n);
		rep += peek(inf, extra);
		drop(inf, extra);
		if (rep > total - inf->index)
			return INFLATE_ERR_CODE_LENGTHS;
		set_bytes(inf->lengths + inf->index, (int)value, rep);
		inf->index += rep;
	}
	return build_dynamic(inf);
}

/* Literals and lengths; the hot loop. A length code and its extra bits take at most 20
 * bits, which a refill provides unless the input is exhausted. */
static int step_sym(struct inflater *inf)
{
	for (;;) {
		uint32_t n;
		refill(inf);
		int32_t sym = decode(&inf->lit, inf->bitbuf, inf->bitcount, &n);
		if (sym == NEED_BITS)
			return INFLATE_MORE;
		if (sym < 0)
			return INFLATE_ERR_CODE;
		if (sym < 256) {
			drop(inf, n);
			int rc = put_literal(inf, (uint32_t)sym);
			if (rc)
				return rc;
			continue;
		}
		if (sym == 256) {
			drop(inf, n);
			return end_of_block(inf);
		}
		uint32_t code = (uint32_t)sym - 257u;
		if (code >= 29u)
			return INFLATE_ERR_CODE;
		uint32_t extra = len_extra(code);
		if (n + extra > inf->bitcount)
			return INFLATE_MORE;
		drop(inf, n);
		inf->length = len_base(code) + peek(inf, extra);
		drop(inf, extra);
		inf->state = S_DIST;
		return GO;
	}
}

static int step_dist(struct inflater *inf)
{
	uint32_t n;
	int32_t sym = decode_cold(&inf->dist, inf, &n);
	if (sym == NEED_BITS)
		return INFLATE_MORE;
	if (sym < 0 || sym >= 30)
		return INFLATE_ERR_CODE;
	drop(inf, n);
	inf->distance = (uint32_t)sym;
	inf->state = S_DIST_EXTRA;
	return GO;
}

static int step_dist_extra(struct inflater *inf)
{
	uint32_t extra = dist_extra(inf->distance);
	if (!need(inf, extra))
		return INFLATE_MORE;
	uint32_t distance = dist_base(inf->distance) + peek(inf, extra);
	drop(inf, extra);
	if (distance > inf->total_out)
		return INFLATE_ERR_DISTANCE;
	if (inf->out_limit - inf->total_out < inf->length)
		return INFLATE_ERR_TOO_LONG;
	inf->distance = distance;
	inf->state = S_COPY;
	return GO;
}

/* Copies length bytes from distance back, in runs that stop at the window's end. A run
 * whose source and destination overlap goes byte by byte, forwards, which repeats the
 * last distance bytes as RFC 1951 §3.2.3 requires. */
static int step_copy(struct inflater *inf)
{
	uint8_t *w = window_bytes(inf);
	while (inf->length) {
		uint32_t from = (inf->wpos - inf->distance) & (WSIZE - 1u);
		uint32_t n = inf->length;
		if (n > WSIZE - inf->wpos)
			n = WSIZE - inf->wpos;
		if (n > WSIZE - from)
			n = WSIZE - from;
		uint32_t gap = from < inf->wpos ? inf->wpos - from : from - inf->wpos;
		if (n <= gap && n >= 16) {
			copy_bytes(w + inf->wpos, w + from, n);
		} else {
			uint8_t *dst = w + inf->wpos;
			const uint8_t *src = w + from;
			for (uint32_t i = 0; i < n; i++)
				dst[i] = src[i];
		}
		inf->wpos += n;
		inf->total_out += n;
		inf->length -= n;
		int rc = wrap_if_full(inf);
		if (rc)
			return rc;
	}
	inf->state = S_SYM;
	return GO;
}

static int step_adler(struct inflater *inf)
{
	if (!need(inf, 32))
		return INFLATE_MORE;
	uint32_t v = take32(inf);
	/* Stored big-endian; the buffer holds the bytes little-endian. */
	uint32_t stored = (v & 0xffu) << 24 | (v & 0xff00u) << 8 | (v >> 8 & 0xff00u) | v >> 24;
	if (stored != (inf->adler_b << 16 | inf->adler_a))
		return INFLATE_ERR_ADLER;
	inf->state = S_DONE;
	return GO;
}

static int step(struct inflater *inf)
{
	switch (inf->state) {
	case S_HEADER:
		return step_header(inf);
	case S_BLOCK:
		return step_block(inf);
	case S_STORED_LEN:
		return step_stored_len(inf);
	case S_STORED_COPY:
		return step_stored_copy(inf);
	case S_DYN_COUNTS:
		return step_dyn_counts(inf);
	case S_DYN_CLEN:
		return step_dyn_clen(inf);
	case S_DYN_LENS:
		return step_dyn_lens(inf);
	case S_SYM:
		return step_sym(inf);
	case S_DIST:
		return step_dist(inf);
	case S_DIST_EXTRA:
		return step_dist_extra(inf);
	case S_COPY:
		return step_copy(inf);
	case S_ADLER:
		return step_adler(inf);
	default:
		return inf->bitcount || inf->in_left ? INFLATE_ERR_TRAILING : INFLATE_DONE;
	}
}

/* ---- interface ---- */

void inflate_init(struct inflater *inf, uint32_t out_limit, inflate_sink_fn sink, void *sink_ctx)
{
	/* The window needs no clearing: distances are checked against total_out. */
	set_bytes(inf, 0, offsetof(struct inflater, window));
	inf->sink = sink;
	inf->sink_ctx = sink_ctx;
	inf->out_limit = out_limit;
	inf->adler_a = 1;
	inf->state = S_HEADER;
}

int inflate_feed(struct inflater *inf, const uint8_t *in, uint32_t len)
{
	int rc;
	if (inf->result < 0)
		return inf->result;
	inf->in = in;
	inf->in_left = len;
	do
		rc = step(inf);
	while (rc == GO);
	/* INFLATE_MORE leaves no input behind: every state consumes or suspends on empty. */
	if (rc == INFLATE_MORE)
		rc = flush(inf, inf->wpos & ~3u);
	inf->in = 0;
	inf->in_left = 0;
	inf->result = rc;
	return rc;
}

int inflate_finish(struct inflater *inf)
{
	if (inf->result >= 0 && inf->state != S_DONE)
		inf->result = INFLATE_ERR_TRUNCATED;
	return inf->result < 0 ? inf->result : INFLATE_DONE;
}

uint32_t inflate_total_in(const struct inflater *inf)
{
	return inf->total_in - inf->bitcount / 8u;
}

uint32_t inflate_total_out(const struct inflater *inf)
{
	return inf->total_out;
}

int inflate_sink_error(const struct inflater *inf)
{
	return inf->sink_error;
}

const char *inflate_strerror(int result)
{
	switch (result) {
	case INFLATE_MORE:
		return "more input expected";
	case INFLATE_DONE:
		return "complete";
	case INFLATE_ERR_HEADER:
		return "not a zlib stream (bad header)";
	case INFLATE_ERR_BLOCK_TYPE:
		return "invalid deflate block type";
	case INFLATE_ERR_STORED_LENGTH:
		return "stored block length does not match its complement";
	case INFLATE_ERR_CODE_LENGTHS:
		return "invalid code lengths in a dynamic block header";
	case INFLATE_ERR_CODE:
		return "invalid literal/length or distance code";
	case INFLATE_ERR_DISTANCE:
		return "distance too far back";
	case INFLATE_ERR_ADLER:
		return "Adler-32 of the data does not match the stream";
	case INFLATE_ERR_TRAILING:
		return "data after the end of the zlib stream";
	case INFLATE_ERR_TOO_LONG:
		return "inflated data longer than announced";
	case INFLATE_ERR_TRUNCATED:
		return "zlib stream ends early";
	case INFLATE_ERR_SINK:
		return "writing the inflated data failed";
	default:
		return "unknown inflate result";
	}
}
