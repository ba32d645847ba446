/* SPDX-License-Identifier: MIT
 * Internals of the virtual board shared by its files (not a public header): the board
 * struct, the wire/output queue (board.c), the ROM loader commands (rom.c), the register
 * file with SPI0 (regs.c) and the boot log (bootlog.c). */
#pragma once

#include <stdio.h>

#include "proto/slip.h"
#include "core/md5.h"
#include "sim/norflash.h"
#include "sim/sim.h"

/* The ROM loader's RAM model: IRAM 0x40100000-0x4010FFFF (64 KiB including the part the
 * cache would use) and DRAM 0x3FFE8000-0x3FFFFFFF (96 KiB incl. the ROM's data area). */
#define SIM_IRAM_BASE	0x40100000u
#define SIM_IRAM_SIZE	0x10000u
#define SIM_DRAM_BASE	0x3FFE8000u
#define SIM_DRAM_SIZE	0x18000u
#define SIM_SPI0_BASE	0x60000200u
#define SIM_UART_CLKDIV 0x60000014u
/* Largest request the loader takes: a MEM_DATA block of 0x1800 plus header, with room for
 * a stub-sized block so an oversized frame is answered rather than lost. */
#define SIM_FRAME_MAX (0x4000 + 64)
/* Upload regions remembered for recognising a stub (ours has two or three). */
#define SIM_MEM_SEGS 8

struct sim_outq {
	uint8_t *data;
	uint64_t *when; /* arrival time at the host of each byte */
	size_t head, tail, cap;
};

struct sim_board {
	struct sim_config cfg;
	struct nor *nor;
	FILE *trace;
	struct sim_stats stats;
	uint64_t conn_bytes; /* bytes from the host since the last reset (disconnect fault) */
	uint64_t rng;

	/* wire and CPU time */
	uint32_t host_baud;	 /* what the host side runs at */
	uint32_t uart_baud;	 /* what the chip's UART runs at (locked by SYNC, CLKDIV) */
	uint64_t rx_free_ns;	 /* the host-to-board wire is free from here */
	uint64_t tx_free_ns;	 /* the board-to-host wire is free from here */
	uint64_t cpu_free_ns;	 /* the ROM finishes its current command here */
	uint64_t stall_ns;	 /* stall fault drawn for the command being answered */
	uint64_t late_ns;	 /* targeted late-reply fault for the command being answered */
	bool dup_reply;		 /* its reply goes out twice (fault dup-reply) */
	bool reply_flip;	 /* a bit of its reply flips on the wire (fault reply-flip) */
	unsigned reply_flip_bit; /* which: bit % 8 of wire byte bit / 8 */
	uint8_t rom_error;	 /* refuse it with this error (fault rom-error), 0 = none */
	uint32_t fault_seen[SIM_FAULT_KINDS]; /* requests each targeted fault applied to */
	uint8_t fault_frame[SIM_FRAME_MAX];   /* a request with a targeted fault applied */
	struct sim_outq out;
	struct slip_decoder dec;
	uint8_t frame[SIM_FRAME_MAX];

	/* reset circuit */
	int dtr, rts;
	bool en_low;
	bool sample_pending;
	uint64_t sample_at_ns;

	/* loader state */
	enum sim_state state;
	bool synced;
	unsigned syncs_seen;
	uint32_t last_value; /* the sticky value field */
	bool flash_mode;
	uint32_t fl_offset, fl_blocks, fl_block_size;
	bool mem_mode;
	uint32_t mem_addr, mem_size, mem_blocks, mem_block_size;
	uint32_t flashchip_size; /* the ROM's idea of the flash size (SPI_SET_PARAMS) */

	/* registers */
	uint32_t spi0[64];
	struct {
		uint32_t addr, value;
	} regs[128];
	size_t nregs;
	uint8_t status1; /* status-1 bits 2-7 (protection; kept, not enforced) */
	uint8_t status2, status3;
	bool flash_powered_down;
	/* uploaded code (MEM_BEGIN regions since the boot) and the stub running it (stub.c) */
	struct {
		uint32_t addr, size;
	} mem_segs[SIM_MEM_SEGS];
	size_t n_mem_segs;
	struct sim_stub *stub;
	uint8_t iram[SIM_IRAM_SIZE];
	uint8_t dram[SIM_DRAM_SIZE];
};

/* board.c */
uint64_t sim_byte_ns(uint32_t baud, bool fast);
bool sim_chance(struct sim_board *b, double p);
uint64_t sim_rng(struct sim_board *b);
/* Draws the stall fault for one command (ROM or stub), independently of every earlier
 * draw; sets b->stall_ns to the stall or 0. */
void sim_draw_stall(struct sim_board *b);
/* Queues a ROM reply for op at time ready_ns (latency, stall and wire time added). */
void sim_reply(struct sim_board *b, uint8_t op, const uint8_t *result, uint16_t result_len,
	       uint8_t status, uint8_t error, uint64_t ready_ns);
/* Queues raw bytes sent by the chip at baud starting at start_ns. */
void sim_emit(struct sim_board *b, const uint8_t *data, size_t len, uint32_t baud,
	      uint64_t start_ns);
/* Enters download mode (ROM loader) or runs the firmware, from time t. */
void sim_boot(struct sim_board *b, bool download, int rst_cause, uint64_t t);
void sim_trace(struct sim_board *b, uint64_t t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* rom.c: runs one request that completed at t; returns nothing, queues replies. */
void sim_rom_request(struct sim_board *b, const uint8_t *frame, size_t len, uint64_t t);

/* regs.c: register access as READ_REG/WRITE_REG see it, at board time t; write returns
 * extra time the access took. */
uint32_t sim_reg_read(struct sim_board *b, uint32_t addr, uint64_t t);
void sim_reg_write(struct sim_board *b, uint32_t addr, uint32_t value, uint64_t t);
uint32_t sim_otp_word(const struct sim_board *b, int index);
bool sim_ram_ptr(struct sim_board *b, uint32_t addr, uint32_t len, uint8_t **p);

/* stub.c: the flasher stub core run by the board (stub.md). */
struct sim_stub;
/* Remembers a MEM_BEGIN region (upload order) for recognising the code at MEM_END. */
void sim_stub_note_segment(struct sim_board *b, uint32_t addr, uint32_t size);
/* MEM_END jumped to entry at t: starts the stub core (true) if the upload is our stub or
 * esptool's, else returns false (the code runs silently). */
bool sim_stub_start(struct sim_board *b, uint32_t entry, uint64_t t);
/* Bytes from the wire while the stub runs, the first arriving at t0 + byte_ns; returns
 * how many it took (fewer when the stub left: the rest belongs to what runs next). */
size_t sim_stub_input(struct sim_board *b, const uint8_t *data, size_t len, uint64_t t0,
		      uint64_t byte_ns);
/* Runs the stub's timers up to t (the baud confirmation), before bytes arriving at t. */
void sim_stub_poll(struct sim_board *b, uint64_t t);
/* Stops a running stub and forgets the uploaded regions (every boot). */
void sim_stub_reset(struct sim_board *b);

/* The status registers ignore writes: SRP0 set with the /WP pin low (--wp-low). */
static inline bool sim_status_locked(const struct sim_board *b)
{
	return b->cfg.wp_low && (b->status1 & 0x80);
}

/* faults.c: applies the targeted faults to a request about to run (frame is the board's
 * own copy, changed in place) and decides late/duplicated/flipped replies; returns how
 * many times the request arrives (1, 2 for dup-frame, 0 for lose). */
int sim_faults_apply(struct sim_board *b, uint8_t *frame, size_t len, uint64_t t);
bool sim_faults_any(const struct sim_faults *f);
/* The same for a request to the running stub, whose core has decoded it into frame:
 * the flips change it in place, `late` sets b->late_ns; the stub-only kinds say what the
 * board does instead of handling it (*bit: which reply bit reply-flip flips). */
enum sim_stub_fault {
	SIM_STUB_PASS,
	SIM_STUB_LOSE,
	SIM_STUB_RESET,
	SIM_STUB_HANG,
	SIM_STUB_REPLY_FLIP,
};
enum sim_stub_fault sim_faults_stub(struct sim_board *b, uint8_t *frame, size_t len, uint64_t t,
				    unsigned *bit);

/* bootlog.c: queues the ROM banner (and, for a flash boot, the segment lines). */
void sim_boot_log(struct sim_board *b, bool download, int rst_cause, uint64_t t);
/* boot2.c: the SDK boot loader's banner and jump line when the flash holds a boot loader at
 * 0x0 and a user image in the slot its configuration selects; writes at most cap bytes
 * (NUL-terminated) into out and returns the length, 0 when it would print nothing. */
size_t sim_boot2_lines(const uint8_t *flash, size_t size, char *out, size_t cap);
