/* SPDX-License-Identifier: MIT
 * The fault generator under fault:// and bench/faults: each kind does what its name says
 * to a real SLIP stream, the same seed gives the same faults, option errors are clear,
 * and fault:// over the virtual board breaks a real job the way it was told to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/util.h"
#include "link/faultgen.h"
#include "link/link.h"
#include "proto/packet.h"
#include "proto/slip.h"

/* A FLASH_DATA request for block seq of 16 bytes, SLIP-encoded into out. */
static size_t flash_data_frame(uint8_t *out, uint32_t seq)
{
	uint8_t payload[32] = {0}, body[64];
	put_le32(payload, 16);
	put_le32(payload + 4, seq);
	memset(payload + 16, 0xA5, 16);
	size_t n = pkt_build_request(body, 0x03, payload, 32, 0xEF);
	return slip_encode(body, n, out);
}

static struct faultgen g;

static size_t pass(const struct faultgen_plan *plan, bool tx, const uint8_t *in, size_t n,
		   uint8_t *out, size_t cap, uint64_t at_us)
{
	faultgen_init(&g, plan, tx);
	faultgen_feed(&g, in, n, 0);
	return faultgen_take(&g, out, cap, at_us);
}

static void test_kinds(void **state)
{
	(void)state;
	uint8_t frame[128], out[512];
	size_t n = flash_data_frame(frame, 3);
	struct faultgen_plan plan = {.seed = 5, .rate = 1.0};
	/* no kinds: untouched */
	assert_int_equal(pass(&plan, true, frame, n, out, sizeof out, 0), n);
	assert_memory_equal(out, frame, n);
	plan.kinds_tx = 1u << FAULT_DROPFRAME;
	assert_int_equal(pass(&plan, true, frame, n, out, sizeof out, 0), 0);
	plan.kinds_tx = 1u << FAULT_DUPFRAME;
	assert_int_equal(pass(&plan, true, frame, n, out, sizeof out, 0), 2 * n);
	assert_memory_equal(out + n, frame, n);
	plan.kinds_tx = 1u << FAULT_DROP;
	assert_int_equal(pass(&plan, true, frame, n, out, sizeof out, 0), n - 1);
	plan.kinds_tx = 1u << FAULT_DUP;
	assert_int_equal(pass(&plan, true, frame, n, out, sizeof out, 0), n + 1);
	/* one bit flipped, nothing else */
	plan.kinds_tx = 1u << FAULT_FLIP;
	assert_int_equal(pass(&plan, true, frame, n, out, sizeof out, 0), n);
	int bits = 0;
	for (size_t i = 0; i < n; i++)
		bits += __builtin_popcount(out[i] ^ frame[i]);
	assert_int_equal(bits, 1);
	/* a stall holds the frame for seconds, a delay for less than one */
	plan.kinds_rx = 1u << FAULT_STALL;
	assert_int_equal(pass(&plan, false, frame, n, out, sizeof out, 1999999), 0);
	assert_true(faultgen_next_us(&g) >= 2000000 && faultgen_next_us(&g) < 8000000);
	assert_int_equal(faultgen_take(&g, out, sizeof out, 8000000), n);
	plan.kinds_rx = 1u << FAULT_DELAY;
	assert_int_equal(pass(&plan, false, frame, n, out, sizeof out, 4999), 0);
	assert_int_equal(faultgen_take(&g, out, sizeof out, 500000), n);
	/* a disconnect cuts the frame and breaks the stream */
	plan.kinds_tx = 1u << FAULT_DISCONNECT;
	assert_true(pass(&plan, true, frame, n, out, sizeof out, 0) < n);
	assert_true(faultgen_broken(&g));
}

/* hdrflip changes one bit of the size, the sequence number or the opcode of FLASH_DATA,
 * and the frame is still valid SLIP (re-encoded as the ROM would decode it). */
static void test_header_flip(void **state)
{
	(void)state;
	uint8_t frame[128], out[512], body[128];
	size_t n = flash_data_frame(frame, 3);
	int seen[3] = {0};
	for (uint64_t seed = 1; seed < 60; seed++) {
		struct faultgen_plan plan = {
		    .seed = seed, .rate = 1.0, .kinds_tx = 1u << FAULT_HDRFLIP};
		size_t m = pass(&plan, true, frame, n, out, sizeof out, 0);
		struct slip_decoder d;
		slip_decoder_init(&d, body, sizeof body);
		size_t used;
		assert_int_equal(slip_decoder_feed(&d, out, m, &used), SLIP_FRAME);
		size_t blen;
		const uint8_t *b = slip_decoder_frame(&d, &blen);
		assert_int_equal(blen, 8 + 32);
		int op = __builtin_popcount(b[1] ^ 0x03);
		int size = __builtin_popcount(get_le32(b + 8) ^ 16);
		int seq = __builtin_popcount(get_le32(b + 12) ^ 3);
		assert_int_equal(op + size + seq, 1);
		seen[0] += op;
		seen[1] += size;
		seen[2] += seq;
	}
	assert_true(seen[0] && seen[1] && seen[2]);
}

static void test_seeded(void **state)
{
	(void)state;
	uint8_t frames[4096], a[8192], b[8192];
	size_t n = 0;
	for (uint32_t seq = 0; seq < 40; seq++)
		n += flash_data_frame(frames + n, seq);
	struct faultgen_plan plan = {.seed = 9, .rate = 0.3};
	plan.kinds_tx = ((1u << FAULT_KIND_COUNT) - 1) & ~(1u << FAULT_DISCONNECT);
	size_t na = pass(&plan, true, frames, n, a, sizeof a, UINT64_MAX);
	size_t nb = pass(&plan, true, frames, n, b, sizeof b, UINT64_MAX);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	assert_true(faultgen_total(&g) > 0);
	plan.seed = 10;
	size_t nc = pass(&plan, true, frames, n, b, sizeof b, UINT64_MAX);
	assert_true(nc != na || memcmp(a, b, na));
}

static void test_options(void **state)
{
	(void)state;
	struct faultgen_plan p = {0};
	struct ed_error err = {0};
	assert_int_equal(faultgen_plan_parse(&p, "seed=42,rate=0.5,kinds=flip+stall,dir=rx", &err),
			 ED_OK);
	assert_int_equal(p.seed, 42);
	assert_true(p.rate == 0.5);
	assert_int_equal(p.kinds_tx, 0);
	assert_int_equal(p.kinds_rx, (1u << FAULT_FLIP) | (1u << FAULT_STALL));
	assert_int_equal(faultgen_plan_parse(&p, "kinds=flip+wobble", &err), ED_ERR_ARG);
	assert_string_equal(err.msg, "unknown fault kind 'wobble': use all or names joined by + "
				     "(flip, drop, dup, garbage, dropframe, dupframe, hdrflip, "
				     "delay, stall, disconnect)");
	assert_int_equal(faultgen_plan_parse(&p, "rate=2", &err), ED_ERR_ARG);
	assert_string_equal(err.msg, "fault rate '2' is not between 0 and 1");
	struct link *l = NULL;
	assert_int_equal(link_open("fault://seed=1", NULL, &l, &err), ED_ERR_ARG);
	assert_null(l);
}

/* Over the virtual board: lost frames in both directions are survived by the engine's
 * retries (the link reads, writes and keeps its clock); a disconnect ends the link. */
static void test_link(void **state)
{
	(void)state;
	struct link *l = NULL;
	struct ed_error err = {0};
	assert_int_equal(link_open("fault://seed=3,rate=1,kinds=disconnect,dir=tx|"
				   "sim://?fast&clock=virtual",
				   NULL, &l, &err),
			 ED_OK);
	uint8_t frame[128], buf[64];
	size_t n = flash_data_frame(frame, 0);
	assert_int_equal(link_write(l, frame, n, &err), ED_ERR_DISCONNECTED);
	assert_int_equal(link_read(l, buf, sizeof buf, 1000, &err), ED_ERR_DISCONNECTED);
	assert_non_null(strstr(err.msg, "the link broke (fault disconnect)"));
	assert_int_equal(link_fault_count(l), 1);
	uint64_t t0 = link_now_us(l);
	link_sleep_us(l, 5000000);
	assert_int_equal(link_now_us(l) - t0, 5000000); /* the board's virtual clock */
	link_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kinds),  cmocka_unit_test(test_header_flip),
	    cmocka_unit_test(test_seeded), cmocka_unit_test(test_options),
	    cmocka_unit_test(test_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
