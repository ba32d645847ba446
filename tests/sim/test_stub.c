/* SPDX-License-Identifier: MIT
 * The emulated esptool flasher stub: uploaded through MEM_* like esptool does, it says
 * OHAI and then speaks the stub protocol (reference §9): compressed writes with lazy
 * exact erase, MD5, reads with acks, erase commands, and the reboot back to the ROM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "core/util.h"
#include "host.h"
#include "proto/packet.h"
#include "proto/slip.h"
#include "sim/sim.h"

static struct link *open_stub(const char *opts)
{
	char spec[256];
	snprintf(spec, sizeof spec, "sim://?clock=virtual&fast%s%s", *opts ? "&" : "", opts);
	struct link *l = NULL;
	struct ed_error err;
	if (link_open(spec, NULL, &l, &err) < 0)
		fail_msg("%s", err.msg);
	/* A stall fault may hold back a SYNC's replies: sync again, as esptool does. */
	int synced = 0;
	for (int i = 0; i < 20 && synced < 8; i++)
		synced = host_sync(l);
	assert_true(synced >= 8);
	/* esptool's upload: MEM_BEGIN text at 0x4010D000, one block, MEM_END to +4. */
	uint8_t d[16 + 64];
	put_le32(d, 64);
	put_le32(d + 4, 1);
	put_le32(d + 8, 0x1800);
	put_le32(d + 12, 0x4010D000);
	struct host_reply r;
	assert_true(host_cmd(l, PKT_MEM_BEGIN, d, 16, 0, &r, 3000000));
	memset(d, 0, sizeof d);
	put_le32(d, 64);
	assert_true(host_cmd(l, PKT_MEM_DATA, d, 16 + 64, pkt_checksum(d + 16, 64), &r, 3000000));
	put_le32(d, 0);
	put_le32(d + 4, 0x4010D004);
	assert_true(host_cmd(l, PKT_MEM_END, d, 8, 0, &r, 3000000));
	/* The stub's only unsolicited frame: C0 "OHAI" C0. */
	uint8_t buf[6];
	size_t got = 0;
	while (got < 6) {
		int n = link_read(l, buf + got, 6 - got, 100000, &err);
		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_memory_equal(buf, "\xC0OHAI\xC0", 6);
	return l;
}

static uint8_t pattern[5000];

static void make_pattern(void)
{
	for (size_t i = 0; i < sizeof pattern; i++)
		pattern[i] = (uint8_t)(i * 7);
}

static void test_stub_compressed_write_and_md5(void **state)
{
	(void)state;
	make_pattern();
	struct link *l = open_stub("");
	struct sim_board *b = link_sim_board(l);
	size_t fsize;
	const uint8_t *f = sim_board_flash(b, &fsize);
	/* Something to see the exact erase against. */
	uint8_t z[8192];
	uLongf zlen = sizeof z;
	assert_int_equal(compress2(z, &zlen, pattern, sizeof pattern, 9), Z_OK);
	uint8_t d[16 + 8192];
	put_le32(d, sizeof pattern);
	put_le32(d + 4, 1);
	put_le32(d + 8, 0x4000);
	put_le32(d + 12, 0x3000);
	struct host_reply r;
	assert_true(host_cmd(l, PKT_FLASH_DEFL_BEGIN, d, 16, 0, &r, 3000000));
	assert_int_equal(r.value, 0);
	assert_int_equal(r.status, 0);
	put_le32(d, (uint32_t)zlen);
	put_le32(d + 4, 0);
	put_le32(d + 8, 0);
	put_le32(d + 12, 0);
	memcpy(d + 16, z, zlen);
	assert_true(host_cmd(l, PKT_FLASH_DEFL_DATA, d, (uint16_t)(16 + zlen),
			     pkt_checksum(z, zlen) ^ 0x10, &r, 3000000));
	assert_int_equal(r.status, 0xC1); /* stub: bad checksum in the first byte */
	assert_true(host_cmd(l, PKT_FLASH_DEFL_DATA, d, (uint16_t)(16 + zlen),
			     pkt_checksum(z, zlen), &r, 3000000));
	assert_int_equal(r.status, 0);
	put_le32(d, 1);
	assert_true(host_cmd(l, PKT_FLASH_DEFL_END, d, 4, 0, &r, 3000000));
	assert_int_equal(r.status, 0);
	assert_memory_equal(f + 0x3000, pattern, sizeof pattern);
	/* The stub erases exactly the sectors it writes: 0x3000-0x4FFF, not 0x5000. */
	assert_int_equal(f[0x3000 + sizeof pattern], 0xFF);
	put_le32(d, 0x3000);
	put_le32(d + 4, sizeof pattern);
	put_le32(d + 8, 0);
	put_le32(d + 12, 0);
	assert_true(host_cmd(l, PKT_SPI_FLASH_MD5, d, 16, 0, &r, 3000000));
	assert_int_equal(r.len, 18);
	static const uint8_t md5[16] = {0xa6, 0x39, 0xf2, 0x4b, 0x2f, 0x2e, 0xcd, 0x14,
					0x57, 0xee, 0xc6, 0xa7, 0xaf, 0x94, 0x28, 0x94};
	assert_memory_equal(r.data, md5, 16);
	link_close(l);
}

static void test_stub_read_flash(void **state)
{
	(void)state;
	make_pattern();
	struct link *l = open_stub("");
	/* Uncompressed write through the stub, then READ_FLASH in 1000-byte packets. */
	uint8_t d[16 + 0x1400];
	put_le32(d, sizeof pattern);
	put_le32(d + 4, 1);
	put_le32(d + 8, 0x1400);
	put_le32(d + 12, 0x10000);
	struct host_reply r;
	assert_true(host_cmd(l, PKT_FLASH_BEGIN, d, 16, 0, &r, 3000000));
	assert_int_equal(r.status, 0);
	memset(d + 16, 0xFF, 0x1400);
	memcpy(d + 16, pattern, sizeof pattern);
	put_le32(d, 0x1400);
	put_le32(d + 4, 0);
	put_le32(d + 8, 0);
	put_le32(d + 12, 0);
	assert_true(
	    host_cmd(l, PKT_FLASH_DATA, d, 16 + 0x1400, pkt_checksum(d + 16, 0x1400), &r, 3000000));
	assert_int_equal(r.status, 0);
	put_le32(d, 0x10000);
	put_le32(d + 4, 3000);
	put_le32(d + 8, 1000);
	put_le32(d + 12, 64);
	assert_true(host_cmd(l, PKT_READ_FLASH, d, 16, 0, &r, 3000000));
	assert_int_equal(r.status, 0);
	uint8_t got[3000], fbuf[2100];
	struct slip_decoder dec;
	slip_decoder_init(&dec, fbuf, sizeof fbuf);
	size_t have = 0;
	uint8_t digest[16];
	bool done = false;
	struct ed_error err;
	while (!done) {
		uint8_t c;
		assert_int_equal(link_read(l, &c, 1, 100000, &err), 1);
		size_t used, flen;
		if (slip_decoder_feed(&dec, &c, 1, &used) != SLIP_FRAME)
			continue;
		const uint8_t *fr = slip_decoder_frame(&dec, &flen);
		if (have < sizeof got) {
			assert_int_equal(flen, 1000);
			memcpy(got + have, fr, flen);
			have += flen;
			uint8_t ack[4];
			put_le32(ack, (uint32_t)have);
			uint8_t wire[10];
			link_write(l, wire, slip_encode(ack, 4, wire), &err);
		} else {
			assert_int_equal(flen, 16);
			memcpy(digest, fr, 16);
			done = true;
		}
	}
	assert_memory_equal(got, pattern, sizeof got);
	(void)digest;
	link_close(l);
}

static void test_stub_erase_and_reboot(void **state)
{
	(void)state;
	struct link *l = open_stub("");
	uint8_t d[16];
	struct host_reply r;
	/* ERASE_REGION needs sector alignment; the stub's OR quirk reports 0x01. */
	put_le32(d, 0x1100);
	put_le32(d + 4, 0x1000);
	assert_true(host_cmd(l, PKT_ERASE_REGION, d, 8, 0, &r, 3000000));
	assert_int_equal(r.status, 0x01);
	put_le32(d, 0x1000);
	assert_true(host_cmd(l, PKT_ERASE_REGION, d, 8, 0, &r, 3000000));
	assert_int_equal(r.status, 0);
	/* READ_REG still works and carries the word; unknown commands get 0xFF. */
	uint32_t v;
	assert_true(host_read_reg(l, PKT_CHIP_MAGIC_ADDR, &v));
	assert_int_equal(v, 0xFFF0C101u);
	assert_true(host_cmd(l, PKT_GET_SECURITY_INFO, NULL, 0, 0, &r, 3000000));
	assert_int_equal(r.status, 0xFF);
	/* FLASH_END(0) outside flash mode: 0xC6, and still the reboot into the ROM loader
	 * (latched straps), which answers SYNC with 0x20120707 again. */
	put_le32(d, 0);
	assert_true(host_cmd(l, PKT_FLASH_END, d, 4, 0, &r, 3000000));
	assert_int_equal(r.status, 0xC6);
	link_sleep_us(l, 20000);
	assert_false(host_read_reg(l, PKT_CHIP_MAGIC_ADDR, &v));
	assert_int_equal(host_sync(l), 8);
	assert_true(
	    host_cmd(l, PKT_READ_REG, (const uint8_t *)"\x00\x10\x00\x40", 4, 0, &r, 3000000));
	assert_int_equal(sim_board_state(link_sim_board(l), link_now_us(l) * 1000),
			 SIM_STATE_LOADER);
	link_close(l);
}

static void test_stub_garbage_never_crashes(void **state)
{
	(void)state;
	struct link *l = open_stub("flash-size=256KB");
	uint32_t x = 77;
	static uint8_t data[0x4100];
	for (int i = 0; i < 2000; i++) {
		x = x * 1664525u + 1013904223u;
		uint8_t op = (uint8_t)(x >> 24);
		if (op == PKT_FLASH_END || op == PKT_FLASH_DEFL_END || op == PKT_RUN_USER_CODE ||
		    op == PKT_CHANGE_BAUDRATE || op == PKT_WRITE_REG || op == PKT_MEM_END)
			op = PKT_FLASH_DEFL_DATA;
		if (op == PKT_READ_FLASH && i % 100)
			op = PKT_SPI_FLASH_MD5; /* a read waits for exact acks: keep it rare */
		uint16_t len = (uint16_t)((x >> 8) % (i % 5 == 0 ? 0x4080 : 48));
		for (uint16_t k = 0; k < len; k++) {
			x = x * 1664525u + 1013904223u;
			data[k] = (uint8_t)(x >> 20);
		}
		host_send(l, op, data, len,
			  pkt_checksum(data + (len > 16 ? 16 : len), len > 16 ? len - 16u : 0));
		uint8_t out[512];
		struct ed_error err;
		/* Acknowledge whatever READ_FLASH sends, with a wrong count now and then. */
		uint8_t ack[4], wire[10];
		put_le32(ack, x & 0xFFFF);
		link_write(l, wire, slip_encode(ack, 4, wire), &err);
		while (link_read(l, out, sizeof out, 0, &err) > 0) {
		}
	}
	uint32_t v;
	struct sim_board *b = link_sim_board(l);
	sim_board_reset(b, true, link_now_us(l) * 1000);
	assert_int_equal(host_sync(l), 8);
	assert_true(host_read_reg(l, PKT_CHIP_MAGIC_ADDR, &v));
	link_close(l);
}

/* stall=500@0.2 in the stub: about one command in five is late, and a late one does not
 * make the next one late (the stub used to inherit the draw of the ROM's MEM_END). */
static void test_stub_stall_independent(void **state)
{
	(void)state;
	struct link *l = open_stub("fault=stall=500@0.2&seed=3");
	int late = 0, late_pairs = 0;
	bool prev = false;
	for (int i = 0; i < 300; i++) {
		uint64_t t0 = link_now_us(l);
		uint32_t v;
		assert_true(host_read_reg(l, 0x3FF00050, &v));
		bool is_late = link_now_us(l) - t0 >= 500000;
		late += is_late;
		late_pairs += is_late && prev;
		prev = is_late;
	}
	/* binomial(300, 0.2): 60 +- 7; pairs 12 +- 3.5 when independent */
	if (late < 30 || late > 90 || late_pairs > 30)
		fail_msg("%d of 300 stub replies stalled, %d right after another stall: the "
			 "draws are not independent with p = 0.2",
			 late, late_pairs);
	link_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stub_compressed_write_and_md5),
	    cmocka_unit_test(test_stub_read_flash),
	    cmocka_unit_test(test_stub_erase_and_reboot),
	    cmocka_unit_test(test_stub_garbage_never_crashes),
	    cmocka_unit_test(test_stub_stall_independent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
