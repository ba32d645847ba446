/* SPDX-License-Identifier: MIT
 * The ELF reader (the real libelf over a memory buffer) and everything that consumes it:
 * elf2image v1, v2 and v3, gen_appbin bins for each boot mode, the OTA link check. Oracle:
 * an elf2image output parses back as an image (v3: as esptool reads it, checksum valid). (Not gen_appbin's: like gen_appbin, make_ota
 * keeps the segment count 3 when .data or .rodata is missing, so such a bin does not parse;
 * tests/image checks that on purpose.) */
#include "fuzz.h"

#include "image/elf.h"
#include "image/esptool_info.h"
#include "image/image.h"

static void check_output(const struct img_output *o)
{
	struct img_info info;
	struct ed_error err = {0};
	if (o->len && o->data[0] != 0xE9 && o->data[0] != 0xEA)
		return; /* irom0 dumps are raw code */
	if (o->len)
		FUZZ_CHECK(img_parse(o->data, o->len, &info, &err) == ED_OK,
			   "a generated image does not parse: %s", err.msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ed_error err = {0};
	struct img_elf *elf = NULL;
	if (img_elf_read(data, size, &elf, &err) != ED_OK)
		return 0;
	(void)img_elf_section(elf, ".irom0.text");
	img_elf_destroy(elf);
	struct img_params p = IMG_PARAMS_DEFAULT;
	struct img_output a = {0}, b = {0};
	if (img_elf2image_v1(data, size, &p, &a, &b, &err) == ED_OK) {
		check_output(&a);
		img_output_free(&a);
		img_output_free(&b);
	}
	if (img_elf2image_v2(data, size, &p, &a, &err) == ED_OK) {
		check_output(&a);
		img_output_free(&a);
	}
	if (img_elf2image_v3(data, size, &p, &a, &err) == ED_OK) {
		struct esptool_listing l;
		FUZZ_CHECK(esptool_listing(a.data, a.len, false, &l, &err) == ED_OK,
			   "a version 3 image does not read back: %s", err.msg);
		FUZZ_CHECK(l.checksum_ok, "a version 3 image has a wrong checksum");
		esptool_listing_free(&l);
		img_output_free(&a);
	}
	for (int mode = 0; mode <= 2; mode++) {
		if (img_make_ota(data, size, mode, 1, &p, &a, &b, &err) == ED_OK) {
			img_output_free(&a);
			img_output_free(&b);
		}
		(void)img_ota_check_link(data, size, mode, 2, 4, &err);
	}
	return 0;
}
