/* SPDX-License-Identifier: MIT
 * espdeck-sim --rfc2217: the server side of RFC 2217 for one connection (program side).
 * Data goes to the board with the time it came; SET-CONTROL drives the board's
 * two-transistor auto-reset model (sim_board_set_lines) at the time the command came, so
 * the changes of one TCP segment act at once and changes sent one by one keep their gaps;
 * SET-BAUDRATE sets the host side's line speed of the timing model. Every COM-PORT-OPTION
 * command is answered, as esptool's RFC 2217 server does.
 *
 * Call order: rfcsrv_start() when a client connects -> rfcsrv_input() for each chunk read;
 * bytes for the client go through telnet_escape(). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "proto/telnet.h"
#include "sim/sim.h"

struct rfcsrv {
	int fd;
	struct sim_board *b;
	struct telnet_decoder dec;
	bool answered[256];
	uint64_t now;  /* board time of the chunk being decoded */
	uint8_t *data; /* decoded data not yet given to the board */
	size_t data_len;
	int rc; /* first error from the board while decoding */
	struct ed_error *err;
};

/* Sends the server's side of the negotiation (WILL/DO BINARY, DO COM-PORT-OPTION).
 * Returns false when fd failed. */
bool rfcsrv_start(struct rfcsrv *s, int fd, struct sim_board *b);
/* All n bytes to fd (a socket or the pty; serve.c, which ignores SIGPIPE), waiting while
 * it is full; false once the peer is gone. */
bool sim_write_all(int fd, const uint8_t *p, size_t n);

/* Decodes len bytes from the client received at now_ns. Returns ED_OK or the board's
 * error (ED_ERR_DISCONNECTED when a disconnect fault fired), detail in err. */
int rfcsrv_input(struct rfcsrv *s, const uint8_t *in, size_t len, uint64_t now_ns,
		 struct ed_error *err);
