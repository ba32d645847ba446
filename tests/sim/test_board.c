/* SPDX-License-Identifier: MIT
 * The virtual board against the ROM protocol as the reference and esptool define it:
 * every command path, the SPI0 recipe, the NOR model, the erase bug, timing, faults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/util.h"
#include "host.h"
#include "proto/packet.h"
#include "sim/sim.h"

static struct link *open_sim(const char *opts)
{
	char spec[512];
	snprintf(spec, sizeof spec, "sim://?clock=virtual%s%s", *opts ? "&" : "", opts);
	struct link *l = NULL;
	struct ed_error err = {0};
	int rc = link_open(spec, NULL, &l, &err);
	if (rc < 0)
		fail_msg("link_open(%s): %s", spec, err.msg);
	return l;
}

static struct link *open_synced(const char *opts)
{
	struct link *l = open_sim(opts);
	assert_int_equal(host_sync(l), 8);
	return l;
}

static void test_sync_eight_replies(void **state)
{
	(void)state;
	struct link *l = open_sim("");
	uint8_t p[36];
	pkt_sync_payload(p);
	host_send(l, PKT_SYNC, p, 36, 0);
	/* Reference §2.3: eight identical 12-byte frames C0 01 08 02 00 07 07 12 20 00 00 C0. */
	uint8_t buf[256];
	size_t got = 0;
	struct ed_error err;
	for (;;) {
		int n = link_read(l, buf + got, sizeof buf - got, 50000, &err);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	static const uint8_t one[12] = {0xC0, 0x01, 0x08, 0x02, 0x00, 0x07,
					0x07, 0x12, 0x20, 0x00, 0x00, 0xC0};
	assert_int_equal(got, 96);
	for (int i = 0; i < 8; i++)
		assert_memory_equal(buf + 12 * i, one, 12);
	link_close(l);
}

static void test_commands_before_sync_ignored(void **state)
{
	(void)state;
	struct link *l = open_sim("");
	uint32_t v;
	assert_false(host_read_reg(l, PKT_CHIP_MAGIC_ADDR, &v));
	assert_int_equal(host_sync(l), 8);
	assert_true(host_read_reg(l, PKT_CHIP_MAGIC_ADDR, &v));
	assert_int_equal(v, 0xFFF0C101u);
	link_close(l);
}

static void test_read_reg_mac_and_crystal(void **state)
{
	(void)state;
	struct link *l = open_synced("mac=5c:cf:7f:01:02:03");
	uint32_t r0, r1, r3, div;
	assert_true(host_read_reg(l, 0x3FF00050, &r0));
	assert_true(host_read_reg(l, 0x3FF00054, &r1));
	assert_true(host_read_reg(l, 0x3FF0005C, &r3));
	/* esptool's decoding (targets/esp8266.py read_mac). */
	assert_int_equal((r3 >> 16) & 0xFF, 0x5C);
	assert_int_equal((r3 >> 8) & 0xFF, 0xCF);
	assert_int_equal(r3 & 0xFF, 0x7F);
	assert_int_equal((r1 >> 8) & 0xFF, 0x01);
	assert_int_equal(r1 & 0xFF, 0x02);
	assert_int_equal(r0 >> 24, 0x03);
	assert_int_equal(r0 & 0x10, 0); /* not an ESP8285 */
	/* UART divider: a real 26 MHz board reads 0x1C4 at 115200. */
	assert_true(host_read_reg(l, 0x60000014, &div));
	assert_int_equal(div & 0xFFFFF, 0x1C4);
	link_close(l);
}

static void test_rdid_and_sfdp(void **state)
{
	(void)state;
	struct link *l = open_synced("flash-size=1MB");
	assert_int_equal(host_flash_begin(l, 0, 0, 0x400, 0, 3000000), 0);
	uint32_t id = host_spi_command(l, 0x9F, NULL, 0, 24, 0, 0, 0);
	assert_int_equal(id & 0xFFFFFF, 0x1440EF);
	uint32_t sig = host_spi_command(l, 0x5A, NULL, 0, 32, 0, 24, 8);
	assert_int_equal(sig, 0x50444653u);
	uint32_t xmc = host_spi_command(l, 0x5A, NULL, 0, 8, 0x10, 24, 8);
	assert_int_not_equal(xmc & 0xFF, 0x20);
	link_close(l);
}

static void write_pattern(struct link *l, uint32_t offset, uint32_t len, uint8_t seed)
{
	uint8_t block[0x400];
	uint32_t blocks = (len + 0x3FF) / 0x400;
	/* Raw FLASH_BEGIN: the ROM erases more than asked (§6.1), harmless here. */
	assert_int_equal(host_flash_begin(l, len, blocks, 0x400, offset, 30000000), 0);
	for (uint32_t i = 0; i < blocks; i++) {
		for (int k = 0; k < 0x400; k++)
			block[k] = (uint8_t)(seed + i * 7 + (unsigned)k);
		assert_int_equal(host_flash_data(l, block, 0x400, i), 0);
	}
}

static void test_erase_bug_one_sector(void **state)
{
	(void)state;
	struct link *l = open_synced("fast");
	struct sim_board *b = link_sim_board(l);
	assert_non_null(b);
	write_pattern(l, 0x10000, 0x3000, 1); /* sectors 0x10-0x12 hold data */
	size_t size;
	const uint8_t *f = sim_board_flash(b, &size);
	assert_int_equal(f[0x11000], (uint8_t)(1 + 4 * 7));
	/* An uncompensated one-sector FLASH_BEGIN just below the data erases the next
	 * sector too (reference §6.1: x + min(t, x) = 2 sectors). */
	assert_int_equal(host_flash_begin(l, 0x1000, 4, 0x400, 0xF000, 3000000), 0);
	for (uint32_t a = 0xF000; a < 0x11000; a++)
		if (f[a] != 0xFF)
			fail_msg("byte at 0x%x is 0x%02x, expected erased", a, f[a]);
	assert_int_not_equal(f[0x11000], 0xFF);
	link_close(l);
}

static void test_unknown_opcode(void **state)
{
	(void)state;
	struct link *l = open_synced("");
	struct host_reply r;
	assert_true(host_cmd(l, 0x14, NULL, 0, 0, &r, 3000000));
	assert_int_equal(r.op, 0x14);
	assert_int_equal(r.status, 1);
	assert_int_equal(r.error, 5);
	assert_int_equal(r.len, 2);
	link_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_eight_replies),
		cmocka_unit_test(test_commands_before_sync_ignored),
		cmocka_unit_test(test_read_reg_mac_and_crystal),
		cmocka_unit_test(test_rdid_and_sfdp),
		cmocka_unit_test(test_erase_bug_one_sector),
		cmocka_unit_test(test_unknown_opcode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
