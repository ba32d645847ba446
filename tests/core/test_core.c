/* SPDX-License-Identifier: MIT
 * Unit tests: error model, number parsing, atomic files, flash parameter tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/flash_params.h"
#include "core/util.h"

static void test_parse_numbers(void **state)
{
	uint32_t v;
	assert_true(ed_parse_u32("0x3FC000", &v));
	assert_int_equal(v, 0x3FC000);
	assert_true(ed_parse_u32("0x01000", &v));
	assert_int_equal(v, 0x1000);
	assert_true(ed_parse_u32("2048", &v));
	assert_int_equal(v, 2048);
	assert_true(ed_parse_u32("0", &v));
	assert_int_equal(v, 0);
	assert_true(ed_parse_u32("0b101", &v));
	assert_int_equal(v, 5);
	assert_true(ed_parse_u32("1_000", &v));
	assert_int_equal(v, 1000);
	assert_true(ed_parse_u32("0xFFFFFFFF", &v));
	assert_int_equal(v, 0xFFFFFFFFu);
	assert_false(ed_parse_u32("0x100000000", &v));
	assert_false(ed_parse_u32("", &v));
	assert_false(ed_parse_u32("0x", &v));
	assert_false(ed_parse_u32("12abc", &v));
	assert_false(ed_parse_u32("017", &v)); /* Python rejects leading zeros */
	assert_false(ed_parse_u32("-1", &v));
	assert_false(ed_parse_u32(NULL, &v));
	assert_true(ed_parse_size("4M", &v));
	assert_int_equal(v, 4u << 20);
	assert_true(ed_parse_size("64k", &v));
	assert_int_equal(v, 65536);
	assert_false(ed_parse_size("4G", &v));
}

static void test_error_context(void **state)
{
	struct ed_error err;
	ed_error_clear(&err);
	assert_int_equal(ed_fail(&err, ED_ERR_TIMEOUT, "no reply after %d tries", 7),
			 ED_ERR_TIMEOUT);
	assert_int_equal(err.code, ED_ERR_TIMEOUT);
	assert_string_equal(err.msg, "no reply after 7 tries");
	ed_error_prefix(&err, "on %s", "sim://");
	assert_string_equal(err.msg, "on sim://: no reply after 7 tries");
	assert_string_equal(ed_strerror(ED_ERR_TIMEOUT), "timed out");
	assert_int_equal(ed_fail(NULL, ED_ERR_IO, "x"), ED_ERR_IO);
}

static void test_atomic_file(void **state)
{
	char dir[] = "/tmp/espdeck-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/dump.bin", dir);
	uint8_t data[5000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7);
	struct ed_error err;
	assert_int_equal(ed_write_file_atomic(path, data, sizeof data, &err), ED_OK);
	uint8_t *back = NULL;
	size_t size = 0;
	assert_int_equal(ed_read_file(path, &back, &size, 1 << 20, &err), ED_OK);
	assert_int_equal(size, sizeof data);
	assert_memory_equal(back, data, size);
	free(back);
	assert_int_equal(ed_read_file(path, &back, &size, 100, &err), ED_ERR_FORMAT);
	assert_null(back);
	char missing[300];
	snprintf(missing, sizeof missing, "%s/nope/dump.bin", dir);
	assert_int_equal(ed_write_file_atomic(missing, data, 4, &err), ED_ERR_IO);
	assert_non_null(strstr(err.msg, "nope/dump.bin"));
	assert_int_equal(ed_read_file(missing, &back, &size, 100, &err), ED_ERR_NOTFOUND);
	unlink(path);
	rmdir(dir);
}

static void test_flash_params(void **state)
{
	const struct flash_size_info *s = flash_size_by_name("32m-c1");
	assert_non_null(s);
	assert_ptr_equal(s, flash_size_by_name("4MB-c1"));
	assert_int_equal(s->size_map, 6);
	assert_int_equal(s->bytes, 4u << 20);
	assert_int_equal(flash_size_by_name("512KB")->size_map, 0);
	assert_int_equal(flash_size_by_name("2m")->size_map, 1);
	assert_int_equal(flash_size_by_name("16MB")->size_map, 9);
	assert_null(flash_size_by_name("3MB"));
	/* issue 15: "4M" silently meant 4 megabits = 512 KB */
	assert_null(flash_size_by_name("4M"));
	assert_null(flash_size_by_name("32M-c1"));
	assert_ptr_equal(flash_size_by_name("4mb"), flash_size_by_name("4MB"));
	char why[512], label[48];
	assert_null(flash_size_parse("4M", why, sizeof why));
	assert_string_equal(why, "flash size '4M' is ambiguous: it could mean 4MB (megabytes, "
				 "size_map 4), or the old megabit name 4m = 512KB (size_map 0); "
				 "write 4MB or 4m");
	assert_null(flash_size_parse("128M", why, sizeof why));
	assert_non_null(strstr(why, "128MB, which is no ESP8266 flash size, or the old megabit "
				    "name 128m = 16MB (size_map 9); write 128m"));
	assert_null(flash_size_parse("5M", why, sizeof why));
	assert_non_null(strstr(why, "unknown flash size '5M' (use 256KB"));
	assert_ptr_equal(flash_size_parse("16m-c1", why, sizeof why), flash_size_by_name("2MB-c1"));
	assert_string_equal(flash_size_label("32m-c1", label, sizeof label), "32m-c1 = 4MB-c1");
	assert_string_equal(flash_size_label("4MB", label, sizeof label), "4MB");
	assert_string_equal(flash_size_by_map(5)->name, "2MB-c1");
	assert_null(flash_size_by_map(7));
	assert_int_equal(flash_freq_by_name("80m")->code, 0xF);
	assert_int_equal(flash_freq_by_name("26m")->code, 1);
	assert_null(flash_freq_by_name("30m"));
	assert_int_equal(flash_mode_by_name("QIO"), FLASH_MODE_QIO);
	assert_int_equal(flash_mode_by_name("dout"), FLASH_MODE_DOUT);
	assert_int_equal(flash_mode_by_name("fast"), -1);
	assert_int_equal(flash_size_from_jedec(0x1640EF), 4u << 20);
	assert_int_equal(flash_size_from_jedec(0x1840C8), 16u << 20);
	assert_int_equal(flash_size_from_jedec(0x3240EF), 256u << 10);
	assert_int_equal(flash_size_from_jedec(0xFFFFFF), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_numbers),
	    cmocka_unit_test(test_error_context),
	    cmocka_unit_test(test_atomic_file),
	    cmocka_unit_test(test_flash_params),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
