/* SPDX-License-Identifier: MIT
 * Serial link through libserialport: 8N1, no flow control, DTR/RTS, reads that wait at
 * most the given time for the first byte, and a vanished port reported as
 * ED_ERR_DISCONNECTED. Port listing is in link/ports.c.
 *
 * A port is locked while open, as pyserial does for esptool (exclusive=True) and more:
 * flock(LOCK_EX | LOCK_NB) keeps out other espdecks and esptools, TIOCEXCL keeps out any
 * other program's open() (except root's). A port held elsewhere is refused with the
 * holder's PID and name when /proc shows it, instead of two programs garbling each other. */
#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <stdbool.h>
#include <poll.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>

#include "core/tty_baud.h"
#include "core/util.h"
#include "link/link.h"
#include "link/ports.h"

static int port_in_use(const char *path, struct ed_error *err)
{
	char who[256];
	ports_holder(path, who, sizeof who);
	return ed_fail(err, ED_ERR_IO,
		       "port %s in use by %s: close it there (a terminal, another espdeck or "
		       "esptool) and try again",
		       path, who);
}

/* A pseudo-terminal's slave (Unix98 ptys: majors 136-143). */
static bool is_pty_slave(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) >= 136 &&
	       major(st.st_rdev) <= 143;
}

/* Takes the port for this process alone; ED_OK or the "in use" error. */
static int lock_port(int fd, const char *path, struct ed_error *err)
{
	if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)
		return port_in_use(path, err);
	/* Refused by some drivers; the flock above still keeps espdecks and esptools apart.
	 * Not on a pty: its master side (espdeck-sim --pty, ser2net) keeps the slave alive,
	 * so a TIOCEXCL left by a killed espdeck would lock everyone out until it restarts. */
	if (!is_pty_slave(fd))
		(void)ioctl(fd, TIOCEXCL);
	return ED_OK;
}

/* Gives the port back to other programs' open() before the last close. */
static void unlock_port(int fd)
{
	(void)ioctl(fd, TIOCNXCL);
}

struct serial {
	struct sp_port *port;
	struct sp_event_set *events;
	int dtr, rts; /* last values set (1 asserted), -1 unknown */
	bool locked;  /* lock_port() took it */
};

static int sp_fail(struct link *l, struct ed_error *err, const char *what)
{
	char *msg = sp_last_error_message();
	int e = errno;
	int code = (e == EIO || e == ENXIO || e == ENODEV) ? ED_ERR_DISCONNECTED : ED_ERR_IO;
	ed_fail(err, code, "%s %s: %s%s", what, l->name, msg ? msg : "unknown error",
		code == ED_ERR_DISCONNECTED ? " (the port went away: is the cable unplugged?)"
					    : "");
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
	/* Ports without modem lines (EINVAL, ENOTTY) cannot reset the board: say so, and let
	 * the connect loop go on syncing. */
	if (dtr >= 0 && sp_set_dtr(s->port, dtr ? SP_DTR_ON : SP_DTR_OFF) != SP_OK)
		return errno == EINVAL || errno == ENOTTY
			   ? ed_fail(err, ED_ERR_UNSUPPORTED, "%s has no DTR line", l->name)
			   : sp_fail(l, err, "cannot set DTR on");
	if (rts >= 0 && sp_set_rts(s->port, rts ? SP_RTS_ON : SP_RTS_OFF) != SP_OK)
		return errno == EINVAL || errno == ENOTTY
			   ? ed_fail(err, ED_ERR_UNSUPPORTED, "%s has no RTS line", l->name)
			   : sp_fail(l, err, "cannot set RTS on");
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
			int fd = -1;
			if (s->locked && sp_get_port_handle(s->port, &fd) == SP_OK && fd >= 0)
				unlock_port(fd);
			sp_close(s->port);
			sp_free_port(s->port);
		}
		free(s);
	}
	free(l);
}

static const struct link_ops serial_ops = {
    serial_read,	serial_write,  serial_set_baud, serial_set_lines,
    serial_flush_input, serial_now_us, serial_sleep_us, serial_close,
};

static int configure(struct link *l, struct serial *s, uint32_t baud, struct ed_error *err)
{
	if (sp_open(s->port, SP_MODE_READ_WRITE) != SP_OK) {
		int e = errno;
		if (e == EBUSY)
			return port_in_use(l->name, err);
		char *msg = sp_last_error_message();
		ed_fail(err, e == EACCES ? ED_ERR_IO : ED_ERR_NOTFOUND,
			"cannot open serial port %s: %s%s", l->name, msg ? msg : "error",
			e == EACCES ? " (add yourself to the dialout group, then log in again)"
				    : " (check the name with 'espdeck ports')");
		if (msg)
			sp_free_error_message(msg);
		return err->code;
	}
	int fd = -1;
	if (sp_get_port_handle(s->port, &fd) == SP_OK && fd >= 0) {
		int rc = lock_port(fd, l->name, err);
		if (rc < 0)
			return rc;
		s->locked = true;
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

/* --- plain termios, for devices libserialport does not list (pseudo-terminals such as
 * espdeck-sim --pty, some USB CDC variants) ------------------------------------------ */

struct tty {
	int fd;
};

static speed_t speed_of(uint32_t baud)
{
	static const struct {
		uint32_t baud;
		speed_t s;
	} t[] = {
	    {9600, B9600},     {19200, B19200},	    {38400, B38400},	 {57600, B57600},
	    {74880, B0},       {115200, B115200},   {230400, B230400},	 {460800, B460800},
	    {921600, B921600}, {1500000, B1500000}, {2000000, B2000000},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].baud == baud)
			return t[i].s;
	return B0;
}

static int tty_fail(struct link *l, struct ed_error *err, const char *what)
{
	int e = errno;
	bool gone = e == EIO || e == ENXIO || e == ENODEV || e == EBADF;
	return ed_fail(err, gone ? ED_ERR_DISCONNECTED : ED_ERR_IO, "%s %s: %s%s", what, l->name,
		       strerror(e), gone ? " (the port went away: is the cable unplugged?)" : "");
}

static int tty_read(struct link *l, uint8_t *buf, size_t cap, uint64_t timeout_us,
		    struct ed_error *err)
{
	struct tty *t = l->priv;
	struct pollfd pfd = {t->fd, POLLIN, 0};
	int r;
	do
		r = poll(&pfd, 1, (int)((timeout_us + 999) / 1000));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return tty_fail(l, err, "cannot wait for");
	if (r == 0)
		return 0;
	ssize_t n = read(t->fd, buf, cap);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0)
		return tty_fail(l, err, "cannot read from");
	if (n == 0) { /* readable but empty: the other side hung up */
		errno = EIO;
		return tty_fail(l, err, "cannot read from");
	}
	return (int)n;
}

static int tty_write(struct link *l, const uint8_t *buf, size_t len, struct ed_error *err)
{
	struct tty *t = l->priv;
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(t->fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = {t->fd, POLLOUT, 0};
			if (poll(&pfd, 1, 10000) <= 0)
				return ed_fail(err, ED_ERR_TIMEOUT, "writing to %s timed out",
					       l->name);
			continue;
		}
		if (n < 0)
			return tty_fail(l, err, "cannot write to");
		done += (size_t)n;
	}
	return (int)len;
}

static int tty_set_baud(struct link *l, uint32_t baud, struct ed_error *err)
{
	struct tty *t = l->priv;
	struct termios tio;
	speed_t sp = speed_of(baud);
	if (sp == B0) { /* 74880 (the ROM's boot log) and other rates without a B-constant */
		if (tty_set_any_baud(t->fd, baud) != 0)
			return errno == ENOTSUP || errno == EINVAL
				   ? ed_fail(err, ED_ERR_ARG, "%s: cannot set %u baud: %s", l->name,
					     baud, strerror(errno))
				   : tty_fail(l, err, "cannot set the baud rate of");
		l->baud = baud;
		return ED_OK;
	}
	if (tcgetattr(t->fd, &tio) != 0)
		return tty_fail(l, err, "cannot set the baud rate of");
#ifdef CIBAUD
	tio.c_cflag &= ~(tcflag_t)CIBAUD; /* input = output rate, also after a termios2 rate */
#endif
	if (cfsetispeed(&tio, sp) != 0 || cfsetospeed(&tio, sp) != 0 ||
	    tcsetattr(t->fd, TCSANOW, &tio) != 0)
		return tty_fail(l, err, "cannot set the baud rate of");
	l->baud = baud;
	return ED_OK;
}

static int tty_set_lines(struct link *l, int dtr, int rts, struct ed_error *err)
{
	struct tty *t = l->priv;
	int bits;
	if (ioctl(t->fd, TIOCMGET, &bits) != 0)
		return ed_fail(err, ED_ERR_UNSUPPORTED, "%s has no DTR/RTS lines", l->name);
	if (dtr >= 0)
		bits = dtr ? bits | TIOCM_DTR : bits & ~TIOCM_DTR;
	if (rts >= 0)
		bits = rts ? bits | TIOCM_RTS : bits & ~TIOCM_RTS;
	if (ioctl(t->fd, TIOCMSET, &bits) != 0)
		return ed_fail(err, ED_ERR_UNSUPPORTED, "%s has no DTR/RTS lines", l->name);
	return ED_OK;
}

static int tty_flush_input(struct link *l, struct ed_error *err)
{
	struct tty *t = l->priv;
	tcflush(t->fd, TCIFLUSH);
	return ED_OK;
}

static void tty_close(struct link *l)
{
	struct tty *t = l->priv;
	if (t) {
		if (t->fd >= 0) {
			unlock_port(t->fd);
			close(t->fd);
		}
		free(t);
	}
	free(l);
}

static const struct link_ops tty_ops = {
    tty_read,	     tty_write,	    tty_set_baud,    tty_set_lines,
    tty_flush_input, serial_now_us, serial_sleep_us, tty_close,
};

/* 1 = opened as a plain tty, 0 = not a tty (caller reports), < 0 = error. */
static int tty_open(const char *path, uint32_t baud, struct link **out, struct ed_error *err)
{
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == EBUSY ? port_in_use(path, err) : 0;
	struct termios tio;
	if (!isatty(fd) || tcgetattr(fd, &tio) != 0) {
		close(fd);
		return 0;
	}
	int rc = lock_port(fd, path, err);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CRTSCTS);
	tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	tcsetattr(fd, TCSANOW, &tio);
	struct link *l = calloc(1, sizeof *l);
	struct tty *t = calloc(1, sizeof *t);
	if (!l || !t) {
		free(l);
		free(t);
		close(fd);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory opening %s", path);
	}
	t->fd = fd;
	l->ops = &tty_ops;
	l->priv = t;
	snprintf(l->name, sizeof l->name, "%s", path);
	l->has_lines = true;
	rc = tty_set_baud(l, baud, err);
	if (rc < 0) {
		tty_close(l);
		return rc;
	}
	*out = l;
	return 1;
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
		int rc = tty_open(path, opts->baud, out, err);
		if (rc != 0)
			return rc < 0 ? rc : ED_OK;
		return ed_fail(
		    err, ED_ERR_NOTFOUND,
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
