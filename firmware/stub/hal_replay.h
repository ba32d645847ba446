/* SPDX-License-Identifier: MIT
 * Replaying a recorded stub session (the virtual board's transcripts: <name>.flash and
 * <name>.in, see src/sim/stub.c) into the stub core, identically on two builds: the QEMU
 * build (hal_qemu.c: the core cross-compiled, flash through the fake ROM) and the host build
 * (tests/stub_qemu/replay_host.c). Everything that is not flash or UART output is decided
 * here, deterministically, so that any difference in the output bytes or the final flash is
 * the core's: the clock (advanced by the input and by delays, not by the CPU), the registers
 * (a small store; UART CLKDIV is the divider), the status register, the JEDEC id (Winbond,
 * capacity from the flash size), and how the session ended.
 *
 * Freestanding C99. Call order: replay_init -> replay_hal (fills all but tx and flash_*,
 * which the platform sets) -> stub_init/stub_start -> replay_feed (any number) until it
 * returns non-zero or the input ends. */
#ifndef STUB_HAL_REPLAY_H
#define STUB_HAL_REPLAY_H

#include <stdint.h>

#include "core/stub.h"
#include "hal.h"

/* How a replay ended, also the program's exit code on both builds. */
enum replay_end {
	REPLAY_INPUT_DONE = 0, /* every input byte fed, the stub still running */
	REPLAY_RESET = 20,     /* leave(STUB_LEAVE_RESET) */
	REPLAY_RUN_USER = 21,  /* leave(STUB_LEAVE_RUN_USER) */
	REPLAY_JUMP = 22,      /* jump() after MEM_END */
};

/* Input is fed in pieces of this many bytes; the clock advances by the wire time of each
 * piece at 921600 baud (10.85 us a byte, rounded to 11) before stub_poll runs. */
#define REPLAY_PIECE	   64u
#define REPLAY_US_PER_BYTE 11u
#define REPLAY_REGS	   32u

struct replay {
	uint32_t flash_size;
	uint32_t now_us;
	uint32_t divider;
	uint32_t status;
	uint32_t ended; /* enum replay_end once the stub left, else 0 */
	uint32_t n_regs;
	uint32_t reg_addr[REPLAY_REGS], reg_value[REPLAY_REGS];
};

void replay_init(struct replay *r, uint32_t flash_size);
/* Fills the deterministic part of hal (ctx = r); the caller sets tx and the flash_* calls,
 * with their own ctx through a wrapper if needed: all of hal's functions get r as ctx. */
void replay_hal(struct stub_hal *hal, struct replay *r);
/* Feeds len input bytes; returns the end code once the stub left (later input ignored). */
uint32_t replay_feed(struct replay *r, struct stub *s, const uint8_t *data, uint32_t len);

#endif
