/* SPDX-License-Identifier: MIT
 * Unit tests for SHA-256: the FIPS 180-4 example messages (one block, two blocks, a million
 * 'a'), every split of a message across updates, and agreement with sha256sum on the files
 * of this build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/sha256.h"

static void check_hex(const void *msg, size_t len, const char *want)
{
	uint8_t digest[32];
	char hex[65];
	sha256_buffer(msg, len, digest);
	sha256_hex(digest, hex);
	assert_string_equal(hex, want);
}

static void test_fips_vectors(void **state)
{
	check_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* 448 bits: the padding needs a second block. */
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	check_hex(two, strlen(two),
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	const char *long_msg = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
			       "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	check_hex(long_msg, strlen(long_msg),
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a(void **state)
{
	struct sha256 ctx;
	uint8_t chunk[1000];
	uint8_t digest[32];
	char hex[65];
	memset(chunk, 'a', sizeof chunk);
	sha256_init(&ctx);
	for (int i = 0; i < 1000; i++)
		sha256_update(&ctx, chunk, sizeof chunk);
	sha256_final(&ctx, digest);
	sha256_hex(digest, hex);
	assert_string_equal(hex,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Lengths around the block and padding edges (55, 56, 63, 64, 119, 120 ...), each split into
 * two updates at every position, must give the one-shot digest. */
static void test_every_split(void **state)
{
	uint8_t msg[200];
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 0; len <= sizeof msg; len++) {
		uint8_t whole[32];
		sha256_buffer(msg, len, whole);
		for (size_t cut = 0; cut <= len; cut++) {
			struct sha256 ctx;
			uint8_t split[32];
			sha256_init(&ctx);
			sha256_update(&ctx, msg, cut);
			sha256_update(&ctx, msg + cut, len - cut);
			sha256_final(&ctx, split);
			assert_memory_equal(split, whole, 32);
		}
	}
}

static void check_against_sha256sum(const char *path)
{
	char cmd[4200];
	char want[65] = "";
	char got[65];
	struct ed_error err;
	snprintf(cmd, sizeof cmd, "sha256sum '%s'", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%64s", want), 1);
	assert_int_equal(pclose(p), 0);
	ed_error_clear(&err);
	assert_int_equal(sha256_file_hex(path, got, &err), ED_OK);
	assert_string_equal(got, want);
}

static void test_agrees_with_sha256sum(void **state)
{
	const char *build = getenv("ESPDECK_BUILD_ROOT");
	const char *source = getenv("ESPDECK_SOURCE_ROOT");
	assert_non_null(build);
	assert_non_null(source);
	const char *files[][2] = {
	    {build, "espdeck"}, /* megabytes, many blocks */
	    {build, "espdeck-sim"},  {build, "build.ninja"},
	    {source, "meson.build"}, {source, "src/core/sha256.c"},
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", files[i][0], files[i][1]);
		check_against_sha256sum(path);
	}
}

static void test_missing_file(void **state)
{
	char hex[65];
	struct ed_error err;
	ed_error_clear(&err);
	assert_int_equal(sha256_file_hex("no/such/stub.bin", hex, &err), ED_ERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "cannot open no/such/stub.bin to checksum it"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fips_vectors), cmocka_unit_test(test_million_a),
	    cmocka_unit_test(test_every_split),	 cmocka_unit_test(test_agrees_with_sha256sum),
	    cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
