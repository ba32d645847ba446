/* SPDX-License-Identifier: MIT
 * Serial link through libserialport: 8N1, no flow control, DTR/RTS, reads that wait at
 * most the given time for the first byte, and a vanished port reported as
 * ED_ERR_DISCONNECTED. Also the port listing of engine/ports.h. */
#include <errno.h>
#include <libserialport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>

#include "core/util.h"
#include "engine/ports.h"
#include "link/link.h"

struct serial {
	struct sp_port *port;
	struct sp_event_set *events;
	int dtr, rts; /* last values set (1 asserted), -1 unknown */
};

static int sp_fail(struct link *l, struct ed_error *err, const char *what)
{
	char *msg = sp_last_error_message();
	int e = errno;
	int code = (e == EIO || e == ENXIO || e == ENODEV) ? ED_ERR_DISCONNECTED : ED_ERR_IO;
	ed_fail(err, code, "%s %s: %s%s", what, l->name, msg ? msg : "unknown error",
		code == ED_ERR_DISCONNECTED ? " (the port went away: is the cable unplugged?)" : "");
	if (msg)
		sp_free_error_message(msg);
	return code;
}

static int serial_read(struct link *l, uint8_t *buf, size_t cap, uint64_t timeout_us,
		       struct ed_error *err)
{
	struct serial *s = l->priv;
	enum sp_return n = sp_input_waiting(s->port);
	if (n < 0)
		return sp_fail(l, err, "cannot read from");
	if (n == 0) {
		unsigned ms = (unsigned)((timeout_us + 999) / 1000);
		if (sp_wait(s->events, ms) != SP_OK)
			return sp_fail(l, err, "cannot wait for");
	}
	n = sp_nonblocking_read(s->port, buf, cap);
	if (n < 0)
		return sp_fail(l, err, "cannot read from");
	if (n == 0 && sp_input_waiting(s->port) < 0)
		return sp_fail(l, err, "cannot read from");
	return (int)n;
}

static int serial_write(struct link *l, const uint8_t *buf, size_t len, struct ed_error *err)
{
	struct serial *s = l->priv;
	/* esptool's serial write timeout is 10 s. */
	enum sp_return n = sp_blocking_write(s->port, buf, len, 10000);
	if (n < 0)
		return sp_fail(l, err, "cannot write to");
	if ((size_t)n != len)
		return ed_fail(err, ED_ERR_TIMEOUT,
			       "writing to %s timed out after 10 s (%d of %zu bytes sent)", l->name,
			       (int)n, len);
	return (int)len;
}

static int serial_set_baud(struct link *l, uint32_t baud, struct ed_error *err)
{
	struct serial *s = l->priv;
	if (sp_set_baudrate(s->port, (int)baud) != SP_OK)
		return sp_fail(l, err, "cannot set the baud rate of");
	l->baud = baud;
	return ED_OK;
}

/* Both lines in one TIOCMSET where possible (esptool's UnixTight). */
static int serial_set_lines(struct link *l, int dtr, int rts, struct ed_error *err)
{
	struct serial *s = l->priv;
	int fd = -1;
	if (dtr >= 0 && rts >= 0 && sp_get_port_handle(s->port, &fd) == SP_OK && fd >= 0) {
		int bits;
		if (ioctl(fd, TIOCMGET, &bits) == 0) {
			bits = dtr ? bits | TIOCM_DTR : bits & ~TIOCM_DTR;
			bits = rts ? bits | TIOCM_RTS : bits & ~TIOCM_RTS;
			if (ioctl(fd, TIOCMSET, &bits) == 0) {
				s->dtr = dtr, s->rts = rts;
				return ED_OK;
			}
		}
	}
	if (dtr >= 0 && sp_set_dtr(s->port, dtr ? SP_DTR_ON : SP_DTR_OFF) != SP_OK)
		return sp_fail(l, err, "cannot set DTR on");
	if (rts >= 0 && sp_set_rts(s->port, rts ? SP_RTS_ON : SP_RTS_OFF) != SP_OK)
		return sp_fail(l, err, "cannot set RTS on");
	if (dtr >= 0)
		s->dtr = dtr;
	if (rts >= 0)
		s->rts = rts;
	return ED_OK;
}

static int serial_flush_input(struct link *l, struct ed_error *err)
{
	struct serial *s = l->priv;
	if (sp_flush(s->port, SP_BUF_INPUT) != SP_OK)
		return sp_fail(l, err, "cannot flush");
	return ED_OK;
}

static uint64_t serial_now_us(struct link *l)
{
	return ed_monotonic_us();
}

static void serial_sleep_us(struct link *l, uint64_t us)
{
	struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

static void serial_close(struct link *l)
{
	struct serial *s = l->priv;
	if (s) {
		if (s->events)
			sp_free_event_set(s->events);
		if (s->port) {
			sp_close(s->port);
			sp_free_port(s->port);
		}
		free(s);
	}
	free(l);
}

static const struct link_ops serial_ops = {
	serial_read,        serial_write,  serial_set_baud, serial_set_lines,
	serial_flush_input, serial_now_us, serial_sleep_us, serial_close,
};

static int configure(struct link *l, struct serial *s, uint32_t baud, struct ed_error *err)
{
	if (sp_open(s->port, SP_MODE_READ_WRITE) != SP_OK) {
		int e = errno;
		char *msg = sp_last_error_message();
		ed_fail(err, e == EACCES ? ED_ERR_IO : ED_ERR_NOTFOUND,
			"cannot open serial port %s: %s%s", l->name, msg ? msg : "error",
			e == EACCES ? " (add yourself to the dialout group, then log in again)"
				    : " (check the name with 'espdeck ports')");
		if (msg)
			sp_free_error_message(msg);
		return err->code;
	}
	if (sp_set_baudrate(s->port, (int)baud) != SP_OK || sp_set_bits(s->port, 8) != SP_OK ||
	    sp_set_parity(s->port, SP_PARITY_NONE) != SP_OK ||
	    sp_set_stopbits(s->port, 1) != SP_OK ||
	    sp_set_flowcontrol(s->port, SP_FLOWCONTROL_NONE) != SP_OK)
		return sp_fail(l, err, "cannot configure 8N1 at the requested baud on");
	if (sp_new_event_set(&s->events) != SP_OK ||
	    sp_add_port_events(s->events, s->port, SP_EVENT_RX_READY | SP_EVENT_ERROR) != SP_OK)
		return sp_fail(l, err, "cannot watch");
	return ED_OK;
}

int link_serial_open(const char *path, const struct link_options *opts, struct link **out,
		     struct ed_error *err)
{
	*out = NULL;
	struct link *l = calloc(1, sizeof *l);
	struct serial *s = calloc(1, sizeof *s);
	if (!l || !s) {
		free(l);
		free(s);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory opening %s", path);
	}
	l->ops = &serial_ops;
	l->priv = s;
	snprintf(l->name, sizeof l->name, "%s", path);
	l->baud = opts->baud;
	l->has_lines = true;
	s->dtr = s->rts = -1;
	if (sp_get_port_by_name(path, &s->port) != SP_OK) {
		serial_close(l);
		return ed_fail(err, ED_ERR_NOTFOUND,
			       "serial port %s not found: check the name with 'espdeck ports' and that "
			       "the board is plugged in",
			       path);
	}
	int rc = configure(l, s, opts->baud, err);
	if (rc < 0) {
		serial_close(l);
		return rc;
	}
	*out = l;
	return ED_OK;
}

const char *ports_bridge_name(uint16_t vid, uint16_t pid)
{
	if (vid == 0x10C4 && (pid == 0xEA60 || pid == 0xEA70 || pid == 0xEA71))
		return "CP210x";
	if (vid == 0x1A86 && (pid == 0x7523 || pid == 0x5523 || pid == 0x7522))
		return "CH340";
	if (vid == 0x1A86 && (pid == 0x55D4 || pid == 0x55D3))
		return "CH9102";
	if (vid == 0x0403)
		return "FTDI";
	return NULL;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

int ports_list(struct port_info *out, size_t cap, struct ed_error *err)
{
	struct sp_port **list = NULL;
	if (sp_list_ports(&list) != SP_OK) {
		char *msg = sp_last_error_message();
		ed_fail(err, ED_ERR_IO, "cannot list serial ports: %s", msg ? msg : "error");
		if (msg)
			sp_free_error_message(msg);
		return ED_ERR_IO;
	}
	int n = 0;
	for (; list[n]; n++) {
		if ((size_t)n >= cap)
			continue;
		struct port_info *p = &out[n];
		memset(p, 0, sizeof *p);
		copy_str(p->path, sizeof p->path, sp_get_port_name(list[n]));
		copy_str(p->description, sizeof p->description, sp_get_port_description(list[n]));
		if (sp_get_port_transport(list[n]) == SP_TRANSPORT_USB) {
			int vid = 0, pid = 0;
			if (sp_get_port_usb_vid_pid(list[n], &vid, &pid) == SP_OK) {
				p->vid = (uint16_t)vid;
				p->pid = (uint16_t)pid;
			}
			copy_str(p->product, sizeof p->product, sp_get_port_usb_product(list[n]));
			copy_str(p->serial, sizeof p->serial, sp_get_port_usb_serial(list[n]));
			p->bridge = ports_bridge_name(p->vid, p->pid);
		}
	}
	sp_free_port_list(list);
	return n;
}
