/* SPDX-License-Identifier: MIT
 * elf2image's segment list, shared by the version 1/2 writer (elf2image.c) and the
 * version 3 writer (elf2image_v3.c); private to image/. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "image/elf.h"

/* A section's bytes inside the caller's ELF buffer; written padded to 4 with zeros. */
struct part {
	const uint8_t *data;
	uint32_t size;
};

/* An image segment: consecutive parts merged (esptool concatenates padded sections). The
 * bytes are never copied until the image is written. */
struct seg {
	uint32_t addr;
	size_t first, count; /* parts */
	size_t len;	     /* padded total */
	uint64_t raw_end;    /* end of the last section's own bytes, before its padding */
	const char *name;    /* first section merged into it */
	uint32_t exec;	     /* esptool's ELF_FLAG_EXEC bit (0x4) of the section flags */
};

struct seglist {
	struct part *parts;
	struct seg *v;
	size_t n;
	struct img_elf *elf; /* owns the names */
};

/* esptool's BaseFirmwareImage.ELF_FLAG_EXEC: compared on section flags (SHF_EXECINSTR) and,
 * with --use-segments, on program header flags (where 0x4 is PF_R), exactly as esptool. */
#define ELF_FLAG_EXEC 0x4u

/* esptool's memory-type test for merging: a number per list of region names an address
 * falls in (equal numbers = equal lists). */
typedef uint32_t (*seg_region_fn)(uint32_t addr);

/* Reads the ELF, collects its sections (or PT_LOAD headers) in header order, each padded
 * to 4, and merges touching ones as esptool's merge_adjacent_segments does: same region
 * list, same exec bit, the next starting where the previous (padded) one ends. On
 * failure *l is empty. */
int seglist_load(const uint8_t *elf_buf, size_t elf_len, bool use_segments, seg_region_fn region,
		 struct seglist *l, uint32_t *entry, struct ed_error *err);
void seglist_free(struct seglist *l);
/* Fails when two segments overlap (esptool does not check; a loader would trip). */
int seglist_check_overlap(const struct seglist *l, struct ed_error *err);
/* Copies a segment's bytes to out (zeroed: the padding stays 0); returns the checksum
 * continued from sum. */
uint8_t seglist_copy(uint8_t *out, const struct seglist *l, const struct seg *g, uint8_t sum);
