/* SPDX-License-Identifier: MIT
 * Boot listening over a link (listen.h). */
#include "bootlog/listen.h"

/* Read slices short enough that stop() (Ctrl-C, cancel) is honoured promptly (style.md). */
#define SLICE_US 100000u

static int set_baud(struct link *l, uint32_t baud, struct ed_error *err)
{
	if (!baud || !l->ops->set_baud)
		return ED_OK;
	struct ed_error local;
	int rc = l->ops->set_baud(l, baud, &local);
	if (rc == ED_ERR_UNSUPPORTED)
		return ED_OK; /* TCP: the far end owns the line speed */
	if (rc < 0) {
		if (err)
			*err = local;
		ed_error_prefix(err, "cannot set %u baud on %s", baud, l->name);
	}
	return rc < 0 ? rc : ED_OK;
}

int bootlog_listen(struct link *l, struct bootlog *log, const struct bootlog_listen_options *o,
		   struct ed_error *err)
{
	int rc = set_baud(l, o->boot_baud, err);
	if (rc < 0)
		return rc;
	bool switched = !o->app_baud || o->app_baud == o->boot_baud;
	uint64_t start = link_now_us(l);
	uint8_t buf[512];
	for (;;) {
		uint64_t now = link_now_us(l), wait = SLICE_US;
		if (o->duration_us) {
			if (now - start >= o->duration_us)
				break;
			if (o->duration_us - (now - start) < wait)
				wait = o->duration_us - (now - start);
		}
		if (o->stop && o->stop(o->user, bootlog_facts(log)))
			break;
		int n = link_read(l, buf, sizeof buf, wait, err);
		if (n < 0) {
			rc = n;
			break;
		}
		bootlog_feed(log, buf, (size_t)n);
		if (!switched && bootlog_facts(log)->jump_user > 0) {
			/* The application starts at its own speed right after the jump. */
			switched = true;
			rc = set_baud(l, o->app_baud, err);
			if (rc < 0)
				break;
		}
	}
	bootlog_finish(log);
	return rc;
}

int bootlog_hard_reset(struct link *l, struct ed_error *err)
{
	if (!l->has_lines || !l->ops->set_lines)
		return ed_fail(err, ED_ERR_UNSUPPORTED,
			       "%s has no DTR/RTS lines to reset the board: press its reset button",
			       l->name);
	int rc = l->ops->set_lines(l, 0, 1, err);
	if (rc < 0)
		return rc;
	link_sleep_us(l, 100000);
	if (l->ops->flush_input && (rc = l->ops->flush_input(l, err)) < 0)
		return rc;
	return l->ops->set_lines(l, 0, 0, err);
}
