/* SPDX-License-Identifier: MIT
 * Serial port enumeration for `espdeck ports` and the bench screen. Implemented in
 * link/serial.c, the only file that may include <libserialport.h>; declared here because
 * the link contract (link/link.h) has no listing call. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct port_info {
	char path[256];
	char description[128];
	char product[128];
	char serial[64];
	uint16_t vid, pid;     /* 0 when not a USB port */
	const char *bridge;    /* "CP210x", "CH340", "CH9102", "FTDI" or NULL (static) */
};

/* Fills up to cap entries; returns the number found (may exceed cap) or a negative
 * ed_err. */
int ports_list(struct port_info *out, size_t cap, struct ed_error *err);

/* The usual ESP USB-serial bridge for a VID:PID, or NULL. Pure, for tests. */
const char *ports_bridge_name(uint16_t vid, uint16_t pid);
