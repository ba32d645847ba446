/* SPDX-License-Identifier: MIT
 * The NONOS SDK's gen_appbin (tools/gen_appbin.py, reference §7.6), byte for byte. The SDK
 * Makefile feeds it `objcopy -O binary --only-section` dumps of .text, .data, .rodata and
 * .irom0.text and the output of `nm -g`; here the same bytes and symbols come from libelf. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "image/elf.h"
#include "image/image.h"

/* gen_appbin's TEXT_ADDRESS: .text is always announced at the start of IRAM. */
#define APPBIN_TEXT_ADDRESS 0x40100000u

/* What objcopy -O binary --only-section NAME writes: the section's bytes when it is
 * allocated and has contents, else an empty file. */
static void section_dump(const struct img_elf *elf, const char *name, const uint8_t **data,
			 size_t *len)
{
	const struct img_elf_section *s = img_elf_section(elf, name);
	*data = NULL;
	*len = 0;
	if (s && s->type != SHT_NOBITS && (s->flags & SHF_ALLOC) && s->data) {
		*data = s->data;
		*len = s->size;
	}
}

/* The last `nm -g` line matching "<addr> <letter> <name>" wins, as in gen_appbin's loop;
 * -g lists global, weak and unique symbols but only STB_GLOBAL ones print upper-case
 * 'T' / 'A' (weak ones print 'W'). */
static bool find_symbol(const struct img_elf *elf, const char *name, enum img_elf_sym_kind kind,
			uint32_t *value)
{
	bool found = false;
	for (size_t i = 0; i < elf->symbol_count; i++) {
		const struct img_elf_symbol *s = &elf->symbols[i];
		if (s->bind != STB_GLOBAL || s->kind != kind || s->type == STT_GNU_IFUNC ||
		    strcmp(s->name, name) != 0)
			continue;
		*value = s->value;
		found = true;
	}
	return found;
}

struct writer {
	uint8_t *buf;
	size_t len;
	uint8_t sum;
};

static void put(struct writer *w, const void *data, size_t n)
{
	if (n)
		memcpy(w->buf + w->len, data, n);
	w->len += n;
}

static void put_header(struct writer *w, uint8_t magic, uint8_t b1, uint8_t b2, uint8_t b3,
		       uint32_t entry)
{
	uint8_t h[8] = {magic, b1, b2, b3};
	put_le32(h + 4, entry);
	put(w, h, 8);
}

/* combine_bin: nothing at all for an empty dump; else header (address, length rounded
 * to 4, or to 16 for the unchecked irom section), bytes, zero padding. */
static void combine(struct writer *w, const uint8_t *data, size_t len, uint32_t addr, bool checked)
{
	if (len == 0)
		return;
	size_t padded = checked ? (len + 3) & ~(size_t)3 : (len + 15) & ~(size_t)15;
	uint8_t h[8];
	put_le32(h, addr);
	put_le32(h + 4, (uint32_t)padded);
	put(w, h, 8);
	put(w, data, len);
	memset(w->buf + w->len, 0, padded - len);
	w->len += padded - len;
	if (checked)
		w->sum = img_checksum(data, len, w->sum);
}

struct dumps {
	const uint8_t *text, *data, *rodata, *irom;
	size_t text_len, data_len, rodata_len, irom_len;
	uint32_t entry, data_start, rodata_start;
};

static int gather(const struct img_elf *elf, struct dumps *d, struct ed_error *err)
{
	if (!img_elf_section(elf, ".text"))
		return ed_fail(err, ED_ERR_FORMAT,
			       "the ELF has no .text section: gen_appbin needs .text, .data, "
			       ".rodata and .irom0.text from an SDK link");
	/* SDK 3.0.6+ names the entry call_user_start1; 2.x-3.0.5 call_user_start. */
	if (!find_symbol(elf, "call_user_start1", IMG_SYM_TEXT, &d->entry) &&
	    !find_symbol(elf, "call_user_start", IMG_SYM_TEXT, &d->entry))
		return ed_fail(err, ED_ERR_FORMAT,
			       "no entry point: the ELF has no global code symbol "
			       "call_user_start1 (SDK 3.0.6+) or call_user_start (older SDKs); "
			       "link it against the SDK's libmain, or define one");
	/* gen_appbin takes 0 when the linker script defines no absolute symbol */
	d->data_start = d->rodata_start = 0;
	find_symbol(elf, "_data_start", IMG_SYM_ABS, &d->data_start);
	find_symbol(elf, "_rodata_start", IMG_SYM_ABS, &d->rodata_start);
	section_dump(elf, ".text", &d->text, &d->text_len);
	section_dump(elf, ".data", &d->data, &d->data_len);
	section_dump(elf, ".rodata", &d->rodata, &d->rodata_len);
	section_dump(elf, ".irom0.text", &d->irom, &d->irom_len);
	return ED_OK;
}

static size_t max_size(const struct dumps *d)
{
	/* headers, paddings, checksum line, 0xFF fill to 0x10000, CRC */
	return 0x10000 + 64 + d->text_len + d->data_len + d->rodata_len + d->irom_len;
}

static void build(struct writer *w, const struct dumps *d, int boot_mode, int app,
		  const struct img_params *p)
{
	uint8_t b2 = p->flash_mode, b3 = (uint8_t)((p->size_map << 4) | p->freq_code);
	if (boot_mode == 2) {
		put_header(w, IMG_MAGIC_V2, 4, 0, (uint8_t)app, d->entry);
		combine(w, d->irom, d->irom_len, 0, false);
	}
	if (boot_mode == 1)
		put_header(w, IMG_MAGIC_V1, 3, 0, (uint8_t)app, d->entry);
	else
		put_header(w, IMG_MAGIC_V1, 3, b2, b3, d->entry);
	combine(w, d->text, d->text_len, APPBIN_TEXT_ADDRESS, true);
	combine(w, d->data, d->data_len, d->data_start, true);
	combine(w, d->rodata, d->rodata_len, d->rodata_start, true);
	/* the checksum line: 16 - ((len + 1) & 15) zeros, i.e. 16 when esptool writes 0 */
	size_t pad = 16 - ((w->len + 1) & 15);
	memset(w->buf + w->len, 0, pad);
	w->len += pad;
	w->buf[w->len++] = w->sum;
	if (boot_mode == 1) {
		if (w->len < 0x10000) {
			memset(w->buf + w->len, 0xFF, 0x10000 - w->len);
			w->len = 0x10000;
		}
		put(w, d->irom, d->irom_len);
	}
	if (boot_mode == 1 || boot_mode == 2) {
		put_le32(w->buf + w->len, img_crc32(w->buf, w->len));
		w->len += 4;
	}
}

int img_make_ota(const uint8_t *elf_buf, size_t elf_len, int boot_mode, int app,
		 const struct img_params *p, struct img_output *out, struct img_output *irom0,
		 struct ed_error *err)
{
	memset(out, 0, sizeof *out);
	if (irom0)
		memset(irom0, 0, sizeof *irom0);
	if (boot_mode < 0 || boot_mode > 2)
		return ed_fail(err, ED_ERR_ARG,
			       "boot mode %d is not 0 (no boot loader), 1 (boot_v1.1) or 2 "
			       "(boot_v1.2+)",
			       boot_mode);
	if (boot_mode != 0 && app != 1 && app != 2)
		return ed_fail(err, ED_ERR_ARG, "app %d is not 1 (user1) or 2 (user2)", app);
	struct img_elf *elf = NULL;
	int rc = img_elf_read(elf_buf, elf_len, &elf, err);
	if (rc != ED_OK)
		return rc;
	struct dumps d;
	rc = gather(elf, &d, err);
	if (rc != ED_OK) {
		img_elf_destroy(elf);
		return rc;
	}
	struct writer w = {calloc(1, max_size(&d)), 0, IMG_CHECKSUM_SEED};
	uint8_t *irom_copy = boot_mode == 0 && irom0 && d.irom_len ? malloc(d.irom_len) : NULL;
	if (!w.buf || (boot_mode == 0 && irom0 && d.irom_len && !irom_copy)) {
		free(w.buf);
		free(irom_copy);
		img_elf_destroy(elf);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory building the app bin");
	}
	build(&w, &d, boot_mode, boot_mode == 0 ? 0 : app, p);
	if (irom_copy) {
		memcpy(irom_copy, d.irom, d.irom_len);
		irom0->data = irom_copy;
		irom0->len = d.irom_len;
		irom0->flash_offset = 0x10000;
	}
	img_elf_destroy(elf);
	out->data = w.buf;
	out->len = w.len;
	out->flash_offset = boot_mode == 0 ? 0 : 0x1000;
	return ED_OK;
}

uint32_t img_ota_irom_addr(int boot_mode, int app, uint8_t size_map)
{
	const struct flash_size_info *fs = flash_size_by_map(size_map);
	if (!fs || !fs->ota_slot || (app != 1 && app != 2) || (boot_mode != 1 && boot_mode != 2))
		return 0;
	/* user1 at 0x1000 in every OTA map, user2 one slot further (reference §8.1); boot mode
	 * 2 puts the code after two 8-byte headers, boot mode 1 at 0x10000 into the bin */
	uint32_t slot = 0x1000u + (app == 2 ? fs->ota_slot : 0);
	uint32_t in_bin = boot_mode == 2 ? 0x10u : 0x10000u;
	return IMG_IROM_MAP_START + ((slot + in_bin) & 0xFFFFFu);
}

int img_ota_check_link(const uint8_t *elf_buf, size_t elf_len, int boot_mode, int app,
		       uint8_t size_map, struct ed_error *err)
{
	uint32_t want = img_ota_irom_addr(boot_mode, app, size_map);
	const struct flash_size_info *map = flash_size_by_map(size_map);
	if (!want && (boot_mode == 1 || boot_mode == 2) && map && !map->ota_slot)
		return ed_fail(err, ED_ERR_ARG,
			       "the %s flash map has no OTA slots: boot_v1.x cannot run user%d "
			       "from it (use a non-OTA image, --boot-mode 0, or a larger map)",
			       map->name, app);
	if (!want)
		return ED_OK;
	struct img_elf *elf = NULL;
	int rc = img_elf_read(elf_buf, elf_len, &elf, err);
	if (rc != ED_OK)
		return rc;
	const struct img_elf_section *s = img_elf_section(elf, ".irom0.text");
	uint32_t have = s && s->size ? s->addr : want;
	img_elf_destroy(elf);
	if (have == want)
		return ED_OK;
	const struct flash_size_info *fs = flash_size_by_map(size_map);
	return ed_fail(err, ED_ERR_ARG,
		       ".irom0.text is linked at 0x%08x, but the boot loader runs user%d of the "
		       "%s map (%u KB + %u KB) at 0x%08x: link this app with irom0 at 0x%08x",
		       have, app, fs->name, fs->ota_slot / 1024, fs->ota_slot / 1024, want, want);
}
