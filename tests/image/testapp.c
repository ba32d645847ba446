/* SPDX-License-Identifier: MIT
 * A small application for the image tests, built with xtensa-lx106-elf-gcc against the
 * firmware/ld linker scripts (the SDK memory map): code in IRAM and in irom0, initialised
 * data of an odd size, read-only tables, zeroed data. It never runs; its ELF does. */
#include <stdint.h>

#define IROM __attribute__((section(".irom0.text"), noinline))

void call_user_start1(void);
int ets_printf(const char *fmt, ...);

static volatile uint8_t odd_data[7] = {1, 2, 3, 4, 5, 6, 7};
static volatile uint32_t counters[5];
static const uint16_t table[9] = {2, 3, 5, 7, 11, 13, 17, 19, 23};
static const char text[] = "image test application";

static IROM uint32_t irom_sum(uint32_t n)
{
	/* no % or /: the test link has no libgcc helpers to lean on */
	uint32_t s = 0, t = 0, d = 0;
	for (uint32_t i = 0; i < n; i++) {
		s += table[t] * odd_data[d];
		t = t == 8 ? 0 : t + 1;
		d = d == 6 ? 0 : d + 1;
	}
	return s;
}

static IROM void irom_loop(void)
{
	for (;;) {
		counters[0] = irom_sum(counters[1]++);
		ets_printf("%s %u\n", text, (unsigned)counters[0]);
	}
}

void call_user_start1(void)
{
	counters[2] = 1;
	irom_loop();
}
