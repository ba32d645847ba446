/* SPDX-License-Identifier: MIT
 * The whole-chip check (chipmap.h): per-sector MD5 maps through the stub's SECTOR_MD5. */
#include "engine/chipmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "engine/loader_priv.h"
#include "engine/stubclient.h"

#define STUB_OP_SECTOR_MD5 0xE0
#define MAP_ATTEMPTS	   3

/* A lost or damaged frame is worth asking again: SECTOR_MD5 changes nothing. */
static bool ask_again(const struct loader *ld, int rc)
{
	if (rc == ED_ERR_TIMEOUT || rc == ED_ERR_PROTO)
		return true;
	uint8_t code = loader_last_rom_error(ld);
	return rc == ED_ERR_DEVICE && (code == 0xC0 || code == 0xC1);
}

static int sector_md5s(struct loader *ld, uint32_t first, uint32_t n, uint8_t *out,
		       struct ed_error *err)
{
	uint8_t d[8];
	put_le32(d, first * CHIPMAP_SECTOR);
	put_le32(d + 4, n * CHIPMAP_SECTOR);
	/* esptool gives an MD5 8 s per MB; the digests add 16 bytes per sector on the wire */
	uint64_t timeout = LOADER_DEFAULT_TIMEOUT_US + (uint64_t)n * CHIPMAP_SECTOR * 8;
	int rc = ED_ERR_TIMEOUT;
	for (int attempt = 0; attempt < MAP_ATTEMPTS; attempt++) {
		if (attempt > 0)
			loader_discard_input(ld);
		rc =
		    loader_command_result(ld, STUB_OP_SECTOR_MD5, d, 8, timeout, out, n * 16u, err);
		if (rc == ED_OK || !ask_again(ld, rc))
			break;
	}
	if (rc < 0)
		ed_error_prefix(err, "MD5 map of sectors 0x%06x..0x%06x", first * CHIPMAP_SECTOR,
				(first + n) * CHIPMAP_SECTOR - 1);
	return rc;
}

/* The parts of sector s outside every allowed range, in address order; returns how many
 * (0 when allowed covers none of it: then *whole says whether it covers all of it). */
static size_t outside_parts(uint32_t s, const struct flasher_range *allowed, size_t nallowed,
			    struct chipmap_piece *parts, size_t cap, bool *touched, bool *whole)
{
	uint32_t lo = s * CHIPMAP_SECTOR, hi = lo + CHIPMAP_SECTOR;
	*touched = false;
	*whole = false;
	/* walk the sector from lo, skipping any allowed range that covers pos */
	size_t n = 0;
	uint32_t pos = lo;
	while (pos < hi) {
		uint32_t next_start = hi; /* the nearest allowed start after pos */
		bool covered = false;
		for (size_t k = 0; k < nallowed; k++) {
			uint64_t a = allowed[k].offset, b = a + allowed[k].size;
			if (!allowed[k].size || b <= lo || a >= hi)
				continue;
			*touched = true;
			if (a <= pos && b > pos) {
				pos = b >= hi ? hi : (uint32_t)b;
				covered = true;
				break;
			}
			if (a > pos && a < next_start)
				next_start = (uint32_t)a;
		}
		if (covered)
			continue;
		if (n < cap)
			parts[n] = (struct chipmap_piece){.lo = pos, .hi = next_start};
		n++;
		pos = next_start;
	}
	if (*touched && n == 0)
		*whole = true;
	return *touched ? n : 0;
}

int chipmap_take(struct loader *ld, uint32_t flash_size, const struct flasher_range *allowed,
		 size_t nallowed, const struct flasher_progress *progress, struct chipmap *map,
		 struct ed_error *err)
{
	memset(map, 0, sizeof *map);
	map->flash_size = flash_size;
	map->sectors = flash_size / CHIPMAP_SECTOR;
	map->md5 = malloc((size_t)map->sectors * 16 + 16);
	if (!map->md5)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory for the whole-chip MD5 map");
	int rc = ED_OK;
	for (uint32_t s = 0; rc == ED_OK && s < map->sectors; s += CHIPMAP_BATCH) {
		if (loader_cancelled(ld))
			return loader_fail_cancelled(err, "the whole-chip check");
		uint32_t n = map->sectors - s < CHIPMAP_BATCH ? map->sectors - s : CHIPMAP_BATCH;
		rc = sector_md5s(ld, s, n, map->md5 + (size_t)s * 16, err);
		if (rc == ED_OK && progress && progress->fn)
			progress->fn(progress->user, (uint64_t)(s + n) * CHIPMAP_SECTOR,
				     flash_size);
	}
	/* the bytes outside the files in sectors they cover only in part */
	for (uint32_t s = 0; rc == ED_OK && s < map->sectors; s++) {
		struct chipmap_piece parts[8];
		bool touched, whole;
		size_t n = outside_parts(s, allowed, nallowed, parts, 8, &touched, &whole);
		if (n > 8)
			n = 8; /* more than 8 gaps in one sector: the rest stays unchecked */
		for (size_t k = 0; rc == ED_OK && k < n; k++) {
			struct chipmap_piece *p =
			    realloc(map->pieces, (map->npieces + 1) * sizeof *map->pieces);
			if (!p)
				return ed_fail(err, ED_ERR_NOMEM, "out of memory for the MD5 map");
			map->pieces = p;
			p[map->npieces] = parts[k];
			rc = stubflash_md5(ld, parts[k].lo, parts[k].hi - parts[k].lo,
					   p[map->npieces].md5, err);
			map->npieces++;
		}
	}
	return rc;
}

/* Appends [lo, hi) to the list of changed ranges, merging it with the last one. */
struct changes {
	char *out;
	size_t cap, len;
	uint32_t lo, hi; /* the open range, hi == 0 when none */
	uint32_t sectors_in_open;
	uint32_t listed, cut;
};

static void flush(struct changes *c)
{
	if (!c->hi)
		return;
	if (c->len + 64 >= c->cap) {
		c->cut++;
	} else {
		c->len += (size_t)snprintf(c->out + c->len, c->cap - c->len, "%s0x%06x..0x%06x",
					   c->listed ? ", " : "", c->lo, c->hi - 1);
		if (c->sectors_in_open > 1)
			c->len += (size_t)snprintf(c->out + c->len, c->cap - c->len,
						   " (%u sectors)", c->sectors_in_open);
		c->listed++;
	}
	c->hi = 0;
}

static void add(struct changes *c, uint32_t lo, uint32_t hi, bool new_sector)
{
	if (c->hi && c->hi == lo) {
		c->hi = hi;
		c->sectors_in_open += new_sector;
		return;
	}
	flush(c);
	c->lo = lo;
	c->hi = hi;
	c->sectors_in_open = 1;
}

uint32_t chipmap_compare(const struct chipmap *before, const struct chipmap *after,
			 const struct flasher_range *allowed, size_t nallowed, char *out,
			 size_t cap)
{
	struct changes c = {.out = out, .cap = cap};
	if (cap)
		out[0] = 0;
	uint32_t changed = 0, last_sector = UINT32_MAX;
	size_t piece = 0;
	uint32_t sectors = before->sectors < after->sectors ? before->sectors : after->sectors;
	for (uint32_t s = 0; s < sectors; s++) {
		struct chipmap_piece parts[8];
		bool touched, whole;
		size_t n = outside_parts(s, allowed, nallowed, parts, 8, &touched, &whole);
		if (n > 8)
			n = 8;
		if (whole)
			continue;
		if (!touched) {
			if (memcmp(before->md5 + (size_t)s * 16, after->md5 + (size_t)s * 16, 16)) {
				add(&c, s * CHIPMAP_SECTOR, (s + 1) * CHIPMAP_SECTOR, true);
				changed++;
			}
			continue;
		}
		for (size_t k = 0; k < n; k++, piece++) {
			if (piece >= before->npieces || piece >= after->npieces)
				break;
			if (!memcmp(before->pieces[piece].md5, after->pieces[piece].md5, 16))
				continue;
			add(&c, parts[k].lo, parts[k].hi, last_sector != s);
			if (last_sector != s)
				changed++;
			last_sector = s;
		}
	}
	flush(&c);
	if (c.cut && c.len + 24 < cap)
		snprintf(out + c.len, cap - c.len, " and %u more range%s", c.cut,
			 c.cut == 1 ? "" : "s");
	return changed;
}

void chipmap_free(struct chipmap *map)
{
	free(map->md5);
	free(map->pieces);
	memset(map, 0, sizeof *map);
}
