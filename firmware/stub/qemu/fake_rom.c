/* SPDX-License-Identifier: MIT
 * A fake ESP8266 ROM for the QEMU check: what the flasher stub calls in the mask ROM,
 * reimplemented over semihosting so the cross-compiled stub runs unchanged in
 * qemu-system-xtensa -M sim -cpu lx106. The generated fake_rom_vectors.S puts a "j fake_X"
 * trampoline at each ROM address of ld/rom.ld; this file defines fake_X for the functions
 * the stub uses (the others stop the run, naming the function).
 *
 * Arguments (-semihosting-config arg=...): entry=ADDR (the stub's entry, called with the
 * ROM's stack as the ROM loader does after MEM_END), flash=FILE (the SPI flash, read and
 * written in place), out=FILE (every byte the stub sends on the UART), in=FILE (present
 * when the stub reads its input itself, as hal_qemu.c does), uart=FILE (the blob: input
 * delivered byte by byte through the stub's UART interrupt handler, from a timer interrupt
 * that also answers SPI0 user commands, see fake_rom_tick), trace=1 (list start-up calls).
 *
 * Exit codes: 0 the stub finished (or, without in=, it enabled its UART interrupt and now
 * waits for input the fake ROM cannot deliver); 20 software_reset; 21 the stub returned to
 * the ROM's flash boot; 0x7C a CPU exception; 0x7D a ROM function was misused (unaligned
 * flash access, out of range); 0x7E a ROM function the fake ROM does not implement. */
#include <stdint.h>

#include "semihost.h"

#define FLASH_SIZE_MAX (16u << 20)

static int32_t flash_fd = -1;
static int32_t out_fd = -1;
static uint32_t flash_size; /* bytes in the flash file */
static uint32_t flash_status;
static uint32_t ccount;
/* UART0 CLKDIV: plain RAM in QEMU's sim machine, kept as the ROM would. */
#define UART0_CLKDIV ((volatile uint32_t *)0x60000014)
static uint32_t sector_buf[256];

extern const char *const fake_rom_names[];

/* The UART and SPI0 emulation for the blob (arg=uart=FILE): a CCOMPARE0 timer interrupt
 * (lx106 interrupt 6, as on the ESP8266) every TICK_CYCLES serves both. */
#define TICK_CYCLES    4000u
#define TIMER_INUM     6
#define UART0_INUM     5
#define IDLE_TICKS_MAX 20000u
#define REG(addr)      (*(volatile uint32_t *)(addr))
static void (*uart_isr)(void *);
static void *uart_isr_arg;
static int32_t uart_fd = -1;
static uint8_t uart_buf[256];
static uint32_t uart_have, uart_next, idle_ticks, uart_rx_on;

static uint32_t str_len(const char *s)
{
	uint32_t n = 0;
	while (s[n])
		n++;
	return n;
}

static void say(const char *a, const char *b)
{
	semi_write(2, "fake ROM: ", 10);
	semi_write(2, a, str_len(a));
	semi_write(2, b, str_len(b));
	semi_write(2, "\n", 1);
}

static void say_hex(const char *what, uint32_t v)
{
	char hex[11];
	hex[0] = '0';
	hex[1] = 'x';
	hex[10] = 0;
	for (int i = 0; i < 8; i++)
		hex[9 - i] = "0123456789abcdef"[(v >> (4 * i)) & 15];
	say(what, hex);
}

/* With arg=trace=1, the start-up and interrupt calls are listed on stderr as "ROM name(args)"
 * so a test can check the order in which the stub makes them. */
static void trace(const char *name, uint32_t n, uint32_t a, uint32_t b, uint32_t c)
{
	static int on = -1;
	if (on < 0)
		on = semi_arg("trace") != 0;
	if (!on)
		return;
	char line[80];
	uint32_t len = 0;
	const uint32_t args[3] = {a, b, c};
	for (const char *p = "ROM "; *p; p++)
		line[len++] = *p;
	for (const char *p = name; *p && len < 40; p++)
		line[len++] = *p;
	line[len++] = '(';
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			line[len++] = ',';
		line[len++] = '0';
		line[len++] = 'x';
		for (int d = 7; d >= 0; d--)
			line[len++] = "0123456789abcdef"[(args[i] >> (4 * d)) & 15];
	}
	line[len++] = ')';
	line[len++] = '\n';
	semi_write(2, line, len);
}

static __attribute__((noreturn)) void stop(int32_t code)
{
	semi_exit(code);
}

void fake_rom_unimplemented(uint32_t index);
void fake_rom_unimplemented(uint32_t index)
{
	say(fake_rom_names[index], " is not implemented in the fake ROM");
	stop(0x7E);
}

void fake_rom_exception(void);
void fake_rom_exception(void)
{
	uint32_t cause, epc, vaddr, depc;
	__asm__ volatile("rsr.depc %0" : "=r"(depc));
	__asm__ volatile("rsr.exccause %0" : "=r"(cause));
	__asm__ volatile("rsr.epc1 %0" : "=r"(epc));
	__asm__ volatile("rsr.excvaddr %0" : "=r"(vaddr));
	say_hex("CPU exception, EXCCAUSE ", cause);
	say_hex("  at EPC1 ", epc);
	say_hex("  EXCVADDR ", vaddr);
	say_hex("  DEPC (double exception) ", depc);
	stop(0x7C);
}

void fake_rom_after_stub(void);
void fake_rom_after_stub(void)
{
	say("the stub returned to the ROM's flash boot", "");
	stop(21);
}

static uint32_t parse_hex(const char *s)
{
	uint32_t v = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; *s; s++) {
		uint32_t d = *s >= 'a'	 ? (uint32_t)(*s - 'a' + 10)
			     : *s >= 'A' ? (uint32_t)(*s - 'A' + 10)
					 : (uint32_t)(*s - '0');
		v = v << 4 | d;
	}
	return v;
}

/* Called by fake_rom_start.S on the ROM's stack. */
void fake_rom_main(void);
void fake_rom_main(void)
{
	const char *entry = semi_arg("entry");
	const char *flash = semi_arg("flash");
	const char *out = semi_arg("out");
	if (!entry || !out) {
		say("usage: arg=entry=ADDR arg=out=FILE [arg=flash=FILE] [arg=in=FILE]", "");
		stop(0x7D);
	}
	out_fd = semi_open(out, SEMI_O_WRONLY | SEMI_O_CREAT | SEMI_O_TRUNC);
	if (out_fd < 0) {
		say("cannot create ", out);
		stop(0x7D);
	}
	if (flash) {
		flash_fd = semi_open(flash, SEMI_O_RDWR);
		if (flash_fd < 0) {
			say("cannot open ", flash);
			stop(0x7D);
		}
		int32_t end = semi_call(SEMI_LSEEK, flash_fd, 0, 2 /* SEEK_END */);
		flash_size = end > 0 ? (uint32_t)end : 0;
		if (flash_size > FLASH_SIZE_MAX || flash_size % 4096) {
			say("the flash file must be a multiple of 4 KiB up to 16 MiB: ", flash);
			stop(0x7D);
		}
	}
	*UART0_CLKDIV = 452; /* 115200 baud as the ROM loader leaves it (reference §9.2) */
	const char *uart = semi_arg("uart");
	if (uart) {
		uart_fd = semi_open(uart, SEMI_O_RDONLY);
		if (uart_fd < 0) {
			say("cannot open ", uart);
			stop(0x7D);
		}
		/* The ROM loader runs with interrupts enabled (the fake boot masked them): the
		 * timer serves SPI0 from the start, the UART once the stub unmasks it. */
		uint32_t ps, now;
		__asm__ volatile("rsr.ccount %0" : "=r"(now));
		__asm__ volatile("wsr.ccompare0 %0" ::"r"(now + TICK_CYCLES));
		__asm__ volatile("wsr.intenable %0; rsync" ::"r"(1u << TIMER_INUM));
		__asm__ volatile("rsil %0, 0" : "=r"(ps));
	}
	void (*stub)(void) = (void (*)(void))parse_hex(entry);
	stub();
	fake_rom_after_stub();
}

/* A ROM function called with arguments the real one would fault or fail on. */
void fake_rom_misuse(const char *what, uint32_t value);
void fake_rom_misuse(const char *what, uint32_t value)
{
	say_hex(what, value);
	stop(0x7D);
}

/* ---- SPI flash ---- */

static int flash_range_ok(const char *fn, uint32_t addr, uint32_t len, uintptr_t buf)
{
	if ((addr | len | buf) & 3) {
		say_hex(fn, addr);
		say("  called with an unaligned address, length or buffer", "");
		stop(0x7D);
	}
	return flash_fd >= 0 && addr <= flash_size && len <= flash_size - addr;
}

int fake_SPIRead(uint32_t addr, uint32_t *dst, uint32_t len);
int fake_SPIRead(uint32_t addr, uint32_t *dst, uint32_t len)
{
	if (!flash_range_ok("SPIRead at ", addr, len, (uintptr_t)dst))
		return 1;
	semi_lseek(flash_fd, addr);
	return semi_read(flash_fd, dst, len) == (int32_t)len ? 0 : 1;
}

/* NOR programming: bits only go from 1 to 0. */
int fake_SPIWrite(uint32_t addr, const uint32_t *src, uint32_t len);
int fake_SPIWrite(uint32_t addr, const uint32_t *src, uint32_t len)
{
	if (!flash_range_ok("SPIWrite at ", addr, len, (uintptr_t)src))
		return 1;
	while (len) {
		uint32_t n = len < sizeof sector_buf ? len : sizeof sector_buf;
		semi_lseek(flash_fd, addr);
		if (semi_read(flash_fd, sector_buf, n) != (int32_t)n)
			return 1;
		for (uint32_t i = 0; i < n / 4; i++)
			sector_buf[i] &= src[i];
		semi_lseek(flash_fd, addr);
		if (semi_write(flash_fd, sector_buf, n) != (int32_t)n)
			return 1;
		addr += n;
		src += n / 4;
		len -= n;
	}
	return 0;
}

static int erase(uint32_t addr, uint32_t len)
{
	if (!flash_range_ok("erase at ", addr, len, 0))
		return 1;
	for (uint32_t i = 0; i < sizeof sector_buf / 4; i++)
		sector_buf[i] = 0xFFFFFFFFu;
	for (; len; addr += sizeof sector_buf, len -= sizeof sector_buf) {
		semi_lseek(flash_fd, addr);
		if (semi_write(flash_fd, sector_buf, sizeof sector_buf) != sizeof sector_buf)
			return 1;
	}
	return 0;
}

int fake_SPIEraseSector(uint32_t sector);
int fake_SPIEraseSector(uint32_t sector)
{
	return erase(sector * 4096, 4096);
}

int fake_SPIEraseBlock(uint32_t block);
int fake_SPIEraseBlock(uint32_t block)
{
	return erase(block * 65536, 65536);
}

int fake_SPIEraseChip(void);
int fake_SPIEraseChip(void)
{
	return erase(0, flash_size);
}

int fake_SPIUnlock(void);
int fake_SPIUnlock(void)
{
	flash_status = 0;
	return 0;
}

int fake_SPIParamCfg(uint32_t id, uint32_t size, uint32_t block, uint32_t sector, uint32_t page,
		     uint32_t mask);
int fake_SPIParamCfg(uint32_t id, uint32_t size, uint32_t block, uint32_t sector, uint32_t page,
		     uint32_t mask)
{
	trace("SPIParamCfg", 3, id, size, block);
	return 0;
}

int fake_SPI_read_status(void *chip, uint32_t *status);
int fake_SPI_read_status(void *chip, uint32_t *status)
{
	*status = flash_status;
	return 0;
}

int fake_SPI_write_status(void *chip, uint32_t status);
int fake_SPI_write_status(void *chip, uint32_t status)
{
	flash_status = status;
	return 0;
}

int fake_SPI_write_enable(void *chip);
int fake_SPI_write_enable(void *chip)
{
	return 0;
}

int fake_Wait_SPI_Idle(void *chip);
int fake_Wait_SPI_Idle(void *chip)
{
	return 0;
}

void fake_spi_flash_attach(void);
void fake_spi_flash_attach(void)
{
	trace("spi_flash_attach", 0, 0, 0, 0);
}

void fake_SelectSpiFunction(void);
void fake_SelectSpiFunction(void)
{
	trace("SelectSpiFunction", 0, 0, 0, 0);
}

/* ---- UART, time, interrupts ---- */

int fake_uart_tx_one_char(uint8_t c);
int fake_uart_tx_one_char(uint8_t c)
{
	trace("uart_tx_one_char", 1, c, 0, 0);
	semi_write(out_fd, &c, 1);
	return 0;
}

int fake_uart_rx_one_char(uint8_t *c);
int fake_uart_rx_one_char(uint8_t *c)
{
	return 1; /* nothing received */
}

void fake_uart_div_modify(uint32_t uart, uint32_t div);
void fake_uart_div_modify(uint32_t uart, uint32_t div)
{
	trace("uart_div_modify", 2, uart, div, 0);
	*UART0_CLKDIV = div;
}

void fake_ets_delay_us(uint32_t us);
void fake_ets_delay_us(uint32_t us)
{
	ccount += us * 80;
}

uint32_t fake_xthal_get_ccount(void);
uint32_t fake_xthal_get_ccount(void)
{
	return ccount += 80;
}

void fake_ets_isr_attach(uint32_t irq, void (*fn)(void *), void *arg);
void fake_ets_isr_attach(uint32_t irq, void (*fn)(void *), void *arg)
{
	trace("ets_isr_attach", 1, irq, 0, 0);
	if (irq == UART0_INUM) {
		uart_isr = fn;
		uart_isr_arg = arg;
	}
}

void fake_ets_isr_mask(uint32_t mask);
void fake_ets_isr_mask(uint32_t mask)
{
}

/* The stub enables its UART receive interrupt once it is ready for commands. The fake ROM
 * has no UART to deliver bytes through it: without in= (the stub reads its input itself)
 * this is the end of the run. */
void fake_ets_isr_unmask(uint32_t mask);
void fake_ets_isr_unmask(uint32_t mask)
{
	trace("ets_isr_unmask", 1, mask, 0, 0);
	const char *uart = semi_arg("uart");
	if (uart && (mask & 1u << UART0_INUM)) {
		uart_rx_on = 1;
		return;
	}
	if (!semi_arg("in") && !uart) {
		say_hex("the stub enabled interrupts, mask ", mask);
		stop(0);
	}
}

/* SPI0 user commands (reference §5.2) as a flash chip would answer them: JEDEC id, status
 * registers 1 and 2, write status. The register block is plain RAM in QEMU. */
static void spi0_emulate(void)
{
	if (!(REG(0x60000200) & 1u << 18))
		return;
	uint32_t cmd = REG(0x60000224) & 0xFFu, log2 = 0;
	while (log2 < 31 && (1u << (log2 + 1)) <= flash_size)
		log2++;
	if (cmd == 0x9F)
		REG(0x60000240) = 0xEFu | 0x40u << 8 | log2 << 16;
	else if (cmd == 0x05)
		REG(0x60000240) = flash_status & 0xFFu;
	else if (cmd == 0x35)
		REG(0x60000240) = (flash_status >> 8) & 0xFFu;
	else if (cmd == 0x01)
		flash_status = REG(0x60000240) & 0xFFFFu;
	REG(0x60000200) &= ~(1u << 18);
}

/* One byte from the uart= file through the stub's UART interrupt handler: the RX FIFO
 * holds it (UART0 FIFO and STATUS are plain RAM in QEMU). */
static void uart_deliver(void)
{
	if (uart_next == uart_have) {
		int32_t n = semi_read(uart_fd, uart_buf, sizeof uart_buf);
		uart_have = n > 0 ? (uint32_t)n : 0;
		uart_next = 0;
	}
	if (uart_next == uart_have) {
		if (++idle_ticks > IDLE_TICKS_MAX) {
			say("all UART input delivered; the stub is still running", "");
			stop(0);
		}
		return;
	}
	REG(0x60000000) = uart_buf[uart_next++];
	REG(0x6000001C) = 1;
	uart_isr(uart_isr_arg);
	REG(0x6000001C) = 0;
}

void fake_rom_tick(void);
void fake_rom_tick(void)
{
	spi0_emulate();
	if (uart_rx_on && uart_isr)
		uart_deliver();
	uint32_t now;
	__asm__ volatile("rsr.ccount %0" : "=r"(now));
	__asm__ volatile("wsr.ccompare0 %0" ::"r"(now + TICK_CYCLES));
}

void fake_ets_intr_lock(void);
void fake_ets_intr_lock(void)
{
}

void fake_ets_intr_unlock(void);
void fake_ets_intr_unlock(void)
{
}

void fake_ets_wdt_disable(void);
void fake_ets_wdt_disable(void)
{
}

uint32_t fake_ets_get_cpu_frequency(void);
uint32_t fake_ets_get_cpu_frequency(void)
{
	return 80;
}

void fake_ets_set_user_start(uint32_t start);
void fake_ets_set_user_start(uint32_t start)
{
	trace("ets_set_user_start", 1, start, 0, 0);
}

void fake_software_reset(void);
void fake_software_reset(void)
{
	say("software_reset", "");
	stop(20);
}
