/* SPDX-License-Identifier: MIT
 * Raw TCP link ("socket://host:port"), as ser2net or espdeck-sim --tcp serve a board:
 * bytes only, no modem lines (so no automatic reset) and no baud rate. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "link/link.h"
#include "link/link_int.h"

#define CONNECT_TIMEOUT_MS 5000

struct tcp {
	int fd;
};

static int tcp_gone(struct link *l, struct ed_error *err, const char *why)
{
	return ed_fail(err, ED_ERR_DISCONNECTED,
		       "the connection to %s was closed (%s): is the bridge or espdeck-sim still "
		       "running?",
		       l->name, why);
}

static int tcp_read(struct link *l, uint8_t *buf, size_t cap, uint64_t timeout_us,
		    struct ed_error *err)
{
	struct tcp *t = l->priv;
	struct pollfd pfd = {t->fd, POLLIN, 0};
	int ms = (int)((timeout_us + 999) / 1000);
	int r;
	do
		r = poll(&pfd, 1, ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return ed_fail(err, ED_ERR_IO, "cannot wait for %s: %s", l->name, strerror(errno));
	if (r == 0)
		return 0;
	ssize_t n;
	do
		n = recv(t->fd, buf, cap, 0);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return tcp_gone(l, err, "end of stream");
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return tcp_gone(l, err, strerror(errno));
	}
	return (int)n;
}

static int tcp_write(struct link *l, const uint8_t *buf, size_t len, struct ed_error *err)
{
	struct tcp *t = l->priv;
	size_t done = 0;
	while (done < len) {
		ssize_t n = send(t->fd, buf + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = {t->fd, POLLOUT, 0};
			if (poll(&pfd, 1, 10000) <= 0)
				return ed_fail(err, ED_ERR_TIMEOUT, "writing to %s timed out",
					       l->name);
			continue;
		}
		if (n < 0)
			return tcp_gone(l, err, strerror(errno));
		done += (size_t)n;
	}
	return (int)len;
}

static int tcp_set_baud(struct link *l, uint32_t baud, struct ed_error *err)
{
	l->baud = baud; /* informational: the far end sets the real line speed */
	return ED_ERR_UNSUPPORTED;
}

static int tcp_set_lines(struct link *l, int dtr, int rts, struct ed_error *err)
{
	return ed_fail(err, ED_ERR_UNSUPPORTED, "%s carries no DTR/RTS lines", l->name);
}

static int tcp_flush_input(struct link *l, struct ed_error *err)
{
	struct tcp *t = l->priv;
	uint8_t junk[512];
	for (;;) {
		ssize_t n = recv(t->fd, junk, sizeof junk, MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n == 0)
			return tcp_gone(l, err, "end of stream");
		if (errno == EINTR)
			continue;
		return ED_OK;
	}
}

static uint64_t tcp_now_us(struct link *l)
{
	return ed_monotonic_us();
}

static void tcp_sleep_us(struct link *l, uint64_t us)
{
	struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

static void tcp_close(struct link *l)
{
	struct tcp *t = l->priv;
	if (t) {
		if (t->fd >= 0)
			close(t->fd);
		free(t);
	}
	free(l);
}

static const struct link_ops tcp_ops = {
    tcp_read,	     tcp_write,	 tcp_set_baud, tcp_set_lines,
    tcp_flush_input, tcp_now_us, tcp_sleep_us, tcp_close,
};

/* Connects with a timeout so an unreachable host fails in seconds, not minutes. */
static int connect_timeout(int fd, const struct sockaddr *sa, socklen_t len)
{
	int flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	int r = connect(fd, sa, len);
	if (r != 0 && errno == EINPROGRESS) {
		struct pollfd pfd = {fd, POLLOUT, 0};
		r = poll(&pfd, 1, CONNECT_TIMEOUT_MS);
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (r < 0 || soerr) {
			errno = soerr ? soerr : errno;
			return -1;
		}
		r = 0;
	}
	fcntl(fd, F_SETFL, flags);
	return r;
}

static int split_hostport(const char *scheme, const char *hostport, char *host, size_t cap,
			  const char **port, struct ed_error *err)
{
	const char *colon = strrchr(hostport, ':');
	const char *h = hostport;
	size_t hlen = colon ? (size_t)(colon - hostport) : 0;
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']')
		h++, hlen -= 2;
	if (!colon || !colon[1] || hlen == 0 || hlen >= cap)
		return ed_fail(err, ED_ERR_ARG,
			       "bad address '%s://%s': write %s://HOST:PORT, for example "
			       "%s://127.0.0.1:4000",
			       scheme, hostport, scheme, scheme);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = colon + 1;
	return ED_OK;
}

int link_tcp_connect(const char *scheme, const char *hostport, int *fd_out, struct ed_error *err)
{
	*fd_out = -1;
	char host[256];
	const char *port = NULL;
	int rc = split_hostport(scheme, hostport, host, sizeof host, &port, err);
	if (rc < 0)
		return rc;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	int gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0)
		return ed_fail(err, ED_ERR_NOTFOUND,
			       "cannot resolve %s://%s: %s (check the host name)", scheme, hostport,
			       gai_strerror(gai));
	int fd = -1, last_errno = 0;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect_timeout(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			last_errno = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		return ed_fail(err, ED_ERR_NOTFOUND,
			       "cannot connect to %s://%s: %s (is the serial bridge or "
			       "espdeck-sim running on that port?)",
			       scheme, hostport, strerror(last_errno));
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* small replies matter */
	*fd_out = fd;
	return ED_OK;
}

int link_tcp_open(const char *hostport, const struct link_options *opts, struct link **out,
		  struct ed_error *err)
{
	*out = NULL;
	int fd;
	int rc = link_tcp_connect("socket", hostport, &fd, err);
	if (rc < 0)
		return rc;
	struct link *l = calloc(1, sizeof *l);
	struct tcp *t = calloc(1, sizeof *t);
	if (!l || !t) {
		free(l);
		free(t);
		close(fd);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory opening socket://%s", hostport);
	}
	t->fd = fd;
	l->ops = &tcp_ops;
	l->priv = t;
	snprintf(l->name, sizeof l->name, "socket://%s", hostport);
	l->baud = opts->baud;
	l->has_lines = false;
	*out = l;
	return ED_OK;
}
