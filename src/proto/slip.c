/* SPDX-License-Identifier: MIT
 * SLIP codec (see slip.h). */
#include "proto/slip.h"

#include <string.h>

size_t slip_encode(const uint8_t *body, size_t len, uint8_t *out)
{
	size_t o = 0;
	out[o++] = SLIP_END;
	for (size_t i = 0; i < len; i++) {
		if (body[i] == SLIP_END) {
			out[o++] = SLIP_ESC;
			out[o++] = SLIP_ESC_END;
		} else if (body[i] == SLIP_ESC) {
			out[o++] = SLIP_ESC;
			out[o++] = SLIP_ESC_ESC;
		} else {
			out[o++] = body[i];
		}
	}
	out[o++] = SLIP_END;
	return o;
}

void slip_decoder_init(struct slip_decoder *d, uint8_t *buf, size_t cap)
{
	memset(d, 0, sizeof *d);
	d->buf = buf;
	d->cap = cap;
}

void slip_decoder_reset(struct slip_decoder *d)
{
	d->len = 0;
	d->in_frame = false;
	d->escape = false;
	d->noise = 0;
	d->noise_tail_len = 0;
}

static void note_noise(struct slip_decoder *d, uint8_t c)
{
	d->noise++;
	if (d->noise_tail_len == sizeof d->noise_tail) {
		memmove(d->noise_tail, d->noise_tail + 1, sizeof d->noise_tail - 1);
		d->noise_tail_len--;
	}
	d->noise_tail[d->noise_tail_len++] = c;
}

enum slip_event slip_decoder_feed(struct slip_decoder *d, const uint8_t *data, size_t len,
				  size_t *used)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = data[i];
		if (!d->in_frame) {
			if (c == SLIP_END) {
				d->in_frame = true;
				d->len = 0;
				d->escape = false;
			} else {
				note_noise(d, c);
			}
			continue;
		}
		if (d->escape) {
			d->escape = false;
			if (c == SLIP_ESC_END)
				c = SLIP_END;
			else if (c == SLIP_ESC_ESC)
				c = SLIP_ESC;
			else {
				/* Resynchronise on the next delimiter. */
				d->in_frame = c == SLIP_END;
				d->len = 0;
				*used = i + 1;
				return SLIP_BAD_ESCAPE;
			}
		} else if (c == SLIP_ESC) {
			d->escape = true;
			continue;
		} else if (c == SLIP_END) {
			if (d->len == 0)
				continue; /* C0 C0: end of nothing, start of the next frame */
			d->in_frame = false;
			*used = i + 1;
			return SLIP_FRAME;
		}
		if (d->len == d->cap) {
			d->in_frame = false;
			d->len = 0;
			*used = i + 1;
			return SLIP_OVERFLOW;
		}
		d->buf[d->len++] = c;
	}
	*used = len;
	return SLIP_NONE;
}

const uint8_t *slip_decoder_frame(const struct slip_decoder *d, size_t *len)
{
	*len = d->len;
	return d->buf;
}
