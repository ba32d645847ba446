/* SPDX-License-Identifier: MIT
 * SPI flash commands through the SPI0 registers, the only way to read, identify and
 * erase exactly while the ESP8266 ROM loader runs (reference §5).
 *
 * Call order: spiflash_begin() (attaches the flash, saves USER/USER2) -> commands ->
 * spiflash_end() (restores USER/USER2, as esptool does, so the ROM's own flash routines
 * see the registers as they left them). Register writes are cached within a session so
 * each command sends only what changed. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "engine/loader.h"

#define SPIFLASH_SECTOR	    0x1000u
#define SPIFLASH_BLOCK	    0x10000u
#define SPIFLASH_READ_CHUNK 64u

struct spiflash {
	struct loader *ld;
	uint32_t saved_user, saved_user2;
	uint32_t user, user1, user2; /* last values written in this session */
	bool known;		     /* user/user1/user2 hold what the chip has */
	bool checked[3];	     /* user1, user, user2 were read back since written */
	bool no_readback;	     /* registers read back differently but consistently:
				      * this loader does not echo them, trust the writes */
	bool active;
	bool addr_unchecked; /* the next READ writes ADDR without reading it back */
	uint32_t poison;     /* counts the values W0 gets before each READ */
};

/* How a read guards against replies and register writes garbled on the wire (neither
 * carries a checksum). */
/* Every mode drops stale input before a run and reads ADDR back after it (the sentinel
 * that ties the replies to their requests, issue 11). */
enum spiflash_read_mode {
	SPIFLASH_READ_AUTO,    /* TWICE: for data nothing else checks (dumps) */
	SPIFLASH_READ_ONCE,    /* one run, ADDR not read back before it: for data compared
				* anyway (verify), a mismatch read again TWICE */
	SPIFLASH_READ_CHECKED, /* one run after ADDR is read back */
	SPIFLASH_READ_TWICE,   /* runs until two runs agree */
};

/* Progress callback: done and total bytes of the current operation. */
typedef void (*spiflash_progress_fn)(void *user, uint64_t done, uint64_t total);

int spiflash_begin(struct spiflash *sf, struct loader *ld, struct ed_error *err);
int spiflash_end(struct spiflash *sf, struct ed_error *err);

/* JEDEC id: manufacturer | device << 8 (bytes as on the wire, esptool's flash_id). */
int spiflash_read_id(struct spiflash *sf, uint32_t *jedec, struct ed_error *err);
/* Reads size bytes from flash offset into buf, 64 bytes a transaction. */
int spiflash_read_mode(struct spiflash *sf, uint32_t offset, uint8_t *buf, uint32_t size,
		       enum spiflash_read_mode mode, spiflash_progress_fn progress, void *user,
		       struct ed_error *err);
/* spiflash_read_mode() with SPIFLASH_READ_AUTO. */
int spiflash_read(struct spiflash *sf, uint32_t offset, uint8_t *buf, uint32_t size,
		  spiflash_progress_fn progress, void *user, struct ed_error *err);
/* One 32-bit read (a single transaction, ADDR not read back, no repeat): for cheap spot
 * checks that read a differing word again with spiflash_read_mode(). */
int spiflash_read_word(struct spiflash *sf, uint32_t addr, uint32_t *word, struct ed_error *err);
/* Erases [offset, offset+size) exactly: sectors up to a 64 KiB boundary, 64 KiB blocks,
 * then sectors. Both must be sector aligned. */
int spiflash_erase_region(struct spiflash *sf, uint32_t offset, uint32_t size,
			  spiflash_progress_fn progress, void *user, struct ed_error *err);
/* esptool's read_flash_status: status-1 (RDSR 0x05), -2 (0x35), -3 (0x15) for nbytes
 * 1..3, in bits 0-7, 8-15, 16-23 (a chip without one answers 0xFF). */
int spiflash_read_status(struct spiflash *sf, int nbytes, uint32_t *status, struct ed_error *err);
/* esptool's write_flash_status: nbytes of value through WRSR/WRSR2/WRSR3 (and a 16-bit
 * WRSR for 2), each after WEVSR (0x50: volatile, lost at power-off) or with non_volatile
 * WREN; WRDI at the end. */
int spiflash_write_status(struct spiflash *sf, uint32_t value, int nbytes, bool non_volatile,
			  struct ed_error *err);
/* The status bits that protect blocks from programs and erases: BP0-BP2, TB, SEC in
 * status-1, CMP in status-2 (Winbond W25Q; the same places on the GigaDevice and XMC parts
 * of ESP modules; the stub clears the same ones, espdeck-stub(7)). QE and the rest are
 * kept: clearing QE would stop a QIO firmware from booting. */
#define SPIFLASH_STATUS_PROTECT 0x407Cu
/* Reads status-1 and -2 into *status_before (status-1 | status-2 << 8); when protection
 * bits are set, clears them (WREN + WRSR, non-volatile, the other bits kept), reads the
 * status back and proves it is what was written: *unlocked = true. A protection that
 * does not clear is ED_ERR_DEVICE saying so. Nothing is written when none is set. */
int spiflash_unlock(struct spiflash *sf, uint32_t *status_before, bool *unlocked,
		    struct ed_error *err);
/* Chip erase (0xC7), waiting up to timeout_us for the flash to finish. */
int spiflash_erase_chip(struct spiflash *sf, uint64_t timeout_us, struct ed_error *err);
