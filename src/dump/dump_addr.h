/* SPDX-License-Identifier: MIT
 * Addresses in the dump inspector: the flash base a dump's file name implies, the
 * go-to syntax, and the irom0 mapping. Pure functions, no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Flash sectors are 4 KiB (the erase unit of every ESP8266 SPI NOR part). */
#define DUMP_SECTOR 4096u

/* The flash cache maps flash offset x at 0x40200000 + x (irom0, reference §10.2). */
#define DUMP_IROM0_BASE 0x40200000u

/* Guesses the flash address of byte 0 of a dump from its file name (the folders of
 * path are ignored). Rules, first match wins:
 *   1. a token "0x<hex>" anywhere (esptool style: app-0x10000.bin, flash_0x3fe000.bin)
 *      is a byte address;
 *   2. a name starting with flash, dump, read or backup, then '-' or '_', then hex
 *      digits: 4 to 8 digits are a byte address (flash-3fe000.bin = 0x3FE000); 1 to 3
 *      digits are a 4 KiB sector number (flash-3fe.bin = sector 0x3FE = 0x3FE000),
 *      because 3 hex digits already count every sector of a 16 MiB chip.
 * Tokens are separated by '-', '_', '.', ' ' or '@'. Returns false (and leaves *base
 * alone) when no rule matches. */
bool dump_base_from_name(const char *path, uint32_t *base);

/* Checks that a dump of size bytes whose byte 0 sits at address base ends at or below
 * 0xffffffff: row addresses are 32-bit, so a larger end would wrap to 0 mid-dump
 * (`--base 0xffffffff` printed "ffffffff:" then "0000000f:"). ED_ERR_ARG names the base,
 * the size and the highest base that fits. */
int dump_check_base(uint32_t base, size_t size, struct ed_error *err);

/* Parses a go-to request typed by the user. Absolute: "0x3fe010" (hex), "3fe010" (hex,
 * because it has hex letters), "4096" (decimal), "4k", "1M"; relative: a leading '+' or
 * '-' moves from current. lo..hi (exclusive) is the range that may be shown; a target
 * outside it fails with a message naming the range. */
int dump_parse_goto(const char *text, uint64_t current, uint64_t lo, uint64_t hi, uint64_t *target,
		    struct ed_error *err);

/* The sector index of file offset off when byte 0 sits at flash address base (sectors
 * follow flash addresses, so an unaligned base makes the first sector partial). */
static inline size_t dump_sector_of(uint32_t base, size_t off)
{
	return (size_t)(((uint64_t)off + base % DUMP_SECTOR) / DUMP_SECTOR);
}

/* The number of (possibly partial) sectors a dump of size bytes at base touches. */
static inline size_t dump_sector_count(uint32_t base, size_t size)
{
	return (size_t)(((uint64_t)size + base % DUMP_SECTOR + DUMP_SECTOR - 1) / DUMP_SECTOR);
}

/* The file offset where sector k starts (0 for a partial first sector). */
static inline size_t dump_sector_start(uint32_t base, size_t k)
{
	uint64_t phase = base % DUMP_SECTOR;
	uint64_t start = (uint64_t)k * DUMP_SECTOR;
	return start < phase ? 0 : (size_t)(start - phase);
}
