/* SPDX-License-Identifier: MIT
 * The whole-chip check (espdeck(1), "What exit 0 means"): on the flasher stub, an MD5 map of
 * every 4 KiB sector of the flash taken before a job and again after it, so that a change
 * anywhere outside the job's files is seen and named by sector.
 *
 * One digest per sector (the stub's SECTOR_MD5 extension, 16 bytes per 4 KiB, streamed as
 * the stub computes them): the map of a 4 MiB flash is 16 KiB on the wire, and a changed
 * sector is named without a second pass. A sector that a file covers only in part is judged
 * by SPI_FLASH_MD5 of its bytes outside the file (the stub keeps them), so "unchanged"
 * holds for every byte outside the files.
 *
 * Call order: chipmap_take() after stubclient_start() and before the first step, again
 * after the last; chipmap_compare() on the two; chipmap_free() on each. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "engine/flasher.h"
#include "engine/loader.h"

#define CHIPMAP_SECTOR 0x1000u
/* Sectors per SECTOR_MD5 request (1 MiB: 4 KiB of digests per reply). */
#define CHIPMAP_BATCH 256u

/* The bytes a piece of a partly covered sector holds outside the allowed ranges. */
struct chipmap_piece {
	uint32_t lo, hi; /* [lo, hi) */
	uint8_t md5[16];
};

struct chipmap {
	uint32_t flash_size;
	uint32_t sectors;
	uint8_t *md5; /* 16 bytes per sector */
	struct chipmap_piece *pieces;
	size_t npieces;
};

/* Takes the map of [0, flash_size) on a running stub. allowed[] are the byte ranges the
 * job may change (its files, its erased regions); the sectors they cover in part get
 * pieces for their other bytes. progress counts mapped bytes. */
int chipmap_take(struct loader *ld, uint32_t flash_size, const struct flasher_range *allowed,
		 size_t nallowed, const struct flasher_progress *progress, struct chipmap *map,
		 struct ed_error *err);

/* Compares two maps of the same flash and ranges. Returns 0 when nothing outside allowed[]
 * changed, else the number of changed sectors with their ranges in out ("0x000000..0x001fff
 * (2 sectors), 0x0f0000..0x0f0fff"; at most cap bytes, "and N more" when cut). */
uint32_t chipmap_compare(const struct chipmap *before, const struct chipmap *after,
			 const struct flasher_range *allowed, size_t nallowed, char *out,
			 size_t cap);

void chipmap_free(struct chipmap *map);
