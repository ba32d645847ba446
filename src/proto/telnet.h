/* SPDX-License-Identifier: MIT
 * The telnet layer of RFC 2217 (serial port control over telnet), as a pure codec over
 * buffers (style.md §6): a decoder that separates data bytes from telnet commands, and
 * builders for negotiations and COM-PORT-OPTION subnegotiations. Used by both ends: the
 * rfc2217:// link (client) and espdeck-sim --rfc2217 (server).
 *
 * Call order: telnet_decoder_init() -> telnet_decode() on every chunk received. The
 * decoder keeps its state between chunks, so a command split across two reads is fine. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 854 commands and the options used here. */
enum {
	TELNET_SE = 240,
	TELNET_SB = 250,
	TELNET_WILL = 251,
	TELNET_WONT = 252,
	TELNET_DO = 253,
	TELNET_DONT = 254,
	TELNET_IAC = 255,
};
enum { TELNET_OPT_BINARY = 0, TELNET_OPT_SGA = 3, TELNET_OPT_COM_PORT = 44 };

/* RFC 2217 COM-PORT-OPTION commands, client to server; the server answers with the same
 * command plus RFC2217_SERVER_OFFSET. */
enum {
	RFC2217_SET_BAUDRATE = 1,
	RFC2217_SET_DATASIZE = 2,
	RFC2217_SET_PARITY = 3,
	RFC2217_SET_STOPSIZE = 4,
	RFC2217_SET_CONTROL = 5,
	RFC2217_NOTIFY_LINESTATE = 6,
	RFC2217_NOTIFY_MODEMSTATE = 7,
	RFC2217_SET_LINESTATE_MASK = 10,
	RFC2217_SET_MODEMSTATE_MASK = 11,
	RFC2217_PURGE_DATA = 12,
	RFC2217_SERVER_OFFSET = 100,
};
/* SET-CONTROL values (RFC 2217 page 9) and PURGE-DATA values. */
enum {
	RFC2217_CONTROL_NO_FLOW = 1,
	RFC2217_CONTROL_DTR_ON = 8,
	RFC2217_CONTROL_DTR_OFF = 9,
	RFC2217_CONTROL_RTS_ON = 11,
	RFC2217_CONTROL_RTS_OFF = 12,
	RFC2217_PURGE_RX = 1, /* the access server's receive buffer (data from the device) */
	RFC2217_PURGE_TX = 2,
	RFC2217_PURGE_BOTH = 3,
};
#define RFC2217_PARITY_NONE 1
#define RFC2217_STOPSIZE_1  1

/* One telnet command found in the stream. */
struct telnet_event {
	uint8_t verb;	    /* TELNET_WILL..TELNET_DONT, TELNET_SB, or another command byte */
	uint8_t option;	    /* for negotiations and SB */
	const uint8_t *sub; /* SB payload after the option, unescaped (borrowed, valid during
			     * the callback) */
	size_t sub_len;
	bool truncated; /* the SB payload was longer than the decoder keeps */
};

typedef void (*telnet_event_fn)(void *ctx, const struct telnet_event *ev);

#define TELNET_SB_MAX 64

struct telnet_decoder {
	int state;
	uint8_t verb;
	uint8_t sb[TELNET_SB_MAX];
	size_t sb_len;
	bool sb_truncated;
};

void telnet_decoder_init(struct telnet_decoder *d);

/* Decodes len bytes of in: data bytes (IAC IAC unescaped) go to out, which has room for
 * len bytes and may be in itself; every command calls fn(ctx, event) in stream order.
 * Returns the number of data bytes written. */
size_t telnet_decode(struct telnet_decoder *d, const uint8_t *in, size_t len, uint8_t *out,
		     telnet_event_fn fn, void *ctx);

/* Doubles every 0xFF of in into out (room for 2 * len). Returns the bytes written. */
size_t telnet_escape(const uint8_t *in, size_t len, uint8_t *out);

/* IAC verb option into out (3 bytes). Returns 3. */
size_t telnet_negotiate(uint8_t *out, uint8_t verb, uint8_t option);

/* IAC SB COM-PORT-OPTION command value IAC SE, the value escaped, into out (room for
 * 6 + 2 * value_len). Returns the bytes written. */
size_t telnet_comport(uint8_t *out, uint8_t command, const uint8_t *value, size_t value_len);
