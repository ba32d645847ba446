/* SPDX-License-Identifier: MIT
 * The virtual ESP8266 in ROM boot mode (design.md "The virtual board"): the ROM loader's
 * request/response state machine, its registers (chip magic, OTP MAC words, UART clock
 * divider, SPI0 with user commands), a SPI NOR model with an optional backing file, a
 * timing model (wire time, latency, flash operation times), the two-transistor auto-reset
 * circuit, a boot log, and seeded faults.
 *
 * The board is a pure byte machine on an explicit clock: the host side hands it bytes
 * with the time they were written, and takes the bytes whose wire arrival time has come.
 * Nothing here sleeps or reads a clock, so the same board runs on the link's virtual
 * clock (tests), in real time (the demo, espdeck-sim over TCP or a pty) and flat out
 * (--fast, benchmarks).
 *
 * Call order: sim_config_set()/sim_config_parse_query() on a SIM_CONFIG_DEFAULT ->
 * sim_board_create() -> any of input/output/set_lines/reset -> sim_board_destroy().
 * One board is used by one thread. Times are nanoseconds on the caller's clock. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct link;

enum sim_chip { SIM_CHIP_ESP8266EX = 0, SIM_CHIP_ESP8285 = 1 };
enum sim_clock { SIM_CLOCK_REAL = 0, SIM_CLOCK_VIRTUAL = 1 };

/* Targeted request faults (espdeck-sim(1), FAULTS): each fires on a request it applies to,
 * either with a probability or on the nth such request only, so a test can name the exact
 * frame it corrupts. */
enum sim_fault_kind {
	SIM_FAULT_SEQ_FLIP,   /* one bit of a FLASH_DATA sequence number */
	SIM_FAULT_HDR_FLIP,   /* one bit of a FLASH_DATA's 24 header bytes (packet + data header) */
	SIM_FAULT_OP_FLIP,    /* a FLASH_DATA's opcode 0x03 -> 0x02 (the ROM runs FLASH_BEGIN) */
	SIM_FAULT_ADDR_FLIP,  /* one bit of a READ_REG / WRITE_REG address */
	SIM_FAULT_DUP_FRAME,  /* the request arrives twice (the ROM acts on it twice) */
	SIM_FAULT_DUP_REPLY,  /* the reply is sent twice */
	SIM_FAULT_LATE,	      /* the reply is held back `ms` milliseconds */
	SIM_FAULT_DATA_FLIP2, /* the same bit of two FLASH_DATA payload bytes (the 8-bit XOR
			       * checksum stays right) */
	SIM_FAULT_ROM_ERROR,  /* the ROM refuses the request with error `bit` (default 0x06,
			       * "failed to act") without acting on it */
	/* The ROM loader and the stub: */
	SIM_FAULT_LOSE,	      /* the request is lost on the wire: the board never sees it */
	SIM_FAULT_REPLY_FLIP, /* one bit of the first bytes of its reply flips on the wire */
	/* Stub only (a request to the running flasher stub): */
	SIM_FAULT_RESET, /* the board resets (brown-out) as the request arrives: the ROM
			       * loader comes back, the stub is gone */
	SIM_FAULT_HANG,	 /* the stub stops answering from this request on (a crash) */
	SIM_FAULT_KINDS
};

struct sim_fault_rule {
	double p;	/* probability per request it applies to (0 = off) */
	uint32_t nth;	/* 1-based: only the nth such request (0 = use p) */
	uint32_t again; /* with nth: also the (nth + again)th (0 = only nth) */
	uint8_t op;	/* only this opcode (0 = the kind's own requests) */
	bool bit_set;	/* flip `bit`, else a bit drawn at random */
	unsigned bit;
	uint32_t ms; /* SIM_FAULT_LATE: how late */
};

struct sim_faults {
	double drop;	/* probability that a byte on the wire is lost */
	double corrupt; /* probability that a byte on the wire has a bit flipped */
	double stall_p; /* probability that a reply is held back stall_ms */
	uint32_t stall_ms;
	uint64_t disconnect_after; /* the board vanishes after this many bytes (0 = never) */
	struct sim_fault_rule rule[SIM_FAULT_KINDS];
};

/* Parses one targeted fault ("seq-flip", "#3:4") into f. Returns 1 when key is not a
 * targeted fault's name, 0 when set, or a negative error naming the accepted forms. */
int sim_faults_parse_rule(struct sim_faults *f, const char *key, const char *value,
			  struct ed_error *err);

/* Every option of espdeck-sim, by the same names as its long options (and sim:// keys). */
struct sim_config {
	uint32_t flash_size; /* bytes; 0 = size of an existing --flash file, else 4 MiB */
	uint32_t flash_id;   /* JEDEC id as esptool prints it; 0 = Winbond for the size */
	uint8_t mac[6];
	enum sim_chip chip;
	unsigned crystal_mhz; /* 26 or 40 */
	char flash_path[512]; /* persistent backing file ("" = RAM only) */
	bool flash_state;     /* flash=state (sim:// only): the flash is kept in the user's
			       * state folder between runs, saved atomically (link/simlink.c) */
	int keep;	      /* sim:// only: 1 = the flash outlives the port (the next job on
			       * the same options finds it), 0 = erased at every open, -1 = as
			       * the clock says: kept on the real clock (the bench), erased on
			       * the virtual one (tests stay independent of their order) */
	/* Initial flash contents (borrowed until sim_board_create() returns; NULL = erased).
	 * Not an option: the sim:// link hands over the flash a previous job left. */
	const uint8_t *flash_init;
	size_t flash_init_size;
	uint32_t baud;	   /* initial line speed of the host side */
	uint32_t max_baud; /* the bridge garbles every byte above this rate (0 = none) */
	double latency_ms; /* added before every reply (USB bridge turnaround) */
	bool fast;	   /* no wire, latency or flash times at all */
	bool unchecked;	   /* the stub never checks request headers (STUB_OP_STRICT is taken
			 * but not kept, as by a stub without it): header faults reach it */
	uint64_t seed;
	struct sim_faults faults;
	bool boot_log;	      /* ROM banner at 74880 baud after every reset */
	bool need_reset;      /* silent until a reset into download mode */
	bool wp_low;	      /* the flash's /WP pin is held low: with SRP0 (status-1 bit 7)
			       * set, status register writes are ignored (hardware protection) */
	unsigned sync_after;  /* ignore this many SYNC requests after each reset */
	char trace_path[512]; /* one line per command ("" = none) */
	enum sim_clock clock; /* sim:// only */
	/* Flash operation times in microseconds (W25Q32 typical figures, reference §11.3). */
	uint32_t page_us, sector_us, block32_us, block64_us, chip_us;
};

#define SIM_CONFIG_DEFAULT                                                                         \
	((struct sim_config){.mac = {0x18, 0xFE, 0x34, 0xA1, 0xB2, 0xC3},                          \
			     .crystal_mhz = 26,                                                    \
			     .keep = -1,                                                           \
			     .baud = 115200,                                                       \
			     .seed = 1,                                                            \
			     .page_us = 700,                                                       \
			     .sector_us = 45000,                                                   \
			     .block32_us = 120000,                                                 \
			     .block64_us = 150000,                                                 \
			     .chip_us = 10000000})

/* Sets one option by its long name without dashes ("flash-size", "fast"); value is NULL
 * for flags. Errors name the option and say what is accepted. */
int sim_config_set(struct sim_config *cfg, const char *key, const char *value,
		   struct ed_error *err);
/* Parses "key=value&flag&key2=value2" (the part of a sim:// URL after '?'). */
int sim_config_parse_query(struct sim_config *cfg, const char *query, struct ed_error *err);

/* What the board is doing (for tests and the trace). */
enum sim_state {
	SIM_STATE_RESET = 0, /* EN held low */
	SIM_STATE_LOADER,    /* ROM loader waiting for the host */
	SIM_STATE_FIRMWARE,  /* booted the flash (or jumped to RAM): no loader */
	SIM_STATE_GONE,	     /* disconnect fault fired */
	SIM_STATE_STUB,	     /* running a flasher stub (the stub core, src/sim/stub.c) */
};

struct sim_stats {
	uint64_t bytes_from_host; /* bytes received on the wire */
	uint64_t bytes_to_host;	  /* bytes sent on the wire */
	uint64_t commands;	  /* requests answered or acted on */
	uint64_t bad_frames;	  /* frames dropped (bad length, direction, escape) */
	uint64_t resets;	  /* EN rising edges and connection resets */
	uint64_t sectors_erased;  /* 4 KiB units erased by any path */
	uint64_t pages_programmed;
	uint64_t flash_data_bytes; /* FLASH_DATA payload accepted */
};

struct sim_board;

/* Creates a board in download mode (or, with need-reset, running its firmware).
 * *out owns it. */
int sim_board_create(const struct sim_config *cfg, struct sim_board **out, struct ed_error *err);
void sim_board_destroy(struct sim_board *b);

/* Host wrote len bytes at now_ns. They arrive one by one at the line speed; commands run
 * when their last byte has arrived. Returns the time the last byte is on the wire
 * (a blocking writer on a virtual clock advances to it), or a negative ed_err when the
 * board is gone (ED_ERR_DISCONNECTED, detail in err). */
int64_t sim_board_input(struct sim_board *b, const uint8_t *data, size_t len, uint64_t now_ns,
			struct ed_error *err);
/* Takes up to cap bytes that have reached the host by now_ns; returns the count. */
size_t sim_board_output(struct sim_board *b, uint8_t *buf, size_t cap, uint64_t now_ns);
/* When the next byte for the host arrives (UINT64_MAX when nothing is pending). */
uint64_t sim_board_next_output_ns(const struct sim_board *b);
/* The arrival time of the last byte of the back-to-back run starting with the next
 * pending byte (at most cap bytes, none after limit_ns); UINT64_MAX when none is due by
 * limit_ns. Lets a reader on a virtual clock take a whole reply in one read. */
uint64_t sim_board_burst_end_ns(const struct sim_board *b, size_t cap, uint64_t limit_ns);
/* The chip's UART speed (follows SYNC, UART_CLKDIV writes and the stub's baud change). */
uint32_t sim_board_uart_baud(const struct sim_board *b);
/* Line speed of the host side (10 bits per byte). */
void sim_board_set_baud(struct sim_board *b, uint32_t baud, uint64_t now_ns);
/* DTR/RTS as pyserial asserts them (1 = asserted, -1 = unchanged), wired through the
 * two-transistor circuit of reference §3.2; straps are sampled when EN rises. */
void sim_board_set_lines(struct sim_board *b, int dtr, int rts, uint64_t now_ns);
/* A reset with GPIO0 low (download) or high (run the firmware), as a new TCP connection
 * or a reset button press does. */
void sim_board_reset(struct sim_board *b, bool download, uint64_t now_ns);

enum sim_state sim_board_state(struct sim_board *b, uint64_t now_ns);
bool sim_board_gone(const struct sim_board *b);
/* Borrowed view of the flash array (size in *size); valid until destroy. */
const uint8_t *sim_board_flash(const struct sim_board *b, size_t *size);
/* Copies len bytes of the IRAM/DRAM model at a CPU address; false when outside RAM. */
bool sim_board_read_ram(const struct sim_board *b, uint32_t addr, uint8_t *out, size_t len);
void sim_board_stats(const struct sim_board *b, struct sim_stats *out);
const struct sim_config *sim_board_config(const struct sim_board *b);
/* Writes a dirty backing file to disk. */
int sim_board_sync(struct sim_board *b, struct ed_error *err);

/* The board behind a sim:// link (borrowed), or NULL for any other link. */
struct sim_board *link_sim_board(struct link *l);
