/* SPDX-License-Identifier: MIT
 * Curses drawing helpers (see draw.h). */
#include "tui/draw.h"

#include <curses.h>
#include <string.h>

#include "tui/screen.h"

void tui_put(int y, int x, int w, int attr, const char *s)
{
	if (y < 0 || y >= LINES || x >= COLS || w <= 0)
		return;
	if (x + w > COLS)
		w = COLS - x;
	attrset((attr_t)attr);
	mvaddnstr(y, x, s, w);
	attrset(A_NORMAL);
}

void tui_put_pad(int y, int x, int w, int attr, const char *s)
{
	if (y < 0 || y >= LINES || x >= COLS || w <= 0)
		return;
	if (x + w > COLS)
		w = COLS - x;
	int n = (int)strlen(s);
	if (n > w)
		n = w;
	attrset((attr_t)attr);
	mvaddnstr(y, x, s, n);
	for (int i = n; i < w; i++)
		addch(' ');
	attrset(A_NORMAL);
}

void tui_box(int y, int x, int h, int w, const char *title, bool focused)
{
	if (h < 2 || w < 2)
		return;
	int attr = tui_attr(focused ? ROLE_SELECTED : ROLE_FRAME);
	for (int r = y + 1; r < y + h - 1; r++)
		tui_put_pad(r, x + 1, w - 2, A_NORMAL, "");
	attrset((attr_t)tui_attr(ROLE_FRAME));
	mvhline(y, x + 1, ACS_HLINE, w - 2);
	mvhline(y + h - 1, x + 1, ACS_HLINE, w - 2);
	mvvline(y + 1, x, ACS_VLINE, h - 2);
	mvvline(y + 1, x + w - 1, ACS_VLINE, h - 2);
	mvaddch(y, x, ACS_ULCORNER);
	mvaddch(y, x + w - 1, ACS_URCORNER);
	mvaddch(y + h - 1, x, ACS_LLCORNER);
	mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
	attrset(A_NORMAL);
	if (title && *title) {
		char t[256];
		int n = (int)strlen(title);
		if (n > w - 4)
			n = w - 4;
		if (n > (int)sizeof t - 3)
			n = (int)sizeof t - 3;
		t[0] = ' ';
		memcpy(t + 1, title, (size_t)n);
		t[n + 1] = ' ';
		t[n + 2] = '\0';
		tui_put(y, x + 1, w - 2, attr | A_BOLD, t);
	}
}

void tui_footer(int y, const char *const *keys, const char *const *labels, int n)
{
	tui_put_pad(y, 0, COLS, tui_attr(ROLE_FOOTER), "");
	int x = 0;
	for (int i = 0; i < n; i++) {
		int kw = (int)strlen(keys[i]), lw = (int)strlen(labels[i]);
		if (x + kw + lw + 2 > COLS)
			break;
		tui_put(y, x, kw, tui_attr(ROLE_FOOTER_KEY), keys[i]);
		tui_put(y, x + kw + 1, lw, tui_attr(ROLE_FOOTER), labels[i]);
		x += kw + lw + 2;
	}
}

void tui_dialog_frame(int h, int w, const char *title, int *y, int *x)
{
	if (w > COLS)
		w = COLS;
	if (h > LINES)
		h = LINES;
	*y = (LINES - h) / 2;
	*x = (COLS - w) / 2;
	tui_box(*y, *x, h, w, title, true);
}
