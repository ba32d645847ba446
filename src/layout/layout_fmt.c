/* SPDX-License-Identifier: MIT
 * Flash-map bar and table rows of a preset (see layout_fmt.h). */
#include "layout/layout_fmt.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"

char layout_map_char(size_t region_index)
{
	static const char chars[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	return region_index < sizeof chars - 1 ? chars[region_index] : '?';
}

static uint32_t region_bytes(const struct layout *l, const struct layout_files *files, size_t i)
{
	const struct layout_region *r = &l->regions[i];
	uint32_t file_size = files && files->regions[i].data ? files->regions[i].size : 0;
	uint32_t ext = layout_region_extent(r, file_size);
	if (!ext && !files)
		ext = LAYOUT_SECTOR; /* a file of unknown size still deserves a mark */
	return ext;
}

void layout_map_cells(const struct layout *l, const struct layout_files *files, int *cells,
		      size_t width)
{
	for (size_t c = 0; c < width; c++)
		cells[c] = -1;
	uint64_t chip = l->flash_bytes;
	if (!width || !chip)
		return;
	/* Regions in address order, with natural first and last cells. */
	size_t order[LAYOUT_MAX_REGIONS], n = 0;
	long start[LAYOUT_MAX_REGIONS], end[LAYOUT_MAX_REGIONS];
	for (size_t i = 0; i < l->region_count; i++) {
		if (!region_bytes(l, files, i) || l->regions[i].offset >= chip)
			continue;
		size_t k = n++;
		while (k > 0 && l->regions[order[k - 1]].offset > l->regions[i].offset) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = i;
	}
	if (n > width)
		n = width; /* more regions than cells: the last ones cannot show */
	for (size_t k = 0; k < n; k++) {
		const struct layout_region *r = &l->regions[order[k]];
		uint64_t last = (uint64_t)r->offset + region_bytes(l, files, order[k]);
		if (last > chip)
			last = chip;
		start[k] = (long)((uint64_t)r->offset * width / chip);
		end[k] = (long)((last * width + chip - 1) / chip); /* exclusive */
	}
	/* Push starts left from the end, then right from the start, so each region owns a
	 * distinct first cell in order. */
	for (size_t k = n; k-- > 0;) {
		long limit = k + 1 < n ? start[k + 1] - 1 : (long)width - 1;
		if (start[k] > limit)
			start[k] = limit;
	}
	if (n && start[0] < 0)
		start[0] = 0;
	for (size_t k = 1; k < n; k++)
		if (start[k] <= start[k - 1])
			start[k] = start[k - 1] + 1;
	for (size_t k = 0; k < n; k++) {
		long stop = end[k];
		if (k + 1 < n && stop > start[k + 1])
			stop = start[k + 1];
		if (stop <= start[k])
			stop = start[k] + 1;
		for (long c = start[k]; c < stop && c < (long)width; c++)
			cells[c] = (int)order[k];
	}
}

char *layout_map_text(const struct layout *l, const struct layout_files *files, char *buf,
		      size_t width)
{
	int cells[512];
	if (width > sizeof cells / sizeof cells[0])
		width = sizeof cells / sizeof cells[0];
	layout_map_cells(l, files, cells, width);
	for (size_t c = 0; c < width; c++)
		buf[c] = cells[c] < 0 ? '.' : layout_map_char((size_t)cells[c]);
	buf[width] = '\0';
	return buf;
}

const char *layout_format_header(char *buf, size_t cap, size_t file_width)
{
	snprintf(buf, cap, "  %-11s %-8s %10s  %-*s %s", "region", "offset", "size",
		 (int)file_width, "file", "status");
	return buf;
}

const char *layout_format_row(const struct layout *l, size_t i, const struct layout_files *files,
			      char *buf, size_t cap, size_t file_width)
{
	const struct layout_region *r = &l->regions[i];
	const struct layout_file *f = files ? &files->regions[i] : NULL;
	char size[24], file[LAYOUT_PATH_MAX];
	uint32_t bytes = f && f->data ? f->size : layout_region_extent(r, 0);
	if (bytes)
		ed_format_size(size, sizeof size, bytes);
	else
		snprintf(size, sizeof size, "-");
	if (r->is_fill)
		snprintf(file, sizeof file, "(fill 0x%02X)", r->fill);
	else
		snprintf(file, sizeof file, "%s", r->file);
	if (file_width >= 2 && strlen(file) > file_width) {
		file[file_width - 1] = '~';
		file[file_width] = '\0';
	}
	const char *status = "-";
	if (f)
		status = layout_status_name(f->status);
	else if (!r->required)
		status = "optional";
	snprintf(buf, cap, "%c %-11.11s 0x%06x %10s  %-*s %s", layout_map_char(i), r->name,
		 r->offset, size, (int)file_width, file, status);
	return buf;
}
