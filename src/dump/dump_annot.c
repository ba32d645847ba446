/* SPDX-License-Identifier: MIT
 * Recognisers for the structure pane (see dump_annot.h). Each adds annotations with a
 * status (ok / warn / bad) a technician can act on: a wrong image checksum, init data
 * that the SDK would halt on, which user bin boot_v1.x will pick. */
#include "dump/dump_annot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "dump/dump_addr.h"
#include "image/image.h"
#include "layout/layout.h"

/* ESP8266 flash sizes (reference §8.1); the system area sits at the end of each. */
static const uint32_t flash_sizes[] = {0x40000,	 0x80000,  0x100000, 0x200000,
				       0x400000, 0x800000, 0x1000000};

__attribute__((format(printf, 6, 7))) static int add(struct dump_annots *a, size_t off, size_t len,
						     int depth, enum dump_annot_status st,
						     const char *fmt, ...)
{
	if (a->count == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		struct dump_annot *n = realloc(a->items, cap * sizeof *n);
		if (!n)
			return ED_ERR_NOMEM;
		a->items = n;
		a->cap = cap;
	}
	struct dump_annot *it = &a->items[a->count++];
	it->off = off;
	it->len = len;
	it->depth = depth;
	it->status = st;
	it->seq = a->count;
	/* parts stay right under their structure when sorted */
	bool part = depth > 0 && a->count > 1;
	it->group_seq = part ? it[-1].group_seq : it->seq;
	it->group_off = part ? it[-1].group_off : off;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(it->text, sizeof it->text, fmt, ap);
	va_end(ap);
	return ED_OK;
}

static bool range_ff(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xFF)
			return false;
	return true;
}

static int annotate_image(struct dump_annots *a, const uint8_t *data, size_t size, uint32_t base,
			  size_t off)
{
	struct img_info info;
	struct ed_error ierr = {0};
	if (img_parse(data + off, size - off, &info, &ierr) < 0)
		return ED_OK; /* an 0xE9 byte that is not an image: nothing to say */
	bool sum_ok = info.checksum_stored == info.checksum_computed;
	bool crc_ok = !info.has_crc || info.crc_stored == info.crc_computed;
	char extra[64] = "";
	if (info.kind == IMG_KIND_APPBIN)
		snprintf(extra, sizeof extra, " boot mode %d, app slot user%d,", info.boot_mode,
			 info.app_slot);
	else if (info.flash_params_valid)
		snprintf(extra, sizeof extra, " %s,", flash_mode_name(info.flash_mode));
	int rc = add(a, off, info.image_len, 0, sum_ok && crc_ok ? DUMP_ANNOT_OK : DUMP_ANNOT_BAD,
		     "image %s at 0x%x:%s entry 0x%08x, %zu segment%s", img_kind_name(info.kind),
		     base + (uint32_t)off, extra, info.entry, info.segment_count,
		     info.segment_count == 1 ? "" : "s");
	for (size_t i = 0; rc == ED_OK && i < info.segment_count; i++) {
		const struct img_segment *s = &info.segments[i];
		size_t at =
		    off + (s->header_offset == SIZE_MAX ? s->data_offset : s->header_offset);
		rc = add(a, at, s->length + (s->header_offset == SIZE_MAX ? 0 : 8), 1,
			 DUMP_ANNOT_INFO, "segment %zu: 0x%08x, %u bytes (%s)", i, s->load_addr,
			 s->length, s->region);
	}
	if (rc == ED_OK && info.checksum_offset < size - off)
		rc = add(a, off + info.checksum_offset, 1, 1,
			 sum_ok ? DUMP_ANNOT_OK : DUMP_ANNOT_BAD,
			 "checksum 0x%02x: %s (computed 0x%02x)", info.checksum_stored,
			 sum_ok ? "ok" : "WRONG", info.checksum_computed);
	if (rc == ED_OK && info.has_crc)
		rc = add(a, off + info.crc_offset, 4, 1, crc_ok ? DUMP_ANNOT_OK : DUMP_ANNOT_BAD,
			 "CRC 0x%08x: %s (computed 0x%08x)", info.crc_stored,
			 crc_ok ? "ok" : "WRONG", info.crc_computed);
	return rc;
}

static int annotate_images(struct dump_annots *a, const uint8_t *data, size_t size, uint32_t base)
{
	size_t n = dump_sector_count(base, size);
	for (size_t k = 0; k < n; k++) {
		size_t off = dump_sector_start(base, k);
		if (off == 0 && base % DUMP_SECTOR)
			continue; /* images start on sector boundaries */
		if (off + 8 <= size && (data[off] == IMG_MAGIC_V1 || data[off] == IMG_MAGIC_V2)) {
			int rc = annotate_image(a, data, size, base, off);
			if (rc < 0)
				return rc;
		}
	}
	return ED_OK;
}

/* The data of flash range [addr, addr+len) when the dump holds all of it, else NULL. */
static const uint8_t *at_flash(const uint8_t *data, size_t size, uint32_t base, uint64_t addr,
			       size_t len)
{
	if (addr < base || addr - base + len > size)
		return NULL;
	return data + (addr - base);
}

static int annotate_init_data(struct dump_annots *a, const uint8_t *data, size_t size,
			      uint32_t base, uint32_t flash)
{
	uint32_t addr = flash - 0x4000; /* reference §8.2: S - 0x4000, 128 bytes */
	const uint8_t *p = at_flash(data, size, base, addr, 128);
	if (!p)
		return ED_OK;
	size_t off = addr - base;
	if (range_ff(p, 128))
		return add(a, off, 128, 0, DUMP_ANNOT_WARN,
			   "esp_init_data at 0x%x: erased (the SDK halts: rf_cal[0] != 0x05; "
			   "write esp_init_data_default.bin)",
			   addr);
	if (p[0] != 0x05)
		return add(a, off, 128, 0, DUMP_ANNOT_BAD,
			   "esp_init_data at 0x%x: byte 0 is 0x%02x, the SDK needs 0x05", addr,
			   p[0]);
	int rc =
	    add(a, off, 128, 0, DUMP_ANNOT_OK, "esp_init_data at 0x%x: version %u", addr, p[1]);
	if (rc == ED_OK)
		rc = add(a, off + 48, 1, 1, DUMP_ANNOT_INFO, "crystal: %s",
			 p[48] == 1   ? "26 MHz"
			 : p[48] == 0 ? "40 MHz"
				      : "other code");
	if (rc == ED_OK)
		rc = add(a, off + 107, 1, 1, DUMP_ANNOT_INFO, "vdd33_const 0x%02x%s", p[107],
			 p[107] == 0xFF ? " (measure VDD33 internally)" : "");
	if (rc == ED_OK)
		rc = add(a, off + 114, 1, 1, DUMP_ANNOT_INFO, "RF calibration at power-up: %u",
			 p[114]);
	return rc;
}

/* Boot parameters (reference §8.3, the RTOS SDK's description of boot_v1.x's data). */
static int annotate_boot_params(struct dump_annots *a, const uint8_t *p, size_t off)
{
	unsigned usr_bin = p[0] & 3, status = (p[0] >> 2) & 1, version = p[1] & 0x1F;
	bool user2 = (usr_bin == 1 && status == 1) || (usr_bin != 1 && status == 0 && version != 4);
	return add(a, off, 2, 1, DUMP_ANNOT_INFO,
		   "boot parameters: usr_bin %u, boot_status %u, version %u -> boots %s", usr_bin,
		   status, version, user2 ? "user2" : "user1");
}

static int annotate_sysparam(struct dump_annots *a, const uint8_t *data, size_t size, uint32_t base,
			     uint32_t flash)
{
	int rc = ED_OK;
	const uint8_t *rf = at_flash(data, size, base, flash - 0x5000, DUMP_SECTOR);
	if (rf)
		rc = add(a, flash - 0x5000 - base, DUMP_SECTOR, 0, DUMP_ANNOT_INFO,
			 "RF calibration sector at 0x%x (%s)", flash - 0x5000,
			 range_ff(rf, DUMP_SECTOR) ? "erased: recalibrates at boot" : "data");
	const uint8_t *flag = at_flash(data, size, base, flash - 0x1000, 1);
	for (uint32_t i = 0; i < 3 && rc == ED_OK; i++) {
		uint64_t addr = flash - 0x3000 + i * DUMP_SECTOR;
		uint64_t lo = addr < base ? base : addr;
		uint64_t hi = addr + DUMP_SECTOR;
		if (hi > (uint64_t)base + size)
			hi = (uint64_t)base + size;
		if (lo >= hi)
			continue;
		const uint8_t *p = data + (lo - base);
		bool erased = range_ff(p, (size_t)(hi - lo));
		const char *what = i == 2 ? "boot flag" : "boot parameters";
		char sz[32];
		rc = add(a, (size_t)(lo - base), (size_t)(hi - lo), 0, DUMP_ANNOT_INFO,
			 "system parameters %u/3 at 0x%llx (%s; %s flash)%s", i + 1,
			 (unsigned long long)addr, what, ed_format_size(sz, sizeof sz, flash),
			 erased ? ": erased" : "");
		if (rc == ED_OK && i == 2 && lo == addr)
			rc = add(a, (size_t)(lo - base), 1, 1, DUMP_ANNOT_INFO,
				 "flag 0x%02x: boot parameters in sector %d", p[0], p[0] ? 2 : 1);
		bool chosen = flag ? (i == (flag[0] ? 1u : 0u)) : false;
		/* the sector the flag points at is decoded even when erased: all 0xFF reads as
		 * usr_bin 3, boot_status 1, which boots user1 (a fresh flash) */
		if (rc == ED_OK && i < 2 && lo == addr && (chosen || (!flag && !erased)))
			rc = annotate_boot_params(a, p, (size_t)(lo - base));
	}
	return rc;
}

/* Which flash sizes to look at: the given one, the one in an image header at flash 0,
 * else every size whose system area the dump reaches. */
static size_t pick_sizes(const uint8_t *data, size_t size, uint32_t base, uint32_t flash,
			 uint32_t *out)
{
	if (flash) {
		out[0] = flash;
		return 1;
	}
	const struct flash_size_info *fs = NULL;
	if (base == 0 && img_header_flash_size(data, size, &fs, NULL) == ED_OK && fs) {
		out[0] = fs->bytes;
		return 1;
	}
	size_t n = 0;
	for (size_t i = 0; i < sizeof flash_sizes / sizeof flash_sizes[0]; i++) {
		uint64_t lo = flash_sizes[i] - 0x5000, hi = flash_sizes[i];
		if (lo < (uint64_t)base + size && hi > base)
			out[n++] = flash_sizes[i];
	}
	/* a whole-chip dump reaches the system areas of all smaller sizes too: keep the
	 * largest, which is the chip's own */
	if (n > 1 && base == 0 && size >= out[n - 1]) {
		out[0] = out[n - 1];
		n = 1;
	}
	return n;
}

static int annotate_erased(struct dump_annots *a, const uint8_t *data, size_t size, uint32_t base)
{
	size_t n = dump_sector_count(base, size);
	for (size_t k = 0; k < n;) {
		size_t lo = dump_sector_start(base, k), hi;
		size_t j = k;
		for (; j < n; j++) {
			hi = dump_sector_start(base, j + 1);
			if (hi > size)
				hi = size;
			size_t s = dump_sector_start(base, j);
			if (!range_ff(data + s, hi - s))
				break;
		}
		if (j > k) {
			size_t end = dump_sector_start(base, j);
			if (end > size || j == n)
				end = size;
			char sz[32];
			int rc =
			    add(a, lo, end - lo, 0, DUMP_ANNOT_INFO, "erased 0x%llx-0x%llx (%s)",
				(unsigned long long)base + lo, (unsigned long long)base + end - 1,
				ed_format_size(sz, sizeof sz, end - lo));
			if (rc < 0)
				return rc;
			k = j;
		} else {
			k++;
		}
	}
	return ED_OK;
}

static int by_offset(const void *x, const void *y)
{
	const struct dump_annot *a = x, *b = y;
	if (a->group_off != b->group_off)
		return a->group_off < b->group_off ? -1 : 1;
	if (a->group_seq != b->group_seq)
		return a->group_seq < b->group_seq ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq; /* qsort is not stable */
}

int dump_annotate(const uint8_t *data, size_t size, uint32_t base, uint32_t flash_size,
		  struct dump_annots *out, struct ed_error *err)
{
	int rc = annotate_images(out, data, size, base);
	uint32_t sizes[8];
	size_t n = pick_sizes(data, size, base, flash_size, sizes);
	for (size_t i = 0; rc == ED_OK && i < n; i++) {
		rc = annotate_init_data(out, data, size, base, sizes[i]);
		if (rc == ED_OK)
			rc = annotate_sysparam(out, data, size, base, sizes[i]);
	}
	if (rc == ED_OK)
		rc = annotate_erased(out, data, size, base);
	if (rc < 0) {
		dump_annots_free(out);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory annotating the dump");
	}
	if (out->count)
		qsort(out->items, out->count, sizeof *out->items, by_offset);
	return ED_OK;
}

static size_t count_ff(const uint8_t *p, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += p[i] == 0xFF;
	return c;
}

int dump_annotate_preset(const uint8_t *data, size_t size, uint32_t base, const char *preset,
			 const struct dump_region_hint *regions, size_t count, uint32_t flash_size,
			 struct dump_annots *out, struct ed_error *err)
{
	for (size_t i = 0; i < count; i++) {
		const struct dump_region_hint *r = &regions[i];
		uint64_t end = r->size	       ? (uint64_t)r->offset + r->size
			       : i + 1 < count ? regions[i + 1].offset
			       : flash_size    ? flash_size
					       : (uint64_t)base + size;
		uint64_t lo = r->offset > base ? r->offset : base;
		uint64_t hi = end < (uint64_t)base + size ? end : (uint64_t)base + size;
		if (lo >= hi)
			continue;
		size_t off = (size_t)(lo - base), len = (size_t)(hi - lo);
		size_t ff = count_ff(data + off, len);
		char sz[32];
		int rc =
		    add(out, off, len, 0, DUMP_ANNOT_INFO, "%s region %s at 0x%x (%s)%s", preset,
			r->name, r->offset, ed_format_size(sz, sizeof sz, end - r->offset),
			ff == len ? ": erased" : "");
		if (rc < 0) {
			dump_annots_free(out);
			return ed_fail(err, ED_ERR_NOMEM, "out of memory annotating the dump");
		}
	}
	if (out->count)
		qsort(out->items, out->count, sizeof *out->items, by_offset);
	return ED_OK;
}

void dump_annots_free(struct dump_annots *a)
{
	free(a->items);
	a->items = NULL;
	a->count = a->cap = 0;
}

/* Presets list regions in any order; "up to the next region" needs them sorted. */
static int by_region_offset(const void *x, const void *y)
{
	const struct dump_region_hint *a = x, *b = y;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

int dump_annotate_with_preset(const uint8_t *data, size_t size, uint32_t base, uint32_t flash_size,
			      const char *preset, struct dump_annots *out, struct ed_error *err)
{
	if (dump_check_base(base, size, err) < 0)
		return ED_ERR_ARG;
	if (!preset || !*preset)
		return dump_annotate(data, size, base, flash_size, out, err);
	struct layout *l = calloc(1, sizeof *l);
	struct layout_report *rep = calloc(1, sizeof *rep);
	int rc = l && rep ? layout_open(preset, l, rep, err)
			  : ed_fail(err, ED_ERR_NOMEM, "out of memory loading preset %s", preset);
	if (rc == ED_ERR_FORMAT && rep->count)
		ed_fail(err, rc, "preset %s: line %d: %s", preset, rep->items[0].line,
			rep->items[0].msg);
	uint32_t chip = flash_size ? flash_size : rc == ED_OK ? l->flash_bytes : 0;
	int arc = dump_annotate(data, size, base, chip, out, rc == ED_OK ? err : NULL);
	if (rc == ED_OK && arc == ED_OK) {
		struct dump_region_hint hints[LAYOUT_MAX_REGIONS];
		for (size_t i = 0; i < l->region_count; i++) {
			const struct layout_region *r = &l->regions[i];
			hints[i] = (struct dump_region_hint){r->name, r->offset,
							     layout_region_extent(r, 0)};
		}
		qsort(hints, l->region_count, sizeof hints[0], by_region_offset);
		rc = dump_annotate_preset(data, size, base, l->name, hints, l->region_count,
					  l->flash_bytes, out, err);
	}
	free(l);
	free(rep);
	return rc < 0 ? rc : arc;
}
