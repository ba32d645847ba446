/* SPDX-License-Identifier: MIT
 * libFuzzer target: the flasher stub's protocol core (firmware/stub/core) fed any bytes
 * from the UART, cut into feeds at places the first input byte chooses. It runs against a
 * RAM HAL that aborts on any breach of the HAL contract (a flash access that is unaligned,
 * outside the 256 KiB chip or past a buffer, an erase of a sector not word-addressed, a
 * divider of 0), so besides ASan/UBSan finding no out-of-bounds access, the core must
 * never ask the flash for something outside the chip whatever the host sends, and every
 * reply it sends must be a well-formed SLIP frame. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stub/core/stub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FLASH_SIZE (256u * 1024u)

static struct {
	uint8_t flash[FLASH_SIZE];
	uint32_t status, divider, now_us;
	uint32_t regs[16];
	int in_frame, escape; /* the output's SLIP state */
	size_t out_bytes;
} m;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_stub_frames: %s\n", what);
	abort();
}

static void check_range(uint32_t addr, const void *buf, uint32_t len)
{
	if ((addr | len | (uint32_t)(uintptr_t)buf) & 3u)
		die("unaligned flash access");
	if (len > FLASH_SIZE || addr > FLASH_SIZE - len)
		die("flash access outside the chip");
}

static void tx(void *ctx, const uint8_t *p, uint32_t n)
{
	(void)ctx;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (m.escape) {
			if (c != 0xDC && c != 0xDD)
				die("bad escape in the output");
			m.escape = 0;
		} else if (c == 0xDB) {
			if (!m.in_frame)
				die("escape outside a frame");
			m.escape = 1;
		} else if (c == 0xC0) {
			m.in_frame = !m.in_frame;
		} else if (!m.in_frame) {
			die("byte outside a frame in the output");
		}
	}
	m.out_bytes += n;
}

static int fl_read(void *ctx, uint32_t a, uint32_t *d, uint32_t n)
{
	(void)ctx;
	check_range(a, d, n);
	memcpy(d, m.flash + a, n);
	return 0;
}

static int fl_write(void *ctx, uint32_t a, const uint32_t *s, uint32_t n)
{
	(void)ctx;
	check_range(a, s, n);
	const uint8_t *b = (const uint8_t *)s;
	for (uint32_t i = 0; i < n; i++)
		m.flash[a + i] &= b[i];
	return 0;
}

static int fl_erase_sector(void *ctx, uint32_t sector)
{
	(void)ctx;
	if (sector >= FLASH_SIZE / 4096)
		die("sector erase outside the chip");
	memset(m.flash + sector * 4096, 0xFF, 4096);
	return 0;
}

static int fl_erase_block(void *ctx, uint32_t block)
{
	(void)ctx;
	if (block >= FLASH_SIZE / 65536)
		die("block erase outside the chip");
	memset(m.flash + block * 65536, 0xFF, 65536);
	return 0;
}

static int fl_erase_chip(void *ctx)
{
	(void)ctx;
	memset(m.flash, 0xFF, sizeof m.flash);
	return 0;
}

static int fl_read_status(void *ctx, uint32_t *st)
{
	(void)ctx;
	*st = m.status;
	return 0;
}

static int fl_write_status(void *ctx, uint32_t st)
{
	(void)ctx;
	m.status = st & 0xFFFF;
	return 0;
}

static uint32_t fl_id(void *ctx)
{
	(void)ctx;
	return 0x1240EF; /* capacity 2^18 = 256 KiB */
}

static int fl_params(void *ctx, const uint32_t p[6])
{
	(void)ctx;
	(void)p;
	return 0;
}

static void fl_attach(void *ctx, uint32_t arg)
{
	(void)ctx;
	(void)arg;
}

static uint32_t rd_reg(void *ctx, uint32_t addr)
{
	(void)ctx;
	return m.regs[(addr >> 2) % 16];
}

static void wr_reg(void *ctx, uint32_t addr, uint32_t v)
{
	(void)ctx;
	m.regs[(addr >> 2) % 16] = v;
}

static uint32_t time_us(void *ctx)
{
	(void)ctx;
	return m.now_us;
}

static void delay_us(void *ctx, uint32_t us)
{
	(void)ctx;
	m.now_us += us;
}

static uint32_t get_div(void *ctx)
{
	(void)ctx;
	return m.divider;
}

static void set_div(void *ctx, uint32_t d)
{
	(void)ctx;
	if (!d || d > 0xFFFFF)
		die("UART divider out of range");
	m.divider = d;
}

static void leave(void *ctx, enum stub_leave how)
{
	(void)ctx;
	(void)how;
}

static void jump(void *ctx, uint32_t entry)
{
	(void)ctx;
	(void)entry;
}

static const struct stub_hal hal = {
    .tx = tx,
    .flash_read = fl_read,
    .flash_write = fl_write,
    .flash_erase_sector = fl_erase_sector,
    .flash_erase_block = fl_erase_block,
    .flash_erase_chip = fl_erase_chip,
    .flash_read_status = fl_read_status,
    .flash_write_status = fl_write_status,
    .flash_id = fl_id,
    .flash_set_params = fl_params,
    .flash_attach = fl_attach,
    .read_reg = rd_reg,
    .write_reg = wr_reg,
    .time_us = time_us,
    .delay_us = delay_us,
    .uart_divider = get_div,
    .set_uart_divider = set_div,
    .leave = leave,
    .jump = jump,
};

static struct stub s;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memset(m.flash, 0xFF, sizeof m.flash);
	m.status = 0;
	m.divider = 452;
	m.now_us = 0;
	m.in_frame = m.escape = 0;
	stub_init(&s, &hal);
	stub_start(&s);
	if (!size)
		return 0;
	/* The first byte picks the cut: feeds of 1..256 bytes, varying. */
	uint32_t cut = data[0], pos = 1;
	while (pos < size && stub_running(&s)) {
		uint32_t n = 1 + (cut % 256);
		if (n > size - pos)
			n = (uint32_t)(size - pos);
		stub_feed(&s, data + pos, n);
		pos += n;
		cut = cut * 1103515245u + 12345u;
		m.now_us += 1000 + (cut >> 24) * 10000; /* time passes: baud trials end */
		stub_poll(&s);
	}
	if (m.in_frame || m.escape)
		die("the output stopped inside a frame");
	return 0;
}
