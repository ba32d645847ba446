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

/* Pure helpers, exposed for tests. */
int detect_mac(const uint32_t otp[4], uint8_t mac[6], struct ed_error *err);
void detect_name(const uint32_t otp[4], char *name, size_t cap, bool *esp8285);
unsigned detect_crystal_mhz(uint32_t uart_clkdiv, uint32_t baud);
