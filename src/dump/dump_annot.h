/* SPDX-License-Identifier: MIT
 * Annotations of a dump: what is recognised at its flash addresses. Firmware images at
 * sector starts (v1 0xE9, esptool v2 0xEA, gen_appbin, parsed by src/image) with their
 * segments, checksum and CRC; the SDK's system area at the end of the flash (RF
 * calibration, esp_init_data, the three system-parameter sectors with the boot flag and
 * the boot parameters of boot_v1.x, reference §8); and erased areas. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum dump_annot_status { DUMP_ANNOT_INFO, DUMP_ANNOT_OK, DUMP_ANNOT_WARN, DUMP_ANNOT_BAD };

struct dump_annot {
	size_t off; /* file offset of the structure */
	size_t len; /* bytes it covers inside the dump */
	int depth;  /* 0 for a structure, 1 for its parts (segments, fields) */
	enum dump_annot_status status;
	char text[160];
	size_t seq, group_seq; /* insertion order, own or parent's (internal) */
	size_t group_off;      /* offset of the parent structure (internal) */
};

struct dump_annots {
	struct dump_annot *items; /* sorted by offset, parents before their parts */
	size_t count, cap;
};

/* Fills out (zero it first) with the annotations of data (size bytes at flash address
 * base). flash_size is the chip size when known (a preset, a job), else 0: the system
 * area is then looked for at the end of every ESP8266 flash size the dump reaches, and
 * the size in an image header at flash 0 is preferred. Free with dump_annots_free(). */
int dump_annotate(const uint8_t *data, size_t size, uint32_t base, uint32_t flash_size,
		  struct dump_annots *out, struct ed_error *err);

/* A region of a flash-layout preset, for dump_annotate_preset(). */
struct dump_region_hint {
	const char *name;
	uint32_t offset; /* flash address */
	uint32_t size;	 /* bytes reserved (0: up to the next region or the end of flash) */
};

/* Adds the regions of preset (name for the text) that the dump reaches, each with how
 * much of it is erased, and keeps the list sorted. flash_size bounds the last region. */
int dump_annotate_preset(const uint8_t *data, size_t size, uint32_t base, const char *preset,
			 const struct dump_region_hint *regions, size_t count, uint32_t flash_size,
			 struct dump_annots *out, struct ed_error *err);

/* dump_annotate() plus, when preset is not NULL, the preset's regions (found like
 * --preset: by name in the layout folders, or a path). The preset's flash size is used
 * when flash_size is 0. When the preset cannot be loaded the other annotations are still
 * in out and its error is returned. */
int dump_annotate_with_preset(const uint8_t *data, size_t size, uint32_t base, uint32_t flash_size,
			      const char *preset, struct dump_annots *out, struct ed_error *err);

/* Frees the items; accepts a zeroed struct. */
void dump_annots_free(struct dump_annots *a);
