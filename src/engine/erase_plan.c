/* SPDX-License-Identifier: MIT
 * FLASH_BEGIN erase sizes around the ROM's erase bug (reference §6). */
#include "engine/erase_plan.h"

#include <string.h>

#define SECTOR 4096u

static uint32_t sectors_to_block_end(uint32_t start_sector)
{
	return 16u - start_sector % 16u;
}

uint32_t erase_plan_rom_sectors(uint32_t start_sector, uint32_t erase_bytes)
{
	uint32_t x = (erase_bytes + SECTOR - 1) / SECTOR;
	uint32_t t = sectors_to_block_end(start_sector);
	return x + (t < x ? t : x);
}

uint32_t erase_plan_esptool_size(uint32_t offset, uint32_t size)
{
	uint32_t n = (size + SECTOR - 1) / SECTOR;
	uint32_t t = sectors_to_block_end(offset / SECTOR);
	uint32_t h = t < n ? t : n;
	if (n < 2 * h)
		return (n + 1) / 2 * SECTOR;
	return (n - h) * SECTOR;
}

static void plan_exact(uint32_t offset, uint32_t n, struct erase_plan *p)
{
	uint32_t t = sectors_to_block_end(offset / SECTOR);
	uint32_t x = n >= 2 * t ? n - t : n / 2;
	uint32_t rom = x + (t < x ? t : x);
	p->rom_erase_size = x * SECTOR;
	if (rom < n) {
		p->spi_erase_offset = offset + rom * SECTOR;
		p->spi_erase_size = (n - rom) * SECTOR;
	}
}

void erase_plan_make(enum erase_strategy strategy, uint32_t offset, uint32_t size,
		     uint32_t flash_size, bool next_free, struct erase_plan *p)
{
	memset(p, 0, sizeof *p);
	uint32_t n = (size + SECTOR - 1) / SECTOR;
	p->write_size = size;
	if (next_free) {
		uint32_t esp = erase_plan_esptool_size(offset, size);
		if (erase_plan_rom_sectors(offset / SECTOR, esp) <= n + 1) {
			p->rom_erase_size = esp;
			return;
		}
	}
	if (strategy == ERASE_STRATEGY_PRESERVE) {
		uint32_t esp = erase_plan_esptool_size(offset, size);
		uint32_t erased = erase_plan_rom_sectors(offset / SECTOR, esp);
		if (erased <= n) {
			p->rom_erase_size = esp;
			return;
		}
		uint32_t extra = offset + n * SECTOR;
		if (flash_size && extra + SECTOR <= flash_size) {
			/* Writing the collateral sector back makes n + 1 sectors, which esptool's
			 * formula erases exactly (n odd and < 2h, so n + 1 is even and <= 2h). */
			p->preserve = true;
			p->preserve_offset = extra;
			p->write_size = (n + 1) * SECTOR;
			p->rom_erase_size = erase_plan_esptool_size(offset, p->write_size);
			return;
		}
	}
	plan_exact(offset, n, p);
}

const char *erase_strategy_name(enum erase_strategy s)
{
	return s == ERASE_STRATEGY_PRESERVE ? "preserve" : "exact";
}
