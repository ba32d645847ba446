/* SPDX-License-Identifier: MIT
 * A small xtensa program that proves the QEMU harness before the stub runs in it: built with
 * the stub's flags, start.S, placement and ROM address script, it calls the ROM through the
 * fake ROM's trampolines (flash read/erase/write against the host file, the UART, memcpy,
 * division), reports over the fake UART, and returns through start.S's return address into
 * the ROM's flash boot (fake ROM exit code 21). The first flash word picks a mode:
 *   0xDEADBEEF  make an unaligned 32-bit load (the fake ROM reports a CPU exception)
 *   0x5EC7CAFE  divide 64-bit numbers: __udivdi3 is in the ROM list but the fake ROM
 *               leaves it out, so the run stops naming it
 *   0x0BADF00D  read from an unaligned flash address (the fake ROM refuses the misuse)
 * Output on the UART: "ok" frames of what it read and computed (tests/stub_qemu). */
#include <stddef.h>
#include <stdint.h>

#include "rom.h"
#include "start.h"

void *memcpy(void *dst, const void *src, size_t n);

static uint32_t zeroed[16]; /* BSS: must read as zero after stub_clear_bss */
static uint32_t sector[1024];
static uint8_t bytes[12] = {'s', 'e', 'l', 'f', 't', 'e', 's', 't', 0, 0, 0, 0};

static void send(const void *data, uint32_t len)
{
	const uint8_t *p = data;
	while (len--)
		uart_tx_one_char(*p++);
}

static void send_word(uint32_t w)
{
	send(&w, 4);
}

void stub_main(void)
{
	uint32_t word;
	volatile uint32_t divisor = 7, dividend = 1000000;
	stub_clear_bss();
	send(bytes, 8);
	for (int i = 0; i < 16; i++)
		if (zeroed[i])
			send("BSS!", 4);
	if (SPIRead(0, &word, 4) != 0)
		send("RD0!", 4);
	send_word(word);
	if (word == 0xDEADBEEFu) {
		volatile uint32_t *odd = (volatile uint32_t *)((uintptr_t)bytes + 1);
		send_word(*odd);
	} else if (word == 0x5EC7CAFEu) {
		volatile uint64_t big = 1ull << 40;
		send_word((uint32_t)(big / divisor));
	} else if (word == 0x0BADF00Du) {
		SPIRead(2, &word, 4);
	}
	/* Erase the second sector, write a pattern, read it back through the ROM. */
	for (uint32_t i = 0; i < 1024; i++)
		sector[i] = i * 0x01010101u;
	if (SPIEraseSector(1) != 0 || SPIWrite(0x1000, sector, 4096) != 0)
		send("WR!!", 4);
	memcpy(sector, zeroed, sizeof zeroed);
	if (SPIRead(0x1000, sector, 4096) != 0)
		send("RD1!", 4);
	send_word(sector[0]);
	send_word(sector[1023]);
	/* Programming only clears bits: writing 0x0F0F0F0F over 0x03030303 gives 0x03030303. */
	word = 0x0F0F0F0Fu;
	SPIWrite(0x100C, &word, 4);
	SPIRead(0x100C, &word, 4);
	send_word(word);
	send_word(dividend / divisor);
	send_word(dividend % divisor);
	/* Reading past the end of a 64 KiB flash file fails. */
	send_word((uint32_t)SPIRead(0x10000, &word, 4));
	/* Returning continues the ROM's flash boot: the fake ROM exits 21. */
}
