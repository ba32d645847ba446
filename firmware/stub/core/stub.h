/* SPDX-License-Identifier: MIT
 * The flasher stub's protocol core: esptool's ESP8266 stub protocol (reference §9) fed one
 * byte at a time from the UART, plus our extensions (man espdeck-stub(7)). It owns no
 * memory: the caller provides struct stub (on the chip a static in DRAM, about 59 KiB
 * with 32-bit pointers: the 32 KiB inflate window, one request frame, one flash sector)
 * and the HAL table, which it borrows for as long as the core runs.
 *
 * Call order: stub_init -> stub_start (sends OHAI) -> stub_feed (bytes as they arrive,
 * any split) and stub_poll (when idle, so timers such as the baud confirmation run) until
 * stub_running() is false (the HAL's leave() was called).
 *
 * Freestanding C99: fixed-width types, no libc beyond memcpy/memset, 32-bit aligned
 * accesses to flash buffers. Builds for the host (the virtual board, tests) and xtensa. */
#ifndef STUB_CORE_STUB_H
#define STUB_CORE_STUB_H

#include <stdint.h>

#include "../hal.h"
#include "core/md5.h"
#include "inflate.h"

/* Largest request body the stub takes: header (8) + data header (16) + a 16 KiB block,
 * rounded up; a longer frame is refused with STUB_ERR_BAD_DATA_LEN. */
#define STUB_FRAME_MAX	     0x4040u
#define STUB_BLOCK_MAX	     0x4000u
#define STUB_SECTOR	     4096u
#define STUB_BLOCK64	     65536u
#define STUB_READ_PACKET_MAX 4096u

/* After CHANGE_BAUDRATE the new divider is on trial: without a good frame within this
 * time the stub goes back to the old one (stub.md "CHANGE_BAUDRATE"). */
#define STUB_BAUD_CONFIRM_US 500000u

/* Status codes in the first status byte of a reply (reference §1.7 for the esptool ones). */
enum stub_status {
	STUB_OK = 0x00,
	STUB_FAIL = 0x01,	      /* bad parameters (esptool's stub: "OR quirk") */
	STUB_ERR_BAD_DATA_LEN = 0xC0, /* length fields disagree with the frame */
	STUB_ERR_BAD_CHECKSUM = 0xC1,
	STUB_ERR_BAD_BLOCKSIZE = 0xC2, /* block size > 0x4000 */
	STUB_ERR_INVALID_COMMAND = 0xC3,
	STUB_ERR_FAILED_SPI_OP = 0xC4, /* the flash reported an error */
	STUB_ERR_FAILED_SPI_UNLOCK = 0xC5,
	STUB_ERR_NOT_IN_FLASH_MODE = 0xC6,
	STUB_ERR_INFLATE = 0xC7, /* corrupt zlib stream */
	STUB_ERR_NOT_ENOUGH_DATA = 0xC8,
	STUB_ERR_TOO_MUCH_DATA = 0xC9,
	/* Ours (not in esptool's stubs): */
	STUB_ERR_BAD_SEQUENCE = 0xCA, /* FLASH_DATA out of order: nothing written */
	STUB_ERR_NOT_NOW = 0xCB,      /* a command that does not belong to the running write */
	STUB_ERR_OUT_OF_RANGE = 0xCC, /* address range past the end of the flash */
	STUB_ERR_BAD_PARAM = 0xCD,    /* a parameter of one of our commands is invalid */
	STUB_ERR_NOT_IMPLEMENTED = 0xFF,
};

/* Second status byte of a successful FLASH_BEGIN/FLASH_DEFL_BEGIN/ERASE_*: what the stub
 * had to do first (esptool looks only at the first byte). */
#define STUB_NOTE_UNLOCKED 0x01 /* the flash was write protected; protection cleared */

/* Our opcodes, outside esptool's set. */
enum stub_op_ext {
	STUB_OP_SECTOR_MD5 = 0xE0, /* addr, size (both 4 KiB multiples): 16 MD5 bytes per
				    * sector, in order, then the status */
	STUB_OP_INFO = 0xE1,	   /* no data: version, limits and flash facts (stub.h) */
	STUB_OP_STRICT = 0xE2,	   /* 1 word, 1 = on: from now on every request but the data
				    * commands (FLASH_DATA, FLASH_DEFL_DATA, MEM_DATA, whose data
				    * checksum stays) and SYNC carries in its checksum field
				    * 0xEF ^ opcode ^ XOR of its data bytes; one that does not is
				    * refused with 0xC1 and not run. An intact SYNC (a new host)
				    * turns it off. */
};

/* The reply data of STUB_OP_INFO, little-endian words in this order. */
enum stub_info_word {
	STUB_INFO_VERSION = 0,	/* protocol version of our extensions (1) */
	STUB_INFO_FRAME_MAX,	/* STUB_FRAME_MAX */
	STUB_INFO_FLASH_ID,	/* JEDEC id as read at start, 0 if unknown */
	STUB_INFO_FLASH_SIZE,	/* the size the stub checks ranges against */
	STUB_INFO_FLASH_STATUS, /* status registers 1 and 2 at the time of the command */
	STUB_INFO_WORDS,
};
#define STUB_EXT_VERSION 1u

/* One write session (FLASH_BEGIN or FLASH_DEFL_BEGIN until all data arrived). */
struct stub_write {
	uint32_t active; /* bytes are still expected */
	uint32_t open;	 /* begun and not yet ended (END or a new BEGIN) */
	uint32_t deflate;
	uint32_t offset, size; /* the announced region */
	uint32_t pos;	       /* next flash address to write */
	uint32_t erased_to;    /* flash below this (from offset's sector) is erased */
	uint32_t seq;	       /* next expected sequence number */
	uint32_t budget;       /* compressed bytes still allowed (blocks x block size) */
	uint32_t block_size;
	uint32_t last_len, last_sum; /* the last accepted block, to recognise a resend */
	uint8_t late_error;	     /* a failure after the reply, reported by the next one */
	uint8_t note;
};

struct stub_read {
	uint32_t active;
	uint32_t pos, end;    /* next flash address to send, end of the range */
	uint32_t sent, acked; /* bytes */
	uint32_t packet;      /* bytes per data frame */
	uint32_t in_flight;   /* packets allowed unacknowledged */
	uint32_t total;
};

/* The scalars first, the buffers last: an lx106 load or store reaches 1020 bytes past its
 * base register, so fields behind the 16 KiB frame would each need their address built. */
struct stub {
	const struct stub_hal *hal;
	uint32_t running;

	/* SLIP input */
	uint32_t frame_len;
	uint8_t in_frame, escape, overflow, bad;

	/* flash facts */
	uint32_t flash_id;
	uint32_t flash_size; /* SPI_SET_PARAMS size, capped by the JEDEC capacity */

	/* baud rate on trial */
	uint32_t baud_pending;
	uint32_t baud_old_div;
	uint32_t baud_since_us;

	/* Set by the caller after stub_init: count READ_FLASH's "max in flight" in bytes, as
	 * esptool's legacy stub does (so 64 means one packet at a time). The virtual board
	 * sets it when it runs esptool's stub, to keep that stub's timing; ours counts
	 * packets. */
	uint32_t in_flight_bytes;

	uint32_t strict; /* STUB_OP_STRICT */

	struct stub_write wr;
	struct stub_read rd;
	uint32_t mem_addr, mem_left; /* MEM_BEGIN region still to come (mem_active) */
	uint32_t mem_active;
	struct md5 md5;				  /* READ_FLASH's running digest */
	uint32_t frame[(STUB_FRAME_MAX + 3) / 4]; /* words: the data part is 4-byte aligned */
	/* read-modify-write of a sector, staging of unaligned data, reads (a packet of up to
	 * 4096 bytes at an unaligned address needs 8 more) */
	uint32_t sector[(STUB_SECTOR + 8) / 4];
	struct inflater inf;
};

/* Prepares the core; hal is borrowed until the core stops (built with STUB_HAL_FIXED it
 * must be &stub_hal_fixed, see stub_int.h). Sends nothing. */
void stub_init(struct stub *s, const struct stub_hal *hal);
/* Reads the flash id and sends the OHAI frame. */
void stub_start(struct stub *s);
/* Bytes received on the UART, in order; handles every complete frame. */
void stub_feed(struct stub *s, const uint8_t *data, uint32_t len);
/* Runs timers (the baud confirmation); call when no byte is waiting. */
void stub_poll(struct stub *s);
/* False once the stub left (RUN_USER_CODE, FLASH_END with reboot). */
int stub_running(const struct stub *s);

#endif
