/* SPDX-License-Identifier: MIT
 * Byte links: the only code that touches hardware (the "port layer" of style.md).
 * A link is a serial port (libserialport), a raw TCP socket ("socket://host:port"), a
 * remote serial port over RFC 2217 ("rfc2217://host:port") or an in-process virtual board
 * ("sim://?options"). The engine sees only this vtable.
 *
 * Time is part of the vtable (style.md §7): engine code never calls clock_gettime() or
 * sleep itself, so the in-process virtual board can run on a virtual clock and tests of
 * timeouts, slow erases and faults are deterministic and fast. Times are microseconds
 * because the virtual board's timing model must be accurate to 2%.
 *
 * Call order: link_open() -> any ops -> link_close(). A link is used by one thread. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct link;

struct link_ops {
	/* Reads up to cap bytes, waiting at most timeout_us for the first byte. Returns the
	 * number of bytes read (0 on timeout) or a negative ed_err (ED_ERR_DISCONNECTED when
	 * the port vanished), with details in err. */
	int (*read)(struct link *l, uint8_t *buf, size_t cap, uint64_t timeout_us,
		    struct ed_error *err);
	/* Writes all len bytes (blocking; on the virtual clock time advances by wire time).
	 * Returns len or a negative ed_err. */
	int (*write)(struct link *l, const uint8_t *buf, size_t len, struct ed_error *err);
	/* Changes the line speed. ED_ERR_UNSUPPORTED where it has no meaning (TCP). */
	int (*set_baud)(struct link *l, uint32_t baud, struct ed_error *err);
	/* Sets modem lines: 1 = asserted (pyserial's True, line at 0 V), 0 = released,
	 * -1 = leave as is. Both in one call where the OS allows (esptool's UnixTight). */
	int (*set_lines)(struct link *l, int dtr, int rts, struct ed_error *err);
	/* Discards bytes received but not yet read. */
	int (*flush_input)(struct link *l, struct ed_error *err);
	/* The link's clock, microseconds, monotonic. */
	uint64_t (*now_us)(struct link *l);
	/* Sleeps on the link's clock. */
	void (*sleep_us)(struct link *l, uint64_t us);
	/* Frees everything the link owns. */
	void (*close)(struct link *l);
};

struct link {
	const struct link_ops *ops;
	char name[256]; /* as the user wrote it, for messages ("/dev/ttyUSB0") */
	uint32_t baud;	/* current line speed (informational on TCP) */
	bool has_lines; /* DTR/RTS reach a board (false for raw TCP) */
	void *priv;	/* the implementation's state */
};

/* Link options that apply at open time. */
struct link_options {
	uint32_t baud;
};
#define LINK_OPTIONS_DEFAULT ((struct link_options){.baud = 115200})

/* Opens a link by spec: "sim://[?key=value&...]", "socket://host:port",
 * "rfc2217://host:port", or a serial
 * device path. On success *out owns the link (free with link_close()). */
int link_open(const char *spec, const struct link_options *opts, struct link **out,
	      struct ed_error *err);

/* Implementations (one file each); link_open() dispatches to them. */
int link_serial_open(const char *path, const struct link_options *opts, struct link **out,
		     struct ed_error *err);
int link_tcp_open(const char *hostport, const struct link_options *opts, struct link **out,
		  struct ed_error *err);
/* "rfc2217://HOST:PORT[?ign_set_control]" without the scheme: telnet COM-PORT-OPTION
 * (RFC 2217), as ser2net's telnet(rfc2217) accepter serves it; baud and DTR/RTS reach the
 * far port. */
int link_rfc2217_open(const char *spec, const struct link_options *opts, struct link **out,
		      struct ed_error *err);
int link_sim_open(const char *options, const struct link_options *opts, struct link **out,
		  struct ed_error *err);

/* What becomes of a sim:// port's flash, for the port list: "flash kept in
 * ~/.local/state/espdeck/sim-flash.bin" (flash=state), "flash kept while espdeck runs",
 * "flash in FILE". Returns -1 (out "") for any other spec or bad options. */
int link_sim_flash_note(const char *spec, char *out, size_t cap);

/* "fault://OPTIONS|INNER": INNER (any spec above) with seeded transport faults in both
 * directions, OPTIONS as faultgen_plan_parse() takes them (link/faultgen.h). For the
 * fault campaign (bench/faults) and tests; a fault link owns its inner link. */
int link_fault_open(const char *spec, const struct link_options *opts, struct link **out,
		    struct ed_error *err);
/* Faults a fault link injected so far (0 for any other link). */
uint64_t link_fault_count(struct link *l);

/* Closes and frees; accepts NULL. */
void link_close(struct link *l);

/* Convenience wrappers over the vtable. */
static inline int link_read(struct link *l, uint8_t *buf, size_t cap, uint64_t timeout_us,
			    struct ed_error *err)
{
	return l->ops->read(l, buf, cap, timeout_us, err);
}
static inline int link_write(struct link *l, const uint8_t *buf, size_t len, struct ed_error *err)
{
	return l->ops->write(l, buf, len, err);
}
static inline uint64_t link_now_us(struct link *l)
{
	return l->ops->now_us(l);
}
static inline void link_sleep_us(struct link *l, uint64_t us)
{
	l->ops->sleep_us(l, us);
}
