/* SPDX-License-Identifier: MIT
 * ELF synthesis for tests (see elfgen.h): libelf writes to a temporary file, which is
 * read back into memory. */
#include "elfgen.h"

#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t elfgen_pattern(uint32_t addr, size_t i)
{
	return (uint8_t)((addr >> 4) * 31u + i * 7u + 1u);
}

static size_t add_string(char *tab, size_t *len, const char *s)
{
	size_t at = *len;
	memcpy(tab + at, s, strlen(s) + 1);
	*len += strlen(s) + 1;
	return at;
}

static Elf_Scn *new_section(Elf *e, Elf_Data **data)
{
	Elf_Scn *scn = elf_newscn(e);
	*data = scn ? elf_newdata(scn) : NULL;
	return scn;
}

static int fill_sections(Elf *e, const struct elfgen_section *s, size_t n, char *shstr,
			 size_t *shlen, uint8_t **bufs)
{
	for (size_t i = 0; i < n; i++) {
		Elf_Data *d;
		Elf_Scn *scn = new_section(e, &d);
		GElf_Shdr sh;
		if (!scn || !d || !gelf_getshdr(scn, &sh))
			return -1;
		bufs[i] = calloc(1, s[i].size ? s[i].size : 1);
		for (uint32_t k = 0; k < s[i].size; k++)
			bufs[i][k] = s[i].data ? s[i].data[k] : elfgen_pattern(s[i].addr, k);
		d->d_buf = s[i].type == SHT_NOBITS ? NULL : bufs[i];
		d->d_size = s[i].size;
		d->d_type = ELF_T_BYTE;
		d->d_align = 4;
		sh.sh_name = (Elf32_Word)add_string(shstr, shlen, s[i].name);
		sh.sh_type = s[i].type;
		sh.sh_flags = s[i].flags;
		sh.sh_addr = s[i].addr;
		sh.sh_addralign = 4;
		if (!gelf_update_shdr(scn, &sh))
			return -1;
	}
	return 0;
}

static int fill_symbols(Elf *e, const struct elfgen_symbol *sy, size_t nsyms, size_t symtab_ndx,
			Elf32_Sym *syms, char *str, size_t *strlen_)
{
	/* index 0 is the null symbol; locals must come first, so sort by bind */
	size_t k = 1;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < nsyms; i++) {
			if ((pass == 0) != (sy[i].bind == STB_LOCAL))
				continue;
			Elf32_Sym *s = &syms[k++];
			s->st_name = (Elf32_Word)add_string(str, strlen_, sy[i].name);
			s->st_value = sy[i].value;
			s->st_info = ELF32_ST_INFO(sy[i].bind, STT_FUNC);
			s->st_shndx =
			    sy[i].section == ELFGEN_ABS ? SHN_ABS : (Elf32_Half)(sy[i].section + 1);
		}
	Elf_Data *d;
	Elf_Scn *scn = new_section(e, &d);
	GElf_Shdr sh;
	if (!scn || !d || !gelf_getshdr(scn, &sh))
		return -1;
	d->d_buf = syms;
	d->d_size = (nsyms + 1) * sizeof *syms;
	d->d_type = ELF_T_SYM;
	sh.sh_type = SHT_SYMTAB;
	sh.sh_entsize = sizeof(Elf32_Sym);
	sh.sh_link = (Elf32_Word)(symtab_ndx + 1); /* .strtab follows */
	size_t locals = 1;
	for (size_t i = 0; i < nsyms; i++)
		locals += sy[i].bind == STB_LOCAL;
	sh.sh_info = (Elf32_Word)locals;
	return gelf_update_shdr(scn, &sh) ? (int)elf_ndxscn(scn) : -1;
}

static int add_strtab(Elf *e, char *tab, size_t len, size_t name_off)
{
	Elf_Data *d;
	Elf_Scn *scn = new_section(e, &d);
	GElf_Shdr sh;
	if (!scn || !d || !gelf_getshdr(scn, &sh))
		return -1;
	d->d_buf = tab;
	d->d_size = len;
	d->d_type = ELF_T_BYTE;
	sh.sh_name = (Elf32_Word)name_off;
	sh.sh_type = SHT_STRTAB;
	return gelf_update_shdr(scn, &sh) ? (int)elf_ndxscn(scn) : -1;
}

int elfgen_build(uint16_t machine, uint32_t entry, const struct elfgen_section *sections, size_t n,
		 const struct elfgen_symbol *symbols, size_t nsyms, uint8_t **out, size_t *out_len)
{
	elf_version(EV_CURRENT);
	FILE *f = tmpfile();
	if (!f)
		return -1;
	Elf *e = elf_begin(fileno(f), ELF_C_WRITE, NULL);
	Elf32_Ehdr *eh = e ? elf32_newehdr(e) : NULL;
	if (!eh)
		return -1;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_machine = machine;
	eh->e_type = ET_EXEC;
	eh->e_version = EV_CURRENT;
	eh->e_entry = entry;
	char *shstr = calloc(1, 4096), *str = calloc(1, 4096);
	size_t shlen = 1, slen = 1;
	uint8_t **bufs = calloc(n + 1, sizeof *bufs);
	Elf32_Sym *syms = calloc(nsyms + 1, sizeof *syms);
	int rc = fill_sections(e, sections, n, shstr, &shlen, bufs);
	/* every name goes into .shstrtab before its size is fixed */
	size_t symtab_name = add_string(shstr, &shlen, ".symtab");
	size_t strtab_name = add_string(shstr, &shlen, ".strtab");
	size_t shstr_name = add_string(shstr, &shlen, ".shstrtab");
	int symndx = rc == 0 ? fill_symbols(e, symbols, nsyms, n + 1, syms, str, &slen) : -1;
	int strndx = symndx > 0 ? add_strtab(e, str, slen, strtab_name) : -1;
	int shndx = strndx > 0 ? add_strtab(e, shstr, shlen, shstr_name) : -1;
	rc = -1;
	if (shndx > 0) {
		GElf_Shdr sh;
		Elf_Scn *scn = elf_getscn(e, (size_t)symndx);
		gelf_getshdr(scn, &sh);
		sh.sh_name = (Elf32_Word)symtab_name;
		gelf_update_shdr(scn, &sh);
		elf32_getehdr(e)->e_shstrndx = (Elf32_Half)shndx;
		rc = elf_update(e, ELF_C_WRITE) < 0 ? -1 : 0;
	}
	elf_end(e);
	for (size_t i = 0; i < n; i++)
		free(bufs[i]);
	free(bufs);
	free(syms);
	free(str);
	free(shstr);
	if (rc == 0) {
		long size = (fseek(f, 0, SEEK_END), ftell(f));
		rewind(f);
		*out = malloc((size_t)size);
		*out_len = (size_t)size;
		if (!*out || fread(*out, 1, (size_t)size, f) != (size_t)size)
			rc = -1;
	}
	fclose(f);
	return rc;
}
