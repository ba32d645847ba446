/* SPDX-License-Identifier: MIT
 * The registers READ_REG/WRITE_REG reach: chip magic in ROM, OTP MAC words, UART0 clock
 * divider, SPI0 with user and built-in flash commands (reference §4, §5), the RAM model,
 * and a small store for every other address. */
#include "sim/board.h"

#include <string.h>

#include "core/util.h"
#include "proto/packet.h"

enum {
	SPI_CMD = 0x00,
	SPI_ADDR = 0x04,
	SPI_CTRL = 0x08,
	SPI_RD_STATUS = 0x10,
	SPI_USER = 0x1C,
	SPI_USER1 = 0x20,
	SPI_USER2 = 0x24,
	SPI_W0 = 0x40,
	SPI_EXT2 = 0xF8,
};
#define SPI_USR (1u << 18)

/* OTP words R0..R3 (0x3FF00050..5C) laid out so esptool decodes the configured MAC:
 * OUI from R3 (non-zero), bytes 3-4 in R1 bits 15:0, byte 5 in R0 bits 31:24. ESP8285 is
 * flagged by R0 bit 4 and its 1 MB flash by R3 bits 25-27 = 0 (reference §4). */
uint32_t sim_otp_word(const struct sim_board *b, int index)
{
	const uint8_t *m = b->cfg.mac;
	bool is8285 = b->cfg.chip == SIM_CHIP_ESP8285;
	switch (index) {
	case 0:
		return ((uint32_t)m[5] << 24) | 0x00A0C000u | (is8285 ? 0x10u : 0);
	case 1:
		return 0x02000000u | ((uint32_t)m[3] << 8) | m[4];
	case 2:
		return 0x3C5E0000u & ~(1u << 16);
	default:
		return ((uint32_t)m[0] << 16) | ((uint32_t)m[1] << 8) | m[2];
	}
}

bool sim_ram_ptr(struct sim_board *b, uint32_t addr, uint32_t len, uint8_t **p)
{
	if (addr >= SIM_IRAM_BASE && len <= SIM_IRAM_SIZE &&
	    addr - SIM_IRAM_BASE <= SIM_IRAM_SIZE - len) {
		*p = b->iram + (addr - SIM_IRAM_BASE);
		return true;
	}
	if (addr >= SIM_DRAM_BASE && len <= SIM_DRAM_SIZE &&
	    addr - SIM_DRAM_BASE <= SIM_DRAM_SIZE - len) {
		*p = b->dram + (addr - SIM_DRAM_BASE);
		return true;
	}
	return false;
}

/* UART0 divider for the rate the ROM locked on: clock = 2 x crystal. A real 26 MHz board
 * read 0x1C4 (452) at 115200, i.e. the divider rounds up. */
static uint32_t uart_clkdiv(const struct sim_board *b)
{
	uint64_t clk = 2ull * b->cfg.crystal_mhz * 1000000ull;
	uint32_t baud = b->uart_baud ? b->uart_baud : 115200;
	return (uint32_t)((clk + baud - 1) / baud) & 0xFFFFF;
}

static void put_miso(struct sim_board *b, const uint8_t *bytes, size_t n)
{
	uint8_t buf[64] = {0};
	memcpy(buf, bytes, n > 64 ? 64 : n);
	for (int i = 0; i < 16; i++)
		b->spi0[(SPI_W0 >> 2) + i] = get_le32(buf + 4 * i);
}

static void get_mosi(const struct sim_board *b, uint8_t out[64])
{
	for (int i = 0; i < 16; i++)
		put_le32(out + 4 * i, b->spi0[(SPI_W0 >> 2) + i]);
}

/* One flash command on the wire: opcode, address, MOSI bytes, MISO byte count. */
static void flash_command(struct sim_board *b, uint8_t op, uint32_t addr, const uint8_t *mosi,
			  size_t mosi_len, size_t miso_len, uint64_t t)
{
	struct nor *n = b->nor;
	uint8_t miso[64];
	memset(miso, 0xFF, sizeof miso); /* nobody drives MISO: the line floats high */
	if (miso_len > 64)
		miso_len = 64;
	uint32_t id = nor_jedec_id(n);
	if (b->flash_powered_down && op != 0xAB)
		op = 0x00; /* deep power-down: only "release" is heard */
	/* The trace shows every command that can change the chip (reads are too many). */
	if (op == 0x06 || op == 0x50 || op == 0x01 || op == 0x31 || op == 0x11 || op == 0x20 ||
	    op == 0x52 || op == 0xD8 || op == 0xC7 || op == 0x60 || op == 0x02)
		sim_trace(b, t,
			  "SPI flash command 0x%02x addr=0x%06x mosi=%zu bytes (status 0x%02x)", op,
			  addr, mosi_len, nor_status(n, t));
	switch (op) {
	case 0x9F:
		miso[0] = (uint8_t)id;
		miso[1] = (uint8_t)(id >> 8);
		miso[2] = (uint8_t)(id >> 16);
		break;
	case 0x05:
		miso[0] = nor_status(n, t) | b->status1;
		break;
	case 0x35:
		miso[0] = b->status2;
		break;
	case 0x15:
		miso[0] = b->status3;
		break;
	case 0x06:
		nor_write_enable(n, t);
		break;
	case 0x04:
		nor_write_disable(n, t);
		break;
	case 0x50:
		nor_write_enable(n, t);
		break; /* volatile SR write enable */
	case 0x01:
	case 0x31:
	case 0x11:
		if (sim_status_locked(b)) {
			nor_write_disable(n, t); /* ignored; the chip drops WEL all the same */
			break;
		}
		if (nor_write_status(n, t) && mosi_len) {
			if (op == 0x31)
				b->status2 = mosi[0];
			else if (op == 0x11)
				b->status3 = mosi[0];
			if (op == 0x01) /* status-1's non-volatile bits: BP0-2, TB, SEC, SRP */
				b->status1 = mosi[0] & 0xFC;
			if (op == 0x01 && mosi_len > 1)
				b->status2 = mosi[1];
			nor_set_protection(n, (uint16_t)(b->status1 | b->status2 << 8));
		}
		break;
	case 0x20:
		if (nor_erase(n, addr, NOR_SECTOR, t))
			b->stats.sectors_erased++;
		break;
	case 0x52:
		if (nor_erase(n, addr, NOR_BLOCK32, t))
			b->stats.sectors_erased += 8;
		break;
	case 0xD8:
		if (nor_erase(n, addr, NOR_BLOCK64, t))
			b->stats.sectors_erased += 16;
		break;
	case 0xC7:
	case 0x60:
		if (nor_chip_erase(n, t))
			b->stats.sectors_erased += nor_size(n) / NOR_SECTOR;
		break;
	case 0x02:
		if (nor_page_program(n, addr, mosi, mosi_len, t))
			b->stats.pages_programmed++;
		break;
	case 0x03:
	case 0x0B:
		nor_read(n, addr, miso, miso_len);
		break;
	case 0x5A:
		nor_read_sfdp(n, addr, miso, miso_len);
		break;
	case 0xB9:
		b->flash_powered_down = true;
		break;
	case 0xAB:
		b->flash_powered_down = false;
		miso[0] = (uint8_t)((id >> 16) - 1); /* W25Q: device id = capacity - 1 */
		break;
	default:
		break; /* 0x66/0x99 reset, 0x79, 0xFF ...: accepted, nothing to model */
	}
	put_miso(b, miso, miso_len);
}

/* USR transaction from USER/USER1/USER2/ADDR/W0.. as esptool sets them (§5.2). */
static void spi_user(struct sim_board *b, uint64_t t)
{
	uint32_t user = b->spi0[SPI_USER >> 2], user1 = b->spi0[SPI_USER1 >> 2];
	uint32_t user2 = b->spi0[SPI_USER2 >> 2];
	uint8_t op = (user & (1u << 31)) ? (uint8_t)user2 : 0x00;
	uint32_t addr = 0;
	if (user & (1u << 30)) {
		unsigned bits = (user1 >> 26) + 1;
		addr = bits >= 32 ? b->spi0[SPI_ADDR >> 2] : b->spi0[SPI_ADDR >> 2] >> (32 - bits);
	}
	size_t mosi_len = (user & (1u << 27)) ? ((((user1 >> 17) & 0x1FF) + 1) + 7) / 8 : 0;
	size_t miso_len = (user & (1u << 28)) ? ((((user1 >> 8) & 0x1FF) + 1) + 7) / 8 : 0;
	uint8_t mosi[64];
	get_mosi(b, mosi);
	flash_command(b, op, addr & 0xFFFFFF, mosi, mosi_len > 64 ? 64 : mosi_len, miso_len, t);
}

/* The hardware command bits (bits 31..20 of CMD), as the ROM's own routines use them. */
static void spi_builtin(struct sim_board *b, uint32_t cmd, uint64_t t)
{
	uint32_t a = b->spi0[SPI_ADDR >> 2];
	uint8_t mosi[64];
	get_mosi(b, mosi);
	if (cmd & (1u << 31)) { /* READ: ADDR = address | length << 24 */
		size_t len = a >> 24;
		flash_command(b, 0x03, a & 0xFFFFFF, NULL, 0, len ? len : 32, t);
	}
	if (cmd & (1u << 30))
		flash_command(b, 0x06, 0, NULL, 0, 0, t);
	if (cmd & (1u << 29))
		flash_command(b, 0x04, 0, NULL, 0, 0, t);
	if (cmd & (1u << 28)) { /* RDID lands in W0 */
		flash_command(b, 0x9F, 0, NULL, 0, 3, t);
	}
	if (cmd & (1u << 27))
		b->spi0[SPI_RD_STATUS >> 2] = nor_status(b->nor, t);
	if (cmd & (1u << 26)) {
		uint8_t sr[2] = {(uint8_t)b->spi0[SPI_RD_STATUS >> 2],
				 (uint8_t)(b->spi0[SPI_RD_STATUS >> 2] >> 8)};
		flash_command(b, 0x01, 0, sr, 2, 0, t);
	}
	if (cmd & (1u << 25)) /* PP: ADDR = address | length << 24, data from W0..W15 */
		flash_command(b, 0x02, a & 0xFFFFFF, mosi, (a >> 24) > 64 ? 64 : a >> 24, 0, t);
	if (cmd & (1u << 24))
		flash_command(b, 0x20, a & 0xFFFFFF, NULL, 0, 0, t);
	if (cmd & (1u << 23))
		flash_command(b, 0xD8, a & 0xFFFFFF, NULL, 0, 0, t);
	if (cmd & (1u << 22))
		flash_command(b, 0xC7, 0, NULL, 0, 0, t);
	if (cmd & (1u << 20))
		flash_command(b, 0xAB, 0, NULL, 0, 1, t);
}

static uint32_t *find_reg(struct sim_board *b, uint32_t addr, bool create)
{
	for (size_t i = 0; i < b->nregs; i++)
		if (b->regs[i].addr == addr)
			return &b->regs[i].value;
	if (!create || b->nregs == sizeof b->regs / sizeof b->regs[0])
		return NULL;
	b->regs[b->nregs].addr = addr;
	b->regs[b->nregs].value = 0;
	return &b->regs[b->nregs++].value;
}

uint32_t sim_reg_read(struct sim_board *b, uint32_t addr, uint64_t t)
{
	uint8_t *p;
	addr &= ~3u;
	if (addr == PKT_CHIP_MAGIC_ADDR)
		return PKT_ESP8266_MAGIC;
	if (addr >= 0x3FF00050u && addr <= 0x3FF0005Cu)
		return sim_otp_word(b, (int)((addr - 0x3FF00050u) / 4));
	if (addr == SIM_UART_CLKDIV) {
		uint32_t *v = find_reg(b, addr, false);
		return v ? *v : uart_clkdiv(b);
	}
	if (addr >= SIM_SPI0_BASE && addr < SIM_SPI0_BASE + 0x100) {
		uint32_t off = addr - SIM_SPI0_BASE;
		if (off == SPI_CMD || off == SPI_EXT2)
			return 0; /* transactions finish within the register round trip */
		return b->spi0[off >> 2];
	}
	if (sim_ram_ptr(b, addr, 4, &p))
		return get_le32(p);
	if (addr >= 0x40000000u && addr < 0x40010000u)
		return addr * 0x9E3779B1u; /* mask ROM contents: fixed, not modelled */
	uint32_t *v = find_reg(b, addr, false);
	return v ? *v : 0;
}

void sim_reg_write(struct sim_board *b, uint32_t addr, uint32_t value, uint64_t t)
{
	uint8_t *p;
	addr &= ~3u;
	if (addr >= SIM_SPI0_BASE && addr < SIM_SPI0_BASE + 0x100) {
		uint32_t off = addr - SIM_SPI0_BASE;
		if (off == SPI_CMD) {
			if (value & SPI_USR)
				spi_user(b, t);
			if (value & 0xFFF00000u)
				spi_builtin(b, value, t);
			b->spi0[0] = 0;
			return;
		}
		b->spi0[off >> 2] = value;
		return;
	}
	if (sim_ram_ptr(b, addr, 4, &p)) {
		put_le32(p, value);
		return;
	}
	if (addr == SIM_UART_CLKDIV && (value & 0xFFFFF)) {
		/* A new divider changes the chip's line speed at once; a host still at the old
		 * rate reads garbage from here on, as on a real board. */
		uint64_t clk = 2ull * b->cfg.crystal_mhz * 1000000ull;
		b->uart_baud = (uint32_t)(clk / (value & 0xFFFFF));
	}
	if (addr >= 0x40000000u && addr < 0x40010000u)
		return; /* mask ROM: writes go nowhere */
	uint32_t *v = find_reg(b, addr, true);
	if (v)
		*v = value;
}
