/* SPDX-License-Identifier: MIT
 * Test-only link wrapper: forwards everything to an inner link and flips one bit of one
 * chosen outgoing request, as one corrupted byte on the wire would (QA's flip proxy, in
 * process and deterministic), and can lose one chosen incoming byte. */
#pragma once

#include <stdint.h>

#include "link/link.h"

struct fliplink_rule {
	uint8_t op;	    /* request opcode to corrupt (PKT_FLASH_BEGIN, PKT_FLASH_DATA) */
	uint32_t word;	    /* index of the payload word to change (FLASH_BEGIN offset = 3) */
	uint32_t match;	    /* only requests whose payload word `word` equals this */
	uint32_t flip;	    /* XOR mask applied to that word */
	int times;	    /* how many matching requests to corrupt (-1 = all) */
	uint32_t skip_len0; /* ignore requests whose payload word 1 is 0 (FLASH_BEGIN(0,0)) */
};

/* Wraps inner (owned from now on: closing the wrapper closes it). */
struct link *fliplink_wrap(struct link *inner, const struct fliplink_rule *rule);
struct link *fliplink_inner(struct link *l);
/* How many requests were corrupted so far. */
int fliplink_flipped(struct link *l);

/* Loses one incoming byte: the byte-th (1 = the first after its opening C0) of the
 * frame-th SLIP frame to arrive from now on (1 = the next). Once. */
void fliplink_drop_rx(struct link *l, unsigned frame, unsigned byte);
/* How many incoming bytes fliplink_drop_rx() lost so far (0 or 1 per call). */
int fliplink_dropped(struct link *l);
