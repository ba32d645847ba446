/* SPDX-License-Identifier: MIT
 * The SPI NOR model on its own: erase to 0xFF, program ANDs, page wrap, the write-enable
 * latch, the busy bit, address wrap, SFDP, and the backing file's rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/util.h"
#include "sim/norflash.h"

static const struct nor_timing T = {.page_ns = 700000,
				    .sector_ns = 45000000,
				    .block32_ns = 120000000,
				    .block64_ns = 150000000,
				    .chip_ns = 2000000000,
				    .wrsr_ns = 10000000};

static struct nor *make(uint32_t size)
{
	struct nor *n;
	struct ed_error err;
	if (nor_create(size, 0x1340EF, NULL, &T, &n, &err) < 0)
		fail_msg("%s", err.msg);
	return n;
}

static void test_program_ands_and_wraps(void **state)
{
	(void)state;
	struct nor *n = make(0x80000);
	const uint8_t *d = nor_data(n);
	assert_int_equal(d[0], 0xFF);
	uint8_t a[4] = {0xF0, 0x0F, 0x55, 0xAA};
	assert_false(nor_page_program(n, 0x1FE, a, 4, 0)); /* no WEL: ignored */
	assert_int_equal(d[0x1FE], 0xFF);
	nor_write_enable(n, 0);
	assert_true(nor_page_program(n, 0x1FE, a, 4, 0));
	/* Bytes past the page end wrap to the start of the same page. */
	assert_int_equal(d[0x1FE], 0xF0);
	assert_int_equal(d[0x1FF], 0x0F);
	assert_int_equal(d[0x100], 0x55);
	assert_int_equal(d[0x101], 0xAA);
	assert_int_equal(d[0x200], 0xFF);
	/* Busy for the page time: a second program is ignored, status shows WIP|WEL. */
	assert_int_equal(nor_status(n, 100), 0x03);
	nor_write_enable(n, 100);
	assert_false(nor_page_program(n, 0x1FE, a, 1, 100));
	assert_int_equal(nor_status(n, 700000), 0x00);
	/* Program only clears bits. */
	uint8_t b[1] = {0x0F};
	nor_write_enable(n, 700000);
	assert_true(nor_page_program(n, 0x1FE, b, 1, 700000));
	assert_int_equal(d[0x1FE], 0x00);
	nor_destroy(n);
}

static void test_erase_units_and_wrap(void **state)
{
	(void)state;
	struct nor *n = make(0x40000);
	const uint8_t *d = nor_data(n);
	uint8_t z[256];
	memset(z, 0, sizeof z);
	uint64_t t = 0;
	for (uint32_t a = 0; a < 0x40000; a += 256) {
		nor_write_enable(n, t);
		assert_true(nor_page_program(n, a, z, 256, t));
		t = nor_busy_until(n);
	}
	/* Sector erase ignores the low address bits and takes its time. */
	nor_write_enable(n, t);
	assert_true(nor_erase(n, 0x1234, NOR_SECTOR, t));
	assert_int_equal(nor_busy_until(n) - t, 45000000);
	assert_int_equal(d[0x1000], 0xFF);
	assert_int_equal(d[0x1FFF], 0xFF);
	assert_int_equal(d[0x0FFF], 0x00);
	assert_int_equal(d[0x2000], 0x00);
	t = nor_busy_until(n);
	/* Addresses above the chip size wrap (0x48000 is 0x8000 on a 256 KiB part). */
	nor_write_enable(n, t);
	assert_true(nor_erase(n, 0x48000, NOR_BLOCK32, t));
	assert_int_equal(d[0x8000], 0xFF);
	assert_int_equal(d[0xFFFF], 0xFF);
	assert_int_equal(d[0x10000], 0x00);
	t = nor_busy_until(n);
	nor_write_enable(n, t);
	assert_true(nor_erase(n, 0x20000, NOR_BLOCK64, t));
	assert_int_equal(nor_busy_until(n) - t, 150000000);
	assert_int_equal(d[0x2FFFF], 0xFF);
	t = nor_busy_until(n);
	nor_write_enable(n, t);
	nor_write_disable(n, t);
	assert_false(nor_chip_erase(n, t)); /* WRDI cleared the latch */
	nor_write_enable(n, t);
	assert_true(nor_chip_erase(n, t));
	for (uint32_t a = 0; a < 0x40000; a++)
		if (d[a] != 0xFF)
			fail_msg("0x%x not erased", a);
	uint8_t r[4];
	nor_read(n, 0x3FFFE, r, 4); /* read wraps too */
	assert_int_equal(r[3], 0xFF);
	nor_destroy(n);
}

/* Block protection from the status registers (W25Q): programs and erases touching a
 * protected address are taken (latch used up) and ignored. */
static void test_block_protection(void **state)
{
	(void)state;
	struct nor *n = make(0x400000);
	const uint8_t *d = nor_data(n);
	uint8_t a[1] = {0x00};
	uint64_t t = 0;
	nor_set_protection(n, 0x04); /* BP0: the top 1/64, 64 KiB */
	assert_true(nor_protected(n, 0x3F0000, 1));
	assert_false(nor_protected(n, 0x3EFFFF, 1));
	nor_write_enable(n, t);
	assert_true(nor_page_program(n, 0x3F0000, a, 1, t));
	assert_int_equal(d[0x3F0000], 0xFF);	  /* ignored */
	assert_int_equal(nor_status(n, t), 0x00); /* latch gone, not busy */
	nor_write_enable(n, t);
	assert_true(nor_page_program(n, 0x3E0000, a, 1, t));
	assert_int_equal(d[0x3E0000], 0x00);
	t += 1000000000;
	nor_set_protection(n, 0x24); /* TB: the bottom 64 KiB */
	assert_true(nor_protected(n, 0, 1) && !nor_protected(n, 0x10000, 1));
	nor_write_enable(n, t);
	assert_true(nor_erase(n, 0x3E0000, 0x1000, t));
	assert_int_equal(d[0x3E0000], 0xFF); /* not protected now: erased */
	t += 1000000000;
	nor_set_protection(n, 0x1C); /* BP0-2: everything */
	assert_true(nor_protected(n, 0x123456, 1));
	nor_write_enable(n, t);
	assert_true(nor_page_program(n, 0x123456, a, 1, t));
	assert_int_equal(d[0x123456], 0xFF);
	nor_set_protection(n, 0x4044); /* SEC + BP0: 4 KiB at the top; CMP: all but it */
	assert_true(nor_protected(n, 0, 1) && !nor_protected(n, 0x3FF000, 0x1000));
	nor_set_protection(n, 0);
	assert_false(nor_protected(n, 0, 0x400000));
	nor_destroy(n);
}

static void test_sfdp(void **state)
{
	(void)state;
	struct nor *n = make(0x400000);
	uint8_t s[0x11];
	nor_read_sfdp(n, 0, s, sizeof s);
	assert_memory_equal(s, "SFDP", 4);
	assert_int_equal(s[8], 0x00);	     /* JEDEC basic parameter header */
	assert_int_not_equal(s[0x10], 0x20); /* esptool's XMC check looks for 0x20 here */
	uint8_t dens[4];
	nor_read_sfdp(n, 0x84, dens, 4);
	assert_int_equal(get_le32(dens), 0x400000u * 8 - 1); /* density in bits - 1 */
	nor_destroy(n);
}

static void test_sizes_and_file(void **state)
{
	(void)state;
	struct nor *n;
	struct ed_error err;
	assert_int_equal(nor_create(0x300000, 0, NULL, &T, &n, &err), ED_ERR_ARG);
	assert_null(n);
	assert_non_null(strstr(err.msg, "power of two from 256KB to 16MB"));
	assert_int_equal(nor_create(0x2000000, 0, NULL, &T, &n, &err), ED_ERR_ARG);
	char path[] = "/tmp/espdeck-nor-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd); /* empty: created erased */
	assert_int_equal(nor_create(0x40000, 0x1240EF, path, &T, &n, &err), 0);
	uint8_t a = 0x42;
	nor_write_enable(n, 0);
	nor_page_program(n, 0x100, &a, 1, 0);
	nor_destroy(n);
	uint8_t *data;
	size_t size;
	assert_int_equal(ed_read_file(path, &data, &size, 1 << 20, &err), 0);
	assert_int_equal(size, 0x40000);
	assert_int_equal(data[0x100], 0x42);
	assert_int_equal(data[0x101], 0xFF);
	free(data);
	assert_int_equal(nor_create(0x80000, 0, path, &T, &n, &err), ED_ERR_ARG);
	assert_non_null(strstr(err.msg, "has 262144 bytes but the flash is 524288 bytes"));
	unlink(path);
	assert_int_equal(nor_create(0x40000, 0, "/nonexistent-dir/f.bin", &T, &n, &err), ED_ERR_IO);
	assert_non_null(strstr(err.msg, "cannot open flash file /nonexistent-dir/f.bin"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_program_ands_and_wraps),
	    cmocka_unit_test(test_erase_units_and_wrap),
	    cmocka_unit_test(test_block_protection),
	    cmocka_unit_test(test_sfdp),
	    cmocka_unit_test(test_sizes_and_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
