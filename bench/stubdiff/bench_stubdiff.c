/* SPDX-License-Identifier: MIT
 * Write speed on the flasher stub against the virtual board with its realistic timing
 * model (virtual clock), connect at 115200, stub moved to 921600 as esptool does:
 *   - a 1 MiB random file, uncompressed and compressed: the time until the stub answered
 *     the last block (the line's share, with STUBCLIENT_WRITE_IN_FLIGHT blocks in flight)
 *     and with the MD5 proof of the whole range, each against the wire limit (payload
 *     bytes / (baud / 10));
 *   - re-flashing a 1 MiB user1.bin-like file (code-like bytes that zlib halves) with 1%
 *     changed in one place: the whole write (compressed, the default) against --diff
 *     (per-sector MD5 first, only the changed sectors written). Target: >= 10x.
 *   bench-stubdiff */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/detect.h"
#include "engine/stubclient.h"
#include "link/link.h"
#include "sim/sim.h"

#define BAUD 921600u
#define SIZE (1u << 20)

struct board {
	struct link *link;
	struct loader *ld;
	struct ed_error err;
	double last_block_s; /* when progress reached the end */
};

static double now_s(struct board *b)
{
	return (double)link_now_us(b->link) / 1e6;
}

static void on_progress(void *user, uint64_t done, uint64_t total)
{
	struct board *b = user;
	if (done == total)
		b->last_block_s = now_s(b);
}

static int open_board(struct board *b)
{
	struct link_options lo = {.baud = 115200};
	uint32_t used = 0;
	struct loader_config cfg = {0};
	struct chip_info info;
	bool reused;
	if (link_open("sim://?clock=virtual", &lo, &b->link, &b->err) < 0 ||
	    loader_create(b->link, &cfg, &b->ld, &b->err) < 0 ||
	    loader_connect(b->ld, LOADER_BEFORE_DEFAULT_RESET, &b->err) < 0 ||
	    detect_chip(b->ld, &info, &b->err) < 0 ||
	    stubclient_start(b->ld, stub_blob_builtin(), NULL, &reused, &b->err) < 0 ||
	    stubclient_change_baud(b->ld, BAUD, &used, &b->err) < 0 || used != BAUD) {
		fprintf(stderr, "bench-stubdiff: %s\n", b->err.msg);
		return 1;
	}
	return 0;
}

static void close_board(struct board *b)
{
	loader_destroy(b->ld);
	link_close(b->link);
}

static void line(const char *what, double t, uint64_t payload)
{
	double wire = (double)payload * 10.0 / BAUD;
	printf("%-46s %7.2f s  wire limit %6.2f s  ratio %.3fx\n", what, t, wire, wire / t);
}

static void rnd(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 7;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

/* Bytes that compress about as well as ESP8266 firmware (zlib level 9 takes about a third
 * off): literals from a skewed alphabet, and copies of earlier stretches (code and
 * strings repeat). */
static void firmware_like(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 11;
	size_t i = 0;
	while (i < n) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		size_t run = 2 + (x >> 4) % 9;
		if (i >= 4096 && (x & 7) < 3) {
			size_t from = i - 1 - (x >> 12) % 4000;
			for (size_t k = 0; k < run && i < n; k++)
				p[i++] = p[from + k];
		} else {
			for (size_t k = 0; k < run && i < n; k++) {
				x ^= x << 13;
				x ^= x >> 17;
				x ^= x << 5;
				p[i++] =
				    (x & 3) == 0 ? (uint8_t)(x >> 8) : (uint8_t)((x >> 8) & 0x1F);
			}
		}
	}
}

static int write_random(bool compress)
{
	uint8_t *data = malloc(SIZE);
	rnd(data, SIZE, 3);
	struct board b = {0};
	if (open_board(&b))
		return 1;
	struct flasher_progress p = {on_progress, &b, NULL};
	double t0 = now_s(&b);
	if (stubflash_write(b.ld, 0x100000, data, SIZE, compress, &p, NULL, &b.err) < 0) {
		fprintf(stderr, "bench-stubdiff: %s\n", b.err.msg);
		return 1;
	}
	double t1 = now_s(&b);
	line(compress ? "1 MiB random, zlib: to the last block's answer"
		      : "1 MiB random, plain: to the last block's answer",
	     b.last_block_s - t0, SIZE);
	line(compress ? "1 MiB random, zlib: with the MD5 proof"
		      : "1 MiB random, plain: with the MD5 proof",
	     t1 - t0, SIZE);
	close_board(&b);
	free(data);
	return 0;
}

static int reflash(void)
{
	uint8_t *data = malloc(SIZE);
	firmware_like(data, SIZE, 5);
	struct board b = {0};
	if (open_board(&b))
		return 1;
	struct stubflash_write_result res;
	double t0 = now_s(&b);
	if (stubflash_write(b.ld, 0x1000, data, SIZE, true, NULL, &res, &b.err) < 0) {
		fprintf(stderr, "bench-stubdiff: %s\n", b.err.msg);
		return 1;
	}
	double whole = now_s(&b) - t0;
	char what[96];
	snprintf(what, sizeof what, "user1-like 1 MiB, whole, zlib (%u sent)", res.sent);
	line(what, whole, SIZE);
	for (uint32_t i = 0; i < SIZE / 100; i++)
		data[0x40000 + i] ^= 0x21;
	struct stubflash_write_opts o = {.compress = true, .diff = true};
	t0 = now_s(&b);
	if (stubflash_write_opts(b.ld, 0x1000, data, SIZE, &o, NULL, &res, &b.err) < 0) {
		fprintf(stderr, "bench-stubdiff: %s\n", b.err.msg);
		return 1;
	}
	double diff = now_s(&b) - t0;
	snprintf(what, sizeof what, "  same, 1%% changed, --diff (%u of %u skipped)", res.skipped,
		 res.sectors);
	line(what, diff, SIZE);
	printf("%-46s %7.1fx faster than the whole write (target >= 10x)\n", "  --diff re-flash",
	       whole / diff);
	close_board(&b);
	free(data);
	return 0;
}

int main(void)
{
	if (!stub_blob_builtin()) {
		printf("built without the flasher stub: nothing to measure\n");
		return 0;
	}
	printf(
	    "writes on the stub, virtual board, realistic timing, %u baud, %u blocks in flight\n",
	    BAUD, STUBCLIENT_WRITE_IN_FLIGHT);
	return write_random(false) || write_random(true) || reflash();
}
