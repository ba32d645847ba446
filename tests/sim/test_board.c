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
#include <unistd.h>

#include <cmocka.h>

#include "core/util.h"
#include "board_tests.h"
#include "host.h"
#include "proto/packet.h"
#include "proto/slip.h"
#include "sim/sim.h"

struct link *open_sim(const char *opts)
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

struct link *open_synced(const char *opts)
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

void write_pattern(struct link *l, uint32_t offset, uint32_t len, uint8_t seed)
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

static uint64_t wire_us(size_t bytes)
{
	return bytes * 86806ull / 1000; /* 115200 baud, 10 bits per byte, rounded to ns */
}

static void test_timing_flash_begin(void **state)
{
	(void)state;
	struct link *l = open_synced("latency-ms=5");
	uint64_t t0 = link_now_us(l);
	/* 0x1000 at 0x10000: the ROM erases 2 sectors (45 ms each, W25Q32 typical). */
	assert_int_equal(host_flash_begin(l, 0x1000, 4, 0x400, 0x10000, 3000000), 0);
	uint64_t took = link_now_us(l) - t0;
	/* request 26 bytes on the wire, 90 ms erase, 5 ms latency, reply 12 bytes */
	uint64_t model = wire_us(26 + 12) + 90000 + 5000;
	if (took + 2 < model || took > model + 2)
		fail_msg("FLASH_BEGIN took %llu us on the virtual clock, model %llu us",
			 (unsigned long long)took, (unsigned long long)model);
	/* 1 KiB block: 4 page programs of 0.7 ms. */
	uint8_t block[0x400];
	memset(block, 0x11, sizeof block);
	t0 = link_now_us(l);
	assert_int_equal(host_flash_data(l, block, 0x400, 0), 0);
	took = link_now_us(l) - t0;
	model = wire_us(2 + 8 + 16 + 0x400 + 12) + 2800 + 5000;
	if (took + 2 < model || took > model + 2)
		fail_msg("FLASH_DATA took %llu us, model %llu us", (unsigned long long)took,
			 (unsigned long long)model);
	link_close(l);
}

static void test_timing_fast(void **state)
{
	(void)state;
	struct link *l = open_synced("fast");
	uint64_t t0 = link_now_us(l);
	assert_int_equal(host_flash_begin(l, 0x100000, 1024, 0x400, 0, 3000000), 0);
	assert_int_equal(link_now_us(l) - t0, 0);
	link_close(l);
}

static void test_sticky_value_and_status(void **state)
{
	(void)state;
	struct link *l = open_synced("");
	struct host_reply r;
	uint8_t d[16] = {0};
	/* After SYNC the value field carries 0x20120707 ... */
	assert_true(host_cmd(l, PKT_FLASH_BEGIN, d, 16, 0, &r, 3000000));
	assert_int_equal(r.value, PKT_SYNC_VALUE);
	assert_int_equal(r.len, 2);
	/* ... and after a READ_REG every reply repeats the word read (reference §1.4). */
	uint32_t v;
	assert_true(host_read_reg(l, 0x3FF00054, &v));
	assert_true(host_cmd(l, PKT_FLASH_BEGIN, d, 16, 0, &r, 3000000));
	assert_int_equal(r.value, v);
	link_close(l);
}

static void test_flash_data_errors(void **state)
{
	(void)state;
	struct link *l = open_synced("fast");
	uint8_t block[0x400];
	memset(block, 0x5A, sizeof block);
	/* No FLASH_BEGIN yet: invalid message. */
	assert_int_equal(host_flash_data(l, block, 0x400, 0), 0x0105);
	assert_int_equal(host_flash_begin(l, 0x400, 1, 0x400, 0x2000, 3000000), 0);
	/* Wrong checksum: 01 07. */
	uint8_t d[16 + 0x400];
	put_le32(d, 0x400);
	put_le32(d + 4, 0);
	put_le32(d + 8, 0);
	put_le32(d + 12, 0);
	memcpy(d + 16, block, 0x400);
	struct host_reply r;
	assert_true(
	    host_cmd(l, PKT_FLASH_DATA, d, sizeof d, pkt_checksum(block, 0x400) ^ 1, &r, 3000000));
	assert_int_equal(r.status << 8 | r.error, 0x0107);
	/* Length word that does not match the data: 01 05. */
	put_le32(d, 0x3FC);
	assert_true(
	    host_cmd(l, PKT_FLASH_DATA, d, sizeof d, pkt_checksum(block, 0x400), &r, 3000000));
	assert_int_equal(r.status << 8 | r.error, 0x0105);
	/* A good block, then the same block again over programmed bits: the ROM's read-back
	 * check fails with 01 08 because program can only clear bits. */
	assert_int_equal(host_flash_data(l, block, 0x400, 0), 0);
	block[0] = 0xA5; /* 0x5A & 0xA5 = 0: the sum of what was read back differs */
	assert_int_equal(host_flash_data(l, block, 0x400, 0), 0x0108);
	/* Unaligned FLASH_BEGIN: 01 05. */
	assert_int_equal(host_flash_begin(l, 0x400, 1, 0x400, 0x2100, 3000000), 0x0105);
	link_close(l);
}

static void test_flash_above_4mb_needs_set_params(void **state)
{
	(void)state;
	struct link *l = open_synced("fast&flash-size=16MB");
	/* The ROM's flashchip defaults to 4 MB (reference §6.1). */
	assert_int_equal(host_flash_begin(l, 0x1000, 4, 0x400, 0x800000, 3000000), 0x0105);
	uint8_t p[24];
	uint32_t words[6] = {0x1840EF, 0x1000000, 0x10000, 0x1000, 0x100, 0xFFFF};
	for (int i = 0; i < 6; i++)
		put_le32(p + 4 * i, words[i]);
	struct host_reply r;
	assert_true(host_cmd(l, PKT_SPI_SET_PARAMS, p, 24, 0, &r, 3000000));
	assert_int_equal(r.status, 0);
	assert_int_equal(host_flash_begin(l, 0x1000, 4, 0x400, 0x800000, 3000000), 0);
	link_close(l);
}

static void test_flash_end(void **state)
{
	(void)state;
	struct link *l = open_synced("fast");
	uint8_t d[4];
	struct host_reply r;
	uint32_t v;
	/* FLASH_END(0): reply, then a reboot back into the loader (latched straps), which
	 * ignores commands until the next SYNC. */
	put_le32(d, 0);
	assert_true(host_cmd(l, PKT_FLASH_END, d, 4, 0, &r, 3000000));
	assert_int_equal(r.status, 0);
	assert_false(host_read_reg(l, PKT_CHIP_MAGIC_ADDR, &v));
	assert_int_equal(host_sync(l), 8);
	/* FLASH_END(1): reply, then the firmware runs and the loader is gone. */
	put_le32(d, 1);
	assert_true(host_cmd(l, PKT_FLASH_END, d, 4, 0, &r, 3000000));
	assert_int_equal(r.status, 0);
	assert_int_equal(host_sync(l), 0);
	assert_int_equal(sim_board_state(link_sim_board(l), link_now_us(l) * 1000),
			 SIM_STATE_FIRMWARE);
	link_close(l);
}

static void test_mem_load_and_run(void **state)
{
	(void)state;
	struct link *l = open_synced("fast");
	uint8_t d[16 + 64];
	put_le32(d, 64);
	put_le32(d + 4, 1);
	put_le32(d + 8, 0x1800);
	put_le32(d + 12, 0x40104000);
	struct host_reply r;
	assert_true(host_cmd(l, PKT_MEM_BEGIN, d, 16, 0, &r, 3000000));
	assert_int_equal(r.status, 0);
	uint8_t code[64];
	for (int i = 0; i < 64; i++)
		code[i] = (uint8_t)(i * 3 + 1);
	put_le32(d, 64);
	put_le32(d + 4, 0);
	put_le32(d + 8, 0);
	put_le32(d + 12, 0);
	memcpy(d + 16, code, 64);
	assert_true(
	    host_cmd(l, PKT_MEM_DATA, d, 16 + 64, pkt_checksum(code, 64) ^ 0x40, &r, 3000000));
	assert_int_equal(r.status << 8 | r.error, 0x0107);
	assert_true(host_cmd(l, PKT_MEM_DATA, d, 16 + 64, pkt_checksum(code, 64), &r, 3000000));
	assert_int_equal(r.status, 0);
	uint8_t back[64];
	assert_true(sim_board_read_ram(link_sim_board(l), 0x40104000, back, 64));
	assert_memory_equal(back, code, 64);
	uint32_t v;
	assert_true(host_read_reg(l, 0x40104004, &v));
	assert_int_equal(v, get_le32(code + 4));
	/* MEM_END flag 1: no jump, the loader stays. Flag 0: it jumps, the loader is gone. */
	put_le32(d, 1);
	put_le32(d + 4, 0);
	assert_true(host_cmd(l, PKT_MEM_END, d, 8, 0, &r, 3000000));
	assert_int_equal(host_sync(l), 8);
	put_le32(d, 0);
	put_le32(d + 4, 0x40104004); /* not esptool's stub area: the code just runs */
	assert_true(host_cmd(l, PKT_MEM_END, d, 8, 0, &r, 3000000));
	assert_int_equal(r.status, 0);
	assert_int_equal(host_sync(l), 0);
	link_close(l);
}

static void test_spi_user_erase_busy(void **state)
{
	(void)state;
	struct link *l = open_synced("");
	struct sim_board *b = link_sim_board(l);
	size_t size;
	const uint8_t *f = sim_board_flash(b, &size);
	write_pattern(l, 0x20000, 0x1000, 9);
	assert_int_not_equal(f[0x20000], 0xFF);
	/* Without WREN the erase is ignored. */
	host_spi_command(l, 0x20, NULL, 0, 0, 0x20000, 24, 0);
	assert_int_not_equal(f[0x20000], 0xFF);
	host_spi_command(l, 0x06, NULL, 0, 0, 0, 0, 0);
	assert_int_equal(host_spi_command(l, 0x05, NULL, 0, 8, 0, 0, 0) & 0xFF, 0x02); /* WEL */
	host_spi_command(l, 0x20, NULL, 0, 0, 0x20000, 24, 0);
	assert_int_equal(f[0x20000], 0xFF);
	/* WIP and WEL while the 45 ms erase runs, both clear afterwards. */
	assert_int_equal(host_spi_command(l, 0x05, NULL, 0, 8, 0, 0, 0) & 0xFF, 0x03);
	link_sleep_us(l, 45000);
	assert_int_equal(host_spi_command(l, 0x05, NULL, 0, 8, 0, 0, 0) & 0xFF, 0x00);
	/* Page program through registers: AND into the erased page, wrapping at 256. */
	uint8_t data[8] = {0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0};
	host_spi_command(l, 0x06, NULL, 0, 0, 0, 0, 0);
	host_spi_command(l, 0x02, data, 8, 0, 0x200FC, 24, 0);
	assert_int_equal(f[0x200FC], 0x12);
	assert_int_equal(f[0x200FF], 0x78);
	assert_int_equal(f[0x20000], 0x9A);
	assert_int_equal(f[0x20100], 0xFF);
	/* READ of 4 bytes via user command. */
	link_sleep_us(l, 1000);
	assert_int_equal(host_spi_command(l, 0x03, NULL, 0, 32, 0x200FC, 24, 0), 0x78563412u);
	link_close(l);
}

static void test_spi_hardware_bits(void **state)
{
	(void)state;
	struct link *l = open_synced("flash-id=0x1740c8&flash-size=8MB");
	uint32_t v;
	assert_true(host_write_reg(l, 0x60000200, 1u << 28)); /* RDID */
	assert_true(host_read_reg(l, 0x60000240, &v));
	assert_int_equal(v & 0xFFFFFF, 0x1740C8);
	assert_true(host_read_reg(l, 0x60000200, &v));
	assert_int_equal(v, 0);				      /* done */
	assert_true(host_write_reg(l, 0x60000200, 1u << 30)); /* WREN */
	assert_true(host_write_reg(l, 0x60000200, 1u << 27)); /* RDSR */
	assert_true(host_read_reg(l, 0x60000210, &v));
	assert_int_equal(v & 0xFF, 0x02);
	link_close(l);
}

static void test_esp8285_otp(void **state)
{
	(void)state;
	struct link *l = open_synced("chip=esp8285&crystal=40");
	uint32_t r0, r2, r3, div;
	assert_true(host_read_reg(l, 0x3FF00050, &r0));
	assert_true(host_read_reg(l, 0x3FF00058, &r2));
	assert_true(host_read_reg(l, 0x3FF0005C, &r3));
	/* esptool: ESP8285 when bit 4 or bit 80 is set; R0.4=1, R3.25-27=0 -> 1 MB (N08). */
	assert_int_equal(r0 & 0x10, 0x10);
	assert_int_equal(r0 & 0x20, 0);
	assert_int_equal(r3 & (7u << 25), 0);
	/* 40 MHz crystal: esptool computes 115200 * div / 2 / 1e6 and rounds to 40. */
	assert_true(host_read_reg(l, 0x60000014, &div));
	double mhz = 115200.0 * (div & 0xFFFFF) / 2 / 1e6;
	assert_true(mhz > 39 && mhz < 41);
	(void)r2;
	link_close(l);
}

static void test_clkdiv_changes_baud(void **state)
{
	(void)state;
	struct link *l = open_synced("");
	/* 52 MHz / 113 = 460177 baud: the reply already comes at the new rate. */
	uint8_t d[16];
	put_le32(d, 0x60000014);
	put_le32(d + 4, 113);
	put_le32(d + 8, 0xFFFFFFFF);
	put_le32(d + 12, 0);
	struct host_reply r;
	assert_false(host_cmd(l, PKT_WRITE_REG, d, 16, 0, &r, 200000));
	struct ed_error err;
	assert_int_equal(l->ops->set_baud(l, 460800, &err), 0);
	uint32_t v;
	assert_true(host_read_reg(l, PKT_CHIP_MAGIC_ADDR, &v));
	assert_int_equal(v, 0xFFF0C101u);
	link_close(l);
}

static void test_reset_circuit(void **state)
{
	(void)state;
	struct ed_error err;
	struct link *l = open_sim("need-reset");
	assert_int_equal(host_sync(l), 0); /* running its firmware */
	/* esptool's UnixTight: (0,0) (1,1) (0,1)=EN low, 100 ms, (1,0)=EN up with IO0 low. */
	l->ops->set_lines(l, 0, 0, &err);
	l->ops->set_lines(l, 1, 1, &err);
	l->ops->set_lines(l, 0, 1, &err);
	link_sleep_us(l, 100000);
	l->ops->set_lines(l, 1, 0, &err);
	link_sleep_us(l, 50000);
	l->ops->set_lines(l, 0, 0, &err);
	assert_int_equal(host_sync(l), 8);
	/* Hard reset: RTS pulse with DTR released, so GPIO0 is high: the firmware boots. */
	l->ops->set_lines(l, -1, 1, &err);
	link_sleep_us(l, 100000);
	l->ops->set_lines(l, -1, 0, &err);
	link_sleep_us(l, 10000);
	assert_int_equal(host_sync(l), 0);
	/* Classic: separate line changes; the EN capacitor delays the strap sampling past
	 * the moment both lines are asserted. */
	l->ops->set_lines(l, 0, -1, &err);
	l->ops->set_lines(l, -1, 1, &err);
	link_sleep_us(l, 100000);
	l->ops->set_lines(l, 1, -1, &err);
	l->ops->set_lines(l, -1, 0, &err);
	link_sleep_us(l, 50000);
	l->ops->set_lines(l, 0, -1, &err);
	assert_int_equal(host_sync(l), 8);
	struct sim_stats st;
	sim_board_stats(link_sim_board(l), &st);
	assert_int_equal(st.resets, 3);
	link_close(l);
}

static void test_sync_after(void **state)
{
	(void)state;
	struct link *l = open_sim("sync-after=2");
	assert_int_equal(host_sync(l), 0);
	assert_int_equal(host_sync(l), 0);
	assert_int_equal(host_sync(l), 8);
	link_close(l);
}

size_t drain(struct link *l, uint8_t *buf, size_t cap, uint64_t quiet_us)
{
	size_t got = 0;
	struct ed_error err;
	for (;;) {
		int n = link_read(l, buf + got, cap - got, quiet_us, &err);
		if (n <= 0 || got + (size_t)n >= cap)
			return got + (size_t)(n > 0 ? n : 0);
		got += (size_t)n;
	}
}

static void test_boot_log(void **state)
{
	(void)state;
	struct ed_error err;
	struct link *l = open_sim("boot-log&need-reset");
	uint8_t buf[4096];
	/* The power-on banner of a flash boot, at 74880 baud: garbage at 115200. */
	size_t n = drain(l, buf, sizeof buf - 1, 50000);
	buf[n] = 0;
	assert_true(n > 20);
	assert_null(strstr((char *)buf, "ets Jan"));
	/* A host listening at 74880 reads the text of a download-mode reset. */
	assert_int_equal(l->ops->set_baud(l, 74880, &err), 0);
	l->ops->set_lines(l, 0, 1, &err);
	link_sleep_us(l, 100000);
	l->ops->set_lines(l, 1, 0, &err);
	link_sleep_us(l, 50000);
	l->ops->set_lines(l, 0, 0, &err);
	n = drain(l, buf, sizeof buf - 1, 50000);
	buf[n] = 0;
	assert_non_null(strstr((char *)buf, " ets Jan  8 2013,rst cause:2, boot mode:(1,6)"));
	assert_non_null(strstr((char *)buf, "waiting for host"));
	/* The loader then syncs at 115200 as usual. */
	assert_int_equal(l->ops->set_baud(l, 115200, &err), 0);
	assert_int_equal(host_sync(l), 8);
	link_close(l);
}

static size_t session_bytes(const char *opts, uint8_t *out, size_t cap)
{
	struct link *l = open_sim(opts);
	uint8_t p[36];
	pkt_sync_payload(p);
	size_t got = 0;
	for (int i = 0; i < 20 && got < cap; i++) {
		host_send(l, PKT_SYNC, p, 36, 0);
		got += drain(l, out + got, cap - got, 20000);
	}
	link_close(l);
	return got;
}

static void test_faults_reproducible(void **state)
{
	(void)state;
	static uint8_t a[8192], b2[8192], c[8192], clean[8192];
	size_t na = session_bytes("fault=corrupt=0.02,drop=0.01&seed=42", a, sizeof a);
	size_t nb = session_bytes("fault=corrupt=0.02,drop=0.01&seed=42", b2, sizeof b2);
	size_t nc = session_bytes("fault=corrupt=0.02,drop=0.01&seed=43", c, sizeof c);
	size_t nclean = session_bytes("", clean, sizeof clean);
	assert_int_equal(nclean, 20 * 96);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b2, na);
	assert_true(na != nclean || memcmp(a, clean, na) != 0);
	assert_true(na != nc || memcmp(a, c, na) != 0);
	/* Everything dropped: no reply at all. */
	struct link *l = open_sim("fault=drop=1");
	assert_int_equal(host_sync(l), 0);
	link_close(l);
}

static void test_fault_stall(void **state)
{
	(void)state;
	struct link *l = open_sim("fault=stall=500@1&fast");
	uint8_t p[36];
	pkt_sync_payload(p);
	host_send(l, PKT_SYNC, p, 36, 0);
	uint64_t t0 = link_now_us(l);
	struct host_reply r;
	/* All eight replies of the one SYNC come 500 ms late (esptool's 100 ms first-reply
	 * timeout would miss them). */
	assert_false(host_recv(l, &r, 100000));
	assert_true(host_recv(l, &r, 1000000));
	assert_int_equal(link_now_us(l) - t0, 500000);
	for (int i = 0; i < 7; i++)
		assert_true(host_recv(l, &r, 1000));
	t0 = link_now_us(l);
	uint32_t v;
	assert_true(host_read_reg(l, PKT_CHIP_MAGIC_ADDR, &v));
	assert_int_equal(link_now_us(l) - t0, 500000);
	link_close(l);
}

static void test_fault_disconnect(void **state)
{
	(void)state;
	struct link *l = open_sim("fault=disconnect-after=100");
	assert_int_equal(host_sync(l), 8); /* 46 bytes */
	assert_int_equal(host_sync(l), 8); /* 92 */
	uint8_t p[36];
	pkt_sync_payload(p);
	static uint8_t body[64], wire[160];
	size_t n = pkt_build_request(body, PKT_SYNC, p, 36, 0);
	size_t w = slip_encode(body, n, wire);
	struct ed_error err = {0};
	assert_int_equal(link_write(l, wire, w, &err), ED_ERR_DISCONNECTED);
	assert_non_null(strstr(err.msg, "disconnected after 100 bytes"));
	uint8_t c;
	assert_int_equal(link_read(l, &c, 1, 1000, &err), ED_ERR_DISCONNECTED);
	link_close(l);
}

static void test_bad_options(void **state)
{
	(void)state;
	struct link *l = NULL;
	struct ed_error err = {0};
	assert_int_equal(link_open("sim://?flash-size=3MB", NULL, &l, &err), ED_ERR_ARG);
	assert_null(l);
	assert_non_null(strstr(err.msg, "flash-size"));
	assert_non_null(strstr(err.msg, "16MB"));
	assert_int_equal(link_open("sim://?bogus=1", NULL, &l, &err), ED_ERR_ARG);
	assert_non_null(strstr(err.msg, "unknown sim option 'bogus'"));
	assert_int_equal(link_open("sim://?fault=drop=2", NULL, &l, &err), ED_ERR_ARG);
	assert_non_null(strstr(err.msg, "between 0 and 1"));
	assert_int_equal(link_open("sim://?mac=zz", NULL, &l, &err), ED_ERR_ARG);
	assert_non_null(strstr(err.msg, "mac"));
	assert_int_equal(link_open("sim://?clock=sundial", NULL, &l, &err), ED_ERR_ARG);
	assert_non_null(strstr(err.msg, "real or virtual"));
}

static void test_trace_and_counters(void **state)
{
	(void)state;
	char path[] = "/tmp/espdeck-sim-trace-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char opts[128];
	snprintf(opts, sizeof opts, "fast&trace=%s", path);
	struct link *l = open_synced(opts);
	assert_int_equal(host_flash_begin(l, 0x1000, 4, 0x400, 0x3000, 3000000), 0);
	struct host_reply r;
	assert_true(host_cmd(l, 0x13, NULL, 0, 0, &r, 3000000));
	struct sim_stats st;
	sim_board_stats(link_sim_board(l), &st);
	assert_int_equal(st.bytes_from_host, 46 + 26 + 10);
	assert_int_equal(st.bytes_to_host, 8 * 12 + 12 + 12);
	assert_int_equal(st.sectors_erased, 2);
	link_close(l);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char text[4096];
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = 0;
	fclose(f);
	unlink(path);
	assert_non_null(strstr(text, "SYNC -> 8 replies 00 00"));
	assert_non_null(strstr(text, "FLASH_BEGIN size=0x1000 blocks=4 block_size=0x400 "
				     "offset=0x3000 -> 00 00"));
	assert_non_null(strstr(text, "SPI_FLASH_MD5 (0x13, 0 bytes) -> 01 05"));
}

static void test_backing_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/espdeck-sim-flash-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], opts[300];
	snprintf(path, sizeof path, "%s/flash.bin", dir);
	snprintf(opts, sizeof opts, "fast&flash-size=256KB&flash=%s", path);
	struct link *l = open_synced(opts);
	write_pattern(l, 0x1000, 0x400, 3);
	link_close(l);
	uint8_t *data = NULL;
	size_t size = 0;
	struct ed_error err;
	assert_int_equal(ed_read_file(path, &data, &size, 1 << 20, &err), 0);
	assert_int_equal(size, 0x40000);
	assert_int_equal(data[0], 0xFF);
	assert_int_equal(data[0x1000], 3);
	free(data);
	/* Reopened as it is: the data is still there. */
	snprintf(opts, sizeof opts, "fast&flash=%s", path);
	l = open_synced(opts);
	size_t fsize;
	const uint8_t *f = sim_board_flash(link_sim_board(l), &fsize);
	assert_int_equal(fsize, 0x40000);
	assert_int_equal(f[0x1000], 3);
	link_close(l);
	/* A size that does not match the file is refused with both numbers. */
	snprintf(opts, sizeof opts, "sim://?flash-size=1MB&flash=%s", path);
	assert_int_equal(link_open(opts, NULL, &l, &err), ED_ERR_ARG);
	assert_non_null(strstr(err.msg, "has 262144 bytes but the flash is 1048576"));
	unlink(path);
	rmdir(dir);
}

static void test_garbage_never_crashes(void **state)
{
	(void)state;
	/* Seeded random requests of every opcode and length (and raw noise): the board may
	 * answer, fail, stop or reboot, but must never crash, and a reset brings it back. */
	struct link *l = open_synced("fast&flash-size=256KB");
	struct sim_board *b = link_sim_board(l);
	uint32_t x = 2024;
	static uint8_t data[0x1900];
	for (int i = 0; i < 3000; i++) {
		x = x * 1664525u + 1013904223u;
		uint8_t op = (uint8_t)(x >> 24);
		if (op == PKT_MEM_END || op == PKT_FLASH_END || op == PKT_WRITE_REG)
			op = (uint8_t)(x >> 8); /* keep most of the run inside the loader */
		uint16_t len = (uint16_t)((x >> 8) % (i % 7 == 0 ? 0x1850 : 40));
		for (uint16_t k = 0; k < len; k++) {
			x = x * 1664525u + 1013904223u;
			data[k] = (uint8_t)(x >> 20);
		}
		if (i % 11 == 0) {
			struct ed_error err;
			link_write(l, data, len, &err); /* raw noise, not even SLIP */
		} else {
			host_send(l, op, data, len, x & 0xFF);
		}
		uint8_t out[512];
		struct ed_error err;
		while (link_read(l, out, sizeof out, 0, &err) > 0) {
		}
		if (i % 500 == 499) {
			sim_board_reset(b, true, link_now_us(l) * 1000);
			l->ops->set_baud(l, 115200, &err);
			assert_int_equal(host_sync(l), 8);
		}
	}
	sim_board_reset(b, true, link_now_us(l) * 1000);
	assert_int_equal(host_sync(l), 8);
	uint32_t v;
	assert_true(host_read_reg(l, PKT_CHIP_MAGIC_ADDR, &v));
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
	    cmocka_unit_test(test_timing_flash_begin),
	    cmocka_unit_test(test_timing_fast),
	    cmocka_unit_test(test_sticky_value_and_status),
	    cmocka_unit_test(test_flash_data_errors),
	    cmocka_unit_test(test_flash_above_4mb_needs_set_params),
	    cmocka_unit_test(test_flash_end),
	    cmocka_unit_test(test_mem_load_and_run),
	    cmocka_unit_test(test_spi_user_erase_busy),
	    cmocka_unit_test(test_spi_hardware_bits),
	    cmocka_unit_test(test_esp8285_otp),
	    cmocka_unit_test(test_clkdiv_changes_baud),
	    cmocka_unit_test(test_reset_circuit),
	    cmocka_unit_test(test_sync_after),
	    cmocka_unit_test(test_boot_log),
	    cmocka_unit_test(test_faults_reproducible),
	    cmocka_unit_test(test_fault_stall),
	    cmocka_unit_test(test_fault_disconnect),
	    cmocka_unit_test(test_bad_options),
	    cmocka_unit_test(test_trace_and_counters),
	    cmocka_unit_test(test_backing_file),
	    cmocka_unit_test(test_garbage_never_crashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL) + board_quirk_tests() +
	       board_fault_tests();
}
