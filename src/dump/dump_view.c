/* SPDX-License-Identifier: MIT
 * Lines, collapsed erased runs and the xxd-like text of a dump (see dump_view.h). Run
 * bounds are found by walking rows, skipping whole erased sectors through a per-sector
 * table built once, so even a fully erased 16 MiB dump costs a few thousand steps. */
#include "dump/dump_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "dump/dump_addr.h"

#define MAX_EXPANDED 64

struct dump_view {
	const uint8_t *data;
	size_t size;
	uint32_t base;
	unsigned width;
	bool collapse;
	bool file_offsets;
	size_t sector_count;
	bool *erased;		       /* per sector: every byte of it in the dump is 0xFF */
	size_t expanded[MAX_EXPANDED]; /* start offsets of runs the user expanded */
	size_t expanded_count;
};

static bool all_ff(const uint8_t *p, size_t n)
{
	/* all bytes equal to p[0] iff p[0..n-1) == p[1..n) */
	return n == 0 || (p[0] == 0xFF && (n == 1 || !memcmp(p, p + 1, n - 1)));
}

static bool valid_width(unsigned w)
{
	return w == 8 || w == 16 || w == 32;
}

int dump_view_create(const uint8_t *data, size_t size, uint32_t base, unsigned width,
		     struct dump_view **out, struct ed_error *err)
{
	*out = NULL;
	if (!valid_width(width))
		return ed_fail(err, ED_ERR_ARG, "row width %u is not 8, 16 or 32", width);
	if (dump_check_base(base, size, err) < 0)
		return ED_ERR_ARG;
	struct dump_view *v = calloc(1, sizeof *v);
	if (!v)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory for the dump view");
	v->data = data;
	v->size = size;
	v->base = base;
	v->width = width;
	v->collapse = true;
	v->sector_count = dump_sector_count(base, size);
	v->erased = calloc(v->sector_count ? v->sector_count : 1, sizeof *v->erased);
	if (!v->erased) {
		free(v);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory for the dump view");
	}
	for (size_t k = 0; k < v->sector_count; k++) {
		size_t lo = dump_sector_start(base, k), hi = dump_sector_start(base, k + 1);
		if (hi > size)
			hi = size;
		v->erased[k] = all_ff(data + lo, hi - lo);
	}
	*out = v;
	return ED_OK;
}

void dump_view_destroy(struct dump_view *v)
{
	if (!v)
		return;
	free(v->erased);
	free(v);
}

void dump_view_set_width(struct dump_view *v, unsigned width)
{
	if (valid_width(width) && width != v->width) {
		v->width = width;
		v->expanded_count = 0; /* run starts moved with the rows */
	}
}

unsigned dump_view_width(const struct dump_view *v)
{
	return v->width;
}

void dump_view_set_collapse(struct dump_view *v, bool on)
{
	v->collapse = on;
	v->expanded_count = 0;
}

bool dump_view_collapse(const struct dump_view *v)
{
	return v->collapse;
}

void dump_view_set_file_offsets(struct dump_view *v, bool on)
{
	v->file_offsets = on;
}

bool dump_view_file_offsets(const struct dump_view *v)
{
	return v->file_offsets;
}

uint32_t dump_view_base(const struct dump_view *v)
{
	return v->base;
}

uint64_t dump_view_addr(const struct dump_view *v, size_t off)
{
	return v->file_offsets ? off : (uint64_t)v->base + off;
}

const uint8_t *dump_view_data(const struct dump_view *v)
{
	return v->data;
}

size_t dump_view_size(const struct dump_view *v)
{
	return v->size;
}

size_t dump_view_sectors(const struct dump_view *v)
{
	return v->sector_count;
}

bool dump_view_sector_erased(const struct dump_view *v, size_t k)
{
	return k < v->sector_count && v->erased[k];
}

static size_t row_len(const struct dump_view *v, size_t r)
{
	return v->size - r < v->width ? v->size - r : v->width;
}

static bool row_erased(const struct dump_view *v, size_t r)
{
	return all_ff(v->data + r, row_len(v, r));
}

/* Start of the erased run holding the erased row r. */
static size_t run_start(const struct dump_view *v, size_t r)
{
	size_t w = v->width;
	while (r >= w) {
		size_t k = dump_sector_of(v->base, r - 1);
		if (v->erased[k]) {
			size_t s = dump_sector_start(v->base, k);
			size_t aligned = (s + w - 1) / w * w;
			if (aligned < r) {
				r = aligned;
				continue;
			}
		}
		if (!row_erased(v, r - w))
			break;
		r -= w;
	}
	return r;
}

/* End (exclusive) of the erased run holding the erased row r. */
static size_t run_end(const struct dump_view *v, size_t r)
{
	size_t w = v->width;
	while (r < v->size) {
		size_t k = dump_sector_of(v->base, r);
		if (v->erased[k]) {
			size_t e = dump_sector_start(v->base, k + 1);
			if (e >= v->size) {
				return v->size;
			}
			size_t aligned = e / w * w;
			if (aligned > r) {
				r = aligned;
				continue;
			}
		}
		if (!row_erased(v, r))
			break;
		r += w;
	}
	return r < v->size ? r : v->size;
}

static bool is_expanded(const struct dump_view *v, size_t start)
{
	for (size_t i = 0; i < v->expanded_count; i++)
		if (v->expanded[i] == start)
			return true;
	return false;
}

/* The erased run containing off when it is long enough to collapse, else false. */
static bool long_run(const struct dump_view *v, size_t off, size_t *start, size_t *end)
{
	size_t r = off / v->width * v->width;
	if (!row_erased(v, r))
		return false;
	*start = run_start(v, r);
	*end = run_end(v, r);
	return *end - *start >= DUMP_COLLAPSE_MIN;
}

void dump_view_line_at(const struct dump_view *v, size_t off, struct dump_line *line)
{
	size_t s, e;
	if (v->collapse && long_run(v, off, &s, &e) && !is_expanded(v, s)) {
		*line = (struct dump_line){.off = s, .len = e - s, .collapsed = true};
		return;
	}
	size_t r = off / v->width * v->width;
	*line = (struct dump_line){.off = r, .len = row_len(v, r), .collapsed = false};
}

bool dump_view_toggle_run(struct dump_view *v, size_t off)
{
	size_t s, e;
	if (!v->collapse || off >= v->size || !long_run(v, off, &s, &e))
		return false;
	for (size_t i = 0; i < v->expanded_count; i++) {
		if (v->expanded[i] == s) {
			v->expanded[i] = v->expanded[--v->expanded_count];
			return true;
		}
	}
	if (v->expanded_count == MAX_EXPANDED) /* forget the oldest expansion */
		memmove(v->expanded, v->expanded + 1, --v->expanded_count * sizeof(size_t));
	v->expanded[v->expanded_count++] = s;
	return true;
}

bool dump_view_next(const struct dump_view *v, const struct dump_line *line, struct dump_line *next)
{
	size_t off = line->off + line->len;
	if (off >= v->size)
		return false;
	dump_view_line_at(v, off, next);
	return true;
}

bool dump_view_prev(const struct dump_view *v, const struct dump_line *line, struct dump_line *prev)
{
	if (line->off == 0)
		return false;
	dump_view_line_at(v, line->off - 1, prev);
	return true;
}

long long dump_view_data_sector(const struct dump_view *v, size_t off, bool backward)
{
	size_t k = dump_sector_of(v->base, off < v->size ? off : v->size - 1);
	if (backward) {
		while (k-- > 0)
			if (!v->erased[k])
				return (long long)dump_sector_start(v->base, k);
		return -1;
	}
	for (k++; k < v->sector_count; k++)
		if (!v->erased[k])
			return (long long)dump_sector_start(v->base, k);
	return -1;
}

enum dump_byte_class dump_byte_class(uint8_t b)
{
	if (b == 0x00)
		return DUMP_BYTE_ZERO;
	if (b == 0xFF)
		return DUMP_BYTE_FF;
	return b >= 0x20 && b < 0x7F ? DUMP_BYTE_PRINT : DUMP_BYTE_OTHER;
}

unsigned dump_row_hex_col(unsigned width, unsigned i)
{
	(void)width;
	return DUMP_ADDR_CHARS + i * 3 + i / 8;
}

unsigned dump_row_ascii_col(unsigned width, unsigned i)
{
	return DUMP_ADDR_CHARS + width * 3 + (width - 1) / 8 + 1 + i;
}

unsigned dump_row_chars(unsigned width)
{
	return dump_row_ascii_col(width, width);
}

static const char hexdigits[] = "0123456789abcdef";

static char *put_addr(char *p, uint64_t addr)
{
	for (int shift = 28; shift >= 0; shift -= 4)
		*p++ = hexdigits[(addr >> shift) & 0xF];
	*p++ = ':';
	*p++ = ' ';
	return p;
}

size_t dump_view_render_line(const struct dump_view *v, const struct dump_line *line, char *buf,
			     size_t cap)
{
	uint64_t addr = dump_view_addr(v, line->off);
	if (line->collapsed) {
		char size[32];
		int n =
		    snprintf(buf, cap, "%08llx: -- erased: %s (%zu bytes of 0xFF) to %08llx --",
			     (unsigned long long)addr, ed_format_size(size, sizeof size, line->len),
			     line->len, (unsigned long long)(addr + line->len - 1));
		return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
	}
	if (cap < DUMP_LINE_MAX) {
		buf[0] = '\0';
		return 0;
	}
	unsigned w = v->width;
	const uint8_t *d = v->data + line->off;
	char *p = put_addr(buf, addr);
	for (unsigned i = 0; i < w; i++) {
		if (i && i % 8 == 0)
			*p++ = ' ';
		if (i < line->len) {
			*p++ = hexdigits[d[i] >> 4];
			*p++ = hexdigits[d[i] & 0xF];
		} else {
			*p++ = ' ';
			*p++ = ' ';
		}
		*p++ = ' ';
	}
	*p++ = ' ';
	for (unsigned i = 0; i < line->len; i++)
		*p++ = d[i] >= 0x20 && d[i] < 0x7F ? (char)d[i] : '.';
	*p = '\0';
	return (size_t)(p - buf);
}

int dump_view_render_all(const struct dump_view *v,
			 int (*write)(void *user, const char *text, size_t len), void *user)
{
	enum { CHUNK = 64 * 1024 };
	char *buf = malloc(CHUNK);
	if (!buf)
		return ED_ERR_NOMEM;
	size_t used = 0;
	int rc = 0;
	struct dump_line line;
	bool more = v->size > 0;
	if (more)
		dump_view_line_at(v, 0, &line);
	while (more) {
		used += dump_view_render_line(v, &line, buf + used, CHUNK - used);
		buf[used++] = '\n';
		if (CHUNK - used < DUMP_LINE_MAX + 1) {
			if ((rc = write(user, buf, used)) != 0)
				break;
			used = 0;
		}
		more = dump_view_next(v, &line, &line);
	}
	if (rc == 0 && used)
		rc = write(user, buf, used);
	free(buf);
	return rc;
}
