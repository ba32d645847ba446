/* SPDX-License-Identifier: MIT
 * The stub core against a flash that fails (a RAM HAL whose operations fail on demand):
 * what the virtual board's flash never does. Each failure must come back as esptool's
 * code for it (0xC4 SPI operation failed, 0xC5 unlock failed), at the place the protocol
 * reports it (a write's error in the next answer or at END), and leave the core usable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stub/core/stub.h"

#define FLASH_SIZE (256u * 1024u)

static struct {
	uint8_t flash[FLASH_SIZE];
	uint32_t status;
	int fail_write, fail_erase, fail_read, stuck_status;
	uint8_t out[8192];
	uint32_t out_len;
} m;

static void tx(void *c, const uint8_t *p, uint32_t n)
{
	(void)c;
	if (m.out_len + n <= sizeof m.out) {
		memcpy(m.out + m.out_len, p, n);
		m.out_len += n;
	}
}
static int rd(void *c, uint32_t a, uint32_t *d, uint32_t n)
{
	(void)c;
	if (m.fail_read)
		return 1;
	memcpy(d, m.flash + a, n);
	return 0;
}
static int wr(void *c, uint32_t a, const uint32_t *s, uint32_t n)
{
	(void)c;
	if (m.fail_write)
		return 1;
	for (uint32_t i = 0; i < n; i++)
		m.flash[a + i] &= ((const uint8_t *)s)[i];
	return 0;
}
static int er_sector(void *c, uint32_t s)
{
	(void)c;
	if (m.fail_erase)
		return 2;
	memset(m.flash + s * 4096, 0xFF, 4096);
	return 0;
}
static int er_block(void *c, uint32_t b)
{
	(void)c;
	if (m.fail_erase)
		return 2;
	memset(m.flash + b * 65536, 0xFF, 65536);
	return 0;
}
static int er_chip(void *c)
{
	(void)c;
	return m.fail_erase ? 2 : 0;
}
static int rd_st(void *c, uint32_t *st)
{
	(void)c;
	*st = m.status;
	return 0;
}
static int wr_st(void *c, uint32_t st)
{
	(void)c;
	if (!m.stuck_status)
		m.status = st;
	return 0;
}
static uint32_t id(void *c)
{
	(void)c;
	return 0x1240EF;
}
static int params(void *c, const uint32_t p[6])
{
	(void)c;
	(void)p;
	return 0;
}
static void attach(void *c, uint32_t a)
{
	(void)c;
	(void)a;
}
static uint32_t rreg(void *c, uint32_t a)
{
	(void)c;
	(void)a;
	return 0;
}
static void wreg(void *c, uint32_t a, uint32_t v)
{
	(void)c;
	(void)a;
	(void)v;
}
static uint32_t now(void *c)
{
	(void)c;
	return 0;
}
static void delay(void *c, uint32_t us)
{
	(void)c;
	(void)us;
}
static uint32_t div_get(void *c)
{
	(void)c;
	return 452;
}
static void div_set(void *c, uint32_t d)
{
	(void)c;
	(void)d;
}
static void leave(void *c, enum stub_leave h)
{
	(void)c;
	(void)h;
}
static void jump(void *c, uint32_t e)
{
	(void)c;
	(void)e;
}

static const struct stub_hal hal = {
    .tx = tx,
    .flash_read = rd,
    .flash_write = wr,
    .flash_erase_sector = er_sector,
    .flash_erase_block = er_block,
    .flash_erase_chip = er_chip,
    .flash_read_status = rd_st,
    .flash_write_status = wr_st,
    .flash_id = id,
    .flash_set_params = params,
    .flash_attach = attach,
    .read_reg = rreg,
    .write_reg = wreg,
    .time_us = now,
    .delay_us = delay,
    .uart_divider = div_get,
    .set_uart_divider = div_set,
    .leave = leave,
    .jump = jump,
};

static struct stub s;

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Sends one request (no byte needs escaping in these tests' data) and returns the first
 * status byte of the reply to op (-1: none). */
static int request(uint8_t op, const uint8_t *data, uint32_t len, uint32_t checksum)
{
	static uint8_t f[8 + 4200 + 2];
	f[0] = 0xC0;
	f[1] = 0;
	f[2] = op;
	f[3] = (uint8_t)len;
	f[4] = (uint8_t)(len >> 8);
	put32(f + 5, checksum);
	if (len)
		memcpy(f + 9, data, len);
	f[9 + len] = 0xC0;
	m.out_len = 0;
	stub_feed(&s, f, 10 + len);
	for (uint32_t i = 0; i + 11 < m.out_len; i++)
		if (m.out[i] == 0xC0 && m.out[i + 1] == 1 && m.out[i + 2] == op) {
			uint32_t n = m.out[i + 3] | (uint32_t)m.out[i + 4] << 8;
			return m.out[i + 9 + n - 2];
		}
	return -1;
}

static int begin(uint32_t size, uint32_t offset)
{
	uint8_t d[16];
	put32(d, size);
	put32(d + 4, 1);
	put32(d + 8, 0x1000);
	put32(d + 12, offset);
	return request(0x02, d, 16, 0);
}

static int data(uint32_t seq, uint8_t fill, uint32_t len)
{
	static uint8_t d[16 + 4096];
	put32(d, len);
	put32(d + 4, seq);
	memset(d + 8, 0, 8);
	memset(d + 16, fill, len);
	return request(0x03, d, 16 + len, (len & 1) ? 0xEFu ^ fill : 0xEFu);
}

static int end(void)
{
	uint8_t d[4];
	put32(d, 1);
	return request(0x04, d, 4, 0);
}

static int setup(void **state)
{
	(void)state;
	memset(&m, 0, sizeof m);
	memset(m.flash, 0xFF, sizeof m.flash);
	stub_init(&s, &hal);
	stub_start(&s);
	return 0;
}

static void test_write_error_reported_next(void **state)
{
	(void)state;
	assert_int_equal(begin(8192, 0x1000), 0);
	m.fail_write = 1;
	assert_int_equal(data(0, 0x11, 4096), 0);    /* answered before the write */
	assert_int_equal(data(1, 0x11, 4096), 0xC4); /* the failure shows here */
	assert_int_equal(end(), 0xC4);
	m.fail_write = 0;
	assert_int_equal(begin(4096, 0x1000), 0); /* usable again */
	assert_int_equal(data(0, 0x11, 4096), 0);
	assert_int_equal(end(), 0);
	assert_int_equal(m.flash[0x1000], 0x11);
}

static void test_erase_and_read_errors(void **state)
{
	(void)state;
	uint8_t d[16] = {0};
	m.fail_erase = 1;
	put32(d, 0x2000);
	put32(d + 4, 0x1000);
	assert_int_equal(request(0xD1, d, 8, 0), 0xC4);
	assert_int_equal(request(0xD0, NULL, 0, 0), 0xC4);
	assert_int_equal(begin(100, 0x3000), 0);
	assert_int_equal(data(0, 0x22, 100), 0);
	assert_int_equal(end(), 0xC4); /* the lazy erase failed */
	m.fail_erase = 0;
	m.fail_read = 1;
	put32(d, 0);
	put32(d + 4, 4096);
	assert_int_equal(request(0x13, d, 16, 0), 0xC4);
	put32(d, 0);
	assert_int_equal(request(0xE0, d, 8, 0), 0xC4);
	/* a partial sector is read before it is erased: that read failing stops the write */
	assert_int_equal(begin(100, 0x4010), 0);
	assert_int_equal(data(0, 0x33, 100), 0);
	assert_int_equal(end(), 0xC4);
	assert_int_equal(m.flash[0x4000], 0xFF); /* nothing erased or written */
}

static void test_unlock_fails(void **state)
{
	(void)state;
	m.status = 0x021C; /* BP0-BP2, QE */
	m.stuck_status = 1;
	assert_int_equal(begin(100, 0x5000), 0xC5);
	uint8_t d[8] = {0};
	put32(d + 4, 0x1000);
	assert_int_equal(request(0xD1, d, 8, 0), 0xC5);
	m.stuck_status = 0;
	assert_int_equal(begin(100, 0x5000), 0);
	assert_int_equal(m.status, 0x0200); /* protection off, QE kept */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_write_error_reported_next, setup),
	    cmocka_unit_test_setup(test_erase_and_read_errors, setup),
	    cmocka_unit_test_setup(test_unlock_fails, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
