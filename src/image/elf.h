/* SPDX-License-Identifier: MIT
 * The ELF reader behind the image writers: section headers, section bytes and the symbol
 * table of a 32-bit little-endian Xtensa ELF, as plain data. elf.c is the only file that
 * includes <gelf.h>; everything else sees this header. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define IMG_EM_XTENSA 94u /* e_machine of the lx106 toolchain */

/* A section header (index = ELF section index). data points into the ELF buffer handed to
 * img_elf_read (NULL for NOBITS and empty sections); it stays valid while that buffer
 * and the struct live. */
struct img_elf_section {
	const char *name; /* never NULL ("" when unnamed) */
	uint32_t type;	  /* SHT_* */
	uint32_t flags;	  /* SHF_* */
	uint32_t addr;
	uint32_t size;
	uint32_t align;
	const uint8_t *data;
};

enum img_elf_sym_kind {
	IMG_SYM_OTHER = 0, /* undefined, common, data, ... */
	IMG_SYM_TEXT,	   /* defined in an executable section: nm's 'T'/'t' */
	IMG_SYM_ABS,	   /* SHN_ABS: nm's 'A'/'a' */
};

struct img_elf_symbol {
	const char *name;
	uint32_t value;
	uint8_t bind; /* STB_* */
	uint8_t type; /* STT_* */
	enum img_elf_sym_kind kind;
};

/* A program header; data (p_filesz bytes at p_offset) points into the ELF buffer. */
struct img_elf_phdr {
	uint32_t type; /* PT_* */
	uint32_t paddr;
	uint32_t filesz;
	uint32_t flags; /* PF_* */
	const uint8_t *data;
};

struct img_elf {
	uint16_t machine;
	uint32_t entry;
	size_t phdr_count;
	struct img_elf_phdr *phdrs;
	size_t section_count;
	struct img_elf_section *sections;
	size_t symbol_count;
	struct img_elf_symbol *symbols;
	void *priv; /* the libelf handle that owns the name strings */
};

/* Reads the ELF in buf (which must outlive the result). Refuses anything but a 32-bit
 * little-endian ELF for Xtensa (EM_XTENSA) and sections that run past the end of the
 * file, with a message naming the problem. *out is NULL on failure. */
int img_elf_read(const uint8_t *buf, size_t len, struct img_elf **out, struct ed_error *err);

/* Frees what img_elf_read made; NULL is fine. */
void img_elf_destroy(struct img_elf *elf);

/* The first section with this name, or NULL. Borrowed. */
const struct img_elf_section *img_elf_section(const struct img_elf *elf, const char *name);
