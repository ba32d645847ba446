/* SPDX-License-Identifier: MIT
 * What the flasher stub's protocol core (core/) needs from the machine it runs on. Three
 * implementations: hal_esp8266.c (ROM calls, SPI and UART registers), hal_host.c (the
 * virtual board: its NOR model and UART timing) and hal_qemu.c (semihosting).
 *
 * The core calls these through one table that the caller owns and keeps alive for the
 * life of the core (struct stub_hal, borrowed by stub_init()). Every function gets the
 * table's ctx. Freestanding C99: fixed-width types only, no libc.
 *
 * Flash functions return 0 on success and non-zero on failure (the ROM's SPIRead and
 * SPIWrite convention: 1 error, 2 timeout); they return only when the flash is idle
 * again (erase and program completed). Addresses are byte offsets into the flash. */
#ifndef STUB_HAL_H
#define STUB_HAL_H

#include <stdint.h>

/* What an expensive piece of CPU work was, for a timing model (hal_host.c charges the
 * time a real chip at 80 MHz spends; the chip itself ignores it). */
enum stub_work {
	STUB_WORK_INFLATE = 0, /* bytes: inflated output bytes */
	STUB_WORK_MD5 = 1,     /* bytes: bytes hashed */
};

/* How the stub leaves. */
enum stub_leave {
	STUB_LEAVE_RESET = 0,	 /* FLASH_END/FLASH_DEFL_END(reboot): software reset; the
				  * straps are still latched, so this is the ROM loader again */
	STUB_LEAVE_RUN_USER = 1, /* RUN_USER_CODE: continue the ROM's flash boot */
};

struct stub_hal {
	void *ctx;

	/* Sends len bytes on the UART at the current divider. May block while the FIFO is
	 * full; returns when every byte is queued. */
	void (*tx)(void *ctx, const uint8_t *data, uint32_t len);

	/* Flash. read/write: addr, len and the buffer 4-byte aligned (the ROM's SPIRead and
	 * SPIWrite need it); write programs (bits only go from 1 to 0) and handles page
	 * boundaries itself. erase_sector takes a 4 KiB sector number, erase_block a 64 KiB
	 * block number. Write enable and busy polling are the HAL's business. */
	int (*flash_read)(void *ctx, uint32_t addr, uint32_t *dst, uint32_t len);
	int (*flash_write)(void *ctx, uint32_t addr, const uint32_t *src, uint32_t len);
	int (*flash_erase_sector)(void *ctx, uint32_t sector);
	int (*flash_erase_block)(void *ctx, uint32_t block);
	int (*flash_erase_chip)(void *ctx);
	/* Status register: status-1 in bits 0-7, status-2 in bits 8-15 (QE = bit 9). */
	int (*flash_read_status)(void *ctx, uint32_t *status);
	int (*flash_write_status)(void *ctx, uint32_t status);
	/* JEDEC id as RDID returns it (manufacturer in bits 0-7, capacity log2 in 16-23),
	 * or 0 when it cannot be read. */
	uint32_t (*flash_id)(void *ctx);
	/* SPI_SET_PARAMS: the ROM's SPIParamCfg (fills its flashchip structure). */
	int (*flash_set_params)(void *ctx, const uint32_t params[6]);
	/* SPI_ATTACH: re-select the SPI flash pins (argument as sent, ignored on ESP8266). */
	void (*flash_attach)(void *ctx, uint32_t arg);

	/* Registers (READ_REG / WRITE_REG): 32-bit words at CPU addresses. */
	uint32_t (*read_reg)(void *ctx, uint32_t addr);
	void (*write_reg)(void *ctx, uint32_t addr, uint32_t value);

	/* Time: microseconds since some start, wrapping at 2^32; busy wait. */
	uint32_t (*time_us)(void *ctx);
	void (*delay_us)(void *ctx, uint32_t us);

	/* UART0 clock divider (the low 20 bits of UART_CLKDIV). */
	uint32_t (*uart_divider)(void *ctx);
	void (*set_uart_divider)(void *ctx, uint32_t divider);

	/* Charges CPU time for work (may be NULL). */
	void (*work)(void *ctx, enum stub_work kind, uint32_t bytes);

	/* Leaves the stub. On the chip this does not return; where it does (host, QEMU) the
	 * core ignores all further input. */
	void (*leave)(void *ctx, enum stub_leave how);

	/* MEM_END with an entry: runs code loaded by MEM_DATA (written through write_reg).
	 * Like leave(), the core ignores input after it returns. */
	void (*jump)(void *ctx, uint32_t entry);
};

#endif
