/* SPDX-License-Identifier: MIT
 * A streaming zlib (RFC 1950) / deflate (RFC 1951) decoder for the flasher stub: the
 * compressed data of FLASH_DEFL_DATA arrives split at arbitrary byte boundaries, and the
 * decoder resumes exactly where the previous piece ended. Output goes into a 32 KiB window
 * inside the state and is handed to the caller's sink in contiguous pieces.
 *
 * Freestanding C99: fixed-width types, no allocation, no libc beyond memcpy/memset, only
 * naturally aligned accesses (bytes, halfwords of the tables, words). The caller owns the
 * state (on the chip a static in DRAM): sizeof(struct inflater) is 36,464 bytes on a 64-bit
 * host and 36,448 on the ESP8266, of which 32 KiB is the window that deflate's farthest
 * distance needs. For the lx106 (-Os -mlongcalls -mtext-section-literals, no LTO)
 * inflate.c is 3.0 KiB of text, 565 bytes of read-only data (446 of them the
 * inflate_strerror texts, which the stub does not link), no data or BSS, and calls only
 * memcpy and memset.
 *
 * Call order: inflate_init -> inflate_feed (any number of times, any split of the stream)
 * -> inflate_finish. Errors are sticky: once a call returned a negative code, every later
 * call returns the same code and the sink is not called again. */
#pragma once

#include <stdint.h>

#define INFLATE_WINDOW_SIZE 32768u

/* Results: non-negative = progress, negative = the stream is rejected. */
enum inflate_result {
	INFLATE_MORE = 0, /* all input consumed; the stream goes on */
	INFLATE_DONE = 1, /* the stream ended (Adler-32 checked) exactly at the end of the input */
	INFLATE_ERR_HEADER = -1,	/* zlib header: not deflate, window > 32 KiB, a preset
					    dictionary, or the header check bits are wrong */
	INFLATE_ERR_BLOCK_TYPE = -2,	/* block type 3 (reserved) */
	INFLATE_ERR_STORED_LENGTH = -3, /* stored block whose LEN is not the complement of NLEN */
	INFLATE_ERR_CODE_LENGTHS = -4,	/* dynamic block header: too many codes, an over-
					    subscribed or incomplete code, a repeat with nothing
					    to repeat or past the end, no end-of-block code */
	INFLATE_ERR_CODE = -5,		/* a literal/length or distance code the block does not
					    define (including 286, 287 and distances 30, 31) */
	INFLATE_ERR_DISTANCE = -6,	/* a match reaching back before the start of the output */
	INFLATE_ERR_ADLER = -7,		/* the Adler-32 of the output differs from the trailer */
	INFLATE_ERR_TRAILING = -8,	/* bytes after the end of the zlib stream */
	INFLATE_ERR_TOO_LONG = -9,	/* the output would pass the caller's limit */
	INFLATE_ERR_TRUNCATED = -10,	/* inflate_finish before the end of the stream */
	INFLATE_ERR_SINK = -11, /* the sink refused a piece (its code: inflate_sink_error) */
};

/* Receives the output. data points into the window and is valid only during the call.
 * Every piece starts at a 4-byte aligned address and, except the last piece of the stream,
 * is a multiple of 4 bytes long (SPI flash writes want both). Pieces come when the window
 * wraps, at the end of each inflate_feed call (the 4-byte multiple produced so far) and at
 * the end of the stream (the rest). Return 0 to go on; anything else stops the stream with
 * INFLATE_ERR_SINK and is kept for inflate_sink_error. */
typedef int (*inflate_sink_fn)(void *ctx, const uint8_t *data, uint32_t len);

/* A canonical Huffman code: counts per length, symbols by code, and a table indexed by the
 * next INFLATE_FAST_BITS input bits (bit-reversed code) for the short codes. */
#define INFLATE_FAST_BITS 9
struct inflate_huff {
	uint16_t count[16]; /* [0]: the longest code length */
	uint16_t symbol[288];
	uint16_t fast[1u << INFLATE_FAST_BITS]; /* len << 9 | symbol; 0 = longer code */
};

/* The decoder state. Caller-owned memory; fields are private to inflate.c. The scalars come
 * first and the tables and the window last: on the lx106 a load or store reaches 1020
 * bytes past its base register, so fields behind the 32 KiB window would each need their
 * address built first (more code and more instructions per symbol). */
struct inflater {
	inflate_sink_fn sink;
	void *sink_ctx;
	const uint8_t *in; /* the input of the current inflate_feed call */
	uint32_t in_left;
	uint32_t total_in;  /* bytes consumed by the decoder */
	uint32_t total_out; /* bytes produced */
	uint32_t out_limit;
	uint32_t bitbuf; /* input bits not yet used, LSB first */
	uint32_t bitcount;
	uint32_t wpos;	  /* next write position in the window */
	uint32_t flushed; /* window bytes before this were handed to the sink */
	uint32_t adler_a, adler_b;
	uint32_t state;
	uint32_t last_block;
	uint32_t fixed_built;		    /* lit/dist hold the fixed codes */
	uint32_t hlit, hdist, hclen, index; /* dynamic header progress */
	uint32_t length, distance;	    /* the match being decoded or copied */
	int result;			    /* sticky error, or INFLATE_DONE */
	int sink_error;
	uint8_t lengths[320];			  /* code lengths while reading a dynamic header */
	struct inflate_huff lit;		  /* literal/length code of the current block */
	struct inflate_huff dist;		  /* distance code (code-length code meanwhile) */
	uint32_t window[INFLATE_WINDOW_SIZE / 4]; /* output bytes; uint32_t for alignment */
};

/* Prepares a stream whose output may not exceed out_limit bytes (UINT32_MAX: no limit).
 * sink and sink_ctx are borrowed until the last call for this stream. */
void inflate_init(struct inflater *inf, uint32_t out_limit, inflate_sink_fn sink, void *sink_ctx);

/* Decodes len more bytes of the stream (len may be 0; in may be NULL then). Returns
 * INFLATE_MORE, INFLATE_DONE when the stream ended exactly at the end of this input, or a
 * negative enum inflate_result. in is borrowed for the call only. */
int inflate_feed(struct inflater *inf, const uint8_t *in, uint32_t len);

/* The caller has no more input: INFLATE_DONE if the stream was complete,
 * INFLATE_ERR_TRUNCATED if not, or the sticky error. */
int inflate_finish(struct inflater *inf);

/* Compressed bytes consumed so far (the position of an error), and bytes produced. */
uint32_t inflate_total_in(const struct inflater *inf);
uint32_t inflate_total_out(const struct inflater *inf);

/* The value the sink returned when it stopped the stream (0 if it did not). */
int inflate_sink_error(const struct inflater *inf);

/* A short English text for an enum inflate_result; static storage. */
const char *inflate_strerror(int result);
