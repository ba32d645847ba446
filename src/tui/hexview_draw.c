/* SPDX-License-Identifier: MIT
 * Drawing of the hex viewer: rows as rendered by dump_view (the same text as --dump),
 * coloured per byte afterwards; the sector map; the structure pane; status and footer.
 * Reads state only (style.md §11). */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "dump/dump_addr.h"
#include "tui/hexview_int.h"
#include "tui/tui_int.h"

static void put(int y, int x, int max, int attr, const char *text)
{
	if (max <= 0 || y < 0 || y >= LINES)
		return;
	attron(attr);
	mvaddnstr(y, x, text, max);
	attroff(attr);
}

static void fill_line(int y, int attr)
{
	attron(attr);
	mvhline(y, 0, ' ', COLS);
	attroff(attr);
}

static void paint(int y, int x, int n, int attr)
{
	if (x + n > COLS)
		return;
	mvchgat(y, x, n, (attr_t)(attr & ~A_COLOR), (short)PAIR_NUMBER(attr), NULL);
}

static void draw_title(const struct hexview *hv)
{
	char line[512], size[32];
	int n = snprintf(line, sizeof line, " hexview %s  %s at 0x%x (%s)", ed_basename(hv->path),
			 ed_format_size(size, sizeof size, dump_view_size(hv->view)), hv->base,
			 hv->base_source);
	if (hv->diff && n > 0 && (size_t)n < sizeof line)
		snprintf(line + n, sizeof line - (size_t)n, "  vs %s: %llu differ in %zu sector%s",
			 ed_basename(hv->cmp_path), (unsigned long long)dump_diff_bytes(hv->diff),
			 dump_diff_sectors(hv->diff), dump_diff_sectors(hv->diff) == 1 ? "" : "s");
	fill_line(0, tui_attr(ROLE_TITLE));
	put(0, 0, COLS, tui_attr(ROLE_TITLE), line);
}

static int class_attr(uint8_t b)
{
	static const enum tui_role roles[] = {ROLE_BYTE_ZERO, ROLE_BYTE_FF, ROLE_BYTE_PRINT,
					      ROLE_BYTE_OTHER};
	return tui_attr(roles[dump_byte_class(b)]);
}

/* Marks which bytes of [off, off+len) belong to a match of the current pattern. */
static void matches_in(const struct hexview *hv, size_t off, size_t len, bool *mark)
{
	memset(mark, 0, len);
	if (!hv->have_pattern)
		return;
	const uint8_t *d = dump_view_data(hv->view);
	size_t n = dump_view_size(hv->view), plen = hv->pattern.len;
	size_t lo = off >= plen - 1 ? off - (plen - 1) : 0;
	size_t hi = off + len + plen - 1 < n ? off + len + plen - 1 : n;
	long long at = -1;
	while ((at = dump_search(d + lo, hi - lo, &hv->pattern, (size_t)(at + 1), false)) >= 0) {
		for (size_t i = 0; i < plen; i++) {
			size_t b = lo + (size_t)at + i;
			if (b >= off && b < off + len)
				mark[b - off] = true;
		}
	}
}

/* Colours the bytes of one row drawn at (y, x) from view v (the first dump when
 * second is false). */
static void colour_row(const struct hexview *hv, const struct dump_view *v, bool second,
		       const struct dump_line *line, int y, int x, int max_x)
{
	const uint8_t *d = dump_view_data(v);
	unsigned w = dump_view_width(v);
	bool mark[32];
	matches_in(hv, line->off, line->len, mark);
	size_t sel_lo = 0, sel_hi = 0;
	if (hv->selecting)
		hv_selection(hv, &sel_lo, &sel_hi);
	bool in_annot = hv->pane && hv->pane_focus && hv->pane_sel < hv->annots.count;
	size_t an_lo = in_annot ? hv->annots.items[hv->pane_sel].off : 0;
	size_t an_hi = in_annot ? an_lo + hv->annots.items[hv->pane_sel].len : 0;
	for (unsigned i = 0; i < line->len; i++) {
		size_t off = line->off + i;
		int attr = class_attr(d[off]);
		if (hv->selecting && off >= sel_lo && off <= sel_hi)
			attr = tui_attr(ROLE_SELECTED);
		if (in_annot && off >= an_lo && off < an_hi)
			attr = tui_attr(ROLE_REGION_0); /* the structure selected in the pane */
		if (hv->diff && dump_diff_at(hv->diff, off))
			attr = tui_attr(ROLE_DIFF) | (second ? A_REVERSE : 0);
		if (!second && mark[i])
			attr = tui_attr(ROLE_MATCH);
		if (off == hv->cursor && !hv->pane_focus)
			attr |= A_REVERSE;
		int hx = x + (int)dump_row_hex_col(w, i), ax = x + (int)dump_row_ascii_col(w, i);
		if (hx + 2 <= max_x)
			paint(y, hx, 2, attr);
		if (ax + 1 <= max_x)
			paint(y, ax, 1, attr);
	}
}

/* The second dump's row for line, at (y, x); label replaces the address when set. */
static void draw_second(const struct hexview *hv, const struct dump_line *line, int y, int x,
			int max_x, const char *label)
{
	char text[DUMP_LINE_MAX];
	size_t n2 = dump_view_size(hv->cmp_view);
	if (line->off >= n2) {
		put(y, x, max_x - x, tui_attr(ROLE_DIFF),
		    label ? "       2: (past the end of the second dump)"
			  : "(past the end of the second dump)");
		return;
	}
	if (line->collapsed) {
		long long at = dump_diff_next(hv->diff, line->off, false);
		bool differs = at >= 0 && (size_t)at < line->off + line->len;
		snprintf(text, sizeof text, "%s%s", label ? "       2: " : "",
			 differs ? "-- differs inside this run (Enter expands) --"
				 : "-- the same in the second dump --");
		put(y, x, max_x - x, tui_attr(differs ? ROLE_DIFF : ROLE_DIM), text);
		return;
	}
	/* on the first dump's last row, show what the second dump has past its end */
	size_t want = line->off + line->len == dump_view_size(hv->view) ? dump_view_width(hv->view)
									: line->len;
	struct dump_line l2 = {line->off, n2 - line->off < want ? n2 - line->off : want, false};
	dump_view_render_line(hv->cmp_view, &l2, text, sizeof text);
	if (label)
		memcpy(text, label, DUMP_ADDR_CHARS);
	put(y, x, max_x - x, A_NORMAL, text);
	colour_row(hv, hv->cmp_view, true, &l2, y, x, max_x);
}

static void draw_hex(const struct hexview *hv, const struct hv_layout *l)
{
	char text[DUMP_LINE_MAX];
	struct dump_line line;
	size_t n = dump_view_size(hv->view);
	int max_x = l->hex_cols;
	dump_view_line_at(hv->view, hv->top < n ? hv->top : 0, &line);
	for (int i = 0, y = 1; i < l->cap; i++, y += l->line_rows) {
		dump_view_render_line(hv->view, &line, text, sizeof text);
		if (line.collapsed) {
			bool here = hv->cursor >= line.off && hv->cursor < line.off + line.len;
			put(y, 0, max_x, tui_attr(ROLE_BYTE_FF) | (here ? A_REVERSE : 0), text);
		} else {
			put(y, 0, max_x, A_NORMAL, text);
			colour_row(hv, hv->view, false, &line, y, 0, max_x);
		}
		if (hv->cmp_view && l->side_by_side) {
			int x2 = (int)dump_row_chars(dump_view_width(hv->view)) + 1;
			put(y, x2, max_x - x2, tui_attr(ROLE_FRAME), "|");
			draw_second(hv, &line, y, x2 + 2, max_x, NULL);
		} else if (hv->cmp_view) {
			draw_second(hv, &line, y + 1, 0, max_x, "       2: ");
		}
		if (!dump_view_next(hv->view, &line, &line))
			break;
	}
}

static void draw_map(const struct hexview *hv, const struct hv_layout *l)
{
	size_t n = dump_view_sectors(hv->view), erased = 0, differ = 0;
	for (size_t k = 0; k < n; k++) {
		erased += dump_view_sector_erased(hv->view, k);
		differ += hv->diff && dump_diff_in_sector(hv->diff, k);
	}
	char text[200], diff_text[48] = "";
	if (hv->diff)
		snprintf(diff_text, sizeof diff_text, ", %zu differing (!)", differ);
	snprintf(text, sizeof text,
		 "sector map: %zu sectors of 4 KiB, %zu erased (.), %zu data (#)%s", n, erased,
		 n - erased, diff_text);
	put(1, 0, COLS, A_BOLD, text);
	size_t cells = (size_t)l->map_cells, cur = dump_sector_of(hv->base, hv->cursor);
	for (int r = 0; r < l->rows - 1; r++) {
		size_t k0 = (hv->map_top + (size_t)r) * cells;
		if (k0 >= n)
			break;
		uint64_t addr = dump_view_addr(hv->view, dump_sector_start(hv->base, k0));
		if (!dump_view_file_offsets(hv->view))
			addr = (uint64_t)hv->base / DUMP_SECTOR * DUMP_SECTOR + k0 * DUMP_SECTOR;
		snprintf(text, sizeof text, "%08llx ", (unsigned long long)addr);
		put(2 + r, 0, COLS, A_NORMAL, text);
		for (size_t c = 0; c < cells && k0 + c < n; c++) {
			size_t k = k0 + c;
			bool diff = hv->diff && dump_diff_in_sector(hv->diff, k);
			bool er = dump_view_sector_erased(hv->view, k);
			int attr = tui_attr(diff ? ROLE_DIFF : er ? ROLE_BYTE_FF : ROLE_BYTE_PRINT);
			if (k == cur)
				attr |= A_REVERSE;
			attron(attr);
			mvaddch(2 + r, 9 + (int)c, diff ? '!' : er ? '.' : '#');
			attroff(attr);
		}
	}
}

static void draw_pane(const struct hexview *hv, const struct hv_layout *l)
{
	int x = l->pane_x, w = l->pane_w;
	attron(tui_attr(ROLE_FRAME));
	mvvline(1, x - 1, ACS_VLINE, l->rows);
	attroff(tui_attr(ROLE_FRAME));
	put(1, x, w, A_BOLD,
	    hv->annots.count ? "Structure (Tab focus, Enter jump)"
			     : "Structure: nothing recognised");
	static const enum tui_role roles[] = {ROLE_NORMAL, ROLE_OK, ROLE_WARN, ROLE_ERROR};
	for (int r = 0; r < l->rows - 1; r++) {
		size_t i = hv->pane_top + (size_t)r;
		if (i >= hv->annots.count)
			break;
		const struct dump_annot *a = &hv->annots.items[i];
		char text[256];
		snprintf(text, sizeof text, "%06llx %s%s",
			 (unsigned long long)dump_view_addr(hv->view, a->off), a->depth ? "  " : "",
			 a->text);
		int attr = tui_attr(roles[a->status]);
		if (i == hv->pane_sel)
			attr = hv->pane_focus ? tui_attr(ROLE_SELECTED) : attr | (int)A_BOLD;
		put(2 + r, x, w, attr, text);
	}
}

static void draw_status(const struct hexview *hv, const struct hv_layout *l)
{
	const uint8_t *d = dump_view_data(hv->view);
	size_t off = hv->cursor;
	uint64_t flash = (uint64_t)hv->base + off;
	size_t k = dump_sector_of(hv->base, off);
	char text[400];
	int n = snprintf(text, sizeof text,
			 " 0x%06llx  offset 0x%zx  irom0 0x%08llx  byte %02x  sector 0x%llx %s",
			 (unsigned long long)flash, off,
			 (unsigned long long)(0x40200000u + (flash & 0xFFFFF)), d[off],
			 (unsigned long long)(flash / DUMP_SECTOR),
			 dump_view_sector_erased(hv->view, k) ? "erased" : "data");
	if (hv->selecting && n > 0 && (size_t)n < sizeof text) {
		size_t lo, hi;
		hv_selection(hv, &lo, &hi);
		n += snprintf(text + n, sizeof text - (size_t)n, "  selected %zu bytes",
			      hi - lo + 1);
	}
	if (hv->have_pattern && hv->match_at >= 0 && n > 0 && (size_t)n < sizeof text)
		n += snprintf(text + n, sizeof text - (size_t)n, "  match %zu/%zu", hv->match_index,
			      hv->match_count);
	/* the innermost known structure under the cursor (once the pane has been opened) */
	const struct dump_annot *in = NULL;
	for (size_t i = 0; i < hv->annots.count; i++) {
		const struct dump_annot *a = &hv->annots.items[i];
		if (off >= a->off && off < a->off + a->len && (!in || a->depth >= in->depth))
			in = a;
	}
	if (in && n > 0 && (size_t)n < sizeof text)
		snprintf(text + n, sizeof text - (size_t)n, "  in: %s", in->text);
	put(l->lines - 2, 0, COLS, A_BOLD, text);
}

static void draw_footer(const struct hexview *hv, const struct hv_layout *l)
{
	static const char *const prompts[] = {
	    "", "Go to (0x3fe010, 3fe010, 4096, +0x100, -16): ",
	    "Search forward (hex e9 ?? 00, or \"text): ",
	    "Search backward (hex e9 ?? 00, or \"text): ", "Export the selection to file: "};
	int y = l->lines - 1;
	if (hv->prompt != HV_PROMPT_NONE) {
		char text[300];
		snprintf(text, sizeof text, "%s%s_", prompts[hv->prompt], hv->input);
		put(y, 0, COLS, A_BOLD, text);
		return;
	}
	if (hv->msg[0]) {
		put(y, 0, COLS, tui_attr(hv->msg_role), hv->msg);
		return;
	}
	/* the most used keys first: an 80-column footer cuts the rest (all in espdeck(1)) */
	const char *keys =
	    hv->mode == HV_MAP ? " arrows move  Enter open sector  m back  q quit"
	    : hv->diff
		? " q quit  h help  g goto  / ? find  n N match  d D diff  i layout  s struct  "
		  "m map  [ ] data  v x export  o offsets  w width"
		: " q quit  h help  g goto  / ? find  n N match  [ ] data  s struct  m map  "
		  "e expand  v x export  o offsets  w width";
	fill_line(y, tui_attr(ROLE_FOOTER));
	put(y, 0, COLS, tui_attr(ROLE_FOOTER), keys);
}

static void draw_help(const struct hv_layout *l)
{
	static const char *const lines[] = {
	    "arrows PgUp PgDn Home End  move",
	    "g          go to: 0x3fe010, 3fe010, 4096, 4k, +0x100, -16",
	    "/ ?        search forward / backward: e9 ?? 00 60 or \"text",
	    "n N        next / previous match",
	    "[ ]        previous / next sector that is not erased",
	    "Enter e    expand or collapse the erased run; c: collapsing on/off",
	    "s Tab      structure pane; Tab selects in it, Enter jumps",
	    "m          sector map (. erased, # data, ! differs)",
	    "d D        next / previous difference (--compare); i: layout",
	    "o          flash addresses / file offsets",
	    "w          row width: adapt, 8, 16, 32",
	    "v x        start a selection; write it to a file",
	    "q Esc      leave          (any key closes this help)",
	};
	int n = (int)(sizeof lines / sizeof lines[0]), w = 74;
	int x = (l->cols - w) / 2 > 0 ? (l->cols - w) / 2 : 0, y = 2;
	for (int i = -1; i <= n; i++) {
		attron(tui_attr(ROLE_SELECTED));
		mvhline(y + 1 + i, x, ' ', w < l->cols ? w : l->cols);
		attroff(tui_attr(ROLE_SELECTED));
	}
	put(y, x + 2, w - 2, tui_attr(ROLE_SELECTED) | (int)A_BOLD, "hexview keys");
	for (int i = 0; i < n; i++)
		put(y + 1 + i, x + 2, w - 4, tui_attr(ROLE_SELECTED), lines[i]);
}

void hv_draw(struct screen *s, struct tui *ui)
{
	const struct hexview *hv = s->state;
	struct hv_layout l;
	hv_layout(hv, LINES, COLS, &l);
	if (ui && l.width != dump_view_width(hv->view))
		tui_tick_within(ui, 0); /* new terminal size: tick() re-lays the rows out */
	erase();
	draw_title(hv);
	if (LINES < 6 || COLS < 50) {
		put(1, 0, COLS, tui_attr(ROLE_WARN), "terminal too small (50x6 at least)");
		return;
	}
	/* a last look before touching pages: a file truncated since the last key or tick
	 * would raise SIGBUS on the first byte past its new end */
	struct ed_error err = {0};
	bool changed = !hv->broken && (dump_file_check(hv->file, &err) < 0 ||
				       (hv->cmp_file && dump_file_check(hv->cmp_file, &err) < 0));
	if (hv->broken || changed) {
		put(2, 1, COLS - 1, tui_attr(ROLE_ERROR), changed ? err.msg : hv->msg);
		put(4, 1, COLS - 1, A_NORMAL,
		    "The view stopped to avoid reading a file that changed. "
		    "Press q and open it again.");
		return;
	}
	if (hv->mode == HV_MAP)
		draw_map(hv, &l);
	else
		draw_hex(hv, &l);
	if (hv->pane && hv->mode == HV_HEX)
		draw_pane(hv, &l);
	draw_status(hv, &l);
	draw_footer(hv, &l);
	if (hv->help)
		draw_help(&l);
}
