/* SPDX-License-Identifier: MIT
 * Flash mode / size / frequency names and their header codes (reference §7.1).
 * Both esptool's current names ("4MB-c1") and the old megabit ones ("32m-c1") parse. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum flash_mode {
	FLASH_MODE_QIO = 0,
	FLASH_MODE_QOUT = 1,
	FLASH_MODE_DIO = 2,
	FLASH_MODE_DOUT = 3
};

struct flash_size_info {
	const char *name;     /* esptool 4+ name, e.g. "4MB-c1" */
	const char *old_name; /* megabit name, e.g. "32m-c1" (NULL where none exists) */
	uint8_t size_map;     /* header byte 3 high nibble = SDK size_map */
	uint32_t bytes;	      /* chip size */
	uint32_t ota_slot;    /* OTA slot length in bytes (0 = no OTA map) */
};

struct flash_freq_info {
	const char *name; /* "40m" */
	uint8_t code;	  /* header byte 3 low nibble */
	uint32_t hz;
};

/* Table lookups; NULL when unknown. esptool's names ("4MB-c1") compare case-insensitively;
 * the old megabit names only with a lower-case m ("32m-c1"): "4M" could mean 4 MB or
 * 4 Mbit = 512 KB, so it is refused (issue 15). */
const struct flash_size_info *flash_size_by_name(const char *name);
/* Like flash_size_by_name(); on NULL, why (cap bytes, caller's) says what is wrong in one
 * sentence: an ambiguous spelling with both meanings, or the list of names. */
const struct flash_size_info *flash_size_parse(const char *name, char *why, size_t cap);
/* What a size name means, for output: "32m-c1 = 4MB-c1" for an old megabit name, else the
 * esptool name. Writes into buf (caller's) and returns it; an unknown name is copied. */
const char *flash_size_label(const char *name, char *buf, size_t cap);
const struct flash_size_info *flash_size_by_map(uint8_t size_map);
/* The first (plain, non -c1) size entry of a given byte count, for "detect". */
const struct flash_size_info *flash_size_by_bytes(uint32_t bytes);
const struct flash_freq_info *flash_freq_by_name(const char *name);
const struct flash_freq_info *flash_freq_by_code(uint8_t code);
/* Returns -1 when unknown. */
int flash_mode_by_name(const char *name);
/* "qio", "qout", "dio", "dout", or "unknown". */
const char *flash_mode_name(int mode);

/* For help and error texts: "256KB, 512KB, 1MB, ... (old names: 2m, 4m, ...)". */
const char *flash_size_names(void);
const char *flash_freq_names(void);

/* esptool's "Detected flash size" text for a JEDEC id: "4MB", "32MB", "256KB", or
 * "Unknown" (esptool's DETECTED_FLASH_SIZES, which names sizes past 16MB too). */
const char *flash_size_jedec_name(uint32_t flash_id);

/* Size in bytes of a JEDEC capacity byte (flash_id >> 16), 0 when unknown (§4). */
uint32_t flash_size_from_jedec(uint32_t flash_id);
