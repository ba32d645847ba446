/* SPDX-License-Identifier: MIT
 * The virtual board's targeted faults (espdeck-sim(1), --fault) at the protocol level, with
 * the tiny host and no engine: each one does to the ROM exactly what its name says, fires
 * on the request it names, and bad values are refused with the accepted forms. Part of the
 * test-board executable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "board_tests.h"
#include "core/util.h"
#include "host.h"
#include "proto/packet.h"
#include "sim/sim.h"

static const uint8_t *flash_of(struct link *l)
{
	size_t size;
	return sim_board_flash(link_sim_board(l), &size);
}

/* Sectors 0 and 1 hold data, then FLASH_DATA #1 (of a write at 0x20000) arrives as
 * FLASH_BEGIN: its reply comes under FLASH_BEGIN, sectors 0 and 1 are erased, nothing is
 * written at 0x20000. */
static void test_op_flip(void **state)
{
	(void)state;
	struct link *l = open_synced("fast&fault=op-flip=#3");
	write_pattern(l, 0x0, 0x800, 5); /* FLASH_DATA #1, #2 */
	assert_int_equal(host_flash_begin(l, 0x1000, 1, 0x400, 0x20000, 1000000), 0);
	uint8_t block[0x400];
	memset(block, 0x11, sizeof block);
	struct host_reply r;
	uint8_t d[16 + 0x400];
	put_le32(d, 0x400);
	put_le32(d + 4, 0);
	put_le32(d + 8, 0);
	put_le32(d + 12, 0);
	memcpy(d + 16, block, sizeof block);
	assert_true(host_send(l, PKT_FLASH_DATA, d, sizeof d, pkt_checksum(block, 0x400)) >= 0);
	assert_true(host_recv(l, &r, 1000000));
	assert_int_equal(r.op, PKT_FLASH_BEGIN);
	assert_int_equal(r.status, 0);
	const uint8_t *f = flash_of(l);
	for (uint32_t i = 0; i < 0x2000; i++)
		assert_int_equal(f[i], 0xFF);
	assert_int_equal(f[0x20000], 0xFF);
	link_close(l);
}

/* FLASH_DATA #1's sequence number bit 3 flipped: block 0 is programmed as block 8. */
static void test_seq_flip(void **state)
{
	(void)state;
	struct link *l = open_synced("fast&fault=seq-flip=#1:3");
	write_pattern(l, 0x10000, 0x400, 9);
	const uint8_t *f = flash_of(l);
	assert_int_equal(f[0x10000], 0xFF);
	assert_int_equal(f[0x12000], 9);
	assert_int_equal(f[0x12001], 10);
	link_close(l);
}

/* Two flips in the same bit of one block pass the ROM's XOR checksum: 00 00, and the flash
 * differs from the block in exactly two bytes. */
static void test_data_flip2(void **state)
{
	(void)state;
	struct link *l = open_synced("fast&fault=data-flip2=#1:6");
	write_pattern(l, 0x10000, 0x400, 3);
	const uint8_t *f = flash_of(l);
	int diff = 0;
	for (int k = 0; k < 0x400; k++)
		if (f[0x10000 + k] != (uint8_t)(3 + k))
			assert_int_equal(f[0x10000 + k] ^ (uint8_t)(3 + k), 0x40), diff++;
	assert_int_equal(diff, 2);
	link_close(l);
}

/* READ_REG #2's address bit 2 flipped: the value of the next register, well formed. */
static void test_addr_flip(void **state)
{
	(void)state;
	struct link *l = open_synced("fast&fault=addr-flip=READ_REG:#2:2");
	assert_true(host_write_reg(l, 0x60000240, 0x11111111));
	assert_true(host_write_reg(l, 0x60000244, 0x22222222));
	uint32_t v = 0;
	assert_true(host_read_reg(l, 0x60000240, &v));
	assert_int_equal(v, 0x11111111);
	assert_true(host_read_reg(l, 0x60000240, &v));
	assert_int_equal(v, 0x22222222);
	link_close(l);
}

/* A duplicated reply, a request that arrives twice, a late reply, a refusal. */
static void test_dup_late_refuse(void **state)
{
	(void)state;
	struct host_reply r;
	struct link *l = open_synced("fast&fault=dup-reply=READ_REG:#1");
	uint8_t a[4];
	put_le32(a, PKT_CHIP_MAGIC_ADDR);
	assert_true(host_send(l, PKT_READ_REG, a, 4, 0) >= 0);
	assert_true(host_recv(l, &r, 100000));
	assert_true(host_recv(l, &r, 100000));
	assert_int_equal(r.value, PKT_ESP8266_MAGIC);
	assert_false(host_recv(l, &r, 100000));
	link_close(l);

	l = open_synced("fast&fault=dup-frame=WRITE_REG:#1");
	assert_true(host_send(l, PKT_READ_REG, a, 4, 0) >= 0);
	assert_true(host_recv(l, &r, 100000));
	assert_false(host_recv(l, &r, 100000));
	assert_true(host_write_reg(l, 0x60000240, 1));
	assert_true(host_recv(l, &r, 100000)); /* the second run's reply */
	assert_int_equal(r.op, PKT_WRITE_REG);
	link_close(l);

	l = open_synced("fast&fault=late=700@READ_REG:#1");
	uint64_t t0 = link_now_us(l);
	assert_true(host_send(l, PKT_READ_REG, a, 4, 0) >= 0);
	assert_false(host_recv(l, &r, 600000));
	assert_true(host_recv(l, &r, 200000));
	assert_true(link_now_us(l) - t0 >= 700000);
	link_close(l);

	l = open_synced("fast&fault=rom-error=READ_REG:#1");
	assert_true(host_cmd(l, PKT_READ_REG, a, 4, 0, &r, 100000));
	assert_int_equal(r.status, 1);
	assert_int_equal(r.error, 0x06);
	assert_true(host_cmd(l, PKT_READ_REG, a, 4, 0, &r, 100000));
	assert_int_equal(r.status, 0);
	link_close(l);
}

static void test_bad_fault_values(void **state)
{
	(void)state;
	static const char *const bad[][2] = {
	    {"sim://?fault=seq-flip=2", "seq-flip=P (a probability from 0 to 1)"},
	    {"sim://?fault=late=#2", "late takes MS@ before it"},
	    {"sim://?fault=addr-flip=#1:40", "addr-flip=#N"},
	    {"sim://?fault=dup-reply=NOPE:#1", "OP: before"},
	    {"sim://?fault=op-flip=#0", "the Nth request"},
	    {"sim://?fault=flip=1", "unknown fault 'flip'"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct link *l = NULL;
		struct ed_error err = {0};
		assert_int_equal(link_open(bad[i][0], NULL, &l, &err), ED_ERR_ARG);
		if (!strstr(err.msg, bad[i][1]))
			fail_msg("%s: %s", bad[i][0], err.msg);
	}
}

int board_fault_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_op_flip),	    cmocka_unit_test(test_seq_flip),
	    cmocka_unit_test(test_data_flip2),	    cmocka_unit_test(test_addr_flip),
	    cmocka_unit_test(test_dup_late_refuse), cmocka_unit_test(test_bad_fault_values),
	};
	return cmocka_run_group_tests_name("board_faults", tests, NULL, NULL);
}
