/* SPDX-License-Identifier: MIT
 * Unit tests of the image reader: img_parse / img_verify on hand-built images (not made
 * by our writers), the error texts for each kind of damage, esptool's header patch at
 * offset 0, and the flash size the layout validator reads from a header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image/image.h"
#include "test_image.h"
#include "verify.h"

struct buf {
	uint8_t b[0x10100];
	size_t n;
};

static void put8(struct buf *b, uint8_t v)
{
	b->b[b->n++] = v;
}

static void put32(struct buf *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		put8(b, (uint8_t)(v >> (8 * i)));
}

/* E9 image with segments of 4 and 8 bytes (and a third of 4 when nsegs is 3, the shape
 * of gen_appbin's .text/.data/.rodata); returns its checksum. */
static uint8_t build_v1n(struct buf *b, uint8_t b2, uint8_t b3, uint8_t nsegs)
{
	uint8_t sum = 0xEF;
	put8(b, 0xE9), put8(b, nsegs), put8(b, b2), put8(b, b3), put32(b, 0x40100004);
	put32(b, 0x40100000), put32(b, 4);
	for (int i = 0; i < 4; i++)
		put8(b, (uint8_t)(0x10 + i)), sum ^= (uint8_t)(0x10 + i);
	put32(b, 0x3FFE8000), put32(b, 8);
	for (int i = 0; i < 8; i++)
		put8(b, (uint8_t)(0xA0 + i)), sum ^= (uint8_t)(0xA0 + i);
	if (nsegs == 3) {
		put32(b, 0x3FFE8100), put32(b, 4);
		for (int i = 0; i < 4; i++)
			put8(b, (uint8_t)(0xC0 + i)), sum ^= (uint8_t)(0xC0 + i);
	}
	while (b->n % 16 != 15)
		put8(b, 0);
	put8(b, sum);
	return sum;
}

static uint8_t build_v1(struct buf *b, uint8_t b2, uint8_t b3)
{
	return build_v1n(b, b2, b3, 2);
}

static void build_ea(struct buf *b, uint8_t b2, uint8_t b3, uint8_t e9_b2, uint8_t e9_b3,
		     uint8_t nsegs)
{
	put8(b, 0xEA), put8(b, 4), put8(b, b2), put8(b, b3), put32(b, 0x40100004);
	put32(b, 0), put32(b, 16);
	for (int i = 0; i < 16; i++)
		put8(b, (uint8_t)i);
	struct buf e9 = {.n = 0};
	build_v1n(&e9, e9_b2, e9_b3, nsegs);
	memcpy(b->b + b->n, e9.b, e9.n);
	b->n += e9.n;
	put32(b, want_boot_crc(b->b, b->n));
}

static void expect_parse_error(const uint8_t *data, size_t len, const char *text)
{
	struct img_info info;
	struct ed_error err = {0};
	assert_int_equal(img_parse(data, len, &info, &err), ED_ERR_FORMAT);
	if (!strstr(err.msg, text))
		fail_msg("error '%s' does not contain '%s'", err.msg, text);
}

static void expect_verify_error(const uint8_t *data, size_t len, int code, const char *text)
{
	struct img_info info;
	struct ed_error err = {0};
	assert_int_equal(img_parse(data, len, &info, &err), ED_OK);
	assert_int_equal(img_verify(&info, true, &err), code);
	if (!strstr(err.msg, text))
		fail_msg("error '%s' does not contain '%s'", err.msg, text);
}

static void test_parse_v1(void **state)
{
	(void)state;
	struct buf b = {.n = 0};
	uint8_t sum = build_v1(&b, 0x02, 0x4F);
	struct img_info info;
	struct ed_error err = {0};
	assert_int_equal(img_parse(b.b, b.n, &info, &err), ED_OK);
	assert_int_equal(info.kind, IMG_KIND_V1);
	assert_int_equal(info.segment_count, 2);
	assert_int_equal(info.segments[0].load_addr, 0x40100000);
	assert_string_equal(info.segments[0].region, "IRAM");
	assert_int_equal(info.segments[1].data_offset, 8 + 8 + 4 + 8);
	assert_string_equal(info.segments[1].region, "DRAM");
	assert_int_equal(info.flash_mode, 2);
	assert_int_equal(info.size_map, 4);
	assert_int_equal(info.freq_code, 0xF);
	assert_int_equal(info.entry, 0x40100004);
	assert_int_equal(info.checksum_stored, sum);
	assert_int_equal(info.image_len, b.n);
	assert_false(info.has_crc);
	assert_int_equal(img_verify(&info, true, &err), ED_OK);
	const struct flash_size_info *fs;
	assert_int_equal(img_header_flash_size(b.b, b.n, &fs, &err), ED_OK);
	assert_string_equal(fs->name, "4MB");
}

static void test_parse_v2_and_appbin(void **state)
{
	(void)state;
	struct buf b = {.n = 0};
	build_ea(&b, 0x00, 0x60, 0x00, 0x60, 2);
	struct img_info info;
	struct ed_error err = {0};
	assert_int_equal(img_parse(b.b, b.n, &info, &err), ED_OK);
	assert_int_equal(info.kind, IMG_KIND_V2);
	assert_true(info.headers_agree);
	assert_int_equal(info.segment_count, 3);
	assert_true(info.segments[0].irom);
	assert_int_equal(info.segments[0].length, 16);
	assert_int_equal(img_verify(&info, true, &err), ED_OK);
	/* gen_appbin: slot in the first header, flash params only in the second */
	struct buf a = {.n = 0};
	build_ea(&a, 0x00, 0x02, 0x00, 0x60, 3);
	assert_int_equal(img_parse(a.b, a.n, &info, &err), ED_OK);
	assert_int_equal(info.kind, IMG_KIND_APPBIN);
	assert_int_equal(info.app_slot, 2);
	assert_int_equal(info.boot_mode, 2);
	assert_int_equal(info.size_map, 6);
	const struct flash_size_info *fs;
	assert_int_equal(img_header_flash_size(a.b, a.n, &fs, &err), ED_OK);
	assert_string_equal(fs->old_name, "32m-c1");
	/* esptool's v2 with flash bytes 00 01 (qio, 512KB, 26m) in both headers stays v2 */
	struct buf c = {.n = 0};
	build_ea(&c, 0x00, 0x01, 0x00, 0x01, 3);
	assert_int_equal(img_parse(c.b, c.n, &info, &err), ED_OK);
	assert_int_equal(info.kind, IMG_KIND_V2);
}

static void test_parse_damage(void **state)
{
	(void)state;
	struct buf b = {.n = 0};
	build_v1(&b, 0, 0x20);
	expect_parse_error(b.b, 5, "too short");
	b.b[0] = 0x7F;
	expect_parse_error(b.b, b.n, "wrong magic byte 0x7f at offset 0");
	b.b[0] = 0xE9;
	b.b[1] = 17;
	expect_parse_error(b.b, b.n, "17 segments, more than the 16");
	b.b[1] = 2;
	expect_parse_error(b.b, 30, "runs past the end"); /* inside segment 1 data */
	expect_parse_error(b.b, 22, "segment 1 header at offset 0x14 is cut off");
	expect_parse_error(b.b, b.n - 1, "checksum byte at offset 0x2f is missing");
	b.b[b.n - 1] ^= 0x55;
	expect_verify_error(b.b, b.n, ED_ERR_VERIFY, "checksum mismatch");
	b.b[b.n - 1] ^= 0x55;
	b.b[b.n] = 0xFF;
	expect_verify_error(b.b, b.n + 1, ED_ERR_FORMAT, "1 unexpected bytes follow the end");
	/* the same bytes as flash contents: trailing data is fine */
	struct img_info info;
	struct ed_error err = {0};
	assert_int_equal(img_parse(b.b, b.n + 1, &info, &err), ED_OK);
	assert_int_equal(img_verify(&info, false, &err), ED_OK);

	struct buf e = {.n = 0};
	build_ea(&e, 0, 0x20, 0, 0x20, 2);
	e.b[20] ^= 1; /* irom data is in the CRC but not the checksum */
	expect_verify_error(e.b, e.n, ED_ERR_VERIFY, "CRC mismatch");
	e.b[20] ^= 1;
	expect_parse_error(e.b, e.n - 2, "4-byte CRC at offset 0x50 is missing");
	e.b[32] = 0xE8;
	expect_parse_error(e.b, e.n, "second header at offset 0x20 starts with 0xe8");
	e.b[32] = 0xE9;
	e.b[12] = 0xFF; /* irom length beyond the file */
	expect_parse_error(e.b, e.n, "irom segment");
}

static void test_parse_boot1_in_flash(void **state)
{
	(void)state;
	/* a boot mode 1 bin followed by more flash: the CRC is found by scanning */
	struct buf *b = calloc(1, sizeof *b);
	build_v1(b, 0x00, 0x01);
	memset(b->b + b->n, 0xFF, 0x10000 - b->n);
	b->n = 0x10000;
	for (int i = 0; i < 20; i++)
		put8(b, (uint8_t)(i * 3));
	put32(b, want_boot_crc(b->b, b->n));
	struct img_info info;
	struct ed_error err = {0};
	assert_int_equal(img_parse(b->b, b->n, &info, &err), ED_OK);
	assert_int_equal(info.kind, IMG_KIND_V1); /* 2 segments: not gen_appbin's shape */
	free(b);

	b = calloc(1, sizeof *b);
	uint8_t sum = 0xEF;
	put8(b, 0xE9), put8(b, 3), put8(b, 0), put8(b, 1), put32(b, 0x40100004);
	for (int s = 0; s < 3; s++) {
		put32(b, 0x40100000u + 0x100u * (uint32_t)s), put32(b, 4);
		for (int i = 0; i < 4; i++)
			put8(b, (uint8_t)(s + i)), sum ^= (uint8_t)(s + i);
	}
	while (b->n % 16 != 15)
		put8(b, 0);
	put8(b, sum);
	memset(b->b + b->n, 0xFF, 0x10000 - b->n);
	b->n = 0x10000;
	for (int i = 0; i < 20; i++)
		put8(b, (uint8_t)(i * 3));
	put32(b, want_boot_crc(b->b, b->n));
	size_t image_len = b->n;
	memset(b->b + b->n, 0x5A, 64);
	assert_int_equal(img_parse(b->b, image_len + 64, &info, &err), ED_OK);
	assert_int_equal(info.kind, IMG_KIND_APPBIN);
	assert_int_equal(info.boot_mode, 1);
	assert_int_equal(info.app_slot, 1);
	assert_int_equal(info.image_len, image_len);
	assert_int_equal(info.segments[3].data_offset, 0x10000);
	assert_int_equal(info.segments[3].length, 20);
	assert_int_equal(img_verify(&info, false, &err), ED_OK);
	free(b);
}

/* gen_appbin's boot mode 1 bin by hand: E9 03 00 <slot>, three sections from
 * 0x40100000, checksum line, 0xFF to 0x10000, 20 irom bytes, CRC. */
static void build_boot1(struct buf *b, uint8_t slot)
{
	uint8_t sum = 0xEF;
	b->n = 0;
	put8(b, 0xE9), put8(b, 3), put8(b, 0), put8(b, slot), put32(b, 0x40100004);
	for (int s = 0; s < 3; s++) {
		put32(b, 0x40100000u + 0x100u * (uint32_t)s), put32(b, 4);
		for (int i = 0; i < 4; i++)
			put8(b, (uint8_t)(s + i)), sum ^= (uint8_t)(s + i);
	}
	while (b->n % 16 != 15)
		put8(b, 0);
	put8(b, sum);
	memset(b->b + b->n, 0xFF, 0x10000 - b->n);
	b->n = 0x10000;
	for (int i = 0; i < 20; i++)
		put8(b, (uint8_t)(i * 3));
	put32(b, want_boot_crc(b->b, b->n));
}

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Parses a damaged boot mode 1 bin: still boot mode 1 with its irom0 and CRC where they
 * belong; returns the verify message (static) after checking it says "CRC invalid". */
static const char *damaged_boot1(const struct buf *b, int slot)
{
	static struct ed_error err;
	struct img_info info;
	assert_int_equal(img_parse(b->b, b->n, &info, &err), ED_OK);
	assert_int_equal(info.kind, IMG_KIND_APPBIN);
	assert_int_equal(info.boot_mode, 1);
	assert_int_equal(info.app_slot, slot);
	assert_int_equal(info.image_len, b->n);
	assert_int_equal(info.crc_offset, 0x10000 + 20);
	assert_int_equal(info.segments[3].length, 20);
	assert_int_equal(img_verify(&info, true, &err), ED_ERR_VERIFY);
	char want[96];
	snprintf(want, sizeof want, "CRC invalid: stored 0x%08x, computed 0x%08x",
		 le32_at(b->b + b->n - 4), want_boot_crc(b->b, b->n - 4));
	if (!strstr(err.msg, want))
		fail_msg("error '%s' does not contain '%s'", err.msg, want);
	return err.msg;
}

static void expect_in(const char *msg, const char *text)
{
	if (!strstr(msg, text))
		fail_msg("error '%s' does not contain '%s'", msg, text);
}

/* QA: corrupted boot mode 1 bins were described as "v1 ... unexpected bytes follow";
 * they are boot mode 1 bins with a named damage. */
static void test_parse_boot1_damaged(void **state)
{
	(void)state;
	struct buf *b = calloc(1, sizeof *b);
	build_boot1(b, 2);
	b->b[0x10005] ^= 0x10; /* one irom0 byte */
	const char *m = damaged_boot1(b, 2);
	expect_in(m, "the header, its checksum and the fill are intact, so the irom0 code "
		     "(offset 0x10000-0x10014) or the CRC at offset 0x10014 is damaged");

	build_boot1(b, 1);
	b->b[0x8000] = 0x7F; /* one fill byte */
	m = damaged_boot1(b, 1);
	expect_in(m, "the 0xFF fill from offset 0x30 to 0x10000 has 1 damaged byte, the first "
		     "at offset 0x8000 (CRC invalid: stored 0x");

	build_boot1(b, 1);
	b->b[3] = 0x41; /* byte 3: also a valid qio/4MB/26m v1 header, yet the CRC says user1 */
	m = damaged_boot1(b, 1);
	expect_in(m, "bytes 2-3 of the boot mode 1 header are 00 41, not 00 01 or 00 02 (the "
		     "app slot); the stored CRC fits 00 01 (user1), so the header was damaged");
	build_boot1(b, 2);
	b->b[3] = 0x00;
	m = damaged_boot1(b, 2);
	expect_in(m, "are 00 00, not 00 01 or 00 02 (the app slot); the stored CRC fits 00 02");
	build_boot1(b, 2);
	b->b[2] = 0x02; /* byte 2: "dio" */
	m = damaged_boot1(b, 2);
	expect_in(m, "are 02 02, not 00 01 or 00 02 (the app slot); the stored CRC fits 00 02");

	build_boot1(b, 1);
	b->b[b->n - 2] ^= 0xA5; /* the CRC itself */
	m = damaged_boot1(b, 1);
	expect_in(m, "only the byte at offset 0x10016 differs, so the CRC itself is damaged");

	/* the checksum byte: reported first, the bin is still boot mode 1 */
	build_boot1(b, 1);
	b->b[0x2F] ^= 1;
	struct img_info info;
	struct ed_error err = {0};
	assert_int_equal(img_parse(b->b, b->n, &info, &err), ED_OK);
	assert_int_equal(info.boot_mode, 1);
	assert_int_equal(img_verify(&info, true, &err), ED_ERR_VERIFY);
	expect_in(err.msg, "checksum mismatch: the byte at offset 0x2f");
	free(b);
}

/* In flash contents a damaged bin's CRC is the last 4 bytes before the erased flash;
 * without gen_appbin's structure nothing is taken for a boot mode 1 bin. */
static void test_parse_boot1_damaged_limits(void **state)
{
	(void)state;
	struct buf *b = calloc(1, sizeof *b);
	build_boot1(b, 1);
	size_t image_len = b->n;
	b->b[0x10003] ^= 1;
	memset(b->b + b->n, 0xFF, 64);
	struct img_info info;
	struct ed_error err = {0};
	assert_int_equal(img_parse(b->b, image_len + 64, &info, &err), ED_OK);
	assert_int_equal(info.boot_mode, 1);
	assert_int_equal(info.image_len, image_len);
	assert_int_equal(img_verify(&info, false, &err), ED_ERR_VERIFY);
	expect_in(err.msg, "CRC invalid");

	/* a non-OTA flash (v1 "00 41" image at 0x0, irom0 at 0x10000): byte 3 is no slot and
	 * no slot makes the CRC fit, so it stays a v1 image */
	build_boot1(b, 1);
	b->b[3] = 0x41;
	b->b[b->n - 1] ^= 0x80;
	assert_int_equal(img_parse(b->b, b->n, &info, &err), ED_OK);
	assert_int_equal(info.kind, IMG_KIND_V1);
	expect_verify_error(b->b, b->n, ED_ERR_FORMAT, "unexpected bytes follow the end");

	/* a fill that is mostly data is not gen_appbin's */
	build_boot1(b, 1);
	memset(b->b + 0x100, 0x00, 0x4000);
	assert_int_equal(img_parse(b->b, b->n, &info, &err), ED_OK);
	assert_int_equal(info.kind, IMG_KIND_V1);

	/* .text not at 0x40100000: not gen_appbin's either */
	build_boot1(b, 1);
	b->b[8 + 1] = 0x02; /* first load address 0x40100200 */
	b->b[0x10000] ^= 1;
	assert_int_equal(img_parse(b->b, b->n, &info, &err), ED_OK);
	assert_int_equal(info.kind, IMG_KIND_V1);
	free(b);
}

static void test_patch_flash_params(void **state)
{
	(void)state;
	struct buf b = {.n = 0};
	build_v1(&b, 0x02, 0x20);
	struct ed_error err = {0};
	/* the seed: -fm qio -fs 32m-c1 on boot.bin makes bytes 2-3 "00 60" */
	assert_int_equal(img_patch_flash_params(b.b, b.n, "qio", "32m-c1", "keep", 0, &err), 1);
	assert_int_equal(b.b[2], 0x00);
	assert_int_equal(b.b[3], 0x60);
	assert_int_equal(img_patch_flash_params(b.b, b.n, "qio", "4MB-c1", NULL, 0, &err), 0);
	assert_string_equal(err.msg, "");
	assert_int_equal(img_patch_flash_params(b.b, b.n, "keep", "keep", "80m", 0, &err), 1);
	assert_int_equal(b.b[3], 0x6F);
	assert_int_equal(img_patch_flash_params(b.b, b.n, NULL, "detect", NULL, 2u << 20, &err), 1);
	assert_int_equal(b.b[3], 0x3F);
	/* the checksum covers segment data only: still valid */
	struct img_info info;
	assert_int_equal(img_parse(b.b, b.n, &info, &err), ED_OK);
	assert_int_equal(img_verify(&info, true, &err), ED_OK);
	assert_int_equal(img_patch_flash_params(b.b, b.n, "qio", "33m", NULL, 0, &err), ED_ERR_ARG);
	assert_non_null(strstr(err.msg, "unknown flash size '33m'"));
	assert_int_equal(img_patch_flash_params(b.b, b.n, "fast", NULL, NULL, 0, &err), ED_ERR_ARG);
	/* not an E9 image, or not a complete one: left alone with a warning */
	struct buf e = {.n = 0};
	build_ea(&e, 0, 0x20, 0, 0x20, 2);
	assert_int_equal(img_patch_flash_params(e.b, e.n, "dio", NULL, NULL, 0, &err), 0);
	assert_non_null(strstr(err.msg, "doesn't look like an image file"));
	assert_int_equal(e.b[2], 0);
	assert_int_equal(img_patch_flash_params(b.b, 20, "dio", NULL, NULL, 0, &err), 0);
	assert_non_null(strstr(err.msg, "not a valid ESP8266 image"));
	assert_int_equal(b.b[2], 0);
}

static void test_names(void **state)
{
	(void)state;
	struct img_params p = IMG_PARAMS_DEFAULT;
	struct ed_error err = {0};
	assert_int_equal(img_params_from_names("dout", "16m-c1", "26m", &p, &err), ED_OK);
	assert_int_equal(p.flash_mode, 3);
	assert_int_equal(p.size_map, 5);
	assert_int_equal(p.freq_code, 1);
	assert_int_equal(img_params_from_names(NULL, "8MB", NULL, &p, &err), ED_OK);
	assert_int_equal(p.size_map, 8);
	assert_int_equal(img_params_from_names(NULL, "32m-c2", NULL, &p, &err), ED_ERR_ARG);
	assert_non_null(strstr(err.msg, "unknown flash size '32m-c2' (use 256KB"));
	assert_int_equal(img_params_from_names(NULL, NULL, "60m", &p, &err), ED_ERR_ARG);
	assert_string_equal(img_region_name(0x3FF00004), "DPORT");
	assert_string_equal(img_region_name(0x40201010), "IROM");
	assert_string_equal(img_region_name(0x40200000), "unknown");
}

static uint32_t lcg(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

/* Damaged images of every kind must give ED_OK or a message, never a crash (ASan and
 * UBSan watch this in CI). Deterministic: a fixed seed. */
static void test_parse_mutations(void **state)
{
	(void)state;
	struct buf *src[3];
	for (int i = 0; i < 3; i++)
		src[i] = calloc(1, sizeof(struct buf));
	build_v1(src[0], 0, 0x20);
	build_ea(src[1], 0, 0x20, 0, 0x20, 2);
	build_ea(src[2], 0, 0x01, 0, 0x60, 3);
	struct buf *m = calloc(1, sizeof *m);
	uint32_t seed = 2;
	for (int iter = 0; iter < 3000; iter++) {
		const struct buf *b = src[iter % 3];
		memcpy(m->b, b->b, b->n);
		size_t n = b->n;
		for (uint32_t k = lcg(&seed) % 4 + 1; k > 0; k--)
			m->b[lcg(&seed) % n] = (uint8_t)lcg(&seed);
		if (lcg(&seed) % 3 == 0)
			n = lcg(&seed) % (n + 1);
		struct img_info info;
		struct ed_error err = {0};
		int rc = img_parse(m->b, n, &info, &err);
		if (rc == ED_OK) {
			rc = img_verify(&info, true, &err);
			assert_true(rc == ED_OK || rc == ED_ERR_VERIFY || rc == ED_ERR_FORMAT);
			assert_true(info.image_len <= n);
		} else {
			assert_int_equal(rc, ED_ERR_FORMAT);
		}
		if (rc != ED_OK)
			assert_true(err.msg[0] != '\0');
		const struct flash_size_info *fs;
		img_header_flash_size(m->b, n, &fs, NULL);
		img_patch_flash_params(m->b, n, "dio", "4MB", "80m", 0, &err);
	}
	free(m);
	for (int i = 0; i < 3; i++)
		free(src[i]);
}

int image_read_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_v1),
	    cmocka_unit_test(test_parse_v2_and_appbin),
	    cmocka_unit_test(test_parse_damage),
	    cmocka_unit_test(test_parse_boot1_in_flash),
	    cmocka_unit_test(test_parse_boot1_damaged),
	    cmocka_unit_test(test_parse_boot1_damaged_limits),
	    cmocka_unit_test(test_patch_flash_params),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_parse_mutations),
	};
	return cmocka_run_group_tests_name("image reader", tests, NULL, NULL);
}
