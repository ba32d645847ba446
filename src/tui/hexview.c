/* SPDX-License-Identifier: MIT
 * The hex viewer screen: state, keys and prompts (drawing is in hexview_draw.c). key()
 * changes state only; every change that moves the cursor keeps it on screen using the
 * layout of the current terminal size. */
#include "app/exit.h"
#include "tui/hexview.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/outfile.h"
#include "core/util.h"
#include "dump/dump_addr.h"
#include "tui/hexview_int.h"
#include "tui/tui_int.h"

#define KEY_ESC 27
#define CTRL(c) ((c)&0x1F)

static void set_msg(struct hexview *hv, enum tui_role role, const char *text)
{
	size_t n = strlen(text);
	if (n >= sizeof hv->msg)
		n = sizeof hv->msg - 1;
	memcpy(hv->msg, text, n);
	hv->msg[n] = '\0';
	hv->msg_role = role;
}

void hv_layout(const struct hexview *hv, int lines, int cols, struct hv_layout *l)
{
	memset(l, 0, sizeof *l);
	l->lines = lines;
	l->cols = cols;
	l->rows = lines > 3 ? lines - 3 : 1;
	/* the pane leaves room for rows of 8 (43 columns) at least, 80 columns give 36 */
	int full = (int)dump_row_chars(16) + 1; /* a pane beside rows of 16 when it can be */
	l->pane_w = !hv->pane		? 0
		    : cols - full >= 36 ? (cols - full > 60 ? 60 : cols - full)
		    : cols - 44 > 20	? cols - 44
					: 20;
	l->pane_x = cols - l->pane_w;
	l->hex_cols = cols - l->pane_w - (hv->pane ? 1 : 0);
	bool cmp = hv->cmp_view != NULL;
	/* compare: side by side when two rows of 8 fit, else one under the other */
	l->side_by_side =
	    cmp && !hv->interleaved && (int)(2 * dump_row_chars(8) + 3) <= l->hex_cols;
	unsigned w = 8;
	static const unsigned widths[] = {32, 16, 8};
	for (size_t i = 0; i < 3; i++) {
		int need = (int)dump_row_chars(widths[i]);
		if (l->side_by_side)
			need = 2 * need + 3;
		if (need <= l->hex_cols) {
			w = widths[i];
			break;
		}
	}
	l->width = hv->width_pref ? hv->width_pref : w;
	l->line_rows = cmp && !l->side_by_side ? 2 : 1;
	l->cap = l->rows / l->line_rows;
	if (l->cap < 1)
		l->cap = 1;
	int cells = (cols - 12) / 16 * 16;
	l->map_cells = cells < 16 ? 16 : cells > 64 ? 64 : cells;
}

void hv_selection(const struct hexview *hv, size_t *lo, size_t *hi)
{
	*lo = hv->sel_anchor < hv->cursor ? hv->sel_anchor : hv->cursor;
	*hi = hv->sel_anchor < hv->cursor ? hv->cursor : hv->sel_anchor;
}

static size_t dump_size(const struct hexview *hv)
{
	return dump_view_size(hv->view);
}

/* Applies the width the terminal allows and keeps the cursor on screen. */
static void settle(struct hexview *hv)
{
	struct hv_layout l;
	hv_layout(hv, LINES, COLS, &l);
	dump_view_set_width(hv->view, l.width);
	if (hv->cmp_view)
		dump_view_set_width(hv->cmp_view, l.width);
	struct dump_line cl, t;
	dump_view_line_at(hv->view, hv->cursor, &cl);
	dump_view_line_at(hv->view, hv->top < dump_size(hv) ? hv->top : 0, &t);
	hv->top = t.off;
	if (cl.off < hv->top) {
		hv->top = cl.off;
		return;
	}
	for (int i = 0; i < l.cap; i++) {
		if (t.off == cl.off)
			return;
		if (!dump_view_next(hv->view, &t, &t))
			break;
	}
	/* below the screen: put the cursor's line on the last row */
	t = cl;
	for (int i = 1; i < l.cap && dump_view_prev(hv->view, &t, &t); i++)
		;
	hv->top = t.off;
}

static void move_lines(struct hexview *hv, int n)
{
	struct dump_line l;
	dump_view_line_at(hv->view, hv->cursor, &l);
	size_t col = l.collapsed ? 0 : hv->cursor - l.off;
	for (; n > 0 && dump_view_next(hv->view, &l, &l); n--)
		;
	for (; n < 0 && dump_view_prev(hv->view, &l, &l); n++)
		;
	hv->cursor = l.off + (l.collapsed ? 0 : (col < l.len ? col : l.len - 1));
}

static void move_bytes(struct hexview *hv, int n)
{
	struct dump_line l;
	dump_view_line_at(hv->view, hv->cursor, &l);
	if (n > 0) {
		size_t to = l.collapsed ? l.off + l.len : hv->cursor + 1;
		if (to < dump_size(hv))
			hv->cursor = to;
	} else if (hv->cursor > 0) {
		dump_view_line_at(hv->view, hv->cursor - 1, &l);
		hv->cursor = l.collapsed ? l.off : hv->cursor - 1;
	}
}

static void jump(struct hexview *hv, size_t off)
{
	hv->cursor = off < dump_size(hv) ? off : dump_size(hv) - 1;
	struct dump_line l;
	dump_view_line_at(hv->view, hv->cursor, &l);
	if (l.collapsed && l.off != hv->cursor)
		dump_view_toggle_run(hv->view, hv->cursor); /* show the byte asked for */
}

static void find(struct hexview *hv, bool backward, bool from_here)
{
	if (!hv->have_pattern) {
		set_msg(hv, ROLE_WARN, "no search yet: press / (forward) or ? (backward)");
		return;
	}
	const uint8_t *d = dump_view_data(hv->view);
	size_t n = dump_size(hv);
	size_t from = backward ? (hv->cursor ? hv->cursor - 1 : 0) : hv->cursor + !from_here;
	long long at = -1;
	if (backward ? hv->cursor > 0 : from < n)
		at = dump_search(d, n, &hv->pattern, from, backward);
	bool wrapped = false;
	if (at < 0) {
		at = dump_search(d, n, &hv->pattern, backward ? n - 1 : 0, backward);
		wrapped = true;
	}
	char desc[96], text[256];
	dump_pattern_describe(&hv->pattern, desc, sizeof desc);
	if (at < 0) {
		hv->match_at = -1;
		snprintf(text, sizeof text, "%s: not found", desc);
		set_msg(hv, ROLE_WARN, text);
		return;
	}
	hv->match_at = at;
	if (!hv->counted) { /* once per pattern: n / N only need the index */
		hv->match_count = dump_search_count(d, n, &hv->pattern);
		hv->counted = true;
	}
	size_t before = (size_t)at + hv->pattern.len - 1;
	hv->match_index = dump_search_count(d, before, &hv->pattern) + 1;
	jump(hv, (size_t)at);
	snprintf(text, sizeof text, "%s: match %zu of %zu%s", desc, hv->match_index,
		 hv->match_count, wrapped ? " (search wrapped)" : "");
	set_msg(hv, ROLE_OK, text);
}

static void do_goto(struct hexview *hv)
{
	struct ed_error err = {0};
	uint64_t lo = dump_view_addr(hv->view, 0), hi = lo + dump_size(hv), t;
	if (dump_parse_goto(hv->input, dump_view_addr(hv->view, hv->cursor), lo, hi, &t, &err) <
	    0) {
		set_msg(hv, ROLE_ERROR, err.msg);
		return;
	}
	jump(hv, (size_t)(t - lo));
}

static void do_export(struct hexview *hv)
{
	size_t lo, hi;
	struct ed_error err = {0};
	char text[300];
	hv_selection(hv, &lo, &hi);
	if (ed_output_write(hv->input, dump_view_data(hv->view) + lo, hi - lo + 1, &err) < 0) {
		set_msg(hv, ROLE_ERROR, err.msg);
		return;
	}
	snprintf(text, sizeof text, "wrote %zu bytes (0x%llx-0x%llx) to %s", hi - lo + 1,
		 (unsigned long long)dump_view_addr(hv->view, lo),
		 (unsigned long long)dump_view_addr(hv->view, hi), hv->input);
	set_msg(hv, ROLE_OK, text);
	hv->selecting = false;
}

static void submit(struct hexview *hv)
{
	struct ed_error err = {0};
	enum hv_prompt p = hv->prompt;
	hv->prompt = HV_PROMPT_NONE;
	if (p == HV_PROMPT_GOTO) {
		do_goto(hv);
	} else if (p == HV_PROMPT_FIND || p == HV_PROMPT_RFIND) {
		if (dump_pattern_parse(hv->input, &hv->pattern, &err) < 0) {
			hv->have_pattern = false;
			set_msg(hv, ROLE_ERROR, err.msg);
			return;
		}
		hv->have_pattern = true;
		hv->counted = false;
		find(hv, p == HV_PROMPT_RFIND, false);
	} else if (p == HV_PROMPT_EXPORT) {
		do_export(hv);
	}
}

static int prompt_key(struct hexview *hv, int key)
{
	if (key == KEY_ESC || key == CTRL('c') || key == CTRL('g') || key == TUI_KEY_INTERRUPT) {
		hv->prompt = HV_PROMPT_NONE;
	} else if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		submit(hv);
	} else if (key == KEY_BACKSPACE || key == 127 || key == CTRL('h')) {
		if (hv->input_len)
			hv->input[--hv->input_len] = '\0';
	} else if (key == CTRL('u')) {
		hv->input_len = 0;
		hv->input[0] = '\0';
	} else if (key >= 0x20 && key < 0x7F && hv->input_len + 1 < sizeof hv->input) {
		hv->input[hv->input_len++] = (char)key;
		hv->input[hv->input_len] = '\0';
	}
	return SCREEN_REDRAW;
}

static void start_prompt(struct hexview *hv, enum hv_prompt p)
{
	hv->prompt = p;
	hv->input_len = 0;
	hv->input[0] = '\0';
}

static void open_pane(struct hexview *hv)
{
	if (!hv->annots_done) {
		struct ed_error err = {0};
		const char *preset = hv->preset ? hv->preset : hv->cfg ? hv->cfg->preset : NULL;
		if (dump_annotate_with_preset(dump_view_data(hv->view), dump_size(hv), hv->base,
					      hv->flash_size, preset, &hv->annots, &err) < 0)
			set_msg(hv, ROLE_ERROR, err.msg);
		hv->annots_done = true;
	}
	hv->pane = !hv->pane;
	hv->pane_focus = hv->pane;
}

static void pane_key(struct hexview *hv, int key)
{
	struct hv_layout l;
	hv_layout(hv, LINES, COLS, &l);
	size_t n = hv->annots.count;
	if (n == 0)
		return;
	if (key == KEY_DOWN && hv->pane_sel + 1 < n)
		hv->pane_sel++;
	else if (key == KEY_UP && hv->pane_sel > 0)
		hv->pane_sel--;
	else if (key == KEY_NPAGE)
		hv->pane_sel =
		    hv->pane_sel + (size_t)l.rows < n ? hv->pane_sel + (size_t)l.rows : n - 1;
	else if (key == KEY_PPAGE)
		hv->pane_sel = hv->pane_sel > (size_t)l.rows ? hv->pane_sel - (size_t)l.rows : 0;
	else if (key == '\n' || key == '\r' || key == KEY_ENTER)
		jump(hv, hv->annots.items[hv->pane_sel].off);
	if (hv->pane_sel < hv->pane_top)
		hv->pane_top = hv->pane_sel;
	if (hv->pane_sel >= hv->pane_top + (size_t)l.rows)
		hv->pane_top = hv->pane_sel - (size_t)l.rows + 1;
}

static void map_key(struct hexview *hv, int key)
{
	struct hv_layout l;
	hv_layout(hv, LINES, COLS, &l);
	size_t k = dump_sector_of(hv->base, hv->cursor), n = dump_view_sectors(hv->view);
	size_t cells = (size_t)l.map_cells;
	if (key == KEY_RIGHT && k + 1 < n)
		k++;
	else if (key == KEY_LEFT && k > 0)
		k--;
	else if (key == KEY_DOWN && k + cells < n)
		k += cells;
	else if (key == KEY_UP && k >= cells)
		k -= cells;
	else if (key == KEY_HOME)
		k = 0;
	else if (key == KEY_END)
		k = n - 1;
	else if (key == '\n' || key == '\r' || key == KEY_ENTER || key == 'm')
		hv->mode = HV_HEX;
	hv->cursor = dump_sector_start(hv->base, k);
	size_t row = k / cells, rows = (size_t)(l.rows > 1 ? l.rows - 1 : 1);
	if (row < hv->map_top)
		hv->map_top = row;
	if (row >= hv->map_top + rows)
		hv->map_top = row - rows + 1;
}

static void toggle_width(struct hexview *hv)
{
	static const unsigned next[] = {8, 16, 32, 0};
	unsigned w = hv->width_pref;
	hv->width_pref = w == 0 ? next[0] : w == 8 ? next[1] : w == 16 ? next[2] : next[3];
}

static void jump_sector(struct hexview *hv, bool backward)
{
	long long at = dump_view_data_sector(hv->view, hv->cursor, backward);
	if (at < 0)
		set_msg(hv, ROLE_WARN,
			backward ? "no data sector before this one"
				 : "no data sector after this one");
	else
		jump(hv, (size_t)at);
}

static void jump_diff(struct hexview *hv, bool backward)
{
	if (!hv->diff) {
		set_msg(hv, ROLE_WARN, "no second dump: start with --compare FILE2");
		return;
	}
	long long at = -1;
	if (!backward)
		at = dump_diff_next(hv->diff, hv->cursor + 1, false);
	else if (hv->cursor > 0)
		at = dump_diff_next(hv->diff, hv->cursor - 1, true);
	if (at < 0 || (size_t)at >= dump_size(hv))
		set_msg(hv, ROLE_WARN,
			backward ? "no difference before the cursor"
				 : "no difference after the cursor");
	else
		jump(hv, (size_t)at);
}

/* Moving keys: cursor, pages, go-to, search, sector and difference jumps. */
static bool move_key(struct hexview *hv, int key, const struct hv_layout *l)
{
	struct dump_line last;
	switch (key) {
	case KEY_LEFT:
		move_bytes(hv, -1);
		break;
	case KEY_RIGHT:
		move_bytes(hv, 1);
		break;
	case KEY_UP:
		move_lines(hv, -1);
		break;
	case KEY_DOWN:
		move_lines(hv, 1);
		break;
	case KEY_PPAGE:
		move_lines(hv, -l->cap);
		break;
	case KEY_NPAGE:
	case ' ':
		move_lines(hv, l->cap);
		break;
	case KEY_HOME:
	case 'H':
		hv->cursor = 0;
		break;
	case KEY_END:
	case 'E': /* the last line, collapsed or not */
		dump_view_line_at(hv->view, dump_size(hv) - 1, &last);
		hv->cursor = last.off;
		break;
	case 'g':
	case ':':
		start_prompt(hv, HV_PROMPT_GOTO);
		break;
	case '/':
		start_prompt(hv, HV_PROMPT_FIND);
		break;
	case '?':
		start_prompt(hv, HV_PROMPT_RFIND);
		break;
	case 'n':
		find(hv, false, false);
		break;
	case 'N':
		find(hv, true, false);
		break;
	case ']':
		jump_sector(hv, false);
		break;
	case '[':
		jump_sector(hv, true);
		break;
	case 'd':
		jump_diff(hv, false);
		break;
	case 'D':
		jump_diff(hv, true);
		break;
	default:
		return false;
	}
	return true;
}

/* Keys that change what is shown: runs, addresses, width, layout, pane, map, selection. */
static bool view_key(struct hexview *hv, int key)
{
	switch (key) {
	case '\n':
	case '\r':
	case KEY_ENTER:
	case 'e':
		if (!dump_view_toggle_run(hv->view, hv->cursor))
			set_msg(hv, ROLE_WARN, "no erased run here to expand or collapse");
		break;
	case 'c':
		dump_view_set_collapse(hv->view, !dump_view_collapse(hv->view));
		break;
	case 'o':
		dump_view_set_file_offsets(hv->view, !dump_view_file_offsets(hv->view));
		if (hv->cmp_view)
			dump_view_set_file_offsets(hv->cmp_view, dump_view_file_offsets(hv->view));
		break;
	case 'w':
		toggle_width(hv);
		break;
	case 'i':
		hv->interleaved = !hv->interleaved;
		break;
	case 's':
		open_pane(hv);
		break;
	case '\t':
		hv->pane_focus = hv->pane && !hv->pane_focus;
		break;
	case 'm':
		hv->mode = HV_MAP;
		break;
	case 'v':
		hv->selecting = !hv->selecting;
		hv->sel_anchor = hv->cursor;
		break;
	case 'x':
		if (!hv->selecting)
			set_msg(hv, ROLE_WARN,
				"nothing selected: press v at one end, move, then x");
		else
			start_prompt(hv, HV_PROMPT_EXPORT);
		break;
	default:
		return false;
	}
	return true;
}

/* Keys of the hex view proper; returns false for keys it does not know. */
static bool hex_key(struct hexview *hv, int key, const struct hv_layout *l)
{
	return move_key(hv, key, l) || view_key(hv, key);
}

static int check_file(struct hexview *hv)
{
	struct ed_error err = {0};
	if (hv->broken)
		return 1;
	if (dump_file_check(hv->file, &err) < 0 ||
	    (hv->cmp_file && dump_file_check(hv->cmp_file, &err) < 0)) {
		hv->broken = true;
		set_msg(hv, ROLE_ERROR, err.msg);
		return 1;
	}
	return 0;
}

static int hv_key(struct screen *s, struct tui *ui, int key)
{
	struct hexview *hv = s->state;
	if (hv->prompt != HV_PROMPT_NONE) {
		prompt_key(hv, key);
		if (!check_file(hv))
			settle(hv);
		return SCREEN_REDRAW;
	}
	hv->msg[0] = '\0';
	if (hv->help) { /* any key closes the help */
		hv->help = false;
		return SCREEN_REDRAW;
	}
	if (key == 'h' || key == KEY_F(1)) {
		hv->help = true;
		return SCREEN_REDRAW;
	}
	if (key == 'q' || key == 'Q' || key == TUI_KEY_INTERRUPT ||
	    (key == KEY_ESC && hv->mode == HV_HEX && !hv->pane_focus))
		return SCREEN_POP;
	if (check_file(hv))
		return SCREEN_REDRAW; /* only q works on a file that changed */
	struct hv_layout l;
	hv_layout(hv, LINES, COLS, &l);
	if (hv->mode == HV_MAP) {
		if (key == KEY_ESC)
			hv->mode = HV_HEX;
		else
			map_key(hv, key);
	} else if (hv->pane_focus && key != '\t' && key != 's' &&
		   (key == KEY_UP || key == KEY_DOWN || key == KEY_PPAGE || key == KEY_NPAGE ||
		    key == '\n' || key == '\r' || key == KEY_ENTER || key == KEY_ESC)) {
		if (key == KEY_ESC)
			hv->pane_focus = false;
		else
			pane_key(hv, key);
	} else if (!hex_key(hv, key, &l)) {
		return SCREEN_NONE;
	}
	settle(hv);
	return SCREEN_REDRAW;
}

static int hv_tick(struct screen *s, struct tui *ui)
{
	struct hexview *hv = s->state;
	if (hv->broken)
		return SCREEN_NONE;
	if (check_file(hv))
		return SCREEN_REDRAW;
	struct hv_layout l;
	hv_layout(hv, LINES, COLS, &l);
	if (l.width != dump_view_width(hv->view)) {
		settle(hv);
		return SCREEN_REDRAW;
	}
	return SCREEN_NONE;
}

static void hv_destroy(struct screen *s)
{
	if (!s)
		return;
	struct hexview *hv = s->state;
	if (hv) {
		dump_annots_free(&hv->annots);
		dump_diff_destroy(hv->diff);
		dump_view_destroy(hv->cmp_view);
		dump_view_destroy(hv->view);
		dump_file_destroy(hv->cmp_file);
		dump_file_destroy(hv->file);
		free(hv->path);
		free(hv->cmp_path);
		free(hv->preset);
		free(hv);
	}
	free(s);
}

static int open_files(struct hexview *hv, const char *path, const char *compare_path,
		      struct ed_error *err)
{
	int rc = dump_file_open(path, &hv->file, err);
	if (rc == ED_OK)
		rc = dump_view_create(dump_file_data(hv->file), dump_file_size(hv->file), hv->base,
				      16, &hv->view, err);
	if (rc == ED_OK && compare_path) {
		rc = dump_file_open(compare_path, &hv->cmp_file, err);
		if (rc == ED_OK)
			rc = dump_view_create(dump_file_data(hv->cmp_file),
					      dump_file_size(hv->cmp_file), hv->base, 16,
					      &hv->cmp_view, err);
		if (rc == ED_OK)
			rc = dump_diff_create(dump_file_data(hv->file), dump_file_size(hv->file),
					      dump_file_data(hv->cmp_file),
					      dump_file_size(hv->cmp_file), hv->base, &hv->diff,
					      err);
		if (rc == ED_OK)
			dump_view_set_collapse(hv->cmp_view, false);
	}
	return rc;
}

struct screen *hexview_screen_create(const struct config *cfg, const char *path,
				     const char *compare_path, bool base_given, uint32_t base,
				     struct ed_error *err)
{
	struct screen *s = calloc(1, sizeof *s);
	struct hexview *hv = calloc(1, sizeof *hv);
	if (!s || !hv) {
		free(s);
		free(hv);
		ed_fail(err, ED_ERR_NOMEM, "out of memory opening the hex viewer");
		return NULL;
	}
	*s = (struct screen){.name = "hexview",
			     .draw = hv_draw,
			     .key = hv_key,
			     .tick = hv_tick,
			     .destroy = hv_destroy,
			     .state = hv};
	hv->cfg = cfg;
	hv->base = base;
	hv->base_source = base_given ? "--base" : "no base in the name";
	if (!base_given && dump_base_from_name(path, &hv->base))
		hv->base_source = "from the file name";
	hv->match_at = -1;
	hv->path = strdup(path);
	hv->cmp_path = compare_path ? strdup(compare_path) : NULL;
	if (!hv->path || (compare_path && !hv->cmp_path)) {
		ed_fail(err, ED_ERR_NOMEM, "out of memory opening the hex viewer");
		hv_destroy(s);
		return NULL;
	}
	if (open_files(hv, path, compare_path, err) < 0) {
		hv_destroy(s);
		return NULL;
	}
	if (hv->diff) {
		char text[160];
		snprintf(text, sizeof text,
			 "%llu differing byte%s in %zu sector%s (d / D: next / previous)",
			 (unsigned long long)dump_diff_bytes(hv->diff),
			 dump_diff_bytes(hv->diff) == 1 ? "" : "s", dump_diff_sectors(hv->diff),
			 dump_diff_sectors(hv->diff) == 1 ? "" : "s");
		set_msg(hv, dump_diff_bytes(hv->diff) ? ROLE_WARN : ROLE_OK, text);
	}
	return s;
}

void hexview_screen_options(struct screen *s, unsigned width, bool file_offsets)
{
	struct hexview *hv = s->state;
	hv->width_pref = width == 8 || width == 16 || width == 32 ? width : 0;
	dump_view_set_file_offsets(hv->view, file_offsets);
	if (hv->cmp_view)
		dump_view_set_file_offsets(hv->cmp_view, file_offsets);
}

void hexview_screen_flash_size(struct screen *s, uint32_t flash_size)
{
	struct hexview *hv = s->state;
	hv->flash_size = flash_size;
	if (hv->annots_done) {
		dump_annots_free(&hv->annots);
		hv->annots_done = false;
	}
}

void hexview_screen_preset(struct screen *s, const char *preset)
{
	struct hexview *hv = s->state;
	free(hv->preset);
	hv->preset = preset ? strdup(preset) : NULL;
	if (hv->annots_done) {
		dump_annots_free(&hv->annots);
		hv->annots_done = false;
	}
}

int hexview_main(const struct config *cfg, const char *path, const char *compare_path,
		 bool base_given, uint32_t base, unsigned width, bool file_offsets)
{
	struct ed_error err = {0};
	struct screen *s = hexview_screen_create(cfg, path, compare_path, base_given, base, &err);
	if (!s) {
		fprintf(stderr, "espdeck hexview: %s\n", err.msg);
		return APP_EXIT_FAIL;
	}
	hexview_screen_options(s, width, file_offsets);
	return tui_run(cfg, s);
}
