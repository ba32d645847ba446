/* SPDX-License-Identifier: MIT
 * The deterministic half of the replay HAL (hal_replay.h). */
#include "hal_replay.h"

#define UART0_CLKDIV	   0x60000014u
#define ROM_LOADER_DIVIDER 452u /* 115200 baud, as the ROM loader leaves it (reference §9.2) */

void replay_init(struct replay *r, uint32_t flash_size)
{
	struct replay zero = {0};
	*r = zero;
	r->flash_size = flash_size;
	r->divider = ROM_LOADER_DIVIDER;
}

static int replay_read_status(void *ctx, uint32_t *status)
{
	*status = ((struct replay *)ctx)->status;
	return 0;
}

static int replay_write_status(void *ctx, uint32_t status)
{
	((struct replay *)ctx)->status = status & 0xFFFFu;
	return 0;
}

/* Winbond (0xEF), memory type 0x40, capacity = log2 of the flash size. */
static uint32_t replay_flash_id(void *ctx)
{
	uint32_t size = ((struct replay *)ctx)->flash_size, log2 = 0;
	while (log2 < 31 && (1u << (log2 + 1)) <= size)
		log2++;
	return 0xEFu | 0x40u << 8 | log2 << 16;
}

static int replay_set_params(void *ctx, const uint32_t params[6])
{
	return 0;
}

static void replay_attach(void *ctx, uint32_t arg)
{
}

static uint32_t replay_read_reg(void *ctx, uint32_t addr)
{
	struct replay *r = ctx;
	if (addr == UART0_CLKDIV)
		return r->divider;
	for (uint32_t i = 0; i < r->n_regs; i++)
		if (r->reg_addr[i] == addr)
			return r->reg_value[i];
	return 0;
}

static void replay_write_reg(void *ctx, uint32_t addr, uint32_t value)
{
	struct replay *r = ctx;
	if (addr == UART0_CLKDIV) {
		r->divider = value & 0xFFFFFu;
		return;
	}
	for (uint32_t i = 0; i < r->n_regs; i++) {
		if (r->reg_addr[i] == addr) {
			r->reg_value[i] = value;
			return;
		}
	}
	if (r->n_regs < REPLAY_REGS) {
		r->reg_addr[r->n_regs] = addr;
		r->reg_value[r->n_regs++] = value;
	}
}

static uint32_t replay_time_us(void *ctx)
{
	return ((struct replay *)ctx)->now_us;
}

static void replay_delay_us(void *ctx, uint32_t us)
{
	((struct replay *)ctx)->now_us += us;
}

static uint32_t replay_divider(void *ctx)
{
	return ((struct replay *)ctx)->divider;
}

static void replay_set_divider(void *ctx, uint32_t divider)
{
	((struct replay *)ctx)->divider = divider & 0xFFFFFu;
}

static void replay_leave(void *ctx, enum stub_leave how)
{
	struct replay *r = ctx;
	if (!r->ended)
		r->ended = how == STUB_LEAVE_RUN_USER ? REPLAY_RUN_USER : REPLAY_RESET;
}

static void replay_jump(void *ctx, uint32_t entry)
{
	struct replay *r = ctx;
	if (!r->ended)
		r->ended = REPLAY_JUMP;
}

void replay_hal(struct stub_hal *hal, struct replay *r)
{
	hal->ctx = r;
	hal->flash_read_status = replay_read_status;
	hal->flash_write_status = replay_write_status;
	hal->flash_id = replay_flash_id;
	hal->flash_set_params = replay_set_params;
	hal->flash_attach = replay_attach;
	hal->read_reg = replay_read_reg;
	hal->write_reg = replay_write_reg;
	hal->time_us = replay_time_us;
	hal->delay_us = replay_delay_us;
	hal->uart_divider = replay_divider;
	hal->set_uart_divider = replay_set_divider;
	hal->work = 0;
	hal->leave = replay_leave;
	hal->jump = replay_jump;
}

uint32_t replay_feed(struct replay *r, struct stub *s, const uint8_t *data, uint32_t len)
{
	while (len && !r->ended) {
		uint32_t n = len < REPLAY_PIECE ? len : REPLAY_PIECE;
		r->now_us += n * REPLAY_US_PER_BYTE;
		stub_feed(s, data, n);
		if (!r->ended)
			stub_poll(s);
		data += n;
		len -= n;
	}
	return r->ended;
}
