/* SPDX-License-Identifier: MIT
 * The bench's jobs: the log pane's lines, and every job (one board or the checked
 * ports) run through the runner (job/job_group.h): its events into the log, the chip and
 * the journal's history of each board, what was and was not written, the summary. The
 * progress screen that shows it is bench_progress.c. */
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "app/spec.h"
#include "core/util.h"
#include "tui/bench.h"
#include "tui/tui_int.h"

/* --- log --------------------------------------------------------------------------- */

void bench_log(struct bench *b, int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	char *copy = strdup(line);
	if (!copy)
		return;
	/* A ring: past BENCH_LOG_MAX lines the oldest goes (the --log file keeps all). */
	size_t slot = (b->log_first + b->log_count) % BENCH_LOG_MAX;
	if (b->log_count == BENCH_LOG_MAX) {
		free(b->log[b->log_first]);
		b->log_first = (b->log_first + 1) % BENCH_LOG_MAX;
		b->log_count--;
	}
	b->log[slot] = copy;
	b->log_level[slot] = level;
	b->log_count++;
	if (b->tee) {
		static const char *const names[] = {"error", "warning", "info", "debug", "trace"};
		char when[40]; /* the same ISO 8601 time as the command line's --log lines */
		fprintf(b->tee, "%s %s: %s\n", ed_iso_time_ms(when, sizeof when),
			names[level >= 0 && level < 5 ? level : 2], line);
		fflush(b->tee);
	}
}

const char *bench_log_line(const struct bench *b, size_t i, int *level)
{
	if (i >= b->log_count)
		return NULL;
	size_t slot = (b->log_first + i) % BENCH_LOG_MAX;
	if (level)
		*level = b->log_level[slot];
	return b->log[slot];
}

void bench_log_free(struct bench *b)
{
	for (size_t i = 0; i < b->log_count; i++)
		free(b->log[(b->log_first + i) % BENCH_LOG_MAX]);
	b->log_count = 0;
}

/* --- jobs through the runner ------------------------------------------------------- */

size_t bench_checked_ports(const struct bench *b)
{
	size_t n = 0;
	for (size_t i = 0; i < b->nports; i++)
		n += b->ports[i].checked;
	return n;
}

void bench_write_extras(struct bench *b, struct job_spec *spec)
{
	const char *boot = bench_setting_value(b, SET_BOOT);
	if (!strcmp(boot, "on"))
		spec->boot_check = true;
	else if (!strcmp(boot, "off"))
		spec->boot_check = false;
	else
		spec->boot_check = spec->boot_check || (b->loaded && b->layout.boot_check);
	if (b->loaded && b->layout.expect[0] && !spec->boot_expect)
		spec->boot_expect = b->layout.expect;
	uint32_t ms = 0;
	if (ed_parse_u32(bench_setting_value(b, SET_BOOT_TIME), &ms))
		spec->boot_listen_ms = ms;
	else if (b->loaded && b->layout.boot_time_ms && !spec->boot_listen_ms)
		spec->boot_listen_ms = b->layout.boot_time_ms;
	if (b->loaded && b->layout.app_baud && !spec->boot_app_baud)
		spec->boot_app_baud = b->layout.app_baud;
	spec->journal_path = b->journal[0] ? b->journal : NULL;
	spec->preset_name = b->loaded ? b->layout.name : NULL;
	if (b->loaded && b->force_note[0]) {
		snprintf(b->journal_preset, sizeof b->journal_preset, "%s (forced: %s)",
			 b->layout.name, b->force_note);
		spec->preset_name = b->journal_preset;
	}
}

static void make_spec(struct bench *b, enum bench_action action)
{
	struct job_spec *spec = &b->spec;
	app_job_spec(&b->run_cfg, spec);
	if (action == ACT_WRITE || action == ACT_VERIFY) {
		spec->flash_mode = bench_setting_value(b, SET_MODE);
		spec->flash_size = bench_setting_value(b, SET_SIZE);
		spec->flash_freq = bench_setting_value(b, SET_FREQ);
	}
	spec->verify = action == ACT_WRITE && !strcmp(bench_setting_value(b, SET_VERIFY), "on");
	if (action == ACT_WRITE) {
		bench_write_extras(b, spec);
		/* a preset written again on the stub writes only the sectors that changed */
		spec->diff = true;
	}
	spec->steps = b->steps;
	spec->step_count = b->nsteps;
	/* several boards at once get the whole-chip check, as on the command line */
	if (bench_checked_ports(b) > 1)
		spec->chip_check = true;
}

void bench_history(const struct bench *b, const struct job_board *bd, char *out, size_t cap)
{
	const struct journal_history *h = &bd->history;
	if (!b->journal[0] || bd->history_rc == 0)
		snprintf(out, cap, "journal off");
	else if (bd->history_rc < 0)
		snprintf(out, cap, "journal: %.100s", bd->history_err);
	else if (h->times)
		snprintf(out, cap, "flashed before: %.32s, %.16s (%zu time%s)", h->last.time,
			 h->last.result, h->times, h->times == 1 ? "" : "s");
	else
		snprintf(out, cap, "new board (not in the journal)");
}

/* "label: " in front of a board's log lines when several boards run. */
static const char *who(const struct bench *b, size_t i, char *buf, size_t cap)
{
	if (!b->multi)
		return "";
	snprintf(buf, cap, "%s: ", job_group_board(b->group, i)->label);
	return buf;
}

static void on_event(void *user, struct job_group *g, size_t i, const struct job_event *ev)
{
	struct bench *b = user;
	char w[112];
	const char *p = who(b, i, w, sizeof w);
	switch (ev->kind) {
	case JOB_EVENT_STAGE:
		bench_log(b, 2, "%s[%s] %s", p, job_stage_name(ev->stage), ev->text);
		break;
	case JOB_EVENT_LOG:
		if (ev->level <= ED_LOG_INFO || b->cfg->verbose)
			bench_log(b, (int)ev->level, "%s%s", p, ev->text);
		break;
	case JOB_EVENT_INFO:
		bench_log(b, 2, "%s%s", p, ev->text);
		break;
	case JOB_EVENT_BOOTLOG:
		bench_log(b, 2, "%s[boot] %s%s%s%s", p, ev->text, ev->explain[0] ? "  (" : "",
			  ev->explain, ev->explain[0] ? ")" : "");
		break;
	case JOB_EVENT_FILE:
		bench_log(b, 2, "%s%s", p, ev->text);
		break;
	case JOB_EVENT_RESULT:
		break; /* on_finished, once the board is joined */
	}
}

/* A written board's history from the journal, as soon as DETECT found its MAC: the job
 * appends its own line only at its end, so the lookup sees only earlier jobs. */
static void on_chip(void *user, struct job_group *g, size_t i)
{
	struct bench *b = user;
	const struct job_board *bd = job_group_board(g, i);
	if (b->action != ACT_WRITE)
		return;
	bench_history(b, bd, b->history[i], sizeof b->history[i]);
	if (b->multi)
		bench_log(b, 2, "%s: %s MAC %s, %s", bd->label, bd->chip.name, bd->mac,
			  b->history[i]);
	else
		bench_log(b, 2, "MAC %s: %s", bd->mac, b->history[i]);
}

/* "written: boot, user1; interrupted: user2; not written: blank" for a write, from the
 * steps the board reported starting. */
static void summarise_write(struct bench *b, const struct job_board *bd)
{
	char done[256] = "", cut[128] = "", todo[256] = "";
	bool ok = bd->result == ED_OK;
	for (size_t i = 0; i < b->nsteps; i++) {
		if (b->steps[i].kind != JOB_STEP_WRITE)
			continue;
		char *dst = todo;
		size_t cap = sizeof todo;
		if (ok || (bd->step_started[i] && i < bd->step_cur)) {
			dst = done;
			cap = sizeof done;
		} else if (bd->step_started[i]) {
			dst = cut;
			cap = sizeof cut;
		}
		size_t len = strlen(dst);
		snprintf(dst + len, cap - len, "%s%s", len ? ", " : "", b->steps[i].name);
	}
	snprintf(b->job_summary, sizeof b->job_summary,
		 "written: %s; interrupted: %s; "
		 "not written: %s",
		 done[0] ? done : "nothing", cut[0] ? cut : "none", todo[0] ? todo : "none");
}

/* Chip, MAC, flash id and size for the progress view (and the log) of one board. */
static void take_chip_info(struct bench *b, const struct job_board *bd)
{
	if (!bd->have_chip)
		return;
	const struct chip_info *c = &bd->chip;
	char size[24];
	snprintf(b->chip[0], sizeof b->chip[0], "chip %s (%s), crystal %u MHz, MAC %s", c->name,
		 c->features, c->crystal_mhz, bd->mac);
	snprintf(b->chip[1], sizeof b->chip[1], "flash id 0x%06x, flash size %s, chip id 0x%06x",
		 c->flash_id,
		 c->flash_size ? ed_format_size(size, sizeof size, c->flash_size) : "unknown",
		 c->chip_id);
	if (b->action == ACT_INFO) {
		bench_log(b, 2, "%s", b->chip[0]);
		bench_log(b, 2, "%s", b->chip[1]);
	}
}

static void finished_single(struct bench *b, const struct job_board *bd)
{
	bool cancelled = bd->result == ED_ERR_CANCELLED;
	if (b->action == ACT_WRITE) {
		summarise_write(b, bd);
		if (!cancelled)
			bench_log(b, bd->result == ED_OK ? 2 : 1, "%s", b->job_summary);
	}
	/* A cancel is summed up once, in the user's words; the engine's detail ("writing
	 * register 0x60000204: cancelled during a wait ...") only to the --log file. */
	if (cancelled && b->tee) {
		fprintf(b->tee, "debug: cancel detail: %s\n", bd->result_text);
		fflush(b->tee);
	}
	snprintf(b->last_job, sizeof b->last_job, "%s %s: %s", b->job_title,
		 bd->result == ED_OK ? "finished"
		 : cancelled	     ? "cancelled"
				     : "FAILED",
		 cancelled && b->action == ACT_WRITE ? b->job_summary
		 : cancelled			     ? "stopped; nothing more was done"
						     : bd->result_text);
	bench_log(b, bd->result == ED_OK ? 2 : cancelled ? 1 : 0, "%s", b->last_job);
	if (b->action == ACT_READ && bd->result == ED_OK) {
		snprintf(b->last_dump, sizeof b->last_dump, "%s", b->read_path);
		bench_log(b, 2, "dump saved as %s (x opens it in the hex viewer)", b->read_path);
	}
	take_chip_info(b, bd);
}

static void on_finished(void *user, struct job_group *g, size_t i)
{
	struct bench *b = user;
	const struct job_board *bd = job_group_board(g, i);
	bench_refresh_bauds(b); /* the job may have recorded a baud change */
	if (b->watched[i] >= 0) {
		tui_unwatch_fd(b->ui, b->watched[i]);
		b->watched[i] = -1;
	}
	if (!b->multi) {
		finished_single(b, bd);
		return;
	}
	bench_log(b, bd->result == ED_OK ? 2 : 0, "%s: %s: %s", bd->label,
		  bd->result == ED_OK		   ? "finished"
		  : bd->result == ED_ERR_CANCELLED ? "cancelled"
						   : "FAILED",
		  bd->result_text);
}

/* Several boards, once all finished: the counts and every board that did not pass. */
static void summarise_group(struct bench *b)
{
	struct job_group_counts c;
	job_group_counts(b->group, &c);
	snprintf(b->multi_summary, sizeof b->multi_summary,
		 "%zu passed, %zu failed, %zu "
		 "cancelled of %zu boards",
		 c.passed, c.failed, c.cancelled, c.boards);
	snprintf(b->last_job, sizeof b->last_job, "%s: %s", b->job_title, b->multi_summary);
	bench_log(b, c.failed || c.cancelled ? 1 : 2, "%s", b->last_job);
	for (size_t i = 0; i < c.boards; i++) {
		const struct job_board *bd = job_group_board(b->group, i);
		if (bd->result != ED_OK)
			bench_log(b, 1, "  %s: %s", bd->label, bd->result_text);
	}
}

bool bench_job_running(const struct bench *b)
{
	return b->group && job_group_running(b->group);
}

/* The boards of the job: the checked ports, or the selected one. */
static int add_boards(struct bench *b, bool checked, struct ed_error *err)
{
	if (!checked)
		return job_group_add(b->group, b->spec.port ? b->spec.port : "", NULL, err);
	for (size_t i = 0; i < b->nports; i++)
		if (b->ports[i].checked) {
			int rc = job_group_add(b->group, b->ports[i].spec, b->ports[i].label, err);
			if (rc < 0)
				return rc;
		}
	return ED_OK;
}

static void reset_view(struct bench *b)
{
	b->board_sel = 0;
	b->stage_seconds = 0;
	b->summarised = false;
	b->job_summary[0] = b->multi_summary[0] = '\0';
	b->chip[0][0] = b->chip[1][0] = '\0';
	for (size_t i = 0; i < BENCH_MAX_BOARDS; i++) {
		b->watched[i] = -1;
		b->history[i][0] = '\0';
	}
}

bool bench_job_start(struct bench *b, enum bench_action action, const char *title, bool on_checked)
{
	bench_job_finish(b);
	make_spec(b, action);
	reset_view(b);
	b->action = action;
	b->multi = on_checked;
	static const struct job_group_ops ops = {
	    .event = on_event, .chip = on_chip, .finished = on_finished};
	struct ed_error err = {0};
	int rc = job_group_create(&b->spec, &ops, b, &b->group, &err);
	if (rc == ED_OK)
		rc = add_boards(b, on_checked, &err);
	if (rc < 0 || !job_group_count(b->group)) {
		bench_log(b, 0, "%s: cannot start: %s", title, err.msg[0] ? err.msg : "no board");
		job_group_destroy(b->group);
		b->group = NULL;
		return false;
	}
	size_t n = job_group_count(b->group);
	if (on_checked) {
		snprintf(b->job_title, sizeof b->job_title, "%s on %zu boards", title, n);
		bench_log(b, 2, "== %s (verify %s, boot check %s, journal %s)", b->job_title,
			  bench_setting_value(b, SET_VERIFY), bench_setting_value(b, SET_BOOT),
			  b->journal[0] ? b->journal : "off");
	} else {
		snprintf(b->job_title, sizeof b->job_title, "%s on %s", title, b->spec.port);
		bench_log(b, 2, "== %s (%zu step%s, verify %s)", b->job_title, b->nsteps,
			  b->nsteps == 1 ? "" : "s", b->spec.verify ? "on" : "off");
	}
	job_group_start(b->group);
	for (size_t i = 0; i < n; i++)
		if ((b->watched[i] = job_group_wake_fd(b->group, i)) >= 0)
			tui_watch_fd(b->ui, b->watched[i]);
	tui_push(b->ui, bench_progress_screen(b));
	return true;
}

int bench_job_tick(struct bench *b)
{
	if (!b->group)
		return SCREEN_NONE;
	int flags = job_group_tick(b->group) ? SCREEN_REDRAW : SCREEN_NONE;
	if (job_group_running(b->group)) {
		const struct job_board *bd = job_group_board(b->group, 0);
		if (!b->multi && !bd->prog.total) {
			/* A chip erase counts no bytes: show the seconds going by instead. */
			unsigned secs =
			    (unsigned)((ed_monotonic_us() - bd->stage_since_us) / 1000000);
			if (secs != b->stage_seconds) {
				b->stage_seconds = secs;
				flags |= SCREEN_REDRAW;
			}
			tui_tick_within(b->ui, 250);
		}
		return flags;
	}
	if (b->summarised)
		return flags;
	b->summarised = true;
	if (b->multi)
		summarise_group(b);
	else
		bench_select_preset(b, b->preset_sel); /* files may have changed (a dump) */
	flags |= SCREEN_REDRAW;
	if (b->quit_after_job)
		flags |= SCREEN_QUIT;
	return flags;
}

void bench_job_cancel_board(struct bench *b, size_t i)
{
	const struct job_board *bd = b->group ? job_group_board(b->group, i) : NULL;
	if (!bd || bd->done || bd->cancel_sent)
		return;
	job_group_cancel(b->group, i);
	if (b->multi)
		bench_log(b, 1, "%s: cancel requested", bd->label);
	else
		bench_log(b, 1, "cancel requested: stopping after the current packet");
}

void bench_job_cancel(struct bench *b)
{
	for (size_t i = 0; b->group && i < job_group_count(b->group); i++)
		bench_job_cancel_board(b, i);
}

void bench_job_finish(struct bench *b)
{
	if (!b->group)
		return;
	/* Cancel, then follow the boards to their end so the log and the last job's
	 * outcome (the summary printed on quit) say what was and was not written. */
	job_group_cancel_all(b->group);
	while (job_group_running(b->group)) {
		struct pollfd pfd[BENCH_MAX_BOARDS];
		nfds_t n = 0;
		for (size_t i = 0; i < job_group_count(b->group); i++)
			if (job_group_wake_fd(b->group, i) >= 0)
				pfd[n++] =
				    (struct pollfd){job_group_wake_fd(b->group, i), POLLIN, 0};
		poll(pfd, n, 100);
		job_group_tick(b->group);
	}
	for (size_t i = 0; i < BENCH_MAX_BOARDS; i++)
		if (b->watched[i] >= 0) {
			tui_unwatch_fd(b->ui, b->watched[i]);
			b->watched[i] = -1;
		}
	job_group_destroy(b->group);
	b->group = NULL;
}
