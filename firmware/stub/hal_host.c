/* SPDX-License-Identifier: MIT
 * The stub HAL of the virtual board (hal_host.h): flash through the board's NOR model,
 * registers through its register file, UART output onto its wire, all on the stub's own
 * CPU clock. Nothing here sleeps; time only advances the clock. */
#include "stub/hal_host.h"

#include "sim/board.h"

static struct stub_host *H(void *ctx)
{
	return ctx;
}

/* Waits until the flash finished whatever it was doing. */
static void flash_idle(struct stub_host *h)
{
	uint64_t busy = nor_busy_until(h->b->nor);
	if (busy > h->now_ns)
		h->now_ns = busy;
}

static void host_tx(void *ctx, const uint8_t *data, uint32_t len)
{
	struct stub_host *h = H(ctx);
	struct sim_board *b = h->b;
	uint64_t latency = b->cfg.fast ? 0 : (uint64_t)(b->cfg.latency_ms * 1e6);
	/* The stall fault holds back the answer to one command (sim --fault stall). */
	h->now_ns += h->stall_ns;
	h->stall_ns = 0;
	/* The bridge's turnaround delays the first byte of a burst, not the chip. */
	uint64_t start = h->now_ns + (b->tx_free_ns > h->now_ns + latency ? 0 : latency);
	if (h->flip_bit >= 0 && len) {
		/* the reply-flip fault: one bit of the reply's first bytes changes on the wire */
		uint32_t at = (uint32_t)h->flip_bit / 8 % len;
		uint8_t bad = (uint8_t)(data[at] ^ (1u << (h->flip_bit % 8)));
		h->flip_bit = -1;
		sim_emit(b, data, at, b->uart_baud, start);
		sim_emit(b, &bad, 1, b->uart_baud, start);
		sim_emit(b, data + at + 1, len - at - 1, b->uart_baud, start);
	} else {
		sim_emit(b, data, len, b->uart_baud, start);
	}
	uint64_t fifo = STUB_HOST_UART_FIFO * sim_byte_ns(b->uart_baud, b->cfg.fast);
	uint64_t free_at = b->tx_free_ns > latency + fifo ? b->tx_free_ns - latency - fifo : 0;
	if (free_at > h->now_ns)
		h->now_ns = free_at;
}

static int host_flash_read(void *ctx, uint32_t addr, uint32_t *dst, uint32_t len)
{
	struct stub_host *h = H(ctx);
	if ((addr | len) & 3)
		return 1; /* SPIRead needs word alignment */
	flash_idle(h);
	nor_read(h->b->nor, addr, (uint8_t *)dst, len);
	if (!h->b->cfg.fast)
		h->now_ns += (uint64_t)len * STUB_HOST_READ_NS_PER_BYTE;
	return 0;
}

static int host_flash_write(void *ctx, uint32_t addr, const uint32_t *src, uint32_t len)
{
	struct stub_host *h = H(ctx);
	struct sim_board *b = h->b;
	const uint8_t *p = (const uint8_t *)src;
	if ((addr | len) & 3)
		return 1;
	while (len) {
		uint32_t n = NOR_PAGE - addr % NOR_PAGE;
		n = n < len ? n : len;
		flash_idle(h);
		nor_write_enable(b->nor, h->now_ns);
		if (!nor_page_program(b->nor, addr, p, n, h->now_ns))
			return 1;
		b->stats.pages_programmed++;
		b->stats.flash_data_bytes += n;
		flash_idle(h);
		addr += n;
		p += n;
		len -= n;
	}
	return 0;
}

static int erase(struct stub_host *h, uint32_t addr, uint32_t len)
{
	struct sim_board *b = h->b;
	flash_idle(h);
	nor_write_enable(b->nor, h->now_ns);
	if (!nor_erase(b->nor, addr, len, h->now_ns))
		return 1;
	b->stats.sectors_erased += len / NOR_SECTOR;
	flash_idle(h);
	return 0;
}

static int host_erase_sector(void *ctx, uint32_t sector)
{
	return erase(H(ctx), sector * NOR_SECTOR, NOR_SECTOR);
}

static int host_erase_block(void *ctx, uint32_t block)
{
	return erase(H(ctx), block * NOR_BLOCK64, NOR_BLOCK64);
}

static int host_erase_chip(void *ctx)
{
	struct stub_host *h = H(ctx);
	struct sim_board *b = h->b;
	flash_idle(h);
	nor_write_enable(b->nor, h->now_ns);
	if (!nor_chip_erase(b->nor, h->now_ns))
		return 1;
	b->stats.sectors_erased += nor_size(b->nor) / NOR_SECTOR;
	flash_idle(h);
	return 0;
}

static int host_read_status(void *ctx, uint32_t *status)
{
	struct stub_host *h = H(ctx);
	flash_idle(h);
	*status = (uint32_t)(nor_status(h->b->nor, h->now_ns) | h->b->status1) |
		  (uint32_t)h->b->status2 << 8;
	return 0;
}

static int host_write_status(void *ctx, uint32_t status)
{
	struct stub_host *h = H(ctx);
	flash_idle(h);
	nor_write_enable(h->b->nor, h->now_ns);
	if (sim_status_locked(h->b)) { /* SRP0 and /WP low: the chip ignores the write */
		nor_write_disable(h->b->nor, h->now_ns);
		return 0;
	}
	if (!nor_write_status(h->b->nor, h->now_ns))
		return 1;
	h->b->status1 = (uint8_t)(status & 0xFC);
	h->b->status2 = (uint8_t)(status >> 8);
	nor_set_protection(h->b->nor, (uint16_t)(h->b->status1 | h->b->status2 << 8));
	flash_idle(h);
	return 0;
}

static uint32_t host_flash_id(void *ctx)
{
	return nor_jedec_id(H(ctx)->b->nor);
}

static int host_set_params(void *ctx, const uint32_t params[6])
{
	/* The ROM's flashchip structure: only the size matters to the board. */
	struct sim_board *b = H(ctx)->b;
	b->flashchip_size = params[1] > 0x1000000u ? 0x1000000u : params[1];
	return 0;
}

static void host_attach(void *ctx, uint32_t arg)
{
	(void)ctx;
	(void)arg;
}

static uint32_t host_read_reg(void *ctx, uint32_t addr)
{
	struct stub_host *h = H(ctx);
	return sim_reg_read(h->b, addr, h->now_ns);
}

static void host_write_reg(void *ctx, uint32_t addr, uint32_t value)
{
	struct stub_host *h = H(ctx);
	sim_reg_write(h->b, addr, value, h->now_ns);
}

static uint32_t host_time_us(void *ctx)
{
	return (uint32_t)(H(ctx)->now_ns / 1000u);
}

static void host_delay_us(void *ctx, uint32_t us)
{
	struct stub_host *h = H(ctx);
	if (!h->b->cfg.fast)
		h->now_ns += (uint64_t)us * 1000u;
}

static uint32_t host_uart_divider(void *ctx)
{
	struct stub_host *h = H(ctx);
	return sim_reg_read(h->b, SIM_UART_CLKDIV, h->now_ns) & 0xFFFFFu;
}

static void host_set_uart_divider(void *ctx, uint32_t divider)
{
	struct stub_host *h = H(ctx);
	sim_reg_write(h->b, SIM_UART_CLKDIV, divider & 0xFFFFFu, h->now_ns);
	sim_trace(h->b, h->now_ns, "STUB UART divider %u (%u baud)", divider & 0xFFFFFu,
		  h->b->uart_baud);
}

static void host_work(void *ctx, enum stub_work kind, uint32_t bytes)
{
	struct stub_host *h = H(ctx);
	if (h->b->cfg.fast)
		return;
	uint32_t cycles =
	    kind == STUB_WORK_INFLATE ? STUB_HOST_INFLATE_CYCLES : STUB_HOST_MD5_CYCLES;
	h->now_ns += (uint64_t)bytes * cycles * 25u / 2u; /* 12.5 ns per cycle */
}

static void host_leave(void *ctx, enum stub_leave how)
{
	struct stub_host *h = H(ctx);
	h->left = true;
	h->how = how;
}

static void host_jump(void *ctx, uint32_t entry)
{
	struct stub_host *h = H(ctx);
	h->left = h->jumped = true;
	h->jump_entry = entry;
}

void stub_host_init(struct stub_hal *hal, struct stub_host *h, struct sim_board *b, uint64_t now_ns)
{
	*h = (struct stub_host){.b = b, .now_ns = now_ns, .flip_bit = -1};
	*hal = (struct stub_hal){
	    .ctx = h,
	    .tx = host_tx,
	    .flash_read = host_flash_read,
	    .flash_write = host_flash_write,
	    .flash_erase_sector = host_erase_sector,
	    .flash_erase_block = host_erase_block,
	    .flash_erase_chip = host_erase_chip,
	    .flash_read_status = host_read_status,
	    .flash_write_status = host_write_status,
	    .flash_id = host_flash_id,
	    .flash_set_params = host_set_params,
	    .flash_attach = host_attach,
	    .read_reg = host_read_reg,
	    .write_reg = host_write_reg,
	    .time_us = host_time_us,
	    .delay_us = host_delay_us,
	    .uart_divider = host_uart_divider,
	    .set_uart_divider = host_set_uart_divider,
	    .work = host_work,
	    .leave = host_leave,
	    .jump = host_jump,
	};
}
