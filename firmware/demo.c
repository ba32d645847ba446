/* SPDX-License-Identifier: MIT
 * espdeck demo application: bare metal, no SDK. The ROM (or boot_v1.x) loads .text, .data
 * and .rodata and jumps to call_user_start1; the banner loop runs from flash (.irom0.text)
 * and prints through the ROM's ets_printf (addresses from the linker script). */
#include <stdint.h>

int ets_printf(const char *fmt, ...);
void ets_delay_us(uint32_t us);
void ets_wdt_disable(void);
void Cache_Read_Enable(uint32_t odd_even, uint32_t mb_count, uint32_t no_idea);

void call_user_start1(void);

#define IROM __attribute__((section(".irom0.text"), noinline))

extern uint32_t _bss_start[], _bss_end[];

/* Kept in .data so the image has a DRAM segment the ROM must load, as SDK images do. */
static volatile uint32_t boot_count = 1;
static const char banner[] = "espdeck demo firmware";

static IROM void demo_main(void)
{
	for (uint32_t tick = 0;; tick++) {
		ets_printf("%s: tick %u (boot %u)\n", banner, (unsigned)tick, (unsigned)boot_count);
		for (int i = 0; i < 10; i++)
			ets_delay_us(100000);
	}
}

void call_user_start1(void)
{
	/* Nothing clears .bss for us: the ROM only copies the image's segments. */
	for (uint32_t *p = _bss_start; p < _bss_end; p++)
		*p = 0;
	ets_wdt_disable();
#ifdef DEMO_FLAT
	/* Without a boot loader nobody maps flash: map the first MiB so irom0 code runs. */
	Cache_Read_Enable(0, 0, 1);
#endif
	demo_main();
}
