/* SPDX-License-Identifier: MIT
 * Small curses drawing helpers shared by the bench's screens: clipped text, framed
 * boxes with a title, a footer of keys. Main thread only. */
#pragma once

#include <stdbool.h>

/* Writes s at (y, x), clipped to w columns (nothing outside the terminal). */
void tui_put(int y, int x, int w, int attr, const char *s);

/* Writes s and pads with spaces to exactly w columns in attr. */
void tui_put_pad(int y, int x, int w, int attr, const char *s);

/* Frame of h x w at (y, x) with " title " in its top edge; focused frames are drawn in
 * the selected role so the active pane is visible in monochrome too. Clears the inside. */
void tui_box(int y, int x, int h, int w, const char *title, bool focused);

/* A footer line of "key label" pairs: keys[i] in ROLE_FOOTER_KEY, labels in ROLE_FOOTER,
 * as many as fit on row y. */
void tui_footer(int y, const char *const *keys, const char *const *labels, int n);

/* A centred dialog frame of h x w (clipped to the terminal); returns its top-left. */
void tui_dialog_frame(int h, int w, const char *title, int *y, int *x);
