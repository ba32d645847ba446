/* SPDX-License-Identifier: MIT
 * Flash operations in ROM mode built from the loader and the SPI register commands:
 * write (FLASH_BEGIN/DATA with the erase-bug plan), read, verify, erase.
 * Each reports progress through a callback (done, total bytes) and stops between packets
 * when the loader's cancel flag is set. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "engine/erase_plan.h"
#include "engine/loader.h"
#include "engine/spiflash.h"

struct flasher_progress {
	void (*fn)(void *user, uint64_t done, uint64_t total);
	void *user;
	/* Optional (NULL): a stub write's data bytes on the wire so far (compressed when
	 * compressing), beside fn's count of the file's own bytes. */
	void (*wire)(void *user, uint64_t sent, uint64_t total);
};

/* How a write's data was proven, for the summary line. */
enum flasher_proof {
	FLASHER_PROOF_ROM_CHECKSUM, /* the ROM's 8-bit checksum per block, every block's
				     * position checked by reading one word back */
	FLASHER_PROOF_READ_BACK,    /* every byte read back through SPI and compared */
};

struct flasher_range {
	uint32_t offset, size;
};

/* What a write that failed (a lost connection) leaves for the next attempt at the same
 * offset, on a new loader: the frames it may have sent elsewhere, and how many blocks the
 * ROM had acknowledged, whose places the next attempt checks before it erases them (one of
 * them may have gone elsewhere without a sign). Caller memory, zeroed before the first. */
struct flasher_resume {
	bool valid;
	uint32_t offset, blocks_acked;
	struct loader_hazard hazards[64];
	size_t nhazards;
	bool lost;
};

struct flasher_write_opts {
	enum erase_strategy strategy;
	uint32_t flash_size; /* bytes, 0 = unknown: bounds the preserve strategy */
	bool next_free;	     /* the sector after the data is written later in this job */
	bool check_blocks;   /* --check-blocks: one word of every block read back; every
			       * write does that now, so it changes nothing */
	/* Ranges that later steps of the job will erase, write and prove anyway (borrowed):
	 * a hazard inside them needs no proof now. */
	const struct flasher_range *later;
	size_t nlater;
	/* The sector the preserve strategy keeps, saved by the first attempt and reused by a
	 * write repeated after a reconnect, when the flash copy may already be erased.
	 * SPIFLASH_SECTOR bytes owned by the caller; NULL = not kept across calls. */
	uint8_t *preserve_copy;
	bool *preserve_saved;
	enum flasher_proof *proof;     /* out (may be NULL): how the data was proven */
	struct flasher_resume *resume; /* in/out (may be NULL): see struct flasher_resume */
};

/* Writes size bytes at offset (sector aligned) with 0x400-byte FLASH_DATA blocks, the last
 * padded with 0xFF. Never sends FLASH_END (as esptool: it would start the firmware).
 *
 * What ED_OK proves in ROM mode (issue 11; espdeck(1), "What exit 0 means"). The ROM checks
 * each block with an 8-bit XOR and nothing else: FLASH_BEGIN's and FLASH_DATA's headers
 * (offset, sequence number) and the opcode carry no checksum, and replies name no request.
 * - Clean write (no anomaly from the first FLASH_BEGIN to the last reply): one word of
 *   every block is read back, which finds any block a corrupted header put elsewhere (its
 *   own place stays erased); the bytes are as good as the ROM's checksum (two flips in the
 *   same bit of one block pass it). *proof = FLASHER_PROOF_ROM_CHECKSUM.
 * - Any anomaly (timeout, garbled or foreign reply, retry, resynchronisation): every
 *   byte is read back and compared. *proof = FLASHER_PROOF_READ_BACK.
 * - Every frame the ROM may have run somewhere else (loader hazards) is then proven not to
 *   have landed: the flash at each place a one-bit corruption could have sent it holds a 1
 *   bit the frame's data lacks (programming only clears bits), a sector a FLASH_DATA run as
 *   FLASH_BEGIN could have erased still holds data. What cannot be proven ends the write
 *   with ED_ERR_VERIFY naming the ranges that may have changed and what to run.
 * - FLASH_BEGIN's erase size and offset: one word in every range a flipped bit of either
 *   could erase or write (outside the file, its planned erase and opts->later) is read
 *   before the write and again after; a changed one ends in ED_ERR_VERIFY naming the
 *   ranges. A range whose words read as erased has no witness (DEBUG log): an erase there
 *   lost nothing that was read.
 * A block that is not where it belongs makes the whole write run once more, and
 * ED_ERR_VERIFY if that fails too. */
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

/* Erases a sector-aligned region exactly (one ROM erase inside it, SPI sector commands for
 * the rest). The ROM's FLASH_BEGIN carries no checksum: before it, one word in every range
 * a flipped bit of its erase size or offset could erase is read, and again after; a changed
 * one ends in ED_ERR_VERIFY naming the ranges that may be erased. flash_size (bytes, 0 =
 * unknown: 4 MB) bounds those ranges (the ROM refuses beyond max(4 MB, size); the chip
 * wraps addresses modulo its size). flasher_erase_region() is the same with 0. */
int flasher_erase_region_sized(struct loader *ld, uint32_t offset, uint32_t size,
			       uint32_t flash_size, const struct flasher_progress *progress,
			       struct ed_error *err);
int flasher_erase_region(struct loader *ld, uint32_t offset, uint32_t size,
			 const struct flasher_progress *progress, struct ed_error *err);
/* ROM mode has no unlock of its own: spiflash_unlock() in a session of its own (call it
 * before the first write or erase; the status register keeps the change). */
int flasher_unlock(struct loader *ld, uint32_t *status_before, bool *unlocked,
		   struct ed_error *err);
/* Erases the whole chip; flash_size scales the timeout (0 = assume 16 MB). */
int flasher_erase_chip(struct loader *ld, uint32_t flash_size, struct ed_error *err);
