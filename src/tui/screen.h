/* SPDX-License-Identifier: MIT
 * Screens of the bench UI (style.md §11): each screen is {draw, key}; key() changes the
 * screen's own state and returns reaction flags, it never draws; draw() reads state and
 * never changes it. Modal dialogs are screens pushed on one stack inside one loop.
 * Only the main thread calls any of this (no curses from workers). */
#pragma once

#include <stdbool.h>

#include "app/config.h"

struct tui;

/* Reaction flags returned by key() and tick(). */
enum screen_reaction {
	SCREEN_NONE = 0,
	SCREEN_REDRAW = 1 << 0, /* state changed: redraw the stack */
	SCREEN_POP = 1 << 1,	/* close this screen (the app destroys it) */
	SCREEN_QUIT = 1 << 2,	/* leave the application */
};

struct screen {
	const char *name;
	/* Draws the whole terminal (LINES x COLS, computed every frame). Screens below a
	 * modal one are drawn first. */
	void (*draw)(struct screen *s, struct tui *ui);
	/* Handles one key (ncurses key code, KEY_RESIZE never arrives here). */
	int (*key)(struct screen *s, struct tui *ui, int key);
	/* Optional: called on every loop turn (after events), e.g. to follow a job. */
	int (*tick)(struct screen *s, struct tui *ui);
	/* Frees the screen and its state; accepts NULL. */
	void (*destroy)(struct screen *s);
	void *state;
};

/* Colour roles: one table in colors.c with a monochrome column; NO_COLOR honoured. */
enum tui_role {
	ROLE_NORMAL = 0,
	ROLE_TITLE,
	ROLE_FOOTER,
	ROLE_FOOTER_KEY,
	ROLE_SELECTED,
	ROLE_FRAME,
	ROLE_DIM,
	ROLE_OK,
	ROLE_WARN,
	ROLE_ERROR,
	ROLE_BAR_DONE,
	ROLE_BAR_TODO,
	ROLE_BYTE_ZERO, /* hex viewer byte classes */
	ROLE_BYTE_FF,
	ROLE_BYTE_PRINT,
	ROLE_BYTE_OTHER,
	ROLE_DIFF,
	ROLE_MATCH,
	ROLE_REGION_0, /* flash-map regions cycle through 8 roles */
	ROLE_REGION_1,
	ROLE_REGION_2,
	ROLE_REGION_3,
	ROLE_REGION_4,
	ROLE_REGION_5,
	ROLE_REGION_6,
	ROLE_REGION_7,
	ROLE_COUNT
};

/* The curses attribute for a role (colour pair and/or A_BOLD/A_REVERSE...). Valid after
 * the UI has started. Returned as int to keep <curses.h> out of this header. */
int tui_attr(enum tui_role role);

/* A heap copy of tmpl (NULL when out of memory). For a screen whose state it does not
 * own, leave tmpl->destroy NULL: the copy then frees only itself. */
struct screen *screen_new(const struct screen *tmpl);

/* Pushes a screen on top of the stack; the app owns it from now on. */
void tui_push(struct tui *ui, struct screen *s);

/* The global options the UI was started with (borrowed). */
const struct config *tui_config(struct tui *ui);

/* Runs the UI loop with first as the bottom screen until it pops or quits. Sets up and
 * tears down curses, signals and the terminal (restored on exit, crash or Ctrl-C).
 * Returns a cli_exit code. Used by tui_main() (bench) and by `espdeck hexview`. */
int tui_run(const struct config *cfg, struct screen *first);
