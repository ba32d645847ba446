/* SPDX-License-Identifier: MIT
 * The one progress screen of the bench, for a job on one board or on several: one
 * board shows its steps, the stages, a bar with bytes, rate and ETA, then what was and
 * was not written; several boards show one row each (port, chip/MAC, stage, bar, rate,
 * ETA, result, boot verdict), the selected board's detail and the summary. Drawing
 * reads the runner's board state (job/job_group.h) and never changes it. */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "job/job_group.h"
#include "tui/bench.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/format.h"
#include "tui/tui_int.h"

#define KEY_ESC 27

/* --- one board ------------------------------------------------------------------------ */

static const char *step_text(const struct bench *b, size_t i, char *buf, size_t cap)
{
	const struct job_step *s = &b->steps[i];
	switch (s->kind) {
	case JOB_STEP_INFO:
		snprintf(buf, cap, "connect and read chip info");
		break;
	case JOB_STEP_ERASE_CHIP:
		snprintf(buf, cap, "erase the whole chip");
		break;
	case JOB_STEP_ERASE_REGION:
		snprintf(buf, cap, "erase 0x%06x +0x%x (%s)", s->offset, s->size, s->name);
		break;
	case JOB_STEP_WRITE:
		snprintf(buf, cap, "write %s @0x%06x (%u B)", s->name, s->offset, s->size);
		break;
	case JOB_STEP_VERIFY:
		snprintf(buf, cap, "verify %s @0x%06x", s->name, s->offset);
		break;
	case JOB_STEP_READ:
		snprintf(buf, cap, "read 0x%06x +0x%x -> %s", s->offset, s->size, s->path);
		break;
	case JOB_STEP_READ_STATUS:
		snprintf(buf, cap, "read the flash status (%u B)", s->size);
		break;
	case JOB_STEP_WRITE_STATUS:
		snprintf(buf, cap, "write the flash status 0x%x (%u B)", s->offset, s->size);
		break;
	}
	return buf;
}

/* Where a stage comes in a job's run (enum job_stage is numbered by age, not order). */
static int stage_rank(enum job_stage s)
{
	static const int rank[] = {
	    [JOB_STAGE_QUEUED] = 0, [JOB_STAGE_CONNECT] = 1, [JOB_STAGE_DETECT] = 2,
	    [JOB_STAGE_STUB] = 3,   [JOB_STAGE_BAUD] = 4,    [JOB_STAGE_ERASE] = 5,
	    [JOB_STAGE_WRITE] = 6,  [JOB_STAGE_VERIFY] = 7,  [JOB_STAGE_READ] = 8,
	    [JOB_STAGE_RESET] = 9,  [JOB_STAGE_BOOT] = 10,   [JOB_STAGE_DONE] = 11,
	};
	return (unsigned)s < sizeof rank / sizeof rank[0] ? rank[s] : 0;
}

/* The stages in order, the current one highlighted: connect, with the stub its upload and
 * the baud change, erase, write i/n, verify, reset (a job's steps pass through them; read
 * and info jobs skip some). */
static void draw_stages(const struct bench *b, int y, int x, int w)
{
	const struct job_board *bd = job_group_board(b->group, 0);
	static const enum job_stage write[] = {JOB_STAGE_CONNECT, JOB_STAGE_ERASE, JOB_STAGE_WRITE,
					       JOB_STAGE_VERIFY, JOB_STAGE_RESET};
	static const enum job_stage read[] = {JOB_STAGE_CONNECT, JOB_STAGE_READ, JOB_STAGE_RESET};
	static const enum job_stage verify[] = {JOB_STAGE_CONNECT, JOB_STAGE_VERIFY,
						JOB_STAGE_RESET};
	static const enum job_stage erase[] = {JOB_STAGE_CONNECT, JOB_STAGE_ERASE, JOB_STAGE_RESET};
	static const enum job_stage info[] = {JOB_STAGE_CONNECT, JOB_STAGE_RESET};
	const enum job_stage *order = write;
	size_t count = 5;
	switch (b->action) {
	case ACT_READ:
		order = read, count = 3;
		break;
	case ACT_VERIFY:
		order = verify, count = 3;
		break;
	case ACT_ERASE:
		order = erase, count = 3;
		break;
	case ACT_INFO:
		order = info, count = 2;
		break;
	default:
		break;
	}
	enum job_stage cur = bd->done ? JOB_STAGE_DONE : bd->prog.stage;
	if (cur == JOB_STAGE_DETECT)
		cur = JOB_STAGE_CONNECT;
	/* With the stub, its upload and the baud change follow connect. */
	enum job_stage stages[8];
	size_t n = 0;
	for (size_t i = 0; i < count && n < 8; i++) {
		stages[n++] = order[i];
		if (order[i] == JOB_STAGE_CONNECT && b->spec.stub && n + 2 <= 8) {
			stages[n++] = JOB_STAGE_STUB;
			stages[n++] = JOB_STAGE_BAUD;
		}
	}
	order = stages;
	count = n;
	int col = x;
	for (size_t i = 0; i < count; i++) {
		char text[48];
		if (order[i] == JOB_STAGE_WRITE && cur == JOB_STAGE_WRITE)
			snprintf(text, sizeof text, "write %zu/%zu", bd->step_cur + 1, b->nsteps);
		else
			snprintf(text, sizeof text, "%s", job_stage_name(order[i]));
		int len = (int)strlen(text);
		if (col + len + 3 > x + w)
			break;
		int role = order[i] == cur			    ? ROLE_SELECTED
			   : stage_rank(order[i]) < stage_rank(cur) ? ROLE_OK
								    : ROLE_DIM;
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
	const struct job_board *bd = job_group_board(b->group, 0);
	size_t first = bd->step_cur >= (size_t)rows ? bd->step_cur - (size_t)rows + 1 : 0;
	for (int r = 0; r < rows && first + (size_t)r < b->nsteps; r++) {
		size_t i = first + (size_t)r;
		char text[160], line[200];
		bool done = bd->done ? (bd->result == ED_OK || i < bd->step_cur) : i < bd->step_cur;
		bool cur = !done && i == bd->step_cur && bd->step_started[i];
		const struct job_step *s = &b->steps[i];
		if (s->kind == JOB_STEP_WRITE && bd->file_done[i])
			/* what the board says it holds now, not what was meant to be sent */
			snprintf(text, sizeof text, "%s @0x%06x %s%s", s->name, s->offset,
				 bd->files[i].flash_md5[0] ? "MD5 " : "written, ROM checksum",
				 bd->files[i].flash_md5);
		else
			step_text(b, i, text, sizeof text);
		snprintf(line, sizeof line, "%s %zu/%zu %s",
			 done  ? "[x]"
			 : cur ? "[>]"
			       : "[ ]",
			 i + 1, b->nsteps, text);
		tui_put(y + r, x, w,
			tui_attr(done  ? ROLE_OK
				 : cur ? ROLE_SELECTED
				       : ROLE_DIM),
			line);
	}
}

/* The result line of one board's job, its colour role and the keys that apply. */
static void result_line(const struct bench *b, const struct job_board *bd, char *line, size_t cap,
			int *role_out, const char **hint_out)
{
	const char *hint = *hint_out;
	int role = ROLE_NORMAL;
	if (bd->done && bd->result == ED_OK) {
		role = ROLE_OK;
		bool verified = b->spec.verify;
		const char *what = b->action == ACT_WRITE    ? (verified ? "written and verified"
									 : "written, not verified")
				   : b->action == ACT_VERIFY ? "verified"
							     : "done";
		bool plain = !bd->result_text[0] || !strcmp(bd->result_text, "done");
		snprintf(line, cap, "%s%s%s", what, plain ? "" : ": ",
			 plain ? "" : bd->result_text);
		hint = b->action == ACT_READ ? "Enter close   x open in hex viewer   l full log"
					     : "Enter close   l full log";
	} else if (bd->done && bd->result == ED_ERR_CANCELLED) {
		/* One summary in the user's words: what was and was not written (the engine's
		 * "writing register 0x60000204: cancelled during ..." stays in the log). */
		role = ROLE_WARN;
		if (b->action == ACT_WRITE && b->job_summary[0])
			snprintf(line, cap, "cancelled"); /* the summary follows */
		else
			snprintf(line, cap, "cancelled during %s; nothing more was done",
				 job_stage_name(bd->prog.stage));
		hint = "Enter close   l full log";
	} else if (bd->done) {
		role = ROLE_ERROR;
		snprintf(line, cap, "FAILED: %s", bd->result_text);
		hint = "Enter close   l full log";
	} else if (bd->cancel_sent) {
		snprintf(line, cap, "cancelling: stopping after the current packet...");
		role = ROLE_WARN;
	} else {
		line[0] = '\0';
	}
	*role_out = role;
	*hint_out = hint;
}

static void single_draw(const struct bench *b)
{
	const struct job_board *bd = job_group_board(b->group, 0);
	int w = COLS - 4 < 76 ? COLS - 4 : 76;
	int list = (int)b->nsteps < 8 ? (int)b->nsteps : 8;
	int h = list + 12;
	int y = 1, x = (COLS - w) / 2;
	tui_box(y, x, h, w, b->job_title, true);
	draw_steps(b, y + 1, x + 2, w - 4, list);
	draw_stages(b, y + 1 + list, x + 2, w - 4);
	int row = y + 2 + list;
	char bar[128], line[1024];
	int bw = w - 4;
	/* A finished job that moved no bytes (chip info) has no bar to show: an empty one
	 * with "reset 0% 0 B / 0 B" read as a failure (issue 15). */
	bool no_bytes = bd->done && (!bd->prog.total || b->action == ACT_INFO);
	tui_fmt_bar(bar, (size_t)bw, bd->prog.done, bd->prog.total);
	int split = 0;
	while (split < bw && bar[split] == '#')
		split++;
	if (!no_bytes) {
		tui_put(row, x + 2, split, tui_attr(ROLE_BAR_DONE), bar);
		tui_put(row, x + 2 + split, bw - split, tui_attr(ROLE_BAR_TODO), bar + split);
	}
	char prog[160], elapsed[24];
	if (bd->prog.total || bd->done)
		tui_fmt_progress(prog, sizeof prog, &bd->prog);
	else /* a chip erase or a connect has no bytes to count: show that time passes */
		snprintf(prog, sizeof prog, "working for %s",
			 tui_fmt_eta(elapsed, sizeof elapsed, (double)b->stage_seconds));
	snprintf(line, sizeof line, "%-8s %s", job_stage_name(bd->prog.stage), prog);
	if (!no_bytes)
		tui_put(row + 1, x + 2, w - 4, tui_attr(ROLE_NORMAL), line);
	struct job_progress now = bd->prog;
	if (bd->done || now.stage != JOB_STAGE_WRITE)
		now.wire_total = 0; /* the totals of the files written, not the last one's */
	tui_fmt_engine(line, sizeof line, &now, bd->files, bd->file_done, b->nsteps);
	tui_put(row + 2, x + 2, w - 4, tui_attr(ROLE_DIM), line);
	row++;
	const char *hint = "Esc cancel   l full log   q quit";
	int role = ROLE_NORMAL;
	result_line(b, bd, line, sizeof line, &role, &hint);
	/* The result and what was written, wrapped: every word of an error matters. */
	bool info = bd->done && b->action == ACT_INFO && b->chip[0][0];
	const char *texts[4] = {line, bd->done ? b->job_summary : "", info ? b->chip[0] : "",
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
/* --- several boards ------------------------------------------------------------------ */

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

/* The failure text with its cause first: the result event says what was and was not
 * written, job_wait's detail the cause ("port closed", "timeout ..."). */
static const char *board_text(const struct job_board *bd, char *buf, size_t cap)
{
	if (bd->result != ED_OK && bd->result != ED_ERR_CANCELLED && bd->cause[0] &&
	    !strstr(bd->result_text, bd->cause))
		snprintf(buf, cap, "%.500s (%.280s)", bd->cause, bd->result_text);
	else
		snprintf(buf, cap, "%s", bd->result_text);
	return buf;
}

static const char *row_result(const struct job_board *bd, char *buf, size_t cap)
{
	const char *boot =
	    bd->verdict == JOB_BOOT_NOT_CHECKED ? "" : job_boot_verdict_name(bd->verdict);
	if (bd->result == ED_OK)
		snprintf(buf, cap, "%s%s%s",
			 bd->prog.total || bd->result_text[0] ? "verified" : "ok",
			 boot[0] ? ", " : "", boot);
	else if (bd->result == ED_ERR_CANCELLED)
		snprintf(buf, cap, "cancelled");
	else {
		char text[1400];
		snprintf(buf, cap, "FAILED: %s", failure_cause(board_text(bd, text, sizeof text)));
	}
	return buf;
}

static void draw_row(const struct bench *b, size_t i, int y, int x, int w, bool sel)
{
	const struct job_board *bd = job_group_board(b->group, i);
	char port[18], who[19], stage[9], line[1024], tail[900];
	tui_fmt_fit(port, 16, bd->label);
	tui_fmt_fit(who, 17, bd->mac[0] ? bd->mac : bd->have_chip ? bd->chip.name : "-");
	tui_fmt_fit(stage, 7, bd->done ? "done" : bd->cancel_sent ? "cancel" : bd->stage_name);
	int role = ROLE_NORMAL;
	if (bd->done) {
		row_result(bd, tail, sizeof tail);
		role = bd->result == ED_OK		? ROLE_OK
		       : bd->result == ED_ERR_CANCELLED ? ROLE_WARN
							: ROLE_ERROR;
	} else {
		char bar[16], rate[24], eta[16];
		tui_fmt_bar(bar, 10, bd->prog.done, bd->prog.total);
		snprintf(tail, sizeof tail, "[%s] %9s %6s", bar,
			 tui_fmt_rate(rate, sizeof rate, bd->prog.rate_bps),
			 tui_fmt_eta(eta, sizeof eta, bd->prog.eta_s));
	}
	snprintf(line, sizeof line, "%s%s %s %s %s", sel ? ">" : " ", port, who, stage, tail);
	tui_put_pad(y, x, w, sel ? tui_attr(ROLE_SELECTED) : tui_attr(role), line);
}

static void multi_draw(const struct bench *b)
{
	int h = LINES, w = COLS;
	size_t nboards = job_group_count(b->group);
	erase();
	tui_put_pad(0, 0, w, tui_attr(ROLE_TITLE), b->job_title);
	char head[160];
	snprintf(head, sizeof head, " %-16s %-17s %-7s %s", "port", "chip / MAC", "stage",
		 "progress / result");
	tui_put(1, 0, w, tui_attr(ROLE_DIM), head);
	/* Rows scroll around the selected board; 8 lines stay for detail, summary, keys. */
	int rows = h - 10;
	if (rows < 1)
		rows = 1;
	size_t first = 0;
	if (b->board_sel >= (size_t)rows)
		first = b->board_sel - (size_t)rows + 1;
	for (int r = 0; r < rows && first + (size_t)r < nboards; r++)
		draw_row(b, first + (size_t)r, 2 + r, 0, w, first + (size_t)r == b->board_sel);
	int y = 2 + rows;
	if (nboards) {
		const struct job_board *bd = job_group_board(b->group, b->board_sel);
		char line[512], res[1400], text[1400];
		snprintf(line, sizeof line, "%s: %s %s", bd->label,
			 bd->have_chip ? bd->chip.name : "chip ?", b->history[b->board_sel]);
		tui_put(y++, 0, w, tui_attr(ROLE_NORMAL), line);
		snprintf(line, sizeof line, "boot: %s%s%s", job_boot_verdict_name(bd->verdict),
			 bd->verdict_reason[0] ? ", " : "", bd->verdict_reason);
		tui_put(y++, 0, w, tui_attr(ROLE_NORMAL), line);
		struct job_progress now = bd->prog;
		if (bd->done || now.stage != JOB_STAGE_WRITE)
			now.wire_total = 0;
		tui_fmt_engine(line, sizeof line, &now, bd->files, bd->file_done, b->nsteps);
		tui_put(y++, 0, w, tui_attr(ROLE_DIM), line);
		if (bd->done && bd->result != ED_OK && bd->result != ED_ERR_CANCELLED)
			snprintf(res, sizeof res, "FAILED: %s", board_text(bd, text, sizeof text));
		else if (bd->done)
			row_result(bd, res, sizeof res);
		tui_put(y++, 0, w, tui_attr(ROLE_NORMAL), bd->done ? res : "running");
	}
	bool running = bench_job_running(b);
	tui_put(y + 1, 0, w, tui_attr(ROLE_TITLE),
		running		      ? "running..."
		: b->multi_summary[0] ? b->multi_summary
				      : "");
	tui_put(h - 1, 0, w, tui_attr(ROLE_DIM),
		running ? "Up/Down board  Esc cancel all  c cancel this board  l log"
			: "Up/Down board  Enter/Esc back  l log  q quit");
}

static void progress_draw(struct screen *s, struct tui *ui)
{
	const struct bench *b = s->state;
	if (!b->group)
		return;
	if (b->multi)
		multi_draw(b);
	else
		single_draw(b);
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
	bench_job_cancel(b);
}

static int progress_key(struct screen *s, struct tui *ui, int key)
{
	struct bench *b = s->state;
	bool running = bench_job_running(b);
	size_t n = b->group ? job_group_count(b->group) : 0;
	switch (key) {
	case KEY_UP:
	case 'k':
		if (b->board_sel > 0)
			b->board_sel--;
		return SCREEN_REDRAW;
	case KEY_DOWN:
	case 'j':
		if (b->board_sel + 1 < n)
			b->board_sel++;
		return SCREEN_REDRAW;
	case 'c':
		if (running && b->multi)
			bench_job_cancel_board(b, b->board_sel);
		return SCREEN_REDRAW;
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
		if (!running && !b->multi && b->last_dump[0]) {
			bench_open_dump(b, b->last_dump);
			return SCREEN_POP | SCREEN_REDRAW;
		}
		return SCREEN_NONE;
	case 'q':
		if (!running)
			return SCREEN_QUIT;
		tui_push(ui, dialog_confirm("Quit",
					    b->multi ? "Boards are being written. Cancel "
						       "them all and quit?"
						     : "A job is running. Cancel it (the "
						       "board is left in a known state) and quit?",
					    quit_yes, b));
		return SCREEN_REDRAW;
	}
	return SCREEN_NONE;
}

struct screen *bench_progress_screen(struct bench *b)
{
	return screen_new(&(struct screen){.name = b->multi ? "boards" : "progress",
					   .draw = progress_draw,
					   .key = progress_key,
					   .state = b});
}
