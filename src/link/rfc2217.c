/* SPDX-License-Identifier: MIT
 * RFC 2217 link ("rfc2217://host:port[?ign_set_control]"): a serial port on another host,
 * served by ser2net's telnet(rfc2217) accepter, esptool's rfc2217 server or
 * espdeck-sim --rfc2217. Telnet framing is proto/telnet.c; this file negotiates BINARY
 * and COM-PORT-OPTION, sets 8N1 and the baud rate at open, and maps the vtable onto
 * COM-PORT-OPTION commands: set_baud -> SET-BAUDRATE (so the stub's baud change works),
 * set_lines -> SET-CONTROL, flush_input -> PURGE-DATA.
 *
 * Line changes are queued and sent together with whatever comes next (a wait, a write, a
 * read), so the two changes of one reset step leave in one TCP segment: a client that
 * sends them one by one, waiting in between as pyserial does, keeps both lines asserted
 * for 50-150 ms at the far end, which lets a board's EN capacitor charge and boots the
 * firmware instead of the loader (issue 14's measurements). Nothing here waits for the
 * server's answers to COM-PORT-OPTION commands: ser2net on a pseudo-terminal never answers
 * SET-CONTROL, and a client waiting for that hangs. Answers and notifications are skipped. */
#include <errno.h>
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
#include "proto/telnet.h"

/* pyserial waits 3 s for the option negotiation; a server that is up answers in ms. */
#define NEGOTIATE_TIMEOUT_US 3000000ull
#define WRITE_TIMEOUT_MS     10000

struct rfc {
	int fd;
	struct telnet_decoder dec;
	uint8_t rx[16384]; /* decoded data not yet read */
	size_t rx_pos, rx_len;
	uint8_t queue[512]; /* telnet commands not yet sent */
	size_t queue_len;
	int dtr, rts;	       /* last values sent, -1 before the first */
	bool comport_ok;       /* the server said DO COM-PORT-OPTION */
	bool negotiated_any;   /* the server sent any telnet negotiation */
	bool answered[2][256]; /* [0] WONT/DONT sent for an option, [1] DO/WILL sent */
	char refusal[200];     /* why the server is not an RFC 2217 server ("" = fine) */
	uint64_t junk_bytes;   /* data bytes seen before the negotiation finished */
};

static int gone(struct link *l, struct ed_error *err, const char *why)
{
	return ed_fail(err, ED_ERR_DISCONNECTED,
		       "the connection to %s was closed (%s): is the RFC 2217 server (ser2net, "
		       "espdeck-sim --rfc2217) still running, and the port not in use by "
		       "another client?",
		       l->name, why);
}

static void enqueue(struct rfc *r, const uint8_t *p, size_t n)
{
	if (r->queue_len + n <= sizeof r->queue) {
		memcpy(r->queue + r->queue_len, p, n);
		r->queue_len += n;
	}
}

static int send_all(struct link *l, const uint8_t *p, size_t len, struct ed_error *err)
{
	struct rfc *r = l->priv;
	size_t done = 0;
	while (done < len) {
		ssize_t n = send(r->fd, p + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = {r->fd, POLLOUT, 0};
			if (poll(&pfd, 1, WRITE_TIMEOUT_MS) <= 0)
				return ed_fail(err, ED_ERR_TIMEOUT,
					       "writing to %s timed out after 10 s: the server "
					       "takes no data",
					       l->name);
			continue;
		}
		if (n < 0)
			return gone(l, err, strerror(errno));
		done += (size_t)n;
	}
	return ED_OK;
}

/* Sends the queued commands, followed by data (escaped) in the same send() where it fits,
 * so a line change and the bytes after it leave together. */
static int flush_queue(struct link *l, const uint8_t *data, size_t len, struct ed_error *err)
{
	struct rfc *r = l->priv;
	uint8_t buf[sizeof r->queue + 2 * 4096];
	size_t n = r->queue_len;
	memcpy(buf, r->queue, n);
	r->queue_len = 0;
	size_t pos = 0;
	do {
		size_t chunk = len - pos < 4096 ? len - pos : 4096;
		if (chunk) /* data is NULL when only commands go out */
			n += telnet_escape(data + pos, chunk, buf + n);
		pos += chunk;
		if (n) {
			int rc = send_all(l, buf, n, err);
			if (rc < 0)
				return rc;
		}
		n = 0;
	} while (pos < len);
	return ED_OK;
}

static void answer(struct rfc *r, uint8_t verb, uint8_t option)
{
	bool positive = verb == TELNET_DO || verb == TELNET_WILL;
	if (r->answered[positive][option])
		return; /* answered once: never loop (RFC 854's rule) */
	r->answered[positive][option] = true;
	uint8_t b[3];
	enqueue(r, b, telnet_negotiate(b, verb, option));
}

/* Telnet commands from the server. Negotiations get RFC 854 answers; COM-PORT-OPTION
 * answers and notifications (line and modem state) carry nothing a flasher needs. */
static void on_event(void *ctx, const struct telnet_event *ev)
{
	struct link *l = ctx;
	struct rfc *r = l->priv;
	switch (ev->verb) {
	case TELNET_WILL:
		r->negotiated_any = true;
		if (ev->option == TELNET_OPT_COM_PORT && !r->comport_ok)
			snprintf(r->refusal, sizeof r->refusal,
				 "it offered COM-PORT-OPTION itself, as a port that echoes what "
				 "it gets does");
		else if (ev->option != TELNET_OPT_BINARY && ev->option != TELNET_OPT_SGA)
			answer(r, TELNET_DONT, ev->option);
		else if (ev->option == TELNET_OPT_SGA)
			answer(r, TELNET_DO, ev->option);
		break;
	case TELNET_DO:
		r->negotiated_any = true;
		if (ev->option == TELNET_OPT_COM_PORT)
			r->comport_ok = true;
		else if (ev->option != TELNET_OPT_BINARY)
			answer(r, TELNET_WONT, ev->option);
		break;
	case TELNET_DONT:
	case TELNET_WONT:
		r->negotiated_any = true;
		if (ev->option == TELNET_OPT_COM_PORT && !r->comport_ok)
			snprintf(r->refusal, sizeof r->refusal, "it refused COM-PORT-OPTION");
		break;
	default: /* SB answers and notifications, NOP, GA, ...: skipped */
		break;
	}
}

/* Reads and decodes whatever arrives within timeout_us; data goes to rx. Returns the
 * number of data bytes added (0 on timeout), or a negative error. */
static int pump(struct link *l, uint64_t timeout_us, struct ed_error *err)
{
	struct rfc *r = l->priv;
	struct pollfd pfd = {r->fd, POLLIN, 0};
	int pr;
	do
		pr = poll(&pfd, 1, (int)((timeout_us + 999) / 1000));
	while (pr < 0 && errno == EINTR);
	if (pr < 0)
		return ed_fail(err, ED_ERR_IO, "cannot wait for %s: %s", l->name, strerror(errno));
	if (pr == 0)
		return 0;
	if (r->rx_pos == r->rx_len)
		r->rx_pos = r->rx_len = 0;
	else if (r->rx_pos > 0) {
		memmove(r->rx, r->rx + r->rx_pos, r->rx_len - r->rx_pos);
		r->rx_len -= r->rx_pos;
		r->rx_pos = 0;
	}
	size_t room = sizeof r->rx - r->rx_len;
	if (room == 0)
		return 0; /* full: the reader takes some first */
	ssize_t n;
	do
		n = recv(r->fd, r->rx + r->rx_len, room, 0);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return gone(l, err, "end of stream");
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : gone(l, err, strerror(errno));
	/* In place: decoded data is never longer than what came in. */
	size_t got =
	    telnet_decode(&r->dec, r->rx + r->rx_len, (size_t)n, r->rx + r->rx_len, on_event, l);
	r->rx_len += got;
	if (r->queue_len) { /* answers to the server's negotiation */
		int rc = flush_queue(l, NULL, 0, err);
		if (rc < 0)
			return rc;
	}
	return (int)got;
}

static int rfc_read(struct link *l, uint8_t *buf, size_t cap, uint64_t timeout_us,
		    struct ed_error *err)
{
	struct rfc *r = l->priv;
	if (r->queue_len) {
		int rc = flush_queue(l, NULL, 0, err);
		if (rc < 0)
			return rc;
	}
	uint64_t end = ed_monotonic_us() + timeout_us;
	while (r->rx_pos == r->rx_len) {
		uint64_t now = ed_monotonic_us();
		int rc = pump(l, end > now ? end - now : 0, err);
		if (rc < 0)
			return rc;
		if (r->rx_pos == r->rx_len && ed_monotonic_us() >= end)
			return 0;
	}
	size_t n = r->rx_len - r->rx_pos;
	if (n > cap)
		n = cap;
	memcpy(buf, r->rx + r->rx_pos, n);
	r->rx_pos += n;
	return (int)n;
}

static int rfc_write(struct link *l, const uint8_t *buf, size_t len, struct ed_error *err)
{
	int rc = flush_queue(l, buf, len, err);
	return rc < 0 ? rc : (int)len;
}

static void queue_comport(struct rfc *r, uint8_t command, const uint8_t *value, size_t n)
{
	uint8_t b[6 + 2 * 4];
	enqueue(r, b, telnet_comport(b, command, value, n));
}

static void queue_baud(struct rfc *r, uint32_t baud)
{
	uint8_t v[4] = {(uint8_t)(baud >> 24), (uint8_t)(baud >> 16), (uint8_t)(baud >> 8),
			(uint8_t)baud};
	queue_comport(r, RFC2217_SET_BAUDRATE, v, 4);
}

static int rfc_set_baud(struct link *l, uint32_t baud, struct ed_error *err)
{
	queue_baud(l->priv, baud);
	int rc = flush_queue(l, NULL, 0, err);
	if (rc < 0)
		return rc;
	l->baud = baud;
	return ED_OK;
}

/* Queued, not sent: the next wait, write or read sends every change made since, in one
 * segment (see the top of the file). */
static int rfc_set_lines(struct link *l, int dtr, int rts, struct ed_error *err)
{
	struct rfc *r = l->priv;
	if (r->queue_len + 2 * 8 > sizeof r->queue) {
		int rc = flush_queue(l, NULL, 0, err);
		if (rc < 0)
			return rc;
	}
	if (dtr >= 0 && dtr != r->dtr) {
		uint8_t v = dtr ? RFC2217_CONTROL_DTR_ON : RFC2217_CONTROL_DTR_OFF;
		queue_comport(r, RFC2217_SET_CONTROL, &v, 1);
		r->dtr = dtr ? 1 : 0;
	}
	if (rts >= 0 && rts != r->rts) {
		uint8_t v = rts ? RFC2217_CONTROL_RTS_ON : RFC2217_CONTROL_RTS_OFF;
		queue_comport(r, RFC2217_SET_CONTROL, &v, 1);
		r->rts = rts ? 1 : 0;
	}
	return ED_OK;
}

/* PURGE-DATA empties the server's receive buffer; what is already on its way or here is
 * dropped too. */
static int rfc_flush_input(struct link *l, struct ed_error *err)
{
	struct rfc *r = l->priv;
	uint8_t v = RFC2217_PURGE_RX;
	queue_comport(r, RFC2217_PURGE_DATA, &v, 1);
	int rc = flush_queue(l, NULL, 0, err);
	if (rc < 0)
		return rc;
	do {
		r->rx_pos = r->rx_len = 0;
		rc = pump(l, 0, err);
	} while (rc > 0);
	r->rx_pos = r->rx_len = 0;
	return rc < 0 ? rc : ED_OK;
}

static uint64_t rfc_now_us(struct link *l)
{
	return ed_monotonic_us();
}

static void rfc_sleep_us(struct link *l, uint64_t us)
{
	struct ed_error ignored;
	struct rfc *r = l->priv;
	if (r->queue_len) /* a failure shows at the next read or write */
		flush_queue(l, NULL, 0, &ignored);
	struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

static void rfc_close(struct link *l)
{
	struct rfc *r = l->priv;
	if (r) {
		if (r->fd >= 0) {
			struct ed_error ignored;
			if (r->queue_len)
				flush_queue(l, NULL, 0, &ignored);
			close(r->fd);
		}
		free(r);
	}
	free(l);
}

static const struct link_ops rfc_ops = {
    rfc_read,	     rfc_write,	 rfc_set_baud, rfc_set_lines,
    rfc_flush_input, rfc_now_us, rfc_sleep_us, rfc_close,
};

/* "ign_set_control" is pyserial's option for servers that do not answer SET-CONTROL;
 * espdeck never waits for answers, so it is accepted and changes nothing. */
static int parse_query(const char *url, const char *query, struct ed_error *err)
{
	while (query && *query) {
		size_t n = strcspn(query, "&");
		if (!(n == 15 && !strncmp(query, "ign_set_control", 15)) && n > 0)
			return ed_fail(err, ED_ERR_ARG,
				       "unknown option '%.*s' in '%s': rfc2217:// takes only "
				       "?ign_set_control (and never waits for SET-CONTROL "
				       "answers anyway)",
				       (int)n, query, url);
		query += n + (query[n] == '&');
	}
	return ED_OK;
}

/* Waits for DO COM-PORT-OPTION; anything else within the time is a clear error. */
static int negotiate(struct link *l, struct ed_error *err)
{
	struct rfc *r = l->priv;
	uint8_t b[12];
	size_t n = telnet_negotiate(b, TELNET_WILL, TELNET_OPT_BINARY);
	n += telnet_negotiate(b + n, TELNET_DO, TELNET_OPT_BINARY);
	n += telnet_negotiate(b + n, TELNET_WILL, TELNET_OPT_COM_PORT);
	r->answered[1][TELNET_OPT_BINARY] = true; /* asked: an echo of these needs no answer */
	enqueue(r, b, n);
	int rc = flush_queue(l, NULL, 0, err);
	uint64_t end = ed_monotonic_us() + NEGOTIATE_TIMEOUT_US;
	while (rc >= 0 && !r->comport_ok && !r->refusal[0]) {
		uint64_t now = ed_monotonic_us();
		if (now >= end)
			break;
		size_t before = r->rx_len - r->rx_pos;
		rc = pump(l, end - now, err);
		if (rc > 0)
			r->junk_bytes += r->rx_len - r->rx_pos - before;
		if (r->rx_len > sizeof r->rx / 2) /* garbage, not a board: keep reading */
			r->rx_pos = r->rx_len = 0;
	}
	if (rc < 0) {
		ed_error_prefix(err, "during the RFC 2217 negotiation");
		return rc;
	}
	const char *hint = "is it a raw TCP port? Use socket://HOST:PORT for those, or give "
			   "ser2net a telnet(rfc2217) accepter";
	if (r->refusal[0])
		return ed_fail(err, ED_ERR_PROTO, "%s is not an RFC 2217 server: %s; %s", l->name,
			       r->refusal, hint);
	if (!r->comport_ok && r->negotiated_any)
		return ed_fail(err, ED_ERR_PROTO,
			       "%s speaks telnet but did not accept COM-PORT-OPTION within 3 s: "
			       "%s",
			       l->name, hint);
	if (!r->comport_ok)
		return ed_fail(err, ED_ERR_PROTO,
			       "%s did not answer the RFC 2217 negotiation within 3 s (%llu data "
			       "bytes and no telnet options came back): %s",
			       l->name, (unsigned long long)r->junk_bytes, hint);
	return ED_OK;
}

int link_rfc2217_open(const char *spec, const struct link_options *opts, struct link **out,
		      struct ed_error *err)
{
	*out = NULL;
	char url[256], hostport[256];
	snprintf(url, sizeof url, "rfc2217://%s", spec);
	size_t hp = strcspn(spec, "?");
	if (hp >= sizeof hostport)
		return ed_fail(err, ED_ERR_ARG, "address too long in '%s'", url);
	memcpy(hostport, spec, hp);
	hostport[hp] = '\0';
	int rc = parse_query(url, spec[hp] ? spec + hp + 1 : NULL, err);
	if (rc < 0)
		return rc;
	int fd;
	if ((rc = link_tcp_connect("rfc2217", hostport, &fd, err)) < 0)
		return rc;
	struct link *l = calloc(1, sizeof *l);
	struct rfc *r = calloc(1, sizeof *r);
	if (!l || !r) {
		free(l);
		free(r);
		close(fd);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory opening %s", url);
	}
	r->fd = fd;
	r->dtr = r->rts = -1;
	telnet_decoder_init(&r->dec);
	l->ops = &rfc_ops;
	l->priv = r;
	snprintf(l->name, sizeof l->name, "%s", url);
	l->baud = opts->baud;
	l->has_lines = true;
	if ((rc = negotiate(l, err)) < 0) {
		rfc_close(l);
		return rc;
	}
	/* 8N1 at the asked speed, no flow control; answers are not awaited (see the top). */
	queue_baud(r, opts->baud);
	uint8_t v = 8;
	queue_comport(r, RFC2217_SET_DATASIZE, &v, 1);
	v = RFC2217_PARITY_NONE;
	queue_comport(r, RFC2217_SET_PARITY, &v, 1);
	v = RFC2217_STOPSIZE_1;
	queue_comport(r, RFC2217_SET_STOPSIZE, &v, 1);
	v = RFC2217_CONTROL_NO_FLOW;
	queue_comport(r, RFC2217_SET_CONTROL, &v, 1);
	if ((rc = flush_queue(l, NULL, 0, err)) < 0) {
		rfc_close(l);
		return rc;
	}
	*out = l;
	return ED_OK;
}
