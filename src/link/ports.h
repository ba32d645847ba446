/* SPDX-License-Identifier: MIT
 * Serial port listing for `espdeck ports`, `--port all` and the bench's ports pane.
 * Part of the serial link (link/ports.c is, with link/serial.c, the only code that
 * includes <libserialport.h>); the link contract (link/link.h) has no listing call. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct port_info {
	char path[256];
	char description[128];
	char product[128];
	char serial[64];
	uint16_t vid, pid;  /* 0 when not a USB port */
	const char *bridge; /* "CP210x", "CH340", "CH9102", "FTDI" or NULL (static) */
};

/* Lists the serial ports of this machine. On success *out owns an array of *count
 * entries (free it with ports_list_free(); *out may be NULL when *count is 0); on failure
 * *out is NULL and a negative ed_err is returned. */
int ports_list(struct port_info **out, size_t *count, struct ed_error *err);
/* Frees what ports_list() returned; accepts NULL. */
void ports_list_free(struct port_info *list);

/* Keeps only the ports on a known ESP USB-serial bridge (bridge != NULL), in order, in
 * place; returns how many are left. */
size_t ports_keep_esp_bridges(struct port_info *list, size_t count);

/* The usual ESP USB-serial bridge for a VID:PID, or NULL. Pure, for tests. */
const char *ports_bridge_name(uint16_t vid, uint16_t pid);

/* Who has the port at path open, for "in use" messages: "PID 1234 (esptool)" for the
 * process holding its flock() (from /proc/locks; this process too, said so), else the
 * first other process with it open (/proc/PID/fd), else "another program". Returns
 * whether a process was found. */
bool ports_holder(const char *path, char *buf, size_t cap);

/* The one-line hint shown when no ESP bridge is plugged in (for `--port all`, `a`). */
#define PORTS_NO_ESP_BRIDGE "no serial port on a known ESP USB bridge (CP210x, CH340, CH9102, FTDI)"

/* The USB identity of the serial port at path (a device path, not a link spec): 1 with
 * *vid, *pid and serial filled (serial "" when the bridge reports none), 0 when the port
 * is not a USB port or libserialport does not know it. */
int ports_usb_identity(const char *path, uint16_t *vid, uint16_t *pid, char *serial, size_t cap);
