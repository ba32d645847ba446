/* SPDX-License-Identifier: MIT
 * Benchmark: the flasher stub's inflater (firmware/stub/core/inflate.c) on the host, fed in
 * 16 KiB pieces as FLASH_DEFL_DATA delivers them, beside zlib's inflate on the same
 * streams. Prints output MB/s (best of several runs of CPU time, which other jobs on a
 * shared machine disturb less than wall time) and host nanoseconds per output byte. The
 * ESP8266 figure (instructions per output byte under QEMU) is in bench/inflate/README. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "../../firmware/stub/core/inflate.h"

#define RUNS   7
#define PACKET 0x4000u

static struct inflater inf;
static uint64_t sink_sum;

static int sink(void *ctx, const uint8_t *p, uint32_t n)
{
	(void)ctx;
	sink_sum += p[0] + p[n - 1]; /* touch the output as a flash write would */
	return 0;
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double ours(const uint8_t *c, size_t cn, size_t n)
{
	double best = 1e9;
	for (int r = 0; r < RUNS; r++) {
		double t0 = cpu_seconds();
		inflate_init(&inf, (uint32_t)n, sink, NULL);
		int rc = INFLATE_MORE;
		for (size_t pos = 0; pos < cn && rc == INFLATE_MORE; pos += PACKET)
			rc = inflate_feed(&inf, c + pos,
					  (uint32_t)(cn - pos < PACKET ? cn - pos : PACKET));
		if (rc != INFLATE_DONE || inflate_total_out(&inf) != n) {
			fprintf(stderr, "bench-inflate: %s\n", inflate_strerror(rc));
			exit(1);
		}
		double t = cpu_seconds() - t0;
		best = t < best ? t : best;
	}
	return best;
}

static double theirs(const uint8_t *c, size_t cn, uint8_t *out, size_t n)
{
	double best = 1e9;
	for (int r = 0; r < RUNS; r++) {
		double t0 = cpu_seconds();
		uLongf len = n;
		if (uncompress(out, &len, c, cn) != Z_OK || len != n)
			exit(1);
		double t = cpu_seconds() - t0;
		best = t < best ? t : best;
	}
	return best;
}

static void bench(const char *name, const uint8_t *data, size_t n, int level)
{
	uLongf cn = compressBound(n);
	uint8_t *c = malloc(cn), *out = malloc(n);
	if (!c || !out || compress2(c, &cn, data, n, level) != Z_OK)
		exit(1);
	double t_ours = ours(c, cn, n), t_zlib = theirs(c, cn, out, n);
	printf("%-34s %8zu -> %7lu  ours %7.1f MB/s %6.2f ns/B   zlib %7.1f MB/s\n", name, n,
	       (unsigned long)cn, n / t_ours / 1e6, t_ours * 1e9 / n, n / t_zlib / 1e6);
	free(c);
	free(out);
}

static uint8_t *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc(size > 0 ? (size_t)size : 1);
	*n = p ? fread(p, 1, (size_t)size, f) : 0;
	fclose(f);
	return p;
}

int main(int argc, char **argv)
{
	size_t n = 1u << 20;
	uint8_t *d = malloc(n);
	uint32_t x = 1;
	if (!d)
		return 1;
	printf("inflate, host, 16 KiB feeds, output MB/s (best of %d, CPU time)\n", RUNS);
	for (int i = 1; i < argc; i++) { /* machine code, compressed as esptool does (9) */
		size_t fn;
		uint8_t *f = read_file(argv[i], &fn);
		const char *base = strrchr(argv[i], '/');
		if (f && fn) {
			char name[64];
			snprintf(name, sizeof name, "%s (level 9)", base ? base + 1 : argv[i]);
			bench(name, f, fn, 9);
		}
		free(f);
	}
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		d[i] = (uint8_t)x;
	}
	bench("1 MiB random (level 9: stored)", d, n, 9);
	static const char *words[] = {"flash ", "sector ",    "erase ", "0x3FC000 ",
				      "boot ",	"user1.bin ", "\n",	"esp_init_data ",
				      "OHAI ",	"SLIP "};
	for (size_t i = 0; i < n;) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		for (const char *w = words[x % 10]; *w && i < n; w++)
			d[i++] = (uint8_t)*w;
	}
	bench("1 MiB text (level 9)", d, n, 9);
	bench("1 MiB text (level 1)", d, n, 1);
	memset(d, 0xFF, n);
	bench("1 MiB 0xFF (level 9)", d, n, 9);
	free(d);
	return sink_sum == 42; /* keep the sink's work */
}
