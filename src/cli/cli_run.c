/* SPDX-License-Identifier: MIT
 * Every board command's job runs here, through the one runner (job/job_group.h) on one
 * board or many, with one of two renderers chosen by where stdout goes:
 *   a terminal: esptool-style lines and a progress bar redrawn in place (one board), or
 *               one row per board redrawn in place (several boards);
 *   a pipe or file: plain lines, each flushed as it happens, so a reader sees progress
 *               while the job runs; with --timestamps each line starts with the time.
 * With --log FILE every line is also appended to FILE after an ISO 8601 local time with
 * milliseconds (plain lines, also for what a terminal shows redrawn in place).
 * Several boards also get a summary. Ctrl-C cancels every board (the runner's signal
 * pipe) and the exit code says what happened (app/exit.h). */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_int.h"
#include "app/portpick.h"
#include "core/util.h"
#include "job/job_group.h"

struct render {
	const struct config *cfg;
	const struct job_spec *spec;
	bool multi;	 /* --port twice or all: lines prefixed with the port */
	bool tty;	 /* stdout is a terminal: bars and rows redrawn in place */
	bool bar_open;	 /* one board: a \r progress line is on screen */
	bool rows_drawn; /* several boards: the rows are on screen */
	FILE *log;	 /* --log FILE, or NULL */
	uint64_t last_draw_us;
	int last_decile[JOB_GROUP_MAX];
};

/* --- plain lines --------------------------------------------------------------------- */

void cli_print_time(FILE *out)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	localtime_r(&tv.tv_sec, &tm);
	fprintf(out, "%02d:%02d:%02d.%03d ", tm.tm_hour, tm.tm_min, tm.tm_sec,
		(int)(tv.tv_usec / 1000));
}

/* One line to out, with the time in front when asked for, flushed at once. */
static void emit(const struct render *r, FILE *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void emit(const struct render *r, FILE *out, const char *fmt, ...)
{
	if (r->cfg->timestamps)
		cli_print_time(out);
	va_list ap;
	va_start(ap, fmt);
	if (r->log) {
		va_list copy;
		va_copy(copy, ap);
		char when[40];
		fprintf(r->log, "%s ", ed_iso_time_ms(when, sizeof when));
		vfprintf(r->log, fmt, copy);
		fflush(r->log);
		va_end(copy);
	}
	vfprintf(out, fmt, ap);
	va_end(ap);
	fflush(out);
}

/* What a terminal shows redrawn in place goes to --log as plain lines. */
static void log_only(const struct render *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void log_only(const struct render *r, const char *fmt, ...)
{
	if (!r->log)
		return;
	char when[40];
	fprintf(r->log, "%s ", ed_iso_time_ms(when, sizeof when));
	va_list ap;
	va_start(ap, fmt);
	vfprintf(r->log, fmt, ap);
	va_end(ap);
	fflush(r->log);
}

static void end_bar(struct render *r)
{
	if (r->bar_open) {
		fputc('\n', stdout);
		r->bar_open = false;
	}
}

static const char *verb(enum job_stage st)
{
	switch (st) {
	case JOB_STAGE_ERASE:
		return "Erasing";
	case JOB_STAGE_WRITE:
		return "Writing";
	case JOB_STAGE_VERIFY:
		return "Verifying";
	case JOB_STAGE_READ:
		return "Reading";
	case JOB_STAGE_STUB:
		return "Uploading stub";
	default:
		return "Working";
	}
}

static void fmt_eta(char *buf, size_t cap, double s)
{
	if (s < 0)
		snprintf(buf, cap, "--:--");
	else
		snprintf(buf, cap, "%u:%02u", (unsigned)(s / 60), (unsigned)s % 60);
}

/* --- one board: esptool-style lines -------------------------------------------------- */

static void single_progress(struct render *r, const struct job_board *b)
{
	const struct job_progress *p = &b->prog;
	if (r->cfg->quiet || p->total == 0 || b->done)
		return;
	if (p->stage != JOB_STAGE_ERASE && p->stage != JOB_STAGE_WRITE &&
	    p->stage != JOB_STAGE_VERIFY && p->stage != JOB_STAGE_READ)
		return;
	uint32_t base =
	    p->step_index < r->spec->step_count ? r->spec->steps[p->step_index].offset : 0;
	unsigned pct = (unsigned)(p->done * 100 / p->total);
	char done[24], total[24], rate[24], eta[16];
	ed_format_size(done, sizeof done, p->done);
	ed_format_size(total, sizeof total, p->total);
	ed_format_size(rate, sizeof rate, (uint64_t)p->rate_bps);
	fmt_eta(eta, sizeof eta, p->eta_s);
	if (r->tty) {
		if ((int)(pct / 10) != r->last_decile[0]) {
			r->last_decile[0] = (int)(pct / 10);
			log_only(r, "%s at 0x%08x... (%u %%) %s of %s, %s/s, ETA %s\n",
				 verb(p->stage), base + (uint32_t)p->done, pct, done, total, rate,
				 eta);
		}
		uint64_t now = ed_monotonic_us();
		if (p->done < p->total && now - r->last_draw_us < 100000)
			return; /* about 10 redraws a second are plenty */
		r->last_draw_us = now;
		char bar[31];
		unsigned fill = (unsigned)(p->done * 30 / p->total);
		for (unsigned i = 0; i < 30; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[30] = '\0';
		printf("\r%s at 0x%08x [%s] %3u%% %s/%s %s/s ETA %s  ", verb(p->stage),
		       base + (uint32_t)p->done, bar, pct, done, total, rate, eta);
		fflush(stdout);
		r->bar_open = true;
		return;
	}
	int decile = (int)(pct / 10);
	if (decile == r->last_decile[0])
		return;
	r->last_decile[0] = decile;
	emit(r, stdout, "%s at 0x%08x... (%u %%) %s of %s, %s/s, ETA %s\n", verb(p->stage),
	     base + (uint32_t)p->done, pct, done, total, rate, eta);
}

static void single_event(struct render *r, const struct job_event *ev)
{
	bool quiet = r->cfg->quiet;
	if (ev->kind != JOB_EVENT_LOG || ev->level < ED_LOG_DEBUG || r->cfg->verbose)
		end_bar(r);
	switch (ev->kind) {
	case JOB_EVENT_STAGE:
		r->last_decile[0] = -1;
		/* fall through */
	case JOB_EVENT_INFO:
		if (!quiet)
			emit(r, stdout, "%s\n", ev->text);
		break;
	case JOB_EVENT_LOG:
		if (ev->level >= ED_LOG_DEBUG && r->cfg->verbose == 0)
			break;
		if (ev->level <= ED_LOG_WARN)
			emit(r, stderr, "%s: %s\n", ev->level == ED_LOG_ERROR ? "error" : "warning",
			     ev->text);
		else if (ev->level == ED_LOG_INFO && !quiet)
			emit(r, stdout, "%s\n", ev->text);
		else if (ev->level > ED_LOG_INFO)
			emit(r, stderr, "debug: %s\n", ev->text);
		break;
	case JOB_EVENT_BOOTLOG:
		if (!quiet)
			emit(r, stdout, "%s%s%s\n", ev->text, ev->explain[0] ? "    # " : "",
			     ev->explain);
		break;
	case JOB_EVENT_RESULT:
		if (ev->result != ED_OK)
			emit(r, stderr, "espdeck: error: %s\n", ev->text);
		break;
	case JOB_EVENT_FILE:
		break; /* the "Wrote ..." line said it */
	}
}

/* --- several boards: lines prefixed with the port, or rows --------------------------- */

static void multi_event(struct render *r, const struct job_board *b, size_t i,
			const struct job_event *ev)
{
	bool lines = !r->tty && !r->cfg->quiet;
	switch (ev->kind) {
	case JOB_EVENT_STAGE:
		r->last_decile[i] = -1;
		/* fall through */
	case JOB_EVENT_INFO:
		if (lines)
			emit(r, stdout, "[%s] %s\n", b->port, ev->text);
		break;
	case JOB_EVENT_BOOTLOG:
		if (lines)
			emit(r, stdout, "[%s] boot: %s%s%s\n", b->port, ev->text,
			     ev->explain[0] ? "    # " : "", ev->explain);
		break;
	case JOB_EVENT_FILE:
		break; /* the "Wrote ..." line says it */
	case JOB_EVENT_LOG:
		if (ev->level <= ED_LOG_WARN)
			emit(r, stderr, "[%s] %s: %s\n", b->port,
			     ev->level == ED_LOG_ERROR ? "error" : "warning", ev->text);
		else if (ev->level == ED_LOG_INFO && lines)
			emit(r, stdout, "[%s] %s\n", b->port, ev->text);
		break;
	case JOB_EVENT_RESULT: {
		const char *what = ev->result == ED_OK		    ? "passed"
				   : ev->result == ED_ERR_CANCELLED ? "CANCELLED: "
								    : "FAILED: ";
		const char *why = ev->result == ED_OK ? "" : ev->text;
		if (!r->tty)
			emit(r, stdout, "[%s] %s%s\n", b->port, what, why);
		else
			log_only(r, "[%s] %s%s\n", b->port, what, why);
		break;
	}
	}
}

/* Plain output: a line per board at every tenth of a step. */
static void multi_progress_line(struct render *r, const struct job_board *b, size_t i)
{
	const struct job_progress *p = &b->prog;
	if (b->done || p->total == 0 || p->done >= p->total)
		return;
	int decile = (int)(p->done * 10 / p->total);
	if (decile == r->last_decile[i])
		return;
	r->last_decile[i] = decile;
	emit(r, stdout, "[%s] %s %d %%\n", b->port, b->stage_name, decile * 10);
}

/* Terminal output: one row per board, redrawn in place. */
static void multi_rows(struct render *r, struct job_group *g)
{
	size_t n = job_group_count(g);
	if (r->rows_drawn)
		printf("\033[%zuA", n);
	r->rows_drawn = true;
	for (size_t i = 0; i < n; i++) {
		const struct job_board *b = job_group_board(g, i);
		const struct job_progress *p = &b->prog;
		char bar[21];
		unsigned fill = p->total ? (unsigned)(p->done * 20 / p->total) : 0;
		for (unsigned k = 0; k < 20; k++)
			bar[k] = k < fill ? '#' : '.';
		bar[20] = '\0';
		char rate[24];
		ed_format_size(rate, sizeof rate, (uint64_t)p->rate_bps);
		if (b->done)
			printf("\r\033[K%-24.24s %s %.50s\n", b->port,
			       b->result == ED_OK	       ? "passed"
			       : b->result == ED_ERR_CANCELLED ? "CANCELLED"
							       : "FAILED",
			       b->result == ED_OK ? "" : b->result_text);
		else
			printf("\r\033[K%-24.24s %-7s [%s] %3u%% %s/s ETA %.0fs\n", b->port,
			       b->stage_name, bar,
			       p->total ? (unsigned)(p->done * 100 / p->total) : 0, rate,
			       p->eta_s < 0 ? 0.0 : p->eta_s);
	}
	fflush(stdout);
}

static int multi_summary(const struct render *r, struct job_group *g)
{
	struct job_group_counts c;
	job_group_counts(g, &c);
	emit(r, stdout, "Summary: %zu passed, %zu failed, %zu cancelled (of %zu boards)\n",
	     c.passed, c.failed, c.cancelled, c.boards);
	for (size_t i = 0; i < c.boards; i++) {
		const struct job_board *b = job_group_board(g, i);
		if (b->result != ED_OK)
			emit(r, stdout, "  %s: %s: %s\n", b->port,
			     b->result == ED_ERR_CANCELLED ? "cancelled" : "failed",
			     b->result_text);
	}
	return c.failed ? CLI_EXIT_FAIL : c.cancelled ? CLI_EXIT_CANCELLED : CLI_EXIT_OK;
}

/* --- the runner's callbacks ---------------------------------------------------------- */

static void on_event(void *user, struct job_group *g, size_t i, const struct job_event *ev)
{
	struct render *r = user;
	if (r->multi)
		multi_event(r, job_group_board(g, i), i, ev);
	else
		single_event(r, ev);
}

static void on_finished(void *user, struct job_group *g, size_t i)
{
	struct render *r = user;
	const struct job_board *b = job_group_board(g, i);
	if (b->start_failed && !r->multi)
		emit(r, stderr, "espdeck: error: %s\n", b->result_text);
}

static void on_progress(void *user, struct job_group *g)
{
	struct render *r = user;
	if (!r->multi) {
		single_progress(r, job_group_board(g, 0));
		return;
	}
	if (r->tty) {
		multi_rows(r, g);
		return;
	}
	if (r->cfg->quiet)
		return;
	for (size_t i = 0; i < job_group_count(g); i++)
		multi_progress_line(r, job_group_board(g, i), i);
}

static void on_interrupted(void *user, struct job_group *g)
{
	struct render *r = user;
	end_bar(r);
	emit(r, stderr, "espdeck: interrupted, stopping %safter %s current packet...\n",
	     r->multi ? "every board " : "", r->multi ? "its" : "the");
}

/* The group's boards: every --port (all expanded), or the spec's own port. */
static int add_boards(const struct config *cfg, const struct job_spec *spec, struct job_group *g)
{
	struct ed_error err;
	int rc = ED_OK;
	if (app_is_multi(cfg))
		rc = job_group_add_ports(g, cfg->ports, cfg->port_count, &err);
	else
		rc = job_group_add(g, spec->port ? spec->port : "", NULL, &err);
	if (rc == ED_OK)
		return CLI_EXIT_OK;
	fprintf(stderr, "espdeck: %s\n", err.msg);
	return rc == ED_ERR_NOTFOUND ? CLI_EXIT_CONNECT
	       : rc == ED_ERR_ARG    ? CLI_EXIT_USAGE
				     : CLI_EXIT_FAIL;
}

static int exit_code(const struct render *r, struct job_group *g)
{
	if (r->multi)
		return multi_summary(r, g);
	const struct job_board *b = job_group_board(g, 0);
	if (b->start_failed)
		return CLI_EXIT_FAIL;
	return app_exit_of(b->result, b->stage);
}

int cli_run_job(const struct config *cfg, const struct job_spec *spec_in, struct chip_info *info)
{
	if (info)
		memset(info, 0, sizeof *info);
	if (app_require_port(cfg, NULL) != APP_EXIT_OK)
		return CLI_EXIT_USAGE;
	char jpath[4096];
	struct job_spec spec = *spec_in;
	spec.journal_path = app_journal_for(cfg, spec_in, jpath, sizeof jpath);
	struct render r = {
	    .cfg = cfg, .spec = &spec, .multi = app_is_multi(cfg), .tty = isatty(STDOUT_FILENO)};
	if (r.multi)
		r.tty = r.tty && !cfg->quiet;
	for (size_t i = 0; i < JOB_GROUP_MAX; i++)
		r.last_decile[i] = -1;
	const struct job_group_ops ops = {.event = on_event,
					  .finished = on_finished,
					  .progress = on_progress,
					  .interrupted = on_interrupted};
	struct job_group *g = NULL;
	struct ed_error err;
	if (cfg->log_path && !(r.log = fopen(cfg->log_path, "a"))) {
		fprintf(stderr, "espdeck: --log %s: cannot open it for appending: %s\n",
			cfg->log_path, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	if (job_group_create(&spec, &ops, &r, &g, &err) < 0) {
		fprintf(stderr, "espdeck: error: %s\n", err.msg);
		if (r.log)
			fclose(r.log);
		return CLI_EXIT_FAIL;
	}
	int rc = add_boards(cfg, &spec, g);
	if (rc != CLI_EXIT_OK) {
		job_group_destroy(g);
		if (r.log)
			fclose(r.log);
		return rc;
	}
	if (r.multi && !cfg->quiet)
		emit(&r, stdout, "Running on %zu boards at once\n", job_group_count(g));
	job_group_start(g);
	if (r.multi && r.tty)
		multi_rows(&r, g);
	if (job_group_run(g, 100, &err) < 0) {
		fprintf(stderr, "espdeck: error: %s\n", err.msg);
		job_group_destroy(g);
		if (r.log)
			fclose(r.log);
		return CLI_EXIT_FAIL;
	}
	end_bar(&r);
	rc = exit_code(&r, g);
	const struct job_board *b = job_group_board(g, 0);
	if (info && !r.multi && b->have_chip)
		*info = b->chip;
	job_group_destroy(g);
	if (r.log)
		fclose(r.log);
	return rc;
}
