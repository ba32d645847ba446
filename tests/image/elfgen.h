/* SPDX-License-Identifier: MIT
 * Test helper: builds small ESP8266-like ELF files in memory with libelf, so the image
 * tests can shape edge cases (odd sizes, missing symbols, wrong machine) the cross
 * compiler would never produce. Used by the image tests and the image benchmark. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct elfgen_section {
	const char *name;
	uint32_t type;	/* SHT_PROGBITS, SHT_NOBITS, ... */
	uint32_t flags; /* SHF_ALLOC | SHF_EXECINSTR ... */
	uint32_t addr;
	const uint8_t *data; /* NULL: size bytes of a pattern derived from addr */
	uint32_t size;
};

#define ELFGEN_ABS (-1)

struct elfgen_symbol {
	const char *name;
	uint32_t value;
	int section; /* index into the section array, or ELFGEN_ABS */
	int bind;    /* STB_GLOBAL, STB_WEAK, STB_LOCAL */
};

/* Builds an ELF32 little-endian file; *out is malloc'd. machine 94 = Xtensa. Section
 * indexes in the file are array index + 1. Returns 0 or -1 (aborts the test). */
int elfgen_build(uint16_t machine, uint32_t entry, const struct elfgen_section *sections, size_t n,
		 const struct elfgen_symbol *symbols, size_t nsyms, uint8_t **out, size_t *out_len);

/* The pattern byte elfgen uses at offset i of a section loaded at addr. */
uint8_t elfgen_pattern(uint32_t addr, size_t i);
