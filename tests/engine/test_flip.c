/* SPDX-License-Identifier: MIT
 * QA's silent-corruption cases, in process: one bit of a FLASH_BEGIN offset or a
 * FLASH_DATA sequence number flipped on the way to the virtual board (neither header has
 * a checksum). The write must end with the data in place or with a clear error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/flasher.h"
#include "engine/loader.h"
#include "fliplink.h"
#include "link/link.h"
#include "proto/packet.h"
#include "sim/sim.h"
#include "test_flip.h"

#define SECTOR 4096u

struct flip_board {
	struct link *link;
	struct loader *ld;
	struct ed_error err;
	char log[4096];
};

static void capture(void *user, enum ed_log_level level, const char *line)
{
	struct flip_board *b = user;
	size_t n = strlen(b->log);
	(void)level;
	snprintf(b->log + n, sizeof b->log - n, "%s\n", line);
}

static void flip_open(struct flip_board *b, const struct fliplink_rule *rule)
{
	memset(b, 0, sizeof *b);
	struct link *inner;
	assert_int_equal(link_open("sim://?fast&clock=virtual", NULL, &inner, &b->err), ED_OK);
	b->link = fliplink_wrap(inner, rule);
	assert_non_null(b->link);
	struct loader_config cfg = {.log = {capture, b, ED_LOG_INFO}};
	assert_int_equal(loader_create(b->link, &cfg, &b->ld, &b->err), ED_OK);
	if (loader_connect(b->ld, LOADER_BEFORE_DEFAULT_RESET, &b->err) != ED_OK)
		fail_msg("connect: %s", b->err.msg);
}

static void flip_close(struct flip_board *b)
{
	loader_destroy(b->ld);
	link_close(b->link);
}

static const uint8_t *flip_flash(struct flip_board *b)
{
	size_t size;
	return sim_board_flash(link_sim_board(fliplink_inner(b->link)), &size);
}

static void pattern(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static int write_at(struct flip_board *b, uint32_t off, const uint8_t *d, uint32_t n,
		    bool check_blocks)
{
	struct flasher_write_opts wo = {.flash_size = 4u << 20, .check_blocks = check_blocks};
	return flasher_write(b->ld, off, d, n, &wo, NULL, &b->err);
}

/* QA case (a): offset 0x101000 -> 0x111000 on erased flash; the ROM writes every block at
 * the wrong place and reports success. The file is written again and read back, but
 * 0x111000 now holds it: an error naming that range (issue 11, defect 1), never exit 0. */
void test_flip_begin_offset_erased(void **state)
{
	(void)state;
	struct fliplink_rule rule = {PKT_FLASH_BEGIN, 3, 0x101000, 1u << 16, 1, 1};
	struct flip_board b;
	flip_open(&b, &rule);
	uint8_t d[SECTOR];
	pattern(d, sizeof d, 11);
	assert_int_equal(write_at(&b, 0x101000, d, sizeof d, false), ED_ERR_VERIFY);
	assert_int_equal(fliplink_flipped(b.link), 1);
	assert_memory_equal(flip_flash(&b) + 0x101000, d, sizeof d);
	assert_non_null(strstr(b.log, "did not reach the flash, the first at 0x101000"));
	assert_non_null(strstr(b.log, "writing 0x101000 again"));
	assert_non_null(strstr(b.err.msg, "0x111000..0x111fff (a FLASH_BEGIN with a corrupted "
					  "offset)"));
	assert_non_null(strstr(b.err.msg, "espdeck read_flash"));
	flip_close(&b);
}

/* The same flip over old data at 0x111000, for a one-sector write (erase size 0, the sector
 * erased by SPI first): block 0 fails the ROM's read-back (0x08) until FLASH_BEGIN is sent
 * again; the old data it was programmed over is damaged, and the error says where. */
void test_flip_begin_offset_old_data(void **state)
{
	(void)state;
	struct fliplink_rule rule = {PKT_FLASH_BEGIN, 3, 0x101000, 1u << 16, 1, 1};
	struct flip_board b;
	flip_open(&b, &rule);
	uint8_t old[SECTOR], d[SECTOR];
	pattern(old, sizeof old, 3);
	pattern(d, sizeof d, 4);
	assert_int_equal(write_at(&b, 0x111000, old, sizeof old, false), ED_OK);
	assert_int_equal(write_at(&b, 0x101000, d, sizeof d, false), ED_ERR_VERIFY);
	assert_memory_equal(flip_flash(&b) + 0x101000, d, sizeof d);
	assert_memory_not_equal(flip_flash(&b) + 0x111000, old, sizeof old);
	assert_non_null(strstr(b.log, "starting the write at 0x101000 again"));
	assert_non_null(strstr(b.err.msg, "0x111000..0x1113ff"));
	flip_close(&b);
}

/* A line that corrupts every FLASH_BEGIN: an error naming the misplaced write, never
 * success. */
void test_flip_begin_offset_always(void **state)
{
	(void)state;
	struct fliplink_rule rule = {PKT_FLASH_BEGIN, 3, 0x101000, 1u << 16, -1, 1};
	struct flip_board b;
	flip_open(&b, &rule);
	uint8_t d[SECTOR];
	pattern(d, sizeof d, 5);
	assert_int_equal(write_at(&b, 0x101000, d, sizeof d, false), ED_ERR_VERIFY);
	assert_non_null(strstr(b.err.msg, "after writing 0x101000 twice: "));
	assert_non_null(strstr(b.err.msg, "read back wrong, the first difference at 0x101000"));
	flip_close(&b);
}

/* A FLASH_DATA sequence number 3 -> 11 (the last block of a 4 KiB write) is caught by the
 * check every write gets; block 11 (0x103c00, erased before) now holds block 3's data. */
void test_flip_data_seq_last_block(void **state)
{
	(void)state;
	struct fliplink_rule rule = {PKT_FLASH_DATA, 1, 3, 8, 1, 0};
	struct flip_board b;
	flip_open(&b, &rule);
	uint8_t d[SECTOR];
	pattern(d, sizeof d, 6);
	assert_int_equal(write_at(&b, 0x101000, d, sizeof d, false), ED_ERR_VERIFY);
	assert_int_equal(fliplink_flipped(b.link), 1);
	assert_memory_equal(flip_flash(&b) + 0x101000, d, sizeof d);
	assert_non_null(strstr(b.log, "did not reach the flash, the first at 0x101c00"));
	assert_non_null(strstr(b.err.msg, "0x103c00..0x103fff (a block with a corrupted "
					  "sequence number)"));
	flip_close(&b);
}

/* QA case (b): sequence number 1 -> 9 in the middle of a write, seen by the per-block
 * check every write gets now (it used to need --check-blocks). */
void test_flip_data_seq_check_blocks(void **state)
{
	(void)state;
	struct fliplink_rule rule = {PKT_FLASH_DATA, 1, 1, 8, 1, 0};
	struct flip_board b;
	flip_open(&b, &rule);
	uint8_t d[SECTOR];
	pattern(d, sizeof d, 7);
	assert_int_equal(write_at(&b, 0x101000, d, sizeof d, false), ED_ERR_VERIFY);
	assert_int_equal(fliplink_flipped(b.link), 1);
	assert_memory_equal(flip_flash(&b) + 0x101000, d, sizeof d);
	assert_non_null(strstr(b.log, "did not reach the flash, the first at 0x101400"));
	assert_non_null(strstr(b.err.msg, "0x103400..0x1037ff"));
	flip_close(&b);
}

/* Sequence number 1 -> 3 inside the file: block 1 lands where block 3 goes, block 3 then
 * fails the ROM's read-back (0x08) on top of it; the file is written once more. */
void test_flip_data_seq_into_file(void **state)
{
	(void)state;
	struct fliplink_rule rule = {PKT_FLASH_DATA, 1, 1, 2, 1, 0};
	struct flip_board b;
	flip_open(&b, &rule);
	uint8_t d[SECTOR];
	pattern(d, sizeof d, 8);
	if (write_at(&b, 0x101000, d, sizeof d, false) != ED_OK)
		fail_msg("write: %s", b.err.msg);
	assert_int_equal(fliplink_flipped(b.link), 1);
	assert_memory_equal(flip_flash(&b) + 0x101000, d, sizeof d);
	assert_non_null(strstr(b.log, "read-back check of block 3 failed 3 times"));
	assert_non_null(strstr(b.log, "writing 0x101000 again"));
	flip_close(&b);
}

/* FLASH_BEGIN's erase size 0x1000 -> 0x3000 (bit 13): the ROM erases six sectors instead of
 * two and answers success; the data after the file is gone. The word watched after the
 * file (read before the write) shows it: an error naming the sector, never exit 0. */
void test_flip_begin_erase_size(void **state)
{
	(void)state;
	struct fliplink_rule rule = {PKT_FLASH_BEGIN, 0, 0x1000, 1u << 13, 1, 1};
	struct flip_board b;
	flip_open(&b, &rule);
	uint8_t old[4 * SECTOR], d[2 * SECTOR];
	pattern(old, sizeof old, 12);
	pattern(d, sizeof d, 13);
	/* the data after the file, written first (its own FLASH_BEGIN asks for 0x2000) */
	assert_int_equal(write_at(&b, 0x102000, old, sizeof old, false), ED_OK);
	assert_int_equal(fliplink_flipped(b.link), 0);
	assert_int_equal(write_at(&b, 0x100000, d, sizeof d, false), ED_ERR_VERIFY);
	assert_int_equal(fliplink_flipped(b.link), 1);
	assert_memory_equal(flip_flash(&b) + 0x100000, d, sizeof d);
	assert_non_null(strstr(b.err.msg, "sector 0x102000 outside 0x100000..0x101fff changed"));
	assert_non_null(strstr(b.err.msg, "erase size corrupted on the wire"));
	flip_close(&b);
}

/* The same flip on erase_region's ROM erase (0x110000+0x3000: 0x1000 asked, 0x3000
 * received): the sectors after the region are gone and the error says so. */
void test_flip_erase_region_size(void **state)
{
	(void)state;
	struct fliplink_rule rule = {PKT_FLASH_BEGIN, 0, 0x1000, 1u << 13, 1, 0};
	struct flip_board b;
	flip_open(&b, &rule);
	uint8_t old[6 * SECTOR];
	pattern(old, sizeof old, 14);
	assert_int_equal(write_at(&b, 0x110000, old, sizeof old, false), ED_OK);
	assert_int_equal(fliplink_flipped(b.link), 0);
	assert_int_equal(flasher_erase_region(b.ld, 0x110000, 3 * SECTOR, NULL, &b.err),
			 ED_ERR_VERIFY);
	assert_int_equal(fliplink_flipped(b.link), 1);
	assert_non_null(strstr(b.err.msg, "sector 0x113000 outside 0x110000..0x112fff changed"));
	flip_close(&b);
}

/* SPI erases: a flipped bit in the erase address (WRITE_REG of ADDR) and a lost status
 * read (RDSR's CMD write turned into nothing) must neither erase another sector nor end
 * the wait early. */
void test_flip_spi_erase(void **state)
{
	(void)state;
	static const struct fliplink_rule rules[] = {
	    {PKT_WRITE_REG, 1, 0x120000, 1u << 16, 1, 0}, /* ADDR 0x120000 -> 0x130000 */
	    {PKT_WRITE_REG, 1, 1u << 27, 1u << 27, 2, 0}, /* built-in RDSR -> nothing */
	};
	for (size_t k = 0; k < sizeof rules / sizeof rules[0]; k++) {
		struct flip_board b;
		flip_open(&b, &rules[k]);
		uint8_t d[3 * 0x10000];
		pattern(d, sizeof d, 9);
		assert_int_equal(write_at(&b, 0x110000, d, sizeof d, false), ED_OK);
		/* one sector: the ROM cannot erase it alone, SPI commands do */
		if (flasher_erase_region(b.ld, 0x120000, SECTOR, NULL, &b.err) != ED_OK)
			fail_msg("erase: %s", b.err.msg);
		assert_int_equal(fliplink_flipped(b.link), (int)k + 1);
		const uint8_t *f = flip_flash(&b) + 0x110000;
		for (uint32_t i = 0; i < sizeof d; i++) {
			bool erased = i >= 0x10000 && i < 0x10000 + SECTOR;
			if (erased ? f[i] != 0xFF : f[i] != d[i])
				fail_msg("rule %zu: 0x%06x holds %02x", k, 0x110000 + i, f[i]);
		}
		flip_close(&b);
	}
}
