/* SPDX-License-Identifier: MIT
 * The job runner (job/job_group.h): one worker per board, followed from one thread. */
#include "job/job_group.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sigpipe.h"
#include "core/util.h"
#include "link/ports.h"

struct slot {
	struct job_board board;
	struct job *job; /* NULL before start and once finished */
};

struct job_group {
	const struct job_spec *spec;
	struct job_group_ops ops;
	void *user;
	struct slot slots[JOB_GROUP_MAX];
	size_t count;
	bool started;
};

int job_group_create(const struct job_spec *spec, const struct job_group_ops *ops, void *user,
		     struct job_group **out, struct ed_error *err)
{
	*out = NULL;
	struct job_group *g = calloc(1, sizeof *g);
	if (!g)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory");
	g->spec = spec;
	if (ops)
		g->ops = *ops;
	g->user = user;
	*out = g;
	return ED_OK;
}

int job_group_add(struct job_group *g, const char *port, const char *label, struct ed_error *err)
{
	for (size_t i = 0; i < g->count; i++)
		if (!strcmp(g->slots[i].board.port, port))
			return ed_fail(err, ED_ERR_ARG,
				       "port %s is given twice (--port all already "
				       "includes every ESP bridge)",
				       port);
	if (g->count == JOB_GROUP_MAX)
		return ed_fail(err, ED_ERR_ARG, "at most %d boards at once", JOB_GROUP_MAX);
	struct job_board *b = &g->slots[g->count].board;
	memset(b, 0, sizeof *b);
	size_t nsteps = g->spec->step_count ? g->spec->step_count : 1;
	b->step_started = calloc(nsteps, sizeof(bool));
	b->files = calloc(nsteps, sizeof *b->files);
	b->file_done = calloc(nsteps, sizeof(bool));
	if (!b->step_started || !b->files || !b->file_done) {
		free(b->step_started);
		free(b->files);
		free(b->file_done);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory");
	}
	snprintf(b->port, sizeof b->port, "%s", port);
	snprintf(b->label, sizeof b->label, "%s", label ? label : port);
	b->stage = JOB_STAGE_QUEUED;
	b->stage_name = job_stage_name(b->stage);
	b->prog.eta_s = -1;
	b->prog.step_count = g->spec->step_count;
	b->verdict = JOB_BOOT_NOT_CHECKED;
	g->count++;
	return ED_OK;
}

static int add_esp_bridges(struct job_group *g, struct ed_error *err)
{
	struct port_info *ports = NULL;
	size_t n = 0;
	int rc = ports_list(&ports, &n, err);
	if (rc < 0)
		return rc;
	n = ports_keep_esp_bridges(ports, n);
	for (size_t k = 0; k < n && rc == ED_OK; k++)
		rc = job_group_add(g, ports[k].path, NULL, err);
	ports_list_free(ports);
	if (rc == ED_OK && n == 0)
		rc = ed_fail(err, ED_ERR_NOTFOUND, "--port all: %s; see 'espdeck ports'",
			     PORTS_NO_ESP_BRIDGE);
	return rc;
}

int job_group_add_ports(struct job_group *g, const char *const *ports, size_t count,
			struct ed_error *err)
{
	for (size_t i = 0; i < count; i++) {
		int rc = strcmp(ports[i], "all") ? job_group_add(g, ports[i], NULL, err)
						 : add_esp_bridges(g, err);
		if (rc < 0)
			return rc;
	}
	return ED_OK;
}

/* A board as fresh as job_group_add() left it, keeping where it is and its run count. */
static void reset_board(const struct job_group *g, struct job_board *b)
{
	size_t nsteps = g->spec->step_count ? g->spec->step_count : 1;
	bool *steps = b->step_started, *done = b->file_done;
	struct job_file_result *files = b->files;
	char port[sizeof b->port], label[sizeof b->label];
	unsigned runs = b->runs;
	memcpy(port, b->port, sizeof port);
	memcpy(label, b->label, sizeof label);
	memset(b, 0, sizeof *b);
	memcpy(b->port, port, sizeof port);
	memcpy(b->label, label, sizeof label);
	memset(steps, 0, nsteps * sizeof *steps);
	memset(done, 0, nsteps * sizeof *done);
	memset(files, 0, nsteps * sizeof *files);
	b->step_started = steps;
	b->file_done = done;
	b->files = files;
	b->runs = runs;
	b->stage = JOB_STAGE_QUEUED;
	b->stage_name = job_stage_name(b->stage);
	b->prog.eta_s = -1;
	b->prog.step_count = g->spec->step_count;
	b->verdict = JOB_BOOT_NOT_CHECKED;
}

int job_group_start_board(struct job_group *g, size_t i, const struct job_spec *spec)
{
	if (i >= g->count || g->slots[i].job)
		return ED_ERR_ARG;
	struct slot *s = &g->slots[i];
	struct job_spec one = spec ? *spec : *g->spec;
	if (g->count > 1) {
		one.trace_path = NULL; /* one file cannot take several boards' traces */
		one.trace_names_port = true;
	}
	one.port = s->board.port;
	g->started = true;
	if (s->board.runs)
		reset_board(g, &s->board);
	s->board.runs++;
	s->board.started = true;
	s->board.stage_since_us = ed_monotonic_us();
	struct ed_error err = {0};
	if (job_start(&one, &s->job, &err) < 0) {
		s->job = NULL;
		s->board.done = s->board.start_failed = true;
		s->board.result = err.code < 0 ? err.code : ED_ERR_IO;
		snprintf(s->board.result_text, sizeof s->board.result_text, "%s", err.msg);
		if (g->ops.finished)
			g->ops.finished(g->user, g, i);
		return s->board.result;
	}
	return ED_OK;
}

void job_group_start(struct job_group *g)
{
	for (size_t i = 0; i < g->count; i++)
		job_group_start_board(g, i, NULL);
}

size_t job_group_count(const struct job_group *g)
{
	return g->count;
}

const struct job_board *job_group_board(const struct job_group *g, size_t i)
{
	return i < g->count ? &g->slots[i].board : NULL;
}

const struct job_spec *job_group_spec(const struct job_group *g)
{
	return g->spec;
}

int job_group_wake_fd(const struct job_group *g, size_t i)
{
	return i < g->count && g->slots[i].job ? job_wake_fd(g->slots[i].job) : -1;
}

bool job_group_board_running(const struct job_group *g, size_t i)
{
	return i < g->count && g->slots[i].job;
}

bool job_group_running(const struct job_group *g)
{
	for (size_t i = 0; i < g->count; i++)
		if (g->slots[i].job)
			return true;
	return false;
}

void job_group_counts(const struct job_group *g, struct job_group_counts *c)
{
	memset(c, 0, sizeof *c);
	c->boards = g->count;
	for (size_t i = 0; i < g->count; i++) {
		const struct job_board *b = &g->slots[i].board;
		if (!b->done)
			c->running++;
		else if (b->result == ED_OK)
			c->passed++;
		else if (b->result == ED_ERR_CANCELLED)
			c->cancelled++;
		else
			c->failed++;
	}
}

const char *job_group_result_word(int result)
{
	return result == ED_OK ? "passed" : result == ED_ERR_CANCELLED ? "cancelled" : "FAILED";
}

/* The group's own state for one event, before the renderer sees it. */
static void take_event(struct job_board *b, const struct job_event *ev, size_t nsteps)
{
	switch (ev->kind) {
	case JOB_EVENT_STAGE:
		b->stage = ev->stage;
		b->stage_name = job_stage_name(ev->stage);
		b->stage_since_us = ed_monotonic_us();
		if (ev->step_index < nsteps) {
			b->step_started[ev->step_index] = true;
			if (ev->step_index > b->step_cur)
				b->step_cur = ev->step_index;
		}
		break;
	case JOB_EVENT_FILE:
		if (ev->step_index < nsteps) {
			b->files[ev->step_index] = ev->file;
			b->file_done[ev->step_index] = true;
		}
		break;
	case JOB_EVENT_RESULT:
		b->done = true;
		b->result = ev->result;
		snprintf(b->result_text, sizeof b->result_text, "%s",
			 ev->text[0] ? ev->text : ed_strerror(ev->result));
		break;
	default:
		break;
	}
}

static void take_chip(struct job_group *g, size_t i)
{
	struct slot *s = &g->slots[i];
	struct chip_info c;
	if (!job_get_chip_info(s->job, &c))
		return;
	if (s->board.have_chip) {
		s->board.chip = c; /* the flash id comes later, once the stub runs */
		return;
	}
	s->board.have_chip = true;
	s->board.chip = c;
	snprintf(s->board.mac, sizeof s->board.mac, "%02x:%02x:%02x:%02x:%02x:%02x", c.mac[0],
		 c.mac[1], c.mac[2], c.mac[3], c.mac[4], c.mac[5]);
	struct ed_error err = {0};
	s->board.history_rc = job_get_history(s->job, &s->board.history, &err);
	if (s->board.history_rc < 0)
		snprintf(s->board.history_err, sizeof s->board.history_err, "%.250s", err.msg);
	if (g->ops.chip)
		g->ops.chip(g->user, g, i);
}

/* Latest progress; the last bar stays through reset and boot instead of "0 of 0". */
static bool take_progress(struct slot *s)
{
	struct job_progress p;
	job_get_progress(s->job, &p);
	const struct job_progress *last = &s->board.prog;
	if (p.total == 0 && last->total > 0 && p.stage >= JOB_STAGE_RESET) {
		p.done = p.total = last->total;
		p.rate_bps = last->rate_bps;
		p.eta_s = 0;
	}
	if (!memcmp(&p, last, sizeof p))
		return false;
	s->board.prog = p;
	return true;
}

/* A board that passed shows a full bar: the result may beat the last progress, and a
 * fast job may finish between two looks (then the last step with bytes is shown). */
static void fill_progress(const struct job_group *g, struct job_board *b)
{
	for (size_t k = g->spec->step_count; b->prog.total == 0 && k > 0; k--)
		if (g->spec->steps[k - 1].size) {
			b->prog.total = g->spec->steps[k - 1].size;
			b->prog.step_index = k - 1;
		}
	b->prog.done = b->prog.total;
	b->prog.eta_s = 0;
}

/* Joins a board whose result arrived: cause, verdict, chip, and its job freed. */
static void finish_slot(struct job_group *g, size_t i)
{
	struct slot *s = &g->slots[i];
	struct job_board *b = &s->board;
	struct ed_error err = {0};
	job_wait(s->job, &err);
	struct job_event ev;
	while (job_next_event(s->job, &ev)) { /* nothing follows the result; be sure */
		take_event(b, &ev, g->spec->step_count);
		if (g->ops.event)
			g->ops.event(g->user, g, i, &ev);
	}
	take_chip(g, i);
	if (b->result != ED_OK && err.msg[0])
		snprintf(b->cause, sizeof b->cause, "%s", err.msg);
	b->verdict = job_get_boot_verdict(s->job, b->verdict_reason, sizeof b->verdict_reason);
	b->skipped = job_get_skipped(s->job, NULL, 0);
	if (b->result == ED_OK)
		fill_progress(g, b);
	job_destroy(s->job);
	s->job = NULL;
	if (g->ops.finished)
		g->ops.finished(g->user, g, i);
}

static bool tick_slot(struct job_group *g, size_t i)
{
	struct slot *s = &g->slots[i];
	bool changed = false;
	job_drain_wake(s->job);
	struct job_event ev;
	while (!s->board.done && job_next_event(s->job, &ev)) {
		take_event(&s->board, &ev, g->spec->step_count);
		if (g->ops.event)
			g->ops.event(g->user, g, i, &ev);
		changed = true;
	}
	take_chip(g, i);
	if (s->board.done) {
		finish_slot(g, i);
		return true;
	}
	return take_progress(s) || changed;
}

bool job_group_tick(struct job_group *g)
{
	bool changed = false;
	for (size_t i = 0; i < g->count; i++)
		if (g->slots[i].job)
			changed |= tick_slot(g, i);
	return changed;
}

void job_group_cancel(struct job_group *g, size_t i)
{
	if (i >= g->count || !g->slots[i].job || g->slots[i].board.cancel_sent)
		return;
	job_cancel(g->slots[i].job);
	g->slots[i].board.cancel_sent = true;
}

void job_group_cancel_all(struct job_group *g)
{
	for (size_t i = 0; i < g->count; i++)
		job_group_cancel(g, i);
}

int job_group_run(struct job_group *g, int tick_ms, struct ed_error *err)
{
	static const int stop[] = {SIGINT, SIGTERM};
	struct sigpipe sp;
	int rc = sigpipe_open(&sp, stop, 2, err);
	if (rc < 0)
		return rc;
	bool interrupted = false;
	while (job_group_running(g)) {
		struct pollfd pfd[JOB_GROUP_MAX + 1];
		nfds_t n = 0;
		pfd[n++] = (struct pollfd){sigpipe_fd(&sp), POLLIN, 0};
		for (size_t i = 0; i < g->count; i++)
			if (g->slots[i].job)
				pfd[n++] = (struct pollfd){job_wake_fd(g->slots[i].job), POLLIN, 0};
		poll(pfd, n, tick_ms);
		if (sigpipe_take(&sp) && !interrupted) {
			interrupted = true;
			job_group_cancel_all(g);
			if (g->ops.interrupted)
				g->ops.interrupted(g->user, g);
		}
		job_group_tick(g);
		if (g->ops.progress)
			g->ops.progress(g->user, g);
	}
	sigpipe_close(&sp);
	return ED_OK;
}

void job_group_destroy(struct job_group *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->count; i++) {
		struct slot *s = &g->slots[i];
		if (s->job) {
			job_cancel(s->job);
			job_wait(s->job, NULL);
			job_destroy(s->job);
		}
		free(s->board.step_started);
		free(s->board.files);
		free(s->board.file_done);
	}
	free(g);
}
