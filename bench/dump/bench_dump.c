/* SPDX-License-Identifier: MIT
 * Dump inspector benchmarks on 16 MiB dumps (issue 6 targets): open and first paint
 * under 30 ms, a full search under 50 ms, a compare of two dumps under 100 ms, and the
 * --dump text at least as fast as xxd. Prints times and ratios; never fails on speed. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "dump/dump_diff.h"
#include "dump/dump_file.h"
#include "dump/dump_search.h"
#include "dump/dump_view.h"

extern char **environ;

#define DUMP_BYTES (16u << 20)
#define RUNS	   7

/* A 16 MiB flash as a bench sees it: boot loader, two 1 MiB app slots of code-like bytes,
 * init data near the end, everything else erased. */
static void fill_realistic(uint8_t *d)
{
	uint32_t x = 12345;
	memset(d, 0xFF, DUMP_BYTES);
	for (uint32_t i = 0; i < 0x200000; i++) {
		if (i < 0x1000 && i >= 0xF10)
			continue;
		x = x * 1103515245u + 12345u;
		d[i] = (uint8_t)(x >> 16);
		if ((x >> 8) % 7 == 0)
			d[i] = 0; /* code has plenty of zero bytes */
	}
	memset(d + 0xFFC000, 0, 128);
	d[0xFFC000] = 5;
}

static void fill_random(uint8_t *d)
{
	uint32_t x = 777;
	for (uint32_t i = 0; i < DUMP_BYTES; i++) {
		x = x * 1103515245u + 12345u;
		d[i] = (uint8_t)(x >> 16);
	}
}

static int write_file(const char *path, const uint8_t *d)
{
	struct ed_error err = {0};
	if (ed_write_file_atomic(path, d, DUMP_BYTES, &err) < 0) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double median_ms(uint64_t *us, int n)
{
	qsort(us, (size_t)n, sizeof *us, cmp_u64);
	return (double)us[n / 2] / 1000.0;
}

/* Open, build the line model, render the first 24 lines of width 16 into a buffer: what
 * the viewer does before its first frame. */
static double bench_open_paint(const char *path)
{
	uint64_t t[RUNS];
	char screen[24 * DUMP_LINE_MAX];
	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = ed_monotonic_us();
		struct dump_file *f = NULL;
		struct dump_view *v = NULL;
		if (dump_file_open(path, &f, NULL) < 0 ||
		    dump_view_create(dump_file_data(f), dump_file_size(f), 0, 16, &v, NULL) < 0)
			return -1;
		struct dump_line l;
		size_t used = 0;
		dump_view_line_at(v, 0, &l);
		for (int i = 0; i < 24; i++) {
			used += dump_view_render_line(v, &l, screen + used, sizeof screen - used);
			screen[used++] = '\n';
			if (!dump_view_next(v, &l, &l))
				break;
		}
		t[r] = ed_monotonic_us() - t0;
		dump_view_destroy(v);
		dump_file_destroy(f);
	}
	return median_ms(t, RUNS);
}

static double bench_search(const uint8_t *d, const char *pattern, size_t *count)
{
	struct dump_pattern p;
	uint64_t t[RUNS];
	if (dump_pattern_parse(pattern, &p, NULL) < 0)
		return -1;
	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = ed_monotonic_us();
		*count = dump_search_count(d, DUMP_BYTES, &p);
		t[r] = ed_monotonic_us() - t0;
	}
	return median_ms(t, RUNS);
}

static double bench_compare(const uint8_t *a, const uint8_t *b, uint64_t *bytes)
{
	uint64_t t[RUNS];
	for (int r = 0; r < RUNS; r++) {
		struct dump_diff *d = NULL;
		uint64_t t0 = ed_monotonic_us();
		if (dump_diff_create(a, DUMP_BYTES, b, DUMP_BYTES, 0, &d, NULL) < 0)
			return -1;
		t[r] = ed_monotonic_us() - t0;
		*bytes = dump_diff_bytes(d);
		dump_diff_destroy(d);
	}
	return median_ms(t, RUNS);
}

/* Runs argv with stdout on /dev/null; returns the wall time in ms or -1. */
static double run_ms(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	uint64_t t0 = ed_monotonic_us();
	pid_t pid;
	int status = 1;
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0 ||
	    waitpid(pid, &status, 0) < 0)
		status = 1;
	posix_spawn_file_actions_destroy(&fa);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return (double)(ed_monotonic_us() - t0) / 1000.0;
}

static double best_of(char *const argv[], int n)
{
	double best = -1;
	for (int i = 0; i < n; i++) {
		double ms = run_ms(argv);
		if (ms < 0)
			return -1;
		if (best < 0 || ms < best)
			best = ms;
	}
	return best;
}

static void bench_text(const char *espdeck, const char *path, const char *what)
{
	char *ours[] = {(char *)espdeck, "hexview", "--dump", (char *)path, NULL};
	char *xxd[] = {"xxd", (char *)path, NULL};
	double a = best_of(ours, 3), b = best_of(xxd, 3);
	if (a < 0) {
		printf("--dump text (%s): espdeck hexview --dump failed\n", what);
		return;
	}
	if (b < 0) {
		printf("--dump text (%s): %.1f ms; xxd not installed, no ratio\n", what, a);
		return;
	}
	printf("--dump text (%s): %.1f ms, xxd %.1f ms: %.1fx xxd's speed (target >= 1)\n", what, a,
	       b, b / a);
}

int main(void)
{
	char dir[] = "/tmp/espdeck-bench-dump-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char pa[64], pb[64], pr[64];
	snprintf(pa, sizeof pa, "%s/a.bin", dir);
	snprintf(pb, sizeof pb, "%s/b.bin", dir);
	snprintf(pr, sizeof pr, "%s/random.bin", dir);
	uint8_t *a = malloc(DUMP_BYTES), *b = malloc(DUMP_BYTES), *r = malloc(DUMP_BYTES);
	int rc = 1;
	if (!a || !b || !r)
		goto out;
	fill_realistic(a);
	memcpy(b, a, DUMP_BYTES);
	for (uint32_t i = 0; i < DUMP_BYTES; i += 40009)
		b[i] ^= 0x10; /* 420 scattered differences, in most sectors */
	fill_random(r);
	if (write_file(pa, a) < 0 || write_file(pb, b) < 0 || write_file(pr, r) < 0)
		goto out;

	double ms = bench_open_paint(pa);
	printf("open + first paint, 16 MiB: %.2f ms (target < 30 ms: %.0f%% of it)\n", ms,
	       ms / 30.0 * 100.0);
	size_t count = 0;
	ms = bench_search(a, "de ad be ef 42", &count);
	printf("full search, 16 MiB, absent pattern: %.2f ms, %zu matches (target < 50 ms: "
	       "%.0f%%)\n",
	       ms, count, ms / 50.0 * 100.0);
	ms = bench_search(a, "e9 ?? 00 ??", &count);
	printf("full search, 16 MiB, wildcards: %.2f ms, %zu matches (target < 50 ms: %.0f%%)\n",
	       ms, count, ms / 50.0 * 100.0);
	ms = bench_search(a, "ff ff ff ff", &count);
	printf("full search, 16 MiB, 0xFF run (dense matches): %.2f ms, %zu matches (target < 50 "
	       "ms: %.0f%%)\n",
	       ms, count, ms / 50.0 * 100.0);
	ms = bench_search(r, "\"rf_cal", &count);
	printf("full search, 16 MiB random, text: %.2f ms, %zu matches (target < 50 ms: %.0f%%)\n",
	       ms, count, ms / 50.0 * 100.0);
	uint64_t bytes = 0;
	ms = bench_compare(a, b, &bytes);
	printf("compare two 16 MiB dumps: %.2f ms, %llu differing bytes (target < 100 ms: "
	       "%.0f%%)\n",
	       ms, (unsigned long long)bytes, ms / 100.0 * 100.0);
	ms = bench_compare(a, r, &bytes);
	printf("compare two 16 MiB dumps, all different: %.2f ms, %llu differing bytes "
	       "(target < 100 ms: %.0f%%)\n",
	       ms, (unsigned long long)bytes, ms / 100.0 * 100.0);

	const char *espdeck = getenv("ESPDECK");
	if (espdeck && *espdeck) {
		bench_text(espdeck, pa, "16 MiB flash, 14 MiB erased");
		bench_text(espdeck, pr, "16 MiB random, nothing to collapse");
	} else {
		printf("--dump text: ESPDECK not set, skipped\n");
	}
	rc = 0;
out:
	unlink(pa);
	unlink(pb);
	unlink(pr);
	rmdir(dir);
	free(a);
	free(b);
	free(r);
	return rc;
}
