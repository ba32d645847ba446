/* SPDX-License-Identifier: MIT
 * Choosing FLASH_BEGIN's erase size around the ESP8266 ROM's erase bug (reference §6) so
 * that no sector outside the data being written is ever erased. Pure arithmetic, no I/O.
 *
 * Strategies:
 *   EXACT (default): pick the largest erase size whose real ROM erase (x + min(t, x)
 *     sectors, §6.1) stays inside the write; erase the rest (at most one sector) with SPI
 *     sector commands; erase size 0 when even one sector would spill over. Whether every
 *     ROM accepts erase size 0 with a non-zero block count is not confirmed on hardware.
 *   PRESERVE: esptool's compensated size (§6.2); when that erases the sector right after
 *     the data, read that sector first and write it back in the same FLASH_DATA stream,
 *     which makes the compensated erase exact. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum erase_strategy { ERASE_STRATEGY_EXACT = 0, ERASE_STRATEGY_PRESERVE = 1 };

struct erase_plan {
	uint32_t write_size;	   /* bytes sent with FLASH_DATA (preserve may add a sector) */
	uint32_t rom_erase_size;   /* FLASH_BEGIN's erase size in bytes */
	uint32_t spi_erase_offset; /* region erased with SPI commands first (size 0 = none) */
	uint32_t spi_erase_size;
	bool preserve; /* read the sector at preserve_offset, append it to the data */
	uint32_t preserve_offset;
};

/* Sectors the ROM really erases for an erase size of erase_bytes at sector start_sector
 * (§6.1): x + min(t, x), t = sectors up to the next 64 KiB boundary. */
uint32_t erase_plan_rom_sectors(uint32_t start_sector, uint32_t erase_bytes);
/* esptool's get_erase_size (§6.2). */
uint32_t erase_plan_esptool_size(uint32_t offset, uint32_t size);
/* offset must be sector aligned; size > 0; flash_size (bytes) bounds the preserve sector
 * (0 = unknown: no preserve past the data allowed, falls back to EXACT). next_free: the
 * sector right after the data will be written later in the same job (boot.bin at 0x0
 * before user1.bin at 0x1000), so the ROM may erase it: esptool's size is then exact
 * enough and saves the SPI erase or the read-back. */
void erase_plan_make(enum erase_strategy strategy, uint32_t offset, uint32_t size,
		     uint32_t flash_size, bool next_free, struct erase_plan *plan);
const char *erase_strategy_name(enum erase_strategy s);
