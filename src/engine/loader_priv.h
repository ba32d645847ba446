/* SPDX-License-Identifier: MIT
 * The loader's state, shared by the engine's own files (loader.c, reset.c); not a public
 * header. */
#pragma once

#include "engine/loader.h"
#include "proto/slip.h"

/* Largest request payload the engine sends: a FLASH_DATA block header + 0x400 bytes,
 * with room for a future stub's 0x4000 blocks. */
#define LOADER_MAX_PAYLOAD (16 + 0x4000)

struct loader {
	struct link *link;
	struct loader_config cfg;
	struct slip_decoder dec;
	uint8_t frame[LOADER_MAX_PAYLOAD + 64];
	uint8_t in[4096];
	size_t in_pos, in_len;
	uint8_t data[LOADER_MAX_PAYLOAD];
	uint8_t body[LOADER_MAX_PAYLOAD + 8];
	uint8_t tx[2 * (LOADER_MAX_PAYLOAD + 8) + 2];
	uint8_t last_rom_error;
	uint32_t unlock_notes; /* loader_unlock_notes() */
	bool attached;
	bool flash_begun;	 /* a FLASH_BEGIN went out (the ROM may have erased for it) */
	bool attach_hazard;	 /* the attach FLASH_BEGIN(0, 0) met an anomaly (loader.h) */
	uint64_t attach_late_us; /* how much later than a round trip the attach answered */
	uint64_t rtt_us[8];	 /* round trips of the last register commands (the attach's
				  * yardstick: loader_attach_flash()) */
	unsigned rtt_count, rtt_next;
	uint8_t begin[16]; /* the last FLASH_BEGIN's payload, to start a write again */
	bool begin_valid;
	struct loader_stats stats;
	uint64_t anomalies;
	struct loader_hazard hazards[64];
	size_t nhazards;
	bool hazards_lost;
	uint32_t sync_value; /* the value word of the last SYNC reply (0: a stub answered) */
	bool stub;	     /* replies come from a flasher stub (stubclient.h) */
	bool strict;	     /* loader_set_strict() */
	uint8_t *result;     /* loader_command_result(): where the result bytes go */
	size_t result_len;
};

int loader_read_frame(struct loader *ld, uint64_t deadline_us, const uint8_t **frame, size_t *len,
		      struct ed_error *err);
int loader_send(struct loader *ld, uint8_t op, const uint8_t *data, size_t len, uint32_t checksum,
		struct ed_error *err);
int loader_wait_reply(struct loader *ld, uint8_t op, uint64_t timeout_us, uint32_t *value,
		      struct ed_error *err);

/* A command whose reply carries result_len bytes before its status (a stub's MD5 answers):
 * they are copied to result on success. */
int loader_command_result(struct loader *ld, uint8_t op, const uint8_t *data, size_t len,
			  uint64_t timeout_us, uint8_t *result, size_t result_len,
			  struct ed_error *err);
/* Sends one raw SLIP frame (a READ_FLASH acknowledgement). */
int loader_send_raw(struct loader *ld, const uint8_t *body, size_t len, struct ed_error *err);
