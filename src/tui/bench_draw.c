/* SPDX-License-Identifier: MIT
 * Drawing the bench screen: reads the state, never changes it. The geometry is computed
 * from LINES x COLS on every frame, so a resize at any moment just draws again. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "layout/layout_fmt.h"
#include "tui/bench.h"
#include "tui/draw.h"
#include "tui/format.h"

#define MIN_COLS  80
#define MIN_LINES 24

const char *const bench_help_lines[] = {
    "The bench screen: pick a port and a preset, check regions, press one key.",
    "",
    "Panes (Tab / Shift-Tab moves between them; the focused one reads > Name <):",
    "  Ports     the virtual board, --port, and serial ports (refreshed on hot-plug);",
    "            Space checks a port, a = all ESP USB bridges, + adds a virtual board;",
    "            w then writes the preset on every checked board at once",
    "  Presets   flash layouts from data/layouts and ~/.config/espdeck/layouts",
    "  Regions   the selected preset: Space checks/unchecks a region, a = all/none",
    "  Settings  Left/Right/Enter change baud, flash mode/size/freq, before/after,",
    "            verify, boot check and its listen time (ms); 'preset' takes the",
    "            preset's own value (boot: on when it has expect = rules)",
    "",
    "Actions:",
    "  w  write the preset (all regions, or only the checked ones) - asks first",
    "  e  erase the whole chip - asks first",
    "  r  read a block of flash (address/size from the selected region) to a file",
    "     named after its address, like flash-3fe000.bin",
    "  v  verify the checked regions against their files",
    "  i  chip info: chip, MAC, flash id and size",
    "  o  make OTA bins (user1.bin, user2.bin, gen_appbin format) from an ELF,",
    "     then publish them (a folder, or [user@]host:path with scp)   P  publish",
    "  x  open a dump in the hex viewer",
    "  S  station: write the preset to every board that appears (ESP bridges plugged",
    "     in, and the checked socket:// / rfc2217:// ports, polled), one row per slot;",
    "     boards the journal has with the same files are skipped; r retries failed",
    "     boards, q stops (boards being written finish; q again cancels them)",
    "  p  show the running job again     l  the whole log",
    "  Ctrl-R / F5  rescan ports and presets",
    "  ?  this help      q  quit (asks first while a job runs)",
    "",
    "While a job runs: Esc cancels it; the board is left in a known state and the",
    "view says what was and was not written. Every step and error goes to the log",
    "(and to --log FILE when given).",
};
const size_t bench_help_count = sizeof bench_help_lines / sizeof bench_help_lines[0];

struct geometry {
	int top_h, bottom_h, lw, rw, ports_h;
};

static struct geometry geometry(const struct bench *b)
{
	struct geometry g;
	int avail = LINES - 2;
	g.bottom_h = 9 + (avail > 22 ? (avail - 22) / 2 : 0);
	g.top_h = avail - g.bottom_h;
	g.lw = 22 + (COLS > MIN_COLS ? (COLS - MIN_COLS) / 4 : 0);
	if (g.lw > 34)
		g.lw = 34;
	g.rw = COLS - g.lw;
	g.ports_h = (int)b->nports + 2;
	if (g.ports_h < 4)
		g.ports_h = 4;
	if (g.ports_h > g.top_h / 2)
		g.ports_h = g.top_h / 2;
	return g;
}

/* First item of a window of rows that keeps sel visible. */
static size_t window(size_t sel, size_t count, int rows)
{
	if (rows <= 0 || count <= (size_t)rows || sel < (size_t)rows / 2)
		return 0;
	size_t first = sel - (size_t)rows / 2;
	return first + (size_t)rows > count ? count - (size_t)rows : first;
}

static void draw_title(const struct bench *b)
{
	char line[512], right[96], flash[96];
	const char *port = b->nports ? b->ports[b->port_sel].spec : "(none)";
	const struct job_board *bd = b->group ? job_group_board(b->group, b->board_sel) : NULL;
	if (bench_job_running(b) && bd)
		snprintf(right, sizeof right, " [%s %u%%] ", bd->stage_name,
			 tui_percent(bd->prog.done, bd->prog.total));
	else
		snprintf(right, sizeof right, " [idle] ");
	int rlen = (int)strlen(right);
	snprintf(flash, sizeof flash, "%s %s %s", bench_setting_value(b, SET_SIZE),
		 bench_setting_value(b, SET_MODE), bench_setting_value(b, SET_FREQ));
	/* The left part stops before the right one: nothing of it is overwritten. */
	tui_fmt_header(line, sizeof line, COLS > rlen ? (size_t)(COLS - rlen) : 0, port,
		       b->loaded ? b->layout.name : "-", flash, bench_setting_value(b, SET_BAUD));
	tui_put_pad(0, 0, COLS, tui_attr(ROLE_TITLE), line);
	tui_put(0, COLS - rlen, rlen, tui_attr(ROLE_TITLE), right);
}

/* A pane's frame. The focused pane's title reads "> Ports <", so focus shows without
 * colour too (NO_COLOR, a monochrome terminal, a screen reader; issue 15). */
static void pane_box(int y, int x, int h, int w, const char *title, bool focused)
{
	char marked[160];
	snprintf(marked, sizeof marked, focused ? "> %s <" : "%s", title);
	tui_box(y, x, h, w, marked, focused);
}

static void draw_list(int y, int x, int h, int w, const char *title, bool focused, size_t count,
		      size_t sel,
		      const char *(*item)(const struct bench *, size_t, int *, char *, size_t),
		      const struct bench *b)
{
	pane_box(y, x, h, w, title, focused);
	int rows = h - 2;
	size_t first = window(sel, count, rows);
	for (int r = 0; r < rows && first + (size_t)r < count; r++) {
		size_t i = first + (size_t)r;
		int role = ROLE_NORMAL;
		char buf[128], line[160];
		const char *text = item(b, i, &role, buf, sizeof buf);
		snprintf(line, sizeof line, "%s%s", i == sel ? ">" : " ", text);
		int attr = i == sel
			       ? (focused ? tui_attr(ROLE_SELECTED) : (int)A_BOLD | tui_attr(role))
			       : tui_attr(role);
		tui_put_pad(y + 1 + r, x + 1, w - 2, attr, line);
	}
}

static const char *port_item(const struct bench *b, size_t i, int *role, char *buf, size_t cap)
{
	*role = b->ports[i].is_virtual ? ROLE_OK : ROLE_NORMAL;
	snprintf(buf, cap, "[%c]%s", b->ports[i].checked ? 'x' : ' ', b->ports[i].label);
	return buf;
}

static const char *preset_item(const struct bench *b, size_t i, int *role, char *buf, size_t cap)
{
	const struct layout_entry *e = layout_catalog_get(b->cat, i);
	*role = e->parse_ok ? ROLE_NORMAL : ROLE_ERROR;
	snprintf(buf, cap, "%s%s%s", e->name, e->user ? " *" : "", e->parse_ok ? "" : " (broken)");
	return buf;
}

static int status_role(enum layout_status st)
{
	switch (st) {
	case LAYOUT_ST_OK:
		return ROLE_NORMAL;
	case LAYOUT_ST_OPTIONAL:
		return ROLE_DIM;
	default:
		return ROLE_ERROR;
	}
}

/* Problems of a preset that cannot be used, each as "file.ini:LINE: error: ...". */
static int draw_problems(const struct bench *b, int y, int x, int w, int rows)
{
	int row = 0;
	if (b->load_error[0]) {
		tui_put(y, x, w, tui_attr(ROLE_ERROR), b->load_error);
		return 1;
	}
	for (size_t i = 0; i < b->rep.count && row < rows; i++) {
		const struct layout_diag *d = &b->rep.items[i];
		char text[512];
		if (d->line > 0)
			snprintf(text, sizeof text, "%s:%d: %s: %s", ed_basename(b->layout.path),
				 d->line, d->severity == LAYOUT_ERROR ? "error" : "warning",
				 d->msg);
		else
			snprintf(text, sizeof text, "%s: %s: %s", ed_basename(b->layout.path),
				 d->severity == LAYOUT_ERROR ? "error" : "warning", d->msg);
		size_t starts[8], lens[8];
		size_t n = tui_wrap(text, (size_t)w, starts, lens, 8);
		for (size_t k = 0; k < n && k < 8 && row < rows; k++, row++) {
			char line[256];
			size_t len = lens[k] < sizeof line - 1 ? lens[k] : sizeof line - 1;
			memcpy(line, text + starts[k], len);
			line[len] = '\0';
			tui_put(y + row, x, w,
				tui_attr(d->severity == LAYOUT_ERROR ? ROLE_ERROR : ROLE_WARN),
				line);
		}
	}
	return row;
}

static void draw_map(const struct bench *b, int y, int x, int w)
{
	int cells[512];
	int n = w - 6;
	if (n > 512)
		n = 512;
	if (n < 8)
		return;
	layout_map_cells(&b->layout, b->files_ok || b->parse_ok ? &b->files : NULL, cells,
			 (size_t)n);
	tui_put(y, x, 5, tui_attr(ROLE_DIM), "map |");
	for (int c = 0; c < n; c++) {
		char ch[2] = {'.', '\0'};
		int attr = tui_attr(ROLE_DIM);
		if (cells[c] >= 0) {
			ch[0] = layout_map_char((size_t)cells[c]);
			attr = tui_attr((enum tui_role)(ROLE_REGION_0 + cells[c] % 8));
		}
		tui_put(y, x + 5 + c, 1, attr, ch);
	}
	tui_put(y, x + 5 + n, 1, tui_attr(ROLE_DIM), "|");
}

static void draw_detail(const struct bench *b, int y, int x, int w)
{
	const struct layout_region *r = &b->layout.regions[b->region_sel];
	const struct layout_file *f = &b->files.regions[b->region_sel];
	char line[1024], size[24], max[24];
	if (f->data)
		ed_format_size(size, sizeof size, f->size);
	else
		snprintf(size, sizeof size, "no file");
	if (r->max_size)
		ed_format_size(max, sizeof max, r->max_size);
	else
		snprintf(max, sizeof max, "no limit");
	snprintf(line, sizeof line, "%c %s: %s, %s of %s max, %s%s", layout_map_char(b->region_sel),
		 r->name, r->is_fill ? f->path : r->file, size, max, layout_status_name(f->status),
		 r->required ? "" : " (optional)");
	tui_put(y, x, w, tui_attr(ROLE_DIM), line);
}

static void draw_preset(const struct bench *b, int y, int x, int h, int w)
{
	char title[128];
	snprintf(title, sizeof title, "Preset %s%s", b->loaded ? b->layout.name : "",
		 b->loaded && !b->parse_ok ? " (broken)" : "");
	pane_box(y, x, h, w, title, b->focus == PANE_REGIONS);
	int iw = w - 2, ix = x + 1, row = y + 1, last = y + h - 2;
	if (!b->loaded || !b->parse_ok) {
		if (b->loaded || b->load_error[0])
			draw_problems(b, row, ix, iw, last - row + 1);
		else
			tui_put(row, ix, iw, tui_attr(ROLE_DIM), "no preset selected");
		return;
	}
	const struct layout *l = &b->layout;
	char line[512];
	tui_put(row++, ix, iw, tui_attr(ROLE_DIM), l->description);
	snprintf(line, sizeof line, "flash %s %s %s, erase %s, files in %s/", l->flash_size,
		 l->flash_mode, l->flash_freq, layout_erase_name(l->erase), b->cfg->firmware_dir);
	tui_put(row++, ix, iw, tui_attr(ROLE_NORMAL), line);
	int fw = iw - 48;
	if (fw < 6)
		fw = 6;
	layout_format_header(line, sizeof line, (size_t)fw);
	tui_put(row++, ix + 2, iw - 2, tui_attr(ROLE_DIM) | A_UNDERLINE, line);
	/* Rows for regions: keep one for the map, and one for the first problem if any. */
	int problem_rows = b->files_ok ? 0 : 1;
	int rows = last - row + 1 - 1 - problem_rows;
	/* With a row to spare, the selected region in full (the table cuts file names). */
	if (rows > (int)l->region_count && l->region_count) {
		draw_detail(b, last - 1 - problem_rows, ix, iw);
		rows--;
	}
	size_t first = window(b->region_sel, l->region_count, rows);
	for (int r = 0; r < rows && first + (size_t)r < l->region_count; r++) {
		size_t i = first + (size_t)r;
		const struct layout_file *f = &b->files.regions[i];
		char body[400];
		layout_format_row(l, i, &b->files, body, sizeof body, (size_t)fw);
		snprintf(line, sizeof line, "[%c]%s", b->checked[i] ? 'x' : ' ', body);
		bool sel = b->focus == PANE_REGIONS && i == b->region_sel;
		int attr = sel ? tui_attr(ROLE_SELECTED) : tui_attr(status_role(f->status));
		tui_put_pad(row + r, ix, iw, attr, line);
		char idx[2] = {layout_map_char(i), '\0'};
		tui_put(row + r, ix + 3, 1, tui_attr((enum tui_role)(ROLE_REGION_0 + i % 8)), idx);
	}
	if (problem_rows)
		draw_problems(b, last - 1, ix, iw, 1);
	draw_map(b, last, ix, iw);
}

static void draw_settings(const struct bench *b, int y, int x, int h, int w)
{
	bool focused = b->focus == PANE_SETTINGS;
	pane_box(y, x, h, w, "Settings", focused);
	/* More settings than rows at 80x24: the rows scroll with the selected one. */
	size_t first = window(b->set_sel, SET_COUNT, h - 2);
	for (int r = 0; first + (size_t)r < SET_COUNT && r < h - 2; r++) {
		int s = (int)first + r;
		char line[96];
		const char *value = bench_setting_value(b, (enum bench_setting)s);
		bool failed = false;
		const char *note = s == SET_BAUD ? bench_baud_note(b, value, &failed) : "";
		snprintf(line, sizeof line, "%-7s%s%s", bench_setting_name((enum bench_setting)s),
			 value, note);
		if ((int)strlen(line) > w - 2 && note[0]) /* 80 columns: the short form */
			snprintf(line, sizeof line, "%-7s%s %s",
				 bench_setting_name((enum bench_setting)s), value,
				 failed ? "FAIL" : "ok");
		int attr = focused && (size_t)s == b->set_sel ? tui_attr(ROLE_SELECTED)
			   : failed			      ? tui_attr(ROLE_WARN)
							      : tui_attr(ROLE_NORMAL);
		tui_put_pad(y + 1 + r, x + 1, w - 2, attr, line);
	}
}

static void draw_log(const struct bench *b, int y, int x, int h, int w)
{
	tui_box(y, x, h, w, "Log (l: all of it)", false);
	int rows = h - 2, iw = w - 2;
	/* Newest at the bottom: walk back from the last line until the pane is full. */
	int used = 0;
	size_t i = b->log_count;
	while (i > 0 && used < rows) {
		i--;
		used += (int)tui_wrap(bench_log_line(b, i, NULL), (size_t)iw - 1, (size_t[1]){0},
				      (size_t[1]){0}, 0);
	}
	int row = rows - used; /* negative when the oldest shown line is cut at the top */
	for (; i < b->log_count; i++) {
		int level = 2;
		const char *text = bench_log_line(b, i, &level);
		size_t starts[16], lens[16];
		size_t n = tui_wrap(text, (size_t)iw - 1, starts, lens, 16);
		int role = level == 0 ? ROLE_ERROR : level == 1 ? ROLE_WARN : ROLE_NORMAL;
		for (size_t k = 0; k < n && k < 16; k++, row++) {
			if (row < 0)
				continue;
			char line[512];
			size_t len = lens[k] < sizeof line - 1 ? lens[k] : sizeof line - 1;
			memcpy(line, text + starts[k], len);
			line[len] = '\0';
			tui_put(y + 1 + row, x + 1 + (k ? 1 : 0), iw - 1, tui_attr(role), line);
		}
	}
}

void bench_draw(struct screen *s, struct tui *ui)
{
	const struct bench *b = s->state;
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		char msg[128];
		snprintf(msg, sizeof msg, "terminal too small: %dx%d, the bench needs %dx%d", COLS,
			 LINES, MIN_COLS, MIN_LINES);
		tui_put(LINES / 2, 0, COLS, tui_attr(ROLE_WARN), msg);
		return;
	}
	struct geometry g = geometry(b);
	draw_title(b);
	draw_list(1, 0, g.ports_h, g.lw, "Ports", b->focus == PANE_PORTS, b->nports, b->port_sel,
		  port_item, b);
	draw_list(1 + g.ports_h, 0, g.top_h - g.ports_h, g.lw, "Presets", b->focus == PANE_PRESETS,
		  b->cat ? layout_catalog_count(b->cat) : 0, b->preset_sel, preset_item, b);
	draw_preset(b, 1, g.lw, g.top_h, g.rw);
	draw_settings(b, 1 + g.top_h, 0, g.bottom_h, g.lw);
	draw_log(b, 1 + g.top_h, g.lw, g.bottom_h, g.rw);
	static const char *const keys[] = {"w", "e", "r", "v",	 "i",	"o",
					   "x", "?", "q", "Tab", "Spc", "l"};
	static const char *const labels[] = {"write", "erase", "read", "verify", "info",  "ota",
					     "hex",   "help",  "quit", "pane",	 "check", "log"};
	tui_footer(LINES - 1, keys, labels, 12);
}
