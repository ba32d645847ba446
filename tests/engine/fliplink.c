/* SPDX-License-Identifier: MIT
 * Test-only link wrapper flipping bits of one chosen outgoing request (see fliplink.h).
 * The loader writes each SLIP frame with one write call, so a frame is decoded, changed
 * and encoded again within that call. */
#include "fliplink.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "proto/slip.h"

struct fliplink {
	struct link base;
	struct link *inner;
	struct fliplink_rule rule;
	int flipped;
	/* fliplink_drop_rx(): frames still to pass before the one hit (armed when > 0), the
	 * byte of it to lose, where in that frame the stream is, drops done */
	unsigned drop_frame, drop_byte, rx_c0, rx_pos;
	int dropped;
	uint8_t body[0x4400];
	uint8_t out[2 * 0x4400 + 2];
};

static struct fliplink *fl_of(struct link *l)
{
	return l->priv;
}

/* Whether the incoming byte c is the one fliplink_drop_rx() chose. Frames are counted by
 * their delimiters: C0 number 2k-1 since arming opens the kth frame. */
static bool drop_this(struct fliplink *f, uint8_t c)
{
	if (!f->drop_frame)
		return false;
	if (c == 0xC0) {
		f->rx_c0++;
		f->rx_pos = 0;
		return false;
	}
	f->rx_pos++;
	if (f->rx_c0 == 2 * f->drop_frame - 1 && f->rx_pos == f->drop_byte) {
		f->drop_frame = 0;
		f->dropped++;
		return true;
	}
	return false;
}

static int fl_read(struct link *l, uint8_t *buf, size_t cap, uint64_t timeout_us,
		   struct ed_error *err)
{
	struct fliplink *f = fl_of(l);
	for (;;) {
		int rc = link_read(f->inner, buf, cap, timeout_us, err);
		if (rc <= 0)
			return rc;
		size_t n = 0;
		for (size_t i = 0; i < (size_t)rc; i++)
			if (!drop_this(f, buf[i]))
				buf[n++] = buf[i];
		if (n) /* a read that brought only the lost byte waits for more */
			return (int)n;
	}
}

/* Unescapes one whole frame C0 ... C0; false when buf is not exactly one frame. */
static bool unslip(const uint8_t *buf, size_t len, uint8_t *body, size_t cap, size_t *blen)
{
	if (len < 3 || buf[0] != 0xC0 || buf[len - 1] != 0xC0)
		return false;
	size_t n = 0;
	for (size_t i = 1; i + 1 < len && n < cap; i++) {
		uint8_t c = buf[i];
		if (c == 0xC0)
			return false;
		if (c == 0xDB && i + 2 < len)
			c = buf[++i] == 0xDC ? 0xC0 : 0xDB;
		body[n++] = c;
	}
	*blen = n;
	return true;
}

static int fl_write(struct link *l, const uint8_t *buf, size_t len, struct ed_error *err)
{
	struct fliplink *f = fl_of(l);
	const struct fliplink_rule *r = &f->rule;
	size_t blen = 0;
	if ((r->times < 0 || f->flipped < r->times) &&
	    unslip(buf, len, f->body, sizeof f->body, &blen) && blen >= 8 + 4 * (r->word + 1) &&
	    f->body[0] == 0 && f->body[1] == r->op) {
		uint8_t *w = f->body + 8 + 4 * r->word;
		bool empty = r->skip_len0 && blen >= 16 && get_le32(f->body + 12) == 0;
		if (get_le32(w) == r->match && !empty) {
			put_le32(w, get_le32(w) ^ r->flip);
			f->flipped++;
			size_t n = slip_encode(f->body, blen, f->out);
			int rc = link_write(f->inner, f->out, n, err);
			return rc < 0 ? rc : (int)len;
		}
	}
	return link_write(f->inner, buf, len, err);
}

static int fl_set_baud(struct link *l, uint32_t baud, struct ed_error *err)
{
	int rc = fl_of(l)->inner->ops->set_baud(fl_of(l)->inner, baud, err);
	l->baud = fl_of(l)->inner->baud;
	return rc;
}

static int fl_set_lines(struct link *l, int dtr, int rts, struct ed_error *err)
{
	return fl_of(l)->inner->ops->set_lines(fl_of(l)->inner, dtr, rts, err);
}

static int fl_flush(struct link *l, struct ed_error *err)
{
	return fl_of(l)->inner->ops->flush_input(fl_of(l)->inner, err);
}

static uint64_t fl_now(struct link *l)
{
	return link_now_us(fl_of(l)->inner);
}

static void fl_sleep(struct link *l, uint64_t us)
{
	link_sleep_us(fl_of(l)->inner, us);
}

static void fl_close(struct link *l)
{
	struct fliplink *f = fl_of(l);
	link_close(f->inner);
	free(f);
}

static const struct link_ops fl_ops = {
    .read = fl_read,
    .write = fl_write,
    .set_baud = fl_set_baud,
    .set_lines = fl_set_lines,
    .flush_input = fl_flush,
    .now_us = fl_now,
    .sleep_us = fl_sleep,
    .close = fl_close,
};

struct link *fliplink_wrap(struct link *inner, const struct fliplink_rule *rule)
{
	struct fliplink *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->inner = inner;
	f->rule = *rule;
	f->base.ops = &fl_ops;
	memcpy(f->base.name, inner->name, sizeof f->base.name);
	f->base.baud = inner->baud;
	f->base.has_lines = inner->has_lines;
	f->base.priv = f;
	return &f->base;
}

struct link *fliplink_inner(struct link *l)
{
	return fl_of(l)->inner;
}

int fliplink_flipped(struct link *l)
{
	return fl_of(l)->flipped;
}

void fliplink_drop_rx(struct link *l, unsigned frame, unsigned byte)
{
	struct fliplink *f = fl_of(l);
	f->drop_frame = frame;
	f->drop_byte = byte;
	f->rx_c0 = f->rx_pos = 0;
}

int fliplink_dropped(struct link *l)
{
	return fl_of(l)->dropped;
}
