/* SPDX-License-Identifier: MIT
 * Jobs from the bench: starting one (signals blocked in the worker), taking its events
 * into the log pane and the progress state, cancelling, and the progress screen that
 * shows the steps with a bar, bytes, rate and ETA, then what was and was not written. */
#include <curses.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "app/spec.h"
#include "core/util.h"
#include "tui/bench.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/format.h"
#include "tui/tui_int.h"

#define KEY_ESC 27

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
		fprintf(b->tee, "%s: %s\n", names[level >= 0 && level < 5 ? level : 2], line);
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

/* --- jobs -------------------------------------------------------------------------- */

bool bench_job_running(const struct bench *b)
{
	return b->job && !b->job_done;
}

bool bench_start_job(struct bench *b, enum bench_action action, const char *title)
{
	struct job_spec spec;
	if (b->job)
		bench_job_finish(b);
	app_job_spec(&b->run_cfg, &spec);
	if (action == ACT_WRITE || action == ACT_VERIFY) {
		spec.flash_mode = bench_setting_value(b, SET_MODE);
		spec.flash_size = bench_setting_value(b, SET_SIZE);
		spec.flash_freq = bench_setting_value(b, SET_FREQ);
	}
	spec.verify = action == ACT_WRITE && !strcmp(bench_setting_value(b, SET_VERIFY), "on");
	if (action == ACT_WRITE)
		bench_spec_extras(b, &spec);
	spec.steps = b->steps;
	spec.step_count = b->nsteps;
	/* The worker inherits the signal mask: keep SIGWINCH/SIGINT/SIGTERM for the UI
	 * thread, which turns them into self-pipe bytes (style.md). */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGWINCH);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	struct ed_error err = {0};
	int rc = job_start(&spec, &b->job, &err);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc < 0) {
		b->job = NULL;
		bench_log(b, 0, "%s: cannot start: %s", title, err.msg);
		return false;
	}
	b->action = action;
	snprintf(b->job_title, sizeof b->job_title, "%s on %s", title, spec.port);
	b->job_done = b->cancel_sent = false;
	b->history_seen = false;
	b->job_verify = spec.verify;
	b->stage_since_us = ed_monotonic_us();
	b->stage_seconds = 0;
	b->job_result = ED_OK;
	b->job_result_text[0] = b->job_summary[0] = '\0';
	b->chip[0][0] = b->chip[1][0] = '\0';
	b->step_cur = 0;
	memset(b->step_started, 0, sizeof b->step_started);
	memset(&b->prog, 0, sizeof b->prog);
	b->prog.step_count = b->nsteps;
	b->prog.eta_s = -1;
	bench_log(b, 2, "== %s (%zu step%s, verify %s)", b->job_title, b->nsteps,
		  b->nsteps == 1 ? "" : "s", spec.verify ? "on" : "off");
	tui_watch_fd(b->ui, job_wake_fd(b->job));
	tui_push(b->ui, bench_progress_screen(b));
	return true;
}

/* "written: boot, user1; interrupted: user2; not written: blank" for a write that did
 * not finish, from the steps the job reported starting. */
static void summarise(struct bench *b)
{
	char done[256] = "", cut[128] = "", todo[256] = "";
	bool ok = b->job_result == ED_OK;
	for (size_t i = 0; i < b->nsteps; i++) {
		if (b->steps[i].kind != JOB_STEP_WRITE)
			continue;
		const char *name = b->steps[i].name;
		char *dst = todo;
		size_t cap = sizeof todo;
		if (ok || (b->step_started[i] && i < b->step_cur)) {
			dst = done;
			cap = sizeof done;
		} else if (b->step_started[i]) {
			dst = cut;
			cap = sizeof cut;
		}
		size_t len = strlen(dst);
		snprintf(dst + len, cap - len, "%s%s", len ? ", " : "", name);
	}
	snprintf(b->job_summary, sizeof b->job_summary, "written: %s; interrupted: %s; "
		 "not written: %s", done[0] ? done : "nothing", cut[0] ? cut : "none",
		 todo[0] ? todo : "none");
}

static void take_event(struct bench *b, const struct job_event *ev)
{
	switch (ev->kind) {
	case JOB_EVENT_STAGE:
		b->stage_since_us = ed_monotonic_us();
		b->stage_seconds = 0;
		if (ev->step_index < b->nsteps) {
			b->step_started[ev->step_index] = true;
			if (ev->step_index > b->step_cur)
				b->step_cur = ev->step_index;
		}
		bench_log(b, 2, "[%s] %s", job_stage_name(ev->stage), ev->text);
		break;
	case JOB_EVENT_LOG:
		if (ev->level <= ED_LOG_INFO || b->cfg->verbose)
			bench_log(b, (int)ev->level, "%s", ev->text);
		break;
	case JOB_EVENT_INFO:
		bench_log(b, 2, "%s", ev->text);
		break;
	case JOB_EVENT_BOOTLOG:
		if (ev->explain[0])
			bench_log(b, 2, "[boot] %s  (%s)", ev->text, ev->explain);
		else
			bench_log(b, 2, "[boot] %s", ev->text);
		break;
	case JOB_EVENT_RESULT:
		b->job_done = true;
		b->job_result = ev->result;
		snprintf(b->job_result_text, sizeof b->job_result_text, "%s", ev->text);
		if (b->action == ACT_WRITE) {
			summarise(b);
			bench_log(b, ev->result == ED_OK ? 2 : 1, "%s", b->job_summary);
		}
		snprintf(b->last_job, sizeof b->last_job, "%s %s: %s", b->job_title,
			 ev->result == ED_OK ? "finished" :
			 ev->result == ED_ERR_CANCELLED ? "cancelled" : "FAILED",
			 ev->text[0] ? ev->text : ed_strerror(ev->result));
		bench_log(b, ev->result == ED_OK ? 2 : 0, "%s", b->last_job);
		if (b->action == ACT_READ && ev->result == ED_OK) {
			snprintf(b->last_dump, sizeof b->last_dump, "%s", b->read_path);
			bench_log(b, 2, "dump saved as %s (x opens it in the hex viewer)", b->read_path);
		}
		break;
	}
}

/* Chip, MAC, flash id and size for the progress view (and the log) of a finished job. */
static void take_chip_info(struct bench *b)
{
	struct chip_info c;
	if (!job_get_chip_info(b->job, &c))
		return;
	char size[24];
	snprintf(b->chip[0], sizeof b->chip[0], "chip %s (%s), crystal %u MHz, MAC "
		 "%02x:%02x:%02x:%02x:%02x:%02x", c.name, c.features, c.crystal_mhz, c.mac[0],
		 c.mac[1], c.mac[2], c.mac[3], c.mac[4], c.mac[5]);
	snprintf(b->chip[1], sizeof b->chip[1], "flash id 0x%06x, flash size %s, chip id 0x%06x",
		 c.flash_id, c.flash_size ? ed_format_size(size, sizeof size, c.flash_size) :
		 "unknown", c.chip_id);
	if (b->action == ACT_INFO) {
		bench_log(b, 2, "%s", b->chip[0]);
		bench_log(b, 2, "%s", b->chip[1]);
	}
}

/* A written board's history from the journal, as soon as DETECT found its MAC: the job
 * appends its own line only at its end, so the lookup sees only earlier jobs. */
static void take_history(struct bench *b)
{
	struct chip_info c;
	if (b->history_seen || b->action != ACT_WRITE || !job_get_chip_info(b->job, &c))
		return;
	b->history_seen = true;
	char mac[18], history[160];
	snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", c.mac[0], c.mac[1], c.mac[2],
		 c.mac[3], c.mac[4], c.mac[5]);
	bench_history(b, mac, history, sizeof history);
	bench_log(b, 2, "MAC %s: %s", mac, history);
}

int bench_job_tick(struct bench *b)
{
	if (!b->job)
		return SCREEN_NONE;
	int flags = SCREEN_NONE;
	job_drain_wake(b->job);
	struct job_event ev;
	while (job_next_event(b->job, &ev)) {
		take_event(b, &ev);
		flags |= SCREEN_REDRAW;
	}
	if (!b->job_done) {
		take_history(b);
		struct job_progress p;
		job_get_progress(b->job, &p);
		if (p.total == 0 && b->prog.total > 0 && p.stage >= JOB_STAGE_RESET) {
			/* Keep the last bar on screen through reset instead of "0 B / 0 B". */
			p.done = b->prog.total;
			p.total = b->prog.total;
			p.rate_bps = b->prog.rate_bps;
			p.eta_s = 0;
		}
		if (memcmp(&p, &b->prog, sizeof p)) {
			b->prog = p;
			flags |= SCREEN_REDRAW;
		}
		if (!p.total) {
			/* A chip erase counts no bytes: show the seconds going by instead. */
			unsigned secs = (unsigned)((ed_monotonic_us() - b->stage_since_us) / 1000000);
			if (secs != b->stage_seconds) {
				b->stage_seconds = secs;
				flags |= SCREEN_REDRAW;
			}
			tui_tick_within(b->ui, 250);
		}
	} else {
		tui_unwatch_fd(b->ui, job_wake_fd(b->job));
		take_chip_info(b);
		if (b->action == ACT_WRITE && b->job_result == ED_OK)
			b->prog.done = b->prog.total; /* the last event may beat the last progress */
		job_wait(b->job, NULL);
		job_destroy(b->job);
		b->job = NULL;
		if (b->quit_after_job)
			flags |= SCREEN_QUIT;
		bench_select_preset(b, b->preset_sel); /* files may have changed (a dump) */
	}
	return flags;
}

void bench_job_cancel(struct bench *b)
{
	if (!bench_job_running(b) || b->cancel_sent)
		return;
	job_cancel(b->job);
	b->cancel_sent = true;
	bench_log(b, 1, "cancel requested: stopping after the current packet");
}

void bench_job_finish(struct bench *b)
{
	if (!b->job)
		return;
	job_cancel(b->job);
	tui_unwatch_fd(b->ui, job_wake_fd(b->job));
	job_wait(b->job, NULL);
	struct job_event ev;
	while (job_next_event(b->job, &ev))
		take_event(b, &ev);
	job_destroy(b->job);
	b->job = NULL;
	b->job_done = true;
}

/* --- progress screen --------------------------------------------------------------- */

static const char *step_text(const struct bench *b, size_t i, char *buf, size_t cap)
{
	const struct job_step *s = &b->steps[i];
	switch (s->kind) {
	case JOB_STEP_INFO: snprintf(buf, cap, "connect and read chip info"); break;
	case JOB_STEP_ERASE_CHIP: snprintf(buf, cap, "erase the whole chip"); break;
	case JOB_STEP_ERASE_REGION:
		snprintf(buf, cap, "erase 0x%06x +0x%x (%s)", s->offset, s->size, s->name);
		break;
	case JOB_STEP_WRITE:
		snprintf(buf, cap, "write %s @0x%06x (%u B)", s->name, s->offset, s->size);
		break;
	case JOB_STEP_VERIFY: snprintf(buf, cap, "verify %s @0x%06x", s->name, s->offset); break;
	case JOB_STEP_READ:
		snprintf(buf, cap, "read 0x%06x +0x%x -> %s", s->offset, s->size, s->path);
		break;
	}
	return buf;
}

/* The stages in order, the current one highlighted: connect, erase, write i/n, verify,
 * reset (a job's steps pass through them; read and info jobs skip some). */
static void draw_stages(const struct bench *b, int y, int x, int w)
{
	static const enum job_stage write[] = {JOB_STAGE_CONNECT, JOB_STAGE_ERASE,
					       JOB_STAGE_WRITE, JOB_STAGE_VERIFY, JOB_STAGE_RESET};
	static const enum job_stage read[] = {JOB_STAGE_CONNECT, JOB_STAGE_READ, JOB_STAGE_RESET};
	static const enum job_stage verify[] = {JOB_STAGE_CONNECT, JOB_STAGE_VERIFY,
						JOB_STAGE_RESET};
	static const enum job_stage erase[] = {JOB_STAGE_CONNECT, JOB_STAGE_ERASE,
					       JOB_STAGE_RESET};
	static const enum job_stage info[] = {JOB_STAGE_CONNECT, JOB_STAGE_RESET};
	const enum job_stage *order = write;
	size_t count = 5;
	switch (b->action) {
	case ACT_READ: order = read, count = 3; break;
	case ACT_VERIFY: order = verify, count = 3; break;
	case ACT_ERASE: order = erase, count = 3; break;
	case ACT_INFO: order = info, count = 2; break;
	default: break;
	}
	enum job_stage cur = b->job_done ? JOB_STAGE_DONE : b->prog.stage;
	if (cur == JOB_STAGE_DETECT)
		cur = JOB_STAGE_CONNECT;
	int col = x;
	for (size_t i = 0; i < count; i++) {
		char text[48];
		if (order[i] == JOB_STAGE_WRITE && cur == JOB_STAGE_WRITE)
			snprintf(text, sizeof text, "write %zu/%zu", b->step_cur + 1, b->nsteps);
		else
			snprintf(text, sizeof text, "%s", job_stage_name(order[i]));
		int len = (int)strlen(text);
		if (col + len + 3 > x + w)
			break;
		int role = order[i] == cur ? ROLE_SELECTED : order[i] < cur ? ROLE_OK : ROLE_DIM;
		tui_put(y, col, len, tui_attr(role), text);
		col += len;
		if (i + 1 < count)
			tui_put(y, col, 3, tui_attr(ROLE_DIM), " > ");
		col += 3;
	}
}

/* A window of rows of the step list that keeps the current step in view. */
static void draw_steps(const struct bench *b, int y, int x, int w, int rows)
{
	size_t first = b->step_cur >= (size_t)rows ? b->step_cur - (size_t)rows + 1 : 0;
	for (int r = 0; r < rows && first + (size_t)r < b->nsteps; r++) {
		size_t i = first + (size_t)r;
		char text[160], line[200];
		bool done = b->job_done ? (b->job_result == ED_OK || i < b->step_cur)
					: i < b->step_cur;
		bool cur = !done && i == b->step_cur && b->step_started[i];
		snprintf(line, sizeof line, "%s %zu/%zu %s", done ? "[x]" : cur ? "[>]" : "[ ]", i + 1,
			 b->nsteps, step_text(b, i, text, sizeof text));
		tui_put(y + r, x, w, tui_attr(done ? ROLE_OK : cur ? ROLE_SELECTED : ROLE_DIM), line);
	}
}

static void progress_draw(struct screen *s, struct tui *ui)
{
	struct bench *b = s->state;
	int w = COLS - 4 < 76 ? COLS - 4 : 76;
	int list = (int)b->nsteps < 8 ? (int)b->nsteps : 8;
	int h = list + 11;
	int y = 1, x = (COLS - w) / 2;
	tui_box(y, x, h, w, b->job_title, true);
	draw_steps(b, y + 1, x + 2, w - 4, list);
	draw_stages(b, y + 1 + list, x + 2, w - 4);
	int row = y + 2 + list;
	char bar[128], line[1024];
	int bw = w - 4;
	tui_fmt_bar(bar, (size_t)bw, b->prog.done, b->prog.total);
	int split = 0;
	while (split < bw && bar[split] == '#')
		split++;
	tui_put(row, x + 2, split, tui_attr(ROLE_BAR_DONE), bar);
	tui_put(row, x + 2 + split, bw - split, tui_attr(ROLE_BAR_TODO), bar + split);
	char prog[160], elapsed[24];
	if (b->prog.total || b->job_done)
		tui_fmt_progress(prog, sizeof prog, &b->prog);
	else /* a chip erase or a connect has no bytes to count: show that time passes */
		snprintf(prog, sizeof prog, "working for %s",
			 tui_fmt_eta(elapsed, sizeof elapsed, (double)b->stage_seconds));
	snprintf(line, sizeof line, "%-8s %s", job_stage_name(b->prog.stage), prog);
	tui_put(row + 1, x + 2, w - 4, tui_attr(ROLE_NORMAL), line);
	const char *hint = "Esc cancel   l full log   q quit";
	int role = ROLE_NORMAL;
	if (b->job_done && b->job_result == ED_OK) {
		role = ROLE_OK;
		bool verified = b->job_verify;
		const char *what = b->action == ACT_WRITE ? (verified ? "written and verified"
								     : "written, not verified")
				 : b->action == ACT_VERIFY ? "verified" : "done";
		bool plain = !b->job_result_text[0] || !strcmp(b->job_result_text, "done");
		snprintf(line, sizeof line, "%s%s%s", what, plain ? "" : ": ",
			 plain ? "" : b->job_result_text);
		hint = b->action == ACT_READ ? "Enter close   x open in hex viewer   l full log"
					     : "Enter close   l full log";
	} else if (b->job_done) {
		role = b->job_result == ED_ERR_CANCELLED ? ROLE_WARN : ROLE_ERROR;
		snprintf(line, sizeof line, "%s: %s", b->job_result == ED_ERR_CANCELLED ? "cancelled"
			 : "FAILED", b->job_result_text);
		hint = "Enter close   l full log";
	} else if (b->cancel_sent) {
		snprintf(line, sizeof line, "cancelling: stopping after the current packet...");
		role = ROLE_WARN;
	} else {
		line[0] = '\0';
	}
	/* The result and what was written, wrapped: every word of an error matters. */
	bool info = b->job_done && b->action == ACT_INFO && b->chip[0][0];
	const char *texts[4] = {line, b->job_done ? b->job_summary : "", info ? b->chip[0] : "",
				info ? b->chip[1] : ""};
	int out = row + 2;
	for (int t = 0; t < 4; t++) {
		size_t starts[2], lens[2];
		size_t n = tui_wrap(texts[t], (size_t)(w - 4), starts, lens, 2);
		for (size_t k = 0; k < n && k < 2 && texts[t][0]; k++) {
			char part[256];
			size_t len = lens[k] < sizeof part - 1 ? lens[k] : sizeof part - 1;
			memcpy(part, texts[t] + starts[k], len);
			part[len] = '\0';
			tui_put(out++, x + 2, w - 4, tui_attr(role), part);
		}
	}
	tui_put(y + h - 2, x + 2, w - 4, tui_attr(ROLE_DIM), hint);
}
static void quit_yes(void *ctx, struct tui *ui)
{
	struct bench *b = ctx;
	b->quit_after_job = true;
	bench_job_cancel(b);
}

static void open_log(struct bench *b)
{
	const char **lines = calloc(b->log_count ? b->log_count : 1, sizeof *lines);
	if (!lines)
		return;
	for (size_t i = 0; i < b->log_count; i++)
		lines[i] = bench_log_line(b, i, NULL);
	struct screen *v = dialog_text("Log (every step and error in full)", lines, b->log_count);
	free(lines);
	tui_push(b->ui, v);
}

static int progress_key(struct screen *s, struct tui *ui, int key)
{
	struct bench *b = s->state;
	bool running = bench_job_running(b);
	switch (key) {
	case KEY_ESC:
	case TUI_KEY_INTERRUPT:
		if (running) {
			bench_job_cancel(b);
			return SCREEN_REDRAW;
		}
		return SCREEN_POP | SCREEN_REDRAW;
	case '\n':
	case '\r':
	case KEY_ENTER:
		return running ? SCREEN_NONE : SCREEN_POP | SCREEN_REDRAW;
	case 'l':
		open_log(b);
		return SCREEN_REDRAW;
	case 'x':
		if (!running && b->last_dump[0]) {
			bench_open_dump(b, b->last_dump);
			return SCREEN_POP | SCREEN_REDRAW;
		}
		return SCREEN_NONE;
	case 'q':
		if (!running)
			return SCREEN_QUIT;
		tui_push(ui, dialog_confirm("Quit", "A job is running. Cancel it (the board is left "
					    "in a known state) and quit?", quit_yes, b));
		return SCREEN_REDRAW;
	}
	return SCREEN_NONE;
}

struct screen *bench_progress_screen(struct bench *b)
{
	return screen_new(&(struct screen){.name = "progress", .draw = progress_draw,
					   .key = progress_key, .state = b});
}
