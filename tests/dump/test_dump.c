/* SPDX-License-Identifier: MIT
 * Unit tests of the dump inspector's model: base address from names, go-to parsing,
 * pattern search, collapsed lines and their text, the diff engine, mapped files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dump/dump_addr.h"
#include "dump/dump_annot.h"
#include "dump/dump_diff.h"
#include "dump/dump_file.h"
#include "dump/dump_search.h"
#include "dump/dump_view.h"
#include "image/image.h"
#include "core/util.h"

static void base_names(void **state)
{
	uint32_t b = 7;
	assert_true(dump_base_from_name("flash-3fe000.bin", &b));
	assert_int_equal(b, 0x3FE000);
	assert_true(dump_base_from_name("some/dir/flash-3fe.bin", &b));
	assert_int_equal(b, 0x3FE000);
	assert_true(dump_base_from_name("FLASH_3FC.bin", &b));
	assert_int_equal(b, 0x3FC000);
	assert_true(dump_base_from_name("flash-1000.bin", &b));
	assert_int_equal(b, 0x1000);
	assert_true(dump_base_from_name("dump_101000_4096.bin", &b));
	assert_int_equal(b, 0x101000);
	assert_true(dump_base_from_name("app-0x10000.bin", &b));
	assert_int_equal(b, 0x10000);
	assert_true(dump_base_from_name("0x01000.bin", &b));
	assert_int_equal(b, 0x1000);
	assert_true(dump_base_from_name("board2_flash@0x3FE000.bin", &b));
	assert_int_equal(b, 0x3FE000);
	b = 7;
	assert_false(dump_base_from_name("user1.4096.new.6.bin", &b));
	assert_false(dump_base_from_name("flash.bin", &b));
	assert_false(dump_base_from_name("flash-xyz.bin", &b));
	assert_false(dump_base_from_name("dir-0x100/flash.bin", &b));
	assert_false(dump_base_from_name("flash-123456789.bin", &b));
	assert_int_equal(b, 7);
}

static void goto_parsing(void **state)
{
	struct ed_error err = {0};
	uint64_t t = 0;
	const uint64_t lo = 0x3FE000, hi = 0x3FE800;
	assert_int_equal(dump_parse_goto("0x3fe010", lo, lo, hi, &t, &err), ED_OK);
	assert_int_equal(t, 0x3FE010);
	assert_int_equal(dump_parse_goto(" 3FE7ff ", lo, lo, hi, &t, &err), ED_OK);
	assert_int_equal(t, 0x3FE7FF);
	assert_int_equal(dump_parse_goto("+0x100", 0x3FE010, lo, hi, &t, &err), ED_OK);
	assert_int_equal(t, 0x3FE110);
	assert_int_equal(dump_parse_goto("-16", 0x3FE110, lo, hi, &t, &err), ED_OK);
	assert_int_equal(t, 0x3FE100);
	assert_int_equal(dump_parse_goto("+1k", lo, lo, hi, &t, &err), ED_OK);
	assert_int_equal(t, 0x3FE400);
	assert_int_equal(dump_parse_goto("4096", 0, 0, 8192, &t, &err), ED_OK);
	assert_int_equal(t, 4096);
	assert_int_equal(dump_parse_goto("0x3fe800", lo, lo, hi, &t, &err), ED_ERR_ARG);
	assert_string_equal(err.msg, "'0x3fe800' is outside the dump (0x3fe000-0x3fe7ff)");
	assert_int_equal(dump_parse_goto("-0x10", lo, lo, hi, &t, &err), ED_ERR_ARG);
	assert_int_equal(dump_parse_goto("zz", lo, lo, hi, &t, &err), ED_ERR_ARG);
	assert_string_equal(err.msg,
			    "'zz' is not an address (try 0x3fe010, 4096, 3fe010, +0x100, -16)");
	assert_int_equal(dump_parse_goto("  ", lo, lo, hi, &t, &err), ED_ERR_ARG);
	assert_int_equal(t, 4096);
}

static void pattern_parsing(void **state)
{
	struct dump_pattern p;
	struct ed_error err = {0};
	char buf[64];
	assert_int_equal(dump_pattern_parse("e9 ?? 00 0x02", &p, &err), ED_OK);
	assert_int_equal(p.len, 4);
	assert_true(p.wild[1]);
	assert_string_equal(dump_pattern_describe(&p, buf, sizeof buf), "e9 ?? 00 02");
	assert_int_equal(dump_pattern_parse("E903??60", &p, &err), ED_OK);
	assert_int_equal(p.len, 4);
	assert_int_equal(p.bytes[3], 0x60);
	assert_int_equal(dump_pattern_parse("\"rf_cal\"", &p, &err), ED_OK);
	assert_true(p.text);
	assert_int_equal(p.len, 6);
	assert_memory_equal(p.bytes, "rf_cal", 6);
	assert_int_equal(dump_pattern_parse("e9 0", &p, &err), ED_ERR_ARG);
	assert_string_equal(err.msg, "'e9 0' is not a hex byte string at '0' (bytes are two hex "
				     "digits or ??, e.g. e9 ?? 00; for text start with \")");
	assert_int_equal(dump_pattern_parse("?? ??", &p, &err), ED_ERR_ARG);
	assert_string_equal(err.msg, "'?? ?\?' is only wildcards: it would match everywhere");
	assert_int_equal(dump_pattern_parse("", &p, &err), ED_ERR_ARG);
	assert_int_equal(dump_pattern_parse("\"", &p, &err), ED_ERR_ARG);
}

static void search_cases(void **state)
{
	uint8_t d[64];
	memset(d, 0xFF, sizeof d);
	/* "ab cd ef 01" straddles the row boundary at 16 (width 16) */
	const uint8_t pat[] = {0xAB, 0xCD, 0xEF, 0x01};
	memcpy(d + 14, pat, 4);
	memcpy(d + 40, pat, 4);
	d[41] = 0x00;
	struct dump_pattern p;
	assert_int_equal(dump_pattern_parse("ab cd ef 01", &p, NULL), ED_OK);
	assert_int_equal(dump_search(d, sizeof d, &p, 0, false), 14);
	assert_int_equal(dump_search(d, sizeof d, &p, 15, false), -1);
	assert_int_equal(dump_search_count(d, sizeof d, &p), 1);
	assert_int_equal(dump_pattern_parse("ab ?? ef 01", &p, NULL), ED_OK);
	assert_int_equal(dump_search(d, sizeof d, &p, 15, false), 40);
	assert_int_equal(dump_search_count(d, sizeof d, &p), 2);
	assert_int_equal(dump_search(d, sizeof d, &p, 63, true), 40);
	assert_int_equal(dump_search(d, sizeof d, &p, 39, true), 14);
	assert_int_equal(dump_search(d, sizeof d, &p, 13, true), -1);
	/* anchored on 0xFF: overlapping matches all count, the last one ends at the end */
	assert_int_equal(dump_pattern_parse("ff ff", &p, NULL), ED_OK);
	assert_int_equal(dump_search(d, sizeof d, &p, 44, false), 44);
	assert_int_equal(dump_search(d, sizeof d, &p, 100, true), 62);
	assert_int_equal(dump_search_count(d, sizeof d, &p), 13 + 21 + 19);
	/* counts agree with a brute-force count, dense or not, wildcards or not */
	static const char *const pats[] = {
	    "ff",
	    "ff ff ff",
	    "ff ?? ff",
	    "?? ff",
	    "ab ?? ?? 01",
	    "00 ff",
	    "ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff"};
	for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++) {
		assert_int_equal(dump_pattern_parse(pats[k], &p, NULL), ED_OK);
		size_t brute = 0;
		for (size_t i = 0; i + p.len <= sizeof d; i++) {
			bool ok = true;
			for (size_t j = 0; j < p.len; j++)
				ok &= p.wild[j] || d[i + j] == p.bytes[j];
			brute += ok;
		}
		assert_int_equal(dump_search_count(d, sizeof d, &p), brute);
	}
	memcpy(d + 50, "rf_cal", 6);
	assert_int_equal(dump_pattern_parse("\"rf_cal", &p, NULL), ED_OK);
	assert_int_equal(dump_search(d, sizeof d, &p, 0, false), 50);
	assert_int_equal(dump_search(d, 55, &p, 0, false), -1);
	assert_int_equal(dump_search(d, 3, &p, 0, true), -1);
}

static struct dump_view *view_of(const uint8_t *d, size_t n, uint32_t base, unsigned w)
{
	struct dump_view *v = NULL;
	assert_int_equal(dump_view_create(d, n, base, w, &v, NULL), ED_OK);
	return v;
}

static void render_rows(void **state)
{
	uint8_t d[20];
	for (size_t i = 0; i < sizeof d; i++)
		d[i] = (uint8_t)(0x3E + i * 7);
	d[0] = 0xE9;
	d[1] = 0x00;
	struct dump_view *v = view_of(d, sizeof d, 0x1000, 16);
	struct dump_line l;
	char buf[DUMP_LINE_MAX];
	dump_view_line_at(v, 3, &l);
	assert_int_equal(l.off, 0);
	assert_int_equal(l.len, 16);
	dump_view_render_line(v, &l, buf, sizeof buf);
	assert_string_equal(buf, "00001000: e9 00 4c 53 5a 61 68 6f  76 7d 84 8b 92 99 a0 a7  "
				 "..LSZahov}......");
	assert_int_equal(strlen(buf), dump_row_chars(16));
	assert_int_equal(buf[dump_row_hex_col(16, 9)], '7');
	assert_int_equal(buf[dump_row_ascii_col(16, 4)], 'Z');
	assert_true(dump_view_next(v, &l, &l));
	dump_view_set_file_offsets(v, true);
	dump_view_render_line(v, &l, buf, sizeof buf);
	char want[DUMP_LINE_MAX];
	snprintf(want, sizeof want, "%-60s....", "00000010: ae b5 bc c3");
	assert_string_equal(buf, want); /* the ASCII column stays aligned */
	assert_false(dump_view_next(v, &l, &l));
	assert_int_equal(dump_byte_class(0x00), DUMP_BYTE_ZERO);
	assert_int_equal(dump_byte_class(0xFF), DUMP_BYTE_FF);
	assert_int_equal(dump_byte_class('~'), DUMP_BYTE_PRINT);
	assert_int_equal(dump_byte_class(0x7F), DUMP_BYTE_OTHER);
	dump_view_destroy(v);
}

/* 3 sectors at 0x3FD000: data row, erased rest of sector 0, sector 1 erased, sector 2
 * data with a short 0xFF run (64 bytes) that must stay visible. */
static uint8_t *three_sectors(void)
{
	uint8_t *d = malloc(3 * 4096);
	assert_non_null(d);
	memset(d, 0xFF, 3 * 4096);
	memset(d, 0x11, 16);
	memset(d + 8192, 0x22, 4096);
	memset(d + 8192 + 256, 0xFF, 64);
	return d;
}

static void collapse_runs(void **state)
{
	uint8_t *d = three_sectors();
	struct dump_view *v = view_of(d, 3 * 4096, 0x3FD000, 16);
	struct dump_line l;
	char buf[DUMP_LINE_MAX];
	dump_view_line_at(v, 0, &l);
	assert_false(l.collapsed);
	assert_true(dump_view_next(v, &l, &l));
	assert_true(l.collapsed);
	assert_int_equal(l.off, 16);
	assert_int_equal(l.len, 8192 - 16);
	dump_view_render_line(v, &l, buf, sizeof buf);
	assert_string_equal(buf,
			    "003fd010: -- erased: 8.0 KiB (8176 bytes of 0xFF) to 003fefff --");
	/* a go-to into the middle of the run lands on the run's line */
	struct dump_line mid;
	dump_view_line_at(v, 5000, &mid);
	assert_true(mid.collapsed);
	assert_int_equal(mid.off, 16);
	/* lines after the run: 16 data rows, then the 64-byte 0xFF run as 4 plain rows */
	assert_true(dump_view_next(v, &l, &l));
	assert_int_equal(l.off, 8192);
	for (int i = 0; i < 16; i++)
		assert_true(dump_view_next(v, &l, &l));
	assert_false(l.collapsed);
	assert_int_equal(l.off, 8192 + 256);
	/* and back up again: prev of the first line of sector 2 is the run */
	dump_view_line_at(v, 8192, &l);
	assert_true(dump_view_prev(v, &l, &l));
	assert_true(l.collapsed);
	assert_int_equal(l.off, 16);
	assert_true(dump_view_prev(v, &l, &l));
	assert_int_equal(l.off, 0);
	assert_false(dump_view_prev(v, &l, &l));
	/* expanding shows rows; toggling again collapses */
	assert_true(dump_view_toggle_run(v, 4096));
	dump_view_line_at(v, 4096, &l);
	assert_false(l.collapsed);
	assert_int_equal(l.len, 16);
	assert_true(dump_view_toggle_run(v, 20));
	dump_view_line_at(v, 4096, &l);
	assert_true(l.collapsed);
	assert_false(dump_view_toggle_run(v, 0));
	dump_view_set_collapse(v, false);
	dump_view_line_at(v, 4096, &l);
	assert_false(l.collapsed);
	/* sectors and jumps between data sectors */
	assert_int_equal(dump_view_sectors(v), 3);
	assert_false(dump_view_sector_erased(v, 0));
	assert_true(dump_view_sector_erased(v, 1));
	assert_int_equal(dump_view_data_sector(v, 0, false), 8192);
	assert_int_equal(dump_view_data_sector(v, 8192, false), -1);
	assert_int_equal(dump_view_data_sector(v, 9000, true), 0);
	dump_view_destroy(v);
	free(d);
}

static void collapse_unaligned_and_widths(void **state)
{
	/* the seed's dump: 2 KiB of blank.bin at 0x3FE000 reads as one line */
	uint8_t d[2048 + 8];
	memset(d, 0xFF, sizeof d);
	struct dump_view *v = view_of(d, 2048, 0x3FE000, 32);
	struct dump_line l;
	dump_view_line_at(v, 0, &l);
	assert_true(l.collapsed);
	assert_int_equal(l.len, 2048);
	assert_false(dump_view_next(v, &l, &l));
	dump_view_destroy(v);
	/* base in the middle of a sector, odd size, data at the very end */
	d[2048 + 7] = 0x00;
	v = view_of(d, sizeof d, 0x3FE800, 8);
	assert_int_equal(dump_view_sectors(v), 2);
	dump_view_line_at(v, 1000, &l);
	assert_true(l.collapsed);
	assert_int_equal(l.off, 0);
	assert_int_equal(l.len, 2048);
	assert_true(dump_view_next(v, &l, &l));
	assert_false(l.collapsed);
	assert_int_equal(l.off, 2048);
	assert_int_equal(l.len, 8);
	/* width 8 -> 16 keeps working */
	dump_view_set_width(v, 16);
	assert_int_equal(dump_view_width(v), 16);
	dump_view_set_width(v, 12);
	assert_int_equal(dump_view_width(v), 16);
	dump_view_line_at(v, 2050, &l);
	assert_int_equal(l.off, 2048);
	assert_int_equal(l.len, 8);
	dump_view_destroy(v);
	struct ed_error err = {0};
	assert_int_equal(dump_view_create(d, sizeof d, 0, 12, &v, &err), ED_ERR_ARG);
	assert_null(v);
	assert_string_equal(err.msg, "row width 12 is not 8, 16 or 32");
}

static int collect(void *user, const char *text, size_t len)
{
	char **acc = user;
	size_t old = *acc ? strlen(*acc) : 0;
	*acc = realloc(*acc, old + len + 1);
	memcpy(*acc + old, text, len);
	(*acc)[old + len] = '\0';
	return 0;
}

static void render_all_text(void **state)
{
	uint8_t *d = three_sectors();
	struct dump_view *v = view_of(d, 3 * 4096, 0x3FD000, 32);
	char *text = NULL;
	assert_int_equal(dump_view_render_all(v, collect, &text), 0);
	/* 1 data row + run + 128 rows of sector 2 */
	size_t lines = 0;
	for (char *p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1 + 1 + 128);
	assert_non_null(strstr(text, "\n003fd020: -- erased: 8.0 KiB (8160 bytes of 0xFF) to "
				     "003fefff --\n003ff000: 22 22"));
	free(text);
	dump_view_destroy(v);
	free(d);
}

static void diff_engine(void **state)
{
	uint8_t *a = three_sectors(), *b = three_sectors();
	b[5] ^= 1;
	b[4095] = 0;
	b[8192 + 4095] = 0;
	struct dump_diff *d = NULL;
	assert_int_equal(dump_diff_create(a, 3 * 4096, b, 3 * 4096, 0x3FD000, &d, NULL), ED_OK);
	assert_int_equal(dump_diff_bytes(d), 3);
	assert_int_equal(dump_diff_sectors(d), 2);
	assert_int_equal(dump_diff_in_sector(d, 0), 2);
	assert_int_equal(dump_diff_in_sector(d, 1), 0);
	assert_true(dump_diff_at(d, 5));
	assert_false(dump_diff_at(d, 6));
	assert_int_equal(dump_diff_next(d, 0, false), 5);
	assert_int_equal(dump_diff_next(d, 6, false), 4095);
	assert_int_equal(dump_diff_next(d, 4096, false), 8192 + 4095);
	assert_int_equal(dump_diff_next(d, 8192 + 4096, false), -1);
	assert_int_equal(dump_diff_next(d, 8000, true), 4095);
	assert_int_equal(dump_diff_next(d, 4094, true), 5);
	assert_int_equal(dump_diff_next(d, 4, true), -1);
	dump_diff_destroy(d);
	/* sizes differ: the extra bytes differ; an unaligned base moves sector edges */
	assert_int_equal(dump_diff_create(a, 4096, b, 4096 + 100, 0x800, &d, NULL), ED_OK);
	assert_int_equal(dump_diff_bytes(d), 2 + 100);
	assert_int_equal(dump_diff_sectors(d), 2);
	assert_int_equal(dump_diff_in_sector(d, 0), 1);
	assert_int_equal(dump_diff_in_sector(d, 1), 101);
	assert_int_equal(dump_diff_next(d, 4096, false), 4096);
	assert_int_equal(dump_diff_next(d, 99999, true), 4195);
	dump_diff_destroy(d);
	free(a);
	free(b);
}

static void mapped_files(void **state)
{
	char path[] = "/tmp/espdeck-dump-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	struct dump_file *f = NULL;
	struct ed_error err = {0};
	char want[256];
	assert_int_equal(dump_file_open(path, &f, &err), ED_ERR_FORMAT);
	assert_null(f);
	snprintf(want, sizeof want, "%s is empty (0 bytes): nothing to show; did read_flash fail?",
		 path);
	assert_string_equal(err.msg, want);
	uint8_t buf[8192];
	memset(buf, 0xA5, sizeof buf);
	assert_int_equal(write(fd, buf, sizeof buf), (ssize_t)sizeof buf);
	assert_int_equal(dump_file_open(path, &f, &err), ED_OK);
	assert_int_equal(dump_file_size(f), 8192);
	assert_int_equal(dump_file_data(f)[8191], 0xA5);
	assert_int_equal(dump_file_check(f, &err), ED_OK);
	/* truncating under the mapping is noticed before any page is touched */
	assert_int_equal(ftruncate(fd, 100), 0);
	assert_int_equal(dump_file_check(f, &err), ED_ERR_FORMAT);
	snprintf(want, sizeof want,
		 "%s changed on disk while viewed (8192 bytes, now 100); reopen it", path);
	assert_string_equal(err.msg, want);
	assert_int_equal(dump_file_check(f, &err), ED_ERR_FORMAT);
	dump_file_destroy(f);
	close(fd);
	unlink(path);
	assert_int_equal(dump_file_open(path, &f, &err), ED_ERR_NOTFOUND);
	snprintf(want, sizeof want, "cannot open %s: No such file or directory", path);
	assert_string_equal(err.msg, want);
	assert_int_equal(dump_file_open("/tmp", &f, &err), ED_ERR_FORMAT);
	assert_string_equal(err.msg,
			    "/tmp is not a regular file (a dump is a file made by read_flash)");
	dump_file_destroy(NULL);
}

static const struct dump_annot *find_annot(const struct dump_annots *a, const char *prefix)
{
	for (size_t i = 0; i < a->count; i++)
		if (!strncmp(a->items[i].text, prefix, strlen(prefix)))
			return &a->items[i];
	return NULL;
}

/* A v1 image as esptool lays it out: one 4-byte IRAM segment, 11 zero bytes, the
 * checksum byte at offset 31. */
static void put_v1_image(uint8_t *p)
{
	static const uint8_t img[32] = {
	    0xE9, 0x01, 0x00, 0x60, 0x38, 0x04, 0x10, 0x40, /* header, entry 0x40100438 */
	    0x00, 0x00, 0x10, 0x40, 0x04, 0x00, 0x00, 0x00, /* segment 0x40100000, 4 bytes */
	    0x12, 0x34, 0x56, 0x78, 0,	  0,	0,    0,
	    0,	  0,	0,    0,    0,	  0,	0,    0xEF ^ 0x12 ^ 0x34 ^ 0x56 ^ 0x78};
	memcpy(p, img, sizeof img);
}

static void annotations_images(void **state)
{
	uint8_t *d = malloc(2 * 4096);
	assert_non_null(d);
	memset(d, 0xFF, 2 * 4096);
	put_v1_image(d);
	put_v1_image(d + 4096);
	d[4096 + 17] ^= 0x40; /* second image: one data byte flipped */
	struct dump_annots a = {0};
	assert_int_equal(dump_annotate(d, 2 * 4096, 0x1000, 0, &a, NULL), ED_OK);
	const struct dump_annot *img = find_annot(&a, "image v1");
	assert_non_null(img);
	assert_int_equal(img->off, 0);
	assert_int_equal(img->status, DUMP_ANNOT_OK);
	assert_non_null(strstr(img->text, "at 0x1000:"));
	assert_non_null(strstr(img->text, "entry 0x40100438, 1 segment"));
	const struct dump_annot *seg = find_annot(&a, "segment 0: 0x40100000, 4 bytes");
	assert_non_null(seg);
	assert_int_equal(seg->off, 8);
	assert_int_equal(seg->depth, 1);
	const struct dump_annot *sum = find_annot(&a, "checksum 0x");
	assert_non_null(sum);
	assert_int_equal(sum->off, 31);
	assert_int_equal(sum->status, DUMP_ANNOT_OK);
	/* the second image's annotations follow the first's; its checksum is wrong */
	size_t i = (size_t)(sum - a.items) + 1;
	for (; i < a.count && a.items[i].off < 4096; i++)
		;
	assert_true(i + 2 < a.count);
	assert_int_equal(a.items[i].status, DUMP_ANNOT_BAD);
	assert_non_null(strstr(a.items[i].text, "at 0x2000:"));
	const struct dump_annot *bad = &a.items[i + 2];
	char want[128];
	snprintf(want, sizeof want, "checksum 0x%02x: WRONG (computed 0x%02x)",
		 0xEF ^ 0x12 ^ 0x34 ^ 0x56 ^ 0x78, 0xEF ^ 0x12 ^ 0x34 ^ 0x56 ^ 0x78 ^ 0x40);
	assert_string_equal(bad->text, want);
	assert_int_equal(bad->status, DUMP_ANNOT_BAD);
	/* the 0xFF rest of each sector is an erased area only when whole sectors are */
	assert_null(find_annot(&a, "erased"));
	dump_annots_free(&a);
	dump_annots_free(&a);
	free(d);
}

/* A gen_appbin boot mode 2 bin for slot 1 (reference §7.6): EA header with the slot in
 * byte 3, irom section, E9 header, three checked sections, checksum line, CRC. Returns
 * its length (84). */
static size_t put_appbin(uint8_t *p)
{
	size_t n = 0;
	const uint8_t ea[8] = {0xEA, 0x04, 0x00, 0x01, 0x04, 0x00, 0x10, 0x40};
	memcpy(p, ea, 8);
	n = 8;
	put_le32(p + n, 0);
	put_le32(p + n + 4, 16);
	memset(p + n + 8, 0x5A, 16);
	n += 24;
	const uint8_t e9[8] = {0xE9, 0x03, 0x00, 0x60, 0x04, 0x00, 0x10, 0x40};
	memcpy(p + n, e9, 8);
	n += 8;
	const uint32_t addrs[3] = {0x40100000, 0x3FFE8000, 0x3FFE8010};
	uint8_t sum = IMG_CHECKSUM_SEED;
	for (int i = 0; i < 3; i++) {
		put_le32(p + n, addrs[i]);
		put_le32(p + n + 4, 4);
		for (int k = 0; k < 4; k++)
			p[n + 8 + k] = (uint8_t)(0x10 * i + k + 1);
		sum = img_checksum(p + n + 8, 4, sum);
		n += 12;
	}
	size_t pad = 16 - ((n + 1) % 16);
	memset(p + n, 0, pad);
	n += pad;
	p[n++] = sum;
	put_le32(p + n, img_crc32(p, n));
	return n + 4;
}

static void annotations_appbin(void **state)
{
	uint8_t *d = malloc(0x2000);
	assert_non_null(d);
	memset(d, 0xFF, 0x2000);
	size_t len = put_appbin(d + 0x1000); /* user1 at 0x1000 of a dump from 0 */
	assert_int_equal(len, 84);
	struct dump_annots a = {0};
	assert_int_equal(dump_annotate(d, 0x2000, 0, 0x400000, &a, NULL), ED_OK);
	const struct dump_annot *img = find_annot(&a, "image ");
	assert_non_null(img);
	assert_int_equal(img->off, 0x1000);
	assert_int_equal(img->status, DUMP_ANNOT_OK);
	assert_non_null(strstr(img->text, "at 0x1000: boot mode 2, app slot user1,"));
	assert_non_null(strstr(img->text, "4 segments"));
	const struct dump_annot *crc = find_annot(&a, "CRC 0x");
	assert_non_null(crc);
	assert_int_equal(crc->off, 0x1000 + 80);
	assert_int_equal(crc->status, DUMP_ANNOT_OK);
	dump_annots_free(&a);
	/* one flipped bit in .data: checksum and CRC both wrong, the image marked bad */
	d[0x1000 + 40 + 12 + 8] ^= 1;
	assert_int_equal(dump_annotate(d, 0x2000, 0, 0x400000, &a, NULL), ED_OK);
	img = find_annot(&a, "image ");
	assert_non_null(img);
	assert_int_equal(img->status, DUMP_ANNOT_BAD);
	assert_non_null(strstr(find_annot(&a, "checksum 0x")->text, ": WRONG (computed"));
	assert_non_null(strstr(find_annot(&a, "CRC 0x")->text, ": WRONG (computed"));
	dump_annots_free(&a);
	free(d);
}

static void annotations_system_area(void **state)
{
	/* 0x3FB000..0x3FFFFF of a 4 MiB flash: RF cal (erased), init data, boot parameters
	 * in sector 1 (flag 0) saying user2, sector 2 erased */
	uint8_t *d = malloc(0x5000);
	assert_non_null(d);
	memset(d, 0xFF, 0x5000);
	uint8_t *init = d + 0x1000;
	memset(init, 0, 128);
	init[0] = 0x05;
	init[1] = 0x08;
	init[48] = 1;
	init[114] = 1;
	d[0x2000] = 0x05; /* usr_bin 1, boot_status 1 */
	d[0x2001] = 0x02;
	d[0x4000] = 0x00; /* flag 0: parameters in the first sector */
	struct dump_annots a = {0};
	assert_int_equal(dump_annotate(d, 0x5000, 0x3FB000, 0, &a, NULL), ED_OK);
	const struct dump_annot *x = find_annot(&a, "RF calibration sector at 0x3fb000");
	assert_non_null(x);
	assert_non_null(strstr(x->text, "erased"));
	x = find_annot(&a, "esp_init_data at 0x3fc000: version 8");
	assert_non_null(x);
	assert_int_equal(x->status, DUMP_ANNOT_OK);
	assert_int_equal(x->off, 0x1000);
	assert_non_null(find_annot(&a, "crystal: 26 MHz"));
	assert_non_null(find_annot(&a, "system parameters 1/3 at 0x3fd000 (boot parameters; "
				       "4.00 MiB flash)"));
	x = find_annot(&a, "boot parameters: usr_bin 1, boot_status 1, version 2 -> boots user2");
	assert_non_null(x);
	assert_int_equal(x->off, 0x2000);
	assert_non_null(find_annot(&a, "system parameters 2/3 at 0x3fe000 (boot parameters; "
				       "4.00 MiB flash): erased"));
	assert_non_null(find_annot(&a, "flag 0x00: boot parameters in sector 1"));
	assert_non_null(find_annot(&a, "erased 0x3fb000-0x3fbfff (4.0 KiB)"));
	dump_annots_free(&a);
	/* the seed's dump (2 KiB of 0xFF at 0x3FE000) and init data that was never written */
	memset(d, 0xFF, 0x5000);
	assert_int_equal(dump_annotate(d, 2048, 0x3FE000, 0, &a, NULL), ED_OK);
	assert_non_null(find_annot(&a, "system parameters 2/3 at 0x3fe000 (boot parameters; "
				       "4.00 MiB flash): erased"));
	assert_non_null(find_annot(&a, "erased 0x3fe000-0x3fe7ff (2.0 KiB)"));
	dump_annots_free(&a);
	assert_int_equal(dump_annotate(d, 0x1000, 0x7C000, 0, &a, NULL), ED_OK);
	x = find_annot(&a, "esp_init_data at 0x7c000: erased");
	assert_non_null(x);
	assert_int_equal(x->status, DUMP_ANNOT_WARN);
	dump_annots_free(&a);
	free(d);
}

static void annotations_preset(void **state)
{
	uint8_t d[2048];
	memset(d, 0xFF, sizeof d);
	struct dump_annots a = {0};
	struct ed_error err = {0};
	/* the seed's dump with the seed's preset */
	assert_int_equal(dump_annotate_with_preset(d, sizeof d, 0x3FE000, 0, "32m-c1", &a, &err),
			 ED_OK);
	const struct dump_annot *x =
	    find_annot(&a, "32m-c1 region blank at 0x3fe000 (4.0 KiB): erased");
	assert_non_null(x);
	assert_int_equal(x->off, 0);
	assert_int_equal(x->len, 2048);
	assert_non_null(find_annot(&a, "system parameters 2/3 at 0x3fe000"));
	dump_annots_free(&a);
	/* an unknown preset: the error says so, the other annotations are still there */
	assert_int_equal(
	    dump_annotate_with_preset(d, sizeof d, 0x3FE000, 0, "no-such-preset", &a, &err),
	    ED_ERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "no-such-preset"));
	assert_non_null(find_annot(&a, "erased 0x3fe000-0x3fe7ff (2.0 KiB)"));
	dump_annots_free(&a);
	/* hints without sizes run to the next region; data makes a region not erased */
	d[100] = 0;
	const struct dump_region_hint hints[] = {{"a", 0x3FE000, 0}, {"b", 0x3FE400, 0}};
	assert_int_equal(
	    dump_annotate_preset(d, sizeof d, 0x3FE000, "p", hints, 2, 0x400000, &a, NULL), ED_OK);
	assert_non_null(find_annot(&a, "p region a at 0x3fe000 (1.0 KiB)"));
	assert_null(find_annot(&a, "p region a at 0x3fe000 (1.0 KiB): erased"));
	x = find_annot(&a, "p region b at 0x3fe400 (7.0 KiB): erased");
	assert_non_null(x);
	assert_int_equal(x->len, 1024);
	dump_annots_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(base_names),
	    cmocka_unit_test(goto_parsing),
	    cmocka_unit_test(pattern_parsing),
	    cmocka_unit_test(search_cases),
	    cmocka_unit_test(render_rows),
	    cmocka_unit_test(collapse_runs),
	    cmocka_unit_test(collapse_unaligned_and_widths),
	    cmocka_unit_test(render_all_text),
	    cmocka_unit_test(diff_engine),
	    cmocka_unit_test(mapped_files),
	    cmocka_unit_test(annotations_images),
	    cmocka_unit_test(annotations_appbin),
	    cmocka_unit_test(annotations_system_area),
	    cmocka_unit_test(annotations_preset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
