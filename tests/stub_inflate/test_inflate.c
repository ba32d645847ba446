/* SPDX-License-Identifier: MIT
 * The flasher stub's inflater (firmware/stub/core/inflate.c) against zlib: thousands of
 * streams from zlib's compressor (every level, strategy, window and memory setting, mixed
 * block types, random / repetitive / text data, 0 bytes to 1 MiB, the firmware images of
 * the build, machine code), fed whole, one byte at a time, cut at every byte and cut at
 * random places; random damage judged against zlib. The corrupt-stream cases are in
 * test_inflate_errors.c. Arguments: machine-code files of firmware size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inflate_harness.h"

/* ---- the zlib matrix ---- */

static void test_small_streams_all_levels_and_strategies(void **state)
{
	static const size_t sizes[] = {0, 1, 2, 3, 4, 5, 7, 31, 100, 259, 1000, 4099};
	uint8_t *data = malloc(4099);
	assert_non_null(data);
	unsigned long before = n_streams;
	for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
		for (int kind = 0; kind < K_COUNT; kind++) {
			make_data(data, sizes[si], kind);
			for (int level = 0; level <= 9; level++) {
				for (int st = 0; st < 5; st++) {
					struct zparams zp = {level, strategies[st], 15, 8, 0, 0};
					round_trip(data, sizes[si], &zp);
				}
			}
		}
	}
	free(data);
	printf("# small: %lu streams (0..4099 bytes, 6 kinds, levels 0-9, 5 strategies)\n",
	       n_streams - before);
}

static void test_windows_memlevels_flushes(void **state)
{
	size_t n = 70000; /* more than twice the window: wraps, far matches */
	uint8_t *data = malloc(n);
	assert_non_null(data);
	unsigned long before = n_streams;
	for (int kind = 0; kind < K_COUNT; kind++) {
		make_data(data, n, kind);
		for (int wbits = 9; wbits <= 15; wbits += 3) {
			for (int mem = 1; mem <= 9; mem += 4) {
				struct zparams zp = {
				    1 + (int)(rnd() % 9), Z_DEFAULT_STRATEGY, wbits, mem, 0, 0};
				round_trip(data, n, &zp);
			}
		}
		/* empty stored blocks (sync/full flush), empty fixed blocks (Z_BLOCK,
		 * partial flush), and a level/strategy change inside one stream */
		for (size_t every = 1; every <= 20000; every *= 37) {
			struct zparams zp = {
			    (int)(rnd() % 10), strategies[rnd() % 5], 15, 8, every, 1};
			round_trip(data, every == 1 ? 3000 : n, &zp);
		}
	}
	free(data);
	printf("# windows/memLevels/flushes: %lu streams of up to 70000 bytes\n",
	       n_streams - before);
}

static void test_one_mebibyte(void **state)
{
	size_t n = 1u << 20;
	uint8_t *data = malloc(n);
	assert_non_null(data);
	static const int kinds[] = {K_RANDOM, K_TEXT, K_MIXED, K_RUNS};
	static const int levels[] = {0, 1, 6, 9};
	for (int i = 0; i < 4; i++) {
		make_data(data, n, kinds[i]);
		struct zparams zp = {levels[i], Z_DEFAULT_STRATEGY, 15, 8, 0, 0};
		round_trip(data, n, &zp);
	}
	free(data);
}

static void test_firmware_images(void **state)
{
	const char *root = getenv("ESPDECK_BUILD_ROOT");
	char path[4096];
	snprintf(path, sizeof path, "%s/firmware", root ? root : ".");
	DIR *dir = opendir(path);
	int images = 0;
	for (struct dirent *e; dir && (e = readdir(dir));) {
		size_t l = strlen(e->d_name), n = 0;
		if (l < 5 || strcmp(e->d_name + l - 4, ".bin"))
			continue;
		snprintf(path, sizeof path, "%s/firmware/%s", root ? root : ".", e->d_name);
		uint8_t *data = read_file(path, &n);
		assert_non_null(data);
		for (int level = 0; level <= 9; level++) {
			struct zparams zp = {level, Z_DEFAULT_STRATEGY, 15, 8, 0, 0};
			round_trip(data, n, &zp);
		}
		free(data);
		images++;
	}
	if (dir)
		closedir(dir);
	printf("# firmware images: %d (levels 0-9)\n", images);
	if (!images)
		skip(); /* no cross compiler: the build made no images */
}

static int n_code_files;
static char **code_files;

/* The demo images are small; machine code of firmware size: the espdeck executable and,
 * with the cross compiler, its lx106 libgcc.a (xtensa code, as in a real firmware); at
 * most their first MiB (an ASan build of espdeck is 7 MB). */
static void test_machine_code(void **state)
{
	static const int levels[] = {1, 6, 9};
	for (int i = 0; i < n_code_files; i++) {
		size_t n = 0;
		uint8_t *data = read_file(code_files[i], &n);
		if (!data)
			fail_msg("cannot read %s", code_files[i]);
		if (n > 1u << 20)
			n = 1u << 20;
		for (int l = 0; l < 3; l++) {
			struct zparams zp = {levels[l], Z_DEFAULT_STRATEGY, 15, 8, 0, 0};
			round_trip(data, n, &zp);
		}
		printf("# machine code: %zu bytes at levels 1, 6, 9\n", n);
		free(data);
	}
	if (!n_code_files)
		skip();
}

static void test_damage_against_zlib(void **state)
{
	static uint8_t zout[1 << 16];
	unsigned long agree_ok = 0, agree_bad = 0;
	for (int round = 0; round < 3000; round++) {
		size_t n = 1 + rnd() % 3000, cn, zl;
		uint8_t *data = malloc(n);
		assert_non_null(data);
		make_data(data, n, (enum kind)(rnd() % K_COUNT));
		struct zparams zp = {(int)(rnd() % 10), strategies[rnd() % 5], 15, 8, 0, 0};
		uint8_t *c = zcompress(data, n, &zp, &cn);
		int flips = 1 + (int)(rnd() % 3);
		for (int i = 0; i < flips; i++) {
			/* the Adler-32 would catch nearly all; damage the deflate data and,
			 * half the time, recompute nothing: both verdicts are compared */
			size_t at = 2 + rnd() % (cn > 6 ? cn - 6 : 1);
			c[at] ^= (uint8_t)(1u << (rnd() % 8));
		}
		if (rnd() % 4 == 0)
			cn -= rnd() % cn; /* and sometimes cut */
		size_t trailer_at;
		for (int pass = 0; pass < 2; pass++) {
			int z_ok = zlib_verdict(c, cn, zout, sizeof zout, &zl, &trailer_at);
			size_t cut = cn ? rnd() % cn : 0;
			int rc = ours_split(c, cn, &cut, cn ? 1 : 0, UINT32_MAX);
			if (z_ok) {
				assert_int_equal(rc, INFLATE_DONE);
				expect_same(zout, zl, "damaged but valid");
				agree_ok++;
			} else {
				if (rc >= 0)
					fail_msg("zlib rejects a %zu-byte stream we accept", cn);
				agree_bad++;
			}
			if (trailer_at == cn)
				break;
			uint32_t a = (uint32_t)adler32(adler32(0, NULL, 0), zout, (uInt)zl);
			for (int i = 0; i < 4; i++)
				c[trailer_at + (size_t)i] = (uint8_t)(a >> (24 - 8 * i));
		}
		free(c);
		free(data);
	}
	printf("# damaged streams: %lu accepted by both, %lu rejected by both\n", agree_ok,
	       agree_bad);
}

static int print_totals(void **state)
{
	printf("# total: %lu zlib streams, %lu inflations, %llu bytes inflated and compared\n",
	       n_streams, n_inflations, n_bytes_out);
	free(out.data);
	return 0;
}

int main(int argc, char **argv)
{
	n_code_files = argc - 1;
	code_files = argv + 1;
	out.cap = 1u << 21; /* grows in sink_cb; never NULL, for memcmp */
	out.data = malloc(out.cap);
	if (!out.data)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_damage_against_zlib),
	    cmocka_unit_test(test_small_streams_all_levels_and_strategies),
	    cmocka_unit_test(test_windows_memlevels_flushes),
	    cmocka_unit_test(test_one_mebibyte),
	    cmocka_unit_test(test_firmware_images),
	    cmocka_unit_test(test_machine_code),
	};
	int failed = run_error_tests();
	failed +=
	    cmocka_run_group_tests_name("stub inflate: against zlib", tests, NULL, print_totals);
	return failed ? 1 : 0;
}
