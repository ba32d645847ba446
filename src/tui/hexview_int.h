/* SPDX-License-Identifier: MIT
 * The hex viewer's state, shared by its key handling (hexview.c) and its drawing
 * (hexview_draw.c). Internal to src/tui. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/config.h"
#include "dump/dump_annot.h"
#include "dump/dump_diff.h"
#include "dump/dump_file.h"
#include "dump/dump_search.h"
#include "dump/dump_view.h"
#include "tui/screen.h"

enum hv_mode { HV_HEX, HV_MAP };
enum hv_prompt {
	HV_PROMPT_NONE,
	HV_PROMPT_GOTO,
	HV_PROMPT_FIND,
	HV_PROMPT_RFIND,
	HV_PROMPT_EXPORT
};

struct hexview {
	const struct config *cfg;
	char *path, *cmp_path;
	uint32_t base;
	const char *base_source; /* "--base", "file name", "no base" */
	uint32_t flash_size;
	char *preset; /* overrides cfg->preset when set */
	struct dump_file *file, *cmp_file;
	struct dump_view *view, *cmp_view;
	struct dump_diff *diff;
	struct dump_annots annots;
	bool annots_done;
	unsigned width_pref; /* 0 = adapt */
	bool interleaved;    /* compare: rows of the two dumps one under the other */
	enum hv_mode mode;
	bool pane; /* structure pane shown */
	bool pane_focus;
	size_t pane_sel, pane_top;
	size_t cursor, top; /* file offsets: cursor byte, first byte of the top line */
	size_t map_top;	    /* first sector row shown in the map */
	bool selecting;
	size_t sel_anchor;
	struct dump_pattern pattern;
	bool have_pattern;
	bool counted; /* match_count is for the current pattern */
	long long match_at;
	size_t match_count, match_index;
	enum hv_prompt prompt;
	char input[128];
	size_t input_len;
	char msg[256];
	enum tui_role msg_role;
	bool broken; /* the file changed on disk: pages are not touched any more */
	bool help;   /* the key help is shown */
};

/* Where things go on a LINES x COLS terminal; computed from state every time. */
struct hv_layout {
	int lines, cols;
	int rows; /* content rows (between title and status) */
	int pane_x, pane_w;
	int hex_cols;	/* columns left for rows */
	unsigned width; /* bytes a row */
	bool side_by_side;
	int line_rows; /* screen rows one dump line takes (2 when interleaved) */
	int cap;       /* dump lines that fit */
	int map_cells; /* sectors a map row */
};

void hv_layout(const struct hexview *hv, int lines, int cols, struct hv_layout *l);

/* Draws the whole screen (hexview_draw.c). */
void hv_draw(struct screen *s, struct tui *ui);

/* The selection range [lo, hi] (inclusive), valid when hv->selecting. */
void hv_selection(const struct hexview *hv, size_t *lo, size_t *hi);
