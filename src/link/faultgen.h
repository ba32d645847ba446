/* SPDX-License-Identifier: MIT
 * Seeded transport faults on a SLIP byte stream, one direction at a time: the pure core
 * of the fault link ("fault://", link.h) and of bench/faults' TCP proxy (issue 11).
 *
 * Bytes fed in are cut into SLIP frames (C0 ... C0); bytes between frames (a boot log)
 * pass at once. With probability `rate` a frame gets one fault, of a kind drawn from the
 * enabled ones:
 *   flip      one bit of one byte on the wire          drop     one byte lost
 *   dup       one byte doubled                         garbage  1-8 random bytes inserted
 *   dropframe the whole frame lost                     dupframe the frame sent twice
 *   hdrflip   one bit of a header field, decoded and re-encoded as the ROM would see it:
 *             FLASH_DATA size / sequence number / opcode, FLASH_BEGIN words, READ_REG and
 *             WRITE_REG address or value (requests only)
 *   delay     the frame (and all after it) held 5-500 ms
 *   stall     held 2-8 s: a reply that arrives after the host gave up and retried
 *   disconnect the link breaks in the middle of the frame
 * Everything is decided by the seed and the bytes, so a run is reproduced by its seed.
 *
 * Call order: faultgen_init() -> faultgen_feed() / faultgen_take() ... (no free needed:
 * the struct holds its own buffers). Times are microseconds on the caller's clock. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum faultgen_kind {
	FAULT_FLIP,
	FAULT_DROP,
	FAULT_DUP,
	FAULT_GARBAGE,
	FAULT_DROPFRAME,
	FAULT_DUPFRAME,
	FAULT_HDRFLIP,
	FAULT_DELAY,
	FAULT_STALL,
	FAULT_DISCONNECT,
	FAULT_KIND_COUNT,
};

/* What to inject: a per-frame probability and a set of kinds, per direction. */
struct faultgen_plan {
	uint64_t seed;
	double rate;	   /* probability that a frame gets one fault (0..1) */
	uint32_t kinds_tx; /* bit (1u << kind): faults on host -> board */
	uint32_t kinds_rx; /* faults on board -> host */
};

/* Parses "seed=N,rate=P,kinds=flip+drop+...,dir=tx|rx|both" ("kinds=all" = every kind;
 * hdrflip only on tx). Unset keys keep their value in *plan. */
int faultgen_plan_parse(struct faultgen_plan *plan, const char *text, struct ed_error *err);
/* "flip", "drop", ... */
const char *faultgen_kind_name(enum faultgen_kind k);
/* "flip+drop+..." of a kind mask into buf. */
const char *faultgen_kinds_text(uint32_t kinds, char *buf, size_t cap);

#define FAULTGEN_FRAME_MAX (2 * 0x4400 + 64)
#define FAULTGEN_QUEUE_MAX (4 * FAULTGEN_FRAME_MAX)
#define FAULTGEN_SEGMENTS  64

struct faultgen {
	uint64_t rng;
	double rate;
	uint32_t kinds;
	bool tx;
	bool in_frame;
	bool broken;		/* a disconnect fired: nothing more passes */
	uint64_t hold_until_us; /* delays keep the order of bytes */
	uint64_t faults[FAULT_KIND_COUNT];
	size_t frame_len;
	uint8_t frame[FAULTGEN_FRAME_MAX];
	/* output: q_len bytes in segments that may leave at their time */
	size_t q_len, seg_count;
	struct {
		uint64_t at_us;
		size_t len;
	} seg[FAULTGEN_SEGMENTS];
	uint8_t q[FAULTGEN_QUEUE_MAX];
	uint8_t work[FAULTGEN_FRAME_MAX + 16];
	uint8_t body[FAULTGEN_FRAME_MAX];
};

/* tx = host -> board. */
void faultgen_init(struct faultgen *g, const struct faultgen_plan *plan, bool tx);
/* Hands len bytes to the wire at time now_us. */
void faultgen_feed(struct faultgen *g, const uint8_t *data, size_t len, uint64_t now_us);
/* Takes up to cap bytes whose time has come. */
size_t faultgen_take(struct faultgen *g, uint8_t *out, size_t cap, uint64_t now_us);
/* When the next queued byte may leave (UINT64_MAX when none is queued). */
uint64_t faultgen_next_us(const struct faultgen *g);
/* Discards bytes already due (a flush of received input); held bytes stay on the wire. */
void faultgen_discard_due(struct faultgen *g, uint64_t now_us);
/* True once a disconnect fault fired and the queue before it has drained. */
bool faultgen_broken(const struct faultgen *g);
/* Faults injected so far, all kinds. */
uint64_t faultgen_total(const struct faultgen *g);
