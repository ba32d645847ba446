/* SPDX-License-Identifier: MIT
 * esptool's merge_bin: several binaries at flash offsets into one file, as a raw image
 * (0xFF between files, optionally up to a flash size) or as Intel HEX exactly as esptool
 * (through the intelhex package) writes it. Pure functions over buffers; the caller reads
 * and writes the files and applies the --flash_mode/size/freq patch of the file at 0x0
 * (img_patch_flash_params) before merging, as esptool does. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "image/image.h"

struct merge_input {
	uint32_t addr;	     /* flash offset of the first byte */
	const uint8_t *data; /* borrowed */
	size_t len;
	const char *name; /* for messages; borrowed */
};

/* Sorts in[] by address (stable) and checks esptool's rules: at least one file, no two
 * files touching the same 4 KiB sector ("Detected overlap at address 0x..."), no file
 * before target_offset. */
int merge_check(struct merge_input *in, size_t count, uint32_t target_offset, struct ed_error *err);

/* Raw output for flashing at target_offset: each file at addr - target_offset, gaps
 * 0xFF; with fill_to > 0 padded with 0xFF up to fill_to - target_offset bytes (esptool's
 * --fill-flash-size; nothing is cut when the files already reach past it). in[] must have
 * passed merge_check(). *out is reset first; on failure nothing is allocated. */
int merge_raw(const struct merge_input *in, size_t count, uint32_t target_offset, uint32_t fill_to,
	      struct img_output *out, struct ed_error *err);

/* Intel HEX of the files at their flash addresses (target offset and fill do not apply,
 * as in esptool): 16-byte data records that never cross a 64 KiB boundary or a gap,
 * extended linear address records (type 04) when any byte lies above 0xFFFF, upper-case
 * hex, "\n" line ends, ":00000001FF" at the end, no start address record. */
int merge_hex(const struct merge_input *in, size_t count, struct img_output *out,
	      struct ed_error *err);

/* esptool's --fill-flash-size names: 256KB, 512KB, 1MB ... 128MB; 0 when unknown. */
uint32_t merge_fill_size(const char *name);
