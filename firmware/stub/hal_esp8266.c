/* SPDX-License-Identifier: MIT
 * The stub on the ESP8266: the HAL of hal.h over the mask ROM (ld/rom.ld) and the UART0 and
 * SPI0 registers, and stub_main, which start.S calls after the ROM loader's MEM_END.
 *
 * Start-up: clear the ROM's user start pointer and the BSS, attach the SPI flash (SelectSpiFunction, spi_flash_attach) and
 * give the ROM's flash driver the largest geometry (16 MB, 64 KiB blocks, 4 KiB sectors,
 * 256-byte pages, status mask 0xFFFF, as esptool's stub does) so SPIRead/SPIWrite take any
 * address; then the core sends OHAI and the UART receive interrupt is enabled. The
 * interrupt only moves bytes from the RX FIFO into a ring buffer; the main loop feeds the
 * core from it and runs stub_poll while it is empty. The ring holds a whole 16 KiB block
 * frame, so the next FLASH_DATA can arrive while the core erases and writes the last one
 * (it replies first). If the ring overflows anyway, bytes are lost and the frame fails its
 * checks: the host sees an error reply or a timeout, never a wrong write.
 *
 * This file is the part no test runs for real (QEMU's sim machine has no UART or SPI
 * controller): keep it small. Register facts: reference §10.2 (UART0 offsets), §5.1-5.2
 * (SPI0 user commands); interrupt and FIFO bits from the SDK's uart_register.h. */
#include <stdint.h>

#include "core/stub.h"
#include "rom.h"
#include "start.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

#define UART0_FIFO	      REG(0x60000000)
#define UART0_INT_ENA	      REG(0x6000000C)
#define UART0_INT_CLR	      REG(0x60000010)
#define UART0_CLKDIV	      REG(0x60000014)
#define UART0_STATUS	      REG(0x6000001C)
#define UART0_CONF1	      REG(0x60000024)
#define UART_RXFIFO_FULL_INT  (1u << 0)
#define UART_RXFIFO_TOUT_INT  (1u << 8)
#define UART_RX_COUNT(status) ((status)&0xFFu)
#define UART_TX_COUNT(status) (((status) >> 16) & 0xFFu)
#define UART0_INUM	      5 /* reference §10.1 */

#define SPI0_CMD     REG(0x60000200)
#define SPI0_USER    REG(0x6000021C)
#define SPI0_USER1   REG(0x60000220)
#define SPI0_USER2   REG(0x60000224)
#define SPI0_W0	     REG(0x60000240)
#define SPI_CMD_USR  (1u << 18)
#define SPI_POLL_MAX 100000u

#define RING_SIZE 0x4400u /* one 16 KiB block frame, its header and escapes */

static struct stub core;
static uint8_t ring[RING_SIZE];
static volatile uint32_t ring_head; /* written by the interrupt */
static volatile uint32_t ring_tail; /* written by the main loop */
static uint32_t cpu_mhz, last_ccount, now_us;

static void uart_rx_isr(void *arg)
{
	uint32_t n = UART_RX_COUNT(UART0_STATUS);
	uint32_t head = ring_head;
	while (n--) {
		uint8_t c = (uint8_t)UART0_FIFO;
		uint32_t next = head + 1 < RING_SIZE ? head + 1 : 0;
		if (next != ring_tail) { /* full: the byte is lost, the frame fails its checks */
			ring[head] = c;
			head = next;
		}
	}
	ring_head = head;
	UART0_INT_CLR = UART_RXFIFO_FULL_INT | UART_RXFIFO_TOUT_INT;
}

static void uart_rx_start(void)
{
	/* Interrupt at 64 bytes in the FIFO, or after 10 idle byte times. */
	UART0_CONF1 = 64u | 10u << 24 | 1u << 31;
	UART0_INT_CLR = 0xFFFFu;
	UART0_INT_ENA = UART_RXFIFO_FULL_INT | UART_RXFIFO_TOUT_INT;
	ets_isr_attach(UART0_INUM, uart_rx_isr, 0);
	ets_isr_unmask(1u << UART0_INUM);
}

static void uart_tx_drain(void)
{
	for (uint32_t i = 0; i < 1000 && UART_TX_COUNT(UART0_STATUS); i++)
		ets_delay_us(100);
}

/* One SPI0 user command (reference §5.2): command byte, up to 32 bits out and in. */
static int spi_command(uint32_t cmd, uint32_t mosi, uint32_t mosi_bits, uint32_t miso_bits,
		       uint32_t *miso)
{
	uint32_t user = SPI0_USER, user2 = SPI0_USER2;
	SPI0_USER1 = (miso_bits ? miso_bits - 1 : 0) << 8 | (mosi_bits ? mosi_bits - 1 : 0) << 17;
	SPI0_USER = 1u << 31 | (miso_bits ? 1u << 28 : 0) | (mosi_bits ? 1u << 27 : 0);
	SPI0_USER2 = 7u << 28 | cmd;
	SPI0_W0 = mosi;
	SPI0_CMD = SPI_CMD_USR;
	uint32_t i = 0;
	while ((SPI0_CMD & SPI_CMD_USR) && i < SPI_POLL_MAX)
		i++;
	if (miso)
		*miso = SPI0_W0;
	SPI0_USER = user;
	SPI0_USER2 = user2;
	return i < SPI_POLL_MAX ? 0 : 2;
}

static void chip_tx(void *ctx, const uint8_t *data, uint32_t len)
{
	while (len--)
		uart_tx_one_char(*data++);
}

static int chip_flash_read(void *ctx, uint32_t addr, uint32_t *dst, uint32_t len)
{
	return SPIRead(addr, dst, len);
}

static int chip_flash_write(void *ctx, uint32_t addr, const uint32_t *src, uint32_t len)
{
	return SPIWrite(addr, src, len);
}

static int chip_erase_sector(void *ctx, uint32_t sector)
{
	return SPIEraseSector(sector);
}

static int chip_erase_block(void *ctx, uint32_t block)
{
	return SPIEraseBlock(block);
}

static int chip_erase_chip(void *ctx)
{
	return SPIEraseChip();
}

/* RDSR (0x05) and RDSR2 (0x35). */
static int chip_read_status(void *ctx, uint32_t *status)
{
	uint32_t s1 = 0, s2 = 0;
	int rc = spi_command(0x05, 0, 0, 8, &s1) | spi_command(0x35, 0, 0, 8, &s2);
	*status = (s1 & 0xFFu) | (s2 & 0xFFu) << 8;
	return rc;
}

/* WREN, WRSR (0x01) with both status bytes, then wait until WIP clears. */
static int chip_write_status(void *ctx, uint32_t status)
{
	uint32_t s1 = 1;
	if (spi_command(0x06, 0, 0, 0, 0) || spi_command(0x01, status & 0xFFFFu, 16, 0, 0))
		return 1;
	for (uint32_t i = 0; i < 2000 && (s1 & 1); i++) {
		ets_delay_us(10);
		if (spi_command(0x05, 0, 0, 8, &s1))
			return 2;
	}
	return s1 & 1 ? 2 : 0;
}

/* RDID (0x9F): manufacturer, type, capacity in bits 0-23. */
static uint32_t chip_flash_id(void *ctx)
{
	uint32_t id = 0;
	return spi_command(0x9F, 0, 0, 24, &id) ? 0 : id & 0xFFFFFFu;
}

static int chip_set_params(void *ctx, const uint32_t p[6])
{
	return SPIParamCfg(p[0], p[1], p[2], p[3], p[4], p[5]);
}

static void chip_attach(void *ctx, uint32_t arg)
{
	SelectSpiFunction();
	spi_flash_attach();
}

static uint32_t chip_read_reg(void *ctx, uint32_t addr)
{
	return REG(addr);
}

static void chip_write_reg(void *ctx, uint32_t addr, uint32_t value)
{
	REG(addr) = value;
}

static uint32_t ccount(void)
{
	uint32_t c;
	__asm__ volatile("rsr.ccount %0" : "=r"(c));
	return c;
}

/* Microseconds from the cycle counter, without losing the remainder between calls. */
static uint32_t chip_time_us(void *ctx)
{
	uint32_t us = (ccount() - last_ccount) / cpu_mhz;
	last_ccount += us * cpu_mhz; /* the cycles of a part microsecond count next time */
	now_us += us;
	return now_us;
}

static void chip_delay_us(void *ctx, uint32_t us)
{
	ets_delay_us(us);
}

static uint32_t chip_uart_divider(void *ctx)
{
	return UART0_CLKDIV & 0xFFFFFu;
}

static void chip_set_uart_divider(void *ctx, uint32_t divider)
{
	uart_div_modify(0, divider & 0xFFFFFu);
}

static void chip_leave(void *ctx, enum stub_leave how)
{
	uart_tx_drain();
	ets_isr_mask(1u << UART0_INUM);
	if (how == STUB_LEAVE_RESET)
		software_reset();
	stub_return_to_rom();
}

static void chip_jump(void *ctx, uint32_t entry)
{
	uart_tx_drain();
	ets_isr_mask(1u << UART0_INUM);
	((void (*)(void))entry)();
	stub_return_to_rom();
}

/* The core is built with STUB_HAL_FIXED (meson.build): it calls these directly. */
const struct stub_hal stub_hal_fixed = {
    .tx = chip_tx,
    .flash_read = chip_flash_read,
    .flash_write = chip_flash_write,
    .flash_erase_sector = chip_erase_sector,
    .flash_erase_block = chip_erase_block,
    .flash_erase_chip = chip_erase_chip,
    .flash_read_status = chip_read_status,
    .flash_write_status = chip_write_status,
    .flash_id = chip_flash_id,
    .flash_set_params = chip_set_params,
    .flash_attach = chip_attach,
    .read_reg = chip_read_reg,
    .write_reg = chip_write_reg,
    .time_us = chip_time_us,
    .delay_us = chip_delay_us,
    .uart_divider = chip_uart_divider,
    .set_uart_divider = chip_set_uart_divider,
    .leave = chip_leave,
    .jump = chip_jump,
};

void stub_main(void)
{
	/* The ROM's user start points at us after MEM_END: clear it, so that returning into
	 * the ROM's flash boot boots the flash, not the stub again (esptool's stub does too). */
	ets_set_user_start(0);
	stub_clear_bss();
	cpu_mhz = ets_get_cpu_frequency();
	if (!cpu_mhz)
		cpu_mhz = 80;
	last_ccount = ccount();
	chip_attach(0, 0);
	SPIParamCfg(0, 16u << 20, 0x10000, 0x1000, 0x100, 0xFFFF);
	stub_init(&core, &stub_hal_fixed);
	stub_start(&core);
	uart_rx_start();
	while (stub_running(&core)) {
		uint32_t head = ring_head;
		if (head == ring_tail) {
			stub_poll(&core);
			continue;
		}
		uint32_t end = head > ring_tail ? head : RING_SIZE;
		stub_feed(&core, ring + ring_tail, end - ring_tail);
		ring_tail = end < RING_SIZE ? end : 0;
	}
	/* leave() and jump() do not return on the chip; should the core stop otherwise, go
	 * on with the ROM's flash boot. */
}
