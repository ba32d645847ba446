/* SPDX-License-Identifier: MIT
 * The bench's station view (S): the selected preset on every board that appears, one row
 * per slot (app/station.h does the work; this file draws its slots and takes keys). The
 * slots are the ESP bridges that appear in /dev/serial/by-path (or /dev) and the checked
 * ports of the ports pane that are not local device paths (socket://, rfc2217://, sim://),
 * else the selected one when it is such a port. Notes and job lines go to the log pane.
 * Keys: r retries failed boards, q / Esc / Ctrl-C stop taking boards (the ones being
 * written finish; again: cancel them), Esc / Enter go back once stopped, l the log. */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "app/spec.h"
#include "app/station.h"
#include "app/preset.h"
#include "core/util.h"
#include "tui/bench.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/format.h"
#include "tui/tui_int.h"

#define KEY_ESC 27

struct station_view {
	struct bench *b;
	struct station *st;
	struct job_spec spec;
	struct job_step steps[APP_PRESET_MAX_STEPS];
	const char *ports[BENCH_MAX_PORTS];
	size_t nports;
	char title[256];
	size_t sel;
	bool summarised;
};

static void on_note(void *user, struct station *st, size_t i, const char *text)
{
	struct station_view *v = user;
	const struct station_slot *s = station_slot(st, i);
	bench_log(v->b, 2, "%s: %s", s ? s->name : "station", text);
}

static void on_event(void *user, struct station *st, size_t i, const struct job_event *ev)
{
	struct station_view *v = user;
	const char *name = station_slot(st, i)->name;
	if (ev->kind == JOB_EVENT_LOG && ev->level <= ED_LOG_WARN)
		bench_log(v->b, ev->level == ED_LOG_ERROR ? 0 : 1, "%s: %s", name, ev->text);
	else if (ev->kind == JOB_EVENT_STAGE || ev->kind == JOB_EVENT_INFO)
		bench_log(v->b, 2, "%s: %s", name, ev->text);
}

static void on_finished(void *user, struct station *st, size_t i)
{
	struct station_view *v = user;
	const struct station_slot *s = station_slot(st, i);
	bench_log(v->b, s->state == STATION_FAILED ? 0 : 2, "%s: %s %s %s", s->name,
		  station_state_name(s->state), s->mac, s->text);
}

/* --- drawing -------------------------------------------------------------------------- */

static void draw_row(const struct station_view *v, size_t i, int y, int w)
{
	const struct station_slot *s = station_slot(v->st, i);
	const struct job_board *bd = station_board(v->st, i);
	char name[26], mac[18], tail[900], line[1200];
	tui_fmt_fit(name, 24, s->name);
	tui_fmt_fit(mac, 17, s->mac[0] ? s->mac : "-");
	int role = ROLE_NORMAL;
	if (s->state == STATION_RUNNING) {
		char bar[24];
		tui_fmt_bar(bar, 20, bd->prog.done, bd->prog.total);
		snprintf(tail, sizeof tail, "%-9s [%s]",
			 bd->cancel_sent ? "cancel" : bd->stage_name, bar);
	} else {
		const char *text = s->text;
		if (s->state == STATION_EMPTY)
			text = s->remote ? "waiting for a board" : "unplugged";
		else if (s->state == STATION_SETTLING)
			text = "plugged in";
		snprintf(tail, sizeof tail, "%-9s %s%s", station_state_name(s->state), text,
			 !s->remote && !s->present && s->state > STATION_RUNNING ? " (unplugged)"
										 : "");
		role = s->state == STATION_PASSED      ? ROLE_OK
		       : s->state == STATION_SKIPPED   ? ROLE_DIM
		       : s->state == STATION_FAILED    ? ROLE_ERROR
		       : s->state == STATION_CANCELLED ? ROLE_WARN
						       : ROLE_NORMAL;
	}
	bool sel = i == v->sel;
	snprintf(line, sizeof line, "%s%-24s %-17s %s", sel ? ">" : " ", name, mac, tail);
	tui_put_pad(y, 0, w, sel ? tui_attr(ROLE_SELECTED) : tui_attr(role), line);
}

static void station_draw(struct screen *scr, struct tui *ui)
{
	(void)ui;
	const struct station_view *v = scr->state;
	int h = LINES, w = COLS;
	erase();
	tui_put_pad(0, 0, w, tui_attr(ROLE_TITLE), v->title);
	char head[160];
	snprintf(head, sizeof head, " %-24s %-17s %s", "slot", "MAC", "state / result");
	tui_put(1, 0, w, tui_attr(ROLE_DIM), head);
	size_t n = station_slot_count(v->st);
	int rows = h - 6;
	if (rows < 1)
		rows = 1;
	size_t first = v->sel >= (size_t)rows ? v->sel - (size_t)rows + 1 : 0;
	if (!n)
		tui_put(2, 1, w - 1, tui_attr(ROLE_DIM),
			"no slot yet: plug a board in (ESP USB bridge), or check remote ports "
			"(socket://, rfc2217://) in the ports pane before S");
	for (int r = 0; r < rows && first + (size_t)r < n; r++)
		draw_row(v, first + (size_t)r, 2 + r, w);
	struct station_counts c;
	station_counts(v->st, &c);
	char line[1200];
	snprintf(line, sizeof line,
		 "%zu passed, %zu skipped, %zu failed, %zu cancelled, %zu running%s", c.passed,
		 c.skipped, c.failed, c.cancelled, c.running,
		 station_done(v->st)	   ? " - stopped"
		 : station_stopping(v->st) ? " - stopping"
					   : "");
	tui_put(h - 3, 0, w, tui_attr(ROLE_NORMAL), line);
	if (n) {
		const struct station_slot *s = station_slot(v->st, v->sel);
		snprintf(line, sizeof line, "%s: %s", s->port, s->text[0] ? s->text : "");
		tui_put(h - 2, 0, w, tui_attr(ROLE_DIM), line);
	}
	tui_put(h - 1, 0, w, tui_attr(ROLE_DIM),
		station_done(v->st)	  ? "Up/Down slot  Esc/Enter back  l log"
		: station_stopping(v->st) ? "q/Esc again: cancel the boards being written  l log"
					  : "r retry failed  q/Esc stop  Up/Down slot  l log");
}

/* --- keys and ticks ------------------------------------------------------------------- */

static void summarise(struct station_view *v)
{
	if (v->summarised || !station_done(v->st))
		return;
	v->summarised = true;
	struct station_counts c;
	station_counts(v->st, &c);
	snprintf(v->b->last_job, sizeof v->b->last_job,
		 "station %s: %zu passed, %zu skipped, %zu failed, %zu cancelled",
		 v->b->layout.name, c.passed, c.skipped, c.failed, c.cancelled);
	bench_log(v->b, c.failed ? 0 : 2, "%s", v->b->last_job);
}

static int station_key(struct screen *scr, struct tui *ui, int key)
{
	(void)ui;
	struct station_view *v = scr->state;
	size_t n = station_slot_count(v->st);
	bool done = station_done(v->st);
	switch (key) {
	case KEY_UP:
	case 'k':
		if (v->sel > 0)
			v->sel--;
		return SCREEN_REDRAW;
	case KEY_DOWN:
	case 'j':
		if (v->sel + 1 < n)
			v->sel++;
		return SCREEN_REDRAW;
	case 'r':
		if (!done && !station_retry_failed(v->st))
			bench_log(v->b, 1, "station: no failed board to retry");
		return SCREEN_REDRAW;
	case 'q':
	case KEY_ESC:
	case TUI_KEY_INTERRUPT:
		if (done)
			return SCREEN_POP | SCREEN_REDRAW;
		station_stop(v->st, station_stopping(v->st));
		bench_log(v->b, 1, "station: %s",
			  station_stopping(v->st) && key != 'q'
			      ? "stopping (again cancels the boards being written)"
			      : "stopping: no new boards; the boards in progress finish");
		return SCREEN_REDRAW;
	case '\n':
	case '\r':
	case KEY_ENTER:
		return done ? SCREEN_POP | SCREEN_REDRAW : SCREEN_NONE;
	case 'l': {
		const struct bench *b = v->b;
		const char **lines = calloc(b->log_count ? b->log_count : 1, sizeof *lines);
		for (size_t i = 0; lines && i < b->log_count; i++)
			lines[i] = bench_log_line(b, i, NULL);
		if (lines)
			tui_push(v->b->ui, dialog_text("Log (every step and error in full)", lines,
						       b->log_count));
		free(lines);
		return SCREEN_REDRAW;
	}
	}
	return SCREEN_NONE;
}

static int station_tick_screen(struct screen *scr, struct tui *ui)
{
	struct station_view *v = scr->state;
	bool changed = station_tick(v->st);
	summarise(v);
	if (!station_done(v->st))
		tui_tick_within(ui, 100); /* progress, settle times and remote probes */
	return changed ? SCREEN_REDRAW : SCREEN_NONE;
}

static void station_view_destroy(struct screen *scr)
{
	if (!scr)
		return;
	struct station_view *v = scr->state;
	if (v) {
		station_destroy(v->st);
		free(v);
	}
	free(scr);
}

/* The remote slots: checked ports that are not local device paths, else the selected
 * port when it is one (local devices are the watched folder's). */
static void pick_ports(struct station_view *v)
{
	const struct bench *b = v->b;
	bool any_checked = bench_checked_ports(b) > 0;
	for (size_t i = 0; i < b->nports; i++) {
		const struct bench_port *p = &b->ports[i];
		bool take = any_checked ? p->checked : i == b->port_sel;
		if (take && p->spec[0] != '/' && v->nports < BENCH_MAX_PORTS)
			v->ports[v->nports++] = p->spec;
	}
}

void bench_station_open(struct bench *b)
{
	bench_select_preset(b, b->preset_sel);
	if (!b->loaded || !b->parse_ok || !b->files_ok) {
		bench_log(b, 0, "station: the preset is not ready (see its problems above)");
		return;
	}
	struct station_view *v = calloc(1, sizeof *v);
	if (!v) {
		bench_log(b, 0, "station: out of memory");
		return;
	}
	v->b = b;
	app_job_spec(&b->run_cfg, &v->spec);
	v->spec.flash_mode = bench_setting_value(b, SET_MODE);
	v->spec.flash_size = bench_setting_value(b, SET_SIZE);
	v->spec.flash_freq = bench_setting_value(b, SET_FREQ);
	v->spec.chip_check = true; /* a station's boards get the whole-chip check */
	v->spec.verify = !strcmp(bench_setting_value(b, SET_VERIFY), "on");
	bench_write_extras(b, &v->spec);
	v->spec.trace_path = NULL;
	v->spec.steps = v->steps;
	v->spec.step_count = app_preset_steps(&b->layout, &b->files, NULL, v->steps);
	pick_ports(v);
	struct station_options opt = {.ports = v->ports, .port_count = v->nports};
	const struct station_ops ops = {
	    .note = on_note, .event = on_event, .finished = on_finished};
	struct ed_error err = {0};
	if (station_create(&v->spec, &opt, &ops, v, &v->st, &err) < 0) {
		bench_log(b, 0, "station: %s", err.msg);
		free(v);
		return;
	}
	snprintf(v->title, sizeof v->title,
		 "Station: %s on every new board (watching %s, %zu remote)%s", b->layout.name,
		 station_watch_dir(v->st), v->nports,
		 b->journal[0] ? "" : " - journal off: boards are not recognised");
	bench_log(b, 2, "station: preset %s; watching %s; %zu remote port%s", b->layout.name,
		  station_watch_dir(v->st), v->nports, v->nports == 1 ? "" : "s");
	struct screen *scr = screen_new(&(struct screen){.name = "station",
							 .draw = station_draw,
							 .key = station_key,
							 .tick = station_tick_screen,
							 .destroy = station_view_destroy,
							 .state = v});
	if (!scr) {
		station_destroy(v->st);
		free(v);
		return;
	}
	tui_push(b->ui, scr);
	tui_tick_within(b->ui, 10);
}
