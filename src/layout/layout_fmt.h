/* SPDX-License-Identifier: MIT
 * Text renderings of a preset, shared by `espdeck layout show` and the bench screen:
 * a flash-map bar across the whole chip and table rows. Pure functions into caller
 * buffers; no terminal. */
#pragma once

#include <stddef.h>

#include "layout/layout.h"

/* Character that stands for region i in a map bar and its legend ('0'..'9', 'a'..). */
char layout_map_char(size_t region_index);

/* Splits the chip into width cells and sets cells[c] to the index of the region drawn
 * there, or -1 for free flash. Every region with bytes gets at least one cell and regions
 * keep their address order, so small sectors near big slots stay visible (the bar is a
 * picture, not a scale drawing). files may be NULL (reserved sizes are used); with files,
 * a region's size is what will be written when it has no max_size. */
void layout_map_cells(const struct layout *l, const struct layout_files *files, int *cells,
		      size_t width);

/* The bar as text: one layout_map_char() per cell, '.' for free flash. buf holds
 * width + 1 bytes. Returns buf. */
char *layout_map_text(const struct layout *l, const struct layout_files *files, char *buf,
		      size_t width);

/* Column header matching layout_format_row(). */
const char *layout_format_header(char *buf, size_t cap, size_t file_width);

/* One table row for region i: "boot       0x000000    3.8 KiB  boot_v1.6.bin  ok".
 * Size is the file's (or the fill's) size when files is given, else the region's maximum;
 * the status comes from files (or "-" without). The file column is cut to file_width
 * with a trailing '~' when longer. Returns buf. */
const char *layout_format_row(const struct layout *l, size_t i, const struct layout_files *files,
			      char *buf, size_t cap, size_t file_width);
