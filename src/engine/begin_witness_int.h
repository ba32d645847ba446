/* SPDX-License-Identifier: MIT
 * Witnesses for a ROM-mode FLASH_BEGIN that erases (issue 11): its four words carry no
 * checksum, so one flipped bit of the erase size erases more than asked and one flipped
 * bit of the offset erases (and, for a write, programs) somewhere else, with a normal
 * answer. Before the FLASH_BEGIN, begin_witness_take() lists every range such a flip can
 * change outside what the operation changes on purpose and reads one word in each that
 * the change would alter (shared between nested ranges, at most BEGIN_WITNESS_PROBES
 * reads); after the operation, begin_witness_check() reads them again. flasher.c's
 * helper, not a public header. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "engine/flasher.h"
#include "engine/loader.h"

#define BEGIN_WITNESS_PROBES 32u
#define BEGIN_WITNESS_MUST   3 /* sectors that must read erased: begin_witness_op */
#define BEGIN_WITNESS_CANDS  128u

/* The FLASH_BEGIN as sent, and what the operation changes on purpose. */
struct begin_witness_op {
	uint32_t offset;     /* FLASH_BEGIN's offset word (sector aligned) */
	uint32_t erase_size; /* its erase-size word */
	uint32_t nblocks;    /* FLASH_DATA blocks of PKT_ROM_FLASH_BLOCK bytes that follow */
	const uint8_t *data; /* those blocks (nblocks x 0x400 bytes, borrowed), NULL if none */
	uint32_t own_start, own_end;	   /* [start, end): erased or written on purpose */
	const struct flasher_range *later; /* ranges later steps write and prove (borrowed) */
	size_t nlater;
	uint32_t flash_size; /* bytes; 0 = unknown (4 MB assumed) */
	/* An erase without blocks: sectors that must read erased afterwards (the last one the
	 * ROM's erase is meant to reach: a flip that shrinks the erase size or moves the
	 * offset leaves it as it was; the one SPI commands erase). UINT32_MAX = none. With
	 * erase_size and nblocks 0 no FLASH_BEGIN is sent: only these are checked. [2]: the
	 * first sector the ROM's erase must reach (an offset flipped upwards leaves it). */
	uint32_t must_erase[BEGIN_WITNESS_MUST];
	/* [spi_offset, +spi_size): erased with SPI commands, whose write enable or erase a
	 * flipped bit can turn into a 64 KiB block or chip erase: those ranges get witnesses
	 * too. spi_size 0 = none. */
	uint32_t spi_offset, spi_size;
};

/* One range a single flipped bit may have changed, as the ROM addresses it. */
struct begin_witness_cand {
	uint64_t start, len; /* [start, start + len) before the chip's address wrap */
	uint64_t erase_len;  /* the erased part from start; the rest is only programmed */
	uint8_t word;	     /* 0 = erase size, 3 = offset, 9 = an SPI command */
	uint8_t bit;
	uint8_t rom_model; /* 1: the ROM's erase (x + min(t, x) sectors), 0: x sectors */
	int8_t witness;	   /* index into probe[], -1 = none */
};

struct begin_witness_probe {
	uint32_t addr, word; /* a sector's first word as read before the FLASH_BEGIN */
};

/* Caller memory; filled by begin_witness_take(), read by begin_witness_check(). */
struct begin_witness {
	struct begin_witness_op op;
	uint32_t chip_size, rom_limit;
	struct begin_witness_cand cand[BEGIN_WITNESS_CANDS];
	unsigned ncand;
	struct begin_witness_probe probe[BEGIN_WITNESS_PROBES];
	unsigned nprobe;
	struct begin_witness_probe
	    inside[BEGIN_WITNESS_MUST]; /* must_erase's first words (addr UINT32_MAX:
					       * none, or it read 0xFF) */
	bool taken;			/* begin_witness_take() filled it */
};

/* Lists the candidate ranges and reads their witnesses; logs at DEBUG how many reads it
 * took and which candidates stayed without a witness (their probed words read erased). */
int begin_witness_take(struct loader *ld, const struct begin_witness_op *op,
		       struct begin_witness *w, struct ed_error *err);
/* After the operation: ED_ERR_VERIFY when a witness changed, naming the ranges that may
 * have been erased or written ("0xAAAAAA..0xBBBBBB") and what to do, or when the sector at
 * must_erase held data before and still does. A zeroed w that take
 * never filled checks nothing. */
int begin_witness_check(struct loader *ld, const struct begin_witness *w, struct ed_error *err);
