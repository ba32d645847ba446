/* SPDX-License-Identifier: MIT
 * merge_bin output formats (see merge.h): byte for byte what esptool 4.x writes. */
#include "image/merge.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SECTOR 4096u

static void sort_by_addr(struct merge_input *in, size_t count)
{
	/* insertion sort: stable (esptool sorts with Python's stable sort) and count is small */
	for (size_t i = 1; i < count; i++) {
		struct merge_input cur = in[i];
		size_t j = i;
		while (j > 0 && in[j - 1].addr > cur.addr) {
			in[j] = in[j - 1];
			j--;
		}
		in[j] = cur;
	}
}

int merge_check(struct merge_input *in, size_t count, uint32_t target_offset, struct ed_error *err)
{
	if (count == 0)
		return ed_fail(err, ED_ERR_ARG, "no input files: give ADDR FILE pairs");
	sort_by_addr(in, count);
	uint64_t end = 0; /* first byte after the last sector used so far */
	for (size_t i = 0; i < count; i++) {
		uint64_t start = in[i].addr & ~(uint64_t)(SECTOR - 1);
		uint64_t stop =
		    ((uint64_t)in[i].addr + in[i].len + SECTOR - 1) & ~(uint64_t)(SECTOR - 1);
		if (i > 0 && start < end)
			return ed_fail(
			    err, ED_ERR_ARG,
			    "%s at 0x%x overlaps %s (files must not share a 4 KiB sector, "
			    "as esptool requires): move one of them",
			    in[i].name, in[i].addr, in[i - 1].name);
		end = stop > start ? stop : start;
		if (stop > 0x100000000ull)
			return ed_fail(err, ED_ERR_ARG,
				       "%s at 0x%x runs past the 4 GiB address space", in[i].name,
				       in[i].addr);
	}
	if (in[0].addr < target_offset)
		return ed_fail(err, ED_ERR_ARG,
			       "the output's target offset is 0x%x but %s starts before it, at "
			       "0x%x: lower --target-offset",
			       target_offset, in[0].name, in[0].addr);
	return ED_OK;
}

int merge_raw(const struct merge_input *in, size_t count, uint32_t target_offset, uint32_t fill_to,
	      struct img_output *out, struct ed_error *err)
{
	memset(out, 0, sizeof *out);
	if (count == 0)
		return ed_fail(err, ED_ERR_ARG, "no input files");
	const struct merge_input *last = &in[count - 1];
	size_t len = (size_t)(last->addr - target_offset) + last->len;
	if (fill_to > target_offset && fill_to - target_offset > len)
		len = fill_to - target_offset;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return ed_fail(err, ED_ERR_NOMEM, "no memory for a %zu-byte merged image", len);
	memset(buf, 0xFF, len);
	for (size_t i = 0; i < count; i++)
		if (in[i].len)
			memcpy(buf + (in[i].addr - target_offset), in[i].data, in[i].len);
	out->data = buf;
	out->len = len;
	out->flash_offset = target_offset;
	return ED_OK;
}

/* A growing text buffer for the HEX lines. */
struct text {
	char *p;
	size_t len, cap;
	bool failed;
};

static void emit_record(struct text *t, uint8_t type, uint16_t addr, const uint8_t *data, size_t n)
{
	if (t->failed)
		return;
	if (t->len + 12 + 2 * n > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		while (cap < t->len + 12 + 2 * n)
			cap *= 2;
		char *p = realloc(t->p, cap);
		if (!p) {
			t->failed = true;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
	static const char digits[] = "0123456789ABCDEF";
	uint8_t sum = (uint8_t)(n + (addr >> 8) + (addr & 0xFF) + type);
	uint8_t head[4] = {(uint8_t)n, (uint8_t)(addr >> 8), (uint8_t)addr, type};
	char *w = t->p + t->len;
	*w++ = ':';
	for (int i = 0; i < 4; i++) {
		*w++ = digits[head[i] >> 4];
		*w++ = digits[head[i] & 15];
	}
	for (size_t i = 0; i < n; i++) {
		sum = (uint8_t)(sum + data[i]);
		*w++ = digits[data[i] >> 4];
		*w++ = digits[data[i] & 15];
	}
	sum = (uint8_t)-sum;
	*w++ = digits[sum >> 4];
	*w++ = digits[sum & 15];
	*w++ = '\n';
	t->len = (size_t)(w - t->p);
}

/* Records of one run of contiguous bytes (a file, or files that follow each other with
 * no gap: intelhex sees one buffer, so its records run on across the seam). high is the
 * current upper 16 address bits, or -1 before the first 04 record; need_high says
 * whether 04 records are written at all. */
static void emit_run(struct text *t, const struct merge_input *f, bool need_high, long *high)
{
	uint64_t addr = f->addr;
	size_t done = 0;
	while (done < f->len) {
		if (need_high && (long)(addr >> 16) != *high) {
			*high = (long)(addr >> 16);
			uint8_t hi[2] = {(uint8_t)(*high >> 8), (uint8_t)*high};
			emit_record(t, 4, 0, hi, 2);
		}
		size_t room = 0x10000 - (size_t)(addr & 0xFFFF);
		size_t n = f->len - done;
		if (n > 16)
			n = 16;
		if (n > room)
			n = room;
		emit_record(t, 0, (uint16_t)addr, f->data + done, n);
		done += n;
		addr += n;
	}
}

int merge_hex(const struct merge_input *in, size_t count, struct img_output *out,
	      struct ed_error *err)
{
	memset(out, 0, sizeof *out);
	struct text t = {0};
	uint64_t max_addr = 0;
	for (size_t i = 0; i < count; i++)
		if (in[i].len && in[i].addr + (uint64_t)in[i].len - 1 > max_addr)
			max_addr = in[i].addr + (uint64_t)in[i].len - 1;
	/* intelhex writes 04 records only when the highest address is above 0xFFFF, and then
	 * one before the first record too (even for the low 64 KiB) */
	bool need_high = max_addr > 0xFFFF;
	long high = -1;
	for (size_t i = 0; i < count && !t.failed;) {
		size_t j = i + 1, len = in[i].len;
		while (j < count && in[j].addr == in[j - 1].addr + (uint64_t)in[j - 1].len) {
			len += in[j].len;
			j++;
		}
		struct merge_input run = in[i];
		uint8_t *joined = NULL;
		if (j > i + 1) {
			joined = malloc(len);
			if (!joined) {
				t.failed = true;
				break;
			}
			for (size_t k = i, at = 0; k < j; at += in[k].len, k++)
				if (in[k].len)
					memcpy(joined + at, in[k].data, in[k].len);
			run.data = joined;
			run.len = len;
		}
		emit_run(&t, &run, need_high, &high);
		free(joined);
		i = j;
	}
	emit_record(&t, 1, 0, NULL, 0);
	if (t.failed) {
		free(t.p);
		return ed_fail(err, ED_ERR_NOMEM, "no memory for the Intel HEX text");
	}
	out->data = (uint8_t *)t.p;
	out->len = t.len;
	return ED_OK;
}

uint32_t merge_fill_size(const char *name)
{
	static const struct {
		const char *name;
		uint32_t bytes;
	} fills[] = {
	    {"256KB", 256u << 10}, {"512KB", 512u << 10}, {"1MB", 1u << 20},   {"2MB", 2u << 20},
	    {"4MB", 4u << 20},	   {"8MB", 8u << 20},	  {"16MB", 16u << 20}, {"32MB", 32u << 20},
	    {"64MB", 64u << 20},   {"128MB", 128u << 20},
	};
	for (size_t i = 0; i < sizeof fills / sizeof fills[0]; i++)
		if (name && !strcmp(name, fills[i].name))
			return fills[i].bytes;
	return 0;
}
