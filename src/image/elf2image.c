/* SPDX-License-Identifier: MIT
 * esptool's elf2image for the ESP8266 (reference §7.4-7.5), byte for byte: sections in
 * header order, 4-byte padding, merging of touching sections of one memory region, one
 * irom0 segment written apart (v1) or first (v2), checksum line, CRC. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "image/elf.h"
#include "image/image.h"
#include "image/segments_int.h"

void seglist_free(struct seglist *l)
{
	free(l->parts);
	free(l->v);
	img_elf_destroy(l->elf);
	memset(l, 0, sizeof *l);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* esptool's ELFFile: PROGBITS / INIT_ARRAY / FINI_ARRAY / PREINIT_ARRAY sections with a
 * non-zero address and size, in section-header order, each padded to 4 with zeros. */
static int collect_sections(const struct img_elf *elf, struct seglist *l, bool use_segments,
			    struct ed_error *err)
{
	size_t cap = elf->section_count + elf->phdr_count + 1;
	l->parts = calloc(cap, sizeof *l->parts);
	l->v = calloc(cap, sizeof *l->v);
	if (!l->parts || !l->v)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory");
	/* --use-segments: PT_LOAD headers with a physical address and file bytes, named
	 * "PHDR" as esptool names them */
	for (size_t i = 0; use_segments && i < elf->phdr_count; i++) {
		const struct img_elf_phdr *ph = &elf->phdrs[i];
		if (ph->type != PT_LOAD || ph->paddr == 0 || ph->filesz == 0)
			continue;
		l->parts[l->n] = (struct part){ph->data, ph->filesz};
		l->v[l->n] = (struct seg){ph->paddr,
					  l->n,
					  1,
					  pad4(ph->filesz),
					  (uint64_t)ph->paddr + ph->filesz,
					  "PHDR",
					  ph->flags & ELF_FLAG_EXEC};
		l->n++;
	}
	for (size_t i = 0; !use_segments && i < elf->section_count; i++) {
		const struct img_elf_section *s = &elf->sections[i];
		if (s->addr == 0 || s->size == 0)
			continue;
		if (s->type != SHT_PROGBITS && s->type != SHT_INIT_ARRAY &&
		    s->type != SHT_FINI_ARRAY && s->type != SHT_PREINIT_ARRAY)
			continue;
		l->parts[l->n] = (struct part){s->data, s->size};
		l->v[l->n] = (struct seg){s->addr,
					  l->n,
					  1,
					  pad4(s->size),
					  (uint64_t)s->addr + s->size,
					  s->name,
					  s->flags & ELF_FLAG_EXEC};
		l->n++;
	}
	if (l->n == 0)
		return ed_fail(
		    err, ED_ERR_FORMAT,
		    use_segments
			? "the ELF has no PT_LOAD program header with an address and file "
			  "bytes: try without --use-segments"
			: "the ELF has no loadable sections (no PROGBITS section with an "
			  "address): is it a relocatable object rather than a linked program?");
	return ED_OK;
}

uint8_t seglist_copy(uint8_t *out, const struct seglist *l, const struct seg *g, uint8_t sum)
{
	for (size_t k = g->first; k < g->first + g->count; k++) {
		const struct part *p = &l->parts[k];
		memcpy(out, p->data, p->size);
		sum = img_checksum(p->data, p->size, sum);
		out += pad4(p->size);
	}
	return sum;
}

/* esptool's ESP8266 memory map (reference §7.4): one region per address at most. */
static uint32_t region_of(uint32_t addr)
{
	static const uint32_t map[][2] = {
	    {0x3FF00000u, 0x3FF00010u},
	    {0x3FFE8000u, 0x40000000u},
	    {0x40100000u, 0x40108000u},
	    {0x40201010u, 0x402E1010u},
	};
	for (int i = 0; i < 4; i++)
		if (addr >= map[i][0] && addr < map[i][1])
			return (uint32_t)i + 1;
	return 0; /* esptool compares region lists: two unmapped segments match */
}

/* merge_adjacent_segments: a segment that starts exactly where the previous (padded) one
 * ends, in the same memory region and with the same exec bit, joins it. Gaps are never
 * filled. */
static void merge_segments(struct seglist *l, seg_region_fn region)
{
	size_t out = 0;
	for (size_t i = 0; i < l->n; i++) {
		struct seg *s = &l->v[i];
		struct seg *prev = out ? &l->v[out - 1] : NULL;
		if (prev && region(prev->addr) == region(s->addr) && prev->exec == s->exec &&
		    (uint64_t)prev->addr + prev->len == s->addr) {
			prev->count += s->count; /* parts are consecutive */
			prev->len += s->len;
			prev->raw_end = s->raw_end;
			continue;
		}
		l->v[out++] = *s;
	}
	l->n = out;
}

static bool is_irom(uint32_t addr)
{
	return addr >= IMG_IROM_MAP_START && addr < IMG_IROM_MAP_END;
}

/* Checks what esptool checks (one irom0 segment, at most 16 segments) and what it does
 * not but a loader would trip over (overlapping segments). Returns the irom index or
 * -1 through *irom. */
static int check_segments(const struct seglist *l, long *irom, struct ed_error *err)
{
	*irom = -1;
	size_t irom_count = 0;
	for (size_t i = 0; i < l->n; i++)
		if (is_irom(l->v[i].addr)) {
			if (irom_count++ == 0)
				*irom = (long)i;
		}
	if (irom_count > 1)
		return ed_fail(err, ED_ERR_FORMAT,
			       "found %zu segments that could be irom0 (in 0x40200000-0x402FFFFF), "
			       "e.g. %s and another: only one is allowed, check the linker script",
			       irom_count, l->v[*irom].name);
	if (l->n > IMG_MAX_SEGMENTS)
		return ed_fail(err, ED_ERR_FORMAT,
			       "%zu segments after merging, more than the %d an image may hold: "
			       "check the linker script",
			       l->n, IMG_MAX_SEGMENTS);
	int rc = seglist_check_overlap(l, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].len >= 0x1000000)
			return ed_fail(
			    err, ED_ERR_FORMAT,
			    "section %s is %zu bytes, past esptool's 16 MB segment limit",
			    l->v[i].name, l->v[i].len);
	return ED_OK;
}

int seglist_check_overlap(const struct seglist *l, struct ed_error *err)
{
	/* compared without the 4-byte padding, which esptool lets spill over a neighbour */
	for (size_t i = 0; i < l->n; i++)
		for (size_t k = i + 1; k < l->n; k++) {
			const struct seg *a = &l->v[i], *b = &l->v[k];
			if (a->addr < b->raw_end && b->addr < a->raw_end)
				return ed_fail(
				    err, ED_ERR_FORMAT,
				    "sections %s (0x%08x-0x%08llx) and %s (0x%08x-0x%08llx) "
				    "overlap: check the linker script",
				    a->name, a->addr, (unsigned long long)a->raw_end - 1, b->name,
				    b->addr, (unsigned long long)b->raw_end - 1);
		}
	return ED_OK;
}

int seglist_load(const uint8_t *elf_buf, size_t elf_len, bool use_segments, seg_region_fn region,
		 struct seglist *l, uint32_t *entry, struct ed_error *err)
{
	memset(l, 0, sizeof *l);
	int rc = img_elf_read(elf_buf, elf_len, &l->elf, err);
	if (rc != ED_OK)
		return rc;
	*entry = l->elf->entry;
	rc = collect_sections(l->elf, l, use_segments, err);
	if (rc == ED_OK)
		merge_segments(l, region);
	else
		seglist_free(l);
	return rc;
}

static int load_segments(const uint8_t *elf_buf, size_t elf_len, bool use_segments,
			 struct seglist *l, long *irom, uint32_t *entry, struct ed_error *err)
{
	int rc = seglist_load(elf_buf, elf_len, use_segments, region_of, l, entry, err);
	if (rc == ED_OK && (rc = check_segments(l, irom, err)) != ED_OK)
		seglist_free(l);
	return rc;
}

/* Everything but irom: 0xE9 header, segments, checksum line, written at out+start. */
static size_t e9_size(const struct seglist *l, long irom, size_t start)
{
	size_t pos = start + 8;
	for (size_t i = 0; i < l->n; i++)
		if ((long)i != irom)
			pos += 8 + l->v[i].len;
	return pos + (15 - pos % 16) + 1;
}

static size_t write_e9(uint8_t *out, size_t start, const struct seglist *l, long irom,
		       const struct img_params *p, uint32_t entry)
{
	uint8_t *h = out + start;
	h[0] = IMG_MAGIC_V1;
	h[1] = (uint8_t)(l->n - (irom >= 0 ? 1 : 0));
	h[2] = p->flash_mode;
	h[3] = (uint8_t)((p->size_map << 4) | p->freq_code);
	put_le32(h + 4, entry);
	size_t pos = start + 8;
	uint8_t sum = IMG_CHECKSUM_SEED;
	for (size_t i = 0; i < l->n; i++) {
		if ((long)i == irom)
			continue;
		put_le32(out + pos, l->v[i].addr);
		put_le32(out + pos + 4, (uint32_t)l->v[i].len);
		sum = seglist_copy(out + pos + 8, l, &l->v[i], sum);
		pos += 8 + l->v[i].len;
	}
	/* esptool's align_file_position(f, 16): 15 - pos % 16 zeros, then the byte */
	size_t pad = 15 - pos % 16;
	memset(out + pos, 0, pad);
	out[pos + pad] = sum;
	return pos + pad + 1;
}

static void reset_output(struct img_output *o)
{
	if (o)
		memset(o, 0, sizeof *o);
}

int img_elf2image_v1(const uint8_t *elf, size_t elf_len, const struct img_params *p,
		     struct img_output *ram, struct img_output *irom_out, struct ed_error *err)
{
	reset_output(ram);
	reset_output(irom_out);
	struct seglist l;
	long irom;
	uint32_t entry;
	int rc = load_segments(elf, elf_len, p->use_segments, &l, &irom, &entry, err);
	if (rc != ED_OK)
		return rc;
	size_t size = e9_size(&l, irom, 0);
	ram->data = calloc(1, size);
	if (!ram->data) {
		seglist_free(&l);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory building the image");
	}
	ram->len = write_e9(ram->data, 0, &l, irom, p, entry);
	if (irom >= 0) {
		/* the raw segment, 4-byte padded, named by its flash offset */
		irom_out->data = calloc(1, l.v[irom].len);
		if (!irom_out->data) {
			img_output_free(ram);
			seglist_free(&l);
			return ed_fail(err, ED_ERR_NOMEM, "out of memory building the image");
		}
		seglist_copy(irom_out->data, &l, &l.v[irom], 0);
		irom_out->len = l.v[irom].len;
		irom_out->flash_offset = l.v[irom].addr - IMG_IROM_MAP_START;
	}
	seglist_free(&l);
	return ED_OK;
}

int img_elf2image_v2(const uint8_t *elf, size_t elf_len, const struct img_params *p,
		     struct img_output *out, struct ed_error *err)
{
	reset_output(out);
	struct seglist l;
	long irom;
	uint32_t entry;
	int rc = load_segments(elf, elf_len, p->use_segments, &l, &irom, &entry, err);
	if (rc != ED_OK)
		return rc;
	size_t irom_len = irom >= 0 ? (l.v[irom].len + 15) & ~(size_t)15 : 0;
	size_t start = 8 + (irom >= 0 ? 8 + irom_len : 0);
	size_t size = e9_size(&l, irom, start) + 4;
	uint8_t *d = calloc(1, size);
	if (!d) {
		seglist_free(&l);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory building the image");
	}
	d[0] = IMG_MAGIC_V2;
	d[1] = 4; /* esptool's IMAGE_V2_SEGMENT */
	d[2] = p->flash_mode;
	d[3] = (uint8_t)((p->size_map << 4) | p->freq_code);
	put_le32(d + 4, entry);
	if (irom >= 0) {
		/* load address 0 in the file, padded to 16; not in the checksum */
		put_le32(d + 8, 0);
		put_le32(d + 12, (uint32_t)irom_len);
		seglist_copy(d + 16, &l, &l.v[irom], 0);
		out->flash_offset = (l.v[irom].addr - IMG_IROM_MAP_START) & ~0xFFFu;
	}
	size_t pos = write_e9(d, start, &l, irom, p, entry);
	put_le32(d + pos, img_crc32(d, pos));
	out->data = d;
	out->len = pos + 4;
	seglist_free(&l);
	return ED_OK;
}
