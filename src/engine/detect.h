/* SPDX-License-Identifier: MIT
 * Chip identification from the ROM's magic word, the OTP words and the UART divider, and
 * the flash chip's JEDEC id (reference §4, §1.1). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "engine/loader.h"

struct chip_info {
	char name[32];	   /* "ESP8266EX", "ESP8285H16", ... */
	char features[64]; /* "Wi-Fi, 160MHz" (+ ", Embedded Flash"), esptool v5 */
	bool esp8285;
	unsigned crystal_mhz; /* 26 or 40 */
	uint8_t mac[6];
	uint32_t chip_id;    /* the SDK's system_get_chip_id() */
	uint32_t otp[4];     /* R0..R3 */
	uint32_t flash_id;   /* manufacturer | device << 8 (0x1640EF for a W25Q32) */
	uint32_t flash_size; /* bytes from the JEDEC capacity byte; 0 = unknown */
};

/* Reads everything above. Fails with a clear message when the board is not an ESP8266. */
int detect_chip(struct loader *ld, struct chip_info *info, struct ed_error *err);

/* The two halves of detect_chip(). detect_chip_only() reads registers only (READ_REG:
 * magic, OTP, UART divider) and leaves flash_id and flash_size 0. detect_flash_regs()
 * reads the JEDEC id through the SPI controller's registers (FLASH_BEGIN(0,0) to attach,
 * then WRITE_REG/READ_REG, esptool's way, in ROM mode or on a stub) and sets flash_id and
 * flash_size; a chip that does not answer is a warning, not an error. A job that will run
 * on the flasher stub asks the stub instead (stubclient_flash_info()): register writes
 * garbled on the line could erase or program flash. */
int detect_chip_only(struct loader *ld, struct chip_info *info, struct ed_error *err);
int detect_flash_regs(struct loader *ld, struct chip_info *info, struct ed_error *err);
/* The warning for a JEDEC id of 0 or 0xFFFFFF (sets flash_size from the id either way). */
void detect_flash_size(struct loader *ld, struct chip_info *info);

/* Pure helpers, exposed for tests. */
int detect_mac(const uint32_t otp[4], uint8_t mac[6], struct ed_error *err);
void detect_name(const uint32_t otp[4], char *name, size_t cap, bool *esp8285);
unsigned detect_crystal_mhz(uint32_t uart_clkdiv, uint32_t baud);
