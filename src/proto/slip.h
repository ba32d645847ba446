/* SPDX-License-Identifier: MIT
 * SLIP framing (reference §1.2): a pure codec over buffers, no I/O.
 * Encode: slip_encode() writes C0 <escaped body> C0.
 * Decode: feed bytes in any chunking to slip_decoder_feed(); it stops after each complete
 * frame so the caller can take it with slip_decoder_frame() before feeding the rest. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SLIP_END     0xC0
#define SLIP_ESC     0xDB
#define SLIP_ESC_END 0xDC
#define SLIP_ESC_ESC 0xDD

/* Worst-case encoded size of a body of len bytes. */
static inline size_t slip_encoded_max(size_t len)
{
	return 2 * len + 2;
}

/* Encodes body into out (capacity at least slip_encoded_max(len)); returns bytes written. */
size_t slip_encode(const uint8_t *body, size_t len, uint8_t *out);

enum slip_event {
	SLIP_NONE = 0,	 /* all input consumed, no frame finished */
	SLIP_FRAME,	 /* a frame is complete: slip_decoder_frame() */
	SLIP_BAD_ESCAPE, /* DB followed by something other than DC/DD: frame dropped */
	SLIP_OVERFLOW,	 /* frame longer than the capacity: frame dropped */
};

struct slip_decoder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool in_frame;
	bool escape;
	size_t noise; /* bytes seen between frames (boot log, garbage) since the last reset */
	uint8_t
	    noise_tail[128]; /* the last bytes of that noise, for "the board printed ..." hints */
	size_t noise_tail_len;
};

/* Caller-owned memory: buf of cap bytes holds the current frame. */
void slip_decoder_init(struct slip_decoder *d, uint8_t *buf, size_t cap);
void slip_decoder_reset(struct slip_decoder *d);

/* Consumes bytes from data until a frame completes or an error happens or input ends.
 * *used is set to the bytes consumed. Empty frames (C0 C0) are not reported. */
enum slip_event slip_decoder_feed(struct slip_decoder *d, const uint8_t *data, size_t len,
				  size_t *used);

/* The frame just completed (valid until the next feed). */
const uint8_t *slip_decoder_frame(const struct slip_decoder *d, size_t *len);
