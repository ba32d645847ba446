/* SPDX-License-Identifier: MIT
 * espdeck-sim's endpoints (program side, may print): a TCP listener whose connections carry
 * raw bytes like ser2net, one that speaks RFC 2217 (baud and DTR/RTS reach the board), and
 * a pseudo-terminal. All run the board in real time. */
#pragma once

#include <stdbool.h>

#include "sim/sim.h"

struct serve_options {
	const char *tcp;     /* "HOST:PORT" or "PORT", NULL when not listening on TCP */
	const char *rfc2217; /* the same, for an RFC 2217 (telnet COM-PORT-OPTION) listener */
	bool pty;
	const char *port_file; /* write the bound TCP port (or the pty path) here */
	bool once;	       /* exit after the first session */
	bool keep_board;       /* a new TCP connection does not reset the board */
	bool quiet;
};

/* Runs until SIGINT/SIGTERM (or the end of the first session with once). Returns an exit
 * code; errors go to stderr. */
int serve_run(struct sim_board *b, const struct serve_options *o);
