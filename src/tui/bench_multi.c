/* SPDX-License-Identifier: MIT
 * Several boards at once (issue 7): the preset's write on every checked port, one job
 * (one worker) per board; a view with one row per board (port, chip/MAC, stage, bar,
 * rate, ETA, result), the boot verdict, "flashed before" from the journal by MAC, and a
 * summary. A failing board never stops the others: each job is independent. */
#include <curses.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "app/spec.h"
#include "core/util.h"
#include "journal/journal.h"
#include "tui/bench.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/format.h"
#include "tui/tui_int.h"

#define KEY_ESC 27

size_t bench_checked_ports(const struct bench *b)
{
	size_t n = 0;
	for (size_t i = 0; i < b->nports; i++)
		n += b->ports[i].checked;
	return n;
}

void bench_spec_extras(struct bench *b, struct job_spec *spec)
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
}

bool bench_multi_running(const struct bench *b)
{
	for (size_t i = 0; i < b->nboards; i++)
		if (b->boards[i].job && !b->boards[i].done)
			return true;
	return false;
}

static int start_one(struct bench *b, struct bench_board *bd, const struct job_step *steps,
		     size_t n)
{
	struct job_spec spec;
	app_job_spec(&b->run_cfg, &spec);
	spec.port = bd->port;
	spec.flash_mode = bench_setting_value(b, SET_MODE);
	spec.flash_size = bench_setting_value(b, SET_SIZE);
	spec.flash_freq = bench_setting_value(b, SET_FREQ);
	spec.verify = !strcmp(bench_setting_value(b, SET_VERIFY), "on");
	spec.steps = steps;
	spec.step_count = n;
	bench_spec_extras(b, &spec);
	/* Workers inherit the mask: the UI thread keeps the signals (as bench_start_job). */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGWINCH);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	struct ed_error err = {0};
	int rc = job_start(&spec, &bd->job, &err);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc < 0) {
		bd->job = NULL;
		bd->done = true;
		bd->result = rc;
		snprintf(bd->result_text, sizeof bd->result_text, "cannot start: %s", err.msg);
		bench_log(b, 0, "%s: %s", bd->label, bd->result_text);
		return rc;
	}
	bd->prog.eta_s = -1;
	tui_watch_fd(b->ui, job_wake_fd(bd->job));
	return ED_OK;
}

bool bench_multi_start(struct bench *b, const struct job_step *steps, size_t n,
		       const char *title)
{
	bench_multi_finish(b);
	b->nboards = 0;
	b->board_sel = 0;
	b->multi_summary[0] = '\0';
	for (size_t i = 0; i < b->nports && b->nboards < BENCH_MAX_BOARDS; i++) {
		if (!b->ports[i].checked)
			continue;
		struct bench_board *bd = &b->boards[b->nboards++];
		*bd = (struct bench_board){.verdict = JOB_BOOT_NOT_CHECKED};
		snprintf(bd->port, sizeof bd->port, "%s", b->ports[i].spec);
		snprintf(bd->label, sizeof bd->label, "%s", b->ports[i].label);
	}
	if (!b->nboards)
		return false;
	snprintf(b->job_title, sizeof b->job_title, "%s on %zu boards", title, b->nboards);
	bench_log(b, 2, "== %s (verify %s, boot check %s, journal %s)", b->job_title,
		  bench_setting_value(b, SET_VERIFY), bench_setting_value(b, SET_BOOT),
		  b->journal[0] ? b->journal : "off");
	for (size_t i = 0; i < b->nboards; i++)
		start_one(b, &b->boards[i], steps, n);
	b->multi_active = true;
	tui_push(b->ui, bench_multi_screen(b));
	return true;
}

/* Chip and MAC once DETECT ran, and what the journal knows of that MAC (looked up
 * before this job appends its own line, which happens at the end of the job). */
static void take_chip(struct bench *b, struct bench_board *bd)
{
	struct chip_info c;
	if (bd->mac[0] || !job_get_chip_info(bd->job, &c))
		return;
	snprintf(bd->chip, sizeof bd->chip, "%s", c.name);
	snprintf(bd->mac, sizeof bd->mac, "%02x:%02x:%02x:%02x:%02x:%02x", c.mac[0], c.mac[1],
		 c.mac[2], c.mac[3], c.mac[4], c.mac[5]);
	bench_history(b, bd->mac, bd->history, sizeof bd->history);
	bench_log(b, 2, "%s: %s MAC %s, %s", bd->label, bd->chip, bd->mac, bd->history);
}

void bench_history(struct bench *b, const char *mac, char *out, size_t cap)
{
	if (!b->journal[0]) {
		snprintf(out, cap, "journal off");
		return;
	}
	struct journal_history h;
	struct ed_error err = {0};
	if (journal_lookup_mac(b->journal, mac, &h, &err) < 0)
		snprintf(out, cap, "journal: %.100s", err.msg);
	else if (h.times)
		snprintf(out, cap, "flashed before: %.32s, %.16s (%zu time%s)", h.last.time,
			 h.last.result, h.times, h.times == 1 ? "" : "s");
	else
		snprintf(out, cap, "new board (not in the journal)");
}

static void take_event(struct bench *b, struct bench_board *bd, const struct job_event *ev)
{
	switch (ev->kind) {
	case JOB_EVENT_STAGE:
		bench_log(b, 2, "%s: [%s] %s", bd->label, job_stage_name(ev->stage), ev->text);
		break;
	case JOB_EVENT_LOG:
		if (ev->level <= ED_LOG_INFO || b->cfg->verbose)
			bench_log(b, (int)ev->level, "%s: %s", bd->label, ev->text);
		break;
	case JOB_EVENT_INFO:
		bench_log(b, 2, "%s: %s", bd->label, ev->text);
		break;
	case JOB_EVENT_BOOTLOG:
		bench_log(b, 2, "%s: [boot] %s%s%s%s", bd->label, ev->text,
			  ev->explain[0] ? "  (" : "", ev->explain, ev->explain[0] ? ")" : "");
		break;
	case JOB_EVENT_RESULT:
		bd->done = true;
		bd->result = ev->result;
		snprintf(bd->result_text, sizeof bd->result_text, "%s",
			 ev->text[0] ? ev->text : ed_strerror(ev->result));
		bench_log(b, ev->result == ED_OK ? 2 : 0, "%s: %s: %s", bd->label,
			  ev->result == ED_OK ? "finished" :
			  ev->result == ED_ERR_CANCELLED ? "cancelled" : "FAILED", bd->result_text);
		break;
	}
}

static void summarise(struct bench *b)
{
	size_t ok = 0, failed = 0, cancelled = 0;
	for (size_t i = 0; i < b->nboards; i++) {
		int r = b->boards[i].result;
		ok += r == ED_OK;
		cancelled += r == ED_ERR_CANCELLED;
		failed += r != ED_OK && r != ED_ERR_CANCELLED;
	}
	snprintf(b->multi_summary, sizeof b->multi_summary, "%zu passed, %zu failed, %zu "
		 "cancelled of %zu boards", ok, failed, cancelled, b->nboards);
	snprintf(b->last_job, sizeof b->last_job, "%s: %s", b->job_title, b->multi_summary);
	bench_log(b, failed || cancelled ? 1 : 2, "%s", b->last_job);
	for (size_t i = 0; i < b->nboards; i++)
		if (b->boards[i].result != ED_OK)
			bench_log(b, 1, "  %s: %s", b->boards[i].label, b->boards[i].result_text);
}

static int tick_board(struct bench *b, struct bench_board *bd)
{
	int flags = SCREEN_NONE;
	job_drain_wake(bd->job);
	struct job_event ev;
	while (job_next_event(bd->job, &ev)) {
		take_event(b, bd, &ev);
		flags |= SCREEN_REDRAW;
	}
	take_chip(b, bd);
	if (!bd->done) {
		struct job_progress p;
		job_get_progress(bd->job, &p);
		if (memcmp(&p, &bd->prog, sizeof p)) {
			bd->prog = p;
			flags |= SCREEN_REDRAW;
		}
		return flags;
	}
	tui_unwatch_fd(b->ui, job_wake_fd(bd->job));
	bd->verdict = job_get_boot_verdict(bd->job, bd->verdict_reason,
					   sizeof bd->verdict_reason);
	if (bd->result == ED_OK)
		bd->prog.done = bd->prog.total;
	/* The row wants the cause ("port closed", "timeout ..."), the result event gave what
	 * was and was not written: the cause first, the summary after it. */
	struct ed_error err = {0};
	job_wait(bd->job, &err);
	if (bd->result != ED_OK && bd->result != ED_ERR_CANCELLED && err.msg[0] &&
	    !strstr(bd->result_text, err.msg)) {
		char summary[sizeof bd->result_text];
		snprintf(summary, sizeof summary, "%s", bd->result_text);
		snprintf(bd->result_text, sizeof bd->result_text, "%.500s (%.280s)", err.msg,
			 summary);
	}
	job_destroy(bd->job);
	bd->job = NULL;
	return flags | SCREEN_REDRAW;
}

int bench_multi_tick(struct bench *b)
{
	if (!b->multi_active)
		return SCREEN_NONE;
	int flags = SCREEN_NONE;
	bool any = false;
	for (size_t i = 0; i < b->nboards; i++)
		if (b->boards[i].job) {
			flags |= tick_board(b, &b->boards[i]);
			any = true;
		}
	if (any && !bench_multi_running(b) && !b->multi_summary[0]) {
		summarise(b);
		flags |= SCREEN_REDRAW;
		if (b->quit_after_job)
			flags |= SCREEN_QUIT;
	}
	return flags;
}

static void cancel_board(struct bench *b, struct bench_board *bd)
{
	if (!bd->job || bd->done || bd->cancel_sent)
		return;
	job_cancel(bd->job);
	bd->cancel_sent = true;
	bench_log(b, 1, "%s: cancel requested", bd->label);
}

void bench_multi_cancel(struct bench *b)
{
	for (size_t i = 0; i < b->nboards; i++)
		cancel_board(b, &b->boards[i]);
}

void bench_multi_finish(struct bench *b)
{
	for (size_t i = 0; i < b->nboards; i++) {
		struct bench_board *bd = &b->boards[i];
		if (!bd->job)
			continue;
		job_cancel(bd->job);
		tui_unwatch_fd(b->ui, job_wake_fd(bd->job));
		job_wait(bd->job, NULL);
		struct job_event ev;
		while (job_next_event(bd->job, &ev))
			take_event(b, bd, &ev);
		job_destroy(bd->job);
		bd->job = NULL;
		bd->done = true;
	}
}

/* --- the view ------------------------------------------------------------------------ */

/* A failed write's text is "written: ...; not written or incomplete: file@addr: file:
 * writing 0x...: port: CAUSE"; a row has room for the cause only (the detail line and the
 * log keep everything). */
static const char *failure_cause(const char *text)
{
	if (strncmp(text, "written: ", 9))
		return text;
	const char *last = strrchr(text, ':');
	return last && last[1] == ' ' && last[2] ? last + 2 : text;
}

static const char *row_result(const struct bench_board *bd, char *buf, size_t cap)
{
	const char *boot = bd->verdict == JOB_BOOT_NOT_CHECKED ? "" :
			   job_boot_verdict_name(bd->verdict);
	if (bd->result == ED_OK)
		snprintf(buf, cap, "%s%s%s", bd->prog.total || bd->result_text[0] ? "verified" : "ok",
			 boot[0] ? ", " : "", boot);
	else if (bd->result == ED_ERR_CANCELLED)
		snprintf(buf, cap, "cancelled");
	else
		snprintf(buf, cap, "FAILED: %s", failure_cause(bd->result_text));
	return buf;
}

static void draw_row(const struct bench *b, const struct bench_board *bd, int y, int x, int w,
		     bool sel)
{
	char port[18], who[19], stage[9], line[1024], tail[900];
	tui_fmt_fit(port, 16, bd->label);
	tui_fmt_fit(who, 17, bd->mac[0] ? bd->mac : bd->chip[0] ? bd->chip : "-");
	tui_fmt_fit(stage, 7, bd->done ? "done" : bd->cancel_sent ? "cancel" :
		    job_stage_name(bd->prog.stage));
	int role = ROLE_NORMAL;
	if (bd->done) {
		row_result(bd, tail, sizeof tail);
		role = bd->result == ED_OK ? ROLE_OK : bd->result == ED_ERR_CANCELLED ? ROLE_WARN :
		       ROLE_ERROR;
	} else {
		char bar[16], rate[24], eta[16];
		tui_fmt_bar(bar, 10, bd->prog.done, bd->prog.total);
		snprintf(tail, sizeof tail, "[%s] %9s %6s", bar,
			 tui_fmt_rate(rate, sizeof rate, bd->prog.rate_bps),
			 tui_fmt_eta(eta, sizeof eta, bd->prog.eta_s));
	}
	snprintf(line, sizeof line, "%s%s %s %s %s", sel ? ">" : " ", port, who, stage, tail);
	tui_put_pad(y, x, w, sel ? tui_attr(ROLE_SELECTED) : tui_attr(role), line);
	(void)b;
}

static void multi_draw(struct screen *s, struct tui *ui)
{
	struct bench *b = s->state;
	int h = LINES, w = COLS;
	erase();
	tui_put_pad(0, 0, w, tui_attr(ROLE_TITLE), b->job_title);
	char head[160];
	snprintf(head, sizeof head, " %-16s %-17s %-7s %s", "port", "chip / MAC", "stage",
		 "progress / result");
	tui_put(1, 0, w, tui_attr(ROLE_DIM), head);
	/* Rows scroll around the selected board; 7 lines stay for detail, summary, keys. */
	int rows = h - 9;
	if (rows < 1)
		rows = 1;
	size_t first = 0;
	if (b->board_sel >= (size_t)rows)
		first = b->board_sel - (size_t)rows + 1;
	for (int r = 0; r < rows && first + (size_t)r < b->nboards; r++)
		draw_row(b, &b->boards[first + (size_t)r], 2 + r, 0, w, first + (size_t)r ==
			 b->board_sel);
	int y = 2 + rows;
	if (b->nboards) {
		const struct bench_board *bd = &b->boards[b->board_sel];
		char line[512], res[900];
		snprintf(line, sizeof line, "%s: %s %s", bd->port, bd->chip[0] ? bd->chip : "chip ?",
			 bd->history[0] ? bd->history : "");
		tui_put(y++, 0, w, tui_attr(ROLE_NORMAL), line);
		snprintf(line, sizeof line, "boot: %s%s%s", job_boot_verdict_name(bd->verdict),
			 bd->verdict_reason[0] ? ", " : "", bd->verdict_reason);
		tui_put(y++, 0, w, tui_attr(ROLE_NORMAL), line);
		if (bd->done && bd->result != ED_OK && bd->result != ED_ERR_CANCELLED)
			snprintf(res, sizeof res, "FAILED: %s", bd->result_text);
		else if (bd->done)
			row_result(bd, res, sizeof res);
		tui_put(y++, 0, w, tui_attr(ROLE_NORMAL), bd->done ? res : "running");
	}
	bool running = bench_multi_running(b);
	tui_put(y + 1, 0, w, tui_attr(ROLE_TITLE), running ? "running..." :
		b->multi_summary[0] ? b->multi_summary : "");
	tui_put(h - 1, 0, w, tui_attr(ROLE_DIM), running ?
		"Up/Down board  Esc cancel all  c cancel this board  l log" :
		"Up/Down board  Enter/Esc back  l log  q quit");
	(void)ui;
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

static void quit_yes(void *ctx, struct tui *ui)
{
	struct bench *b = ctx;
	b->quit_after_job = true;
	bench_multi_cancel(b);
	(void)ui;
}

static int multi_key(struct screen *s, struct tui *ui, int key)
{
	struct bench *b = s->state;
	bool running = bench_multi_running(b);
	switch (key) {
	case KEY_UP:
	case 'k':
		if (b->board_sel > 0)
			b->board_sel--;
		return SCREEN_REDRAW;
	case KEY_DOWN:
	case 'j':
		if (b->board_sel + 1 < b->nboards)
			b->board_sel++;
		return SCREEN_REDRAW;
	case 'c':
		if (running && b->nboards)
			cancel_board(b, &b->boards[b->board_sel]);
		return SCREEN_REDRAW;
	case KEY_ESC:
	case TUI_KEY_INTERRUPT:
		if (running) {
			bench_multi_cancel(b);
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
	case 'q':
		if (!running)
			return SCREEN_QUIT;
		tui_push(ui, dialog_confirm("Quit", "Boards are being written. Cancel them all "
					    "and quit?", quit_yes, b));
		return SCREEN_REDRAW;
	}
	return SCREEN_NONE;
}

struct screen *bench_multi_screen(struct bench *b)
{
	return screen_new(&(struct screen){.name = "boards", .draw = multi_draw, .key = multi_key,
					   .state = b});
}
