/* SPDX-License-Identifier: MIT
 * The virtual board's quirks that QA and the engine checked against real boards: the erase
 * that wraps past the end of the chip, the ROM's segment lines of a flash boot, and stall
 * faults drawn independently per command. Part of the test-board executable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "board_tests.h"
#include "core/util.h"
#include "host.h"
#include "proto/packet.h"
#include "sim/sim.h"

/* The uncompensated erase of the last sector runs one sector past the end of the chip;
 * the NOR ignores address bits above its size, so that sector is sector 0 (reference
 * §6.2, inferred). The same happens on a chip smaller than the ROM's 4 MB default. */
static void test_erase_past_end_wraps(void **state)
{
	(void)state;
	struct link *l = open_synced("fast");
	struct sim_board *b = link_sim_board(l);
	size_t size;
	const uint8_t *f = sim_board_flash(b, &size);
	assert_int_equal(size, 4u << 20);
	write_pattern(l, 0x0, 0x2000, 5); /* sectors 0 and 1 */
	assert_int_equal(f[0x10], (uint8_t)(5 + 0x10));
	assert_int_equal(host_flash_begin(l, 0x1000, 4, 0x400, 0x3FF000, 3000000), 0);
	for (uint32_t a = 0; a < 0x1000; a++)
		if (f[a] != 0xFF)
			fail_msg("byte at 0x%x is 0x%02x: sector 0 should be erased by the wrap", a,
				 f[a]);
	assert_int_equal(f[0x1000], (uint8_t)(5 + 4 * 7));
	assert_int_equal(f[0x3FFFFF], 0xFF);
	link_close(l);

	/* 1 MB chip, ROM still at 4 MB: FLASH_BEGIN at 0x100000 lands on sector 0 */
	l = open_synced("fast&flash-size=1MB");
	b = link_sim_board(l);
	f = sim_board_flash(b, &size);
	assert_int_equal(size, 1u << 20);
	write_pattern(l, 0x0, 0x2000, 9);
	assert_int_equal(host_flash_begin(l, 0x2000, 8, 0x400, 0x100000, 3000000), 0);
	assert_int_equal(f[0x0], 0xFF);
	assert_int_equal(f[0x1FFF], 0xFF);
	link_close(l);
}

/* Writes a 256 KB flash file holding a v1 image with segments of the given lengths
 * (esptool's padding); returns the image checksum, stored flipped when bad_sum. */
static uint8_t flash_file_with_image(const char *path, const uint32_t *lens, unsigned n,
				     bool bad_sum)
{
	static uint8_t f[0x40000];
	memset(f, 0xFF, sizeof f);
	f[0] = 0xE9, f[1] = (uint8_t)n, f[2] = 0, f[3] = 0;
	put_le32(f + 4, 0x40100004);
	uint32_t pos = 8, addr[] = {0x40100000, 0x3FFE8000, 0x3FFE9000, 0x3FFEA000};
	uint8_t sum = 0xEF;
	for (unsigned i = 0; i < n; i++) {
		put_le32(f + pos, addr[i]);
		put_le32(f + pos + 4, lens[i]);
		for (uint32_t k = 0; k < lens[i]; k++)
			sum ^= f[pos + 8 + k] = (uint8_t)(k * 13 + i);
		pos += 8 + lens[i];
	}
	while (pos % 16 != 15)
		f[pos++] = 0;
	f[pos] = bad_sum ? (uint8_t)~sum : sum;
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(f, 1, sizeof f, fp), sizeof f);
	fclose(fp);
	return sum;
}

/* The text a host at 74880 baud reads after an external reset into flash boot. */
static size_t flash_boot_text(const char *path, char *buf, size_t cap)
{
	char opts[256];
	snprintf(opts, sizeof opts, "boot-log&need-reset&flash-size=256KB&flash=%s", path);
	struct link *l = open_sim(opts);
	struct ed_error err;
	drain(l, (uint8_t *)buf, cap - 1, 50000); /* the power-on log, at the wrong rate */
	assert_int_equal(l->ops->set_baud(l, 74880, &err), 0);
	l->ops->set_lines(l, 0, 1, &err); /* EN low, GPIO0 high: flash boot */
	link_sleep_us(l, 100000);
	l->ops->set_lines(l, 0, 0, &err);
	size_t n = drain(l, (uint8_t *)buf, cap - 1, 50000);
	buf[n] = 0;
	link_close(l);
	return n;
}

/* Segment lines as real boards print them: room, tail and ho follow the ROM's 16-byte
 * flash lines (shapes of public captures: 3548 + 21 bytes give "tail 12", "ho 0 tail 12
 * room 4", "room 12", "tail 9"; 212 + 0 + 0 give "room 4", "ho 12 tail 0 room 4"). */
static void test_boot_log_flash_segments(void **state)
{
	(void)state;
	char path[] = "/tmp/espdeck-bootlog-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char text[4096], want[1024];
	const uint32_t a[] = {3548, 21};
	uint8_t s0 = 0xEF, sum = flash_file_with_image(path, a, 2, false);
	for (uint32_t k = 0; k < 3548; k++)
		s0 ^= (uint8_t)(k * 13);
	flash_boot_text(path, text, sizeof text);
	snprintf(want, sizeof want,
		 "\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\n"
		 "load 0x40100000, len 3548, room 16 \r\ntail 12\r\nchksum 0x%02x\r\n"
		 "ho 0 tail 12 room 4\r\n"
		 "load 0x3ffe8000, len 21, room 12 \r\ntail 9\r\nchksum 0x%02x\r\n"
		 "csum 0x%02x\r\n",
		 s0, sum, sum);
	assert_string_equal(text, want);

	const uint32_t b[] = {212, 0, 0};
	sum = flash_file_with_image(path, b, 3, false);
	flash_boot_text(path, text, sizeof text);
	snprintf(want, sizeof want,
		 "load 0x40100000, len 212, room 16 \r\ntail 4\r\nchksum 0x%02x\r\n"
		 "load 0x3ffe8000, len 0, room 4 \r\ntail 0\r\nchksum 0x%02x\r\n"
		 "ho 12 tail 0 room 4\r\n"
		 "load 0x3ffe9000, len 0, room 12 \r\ntail 0\r\nchksum 0x%02x\r\n"
		 "csum 0x%02x\r\n",
		 sum, sum, sum, sum);
	assert_non_null(strstr(text, want));

	/* tail 8 leaves exactly a header: room 0, the next segment is all whole lines */
	const uint32_t c[] = {31320, 2132, 4};
	sum = flash_file_with_image(path, c, 3, false);
	flash_boot_text(path, text, sizeof text);
	assert_non_null(strstr(text, "len 31320, room 16 \r\ntail 8\r\n"));
	assert_non_null(strstr(text, "len 2132, room 0 \r\ntail 4\r\n"));
	assert_non_null(strstr(text, "len 4, room 4 \r\ntail 0\r\n"));
	assert_null(strstr(text, "ho "));

	/* boot_v1.2's shape (816 + 788 + 288): room 8 after tail 0, then "ho 0" */
	const uint32_t e[] = {816, 788, 288};
	flash_file_with_image(path, e, 3, false);
	flash_boot_text(path, text, sizeof text);
	assert_non_null(strstr(text, "len 816, room 16 \r\ntail 0\r\n"));
	assert_non_null(strstr(text, "len 788, room 8 \r\ntail 12\r\n"));
	assert_non_null(strstr(text, "ho 0 tail 12 room 4\r\nload 0x3ffe9000, len 288, room 12 "
				     "\r\ntail 4\r\n"));

	/* a bad checksum: the computed value, "csum err", and the ROM stops mid-line */
	const uint32_t d[] = {1396, 40};
	sum = flash_file_with_image(path, d, 2, true);
	size_t n = flash_boot_text(path, text, sizeof text);
	snprintf(want, sizeof want,
		 "tail 4\r\nchksum 0x%02x\r\ncsum 0x%02x\r\ncsum err\r\n"
		 "ets_main.c ",
		 sum, sum);
	size_t wl = strlen(want);
	assert_true(n >= wl);
	assert_string_equal(text + n - wl, want);
	assert_non_null(strstr(text, "len 1396, room 16 \r\ntail 4\r\n"));
	assert_non_null(strstr(text, "len 40, room 4 \r\n"));
	unlink(path);
}

/* Which of n READ_REGs came late (>= 500 ms) on a board with stall=500@0.2. */
static void stall_pattern(const char *opts, bool *late, int n)
{
	struct link *l = open_sim(opts);
	int synced = 0;
	for (int i = 0; i < 20 && synced < 8; i++)
		synced = host_sync(l); /* the SYNC itself may be stalled */
	assert_true(synced >= 8);
	for (int i = 0; i < n; i++) {
		uint64_t t0 = link_now_us(l);
		uint32_t v;
		assert_true(host_read_reg(l, PKT_CHIP_MAGIC_ADDR, &v));
		late[i] = link_now_us(l) - t0 >= 500000;
	}
	link_close(l);
}

/* Stalls are drawn independently per command and per seed: the same seed repeats its
 * pattern, neighbouring seeds do not share one, and a stall does not predict the next. */
static void test_fault_stall_independent(void **state)
{
	(void)state;
	enum { N = 300 };
	static bool a[N], a2[N], c[N];
	stall_pattern("fault=stall=500@0.2&fast&seed=1", a, N);
	stall_pattern("fault=stall=500@0.2&fast&seed=1", a2, N);
	stall_pattern("fault=stall=500@0.2&fast&seed=2", c, N);
	assert_memory_equal(a, a2, sizeof a);
	int late = 0, pairs = 0, same = 0;
	for (int i = 0; i < N; i++) {
		late += a[i];
		pairs += i > 0 && a[i] && a[i - 1];
		same += a[i] && c[i];
	}
	/* binomial(300, 0.2): 60 +- 7; 12 +- 3.5 adjacent pairs and 12 +- 3.5 shared
	 * positions with another seed when independent */
	if (late < 30 || late > 90 || pairs > 30 || same > 30)
		fail_msg("%d of %d replies stalled, %d right after a stall, %d at the same "
			 "commands as with seed 2",
			 late, N, pairs, same);
}

int board_quirk_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_erase_past_end_wraps),
	    cmocka_unit_test(test_boot_log_flash_segments),
	    cmocka_unit_test(test_fault_stall_independent),
	};
	return cmocka_run_group_tests_name("board quirks", tests, NULL, NULL);
}
