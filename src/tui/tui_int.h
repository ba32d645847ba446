/* SPDX-License-Identifier: MIT
 * What the bench's own files share beyond screen.h: colour modes, extra file descriptors
 * for the main loop to wait on (job wake fds, hot-plug), and the interrupt key. */
#pragma once

#include "tui/screen.h"

enum tui_color_mode { TUI_COLORS_NONE = 0, TUI_COLORS_8, TUI_COLORS_256 };

/* Resolves the role table for the running terminal; call after initscr(). */
enum tui_color_mode tui_colors_init(void);
enum tui_color_mode tui_colors_mode(void);

/* Ctrl-C arrives at the top screen as this key (SIGINT through the self-pipe); screens
 * that run jobs cancel them, others treat it as quit. */
#define TUI_KEY_INTERRUPT 0x7ffe

/* The loop also wakes when fd becomes readable; the screen that asked drains it in its
 * tick(). At most TUI_MAX_WATCH fds; watching twice is harmless. */
#define TUI_MAX_WATCH 8
void tui_watch_fd(struct tui *ui, int fd);
void tui_unwatch_fd(struct tui *ui, int fd);

/* Asks the loop to call tick() again within ms milliseconds even when nothing is
 * readable (periodic refresh); the shortest request of a turn wins. */
void tui_tick_within(struct tui *ui, int ms);

/* Number of screens on the stack (for screens that must know whether they are on top). */
struct screen *tui_top(struct tui *ui);
