/* SPDX-License-Identifier: MIT
 * The ESP8266 ROM-loader client: commands and replies over a link, SYNC and the connect
 * loop with reset strategies, registers, FLASH_BEGIN/DATA/END (reference §1-§3).
 *
 * Call order: loader_create() over a borrowed link -> loader_connect() -> commands ->
 * loader_finish() (the --after action) -> loader_destroy(). One thread uses a loader.
 * Every wait happens on the link's clock, in slices of at most 100 ms, and checks the
 * cancel flag between slices, so a cancel is honoured within about 100 ms. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/log.h"
#include "link/link.h"

/* esptool's defaults (reference §2.2). */
#define LOADER_DEFAULT_TIMEOUT_US 3000000u
#define LOADER_SYNC_TIMEOUT_US	  100000u
#define LOADER_MAX_TIMEOUT_US	  240000000u
#define LOADER_CONNECT_ATTEMPTS	  7
#define LOADER_WRITE_ATTEMPTS	  3
/* FLASH_DATA is idempotent (the ROM writes the block at offset + seq x size): a block
 * whose frame or reply was lost is worth more attempts than esptool's 3. ROM error 0x08
 * (the written block read back wrong) still ends after LOADER_WRITE_ATTEMPTS. */
#define LOADER_BLOCK_ATTEMPTS 5
/* Shortest FLASH_DATA reply timeout; the usual one is 3 x the block's time on the wire. */
#define LOADER_BLOCK_MIN_TIMEOUT_US 1000000u

enum loader_before {
	LOADER_BEFORE_DEFAULT_RESET,
	LOADER_BEFORE_NO_RESET,
	LOADER_BEFORE_MANUAL,
	LOADER_BEFORE_NO_RESET_NO_SYNC,
};

enum loader_after { LOADER_AFTER_HARD_RESET, LOADER_AFTER_SOFT_RESET, LOADER_AFTER_NO_RESET };

struct loader_config {
	struct ed_log log;	    /* messages (info, warnings, debug) */
	struct ed_log trace;	    /* packet trace at ED_LOG_TRACE; zeroed = none */
	const atomic_bool *cancel;  /* borrowed; NULL = never cancelled */
	int connect_attempts;	    /* 0 = esptool's 7; < 0 = until cancelled (esptool's 0 or
				     * less); manual reset ignores it */
	const char *reset_sequence; /* borrowed; NULL = esptool's four sequences in turn, else
				     * this one (reset_seq.h, checked) on every attempt */
};

struct loader;

/* Creates a loader over link (borrowed: it must outlive the loader). */
int loader_create(struct link *link, const struct loader_config *cfg, struct loader **out,
		  struct ed_error *err);
void loader_destroy(struct loader *ld);

/* The link the loader talks through (borrowed). */
struct link *loader_link(struct loader *ld);
const struct ed_log *loader_log(const struct loader *ld);
/* True once cancel was requested; long operations check it between packets. */
bool loader_cancelled(const struct loader *ld);
/* ED_ERR_CANCELLED with a message naming what was interrupted. */
int loader_fail_cancelled(struct ed_error *err, const char *what);

/* Resets the board into its ROM loader (per `before`) and syncs. */
int loader_connect(struct loader *ld, enum loader_before before, struct ed_error *err);

/* Leaves the loader: hard reset (RTS pulse), soft reset (run the firmware through
 * FLASH_BEGIN(0,0) + FLASH_END(1)) or nothing. */
int loader_finish(struct loader *ld, enum loader_after after, struct ed_error *err);

/* Sends one command and waits for its reply (same opcode). On a failure status returns
 * ED_ERR_DEVICE and loader_last_rom_error() gives the ROM's error code. *value (may be
 * NULL) receives the reply's value word. */
int loader_command(struct loader *ld, uint8_t op, const uint8_t *data, size_t len,
		   uint32_t checksum, uint64_t timeout_us, uint32_t *value, struct ed_error *err);
uint8_t loader_last_rom_error(const struct loader *ld);
/* How many successful stub answers so far carried note 1 in their second status byte:
 * the stub found the flash write protected and cleared the protection first (a BEGIN or
 * an erase; espdeck-stub(7)). */
uint32_t loader_unlock_notes(const struct loader *ld);
/* The value word of the last SYNC reply: the ROM sends a non-zero one, a flasher stub 0
 * (esptool's sign that a stub already runs). UINT32_MAX before any SYNC was answered. */
uint32_t loader_sync_value(const struct loader *ld);
/* Replies come from a flasher stub from now on (its status byte is the error code, the
 * second byte a note; espdeck-stub(7)), or from the ROM again (after a reset). */
void loader_set_stub(struct loader *ld, bool stub);
/* Checked requests on our stub (STUB_OP_STRICT): every request but the data commands and
 * SYNC gets 0xEF ^ opcode ^ XOR of its data in its checksum field. Off again with
 * loader_set_stub(ld, false). */
void loader_set_strict(struct loader *ld, bool strict);
bool loader_is_stub(const struct loader *ld);
/* A short text for a stub status code ("bad data checksum"; espdeck-stub(7)). */
const char *loader_stub_error_text(uint8_t code);
/* Drops every byte received so far (left-over, duplicated or late replies) so that the next
 * reply read is one sent after this call. */
void loader_discard_input(struct loader *ld);

int loader_read_reg(struct loader *ld, uint32_t addr, uint32_t *value, struct ed_error *err);
int loader_write_reg(struct loader *ld, uint32_t addr, uint32_t value, struct ed_error *err);

/* FLASH_BEGIN: erases (with the ROM's bug, §6) erase_size bytes and announces the blocks.
 * The timeout follows esptool: 40 s per MB of erase, at least 3 s. */
int loader_flash_begin(struct loader *ld, uint32_t erase_size, uint32_t block_count,
		       uint32_t block_size, uint32_t offset, struct ed_error *err);
/* FLASH_DATA of one full block, retried up to LOADER_BLOCK_ATTEMPTS times. The ROM
 * writes the block, reads it back and checks it before it replies (error 0x08). When
 * block 0 keeps failing that check, FLASH_BEGIN is sent once more (its offset may have
 * been corrupted on the wire) and block 0 tried again. */
int loader_flash_data(struct loader *ld, const uint8_t *block, size_t len, uint32_t seq,
		      struct ed_error *err);
/* MEM_BEGIN / MEM_DATA / MEM_END (reference §1.4): loads RAM. MEM_DATA is retried up to
 * LOADER_BLOCK_ATTEMPTS times (the ROM stores a block at offset + seq x size, so sending it
 * again is harmless). MEM_END with a non-zero entry jumps there: no ROM loader after it. */
int loader_mem_begin(struct loader *ld, uint32_t size, uint32_t blocks, uint32_t block_size,
		     uint32_t offset, struct ed_error *err);
int loader_mem_data(struct loader *ld, const uint8_t *block, size_t len, uint32_t seq,
		    struct ed_error *err);
int loader_mem_end(struct loader *ld, uint32_t entry, struct ed_error *err);
/* FLASH_BEGIN(0, 0): attaches the SPI flash so register commands reach it (§5.2). */
int loader_attach_flash(struct loader *ld, struct ed_error *err);
/* The attach met an anomaly (a retry, a garbled or unexpected reply) or answered late: a
 * copy damaged in its erase-size word may have erased flash from 0x000000 (issue 11,
 * campaign seeds 928, 1674, 500027).
 * Sticky for the loader's life; the job says so in its result. */
bool loader_attach_hazard(const struct loader *ld);
/* How much later than the slowest recent register round trip the attach answered when
 * that made it a hazard (an erase ran: one flipped bit of its erase size, no anomaly on
 * the line), else 0. */
uint64_t loader_attach_late_us(const struct loader *ld);
/* Some FLASH_BEGIN went out on this loader (a line that garbled frames since may have
 * let one erase elsewhere); false after a connect that never got that far. */
bool loader_flash_begun(const struct loader *ld);

/* SPI_SET_PARAMS (0x0B): tells the ROM the real flash size; its default is 4 MB, and it
 * refuses FLASH_BEGIN past that (reference §6.1; esptool-ck sends this, esptool does not). */
int loader_spi_set_params(struct loader *ld, uint32_t flash_id, uint32_t size_bytes,
			  struct ed_error *err);

/* What the ROM protocol cannot prove (issue 11). Its replies carry no request identity and
 * its FLASH_BEGIN / FLASH_DATA headers no checksum, so the loader counts every anomaly of
 * the session (a timeout, a garbled reply, a reply under another opcode or left over, a
 * resynchronisation) and notes every frame the ROM may have run somewhere else. The
 * flasher proves or reports each hazard before a write may end in ED_OK. */
enum loader_hazard_kind {
	LOADER_HAZARD_BLOCK,	 /* FLASH_DATA seq may have been programmed at another block
				  * (its sequence number corrupted): a failed attempt, or a block
				  * found missing after a write */
	LOADER_HAZARD_LOW_ERASE, /* a FLASH_DATA may have run as FLASH_BEGIN (opcode bit 0 lost):
				  * its header as parameters erases sectors 0x0 and 0x1000 */
	LOADER_HAZARD_BEGIN,	 /* a FLASH_BEGIN's offset may have been corrupted: the erase and
				  * the blocks may have gone to offset ^ (1 << bit) */
};

struct loader_hazard {
	enum loader_hazard_kind kind;
	uint32_t seq; /* LOADER_HAZARD_BLOCK: the block's sequence number */
};

/* Anomalies seen since the loader was created. */
uint64_t loader_anomalies(const struct loader *ld);
/* Counts one anomaly noticed above the loader (a read that did not tie to its request). */
void loader_note_anomaly(struct loader *ld, const char *what);
void loader_note_hazard(struct loader *ld, enum loader_hazard_kind kind, uint32_t seq);
/* Some hazards are unknown (they did not fit a list): the flasher must assume the worst. */
void loader_note_hazards_lost(struct loader *ld);
/* Moves the hazards noted so far into out (at most cap; *lost set when some did not fit
 * or were dropped because the list was full: the caller must then assume the worst). */
size_t loader_take_hazards(struct loader *ld, struct loader_hazard *out, size_t cap, bool *lost);

/* Statistics for the benchmark and the trace. */
struct loader_stats {
	uint64_t commands;
	uint64_t retries;
	uint64_t write_errors; /* FLASH_DATA replies with error 0x08 */
	uint64_t bytes_out;
	uint64_t bytes_in;
};
void loader_get_stats(const struct loader *ld, struct loader_stats *st);
