/* SPDX-License-Identifier: MIT
 * esptool's read_flash_sfdp: the flash chip's SFDP table (JEDEC JESD216, opcode 0x5A,
 * 24-bit address, 8 dummy cycles) read through the SPI0 user-command registers with
 * esptool's run_spiflash_command recipe (reference §4, §5.2). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "engine/loader.h"

/* Reads 1-4 bytes of SFDP at addr into out (the caller's); as esptool, at most 32 bits
 * per command. Attaches the flash first; saves and restores SPI USER/USER2. */
int sfdp_read(struct loader *ld, uint32_t addr, uint8_t *out, size_t len, struct ed_error *err);
