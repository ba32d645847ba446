/* SPDX-License-Identifier: MIT
 * Fault-injecting link ("fault://OPTIONS|INNER", link.h): wraps any link and passes both
 * directions through a seeded faultgen (faultgen.h). Over sim:// with clock=virtual it
 * runs on the board's virtual clock, so delays and stalls cost no real time; this is the
 * in-process half of bench/faults. Reopening the same spec (a job's reconnect) starts
 * the same fault sequence again. */
#include "link/link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link/faultgen.h"

struct faultlink {
	struct link link;
	struct link *inner;
	struct faultgen tx, rx;
	uint8_t buf[4096];
};

static struct faultlink *fl(struct link *l)
{
	return l->priv;
}

static int broken(struct link *l, struct ed_error *err)
{
	return ed_fail(err, ED_ERR_DISCONNECTED, "%s: the link broke (fault disconnect)", l->name);
}

static int fl_read(struct link *l, uint8_t *buf, size_t cap, uint64_t timeout_us,
		   struct ed_error *err)
{
	struct faultlink *f = fl(l);
	uint64_t deadline = link_now_us(f->inner) + timeout_us;
	for (;;) {
		uint64_t now = link_now_us(f->inner);
		size_t n = faultgen_take(&f->rx, buf, cap, now);
		if (n)
			return (int)n;
		if (faultgen_broken(&f->rx) || faultgen_broken(&f->tx))
			return broken(l, err);
		if (now >= deadline)
			return 0;
		uint64_t until = faultgen_next_us(&f->rx);
		if (until > deadline)
			until = deadline;
		int rc =
		    link_read(f->inner, f->buf, sizeof f->buf, until > now ? until - now : 0, err);
		if (rc < 0)
			return rc;
		faultgen_feed(&f->rx, f->buf, (size_t)rc, link_now_us(f->inner));
	}
}

static int fl_write(struct link *l, const uint8_t *buf, size_t len, struct ed_error *err)
{
	struct faultlink *f = fl(l);
	if (faultgen_broken(&f->tx) || faultgen_broken(&f->rx))
		return broken(l, err);
	faultgen_feed(&f->tx, buf, len, link_now_us(f->inner));
	size_t n;
	while ((n = faultgen_take(&f->tx, f->buf, sizeof f->buf, UINT64_MAX)) > 0) {
		int rc = link_write(f->inner, f->buf, n, err);
		if (rc < 0)
			return rc;
	}
	if (faultgen_broken(&f->tx))
		return broken(l, err);
	return (int)len;
}

static int fl_set_baud(struct link *l, uint32_t baud, struct ed_error *err)
{
	int rc = fl(l)->inner->ops->set_baud(fl(l)->inner, baud, err);
	l->baud = fl(l)->inner->baud;
	return rc;
}

static int fl_set_lines(struct link *l, int dtr, int rts, struct ed_error *err)
{
	return fl(l)->inner->ops->set_lines(fl(l)->inner, dtr, rts, err);
}

static int fl_flush_input(struct link *l, struct ed_error *err)
{
	struct faultlink *f = fl(l);
	int rc = f->inner->ops->flush_input(f->inner, err);
	faultgen_discard_due(&f->rx, link_now_us(f->inner));
	return rc;
}

static uint64_t fl_now_us(struct link *l)
{
	return link_now_us(fl(l)->inner);
}

static void fl_sleep_us(struct link *l, uint64_t us)
{
	link_sleep_us(fl(l)->inner, us);
}

static void fl_close(struct link *l)
{
	link_close(fl(l)->inner);
	free(fl(l));
}

static const struct link_ops faultlink_ops = {
    .read = fl_read,
    .write = fl_write,
    .set_baud = fl_set_baud,
    .set_lines = fl_set_lines,
    .flush_input = fl_flush_input,
    .now_us = fl_now_us,
    .sleep_us = fl_sleep_us,
    .close = fl_close,
};

int link_fault_open(const char *spec, const struct link_options *opts, struct link **out,
		    struct ed_error *err)
{
	*out = NULL;
	const char *bar = strchr(spec, '|');
	if (!bar)
		return ed_fail(
		    err, ED_ERR_ARG,
		    "fault://%s: give the faults, a '|' and the port to wrap, for example "
		    "'fault://seed=1,rate=0.01,kinds=all|sim://?clock=virtual'",
		    spec);
	char opt[512];
	snprintf(opt, sizeof opt, "%.*s", (int)(bar - spec), spec);
	struct faultgen_plan plan = {.seed = 1, .rate = 0.01};
	plan.kinds_tx = plan.kinds_rx = (1u << FAULT_KIND_COUNT) - 1;
	int rc = faultgen_plan_parse(&plan, opt, err);
	if (rc < 0) {
		ed_error_prefix(err, "fault://");
		return rc;
	}
	struct faultlink *f = calloc(1, sizeof *f);
	if (!f)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory for fault://");
	rc = link_open(bar + 1, opts, &f->inner, err);
	if (rc < 0) {
		free(f);
		return rc;
	}
	faultgen_init(&f->tx, &plan, true);
	faultgen_init(&f->rx, &plan, false);
	f->link.ops = &faultlink_ops;
	f->link.priv = f;
	f->link.baud = f->inner->baud;
	f->link.has_lines = f->inner->has_lines;
	snprintf(f->link.name, sizeof f->link.name, "%s", f->inner->name);
	*out = &f->link;
	return ED_OK;
}

uint64_t link_fault_count(struct link *l)
{
	if (!l || l->ops != &faultlink_ops)
		return 0;
	return faultgen_total(&fl(l)->tx) + faultgen_total(&fl(l)->rx);
}
