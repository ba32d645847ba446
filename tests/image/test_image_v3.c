/* SPDX-License-Identifier: MIT
 * elf2image --version 3 (the ESP8266 RTOS SDK v3 image) and the exec-bit merge rule, on
 * ELFs synthesised with libelf: the expected bytes are laid out here by hand from
 * esptool 4.8.1's ESP8266V3FirmwareImage rules (the SHA-256 is core/sha256.c's, which
 * tests/core checks against the FIPS 180-4 examples). */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/sha256.h"
#include "core/util.h"
#include "elfgen.h"
#include "image/image.h"
#include "test_image.h"

#define AX (SHF_ALLOC | SHF_EXECINSTR)
#define WA (SHF_ALLOC | SHF_WRITE)

static uint8_t *build(const struct elfgen_section *s, size_t n, uint32_t entry, size_t *len)
{
	uint8_t *elf = NULL;
	assert_int_equal(elfgen_build(94, entry, s, n, NULL, 0, &elf, len), 0);
	return elf;
}

/* Appends a segment header and the section's pattern bytes (from byte skip on, padded to
 * 4) to img at *pos; returns the checksum continued. */
static uint8_t put_seg(uint8_t *img, size_t *pos, uint32_t addr, uint32_t size, uint32_t skip,
		       uint8_t sum)
{
	uint32_t padded = (size + 3) & ~3u;
	put_le32(img + *pos, addr);
	put_le32(img + *pos + 4, padded - skip);
	*pos += 8;
	for (uint32_t i = skip; i < padded; i++) {
		uint8_t b = i < size ? elfgen_pattern(addr, i) : 0;
		img[(*pos)++] = b;
		sum ^= b;
	}
	return sum;
}

/* Two merged DRAM sections, .text and a touching non-exec IRAM section (not merged: the
 * exec bit differs), two flash sections in ELF order opposite to address order. */
static const struct elfgen_section rtos_like[] = {
    {".data", SHT_PROGBITS, WA, 0x3FFE8000, NULL, 6},
    {".rodata", SHT_PROGBITS, SHF_ALLOC, 0x3FFE8008, NULL, 4},
    {".bss", SHT_NOBITS, WA, 0x3FFE8010, NULL, 32},
    {".text", SHT_PROGBITS, AX, 0x40100000, NULL, 10},
    {".iram.data", SHT_PROGBITS, WA, 0x4010000C, NULL, 8},
    {".flash.rodata", SHT_PROGBITS, SHF_ALLOC, 0x40230010, NULL, 20},
    {".flash.text", SHT_PROGBITS, AX, 0x40210010, NULL, 9},
};

static void test_v3_layout(void **state)
{
	(void)state;
	size_t elf_len;
	uint8_t *elf = build(rtos_like, 7, 0x40100004, &elf_len);
	struct img_params p = IMG_PARAMS_DEFAULT;
	struct ed_error err = {0};
	p.flash_mode = 3;
	p.freq_code = 0xF;
	assert_int_equal(img_v3_size_code("4MB", &p.size_map, &err), ED_OK);
	assert_int_equal(p.size_map, 2); /* the ESP32 code: 4MB = 0x20 */
	struct img_output out;
	assert_int_equal(img_elf2image_v3(elf, elf_len, &p, &out, &err), ED_OK);

	uint8_t want[512] = {0xE9, 5, 3, 0x2F};
	put_le32(want + 4, 0x40100004);
	size_t pos = 8;
	uint8_t sum = 0xEF;
	/* flash segments first, by address; .flash.rodata without its first 8 bytes */
	sum = put_seg(want, &pos, 0x40210010, 9, 0, sum);
	sum = put_seg(want, &pos, 0x40230010, 20, 8, sum);
	/* then RAM by address: .data+.rodata merged (6 -> 8, then 4), .text, .iram.data */
	put_le32(want + pos, 0x3FFE8000);
	put_le32(want + pos + 4, 12);
	pos += 8;
	for (uint32_t i = 0; i < 8; i++) {
		want[pos] = i < 6 ? elfgen_pattern(0x3FFE8000, i) : 0;
		sum ^= want[pos++];
	}
	for (uint32_t i = 0; i < 4; i++) {
		want[pos] = elfgen_pattern(0x3FFE8008, i);
		sum ^= want[pos++];
	}
	sum = put_seg(want, &pos, 0x40100000, 10, 0, sum);
	sum = put_seg(want, &pos, 0x4010000C, 8, 0, sum);
	pos += 15 - pos % 16;
	want[pos++] = sum;
	sha256_buffer(want, pos, want + pos);
	pos += 32;
	assert_int_equal(out.len, pos);
	assert_memory_equal(out.data, want, pos);
	img_output_free(&out);
	free(elf);
}

static void test_v3_errors(void **state)
{
	(void)state;
	struct ed_error err = {0};
	uint8_t code;
	assert_int_equal(img_v3_size_code(NULL, &code, &err), ED_OK);
	assert_int_equal(code, 0);
	assert_int_equal(img_v3_size_code("128MB", &code, &err), ED_OK);
	assert_int_equal(code, 7);
	assert_int_equal(img_v3_size_code("4MB-c1", &code, &err), ED_ERR_ARG);
	assert_non_null(strstr(err.msg, "flash size '4MB-c1' is not one of the version 3 image's "
					"sizes: 1MB, 2MB"));
	assert_int_equal(img_v3_size_code("512KB", &code, &err), ED_ERR_ARG);
	/* two flash segments in one 64 KiB page cannot be mapped */
	const struct elfgen_section same_page[] = {
	    {".flash.text", SHT_PROGBITS, AX, 0x40210010, NULL, 16},
	    {".flash.rodata", SHT_PROGBITS, SHF_ALLOC, 0x40218000, NULL, 16},
	    {".text", SHT_PROGBITS, AX, 0x40100000, NULL, 4},
	};
	size_t elf_len;
	uint8_t *elf = build(same_page, 3, 0x40100000, &elf_len);
	struct img_params p = IMG_PARAMS_DEFAULT;
	p.size_map = 0;
	struct img_output out;
	assert_int_equal(img_elf2image_v3(elf, elf_len, &p, &out, &err), ED_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "segment .flash.rodata at 0x40218000 lands in the same "
					"64 KiB flash page as .flash.text at 0x40210010"));
	assert_null(out.data);
	free(elf);
}

/* esptool merges touching sections only when their exec bits agree (all versions). */
static void test_exec_bit_merge(void **state)
{
	(void)state;
	const struct elfgen_section s[] = {
	    {".text", SHT_PROGBITS, AX, 0x40100000, NULL, 8},
	    {".iram.data", SHT_PROGBITS, WA, 0x40100008, NULL, 8},
	    {".text2", SHT_PROGBITS, AX, 0x40100010, NULL, 8},
	    {".data", SHT_PROGBITS, WA, 0x3FFE8000, NULL, 8},
	    {".rodata", SHT_PROGBITS, SHF_ALLOC, 0x3FFE8008, NULL, 8},
	};
	size_t elf_len;
	uint8_t *elf = build(s, 5, 0x40100000, &elf_len);
	struct img_params p = IMG_PARAMS_DEFAULT;
	struct img_output ram, irom;
	struct ed_error err = {0};
	assert_int_equal(img_elf2image_v1(elf, elf_len, &p, &ram, &irom, &err), ED_OK);
	/* .text | .iram.data | .text2 stay apart; .data + .rodata (both not exec) merge */
	assert_int_equal(ram.data[1], 4);
	assert_int_equal(get_le32(ram.data + 8), 0x40100000);
	assert_int_equal(get_le32(ram.data + 12), 8);
	assert_int_equal(get_le32(ram.data + 24), 0x40100008);
	assert_int_equal(get_le32(ram.data + 40), 0x40100010);
	assert_int_equal(get_le32(ram.data + 56), 0x3FFE8000);
	assert_int_equal(get_le32(ram.data + 60), 16);
	img_output_free(&ram);
	img_output_free(&irom);
	free(elf);
}

int image_v3_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v3_layout),
	    cmocka_unit_test(test_v3_errors),
	    cmocka_unit_test(test_exec_bit_merge),
	};
	return cmocka_run_group_tests_name("elf2image version 3", tests, NULL, NULL);
}
