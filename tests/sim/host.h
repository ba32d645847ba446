/* SPDX-License-Identifier: MIT
 * A tiny ROM-protocol host for the virtual board's tests: builds requests with proto/,
 * talks over any link, and collects replies (no engine code involved, so these tests
 * check the board against the reference, not against espdeck's own engine). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link/link.h"

struct host_reply {
	uint8_t op;
	uint32_t value;
	uint8_t data[64];
	uint16_t len; /* data length field */
	uint8_t status, error;
};

/* Sends one request (checksum as given). */
int host_send(struct link *l, uint8_t op, const uint8_t *data, uint16_t len, uint32_t checksum);
/* Reads the next response frame within timeout_us; false on timeout. */
bool host_recv(struct link *l, struct host_reply *r, uint64_t timeout_us);
/* Sends and waits for the reply with the same opcode; false on timeout. */
bool host_cmd(struct link *l, uint8_t op, const uint8_t *data, uint16_t len, uint32_t checksum,
	      struct host_reply *r, uint64_t timeout_us);
/* SYNC and drain the eight replies; returns the number of replies seen. */
int host_sync(struct link *l);
bool host_read_reg(struct link *l, uint32_t addr, uint32_t *value);
bool host_write_reg(struct link *l, uint32_t addr, uint32_t value);
/* FLASH_BEGIN with the raw erase size (no esptool compensation); returns status bytes. */
uint16_t host_flash_begin(struct link *l, uint32_t erase_size, uint32_t blocks, uint32_t block_size,
			  uint32_t offset, uint64_t timeout_us);
uint16_t host_flash_data(struct link *l, const uint8_t *block, uint32_t len, uint32_t seq);
/* esptool's run_spiflash_command for the ESP8266 (reference §5.2). */
uint32_t host_spi_command(struct link *l, uint8_t cmd, const uint8_t *mosi, size_t mosi_len,
			  unsigned miso_bits, uint32_t addr, unsigned addr_len, unsigned dummy);
