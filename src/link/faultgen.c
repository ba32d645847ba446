/* SPDX-License-Identifier: MIT
 * Seeded SLIP-stream faults (see faultgen.h). */
#include "link/faultgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "proto/slip.h"

static const char *const kind_names[FAULT_KIND_COUNT] = {
    "flip",	"drop",	   "dup",   "garbage", "dropframe",
    "dupframe", "hdrflip", "delay", "stall",   "disconnect",
};

const char *faultgen_kind_name(enum faultgen_kind k)
{
	return k < FAULT_KIND_COUNT ? kind_names[k] : "?";
}

const char *faultgen_kinds_text(uint32_t kinds, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int k = 0; k < FAULT_KIND_COUNT; k++) {
		if (!(kinds & (1u << k)))
			continue;
		int n = snprintf(buf + used, cap - used, "%s%s", used ? "+" : "", kind_names[k]);
		if (n < 0 || (size_t)n >= cap - used)
			break;
		used += (size_t)n;
	}
	return buf;
}

static int parse_kinds(const char *text, uint32_t *out, struct ed_error *err)
{
	if (!strcmp(text, "all")) {
		*out = (1u << FAULT_KIND_COUNT) - 1;
		return ED_OK;
	}
	uint32_t kinds = 0;
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, "+");
		int k = 0;
		while (k < FAULT_KIND_COUNT &&
		       (strlen(kind_names[k]) != n || strncmp(p, kind_names[k], n)))
			k++;
		if (k == FAULT_KIND_COUNT)
			return ed_fail(
			    err, ED_ERR_ARG,
			    "unknown fault kind '%.*s': use all or names joined by + "
			    "(flip, drop, dup, garbage, dropframe, dupframe, hdrflip, delay, "
			    "stall, disconnect)",
			    (int)n, p);
		kinds |= 1u << k;
		p += n + (p[n] == '+');
	}
	*out = kinds;
	return ED_OK;
}

int faultgen_plan_parse(struct faultgen_plan *plan, const char *text, struct ed_error *err)
{
	char buf[512];
	if (snprintf(buf, sizeof buf, "%s", text ? text : "") >= (int)sizeof buf)
		return ed_fail(err, ED_ERR_ARG, "fault options too long");
	uint32_t kinds = plan->kinds_tx | plan->kinds_rx;
	bool tx = true, rx = true;
	char *save = NULL;
	for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		if (!eq)
			return ed_fail(err, ED_ERR_ARG, "fault option '%s' needs a value", item);
		*eq++ = '\0';
		char *end;
		if (!strcmp(item, "seed")) {
			plan->seed = strtoull(eq, &end, 0);
			if (*end || !*eq)
				return ed_fail(err, ED_ERR_ARG, "fault seed '%s' is not a number",
					       eq);
		} else if (!strcmp(item, "rate")) {
			plan->rate = strtod(eq, &end);
			if (*end || !*eq || !(plan->rate >= 0 && plan->rate <= 1))
				return ed_fail(err, ED_ERR_ARG,
					       "fault rate '%s' is not between 0 and 1", eq);
		} else if (!strcmp(item, "kinds")) {
			if (parse_kinds(eq, &kinds, err) < 0)
				return ED_ERR_ARG;
		} else if (!strcmp(item, "dir")) {
			tx = !strcmp(eq, "tx") || !strcmp(eq, "both");
			rx = !strcmp(eq, "rx") || !strcmp(eq, "both");
			if (!tx && !rx)
				return ed_fail(err, ED_ERR_ARG,
					       "fault dir '%s': use tx, rx or both", eq);
		} else {
			return ed_fail(err, ED_ERR_ARG,
				       "unknown fault option '%s': use seed, rate, kinds, dir",
				       item);
		}
	}
	plan->kinds_tx = tx ? kinds : 0;
	plan->kinds_rx = rx ? kinds & ~(1u << FAULT_HDRFLIP) : 0;
	return ED_OK;
}

/* splitmix64: small, seedable, good enough for fault positions. */
static uint64_t next(struct faultgen *g)
{
	uint64_t z = (g->rng += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t below(struct faultgen *g, uint64_t n)
{
	return n ? next(g) % n : 0;
}

static double uniform(struct faultgen *g)
{
	return (double)(next(g) >> 11) / 9007199254740992.0;
}

void faultgen_init(struct faultgen *g, const struct faultgen_plan *plan, bool tx)
{
	memset(g, 0, offsetof(struct faultgen, frame));
	g->rng = plan->seed * 2 + (tx ? 0x51ED : 0xBEEF);
	g->rate = plan->rate;
	g->kinds = tx ? plan->kinds_tx : plan->kinds_rx;
	g->tx = tx;
	g->frame_len = 0;
	g->q_len = 0;
	g->seg_count = 0;
}

/* Appends bytes that may leave at at_us (never before what is already queued). */
static void enqueue(struct faultgen *g, const uint8_t *data, size_t len, uint64_t at_us)
{
	if (len == 0 || g->broken)
		return;
	if (g->seg_count && g->seg[g->seg_count - 1].at_us > at_us)
		at_us = g->seg[g->seg_count - 1].at_us;
	if (g->q_len + len > sizeof g->q ||
	    (g->seg_count == FAULTGEN_SEGMENTS && g->seg[g->seg_count - 1].at_us != at_us)) {
		/* a queue overflow would be a fault nobody asked for: count it as a drop */
		g->faults[FAULT_DROPFRAME]++;
		return;
	}
	memcpy(g->q + g->q_len, data, len);
	g->q_len += len;
	if (g->seg_count && g->seg[g->seg_count - 1].at_us == at_us) {
		g->seg[g->seg_count - 1].len += len;
	} else {
		g->seg[g->seg_count].at_us = at_us;
		g->seg[g->seg_count].len = len;
		g->seg_count++;
	}
}

/* Requests worth a targeted flip: the payload word index (after the 8-byte header) to
 * change, or -1 for the opcode byte. */
static bool pick_header_target(struct faultgen *g, uint8_t op, int *word)
{
	static const int data_words[] = {-1, 0, 1}; /* opcode, size, sequence */
	switch (op) {
	case 0x03: /* FLASH_DATA */
		*word = data_words[below(g, 3)];
		return true;
	case 0x02: /* FLASH_BEGIN: erase size, blocks, block size, offset */
		*word = (int)below(g, 4);
		return true;
	case 0x09: /* WRITE_REG: address, value */
		*word = (int)below(g, 2);
		return true;
	case 0x0A: /* READ_REG: address */
		*word = 0;
		return true;
	default:
		return false;
	}
}

/* One bit of a header field, as a corrupted byte on the wire would change the frame the
 * ROM decodes; false when the frame is not a request worth targeting. */
static bool header_flip(struct faultgen *g, uint8_t *frame, size_t *len)
{
	struct slip_decoder d;
	slip_decoder_init(&d, g->body, sizeof g->body);
	size_t used = 0;
	if (slip_decoder_feed(&d, frame, *len, &used) != SLIP_FRAME)
		return false;
	size_t blen;
	const uint8_t *body = slip_decoder_frame(&d, &blen);
	int word;
	if (blen < 12 || body[0] != 0x00 || !pick_header_target(g, body[1], &word))
		return false;
	if (word >= 0 && blen < 8 + 4 * (size_t)(word + 1))
		return false;
	uint8_t *b = g->body; /* the decoder's buffer holds the body */
	if (word < 0)
		b[1] ^= (uint8_t)(1u << below(g, 8));
	else
		put_le32(b + 8 + 4 * word, get_le32(b + 8 + 4 * word) ^ (1u << below(g, 32)));
	*len = slip_encode(b, blen, frame);
	return true;
}

static uint64_t pick_kind(struct faultgen *g)
{
	int enabled[FAULT_KIND_COUNT], n = 0;
	for (int k = 0; k < FAULT_KIND_COUNT; k++)
		if (g->kinds & (1u << k))
			enabled[n++] = k;
	return n ? (uint64_t)enabled[below(g, (uint64_t)n)] : FAULT_KIND_COUNT;
}

/* A finished frame (raw bytes C0 .. C0) leaves with at most one fault. */
static void frame_out(struct faultgen *g, uint64_t now_us)
{
	uint8_t *f = g->work;
	size_t len = g->frame_len;
	memcpy(f, g->frame, len);
	g->frame_len = 0;
	uint64_t at = now_us > g->hold_until_us ? now_us : g->hold_until_us;
	uint64_t kind = g->kinds && uniform(g) < g->rate ? pick_kind(g) : FAULT_KIND_COUNT;
	size_t pos = below(g, len);
	switch (kind) {
	case FAULT_FLIP:
		f[pos] ^= (uint8_t)(1u << below(g, 8));
		break;
	case FAULT_DROP:
		memmove(f + pos, f + pos + 1, len - pos - 1);
		len--;
		break;
	case FAULT_DUP:
		memmove(f + pos + 1, f + pos, len - pos);
		len++;
		break;
	case FAULT_GARBAGE: {
		size_t n = 1 + below(g, 8);
		memmove(f + pos + n, f + pos, len - pos);
		for (size_t i = 0; i < n; i++)
			f[pos + i] = (uint8_t)next(g);
		len += n;
		break;
	}
	case FAULT_DROPFRAME:
		len = 0;
		break;
	case FAULT_DUPFRAME:
		enqueue(g, f, len, at);
		break;
	case FAULT_HDRFLIP:
		if (!header_flip(g, f, &len))
			kind = FAULT_KIND_COUNT; /* not a targeted request: no fault */
		break;
	case FAULT_DELAY:
		at += 5000 + below(g, 495000);
		g->hold_until_us = at;
		break;
	case FAULT_STALL:
		at += 2000000 + below(g, 6000000);
		g->hold_until_us = at;
		break;
	case FAULT_DISCONNECT:
		enqueue(g, f, pos, at);
		g->faults[kind]++;
		g->broken = true;
		return;
	default:
		break;
	}
	if (kind < FAULT_KIND_COUNT)
		g->faults[kind]++;
	enqueue(g, f, len, at);
}

void faultgen_feed(struct faultgen *g, const uint8_t *data, size_t len, uint64_t now_us)
{
	uint64_t at = now_us > g->hold_until_us ? now_us : g->hold_until_us;
	for (size_t i = 0; i < len && !g->broken; i++) {
		uint8_t c = data[i];
		if (!g->in_frame) {
			if (c != 0xC0) {
				enqueue(g, &c, 1, at); /* between frames: a boot log, noise */
				continue;
			}
			g->in_frame = true;
			g->frame_len = 0;
		} else if (c == 0xC0 && g->frame_len == 1) {
			continue; /* C0 C0: the second one opens the frame */
		}
		if (g->frame_len < sizeof g->frame - 16)
			g->frame[g->frame_len++] = c;
		if (c == 0xC0 && g->frame_len > 1) {
			g->in_frame = false;
			frame_out(g, now_us);
		}
	}
}

size_t faultgen_take(struct faultgen *g, uint8_t *out, size_t cap, uint64_t now_us)
{
	size_t n = 0, segs = 0;
	while (segs < g->seg_count && g->seg[segs].at_us <= now_us && n < cap) {
		size_t take = g->seg[segs].len < cap - n ? g->seg[segs].len : cap - n;
		n += take;
		if (take < g->seg[segs].len) {
			g->seg[segs].len -= take;
			break;
		}
		segs++;
	}
	if (n == 0)
		return 0;
	memcpy(out, g->q, n);
	memmove(g->q, g->q + n, g->q_len - n);
	g->q_len -= n;
	memmove(g->seg, g->seg + segs, (g->seg_count - segs) * sizeof g->seg[0]);
	g->seg_count -= segs;
	return n;
}

uint64_t faultgen_next_us(const struct faultgen *g)
{
	return g->seg_count ? g->seg[0].at_us : UINT64_MAX;
}

void faultgen_discard_due(struct faultgen *g, uint64_t now_us)
{
	uint8_t junk[512];
	while (faultgen_take(g, junk, sizeof junk, now_us) > 0) {
	}
}

bool faultgen_broken(const struct faultgen *g)
{
	return g->broken && g->seg_count == 0;
}

uint64_t faultgen_total(const struct faultgen *g)
{
	uint64_t t = 0;
	for (int k = 0; k < FAULT_KIND_COUNT; k++)
		t += g->faults[k];
	return t;
}
