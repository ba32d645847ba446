/* SPDX-License-Identifier: MIT
 * espdeck-sim's RFC 2217 server for one connection (see serve_rfc2217.h). */
#include "sim/serve_rfc2217.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim/board.h"

bool rfcsrv_start(struct rfcsrv *s, int fd, struct sim_board *b)
{
	memset(s, 0, sizeof *s);
	s->fd = fd;
	s->b = b;
	telnet_decoder_init(&s->dec);
	uint8_t msg[9];
	size_t n = telnet_negotiate(msg, TELNET_WILL, TELNET_OPT_BINARY);
	n += telnet_negotiate(msg + n, TELNET_DO, TELNET_OPT_BINARY);
	n += telnet_negotiate(msg + n, TELNET_DO, TELNET_OPT_COM_PORT);
	/* Sent already: the client's WILL/DO for these needs no answer (no loops). */
	s->answered[TELNET_OPT_BINARY] = s->answered[TELNET_OPT_COM_PORT] = true;
	return sim_write_all(fd, msg, n);
}

/* Gives the data decoded so far to the board, so data and line changes keep their order. */
static void feed(struct rfcsrv *s)
{
	if (!s->data_len || s->rc < 0)
		return;
	if (sim_board_input(s->b, s->data, s->data_len, s->now, s->err) < 0)
		s->rc = s->err->code;
	s->data_len = 0;
}

static void reply(struct rfcsrv *s, uint8_t command, const uint8_t *value, size_t n)
{
	uint8_t b[6 + 2 * TELNET_SB_MAX]; /* the longest SB payload, all 0xFF */
	sim_write_all(s->fd, b,
		      telnet_comport(b, (uint8_t)(command + RFC2217_SERVER_OFFSET), value, n));
}

static void control(struct rfcsrv *s, uint8_t v)
{
	sim_trace(s->b, s->now, "RFC2217 SET-CONTROL %u", v);
	switch (v) {
	case RFC2217_CONTROL_DTR_ON:
	case RFC2217_CONTROL_DTR_OFF:
		sim_board_set_lines(s->b, v == RFC2217_CONTROL_DTR_ON, -1, s->now);
		break;
	case RFC2217_CONTROL_RTS_ON:
	case RFC2217_CONTROL_RTS_OFF:
		sim_board_set_lines(s->b, -1, v == RFC2217_CONTROL_RTS_ON, s->now);
		break;
	default: /* flow control, BREAK, queries: nothing the board models */
		break;
	}
}

static void comport(struct rfcsrv *s, const uint8_t *p, size_t n)
{
	if (n < 1)
		return;
	uint8_t cmd = p[0];
	const uint8_t *v = p + 1;
	size_t vlen = n - 1;
	switch (cmd) {
	case RFC2217_SET_BAUDRATE:
		if (vlen == 4) {
			uint32_t baud = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
					(uint32_t)v[2] << 8 | v[3];
			sim_trace(s->b, s->now, "RFC2217 SET-BAUDRATE %u", baud);
			if (baud) /* 0 asks for the current speed */
				sim_board_set_baud(s->b, baud, s->now);
		}
		break;
	case RFC2217_SET_CONTROL:
		if (vlen == 1)
			control(s, v[0]);
		break;
	case RFC2217_PURGE_DATA:
		sim_trace(s->b, s->now, "RFC2217 PURGE-DATA %u", vlen ? v[0] : 0);
		break;
	default: /* data size, parity, stop size...: 8N1 is all the board knows */
		break;
	}
	reply(s, cmd, v, vlen);
}

static void on_event(void *ctx, const struct telnet_event *ev)
{
	struct rfcsrv *s = ctx;
	feed(s);
	if (ev->verb == TELNET_SB) {
		if (ev->option == TELNET_OPT_COM_PORT && !ev->truncated)
			comport(s, ev->sub, ev->sub_len);
		return;
	}
	if (ev->verb < TELNET_WILL || ev->verb > TELNET_DONT || s->answered[ev->option])
		return;
	s->answered[ev->option] = true;
	uint8_t b[3];
	/* Only BINARY and COM-PORT-OPTION are spoken; refuse everything else once. */
	uint8_t verb = ev->verb == TELNET_WILL ? TELNET_DONT : TELNET_WONT;
	if (ev->verb == TELNET_WONT || ev->verb == TELNET_DONT)
		return;
	sim_write_all(s->fd, b, telnet_negotiate(b, verb, ev->option));
}

int rfcsrv_input(struct rfcsrv *s, const uint8_t *in, size_t len, uint64_t now_ns,
		 struct ed_error *err)
{
	uint8_t out[4096];
	s->now = now_ns;
	s->err = err;
	s->rc = ED_OK;
	size_t pos = 0;
	while (pos < len && s->rc == ED_OK) {
		size_t chunk = len - pos < sizeof out ? len - pos : sizeof out;
		s->data = out;
		s->data_len = 0;
		/* Byte by byte, so a command's callback sees exactly the data before it. */
		for (size_t i = 0; i < chunk; i++)
			s->data_len +=
			    telnet_decode(&s->dec, in + pos + i, 1, out + s->data_len, on_event, s);
		feed(s);
		pos += chunk;
	}
	return s->rc;
}
