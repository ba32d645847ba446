/* SPDX-License-Identifier: MIT
 * The fault campaign (issue 11 item 5): shared types of bench/faults.
 *
 * A run is decided by its seed alone: operation, region, data, fault kinds, rate and
 * direction, engine options. It runs against a virtual board whose 1 MiB flash is a file,
 * either in-process (job API over "fault://...|sim://?clock=virtual", milliseconds) or as
 * real processes (espdeck -> fault proxy -> espdeck-sim --tcp). The board's whole flash
 * before and after decides the class. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FLASH_BYTES (1u << 20)
#define SECTOR	    4096u

enum op { OP_WRITE, OP_READ, OP_VERIFY, OP_ERASE, OP_COUNT };
enum mode { MODE_INPROC, MODE_TCP, MODE_COUNT };

enum verdict {
	V_OK,		/* exit 0 and exactly what was asked, or a verify that rightly failed */
	V_FAIL,		/* non-zero exit with a message, nothing outside the files changed */
	V_FAIL_OUTSIDE, /* non-zero exit with a message, something outside changed, and the
			 * message names where (an address or range in the damaged sector) */
	V_FAIL_UNNAMED, /* the same, but the message does not say where the damage is */
	V_SILENT,	/* exit 0 and wrong flash or dump, or outside changed; or no message */
	V_HANG,		/* the watchdog stopped it */
	V_CRASH,	/* killed by a signal */
	V_COUNT,
};

struct run_plan {
	uint64_t seed;
	enum op op;
	uint32_t offset, size; /* the region; write/verify data size */
	bool verify_flag;      /* write_flash --verify */
	bool check_blocks;
	bool preserve;	     /* --erase-strategy preserve */
	bool verify_differs; /* verify: the data differs from the flash in one byte */
	char faults[160];    /* fault options: "seed=..,rate=..,kinds=..,dir=.." */
};

struct run_result {
	enum verdict verdict;
	int exit_code;	  /* or the signal for a crash */
	char detail[700]; /* what was wrong (silent) or the message's start */
};

struct campaign {
	const char *espdeck; /* the binary, for TCP runs */
	const char *sim;     /* espdeck-sim, for TCP runs */
	const char *kinds;   /* NULL = a draw per run from every kind */
	unsigned watchdog_s;
	bool verbose;
	bool stub;	 /* --engine stub: the flasher stub (espdeck's default); else
				  * ROM mode (--no-stub), the campaign's original subject */
	bool check_chip; /* --check-chip: every run with the whole-chip check */
	int timing;	 /* --timing: 1 real, 0 fast (boards without erase and wire times), -1 the
		     * default: real in-process (the virtual clock makes it cost nothing, and
		     * the engine's timing checks need it), fast over TCP (real time there) */
};

/* Draws the plan of run `seed`; rate_scale multiplies the drawn fault rate (TCP runs in
 * real time, where a stall costs seconds: they use 0.1). */
void plan_draw(uint64_t seed, const char *kinds, double rate_scale, struct run_plan *p);
/* "write 0x1a000+5000 verify ..." for the report. */
const char *plan_text(const struct run_plan *p, char *buf, size_t cap);
/* The board's flash before the run, and the data to write / verify. */
void plan_flash(const struct run_plan *p, uint8_t *flash);
void plan_data(const struct run_plan *p, const uint8_t *flash, uint8_t *data);

/* Judges a finished run from the flash before/after and the dump (NULL unless read);
 * message is the error espdeck printed ("" when none). */
void judge(const struct run_plan *p, int exit_code, const char *message, const uint8_t *before,
	   const uint8_t *after, const uint8_t *data, const uint8_t *dump, size_t dump_len,
	   struct run_result *r);

/* One run in a forked child with a watchdog. */
void run_inproc(const struct campaign *c, const struct run_plan *p, struct run_result *r);
void run_tcp(const struct campaign *c, const struct run_plan *p, struct run_result *r);

/* Small helpers shared by the runners. */
int make_workdir(char *buf, size_t cap);
void remove_workdir(const char *dir);
bool write_whole(const char *path, const uint8_t *data, size_t len);
bool read_whole(const char *path, uint8_t *data, size_t len, size_t *got);
const char *op_name(enum op op);
