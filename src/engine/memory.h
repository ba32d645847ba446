/* SPDX-License-Identifier: MIT
 * Memory commands of the ROM loader for esptool's read_mem, write_mem, dump_mem,
 * load_ram and run (reference §2.1, §3.4): words through READ_REG / WRITE_REG, code into
 * RAM through MEM_BEGIN / MEM_DATA / MEM_END. All take a connected loader (loader.h). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "engine/loader.h"

/* esptool's MEM_DATA block size for the ROM (reference §2.1). */
#define MEMORY_RAM_BLOCK 0x1800u

/* One 32-bit word at addr (RAM, ROM, registers, OTP). */
int memory_read_word(struct loader *ld, uint32_t addr, uint32_t *value, struct ed_error *err);

/* WRITE_REG with esptool's mask and delay: the bits set in mask take value's bits, the
 * others keep theirs (the ROM reads, modifies and writes); delay_us is waited after. */
int memory_write_word(struct loader *ld, uint32_t addr, uint32_t value, uint32_t mask,
		      uint32_t delay_us, struct ed_error *err);

/* Progress: bytes done of total. */
typedef void (*memory_progress_fn)(void *user, uint64_t done, uint64_t total);

/* Reads size bytes (a multiple of 4, as esptool reads words) from addr into buf (the
 * caller's, size bytes), a READ_REG per word. */
int memory_dump(struct loader *ld, uint32_t addr, uint8_t *buf, size_t size,
		memory_progress_fn progress, void *user, struct ed_error *err);

/* MEM_BEGIN then MEM_DATA blocks of MEMORY_RAM_BLOCK bytes (the last one short, as esptool
 * sends it) put len bytes at addr. */
int memory_load(struct loader *ld, uint32_t addr, const uint8_t *data, size_t len,
		struct ed_error *err);

/* MEM_END: the ROM jumps to entry (entry 0: stays in the loader, flag 1, as esptool). The
 * ROM may be gone before its reply is out: as esptool, wait 0.2 s and ignore a missing
 * reply. */
int memory_run(struct loader *ld, uint32_t entry, struct ed_error *err);
