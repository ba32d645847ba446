/* SPDX-License-Identifier: MIT
 * Telnet codec for RFC 2217 (see telnet.h): RFC 854's IAC escaping, negotiations and
 * subnegotiations, nothing more (no line mode, no NVT translation: both ends run BINARY). */
#include "proto/telnet.h"

#include <string.h>

enum { ST_DATA, ST_IAC, ST_OPTION, ST_SB_OPTION, ST_SB, ST_SB_IAC };

void telnet_decoder_init(struct telnet_decoder *d)
{
	memset(d, 0, sizeof *d);
	d->state = ST_DATA;
}

static void sb_push(struct telnet_decoder *d, uint8_t c)
{
	if (d->sb_len < sizeof d->sb)
		d->sb[d->sb_len++] = c;
	else
		d->sb_truncated = true;
}

static void emit(telnet_event_fn fn, void *ctx, uint8_t verb, uint8_t option, const uint8_t *sub,
		 size_t sub_len, bool truncated)
{
	struct telnet_event ev = {verb, option, sub, sub_len, truncated};
	if (fn)
		fn(ctx, &ev);
}

size_t telnet_decode(struct telnet_decoder *d, const uint8_t *in, size_t len, uint8_t *out,
		     telnet_event_fn fn, void *ctx)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = in[i];
		switch (d->state) {
		case ST_DATA:
			if (c == TELNET_IAC)
				d->state = ST_IAC;
			else
				out[n++] = c;
			break;
		case ST_IAC:
			if (c == TELNET_IAC) {
				out[n++] = c;
				d->state = ST_DATA;
			} else if (c >= TELNET_WILL && c <= TELNET_DONT) {
				d->verb = c;
				d->state = ST_OPTION;
			} else if (c == TELNET_SB) {
				d->state = ST_SB_OPTION;
			} else { /* NOP, GA, BREAK, a stray SE...: a command without option */
				emit(fn, ctx, c, 0, NULL, 0, false);
				d->state = ST_DATA;
			}
			break;
		case ST_OPTION:
			emit(fn, ctx, d->verb, c, NULL, 0, false);
			d->state = ST_DATA;
			break;
		case ST_SB_OPTION:
			d->verb = c; /* the option of this subnegotiation */
			d->sb_len = 0;
			d->sb_truncated = false;
			d->state = ST_SB;
			break;
		case ST_SB:
			if (c == TELNET_IAC)
				d->state = ST_SB_IAC;
			else
				sb_push(d, c);
			break;
		case ST_SB_IAC:
			if (c == TELNET_SE) {
				emit(fn, ctx, TELNET_SB, d->verb, d->sb, d->sb_len,
				     d->sb_truncated);
				d->state = ST_DATA;
			} else if (c == TELNET_IAC) {
				sb_push(d, c);
				d->state = ST_SB;
			} else { /* IAC x inside SB: a broken peer; end the SB, keep going */
				emit(fn, ctx, TELNET_SB, d->verb, d->sb, d->sb_len, true);
				d->state = ST_IAC;
				i--; /* read c again as the command after IAC */
			}
			break;
		}
	}
	return n;
}

size_t telnet_escape(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		out[n++] = in[i];
		if (in[i] == TELNET_IAC)
			out[n++] = TELNET_IAC;
	}
	return n;
}

size_t telnet_negotiate(uint8_t *out, uint8_t verb, uint8_t option)
{
	out[0] = TELNET_IAC;
	out[1] = verb;
	out[2] = option;
	return 3;
}

size_t telnet_comport(uint8_t *out, uint8_t command, const uint8_t *value, size_t value_len)
{
	size_t n = 0;
	out[n++] = TELNET_IAC;
	out[n++] = TELNET_SB;
	out[n++] = TELNET_OPT_COM_PORT;
	out[n++] = command;
	n += telnet_escape(value, value_len, out + n);
	out[n++] = TELNET_IAC;
	out[n++] = TELNET_SE;
	return n;
}
