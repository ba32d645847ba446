/* SPDX-License-Identifier: MIT
 * The bench screen's pure text helpers, without a terminal: progress bar, percent,
 * rate, ETA, the progress line, fitting, wrapping and dump names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tui/format.h"

static void test_bar(void **state)
{
	char buf[32];
	assert_string_equal(tui_fmt_bar(buf, 10, 0, 100), "----------");
	assert_string_equal(tui_fmt_bar(buf, 10, 50, 100), "#####-----");
	assert_string_equal(tui_fmt_bar(buf, 10, 100, 100), "##########");
	/* Never full before the last byte, never past full. */
	assert_string_equal(tui_fmt_bar(buf, 10, 999, 1000), "#########-");
	assert_string_equal(tui_fmt_bar(buf, 10, 2000, 1000), "##########");
	assert_string_equal(tui_fmt_bar(buf, 4, 5, 0), "----");
	assert_string_equal(tui_fmt_bar(buf, 0, 5, 10), "");
}

static void test_percent(void **state)
{
	assert_int_equal(tui_percent(0, 0), 0);
	assert_int_equal(tui_percent(1, 3), 33);
	assert_int_equal(tui_percent(999999, 1000000), 99); /* 100% only when done */
	assert_int_equal(tui_percent(10, 10), 100);
	assert_int_equal(tui_percent(11, 10), 100);
}

static void test_rate_eta(void **state)
{
	char buf[32];
	assert_string_equal(tui_fmt_rate(buf, sizeof buf, 0), "-");
	assert_string_equal(tui_fmt_rate(buf, sizeof buf, -5), "-");
	assert_string_equal(tui_fmt_rate(buf, sizeof buf, 980), "980 B/s");
	assert_string_equal(tui_fmt_rate(buf, sizeof buf, 11520), "11.2 KiB/s");
	assert_string_equal(tui_fmt_rate(buf, sizeof buf, 3.5 * 1024 * 1024), "3.50 MiB/s");
	assert_string_equal(tui_fmt_eta(buf, sizeof buf, -1), "--:--");
	assert_string_equal(tui_fmt_eta(buf, sizeof buf, 0), "0:00");
	assert_string_equal(tui_fmt_eta(buf, sizeof buf, 42.4), "0:42");
	assert_string_equal(tui_fmt_eta(buf, sizeof buf, 723), "12:03");
	assert_string_equal(tui_fmt_eta(buf, sizeof buf, 3723), "1:02:03");
	assert_string_equal(tui_fmt_eta(buf, sizeof buf, 1e9), "--:--");
}

static void test_progress_line(void **state)
{
	char buf[128];
	struct job_progress p = {.stage = JOB_STAGE_WRITE,
				 .done = 393216,
				 .total = 1048576,
				 .rate_bps = 11520,
				 .eta_s = 57};
	assert_string_equal(tui_fmt_progress(buf, sizeof buf, &p),
			    " 37%  384.0 KiB / 1.00 MiB  11.2 KiB/s  ETA 0:57");
	p = (struct job_progress){.done = 4096, .total = 4096, .eta_s = -1};
	assert_string_equal(tui_fmt_progress(buf, sizeof buf, &p),
			    "100%  4.0 KiB / 4.0 KiB  -  ETA --:--");
}

/* The job view's engine line: live rates of a compressed stub write, the files' totals
 * afterwards, sectors skipped, ROM mode, nothing before the rate is known. */
static void test_engine_line(void **state)
{
	char buf[160];
	struct job_progress p = {.stage = JOB_STAGE_WRITE,
				 .stub = true,
				 .baud = 921600,
				 .done = 1048576,
				 .total = 1048576,
				 .rate_bps = 143360,
				 .wire_done = 262144,
				 .wire_total = 262144,
				 .wire_rate_bps = 35840,
				 .sectors_skipped = 3};
	assert_string_equal(tui_fmt_engine(buf, sizeof buf, &p, NULL, NULL, 0),
			    "stub at 921600 baud | 140.0 KiB/s data, 35.0 KiB/s zlib on the wire | "
			    "3 sectors skipped");
	struct job_file_result files[3] = {
	    {.bytes = 4096, .wire_bytes = 1024, .seconds = 0.5, .compressed = true},
	    {0},
	    {.bytes = 4096, .wire_bytes = 1024, .seconds = 0.5, .sectors_skipped = 1},
	};
	bool done[3] = {true, false, true};
	p.wire_total = 0; /* between files: the totals */
	assert_string_equal(tui_fmt_engine(buf, sizeof buf, &p, files, done, 3),
			    "stub at 921600 baud | 8.0 KiB/s data, 2.0 KiB/s zlib on the wire | "
			    "1 sector skipped");
	struct job_progress rom = {.baud = 115200};
	files[0] = (struct job_file_result){.bytes = 2048, .seconds = 1};
	assert_string_equal(tui_fmt_engine(buf, sizeof buf, &rom, files, done, 1),
			    "ROM loader at 115200 baud | 2.0 KiB/s data");
	struct job_progress none = {0};
	assert_string_equal(tui_fmt_engine(buf, sizeof buf, &none, NULL, NULL, 0), "");
}

static void test_fit(void **state)
{
	char buf[32];
	assert_string_equal(tui_fmt_fit(buf, 6, "ab"), "ab    ");
	assert_string_equal(tui_fmt_fit(buf, 6, "abcdef"), "abcdef");
	assert_string_equal(tui_fmt_fit(buf, 6, "abcdefgh"), "abcde~");
	assert_string_equal(tui_fmt_fit(buf, 0, "abc"), "");
}

static void test_wrap(void **state)
{
	size_t st[8], len[8];
	const char *t = "cancelled: erasing the whole flash";
	size_t n = tui_wrap(t, 12, st, len, 8);
	assert_int_equal(n, 3);
	assert_int_equal(len[0], 10); /* "cancelled:" broken at the space */
	assert_memory_equal(t + st[1], "erasing the", 11);
	assert_int_equal(len[2], 11);
	assert_memory_equal(t + st[2], "whole flash", 11);
	/* A word longer than the width is cut, newlines break. */
	n = tui_wrap("abcdefghij\nxy", 4, st, len, 8);
	assert_int_equal(n, 4);
	assert_int_equal(len[2], 2);
	assert_int_equal(st[3], 11);
	/* The count comes back even when max is smaller. */
	assert_int_equal(tui_wrap("aaaa bbbb cccc", 4, st, len, 1), 3);
	assert_int_equal(tui_wrap("", 10, st, len, 8), 1);
}

static void test_dump_name(void **state)
{
	char buf[32];
	assert_string_equal(tui_dump_name(buf, sizeof buf, 0x3FE000), "flash-3fe000.bin");
	assert_string_equal(tui_dump_name(buf, sizeof buf, 0x1000), "flash-001000.bin");
}

/* The bench's title line: words give way before any number is cut (issue 15). */
static void test_header(void **state)
{
	(void)state;
	char buf[256];
	assert_string_equal(
	    tui_fmt_header(buf, sizeof buf, 74, "sim://", "demo", "32m-c1 qio 40m", "115200"),
	    " espdeck bench | port sim:// | preset demo | 32m-c1 qio 40m | 115200 baud");
	assert_string_equal(
	    tui_fmt_header(buf, sizeof buf, 70, "sim://", "demo", "32m-c1 qio 40m", "115200"),
	    " port sim:// | preset demo | 32m-c1 qio 40m | 115200 baud");
	assert_string_equal(
	    tui_fmt_header(buf, sizeof buf, 50, "sim://", "demo", "32m-c1 qio 40m", "921600"),
	    " sim:// | demo | 32m-c1 qio 40m | 921600 baud");
	/* A long port is cut in its middle, keeping its tail; the numbers stay whole. */
	tui_fmt_header(buf, sizeof buf, 60, "sim://?clock=virtual&fast&flash=/tmp/abc/board.bin",
		       "nonota-4MB", "4MB-c1 dio 80m", "921600");
	assert_true(strlen(buf) <= 60);
	assert_non_null(strstr(buf, " | 4MB-c1 dio 80m | 921600 baud"));
	assert_non_null(strstr(buf, "~"));
	assert_non_null(strstr(buf, "ard.bin | "));
	assert_non_null(strstr(buf, " sim://?"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bar),		cmocka_unit_test(test_percent),
	    cmocka_unit_test(test_rate_eta),	cmocka_unit_test(test_progress_line),
	    cmocka_unit_test(test_engine_line), cmocka_unit_test(test_fit),
	    cmocka_unit_test(test_wrap),	cmocka_unit_test(test_header),
	    cmocka_unit_test(test_dump_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
