/* SPDX-License-Identifier: MIT
 * The stub HAL of the virtual board (hal_host.c): the stub core runs against the board's
 * NOR flash model, registers and UART, on the board's clock. Part of src/sim (it includes
 * the board's internals); the board owns one struct stub_host per running stub.
 *
 * Timing, charged to the stub's CPU clock (now_ns) as a real ESP8266 spends it; the
 * figures and their sources are in man espdeck-sim(1), TIMING:
 *   flash reads     STUB_HOST_READ_NS_PER_BYTE
 *   program/erase   the board's NOR times (page, sector, block, chip), waited for
 *   UART output     wire time at the chip's divider; the CPU waits while more than the
 *                   128-byte TX FIFO is queued
 *   inflate, MD5    cycles per byte at 80 MHz (STUB_HOST_*_CYCLES) */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "stub/hal.h"

struct sim_board;

/* SPI flash reads through the ROM's SPIRead: 40 MHz SPI clock in DIO mode, 2 bits per
 * clock = 10 MB/s, i.e. 100 ns per byte (estimate from the clock; command overhead
 * ignored). */
#define STUB_HOST_READ_NS_PER_BYTE 100u
/* CPU cycles per byte at 80 MHz (12.5 ns a cycle), 1.2 cycles per instruction assumed
 * (the lx106 runs IRAM code at 1.0-1.5):
 * inflate: 38.3 instructions per output byte on lx106 machine code (bench/inflate,
 *          inflate-lx106, QEMU -icount on libgcc.a) -> 46 cycles;
 * MD5:     about 30 instructions per byte (md5.c's step loop at -Os, counted in the
 *          disassembly: 27 per step, 64 steps per 64 bytes, plus the word loads) -> 36.
 *          The chip runs the mask ROM's MD5 instead (md5_rom.c), which no test here can
 *          time (QEMU's fake ROM runs md5.c): md5.c's figure stands in for it. */
#define STUB_HOST_INFLATE_CYCLES 46u
#define STUB_HOST_MD5_CYCLES	 36u
#define STUB_HOST_UART_FIFO	 128u

struct stub_host {
	struct sim_board *b;
	uint64_t now_ns;   /* the stub's CPU clock */
	uint64_t stall_ns; /* stall fault drawn for the request being answered */
	int flip_bit;	   /* reply-flip fault: this bit of the next output flips, -1 = none */
	bool left;	   /* leave() or jump() was called */
	enum stub_leave how;
	bool jumped;
	uint32_t jump_entry;
};

/* Fills hal to run against board b; h is the context (caller-owned, outlives the core). */
void stub_host_init(struct stub_hal *hal, struct stub_host *h, struct sim_board *b,
		    uint64_t now_ns);
