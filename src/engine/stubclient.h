/* SPDX-License-Identifier: MIT
 * The engine on the flasher stub (espdeck-stub(7)): starting a stub session over a loader
 * that is connected to the ROM, and the flash operations the stub offers.
 *
 * Call order: loader_connect() -> detect_chip() -> stubclient_start(); on ED_OK the loader
 * is in stub mode (loader_is_stub()) and only the stubflash_*() operations below may be
 * used for the flash (the ROM-mode flasher_*() would be refused by the stub's write
 * session rules). On failure the board may run half-uploaded code: the caller resets it
 * (loader_connect() again) and carries on in ROM mode. Buffers are the caller's. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "engine/flasher.h"
#include "engine/loader.h"
#include "stub/stub_blob.h"

/* How long the stub has to say OHAI after MEM_END (it needs a few ms; esptool waits 1 s
 * after reading the flash id at most). */
#define STUBCLIENT_OHAI_TIMEOUT_US 1000000u
/* Data block of a stub write: the stub's largest (espdeck-stub(7)). */
#define STUBCLIENT_WRITE_BLOCK 0x4000u
/* Write blocks sent before the first one's answer: the stub answers a block before it
 * writes it and holds one more block frame while it writes (espdeck-stub(7)). */
#define STUBCLIENT_WRITE_IN_FLIGHT 2u

/* How long a stub has to answer the probe of stubclient_answers() (it needs microseconds). */
#define STUBCLIENT_PROBE_TIMEOUT_US 500000u

/* True when a flasher stub answers on the line: the last SYNC answered with value 0
 * (esptool's test), or, when nothing was synced this session (--before no_reset_no_sync),
 * when the SPI_FLASH_MD5 of 16 bytes at 0x0 is answered: only a stub knows the command
 * (the ROM answers failure 0x05, reference 1.7). The probe reads flash and changes
 * nothing; its answer leaves the loader in stub mode. */
bool stubclient_answers(struct loader *ld);

/* Starts the stub: reuses one already running (stubclient_answers()), else
 * uploads blob (MEM_BEGIN/MEM_DATA per segment, MEM_END at its entry) at the link's baud
 * and waits for OHAI. *reused says which. progress counts uploaded bytes. */
int stubclient_start(struct loader *ld, const struct stub_blob *blob,
		     const struct flasher_progress *progress, bool *reused, struct ed_error *err);

/* Writes size bytes at offset through FLASH_BEGIN/DATA/END, or with compress the zlib
 * stream (level 9, as esptool) through FLASH_DEFL_BEGIN/DATA/END (the stub erases exactly the
 * sectors the data touches and keeps the other bytes of a partly covered sector), then
 * proves the range by SPI_FLASH_MD5 against the data's MD5. A mismatch is looked for
 * sector by sector (our SECTOR_MD5 for whole sectors, SPI_FLASH_MD5 for parts), only the
 * bad sectors are written again and the whole range checked once more; ED_ERR_VERIFY
 * names the sectors still wrong (sectors are written again uncompressed). res may be NULL. */
struct stubflash_write_result {
	uint32_t rewritten; /* sectors written again after the MD5 check */
	uint32_t sent;	    /* data bytes on the wire (compressed or not) */
	uint32_t sectors;   /* 4 KiB sectors the range touches */
	uint32_t skipped;   /* of them, left alone because the flash already held them (diff) */
	bool unlocked;	    /* the stub found the flash write protected and cleared it */
	bool per_sector;    /* diff: proven by the board's MD5 of every sector left alone and
			     * of every run written; flash_md5 is then the data's MD5 */
	char flash_md5[33]; /* the MD5 the board reported, 32 hex digits */
};
int stubflash_write(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
		    bool compress, const struct flasher_progress *progress,
		    struct stubflash_write_result *res, struct ed_error *err);

/* stubflash_write() with diff (--diff, esptool 5's --diff-with): the flash's MD5 of every
 * sector of the range first (SECTOR_MD5, SPI_FLASH_MD5 for a partly covered sector), then
 * only the runs of differing sectors are written (one session each, compressed as asked),
 * then each run written is proven by MD5 (res->per_sector; the sectors left alone were
 * proven by theirs, and a run put elsewhere by a damaged FLASH_BEGIN is found wrong and
 * ends in ED_ERR_VERIFY, as in a whole write); a range where nothing was skipped is proven
 * by one MD5 as always. res->skipped counts the sectors left alone. A stub without SECTOR_MD5 writes the whole range (a warning says so). */
struct stubflash_write_opts {
	bool compress;
	bool diff;
	/* May be NULL: called once the sectors to write are known, before any data goes out
	 * (sectors of the range, of them skipped). */
	void (*planned)(void *user, uint32_t sectors, uint32_t skipped);
	void *user;
};
int stubflash_write_opts(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
			 const struct stubflash_write_opts *opts,
			 const struct flasher_progress *progress,
			 struct stubflash_write_result *res, struct ed_error *err);

/* SPI_FLASH_MD5 of [offset, offset + size). */
int stubflash_md5(struct loader *ld, uint32_t offset, uint32_t size, uint8_t md5[16],
		  struct ed_error *err);

/* Compares the flash with data by MD5; ED_ERR_VERIFY names the first differing sector. */
int stubflash_verify(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
		     struct ed_error *err);

/* READ_FLASH into buf (4 KiB packets, several in flight), then the stub's MD5 of the range
 * checked against the bytes received. */
int stubflash_read(struct loader *ld, uint32_t offset, uint8_t *buf, uint32_t size,
		   const struct flasher_progress *progress, struct ed_error *err);

/* ERASE_REGION (sector aligned) in pieces ending on 256 KiB boundaries, progress after
 * each, each with esptool's timeout for its size (ERASE_REGION_TIMEOUT_PER_MB: 40 s per
 * MB, at least 3 s); ERASE_FLASH with esptool's CHIP_ERASE_TIMEOUT (120 s, or 40 s per MB
 * of flash_size where that is more), progress at its start and end. An erase that does
 * not finish in time is ED_ERR_TIMEOUT saying so. progress may be NULL. */
int stubflash_erase_region(struct loader *ld, uint32_t offset, uint32_t size,
			   const struct flasher_progress *progress, struct ed_error *err);
int stubflash_erase_chip(struct loader *ld, uint32_t flash_size,
			 const struct flasher_progress *progress, struct ed_error *err);

/* CHANGE_BAUDRATE to new_baud, confirmed by a READ_REG answered at the new rate. When
 * nothing valid comes back the link returns to the old rate and waits until the stub has
 * gone back to its old divider by itself (it keeps a new one only once it hears a good
 * frame, espdeck-stub(7)), then checks the old rate answers. *used gets the rate in use;
 * ED_OK either way, an error only when neither rate answers. */
#define STUBCLIENT_BAUD_REVERT_US 600000u
int stubclient_change_baud(struct loader *ld, uint32_t new_baud, uint32_t *used,
			   struct ed_error *err);

/* The stub stays running for another program (--after no_reset_stub): its checked
 * requests (STUB_OP_STRICT) off again, so a host that does not SYNC first (esptool's
 * --before no_reset_no_sync, or espdeck's) can talk to it. */
int stubclient_end_strict(struct loader *ld, struct ed_error *err);

/* esptool's --after no_reset from the stub: FLASH_BEGIN of nothing, then FLASH_END with
 * the reboot flag; the stub restarts the chip, which comes back in its ROM loader (the
 * boot straps are still latched). Afterwards the loader talks to the ROM. */
int stubclient_leave_to_rom(struct loader *ld, struct ed_error *err);

/* The flash facts the stub read itself (our STUB_OP_INFO): JEDEC id as RDID returns it
 * (the layout of chip_info.flash_id) and status registers 1-2 (status may be NULL).
 * ED_ERR_UNSUPPORTED when the stub does not have the command (an esptool-compatible stub
 * answers 0xFF): detect_flash_regs() is then the way. */
int stubclient_flash_info(struct loader *ld, uint32_t *flash_id, uint32_t *status,
			  struct ed_error *err);

/* RUN_USER_CODE: the stub boots the firmware (no answer). */
int stubclient_run_user_code(struct loader *ld, struct ed_error *err);
