/* SPDX-License-Identifier: MIT
 * In-process virtual board link ("sim://?key=value&flag"): the peer is a struct sim_board.
 * With clock=virtual the link's own clock drives the board, so reads that time out, slow
 * erases and faults cost no real time; with clock=real (default, the demo) the board's
 * timing model runs against the monotonic clock. */
#include "link/link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "sim/sim.h"

struct simlink {
	struct link link;
	struct sim_board *board;
	bool virtual_clock;
	uint64_t vnow_ns; /* virtual clock */
	uint64_t base_us; /* real clock: link time 0 */
};

static struct simlink *sl(struct link *l)
{
	return l->priv;
}

static uint64_t now_ns(struct simlink *s)
{
	if (s->virtual_clock)
		return s->vnow_ns;
	return (ed_monotonic_us() - s->base_us) * 1000ull;
}

static void wait_until(struct simlink *s, uint64_t t_ns)
{
	if (s->virtual_clock) {
		if (t_ns > s->vnow_ns)
			s->vnow_ns = t_ns;
		return;
	}
	uint64_t now = now_ns(s);
	if (t_ns <= now)
		return;
	uint64_t d = t_ns - now;
	struct timespec ts = {(time_t)(d / 1000000000ull), (long)(d % 1000000000ull)};
	nanosleep(&ts, NULL);
}

static int sim_read(struct link *l, uint8_t *buf, size_t cap, uint64_t timeout_us,
		    struct ed_error *err)
{
	struct simlink *s = sl(l);
	uint64_t deadline = now_ns(s) + timeout_us * 1000ull;
	for (;;) {
		uint64_t now = now_ns(s);
		size_t n = sim_board_output(s->board, buf, cap, now);
		if (n)
			return (int)n;
		uint64_t next = sim_board_next_output_ns(s->board);
		if (next == UINT64_MAX && sim_board_gone(s->board))
			return ed_fail(err, ED_ERR_DISCONNECTED,
				       "%s: the virtual board went away (fault disconnect-after)",
				       l->name);
		if (now >= deadline)
			return 0;
		if (next > deadline) {
			wait_until(s, deadline);
			continue;
		}
		/* Take a whole back-to-back reply at once on the virtual clock. */
		uint64_t end =
		    s->virtual_clock ? sim_board_burst_end_ns(s->board, cap, deadline) : next;
		wait_until(s, end != UINT64_MAX ? end : next);
	}
}

static int sim_write(struct link *l, const uint8_t *buf, size_t len, struct ed_error *err)
{
	struct simlink *s = sl(l);
	int64_t end = sim_board_input(s->board, buf, len, now_ns(s), err);
	if (end < 0) {
		ed_error_prefix(err, "%s", l->name);
		return (int)end;
	}
	/* A blocking write returns when the bytes are on the wire (virtual clock only; a real
	 * UART driver buffers them and returns at once). */
	if (s->virtual_clock)
		wait_until(s, (uint64_t)end);
	return (int)len;
}

static int sim_set_baud(struct link *l, uint32_t baud, struct ed_error *err)
{
	if (!baud)
		return ed_fail(err, ED_ERR_ARG, "%s: baud rate 0 is not a line speed", l->name);
	sim_board_set_baud(sl(l)->board, baud, now_ns(sl(l)));
	l->baud = baud;
	return 0;
}

static int sim_set_lines(struct link *l, int dtr, int rts, struct ed_error *err)
{
	sim_board_set_lines(sl(l)->board, dtr, rts, now_ns(sl(l)));
	return 0;
}

static int sim_flush_input(struct link *l, struct ed_error *err)
{
	struct simlink *s = sl(l);
	uint8_t junk[256];
	while (sim_board_output(s->board, junk, sizeof junk, now_ns(s)) > 0) {
	}
	return 0;
}

static uint64_t sim_now_us(struct link *l)
{
	return now_ns(sl(l)) / 1000ull;
}

static void sim_sleep_us(struct link *l, uint64_t us)
{
	struct simlink *s = sl(l);
	wait_until(s, now_ns(s) + us * 1000ull);
}

static void sim_close(struct link *l)
{
	struct simlink *s = sl(l);
	sim_board_destroy(s->board);
	free(s);
}

static const struct link_ops simlink_ops = {
    .read = sim_read,
    .write = sim_write,
    .set_baud = sim_set_baud,
    .set_lines = sim_set_lines,
    .flush_input = sim_flush_input,
    .now_us = sim_now_us,
    .sleep_us = sim_sleep_us,
    .close = sim_close,
};

struct sim_board *link_sim_board(struct link *l)
{
	return l && l->ops == &simlink_ops ? sl(l)->board : NULL;
}

int link_sim_open(const char *options, const struct link_options *opts, struct link **out,
		  struct ed_error *err)
{
	*out = NULL;
	struct sim_config cfg = SIM_CONFIG_DEFAULT;
	cfg.baud = opts && opts->baud ? opts->baud : 115200;
	int rc = sim_config_parse_query(&cfg, options, err);
	if (rc < 0) {
		ed_error_prefix(err, "sim://");
		return rc;
	}
	struct simlink *s = calloc(1, sizeof *s);
	if (!s)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory for sim://");
	rc = sim_board_create(&cfg, &s->board, err);
	if (rc < 0) {
		free(s);
		ed_error_prefix(err, "sim://");
		return rc;
	}
	s->virtual_clock = cfg.clock == SIM_CLOCK_VIRTUAL;
	s->base_us = ed_monotonic_us();
	s->link.ops = &simlink_ops;
	s->link.priv = s;
	s->link.baud = cfg.baud;
	s->link.has_lines = true;
	snprintf(s->link.name, sizeof s->link.name, "sim://%s", options ? options : "");
	*out = &s->link;
	return 0;
}
