/* SPDX-License-Identifier: MIT
 * Benchmarks of the virtual board (numbers, not pass/fail):
 *  1. FLASH_DATA throughput with --fast on one core, in MB/s of payload (issue 3 asks for
 *     more than 50 MB/s so the board never limits a measurement);
 *  2. accuracy of the real-time timing model: a FLASH_BEGIN whose model time is known,
 *     through sim:// on the real clock, as measured / model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "link/link.h"
#include "proto/packet.h"
#include "proto/slip.h"
#include "sim/sim.h"

#define BLOCK 0x400u

static size_t build(uint8_t *wire, uint8_t op, const uint8_t *data, uint16_t len, uint32_t chk)
{
	static uint8_t body[PKT_HEADER_LEN + 16 + BLOCK];
	size_t n = pkt_build_request(body, op, data, len, chk);
	return slip_encode(body, n, wire);
}

static int throughput(void)
{
	struct sim_config cfg = SIM_CONFIG_DEFAULT;
	cfg.fast = true;
	struct sim_board *b;
	struct ed_error err;
	if (sim_board_create(&cfg, &b, &err) < 0) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	uint8_t req[16 + BLOCK], wire[2 * (PKT_HEADER_LEN + 16 + BLOCK) + 2], out[4096];
	uint8_t sync[36];
	pkt_sync_payload(sync);
	size_t w = build(wire, PKT_SYNC, sync, 36, 0);
	sim_board_input(b, wire, w, 0, &err);
	sim_board_output(b, out, sizeof out, 0);
	/* Random-looking payload (with SLIP escapes, as real firmware has). */
	uint8_t *blocks = malloc(256 * (size_t)BLOCK);
	if (!blocks)
		return 1;
	uint32_t x = 12345;
	for (size_t i = 0; i < 256 * (size_t)BLOCK; i++) {
		x = x * 1103515245u + 12345u;
		blocks[i] = (uint8_t)(x >> 16);
	}
	const uint32_t rounds = 8, per_round = 4096; /* 4 MiB each */
	uint64_t payload = 0, t0 = ed_monotonic_us();
	for (uint32_t round = 0; round < rounds; round++) {
		uint8_t begin[16];
		put_le32(begin, 0x200000); /* the ROM doubles it: the whole 4 MiB */
		put_le32(begin + 4, per_round);
		put_le32(begin + 8, BLOCK);
		put_le32(begin + 12, 0);
		w = build(wire, PKT_FLASH_BEGIN, begin, 16, 0);
		sim_board_input(b, wire, w, 0, &err);
		sim_board_output(b, out, sizeof out, 0);
		for (uint32_t seq = 0; seq < per_round; seq++) {
			const uint8_t *blk = blocks + (size_t)(seq % 256) * BLOCK;
			put_le32(req, BLOCK);
			put_le32(req + 4, seq);
			put_le32(req + 8, 0);
			put_le32(req + 12, 0);
			memcpy(req + 16, blk, BLOCK);
			w = build(wire, PKT_FLASH_DATA, req, 16 + BLOCK, pkt_checksum(blk, BLOCK));
			sim_board_input(b, wire, w, 0, &err);
			sim_board_output(b, out, sizeof out, 0);
		}
	}
	uint64_t us = ed_monotonic_us() - t0;
	struct sim_stats st;
	sim_board_stats(b, &st);
	payload = st.flash_data_bytes;
	double mbs = (double)payload / ((double)us / 1e6) / 1e6;
	printf("sim FLASH_DATA payload (--fast, one core): %.1f MB/s (%llu MB in %.3f s; "
	       "target > 50 MB/s, ratio %.2f)\n",
	       mbs, (unsigned long long)(payload / 1000000), (double)us / 1e6, mbs / 50.0);
	free(blocks);
	sim_board_destroy(b);
	return payload == (uint64_t)rounds * per_round * BLOCK ? 0 : 1;
}

static int accuracy(void)
{
	struct link *l;
	struct ed_error err;
	if (link_open("sim://?clock=real", NULL, &l, &err) < 0) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	uint8_t sync[36], wire[128], buf[512];
	pkt_sync_payload(sync);
	link_write(l, wire, build(wire, PKT_SYNC, sync, 36, 0), &err);
	while (link_read(l, buf, sizeof buf, 30000, &err) > 0) {
	}
	/* 0x8000 at 0x10000: the ROM erases 16 sectors (model 16 x 45 ms) plus wire time. */
	uint8_t begin[16];
	put_le32(begin, 0x8000);
	put_le32(begin + 4, 32);
	put_le32(begin + 8, BLOCK);
	put_le32(begin + 12, 0x10000);
	size_t w = build(wire, PKT_FLASH_BEGIN, begin, 16, 0);
	uint64_t t0 = ed_monotonic_us();
	link_write(l, wire, w, &err);
	size_t got = 0;
	while (got < 12) {
		int n = link_read(l, buf + got, sizeof buf - got, 2000000, &err);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	uint64_t took = ed_monotonic_us() - t0;
	double model = ((double)(w + 12) * 10.0 / 115200.0 + 16 * 0.045) * 1e6;
	printf("sim timing model (real clock): FLASH_BEGIN of 16 sectors took %.1f ms, model "
	       "%.1f ms, ratio %.4f (must stay within 2%%)\n",
	       (double)took / 1000, model / 1000, (double)took / model);
	link_close(l);
	return got == 12 ? 0 : 1;
}

int main(void)
{
	int rc = throughput();
	return accuracy() | rc;
}
