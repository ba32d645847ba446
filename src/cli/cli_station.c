/* SPDX-License-Identifier: MIT
 * `espdeck station PRESET`: the flashing station (app/station.h) on the command line.
 * Two renderers, chosen by where stdout goes, as cli_run.c does:
 *   a terminal: one row per slot redrawn in place under the lines said so far;
 *   a pipe or file: plain lines "[slot] ..." flushed as they happen (--timestamps).
 * Commands: q (or Ctrl-C, SIGTERM) stops after the boards being written finish; a second
 * one cancels them. r (or SIGUSR1) retries failed boards once. From a terminal the keys
 * are read one by one; from a pipe, one command per line ("q", "r"). */
#include "cli/cli.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "app/preset.h"
#include "app/spec.h"
#include "app/station.h"
#include "cli/cli_int.h"
#include "core/sigpipe.h"
#include "core/util.h"
#include "layout/layout.h"

struct srender {
	const struct config *cfg;
	bool tty;
	size_t rows_drawn; /* rows on screen under the lines (terminal) */
	int last_decile[JOB_GROUP_MAX];
};

static const char *slot_name(struct station *st, size_t i)
{
	const struct station_slot *s = station_slot(st, i);
	return s ? s->name : "station";
}

static void clear_rows(struct srender *r)
{
	if (r->tty && r->rows_drawn) {
		printf("\033[%zuA\r\033[J", r->rows_drawn);
		fflush(stdout); /* before a line to stderr lands where the rows were */
		r->rows_drawn = 0;
	}
}

/* One line above the rows (terminal) or in the stream (pipe), flushed. */
static void say(struct srender *r, FILE *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(struct srender *r, FILE *out, const char *fmt, ...)
{
	clear_rows(r);
	if (r->cfg->timestamps)
		cli_print_time(out);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fflush(out);
}

/* One row, cut to the terminal's width: a row that wrapped would throw off the count of
 * lines to go back up over. */
static void row(const char *text)
{
	struct winsize ws;
	int cols = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 80;
	printf("%.*s\n", cols - 1, text);
}

static void draw_rows(struct srender *r, struct station *st)
{
	if (!r->tty)
		return;
	clear_rows(r);
	size_t n = station_slot_count(st);
	for (size_t i = 0; i < n; i++) {
		const struct station_slot *s = station_slot(st, i);
		const struct job_board *b = station_board(st, i);
		char what[160];
		if (s->state == STATION_RUNNING) {
			const struct job_progress *p = &b->prog;
			char bar[21];
			unsigned fill = p->total ? (unsigned)(p->done * 20 / p->total) : 0;
			for (unsigned k = 0; k < 20; k++)
				bar[k] = k < fill ? '#' : '.';
			bar[20] = '\0';
			snprintf(what, sizeof what, "%-7s [%s] %3u%%", b->stage_name, bar,
				 p->total ? (unsigned)(p->done * 100 / p->total) : 0);
		} else {
			snprintf(what, sizeof what, "%-9s %.100s", station_state_name(s->state),
				 s->state == STATION_EMPTY && s->remote ? "waiting for a board"
									: s->text);
		}
		char line[512];
		snprintf(line, sizeof line, "%-28.28s %-17s %s%s", s->name,
			 s->mac[0] ? s->mac : "-", what,
			 !s->remote && !s->present && s->state != STATION_EMPTY ? " (unplugged)"
										: "");
		row(line);
	}
	struct station_counts c;
	station_counts(st, &c);
	char line[256];
	snprintf(line, sizeof line, "%zu passed, %zu skipped, %zu failed, %zu running%s", c.passed,
		 c.skipped, c.failed, c.running,
		 station_stopping(st) ? " | stopping (q again cancels)"
				      : " | q stop, r retry failed");
	row(line);
	r->rows_drawn = n + 1;
	fflush(stdout);
}

/* --- the station's callbacks --------------------------------------------------------- */

static void on_note(void *user, struct station *st, size_t i, const char *text)
{
	struct srender *r = user;
	say(r, stdout, "[%s] %s\n", slot_name(st, i), text);
}

static void on_event(void *user, struct station *st, size_t i, const struct job_event *ev)
{
	struct srender *r = user;
	const char *name = slot_name(st, i);
	bool lines = !r->tty && !r->cfg->quiet;
	switch (ev->kind) {
	case JOB_EVENT_STAGE:
		r->last_decile[i] = -1;
		/* fall through */
	case JOB_EVENT_INFO:
		if (lines)
			say(r, stdout, "[%s] %s\n", name, ev->text);
		break;
	case JOB_EVENT_BOOTLOG:
		if (lines)
			say(r, stdout, "[%s] boot: %s\n", name, ev->text);
		break;
	case JOB_EVENT_LOG:
		if (ev->level <= ED_LOG_WARN)
			say(r, stderr, "[%s] %s: %s\n", name,
			    ev->level == ED_LOG_ERROR ? "error" : "warning", ev->text);
		else if (ev->level == ED_LOG_INFO && lines)
			say(r, stdout, "[%s] %s\n", name, ev->text);
		break;
	case JOB_EVENT_FILE:
		break; /* the "Wrote ..." line says it */
	case JOB_EVENT_RESULT:
		break; /* on_finished says it, with the station's verdict */
	}
}

static void on_finished(void *user, struct station *st, size_t i)
{
	struct srender *r = user;
	const struct station_slot *s = station_slot(st, i);
	switch (s->state) {
	case STATION_PASSED:
		say(r, stdout, "[%s] passed: board %s written\n", s->name, s->mac);
		break;
	case STATION_SKIPPED:
		say(r, stdout, "[%s] %s\n", s->name, s->text);
		break;
	case STATION_CANCELLED:
		say(r, stdout, "[%s] CANCELLED: %s\n", s->name, s->text);
		break;
	default:
		say(r, stdout, "[%s] FAILED: %s (r retries)\n", s->name, s->text);
		break;
	}
}

static void progress_lines(struct srender *r, struct station *st)
{
	if (r->tty || r->cfg->quiet)
		return;
	for (size_t i = 0; i < station_slot_count(st); i++) {
		const struct station_slot *s = station_slot(st, i);
		const struct job_board *b = station_board(st, i);
		const struct job_progress *p = &b->prog;
		if (s->state != STATION_RUNNING || b->done || !p->total || p->done >= p->total)
			continue;
		int decile = (int)(p->done * 10 / p->total);
		if (decile == r->last_decile[i])
			continue;
		r->last_decile[i] = decile;
		say(r, stdout, "[%s] %s %d %%\n", s->name, b->stage_name, decile * 10);
	}
}

/* --- commands from the keyboard, a pipe or a signal ---------------------------------- */

struct input {
	bool tty, eof;
	bool raw; /* the terminal's mode was changed and must be put back */
	struct termios saved;
	char line[64];
	size_t len;
};

static void input_open(struct input *in)
{
	memset(in, 0, sizeof *in);
	in->tty = isatty(STDIN_FILENO);
	if (in->tty && tcgetattr(STDIN_FILENO, &in->saved) == 0) {
		struct termios t = in->saved;
		t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		t.c_cc[VMIN] = 0;
		t.c_cc[VTIME] = 0;
		in->raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
	}
}

static void input_close(struct input *in)
{
	if (in->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &in->saved);
}

/* The next command letter ('q', 'r'), or 0. */
static int input_take(struct input *in)
{
	char buf[64];
	ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		in->eof = true;
		return 0;
	}
	int cmd = 0;
	for (ssize_t k = 0; k < n; k++) {
		char c = buf[k];
		if (in->tty) {
			if (c == 'q' || c == 'Q' || c == 'r' || c == 'R')
				cmd = c | 0x20;
			continue;
		}
		if (c != '\n' && in->len + 1 < sizeof in->line) {
			in->line[in->len++] = c;
			continue;
		}
		in->line[in->len] = '\0';
		if (!strcmp(in->line, "q") || !strcmp(in->line, "quit"))
			cmd = 'q';
		else if (!strcmp(in->line, "r") || !strcmp(in->line, "retry"))
			cmd = 'r';
		in->len = 0;
	}
	return cmd;
}

/* --- the loop ------------------------------------------------------------------------ */

static void stop(struct srender *r, struct station *st)
{
	bool again = station_stopping(st);
	station_stop(st, again);
	say(r, stderr,
	    again ? "espdeck station: cancelling the boards in progress...\n"
		  : "espdeck station: stopping: no new boards; the boards in progress finish "
		    "(q or Ctrl-C again cancels them)\n");
}

static void retry(struct srender *r, struct station *st)
{
	size_t n = station_retry_failed(st);
	if (!n)
		say(r, stdout, "[station] no failed board to retry\n");
}

static int loop(struct srender *r, struct station *st, struct ed_error *err)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGUSR1};
	struct sigpipe sp;
	int rc = sigpipe_open(&sp, sigs, 3, err);
	if (rc < 0)
		return rc;
	struct input in;
	input_open(&in);
	draw_rows(r, st);
	uint64_t last_draw = 0;
	while (!station_done(st)) {
		struct pollfd pfd[JOB_GROUP_MAX + 3];
		nfds_t n = 0;
		pfd[n++] = (struct pollfd){sigpipe_fd(&sp), POLLIN, 0};
		nfds_t in_at = n;
		if (!in.eof)
			pfd[n++] = (struct pollfd){STDIN_FILENO, POLLIN, 0};
		n += station_pollfds(st, pfd + n, JOB_GROUP_MAX + 1);
		int timeout = station_timeout_ms(st);
		if (timeout < 0 || timeout > 100)
			timeout = 100;
		poll(pfd, n, timeout);
		for (int sig; (sig = sigpipe_take(&sp));) {
			if (sig == SIGUSR1)
				retry(r, st);
			else
				stop(r, st);
		}
		if (!in.eof && in_at < n && (pfd[in_at].revents & (POLLIN | POLLHUP))) {
			int cmd = input_take(&in);
			if (cmd == 'q')
				stop(r, st);
			else if (cmd == 'r')
				retry(r, st);
		}
		bool changed = station_tick(st);
		progress_lines(r, st);
		uint64_t now = ed_monotonic_us();
		if (r->tty && (changed || now - last_draw > 200000)) {
			draw_rows(r, st);
			last_draw = now;
		}
	}
	draw_rows(r, st);
	input_close(&in);
	sigpipe_close(&sp);
	return ED_OK;
}

static int summary(struct srender *r, struct station *st)
{
	struct station_counts c;
	station_counts(st, &c);
	clear_rows(r);
	draw_rows(r, st);
	r->rows_drawn = 0;
	printf("Station summary: %zu passed, %zu skipped (already written), %zu failed, %zu "
	       "cancelled\n",
	       c.passed, c.skipped, c.failed, c.cancelled);
	for (size_t i = 0; i < station_slot_count(st); i++) {
		const struct station_slot *s = station_slot(st, i);
		if (s->state == STATION_FAILED || s->state == STATION_CANCELLED)
			printf("  %s: %s: %s\n", s->name, station_state_name(s->state), s->text);
	}
	fflush(stdout);
	return c.failed ? CLI_EXIT_FAIL : c.cancelled ? CLI_EXIT_CANCELLED : CLI_EXIT_OK;
}

/* --- the command --------------------------------------------------------------------- */

struct sargs {
	const char *preset, *fwdir, *watch, *poll;
	const char *ports[CONFIG_MAX_PORTS];
	size_t port_count;
	bool rewrite, no_verify, no_local, no_check_chip;
};

static int usage_error(const char *fmt, const char *what)
{
	fprintf(stderr, "espdeck station: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr,
		"\nusage: espdeck station PRESET [--port URL ...] [--watch DIR] "
		"[--no-local] [--rewrite] [--no-check-chip] [--poll SECONDS] [--firmware-dir D] "
		"[--no-verify]\n");
	return CLI_EXIT_USAGE;
}

static int parse(const struct config *cfg, int argc, char **argv, struct sargs *a)
{
	memset(a, 0, sizeof *a);
	a->fwdir = cfg->firmware_dir;
	/* The global --port list counts; ESPTOOL_PORT does not (it names one board for
	 * esptool's commands, most likely one the watched folder has already). */
	for (size_t i = 0; cfg->source[CONFIG_PORT] == CONFIG_FROM_CMDLINE && i < cfg->port_count;
	     i++)
		a->ports[a->port_count++] = cfg->ports[i];
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		int took;
		if ((took = config_take_value(argc, argv, &i, "port", "-p", &v)) != 0) {
			if (took < 0)
				return usage_error("%s needs a URL", "--port");
			if (a->port_count == CONFIG_MAX_PORTS)
				return usage_error("at most %s ports", "32");
			a->ports[a->port_count++] = v;
		} else if ((took = config_take_value(argc, argv, &i, "watch", NULL, &v)) != 0) {
			if (took < 0)
				return usage_error("%s needs a folder", "--watch");
			a->watch = v;
		} else if ((took = config_take_value(argc, argv, &i, "poll", NULL, &v)) != 0) {
			if (took < 0)
				return usage_error("%s needs seconds", "--poll");
			a->poll = v;
		} else if ((took = config_take_value(argc, argv, &i, "firmware-dir", NULL, &v)) !=
			   0) {
			if (took < 0)
				return usage_error("%s needs a folder", "--firmware-dir");
			a->fwdir = v;
		} else if (config_is_flag(argv[i], "rewrite")) {
			a->rewrite = true;
		} else if (config_is_flag(argv[i], "no_check_chip")) {
			a->no_check_chip = true;
		} else if (config_is_flag(argv[i], "no-verify")) {
			a->no_verify = true;
		} else if (config_is_flag(argv[i], "no-local")) {
			a->no_local = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return usage_error("unknown option '%s'", argv[i]);
		} else if (a->preset) {
			return usage_error("one preset at a time ('%s' given twice)", argv[i]);
		} else {
			a->preset = argv[i];
		}
	}
	if (!a->preset)
		return usage_error("%s", "needs a preset name; 'espdeck layouts' lists them");
	if (a->no_local && !a->port_count)
		return usage_error("%s", "--no-local needs at least one --port");
	return CLI_EXIT_OK;
}

static int run_station(const struct config *cfg, const struct sargs *a, const struct layout *l,
		       const struct layout_files *files)
{
	struct job_step steps[APP_PRESET_MAX_STEPS];
	struct job_spec spec;
	app_preset_spec(cfg, l, !a->no_verify, &spec);
	spec.steps = steps;
	spec.step_count = app_preset_steps(l, files, NULL, steps);
	spec.trace_path = NULL;
	/* a station's boards get the whole-chip check (issue 11): nothing outside the files */
	spec.chip_check = !a->no_check_chip;
	char jpath[4096];
	spec.journal_path = app_journal_for(cfg, &spec, jpath, sizeof jpath);
	if (!spec.step_count) {
		fprintf(stderr, "espdeck station: preset %s has nothing to write\n", l->name);
		return CLI_EXIT_FAIL;
	}
	struct station_options opt = {.watch_dir = a->watch,
				      .watch_given = a->watch != NULL,
				      .no_local = a->no_local,
				      .ports = a->ports,
				      .port_count = a->port_count,
				      .rewrite = a->rewrite};
	if (a->poll) {
		char *end;
		double s = strtod(a->poll, &end);
		if (*end || !(s >= 0.1 && s <= 3600))
			return usage_error("--poll '%s': give seconds from 0.1 to 3600", a->poll);
		opt.poll_ms = (uint32_t)(s * 1000);
	}
	struct srender r = {.cfg = cfg, .tty = isatty(STDOUT_FILENO) && !cfg->quiet};
	for (size_t i = 0; i < JOB_GROUP_MAX; i++)
		r.last_decile[i] = -1;
	const struct station_ops ops = {
	    .note = on_note, .event = on_event, .finished = on_finished};
	struct station *st = NULL;
	struct ed_error err = {0};
	if (station_create(&spec, &opt, &ops, &r, &st, &err) < 0) {
		fprintf(stderr, "espdeck station: %s\n", err.msg);
		return err.code == ED_ERR_ARG ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
	}
	const char *dir = station_watch_dir(st);
	say(&r, stdout, "Station: preset %s on every new board; %s%s%s%zu remote port%s\n", l->name,
	    dir[0] ? "watching " : "", dir, dir[0] ? ", " : "", a->port_count,
	    a->port_count == 1 ? "" : "s");
	if (!spec.journal_path)
		say(&r, stderr,
		    "espdeck station: warning: no journal: boards written before are not "
		    "recognised and nothing is recorded\n");
	else
		say(&r, stdout, "Journal: %s%s\n", spec.journal_path,
		    a->rewrite ? " (--rewrite: boards written before are written again)" : "");
	say(&r, stdout, "q or Ctrl-C stops, r (or SIGUSR1) retries failed boards\n");
	int rc = loop(&r, st, &err);
	if (rc < 0)
		fprintf(stderr, "espdeck station: %s\n", err.msg);
	rc = rc < 0 ? CLI_EXIT_FAIL : summary(&r, st);
	station_destroy(st);
	return rc;
}

int cmd_station(const struct config *cfg, int argc, char **argv)
{
	struct sargs a;
	int rc = parse(cfg, argc, argv, &a);
	if (rc != CLI_EXIT_OK)
		return rc;
	struct layout *l = calloc(1, sizeof *l);
	struct layout_report *rep = calloc(1, sizeof *rep);
	struct layout_files *files = calloc(1, sizeof *files);
	bool files_ok = false;
	rc = CLI_EXIT_FAIL;
	if (!l || !rep || !files || !cli_layout_load(a.preset, a.fwdir, l, rep, files, &files_ok))
		goto out;
	if (!files_ok) {
		cli_layout_print_diags(stderr, l, rep);
		fprintf(stderr, "espdeck station: preset %s is not ready (%zu problem%s above)\n",
			l->name, rep->errors, rep->errors == 1 ? "" : "s");
		goto out;
	}
	rc = run_station(cfg, &a, l, files);
out:
	if (files)
		layout_files_finish(files);
	free(files);
	free(rep);
	free(l);
	return rc;
}
