/* SPDX-License-Identifier: MIT
 * What start.S provides to the xtensa builds of the stub (hal_esp8266.c, hal_qemu.c and the
 * QEMU self test), and what it expects from them. */
#ifndef STUB_START_H
#define STUB_START_H

#include <stdint.h>

/* The C entry, called by stub_entry with the ROM's stack; returning continues the ROM's
 * flash boot (RUN_USER_CODE). Defined by the platform file. */
void stub_main(void);

/* Leaves the stub from any depth: restores the ROM's stack pointer and returns into the
 * ROM's flash boot, as if stub_main had returned. */
__attribute__((noreturn)) void stub_return_to_rom(void);

/* Clears the BSS (the ROM loader does not: only the uploaded segments are written). */
void stub_clear_bss(void);

#endif
