/* SPDX-License-Identifier: MIT
 * Baud memory: per USB-serial bridge, the highest rate the stub's baud change confirmed
 * and the lowest one that gave no answer (issue 13, item 2), so the next session can say
 * "921600 failed on this bridge last time" before it tries, and the bench can offer the
 * rate that worked.
 *
 * A bridge is named by baudmem_bridge_key(): a USB port by VID:PID and serial number (the
 * same adapter on another socket is the same bridge), anything else by its port spec.
 * The table lives in $XDG_STATE_HOME/espdeck/bauds (else ~/.local/state/espdeck/bauds),
 * one line per bridge, "KEY<TAB>WORKED<TAB>FAILED" (0 = none); it is rewritten whole to a
 * temporary file and renamed under an flock, so parallel jobs of the production bench and
 * a crash never leave half a table. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct baudmem_entry {
	uint32_t worked; /* highest rate confirmed by a frame answered at it, 0 = none */
	uint32_t failed; /* lowest rate that gave no answer, 0 = none */
};

/* The bridge key of a port spec into out: "usb:10c4:ea60:SERIAL" for a USB serial port
 * that libserialport knows (SERIAL empty when the bridge has none), else "port:SPEC". */
void baudmem_bridge_key(const char *port_spec, char *out, size_t cap);

/* The table's path into out; ED_ERR_NOTFOUND when neither XDG_STATE_HOME nor HOME is set. */
int baudmem_path(char *out, size_t cap, struct ed_error *err);

/* What the table says of key: 1 and *out filled when known, 0 (*out zeroed) when not or
 * when there is no table yet, a negative ed_err when it cannot be read. */
int baudmem_lookup(const char *key, struct baudmem_entry *out, struct ed_error *err);

/* Records the outcome of a baud change to baud on key's bridge. The newest outcome wins
 * where they disagree: a rate that worked clears a recorded failure at or below it, a
 * failure lowers the highest rate that worked below itself. */
int baudmem_record(const char *key, uint32_t baud, bool worked, struct ed_error *err);

/* Pure: the entry after one more outcome (for tests and baudmem_record()). */
struct baudmem_entry baudmem_update(struct baudmem_entry e, uint32_t baud, bool worked);

/* One line for a user about trying baud on a bridge with entry e: "" when nothing is
 * known against it, else e.g. "921600 baud failed on this bridge last time (460800
 * worked)". */
void baudmem_warning(const struct baudmem_entry *e, uint32_t baud, char *out, size_t cap);
