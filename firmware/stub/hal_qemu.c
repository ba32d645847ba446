/* SPDX-License-Identifier: MIT
 * The stub core in QEMU (qemu-system-xtensa -M sim -cpu lx106): cross-compiled with the
 * stub's flags, placement and ROM address script, started by the fake ROM (qemu/fake_rom.c)
 * at start.S's entry like the real stub. It replays a recorded session (hal_replay.h):
 * the input bytes come from the host file in=FILE through semihosting; the flash and UART
 * output go through the ROM functions at their real addresses (SPIRead, SPIWrite,
 * SPIErase*, uart_tx_one_char), which the fake ROM backs with host files. How the session
 * ended is the exit code (enum replay_end), through the same paths as on the chip:
 * software_reset, a return into the ROM's flash boot, or semihosting exit. */
#include <stdint.h>

#include "core/stub.h"
#include "hal_replay.h"
#include "qemu/semihost.h"
#include "rom.h"
#include "start.h"

static struct stub core;
static struct replay replay;
static struct stub_hal hal;
static uint32_t input[256];

static void qemu_tx(void *ctx, const uint8_t *data, uint32_t len)
{
	while (len--)
		uart_tx_one_char(*data++);
}

static int qemu_flash_read(void *ctx, uint32_t addr, uint32_t *dst, uint32_t len)
{
	return SPIRead(addr, dst, len);
}

static int qemu_flash_write(void *ctx, uint32_t addr, const uint32_t *src, uint32_t len)
{
	return SPIWrite(addr, src, len);
}

static int qemu_erase_sector(void *ctx, uint32_t sector)
{
	return SPIEraseSector(sector);
}

static int qemu_erase_block(void *ctx, uint32_t block)
{
	return SPIEraseBlock(block);
}

static int qemu_erase_chip(void *ctx)
{
	return SPIEraseChip();
}

static __attribute__((noreturn)) void fail(const char *what)
{
	uint32_t n = 0;
	while (what[n])
		n++;
	semi_write(2, what, n);
	semi_exit(0x7D);
}

/* Bytes in the flash file (the fake ROM holds it open too; this is only for the size). */
static uint32_t flash_file_size(void)
{
	const char *path = semi_arg("flash");
	int32_t fd = path ? semi_open(path, SEMI_O_RDONLY) : -1;
	if (fd < 0)
		fail("hal_qemu: arg=flash=FILE is missing or cannot be opened\n");
	int32_t end = semi_call(SEMI_LSEEK, fd, 0, 2 /* SEEK_END */);
	semi_call(SEMI_CLOSE, fd, 0, 0);
	return end > 0 ? (uint32_t)end : 0;
}

void stub_main(void)
{
	stub_clear_bss();
	const char *in_path = semi_arg("in");
	int32_t in = in_path ? semi_open(in_path, SEMI_O_RDONLY) : -1;
	if (in < 0)
		fail("hal_qemu: arg=in=FILE is missing or cannot be opened\n");
	replay_init(&replay, flash_file_size());
	replay_hal(&hal, &replay);
	hal.tx = qemu_tx;
	hal.flash_read = qemu_flash_read;
	hal.flash_write = qemu_flash_write;
	hal.flash_erase_sector = qemu_erase_sector;
	hal.flash_erase_block = qemu_erase_block;
	hal.flash_erase_chip = qemu_erase_chip;
	stub_init(&core, &hal);
	stub_start(&core);
	uint32_t end = 0;
	for (;;) {
		int32_t n = semi_read(in, input, sizeof input);
		if (n < 0)
			fail("hal_qemu: reading the input failed\n");
		if (n == 0)
			break;
		end = replay_feed(&replay, &core, (const uint8_t *)input, (uint32_t)n);
		if (end)
			break;
	}
	if (end == REPLAY_RESET)
		software_reset();
	if (end == REPLAY_RUN_USER)
		stub_return_to_rom();
	semi_exit((int32_t)end);
}
