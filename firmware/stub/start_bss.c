/* SPDX-License-Identifier: MIT
 * stub_clear_bss() for the xtensa builds (start.h): a word loop over the linker script's
 * BSS bounds (both 4-byte aligned there), before anything reads a static. */
#include "start.h"

extern uint32_t _bss_start[], _bss_end[];

void stub_clear_bss(void)
{
	for (volatile uint32_t *p = _bss_start; p < _bss_end; p++)
		*p = 0;
}
