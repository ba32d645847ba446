/* SPDX-License-Identifier: MIT
 * ELF reader for the image writers (see elf.h): libelf parses, we copy out plain data.
 * The only file that includes <gelf.h> (style.md §1). */
#include "image/elf.h"

#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

static int read_sections(Elf *e, const uint8_t *buf, size_t len, struct img_elf *out,
			 struct ed_error *err)
{
	size_t shnum = 0, shstrndx = 0;
	if (elf_getshdrnum(e, &shnum) != 0 || shnum == 0)
		return ed_fail(err, ED_ERR_FORMAT,
			       "the ELF has no section headers (stripped of them, or truncated)");
	if (elf_getshdrstrndx(e, &shstrndx) != 0)
		return ed_fail(err, ED_ERR_FORMAT, "the ELF has no section name table: %s",
			       elf_errmsg(-1));
	out->sections = calloc(shnum, sizeof *out->sections);
	if (!out->sections)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory reading %zu ELF sections", shnum);
	out->section_count = shnum;
	for (size_t i = 0; i < shnum; i++) {
		Elf_Scn *scn = elf_getscn(e, i);
		GElf_Shdr sh;
		if (!scn || !gelf_getshdr(scn, &sh))
			return ed_fail(err, ED_ERR_FORMAT, "cannot read ELF section header %zu: %s",
				       i, elf_errmsg(-1));
		struct img_elf_section *s = &out->sections[i];
		const char *name = elf_strptr(e, shstrndx, sh.sh_name);
		s->name = name ? name : "";
		s->type = sh.sh_type;
		s->flags = (uint32_t)sh.sh_flags;
		s->addr = (uint32_t)sh.sh_addr;
		s->size = (uint32_t)sh.sh_size;
		s->align = (uint32_t)sh.sh_addralign;
		if (sh.sh_type == SHT_NOBITS || sh.sh_size == 0 || sh.sh_type == SHT_NULL)
			continue;
		if (sh.sh_offset > len || sh.sh_size > len - sh.sh_offset)
			return ed_fail(
			    err, ED_ERR_FORMAT,
			    "section %s (%u bytes at file offset 0x%llx) runs past the end "
			    "of the %zu-byte file: the ELF is truncated",
			    s->name, s->size, (unsigned long long)sh.sh_offset, len);
		s->data = buf + sh.sh_offset;
	}
	return ED_OK;
}

static int read_phdrs(Elf *e, const uint8_t *buf, size_t len, struct img_elf *out,
		      struct ed_error *err)
{
	size_t n = 0;
	if (elf_getphdrnum(e, &n) != 0 || n == 0)
		return ED_OK; /* only --use-segments needs them */
	out->phdrs = calloc(n, sizeof *out->phdrs);
	if (!out->phdrs)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory reading %zu program headers", n);
	out->phdr_count = n;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph))
			return ed_fail(err, ED_ERR_FORMAT, "cannot read ELF program header %zu: %s",
				       i, elf_errmsg(-1));
		struct img_elf_phdr *p = &out->phdrs[i];
		p->type = ph.p_type;
		p->paddr = (uint32_t)ph.p_paddr;
		p->filesz = (uint32_t)ph.p_filesz;
		p->flags = (uint32_t)ph.p_flags;
		if (ph.p_filesz == 0)
			continue;
		if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
			return ed_fail(
			    err, ED_ERR_FORMAT,
			    "program header %zu (%u bytes at file offset 0x%llx) runs past "
			    "the end of the %zu-byte file: the ELF is truncated",
			    i, p->filesz, (unsigned long long)ph.p_offset, len);
		p->data = buf + ph.p_offset;
	}
	return ED_OK;
}

static enum img_elf_sym_kind symbol_kind(const struct img_elf *out, const GElf_Sym *sym)
{
	if (sym->st_shndx == SHN_ABS)
		return IMG_SYM_ABS;
	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= SHN_LORESERVE ||
	    sym->st_shndx >= out->section_count)
		return IMG_SYM_OTHER;
	/* nm prints 'T' for symbols in code sections (BFD's SEC_CODE = SHF_EXECINSTR). */
	if (out->sections[sym->st_shndx].flags & SHF_EXECINSTR)
		return IMG_SYM_TEXT;
	return IMG_SYM_OTHER;
}

static int read_symbols(Elf *e, struct img_elf *out, struct ed_error *err)
{
	for (size_t i = 0; i < out->section_count; i++) {
		if (out->sections[i].type != SHT_SYMTAB)
			continue;
		Elf_Scn *scn = elf_getscn(e, i);
		GElf_Shdr sh;
		Elf_Data *d = scn && gelf_getshdr(scn, &sh) ? elf_getdata(scn, NULL) : NULL;
		if (!d || sh.sh_entsize == 0)
			return ed_fail(err, ED_ERR_FORMAT, "cannot read the ELF symbol table: %s",
				       elf_errmsg(-1));
		size_t n = sh.sh_size / sh.sh_entsize;
		struct img_elf_symbol *syms =
		    realloc(out->symbols, (out->symbol_count + n + 1) * sizeof *syms);
		if (!syms)
			return ed_fail(err, ED_ERR_NOMEM, "out of memory reading %zu symbols", n);
		out->symbols = syms;
		for (size_t k = 0; k < n; k++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, (int)k, &sym))
				return ed_fail(err, ED_ERR_FORMAT, "cannot read ELF symbol %zu: %s",
					       k, elf_errmsg(-1));
			const char *name = elf_strptr(e, sh.sh_link, sym.st_name);
			struct img_elf_symbol *s = &out->symbols[out->symbol_count++];
			s->name = name ? name : "";
			s->value = (uint32_t)sym.st_value;
			s->bind = (uint8_t)GELF_ST_BIND(sym.st_info);
			s->type = (uint8_t)GELF_ST_TYPE(sym.st_info);
			s->kind = symbol_kind(out, &sym);
		}
	}
	return ED_OK;
}

static int check_header(Elf *e, struct img_elf *out, struct ed_error *err)
{
	if (elf_kind(e) != ELF_K_ELF)
		return ed_fail(err, ED_ERR_FORMAT,
			       "not an ELF file (no \\x7fELF magic); give the linked application "
			       "(for example the SDK's .out file), not an image");
	GElf_Ehdr eh;
	if (!gelf_getehdr(e, &eh))
		return ed_fail(err, ED_ERR_FORMAT, "cannot read the ELF header: %s",
			       elf_errmsg(-1));
	if (eh.e_ident[EI_CLASS] != ELFCLASS32 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return ed_fail(err, ED_ERR_FORMAT,
			       "the ELF is %s %s; an ESP8266 ELF is 32-bit little-endian",
			       eh.e_ident[EI_CLASS] == ELFCLASS64 ? "64-bit" : "not 32-bit",
			       eh.e_ident[EI_DATA] == ELFDATA2MSB ? "big-endian" : "");
	if (eh.e_machine != IMG_EM_XTENSA)
		return ed_fail(err, ED_ERR_FORMAT,
			       "the ELF is for machine %u, not Xtensa (EM_XTENSA = 94); build it "
			       "with xtensa-lx106-elf-gcc",
			       (unsigned)eh.e_machine);
	out->machine = eh.e_machine;
	out->entry = (uint32_t)eh.e_entry;
	return ED_OK;
}

int img_elf_read(const uint8_t *buf, size_t len, struct img_elf **out, struct ed_error *err)
{
	*out = NULL;
	if (len < 4 || memcmp(buf,
			      "\x7f"
			      "ELF",
			      4) != 0)
		return ed_fail(err, ED_ERR_FORMAT,
			       "not an ELF file (no \\x7fELF magic); give the linked application "
			       "(for example the SDK's .out file), not an image");
	if (elf_version(EV_CURRENT) == EV_NONE)
		return ed_fail(err, ED_ERR_UNSUPPORTED, "libelf is too old: %s", elf_errmsg(-1));
	struct img_elf *r = calloc(1, sizeof *r);
	if (!r)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory reading an ELF");
	/* libelf only reads an ELF_C_READ memory image; the cast drops const, nothing more. */
	Elf *e = elf_memory((char *)(uintptr_t)buf, len);
	if (!e) {
		free(r);
		return ed_fail(err, ED_ERR_FORMAT, "cannot parse the ELF: %s", elf_errmsg(-1));
	}
	r->priv = e;
	int rc = check_header(e, r, err);
	if (rc == ED_OK)
		rc = read_sections(e, buf, len, r, err);
	if (rc == ED_OK)
		rc = read_symbols(e, r, err);
	if (rc == ED_OK)
		rc = read_phdrs(e, buf, len, r, err);
	if (rc != ED_OK) {
		img_elf_destroy(r);
		return rc;
	}
	*out = r;
	return ED_OK;
}

void img_elf_destroy(struct img_elf *elf)
{
	if (!elf)
		return;
	if (elf->priv)
		elf_end(elf->priv);
	free(elf->sections);
	free(elf->phdrs);
	free(elf->symbols);
	free(elf);
}

const struct img_elf_section *img_elf_section(const struct img_elf *elf, const char *name)
{
	for (size_t i = 0; i < elf->section_count; i++)
		if (!strcmp(elf->sections[i].name, name))
			return &elf->sections[i];
	return NULL;
}
