/* SPDX-License-Identifier: MIT
 * Flash operations in ROM mode built from the loader and the SPI register commands:
 * write (FLASH_BEGIN/DATA with the erase-bug plan), read, verify, erase.
 * Each reports progress through a callback (done, total bytes) and stops between packets
 * when the loader's cancel flag is set. */
#pragma once

#include <stdint.h>

#include "core/error.h"
#include "engine/erase_plan.h"
#include "engine/loader.h"
#include "engine/spiflash.h"

struct flasher_progress {
	void (*fn)(void *user, uint64_t done, uint64_t total);
	void *user;
};

struct flasher_write_opts {
	enum erase_strategy strategy;
	uint32_t flash_size;  /* bytes, 0 = unknown: bounds the preserve strategy */
	bool next_free;       /* the sector after the data is written later in this job */
	bool check_blocks;    /* read one word of every block back (--check-blocks); also
			       * done without asking once the session has needed a retry */
};

/* Writes size bytes at offset (sector aligned) with 0x400-byte FLASH_DATA blocks, the last
 * padded with 0xFF. The ROM checks every block it writes (error 0x08 ends the write with
 * ED_ERR_VERIFY). FLASH_BEGIN and FLASH_DATA headers carry no checksum, so one word of the
 * first and the last block is read back through SPI (every block with check_blocks or on
 * a noisy session); a block that is not where it belongs makes the whole write run once
 * more, and ED_ERR_VERIFY if that fails too. Never sends FLASH_END (as esptool: it would
 * start the firmware). */
int flasher_write(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
		  const struct flasher_write_opts *opts, const struct flasher_progress *progress,
		  struct ed_error *err);

/* Reads size bytes at offset into buf. */
int flasher_read(struct loader *ld, uint32_t offset, uint8_t *buf, uint32_t size,
		 const struct flasher_progress *progress, struct ed_error *err);

/* Reads back and compares. ED_ERR_VERIFY names the first differing address and both
 * bytes; *first_diff (may be NULL) gets that address (UINT32_MAX when equal). */
int flasher_verify(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
		   const struct flasher_progress *progress, uint32_t *first_diff,
		   struct ed_error *err);

/* Erases a sector-aligned region exactly (SPI sector and 64 KiB block commands). */
int flasher_erase_region(struct loader *ld, uint32_t offset, uint32_t size,
			 const struct flasher_progress *progress, struct ed_error *err);
/* Erases the whole chip; flash_size scales the timeout (0 = assume 16 MB). */
int flasher_erase_chip(struct loader *ld, uint32_t flash_size, struct ed_error *err);
