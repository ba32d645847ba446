/* SPDX-License-Identifier: MIT
 * Unit tests of src/image: every format rule of reference §7 on ELFs synthesised with
 * libelf (elfgen.c), each output checked by the independent checker (verify.c). */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elfgen.h"
#include "image/image.h"
#include "test_image.h"
#include "verify.h"

#define AX (SHF_ALLOC | SHF_EXECINSTR)
#define WA (SHF_ALLOC | SHF_WRITE)

#define CHECK(expr)                                                                                \
	do {                                                                                       \
		const char *why_ = (expr);                                                         \
		if (why_)                                                                          \
			fail_msg("%s", why_);                                                      \
	} while (0)

static uint8_t *pattern(uint32_t addr, size_t len)
{
	static uint8_t bufs[8][4096];
	static int next;
	uint8_t *b = bufs[next++ % 8];
	for (size_t i = 0; i < len; i++)
		b[i] = elfgen_pattern(addr, i);
	return b;
}

static uint8_t *make_elf(uint16_t machine, uint32_t entry, const struct elfgen_section *s, size_t n,
			 const struct elfgen_symbol *sy, size_t ns, size_t *len)
{
	uint8_t *elf = NULL;
	assert_int_equal(elfgen_build(machine, entry, s, n, sy, ns, &elf, len), 0);
	return elf;
}

/* An SDK-shaped ELF: .data (5 B) and .rodata touch after padding, .bss, irom0, .text. */
static const struct elfgen_section sdk_like[] = {
    {".data", SHT_PROGBITS, WA, 0x3FFE8000, NULL, 5},
    {".rodata", SHT_PROGBITS, SHF_ALLOC, 0x3FFE8008, NULL, 8},
    {".bss", SHT_NOBITS, WA, 0x3FFE8010, NULL, 64},
    {".irom0.text", SHT_PROGBITS, AX, 0x40210000, NULL, 10},
    {".text", SHT_PROGBITS, AX, 0x40100000, NULL, 6},
    {".comment", SHT_PROGBITS, 0, 0, NULL, 20},
};

static void test_checksum_and_crc(void **state)
{
	(void)state;
	const uint8_t digits[] = "123456789";
	/* zlib crc32("123456789") = 0xCBF43926: bit 31 set, so stored as its complement */
	assert_int_equal(img_crc32(digits, 9), 0x340BC6D9u);
	assert_int_equal(img_crc32((const uint8_t *)"abc", 3), 0x352441C2u + 1u);
	assert_int_equal(img_crc32(digits, 0), 1u);
	assert_int_equal(want_boot_crc(digits, 9), 0x340BC6D9u);
	const uint8_t b[] = {1, 2, 3, 0x10};
	assert_int_equal(img_checksum(b, 4, IMG_CHECKSUM_SEED), 0xEF ^ 0x10);
}

static void test_elf2image_v1(void **state)
{
	(void)state;
	size_t len;
	uint8_t *elf = make_elf(94, 0x40100004, sdk_like, 6, NULL, 0, &len);
	struct img_params p = IMG_PARAMS_DEFAULT;
	struct img_output ram, irom;
	struct ed_error err = {0};
	assert_int_equal(img_elf2image_v1(elf, len, &p, &ram, &irom, &err), ED_OK);
	/* .data padded to 8 touches .rodata: one DRAM segment of 16 bytes */
	uint8_t dram[16] = {0};
	memcpy(dram, pattern(0x3FFE8000, 5), 5);
	memcpy(dram + 8, pattern(0x3FFE8008, 8), 8);
	struct want_seg segs[] = {{0x3FFE8000, dram, 16}, {0x40100000, pattern(0x40100000, 6), 6}};
	size_t end;
	CHECK(want_e9(ram.data, ram.len, 0, 2, 0x00, 0x20, 0x40100004, segs, 2, PAD_ESPTOOL, &end));
	assert_int_equal(end, ram.len);
	/* the irom file: raw segment padded to 4, named after its flash offset */
	assert_int_equal(irom.len, 12);
	assert_int_equal(irom.flash_offset, 0x10000);
	assert_memory_equal(irom.data, pattern(0x40210000, 10), 10);
	assert_int_equal(irom.data[10] | irom.data[11], 0);
	img_output_free(&ram);
	img_output_free(&irom);

	p = (struct img_params){3, 6, 0xF, false}; /* dout, 4MB-c1, 80m */
	assert_int_equal(img_elf2image_v1(elf, len, &p, &ram, &irom, &err), ED_OK);
	assert_int_equal(ram.data[2], 0x03);
	assert_int_equal(ram.data[3], 0x6F);
	img_output_free(&ram);
	img_output_free(&irom);
	free(elf);
}

static void test_elf2image_v2(void **state)
{
	(void)state;
	struct elfgen_section s[6];
	memcpy(s, sdk_like, sizeof s);
	s[3].addr = 0x40201010; /* OTA link */
	size_t len;
	uint8_t *elf = make_elf(94, 0x40100004, s, 6, NULL, 0, &len);
	struct img_params p = {2, 6, 0, false}; /* dio, 4MB-c1, 40m */
	struct img_output out;
	struct ed_error err = {0};
	assert_int_equal(img_elf2image_v2(elf, len, &p, &out, &err), ED_OK);
	assert_int_equal(out.flash_offset, 0x1000); /* 0x1010 rounded down to 4 KiB */
	const uint8_t head[] = {0xEA, 0x04, 0x02, 0x60, 0x04, 0x00, 0x10, 0x40};
	assert_memory_equal(out.data, head, 8);
	size_t at, end;
	CHECK(want_irom16(out.data, out.len, 8, 0, pattern(0x40201010, 10), 10, &at));
	uint8_t dram[16] = {0};
	memcpy(dram, pattern(0x3FFE8000, 5), 5);
	memcpy(dram + 8, pattern(0x3FFE8008, 8), 8);
	struct want_seg segs[] = {{0x3FFE8000, dram, 16}, {0x40100000, pattern(0x40100000, 6), 6}};
	CHECK(
	    want_e9(out.data, out.len, at, 2, 0x02, 0x60, 0x40100004, segs, 2, PAD_ESPTOOL, &end));
	CHECK(want_crc_end(out.data, out.len, end));
	struct img_info info;
	assert_int_equal(img_parse(out.data, out.len, &info, &err), ED_OK);
	assert_int_equal(info.kind, IMG_KIND_V2);
	assert_int_equal(img_verify(&info, true, &err), ED_OK);
	img_output_free(&out);
	free(elf);
}

static void test_merge_rules(void **state)
{
	(void)state;
	const struct elfgen_section s[] = {
	    {".a", SHT_PROGBITS, WA, 0x3FFE8000, NULL, 8},
	    {".gap", SHT_PROGBITS, WA, 0x3FFE800C, NULL, 4},   /* 4-byte gap: not merged */
	    {".top", SHT_PROGBITS, WA, 0x3FFFFFFC, NULL, 4},   /* DRAM ... */
	    {".above", SHT_PROGBITS, WA, 0x40000000, NULL, 4}, /* ... then unmapped: split */
	    {".u2", SHT_PROGBITS, WA, 0x40000004, NULL, 4},    /* unmapped + unmapped: merged */
	    {".init_array", SHT_INIT_ARRAY, WA, 0x3FFE9000, NULL, 4},
	    {".note", SHT_NOTE, SHF_ALLOC, 0x3FFEA000, NULL, 4}, /* not a program section */
	    {".text", SHT_PROGBITS, AX, 0x40100000, NULL, 4},
	};
	size_t len;
	uint8_t *elf = make_elf(94, 0x40100000, s, 8, NULL, 0, &len);
	struct img_params p = IMG_PARAMS_DEFAULT;
	struct img_output ram, irom;
	struct ed_error err = {0};
	assert_int_equal(img_elf2image_v1(elf, len, &p, &ram, &irom, &err), ED_OK);
	assert_null(irom.data);
	uint8_t unmapped[8];
	memcpy(unmapped, pattern(0x40000000, 4), 4);
	memcpy(unmapped + 4, pattern(0x40000004, 4), 4);
	struct want_seg segs[] = {
	    {0x3FFE8000, pattern(0x3FFE8000, 8), 8}, {0x3FFE800C, pattern(0x3FFE800C, 4), 4},
	    {0x3FFFFFFC, pattern(0x3FFFFFFC, 4), 4}, {0x40000000, unmapped, 8},
	    {0x3FFE9000, pattern(0x3FFE9000, 4), 4}, {0x40100000, pattern(0x40100000, 4), 4},
	};
	size_t end;
	CHECK(want_e9(ram.data, ram.len, 0, 6, 0, 0x20, 0x40100000, segs, 6, PAD_ESPTOOL, &end));
	img_output_free(&ram);
	free(elf);
}

static void expect_elf_error(const struct elfgen_section *s, size_t n, uint16_t machine,
			     const char *text)
{
	size_t len;
	uint8_t *elf = make_elf(machine, 0x40100000, s, n, NULL, 0, &len);
	struct img_params p = IMG_PARAMS_DEFAULT;
	struct img_output ram, irom, v2;
	struct ed_error err = {0};
	assert_int_equal(img_elf2image_v1(elf, len, &p, &ram, &irom, &err), ED_ERR_FORMAT);
	assert_non_null(strstr(err.msg, text));
	assert_null(ram.data);
	assert_null(irom.data);
	assert_int_equal(img_elf2image_v2(elf, len, &p, &v2, &err), ED_ERR_FORMAT);
	assert_non_null(strstr(err.msg, text));
	assert_null(v2.data);
	free(elf);
}

static void test_elf_errors(void **state)
{
	(void)state;
	expect_elf_error(sdk_like, 6, 3, "not Xtensa (EM_XTENSA = 94)");
	const struct elfgen_section two_irom[] = {
	    {".irom0.text", SHT_PROGBITS, AX, 0x40201010, NULL, 8},
	    {".irom.other", SHT_PROGBITS, AX, 0x40240000, NULL, 8},
	};
	expect_elf_error(two_irom, 2, 94, "found 2 segments that could be irom0");
	const struct elfgen_section overlap[] = {
	    {".data", SHT_PROGBITS, WA, 0x3FFE8000, NULL, 16},
	    {".rodata", SHT_PROGBITS, SHF_ALLOC, 0x3FFE8008, NULL, 16},
	};
	expect_elf_error(overlap, 2, 94, "overlap");
	const struct elfgen_section none[] = {{".bss", SHT_NOBITS, WA, 0x3FFE8000, NULL, 16}};
	expect_elf_error(none, 1, 94, "no loadable sections");
	struct elfgen_section many[17];
	for (int i = 0; i < 17; i++)
		many[i] = (struct elfgen_section){
		    ".d", SHT_PROGBITS, WA, 0x3FFE8000u + 0x100u * (uint32_t)i, NULL, 4};
	expect_elf_error(many, 17, 94, "more than the 16");

	struct ed_error err = {0};
	struct img_output out, irom;
	struct img_params p = IMG_PARAMS_DEFAULT;
	const uint8_t junk[] = "this is not an ELF at all";
	assert_int_equal(img_elf2image_v2(junk, sizeof junk, &p, &out, &err), ED_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "not an ELF file"));
	assert_int_equal(img_make_ota(junk, sizeof junk, 2, 1, &p, &out, NULL, &err),
			 ED_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "not an ELF file"));
	/* --use-segments on an ELF without program headers */
	size_t plen;
	uint8_t *nophdr = make_elf(94, 0x40100000, sdk_like, 6, NULL, 0, &plen);
	struct img_params seg = {0, 2, 0, true};
	assert_int_equal(img_elf2image_v2(nophdr, plen, &seg, &out, &err), ED_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "no PT_LOAD program header"));
	free(nophdr);
	/* an ELF cut short: sections point past the end */
	size_t len;
	uint8_t *elf = make_elf(94, 0x40100000, sdk_like, 6, NULL, 0, &len);
	assert_int_not_equal(img_elf2image_v1(elf, len / 3, &p, &out, &irom, &err), ED_OK);
	assert_int_equal(err.code, ED_ERR_FORMAT);
	free(elf);
}

/* gen_appbin input: .text at a non-IRAM-start address proves the hard-coded 0x40100000;
 * _data_start/_rodata_start differ from the section addresses to prove they come from
 * the symbols. */
static const struct elfgen_section ota_secs[] = {
    {".data", SHT_PROGBITS, WA, 0x3FFE8000, NULL, 5},
    {".rodata", SHT_PROGBITS, SHF_ALLOC, 0x3FFE8010, NULL, 9},
    {".bss", SHT_NOBITS, WA, 0x3FFE8020, NULL, 32},
    {".irom0.text", SHT_PROGBITS, AX, 0x40201010, NULL, 10},
    {".text", SHT_PROGBITS, AX, 0x40100100, NULL, 6},
};
static const struct elfgen_symbol ota_syms[] = {
    {"call_user_start1", 0x40100104, 4, STB_GLOBAL},
    {"_data_start", 0x3FFE8400, ELFGEN_ABS, STB_GLOBAL},
    {"_rodata_start", 0x3FFE8800, ELFGEN_ABS, STB_GLOBAL},
    {"local_helper", 0x40100100, 4, STB_LOCAL},
};

static void ota_want(struct want_seg segs[3], const struct elfgen_section *s, uint32_t data_at,
		     uint32_t rodata_at)
{
	segs[0] = (struct want_seg){0x40100000, pattern(s[4].addr, s[4].size), s[4].size};
	segs[1] = (struct want_seg){data_at, pattern(s[0].addr, s[0].size), s[0].size};
	segs[2] = (struct want_seg){rodata_at, pattern(s[1].addr, s[1].size), s[1].size};
}

static void test_appbin_boot2(void **state)
{
	(void)state;
	size_t len;
	uint8_t *elf = make_elf(94, 0x40100100, ota_secs, 5, ota_syms, 4, &len);
	struct img_params p = {0, 6, 0, false};
	for (int app = 1; app <= 2; app++) {
		struct img_output out;
		struct ed_error err = {0};
		assert_int_equal(img_make_ota(elf, len, 2, app, &p, &out, NULL, &err), ED_OK);
		/* EA 04 00 <app>: the slot, not flash parameters; entry from the symbol */
		const uint8_t head[] = {0xEA, 0x04, 0x00, (uint8_t)app, 0x04, 0x01, 0x10, 0x40};
		assert_memory_equal(out.data, head, 8);
		size_t at, end;
		CHECK(want_irom16(out.data, out.len, 8, 0, pattern(0x40201010, 10), 10, &at));
		struct want_seg segs[3];
		ota_want(segs, ota_secs, 0x3FFE8400, 0x3FFE8800);
		CHECK(want_e9(out.data, out.len, at, 3, 0x00, 0x60, 0x40100104, segs, 3, PAD_APPBIN,
			      &end));
		CHECK(want_crc_end(out.data, out.len, end));
		struct img_info info;
		assert_int_equal(img_parse(out.data, out.len, &info, &err), ED_OK);
		assert_int_equal(info.kind, IMG_KIND_APPBIN);
		assert_int_equal(info.boot_mode, 2);
		assert_int_equal(info.app_slot, app);
		assert_int_equal(info.size_map, 6);
		assert_int_equal(img_verify(&info, true, &err), ED_OK);
		img_output_free(&out);
	}
	free(elf);
}

static void test_appbin_checksum_line(void **state)
{
	(void)state;
	/* gen_appbin pads 16 - (L + 1) % 16 zeros where esptool pads 15 - L % 16. They differ
	 * only when L % 16 == 15, which never happens: every header is 8 bytes and every
	 * section is padded to 4, so L is a multiple of 4. Check both rules over many .text
	 * sizes, so a writer using either is caught if it does anything else. */
	struct elfgen_section s[5];
	memcpy(s, ota_secs, sizeof s);
	for (uint32_t t = 1; t <= 40; t++) {
		s[4].size = t;
		size_t len;
		uint8_t *elf = make_elf(94, 0x40100100, s, 5, ota_syms, 4, &len);
		struct img_params p = {0, 2, 0, false};
		struct img_output out;
		struct ed_error err = {0};
		assert_int_equal(img_make_ota(elf, len, 2, 1, &p, &out, NULL, &err), ED_OK);
		size_t at, end, end2;
		CHECK(want_irom16(out.data, out.len, 8, 0, pattern(0x40201010, 10), 10, &at));
		struct want_seg segs[3];
		ota_want(segs, s, 0x3FFE8400, 0x3FFE8800);
		CHECK(want_e9(out.data, out.len, at, 3, 0, 0x20, 0x40100104, segs, 3, PAD_APPBIN,
			      &end));
		CHECK(want_e9(out.data, out.len, at, 3, 0, 0x20, 0x40100104, segs, 3, PAD_ESPTOOL,
			      &end2));
		assert_int_equal(end, end2);
		CHECK(want_crc_end(out.data, out.len, end));
		img_output_free(&out);
		free(elf);
	}
}

static void test_appbin_boot1_and_boot0(void **state)
{
	(void)state;
	size_t len;
	uint8_t *elf = make_elf(94, 0x40100100, ota_secs, 5, ota_syms, 4, &len);
	struct img_params p = {2, 4, 1, false};
	struct img_output out, irom0;
	struct ed_error err = {0};
	struct want_seg segs[3];
	ota_want(segs, ota_secs, 0x3FFE8400, 0x3FFE8800);
	size_t end;
	/* boot mode 1: E9 03 00 <app>, 0xFF to 0x10000, raw irom0, CRC */
	assert_int_equal(img_make_ota(elf, len, 1, 2, &p, &out, NULL, &err), ED_OK);
	CHECK(want_e9(out.data, out.len, 0, 3, 0x00, 0x02, 0x40100104, segs, 3, PAD_APPBIN, &end));
	for (size_t i = end; i < 0x10000; i++)
		if (out.data[i] != 0xFF)
			fail_msg("fill byte at 0x%zx is 0x%02x", i, out.data[i]);
	assert_memory_equal(out.data + 0x10000, pattern(0x40201010, 10), 10);
	CHECK(want_crc_end(out.data, out.len, 0x10000 + 10));
	struct img_info info;
	assert_int_equal(img_parse(out.data, out.len, &info, &err), ED_OK);
	assert_int_equal(info.kind, IMG_KIND_APPBIN);
	assert_int_equal(info.boot_mode, 1);
	assert_int_equal(info.app_slot, 2);
	assert_false(info.flash_params_valid);
	assert_int_equal(img_verify(&info, true, &err), ED_OK);
	const struct flash_size_info *fs;
	assert_int_equal(img_header_flash_size(out.data, out.len, &fs, &err), ED_ERR_UNSUPPORTED);
	img_output_free(&out);
	/* boot mode 0: flash params in the E9 header, no CRC, irom0 as a separate dump */
	assert_int_equal(img_make_ota(elf, len, 0, 0, &p, &out, &irom0, &err), ED_OK);
	CHECK(want_e9(out.data, out.len, 0, 3, 0x02, 0x41, 0x40100104, segs, 3, PAD_APPBIN, &end));
	assert_int_equal(end, out.len);
	assert_int_equal(irom0.len, 10);
	assert_memory_equal(irom0.data, pattern(0x40201010, 10), 10);
	assert_int_equal(img_parse(out.data, out.len, &info, &err), ED_OK);
	assert_int_equal(info.kind, IMG_KIND_V1);
	assert_int_equal(img_verify(&info, true, &err), ED_OK);
	img_output_free(&out);
	img_output_free(&irom0);
	free(elf);
}

static int ota_with_symbols(const struct elfgen_symbol *sy, size_t n, struct img_output *out,
			    struct ed_error *err)
{
	size_t len;
	uint8_t *elf = make_elf(94, 0x40100100, ota_secs, 5, sy, n, &len);
	struct img_params p = {0, 0, 0, false};
	int rc = img_make_ota(elf, len, 2, 1, &p, out, NULL, err);
	free(elf);
	return rc;
}

static void test_appbin_symbols(void **state)
{
	(void)state;
	struct img_output out;
	struct ed_error err = {0};
	/* weak, local or data-section entry symbols are not nm's "T call_user_start1" */
	const struct elfgen_symbol weak[] = {{"call_user_start1", 0x40100104, 4, STB_WEAK},
					     {"call_user_start1x", 0x40100104, 4, STB_GLOBAL},
					     {"call_user_start1", 0x3FFE8000, 0, STB_GLOBAL}};
	assert_int_equal(ota_with_symbols(weak, 3, &out, &err), ED_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "no entry point"));
	assert_non_null(strstr(err.msg, "call_user_start1"));
	/* older SDKs: call_user_start; call_user_start1 wins when both exist */
	const struct elfgen_symbol old[] = {{"call_user_start", 0x40100108, 4, STB_GLOBAL}};
	assert_int_equal(ota_with_symbols(old, 1, &out, &err), ED_OK);
	assert_int_equal(out.data[4] | out.data[5] << 8, 0x0108);
	img_output_free(&out);
	const struct elfgen_symbol both[] = {{"call_user_start", 0x40100108, 4, STB_GLOBAL},
					     {"call_user_start1", 0x4010010C, 4, STB_GLOBAL}};
	assert_int_equal(ota_with_symbols(both, 2, &out, &err), ED_OK);
	assert_int_equal(out.data[4] | out.data[5] << 8, 0x010C);
	img_output_free(&out);
	/* _data_start defined inside a section (nm 'D', not 'A'): gen_appbin uses 0 */
	const struct elfgen_symbol rel[] = {{"call_user_start1", 0x40100104, 4, STB_GLOBAL},
					    {"_data_start", 0x3FFE8000, 0, STB_GLOBAL}};
	assert_int_equal(ota_with_symbols(rel, 2, &out, &err), ED_OK);
	size_t at = 8 + 8 + 16 + 8 + 8 + 8; /* EA, irom, E9, .text header + 8 data bytes */
	assert_int_equal(out.data[at] | out.data[at + 1] | out.data[at + 2] | out.data[at + 3], 0);
	img_output_free(&out);
}

static void test_appbin_missing_sections(void **state)
{
	(void)state;
	/* no .data: gen_appbin writes no header for it, yet the E9 count stays 3 */
	const struct elfgen_section s[] = {
	    {".rodata", SHT_PROGBITS, SHF_ALLOC, 0x3FFE8000, NULL, 8},
	    {".text", SHT_PROGBITS, AX, 0x40100000, NULL, 8},
	};
	const struct elfgen_symbol sy[] = {
	    {"call_user_start1", 0x40100104, 1, STB_GLOBAL},
	    {"_rodata_start", 0x3FFE8800, ELFGEN_ABS, STB_GLOBAL},
	};
	size_t len;
	uint8_t *elf = make_elf(94, 0x40100000, s, 2, sy, 2, &len);
	struct img_params p = {0, 0, 0, false};
	struct img_output out;
	struct ed_error err = {0};
	assert_int_equal(img_make_ota(elf, len, 2, 1, &p, &out, NULL, &err), ED_OK);
	assert_int_equal(out.data[8], 0xE9); /* no irom section either */
	assert_int_equal(out.data[9], 3);
	struct want_seg segs[] = {{0x40100000, pattern(0x40100000, 8), 8},
				  {0x3FFE8800, pattern(0x3FFE8000, 8), 8}};
	size_t end;
	CHECK(want_e9(out.data, out.len, 8, 3, 0, 0, 0x40100104, segs, 2, PAD_APPBIN, &end));
	img_output_free(&out);
	free(elf);
	/* no .text at all is refused */
	const struct elfgen_section notext[] = {{".data", SHT_PROGBITS, WA, 0x3FFE8000, NULL, 8}};
	elf = make_elf(94, 0x40100000, notext, 1, sy, 2, &len);
	assert_int_equal(img_make_ota(elf, len, 2, 1, &p, &out, NULL, &err), ED_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "no .text section"));
	assert_int_equal(img_make_ota(elf, len, 2, 3, &p, &out, NULL, &err), ED_ERR_ARG);
	assert_int_equal(img_make_ota(elf, len, 5, 1, &p, &out, NULL, &err), ED_ERR_ARG);
	free(elf);
}

static void test_ota_irom_addresses(void **state)
{
	(void)state;
	/* reference §8.1: "new" links 0x40201010 / 0x40241010 / 0x40281010, "old" ones
	 * slot + 0x10000: 0x40211000 / 0x40251000 / 0x40291000 */
	assert_int_equal(img_ota_irom_addr(2, 1, 6), 0x40201010);
	assert_int_equal(img_ota_irom_addr(2, 2, 6), 0x40201010);
	assert_int_equal(img_ota_irom_addr(2, 2, 9), 0x40201010);
	assert_int_equal(img_ota_irom_addr(2, 2, 2), 0x40281010);
	assert_int_equal(img_ota_irom_addr(2, 2, 4), 0x40281010);
	assert_int_equal(img_ota_irom_addr(2, 2, 0), 0x40241010);
	assert_int_equal(img_ota_irom_addr(1, 1, 2), 0x40211000);
	assert_int_equal(img_ota_irom_addr(1, 2, 0), 0x40251000);
	assert_int_equal(img_ota_irom_addr(1, 2, 3), 0x40291000);
	assert_int_equal(img_ota_irom_addr(2, 1, 1), 0); /* 256KB: no OTA */
	assert_int_equal(img_ota_irom_addr(0, 1, 6), 0);
	size_t len;
	uint8_t *elf = make_elf(94, 0x40100100, ota_secs, 5, ota_syms, 4, &len);
	struct ed_error err = {0};
	assert_int_equal(img_ota_check_link(elf, len, 2, 1, 2, &err), ED_OK);
	assert_int_equal(img_ota_check_link(elf, len, 2, 2, 5, &err), ED_OK);
	assert_int_equal(img_ota_check_link(elf, len, 2, 1, 1, &err), ED_ERR_ARG);
	assert_non_null(strstr(err.msg, "the 256KB flash map has no OTA slots"));
	assert_int_equal(img_ota_check_link(elf, len, 0, 0, 1, &err), ED_OK);
	assert_int_equal(img_ota_check_link(elf, len, 2, 2, 2, &err), ED_ERR_ARG);
	assert_non_null(strstr(err.msg, "linked at 0x40201010, but the boot loader runs user2 of "
					"the 1MB map (512 KB + 512 KB) at 0x40281010"));
	free(elf);
}

/* Damaged ELFs: every writer answers ED_OK or an error with a message, never a crash
 * (ASan/UBSan in CI). Mutations hit the ELF header, section headers and contents. */
/* elf2image --version 2 of an ELF without .irom0.text writes no irom segment: the 0xE9
 * header follows the 0xEA one at once (esptool does the same). Found by fuzz_elf. */
static void test_v2_without_irom(void **state)
{
	(void)state;
	static const uint8_t img[] = {
	    0xea, 0x04, 0x00, 0x20, 0x08, 0x00, 0x10, 0x40, 0xe9, 0x01, 0x00, 0x20, 0x08, 0x00,
	    0x10, 0x40, 0x00, 0x00, 0x10, 0x40, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xef, 0x5e, 0x50, 0x0f, 0x2d};
	struct img_info info;
	struct ed_error err = {0};
	assert_int_equal(img_parse(img, sizeof img, &info, &err), ED_OK);
	assert_int_equal(info.kind, IMG_KIND_V2);
	assert_int_equal(info.segment_count, 1);
	assert_false(info.segments[0].irom);
	assert_int_equal(info.segments[0].load_addr, 0x40100000);
	assert_int_equal(img_verify(&info, true, &err), ED_OK);
}

static void test_elf_mutations(void **state)
{
	(void)state;
	size_t len;
	uint8_t *elf = make_elf(94, 0x40100100, ota_secs, 5, ota_syms, 4, &len);
	uint8_t *m = malloc(len);
	uint32_t seed = 7;
	struct img_params p = IMG_PARAMS_DEFAULT;
	for (int iter = 0; iter < 600; iter++) {
		memcpy(m, elf, len);
		for (int k = 0; k < 3; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % 4 == 0 ? (seed >> 12) % 52 : (seed >> 12) % len;
			seed = seed * 1103515245u + 12345u;
			m[at] = (uint8_t)(seed >> 16);
		}
		struct img_output a, b, c, d;
		struct ed_error err = {0};
		int rc = img_elf2image_v1(m, len, &p, &a, &b, &err);
		assert_true(rc == ED_OK || (rc < 0 && err.msg[0]));
		img_output_free(&a);
		img_output_free(&b);
		rc = img_elf2image_v2(m, len, &p, &c, &err);
		assert_true(rc == ED_OK || (rc < 0 && err.msg[0]));
		img_output_free(&c);
		rc = img_make_ota(m, len, 2, 1, &p, &d, NULL, &err);
		assert_true(rc == ED_OK || (rc < 0 && err.msg[0]));
		img_output_free(&d);
	}
	free(m);
	free(elf);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_checksum_and_crc),
	    cmocka_unit_test(test_elf2image_v1),
	    cmocka_unit_test(test_elf2image_v2),
	    cmocka_unit_test(test_merge_rules),
	    cmocka_unit_test(test_elf_errors),
	    cmocka_unit_test(test_appbin_boot2),
	    cmocka_unit_test(test_appbin_checksum_line),
	    cmocka_unit_test(test_appbin_boot1_and_boot0),
	    cmocka_unit_test(test_appbin_symbols),
	    cmocka_unit_test(test_appbin_missing_sections),
	    cmocka_unit_test(test_ota_irom_addresses),
	    cmocka_unit_test(test_elf_mutations),
	    cmocka_unit_test(test_v2_without_irom),
	};
	int failed = cmocka_run_group_tests_name("image writers", tests, NULL, NULL);
	failed += image_read_tests();
	failed += image_elf_tests(argc, argv);
	failed += image_v3_tests();
	return failed;
}
