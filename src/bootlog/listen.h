/* SPDX-License-Identifier: MIT
 * Listening to a board's boot: reads a link at the ROM's baud, feeds a boot-log decoder,
 * and switches to the application's baud once the boot loader hands over. Used by
 * `espdeck monitor` and by the boot check after a write with hard_reset. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bootlog/bootlog.h"
#include "core/error.h"
#include "link/link.h"

struct bootlog_listen_options {
	uint32_t boot_baud;   /* 74880 for a 26 MHz crystal (reference §1.1) */
	uint32_t app_baud;    /* after "jump to run"; 0 or equal to boot_baud = no switch */
	uint64_t duration_us; /* on the link's clock; 0 = until stop() or the link closes */
	/* Polled at least every 100 ms; true ends the capture. May be NULL. */
	bool (*stop)(void *user, const struct bootlog_facts *facts);
	void *user;
};
#define BOOTLOG_LISTEN_DEFAULT                                                                     \
	((struct bootlog_listen_options){.boot_baud = 74880, .app_baud = 115200})

/* Sets the boot baud (links without a line speed, like TCP, are fine), then reads into log
 * until the duration passes or stop() says so, and finishes the log. Returns ED_OK, or the
 * link's error (ED_ERR_DISCONNECTED when the port went away); either way the log holds
 * everything that arrived. */
int bootlog_listen(struct link *l, struct bootlog *log, const struct bootlog_listen_options *o,
		   struct ed_error *err);

/* esptool's hard reset (reference §3.3): RTS holds EN low for 100 ms while DTR keeps GPIO0
 * high, so the board starts its flash firmware (rst cause 2). Bytes that arrived before
 * the reset are dropped, so a following bootlog_listen() hears one clean boot.
 * ED_ERR_UNSUPPORTED when the link has no modem lines (raw TCP). */
int bootlog_hard_reset(struct link *l, struct ed_error *err);
