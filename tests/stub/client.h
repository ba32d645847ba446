/* SPDX-License-Identifier: MIT
 * A small stub-protocol host for the stub tests: opens a virtual board (in-process on a
 * virtual clock, or any link), uploads a stub through the ROM loader's MEM_BEGIN/DATA/END
 * exactly as esptool does, and speaks reference §9 frame by frame. Independent of the
 * engine, so the tests check the stub against the reference, not against our host code. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link/link.h"
#include "sim/sim.h"

/* What to upload: esptool's legacy stub layout (text at 0x4010D000, entry +4: the board
 * recognises it by place), our own blob (stub_blob_builtin()), or other code. */
enum client_upload { UPLOAD_ESPTOOL_LAYOUT, UPLOAD_OURS, UPLOAD_UNKNOWN };

struct reply {
	uint8_t op;
	uint32_t value;
	uint32_t len;	       /* data length field */
	uint8_t data[65536];   /* data including the two status bytes */
	uint8_t status, extra; /* the two bytes after the result */
};

/* A flash image file under the build dir, filled with fill (size bytes); returns its
 * path (static storage, one at a time). */
const char *client_flash_file(uint32_t size, uint8_t fill);

/* Opens sim://?clock=virtual&<opts>, syncs, uploads and returns the link; with
 * expect_ohai the OHAI frame must arrive, otherwise nothing may. */
struct link *client_open(const char *opts, enum client_upload what, bool expect_ohai);
/* The same on any link spec (socket://HOST:PORT for espdeck-sim --tcp). */
struct link *client_open_spec(const char *spec, enum client_upload what, bool expect_ohai);
/* Uploads over an open link already synced with the ROM; true when OHAI arrived. */
bool client_upload(struct link *l, enum client_upload what);

int client_send(struct link *l, uint8_t op, const uint8_t *data, uint32_t len, uint32_t checksum);
/* Raw bytes, for damaged frames. */
int client_send_raw(struct link *l, const uint8_t *bytes, size_t len);
/* The next SLIP frame within timeout_us (len, or -1). */
int client_frame(struct link *l, uint8_t *buf, size_t cap, uint64_t timeout_us);
/* Sends and waits for the reply to op; false on timeout. */
bool client_cmd(struct link *l, uint8_t op, const uint8_t *data, uint32_t len, uint32_t checksum,
		struct reply *r);
/* Status of a command without result bytes (0x100 + nothing = timeout -> -1). */
int client_status(struct link *l, uint8_t op, const uint8_t *data, uint32_t len);

uint32_t client_checksum(const uint8_t *data, uint32_t len);
/* FLASH_BEGIN or FLASH_DEFL_BEGIN; returns the first status byte (-1: no reply). */
int client_begin(struct link *l, bool deflate, uint32_t size, uint32_t blocks, uint32_t block_size,
		 uint32_t offset);
/* FLASH_DATA or FLASH_DEFL_DATA of len bytes with sequence seq. */
int client_data(struct link *l, bool deflate, const uint8_t *block, uint32_t len, uint32_t seq);
int client_end(struct link *l, bool deflate, uint32_t flag);
/* SPI_FLASH_MD5; returns the status, digest filled on success. */
int client_md5(struct link *l, uint32_t addr, uint32_t size, uint8_t digest[16]);
/* READ_FLASH with acks after every packet; returns the status of the command (0 and out
 * filled, the final digest checked), or -2 when the data or digest was wrong/missing. */
int client_read(struct link *l, uint32_t addr, uint32_t size, uint32_t packet, uint32_t in_flight,
		uint8_t *out);

/* Writes data at offset the way esptool does (compressed: level 9, 0x4000 blocks; plain:
 * 0x4000 blocks padded with 0xFF); returns the first failing status or 0. */
int client_write(struct link *l, bool deflate, uint32_t offset, const uint8_t *data, uint32_t size);

void client_md5_of(const uint8_t *data, size_t len, uint8_t digest[16]);
