/* SPDX-License-Identifier: MIT
 * The colour roles (screen.h) as one table with a 256-colour, an 8-colour and a
 * monochrome column (htop's CRT.c idea). NO_COLOR (no-color.org) or a terminal without
 * colours selects the monochrome column; ESPDECK_COLORS=256|8|none forces one. */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "tui/screen.h"
#include "tui/tui_int.h"

struct role_colors {
	short fg256, bg256; /* -1 = terminal default */
	short fg8, bg8;
	int attr; /* added in every mode that has colours */
	int mono; /* the whole attribute without colours */
};

static const struct role_colors table[ROLE_COUNT] = {
    [ROLE_NORMAL] = {-1, -1, -1, -1, 0, A_NORMAL},
    [ROLE_TITLE] = {231, 24, COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD},
    [ROLE_FOOTER] = {252, 236, COLOR_WHITE, COLOR_BLACK, 0, A_REVERSE},
    [ROLE_FOOTER_KEY] = {220, 236, COLOR_YELLOW, COLOR_BLACK, A_BOLD, A_BOLD},
    [ROLE_SELECTED] = {231, 31, COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
    [ROLE_FRAME] = {67, -1, COLOR_BLUE, -1, 0, A_NORMAL},
    [ROLE_DIM] = {244, -1, COLOR_WHITE, -1, 0, A_DIM},
    [ROLE_OK] = {41, -1, COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [ROLE_WARN] = {214, -1, COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [ROLE_ERROR] = {203, -1, COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [ROLE_BAR_DONE] = {16, 41, COLOR_BLACK, COLOR_GREEN, 0, A_REVERSE},
    [ROLE_BAR_TODO] = {250, 238, COLOR_WHITE, COLOR_BLACK, 0, A_DIM},
    [ROLE_BYTE_ZERO] = {240, -1, COLOR_BLUE, -1, 0, A_DIM},
    [ROLE_BYTE_FF] = {67, -1, COLOR_CYAN, -1, 0, A_DIM},
    [ROLE_BYTE_PRINT] = {114, -1, COLOR_GREEN, -1, 0, A_NORMAL},
    [ROLE_BYTE_OTHER] = {252, -1, COLOR_WHITE, -1, 0, A_NORMAL},
    [ROLE_DIFF] = {231, 124, COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD},
    [ROLE_MATCH] = {16, 220, COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE},
    [ROLE_REGION_0] = {16, 75, COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
    [ROLE_REGION_1] = {16, 149, COLOR_BLACK, COLOR_GREEN, 0, A_BOLD},
    [ROLE_REGION_2] = {16, 215, COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE},
    [ROLE_REGION_3] = {231, 97, COLOR_WHITE, COLOR_MAGENTA, 0, A_BOLD},
    [ROLE_REGION_4] = {16, 210, COLOR_BLACK, COLOR_RED, 0, A_REVERSE},
    [ROLE_REGION_5] = {231, 30, COLOR_WHITE, COLOR_BLUE, 0, A_BOLD},
    [ROLE_REGION_6] = {16, 186, COLOR_BLACK, COLOR_WHITE, 0, A_REVERSE},
    [ROLE_REGION_7] = {231, 130, COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD},
};

/* tui_attr() takes no context (the screen.h contract), and curses' own colour state is
 * process-wide anyway, so the resolved attributes live here for the curses session. */
static int attrs[ROLE_COUNT];
static enum tui_color_mode mode;

static enum tui_color_mode pick_mode(void)
{
	const char *force = getenv("ESPDECK_COLORS");
	const char *no_color = getenv("NO_COLOR");
	if (force && !strcmp(force, "none"))
		return TUI_COLORS_NONE;
	if (no_color && *no_color)
		return TUI_COLORS_NONE;
	if (!has_colors() || start_color() == ERR || COLORS < 8 || COLOR_PAIRS <= ROLE_COUNT)
		return TUI_COLORS_NONE;
	if (force && !strcmp(force, "8"))
		return TUI_COLORS_8;
	return COLORS >= 256 ? TUI_COLORS_256 : TUI_COLORS_8;
}

enum tui_color_mode tui_colors_init(void)
{
	mode = pick_mode();
	if (mode != TUI_COLORS_NONE)
		use_default_colors();
	for (int r = 0; r < ROLE_COUNT; r++) {
		const struct role_colors *c = &table[r];
		if (mode == TUI_COLORS_NONE) {
			attrs[r] = c->mono;
			continue;
		}
		short fg = mode == TUI_COLORS_256 ? c->fg256 : c->fg8;
		short bg = mode == TUI_COLORS_256 ? c->bg256 : c->bg8;
		init_pair((short)(r + 1), fg, bg);
		attrs[r] = (int)COLOR_PAIR(r + 1) | c->attr;
	}
	return mode;
}

enum tui_color_mode tui_colors_mode(void)
{
	return mode;
}

int tui_attr(enum tui_role role)
{
	if ((int)role < 0 || role >= ROLE_COUNT)
		return A_NORMAL;
	return attrs[role];
}
