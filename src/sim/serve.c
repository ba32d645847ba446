/* SPDX-License-Identifier: MIT
 * espdeck-sim's event loop (see serve.h): poll() on the listener, the client or the pty
 * master, wake-ups when the board's next byte is due, bytes in with the time they came. */
/* ppoll(): nanosecond wake-ups for the timing model. */
#define _GNU_SOURCE
#include "sim/serve.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/tty_baud.h"
#include "core/util.h"
#include "proto/telnet.h"
#include "sim/serve_rfc2217.h"

/* Set by SIGINT/SIGTERM; the only process-wide state, as a signal handler needs it. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static uint64_t board_now(uint64_t base_us)
{
	return (ed_monotonic_us() - base_us) * 1000ull;
}

static int listen_tcp(const char *opt, const char *spec, int *port_out)
{
	char host[256] = "127.0.0.1";
	const char *port = spec;
	const char *colon = strrchr(spec, ':');
	if (colon) {
		size_t n = (size_t)(colon - spec);
		if (n >= sizeof host) {
			fprintf(stderr, "espdeck-sim: --%s %s: host name too long\n", opt, spec);
			return -1;
		}
		const char *h = spec;
		if (n >= 2 && h[0] == '[' && h[n - 1] == ']') { /* [::1]:PORT */
			h++;
			n -= 2;
		}
		if (n) {
			memcpy(host, h, n);
			host[n] = 0;
		}
		port = colon + 1;
	}
	uint32_t pnum;
	if (!ed_parse_u32(port, &pnum) || pnum > 65535) {
		fprintf(stderr,
			"espdeck-sim: --%s %s: '%s' is not a port number (use HOST:PORT, "
			"PORT 0 picks a free one)\n",
			opt, spec, port);
		return -1;
	}
	struct addrinfo hints = {
	    .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
	struct addrinfo *ai = NULL;
	int gai = getaddrinfo(host, port, &hints, &ai);
	if (gai) {
		fprintf(stderr, "espdeck-sim: --%s %s: %s\n", opt, spec, gai_strerror(gai));
		return -1;
	}
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 4) < 0) {
		fprintf(stderr, "espdeck-sim: cannot listen on %s: %s\n", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*port_out = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
					     : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static int open_pty(char *path, size_t cap, int *slave_out)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || !ptsname(m)) {
		fprintf(stderr, "espdeck-sim: cannot create a pseudo-terminal: %s\n",
			strerror(errno));
		if (m >= 0)
			close(m);
		return -1;
	}
	snprintf(path, cap, "%s", ptsname(m));
	/* Keep the slave open: the master then never sees a hang-up between clients, and the
	 * line starts raw, as a USB serial adapter does for binary protocols. */
	int s = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	struct termios tio;
	if (s >= 0 && tcgetattr(s, &tio) == 0) {
		cfmakeraw(&tio);
		cfsetispeed(&tio, B115200);
		cfsetospeed(&tio, B115200);
		tcsetattr(s, TCSANOW, &tio);
	}
	*slave_out = s;
	return m;
}

static uint32_t pty_baud(int slave)
{
	static const struct {
		speed_t s;
		uint32_t baud;
	} map[] = {
	    {B9600, 9600},	 {B19200, 19200},     {B38400, 38400},	 {B57600, 57600},
	    {B115200, 115200},	 {B230400, 230400},   {B460800, 460800}, {B921600, 921600},
	    {B1500000, 1500000}, {B2000000, 2000000},
	};
	struct termios tio;
	if (slave < 0 || tcgetattr(slave, &tio) < 0)
		return 0;
	speed_t s = cfgetospeed(&tio);
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].s == s)
			return map[i].baud;
	return tty_get_baud(slave); /* set through termios2, e.g. 74880 for the boot log */
}

bool sim_write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = {.fd = fd, .events = POLLOUT};
			poll(&pf, 1, 100);
			continue;
		}
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static void print_stats(const struct sim_board *b, const char *what, bool quiet)
{
	if (quiet)
		return;
	struct sim_stats s;
	sim_board_stats(b, &s);
	fprintf(stderr,
		"espdeck-sim: %s: %llu bytes from host, %llu bytes to host, %llu commands, "
		"%llu bad frames, %llu sectors erased\n",
		what, (unsigned long long)s.bytes_from_host, (unsigned long long)s.bytes_to_host,
		(unsigned long long)s.commands, (unsigned long long)s.bad_frames,
		(unsigned long long)s.sectors_erased);
}

/* Writes the board's bytes to the client, escaping 0xFF on an RFC 2217 connection. */
static bool send_out(int fd, const uint8_t *p, size_t n, bool telnet)
{
	if (!telnet)
		return sim_write_all(fd, p, n);
	uint8_t esc[2 * 4096];
	for (size_t pos = 0; pos < n; pos += 4096) {
		size_t chunk = n - pos < 4096 ? n - pos : 4096;
		if (!sim_write_all(fd, esc, telnet_escape(p + pos, chunk, esc)))
			return false;
	}
	return true;
}

/* Follows the pty's line speed: the client may change it at any time before writing. */
static void follow_pty_baud(struct sim_board *b, int pty_slave, uint64_t now)
{
	uint32_t baud = pty_baud(pty_slave);
	if (baud)
		sim_board_set_baud(b, baud, now);
}

/* One session on fd until the peer leaves, the board is gone, or a stop is requested.
 * rfc is the RFC 2217 state of the connection (NULL for raw bytes or the pty).
 * Returns false when fd failed for good (pty), true when the session ended normally. */
static bool session(struct sim_board *b, int fd, int pty_slave, struct rfcsrv *rfc,
		    uint64_t base_us)
{
	uint8_t buf[65536];
	for (;;) {
		if (stop_requested)
			return true;
		uint64_t now = board_now(base_us);
		if (pty_slave >= 0)
			follow_pty_baud(b, pty_slave, now);
		else if (!rfc) /* raw TCP has no line speed: the host side is the chip's */
			sim_board_set_baud(b, sim_board_uart_baud(b), now);
		size_t n;
		while ((n = sim_board_output(b, buf, sizeof buf, now)) > 0)
			if (!send_out(fd, buf, n, rfc != NULL))
				return pty_slave >= 0 ? false : true;
		if (sim_board_gone(b))
			return true;
		/* Wake exactly when the next byte is due (ppoll's nanoseconds keep the timing
		 * model's 2 %), and at least every 100 ms for signals and baud changes. */
		uint64_t next = sim_board_next_output_ns(b);
		uint64_t wait = 100000000ull;
		if (next != UINT64_MAX)
			wait = next > now ? (next - now < wait ? next - now : wait) : 0;
		struct timespec ts = {(time_t)(wait / 1000000000ull), (long)(wait % 1000000000ull)};
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		int pr = ppoll(&pf, 1, &ts, NULL);
		if (pr < 0 && errno != EINTR)
			return false;
		if (pr <= 0 || !(pf.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0 && errno == EIO && pty_slave >= 0)
			continue;
		if (r <= 0)
			return true; /* the client closed the connection */
		now = board_now(base_us);
		/* The speed the client set before writing these bytes (a stub baud change is
		 * followed at once by the first packet at the new rate): read it now, not
		 * before the wait. */
		if (pty_slave >= 0)
			follow_pty_baud(b, pty_slave, now);
		struct ed_error err;
		int rc = rfc ? rfcsrv_input(rfc, buf, (size_t)r, now, &err)
			     : (int)(sim_board_input(b, buf, (size_t)r, now, &err) < 0 ? -1 : 0);
		if (rc < 0) {
			fprintf(stderr, "espdeck-sim: %s\n", err.msg);
			return true;
		}
	}
}

static int write_port_file(const char *path, const char *text)
{
	struct ed_error err;
	if (ed_write_file_atomic(path, (const uint8_t *)text, strlen(text), &err) < 0) {
		fprintf(stderr, "espdeck-sim: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int serve_tcp(struct sim_board *b, const struct serve_options *o, uint64_t base_us)
{
	int port = 0;
	bool telnet = o->rfc2217 != NULL;
	const char *spec = telnet ? o->rfc2217 : o->tcp;
	int lfd = listen_tcp(telnet ? "rfc2217" : "tcp", spec, &port);
	if (lfd < 0)
		return 1;
	char text[32];
	snprintf(text, sizeof text, "%d\n", port);
	if (o->port_file && write_port_file(o->port_file, text) < 0) {
		close(lfd);
		return 1;
	}
	if (!o->quiet)
		fprintf(stderr, "espdeck-sim: listening on %s (port %d%s)\n", spec, port,
			telnet ? ", RFC 2217" : "");
	printf("%d\n", port);
	fflush(stdout);
	/* Over RFC 2217 the board is powered up running its firmware, and only a reset through
	 * DTR/RTS (the auto-reset model) brings up the loader, as on a real bench. */
	if (telnet)
		sim_board_reset(b, false, board_now(base_us));
	while (!stop_requested) {
		struct pollfd pf = {.fd = lfd, .events = POLLIN};
		if (poll(&pf, 1, 200) <= 0)
			continue;
		int cfd = accept(lfd, NULL, NULL);
		if (cfd < 0)
			continue;
		int one = 1;
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		struct rfcsrv rfc;
		if (telnet) {
			if (!rfcsrv_start(&rfc, cfd, b)) {
				close(cfd);
				continue;
			}
		} else {
			/* A new connection is a reset into download mode (no DTR/RTS over raw
			 * TCP); whatever the board still had for the previous client is lost.
			 * --keep-board: a bridge in front of a board that keeps running (a stub
			 * left by --after no_reset_stub is there for the next client). */
			uint8_t junk[4096];
			while (sim_board_output(b, junk, sizeof junk, UINT64_MAX) > 0) {
			}
			if (!o->keep_board)
				sim_board_reset(b, true, board_now(base_us));
		}
		session(b, cfd, -1, telnet ? &rfc : NULL, base_us);
		close(cfd);
		struct ed_error err;
		if (sim_board_sync(b, &err) < 0)
			fprintf(stderr, "espdeck-sim: %s\n", err.msg);
		print_stats(b, "session ended", o->quiet);
		if (o->once)
			break;
	}
	close(lfd);
	return 0;
}

static int serve_pty(struct sim_board *b, const struct serve_options *o, uint64_t base_us)
{
	char path[256];
	int slave = -1;
	int m = open_pty(path, sizeof path, &slave);
	if (m < 0)
		return 1;
	if (o->port_file && write_port_file(o->port_file, path) < 0) {
		close(m);
		if (slave >= 0)
			close(slave);
		return 1;
	}
	printf("%s\n", path);
	fflush(stdout);
	bool ok = session(b, m, slave, NULL, base_us);
	print_stats(b, "pty closed", o->quiet);
	close(m);
	if (slave >= 0)
		close(slave);
	return ok ? 0 : 1;
}

int serve_run(struct sim_board *b, const struct serve_options *o)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	uint64_t base_us = ed_monotonic_us();
	int rc = o->pty ? serve_pty(b, o, base_us) : serve_tcp(b, o, base_us);
	struct ed_error err;
	if (sim_board_sync(b, &err) < 0) {
		fprintf(stderr, "espdeck-sim: %s\n", err.msg);
		rc = 1;
	}
	return rc;
}
