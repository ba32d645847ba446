/* SPDX-License-Identifier: MIT
 * The engine on the flasher stub against the virtual board with its realistic timing model
 * (wire time at the baud rate, reply latency, the stub's CPU model for inflate and MD5, page
 * program and erase times) on the virtual clock: connect at 115200, upload the stub, change
 * to 921600 (esptool's order), then:
 *   - the seed layout (boot 0x0, init data 0x3FC000, blank 0x3FE000, user1 0x1000,
 *     user2 0x101000) with the stub upload, compressed and uncompressed;
 *   - a 1 MiB random file, compressed (the default) and uncompressed (-u);
 *   - a 4 MiB read;
 *   - re-flashing a 1 MiB user1.bin with 1% changed: measured by bench/stubdiff.
 * Each as time and ratio to the wire limit (payload bytes / (baud / 10)): above 1 means
 * faster than the raw bytes could cross the line. The seed files come from the build's
 * firmware/ (user1.bin, user2.bin, blank.bin); boot_v1.6.bin and esp_init_data_default.bin
 * are vendor files we do not ship, so a 3856-byte and a 128-byte random stand-in (the worst
 * case for compression) take their places.
 * Beside esptool, in real time through espdeck-sim --pty: side_by_side.py.
 *   bench-stubengine [FIRMWARE_DIR] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/detect.h"
#include "engine/stubclient.h"
#include "link/link.h"
#include "sim/sim.h"

#define BAUD 921600u

struct board {
	struct link *link;
	struct loader *ld;
	struct ed_error err;
};

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

static double now_s(struct board *b)
{
	return (double)link_now_us(b->link) / 1e6;
}

static int open_board(struct board *b)
{
	const char *spec = "sim://?clock=virtual";
	struct link_options lo = {.baud = 115200};
	uint32_t used = 0;
	struct loader_config cfg = {0};
	struct chip_info info;
	bool reused;
	if (link_open(spec, &lo, &b->link, &b->err) < 0 ||
	    loader_create(b->link, &cfg, &b->ld, &b->err) < 0 ||
	    loader_connect(b->ld, LOADER_BEFORE_DEFAULT_RESET, &b->err) < 0 ||
	    detect_chip(b->ld, &info, &b->err) < 0 ||
	    stubclient_start(b->ld, stub_blob_builtin(), NULL, &reused, &b->err) < 0 ||
	    stubclient_change_baud(b->ld, BAUD, &used, &b->err) < 0 || used != BAUD) {
		fprintf(stderr, "bench-stubengine: %s\n", b->err.msg);
		return 1;
	}
	return 0;
}

static void close_board(struct board *b)
{
	loader_destroy(b->ld);
	link_close(b->link);
}

/* Prints a row; returns its ratio to the wire limit. */
static double line(const char *what, double t, uint64_t payload)
{
	double wire = (double)payload * 10.0 / BAUD;
	printf("%-44s %8.2f s  wire limit %7.2f s  ratio %.2fx\n", what, t, wire, wire / t);
	return wire / t;
}

static void target(const char *what, double ratio, double want)
{
	printf("  target %-40s %.2fx, want >= %.2fx: %s\n", what, ratio, want,
	       ratio >= want ? "met" : "MISSED");
}

struct file {
	uint32_t offset;
	uint8_t *data;
	uint32_t size;
};

static uint8_t *load(const char *dir, const char *name, uint32_t *size)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *p = malloc(2u << 20);
	*size = p ? (uint32_t)fread(p, 1, 2u << 20, f) : 0;
	fclose(f);
	return p;
}

static int seed_layout(const char *dir, bool compress)
{
	struct file fs[5] = {{0x0, NULL, 0},
			     {0x3FC000, NULL, 0},
			     {0x3FE000, NULL, 0},
			     {0x1000, NULL, 0},
			     {0x101000, NULL, 0}};
	fs[0].size = 3856;
	fs[0].data = malloc(fs[0].size);
	rnd(fs[0].data, fs[0].size, 1);
	fs[1].size = 128;
	fs[1].data = malloc(fs[1].size);
	rnd(fs[1].data, fs[1].size, 2);
	fs[2].data = load(dir, "blank.bin", &fs[2].size);
	fs[3].data = load(dir, "user1.bin", &fs[3].size);
	fs[4].data = load(dir, "user2.bin", &fs[4].size);
	if (!fs[2].data || !fs[3].data || !fs[4].data) {
		fprintf(stderr, "bench-stubengine: no blank.bin, user1.bin, user2.bin in %s\n",
			dir);
		return 1;
	}
	struct board b;
	double t0 = 0; /* from the first byte on the line: the upload counts */
	if (open_board(&b))
		return 1;
	uint64_t payload = 0, sent = 0;
	for (int i = 0; i < 5; i++) {
		struct stubflash_write_result res;
		if (stubflash_write(b.ld, fs[i].offset, fs[i].data, fs[i].size, compress, NULL,
				    &res, &b.err) < 0) {
			fprintf(stderr, "bench-stubengine: %s\n", b.err.msg);
			return 1;
		}
		payload += fs[i].size;
		sent += res.sent;
	}
	char what[96];
	snprintf(what, sizeof what, "seed layout, %s (%llu B, %llu sent)",
		 compress ? "zlib" : "plain", (unsigned long long)payload,
		 (unsigned long long)sent);
	line(what, now_s(&b) - t0, payload);
	close_board(&b);
	for (int i = 0; i < 5; i++)
		free(fs[i].data);
	return 0;
}

static int random_mib(bool compress)
{
	uint32_t size = 1u << 20;
	uint8_t *data = malloc(size);
	rnd(data, size, 3);
	struct board b;
	if (open_board(&b))
		return 1;
	double t0 = now_s(&b);
	if (stubflash_write(b.ld, 0x100000, data, size, compress, NULL, NULL, &b.err) < 0) {
		fprintf(stderr, "bench-stubengine: %s\n", b.err.msg);
		return 1;
	}
	double ratio = line(compress ? "1 MiB random, zlib (write + MD5)"
				     : "1 MiB random, plain -u (write + MD5)",
			    now_s(&b) - t0, size);
	if (!compress)
		target("uncompressed stub write vs wire", ratio, 0.95);
	close_board(&b);
	free(data);
	return 0;
}

static int read_4mib(void)
{
	uint32_t size = 4u << 20;
	uint8_t *buf = malloc(size);
	struct board b;
	if (open_board(&b))
		return 1;
	double t0 = now_s(&b);
	if (stubflash_read(b.ld, 0, buf, size, NULL, &b.err) < 0) {
		fprintf(stderr, "bench-stubengine: %s\n", b.err.msg);
		return 1;
	}
	target("4 MiB read within 1.05x of wire time",
	       line("4 MiB read (READ_FLASH + MD5)", now_s(&b) - t0, size), 1 / 1.05);
	close_board(&b);
	free(buf);
	return 0;
}

/* Re-flashing a 1 MiB user1.bin with 1% changed (--diff) has its own benchmark, beside the
 * whole write of the same file on the same timing model: bench/stubdiff. */
static int user1_diff(void)
{
	printf("%-44s see bench/stubdiff (--diff)\n", "user1.bin 1 MiB, 1% changed");
	return 0;
}

int main(int argc, char **argv)
{
	if (!stub_blob_builtin()) {
		printf("built without the flasher stub: nothing to measure\n");
		return 0;
	}
	const char *dir = argc > 1 ? argv[1] : "firmware";
	printf("engine on the stub, virtual board, realistic timing, %u baud\n", BAUD);
	int rc = seed_layout(dir, true) || seed_layout(dir, false) || random_mib(true) ||
		 random_mib(false) || read_4mib() || user1_diff();
	return rc;
}
