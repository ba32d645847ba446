/* SPDX-License-Identifier: MIT
 * The dump as lines of text: rows of 8/16/32 bytes, with runs of erased (0xFF) rows
 * collapsed into one line, and the xxd-like rendering shared by `hexview --dump` and the
 * interactive viewer (which colours the same text per byte). Pure: no I/O, no curses.
 *
 * Row format (width 16; 8 and 32 alike, an extra space every 8 bytes):
 *   003fe000: e9 03 00 60 38 04 10 40  00 00 10 40 ac 03 00 00  ....8..@...@....
 * A collapsed run of erased rows:
 *   003fe000: -- erased: 2.0 KiB (2048 bytes of 0xFF) to 003fe7ff --
 * Rows start at multiples of the width in the file; a run is collapsed when it spans at
 * least DUMP_COLLAPSE_MIN bytes, so a blank sector or the seed's 2 KiB dump of blank.bin
 * reads as one line while a few 0xFF rows inside data stay visible. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define DUMP_COLLAPSE_MIN 256u
#define DUMP_ADDR_CHARS	  10  /* "003fe000: " */
#define DUMP_LINE_MAX	  200 /* a rendered line of width 32 with its NUL fits */

enum dump_byte_class { DUMP_BYTE_ZERO, DUMP_BYTE_FF, DUMP_BYTE_PRINT, DUMP_BYTE_OTHER };

struct dump_line {
	size_t off; /* file offset of the first byte */
	size_t len; /* bytes covered */
	bool collapsed;
};

struct dump_view;

/* A view over data (borrowed; must outlive the view) whose byte 0 is at flash address
 * base, width bytes a row (8, 16 or 32). *out is NULL on failure. */
int dump_view_create(const uint8_t *data, size_t size, uint32_t base, unsigned width,
		     struct dump_view **out, struct ed_error *err);

/* Frees the view; accepts NULL. */
void dump_view_destroy(struct dump_view *v);

/* Changes the row width (8, 16 or 32; other values are ignored). */
void dump_view_set_width(struct dump_view *v, unsigned width);
unsigned dump_view_width(const struct dump_view *v);

/* Collapsing of erased runs on or off (on by default). */
void dump_view_set_collapse(struct dump_view *v, bool on);
bool dump_view_collapse(const struct dump_view *v);

/* Expands the collapsed run containing off, or collapses again the expanded run
 * containing off. Returns true when something changed. */
bool dump_view_toggle_run(struct dump_view *v, size_t off);

/* Addresses shown: flash addresses (base + offset, default) or file offsets. */
void dump_view_set_file_offsets(struct dump_view *v, bool on);
bool dump_view_file_offsets(const struct dump_view *v);
uint32_t dump_view_base(const struct dump_view *v);
uint64_t dump_view_addr(const struct dump_view *v, size_t off);

const uint8_t *dump_view_data(const struct dump_view *v);
size_t dump_view_size(const struct dump_view *v);

/* The line containing file offset off (< size). */
void dump_view_line_at(const struct dump_view *v, size_t off, struct dump_line *line);

/* The line after / before line; false at the end / start of the dump. */
bool dump_view_next(const struct dump_view *v, const struct dump_line *line,
		    struct dump_line *next);
bool dump_view_prev(const struct dump_view *v, const struct dump_line *line,
		    struct dump_line *prev);

/* Sectors (4 KiB at flash addresses): count, and whether sector k is all 0xFF. */
size_t dump_view_sectors(const struct dump_view *v);
bool dump_view_sector_erased(const struct dump_view *v, size_t k);

/* The start of the next (forward) or previous non-erased sector relative to the sector
 * holding off, or -1 when there is none. */
long long dump_view_data_sector(const struct dump_view *v, size_t off, bool backward);

/* Renders one line into buf (cap >= DUMP_LINE_MAX); returns its length. */
size_t dump_view_render_line(const struct dump_view *v, const struct dump_line *line, char *buf,
			     size_t cap);

/* Renders every line from the start, handing out text in chunks of a few KiB (with
 * newlines) to write(); stops and returns its error when write returns non-zero. */
int dump_view_render_all(const struct dump_view *v,
			 int (*write)(void *user, const char *text, size_t len), void *user);

/* The byte class deciding a byte's colour. */
enum dump_byte_class dump_byte_class(uint8_t b);

/* Columns in a rendered row of the given width: of byte i's hex pair, of its ASCII
 * character, and the total length of a full row. */
unsigned dump_row_hex_col(unsigned width, unsigned i);
unsigned dump_row_ascii_col(unsigned width, unsigned i);
unsigned dump_row_chars(unsigned width);
