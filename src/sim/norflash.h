/* SPDX-License-Identifier: MIT
 * SPI NOR flash model of the virtual board (internal to src/sim): erase sets 0xFF,
 * program only clears bits (AND), page program wraps inside its 256-byte page, a
 * write-enable latch and a busy (WIP) bit driven by the board's clock, optional
 * persistent backing file (mmap'd, so every change is in the file at once).
 *
 * Call order: nor_create() -> commands with the board time in ns -> nor_destroy(). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define NOR_PAGE    256u
#define NOR_SECTOR  4096u
#define NOR_BLOCK32 32768u
#define NOR_BLOCK64 65536u

/* Operation times in ns (0 everywhere with --fast). */
struct nor_timing {
	uint64_t page_ns;
	uint64_t sector_ns;
	uint64_t block32_ns;
	uint64_t block64_ns;
	uint64_t chip_ns;
	uint64_t wrsr_ns;
};

struct nor;

/* size is a power of two, 256 KiB..16 MiB; path may be NULL (RAM only). An existing file
 * must have exactly size bytes; a missing one is created erased. */
int nor_create(uint32_t size, uint32_t jedec_id, const char *path, const struct nor_timing *t,
	       struct nor **out, struct ed_error *err);
void nor_destroy(struct nor *n);
/* Puts len bytes (at most the chip size) at address 0 as they are, like a programmer
 * clip would: the board's starting contents. */
void nor_load(struct nor *n, const uint8_t *data, size_t len);

uint32_t nor_size(const struct nor *n);
uint32_t nor_jedec_id(const struct nor *n);
/* Borrowed view of the whole array. */
const uint8_t *nor_data(const struct nor *n);

/* Status register 1: bit 0 WIP (busy until the running operation ends), bit 1 WEL. */
uint8_t nor_status(struct nor *n, uint64_t now_ns);
bool nor_busy(struct nor *n, uint64_t now_ns);
/* The time the running operation ends (<= now when idle). */
uint64_t nor_busy_until(const struct nor *n);

void nor_write_enable(struct nor *n, uint64_t now_ns);
void nor_write_disable(struct nor *n, uint64_t now_ns);

/* Flash commands as the chip executes them: ignored (returns false) when busy or when
 * the write-enable latch is clear, exactly like a real part. Addresses wrap at the chip
 * size (address bits above it are not decoded). */
bool nor_erase(struct nor *n, uint32_t addr, uint32_t len, uint64_t now_ns);
bool nor_chip_erase(struct nor *n, uint64_t now_ns);
/* Page program: len <= 256; bytes past the page end wrap to its start. */
bool nor_page_program(struct nor *n, uint32_t addr, const uint8_t *data, size_t len,
		      uint64_t now_ns);
/* Write status register (only the latch and busy time are modelled). */
bool nor_write_status(struct nor *n, uint64_t now_ns);
/* The block protection the status registers set (status-1 | status-2 << 8: BP0-BP2, TB,
 * SEC, CMP as a Winbond W25Q reads them). Programs and erases that touch a protected
 * address are ignored as the chip ignores them: the latch is used up, nothing changes,
 * no error. */
void nor_set_protection(struct nor *n, uint16_t status);
/* Whether any byte of [addr, addr + len) is protected. */
bool nor_protected(const struct nor *n, uint32_t addr, uint32_t len);

void nor_read(const struct nor *n, uint32_t addr, uint8_t *out, size_t len);
/* SFDP space (opcode 0x5A): a JEDEC header and basic parameter table for this part. */
void nor_read_sfdp(const struct nor *n, uint32_t addr, uint8_t *out, size_t len);

/* Pushes the backing file to disk (msync); no-op without a file. */
int nor_sync(struct nor *n, struct ed_error *err);
