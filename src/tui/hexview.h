/* SPDX-License-Identifier: MIT
 * The dump inspector's interactive screen (issue 6): a struct screen the bench can push
 * and that `espdeck hexview FILE` runs on its own. Keys are listed in espdeck(1) and in
 * the screen's footer. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "app/config.h"
#include "core/error.h"
#include "tui/screen.h"

/* Opens path (and compare_path when not NULL) mapped read-only and makes the viewer
 * screen. When base_given is false the base comes from the file name (dump_addr.h), else
 * 0. cfg is borrowed and must outlive the screen. Returns NULL with err filled when a
 * file cannot be shown (missing, empty, unreadable). */
struct screen *hexview_screen_create(const struct config *cfg, const char *path,
				     const char *compare_path, bool base_given, uint32_t base,
				     struct ed_error *err);

/* Display options: row width 8/16/32 (0 = adapt to the terminal) and file offsets
 * instead of flash addresses. */
void hexview_screen_options(struct screen *s, unsigned width, bool file_offsets);

/* Tells the viewer the chip's flash size (from a preset or a job) so that annotations
 * look for the system area there; 0 = guess from the dump. */
void hexview_screen_flash_size(struct screen *s, uint32_t flash_size);

/* Names the flash-layout preset whose regions the structure pane shows (a name or a
 * path, as --preset; copied); NULL falls back to the global --preset. */
void hexview_screen_preset(struct screen *s, const char *preset);

/* `espdeck hexview` without --dump: runs the screen on the terminal and returns a
 * cli_exit code (errors are printed to stderr before curses starts). */
int hexview_main(const struct config *cfg, const char *path, const char *compare_path,
		 bool base_given, uint32_t base, unsigned width, bool file_offsets);
