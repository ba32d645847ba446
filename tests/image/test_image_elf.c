/* SPDX-License-Identifier: MIT
 * The writers on real ELFs: our test application linked by xtensa-lx106-elf-gcc for
 * each irom0 address of the SDK maps (user1 0x40201010, user2 0x40241010 / 0x40281010,
 * non-OTA 0x40210000). The expected layout is derived here with libelf directly, the
 * bytes are checked by verify.c. Without the cross compiler these tests skip. */
#include <gelf.h>
#include <libelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/util.h"
#include "image/image.h"
#include "test_image.h"
#include "verify.h"

#define CHECK(expr)                                                                                \
	do {                                                                                       \
		const char *why_ = (expr);                                                         \
		if (why_)                                                                          \
			fail_msg("%s", why_);                                                      \
	} while (0)

struct elf_files {
	int count;
	char **paths;
};

struct sec {
	uint32_t addr, size;
	const uint8_t *data;
};

struct app {
	uint8_t *buf;
	size_t len;
	struct sec text, data, rodata, irom;
	uint32_t entry_sym, data_start, rodata_start, e_entry;
};

static void read_app(const char *path, struct app *a)
{
	struct ed_error err = {0};
	memset(a, 0, sizeof *a);
	assert_int_equal(ed_read_file(path, &a->buf, &a->len, 1u << 24, &err), ED_OK);
	elf_version(EV_CURRENT);
	Elf *e = elf_memory((char *)a->buf, a->len);
	assert_non_null(e);
	GElf_Ehdr eh;
	assert_non_null(gelf_getehdr(e, &eh));
	a->e_entry = (uint32_t)eh.e_entry;
	size_t shstrndx;
	assert_int_equal(elf_getshdrstrndx(e, &shstrndx), 0);
	for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
		GElf_Shdr sh;
		gelf_getshdr(scn, &sh);
		const char *name = elf_strptr(e, shstrndx, sh.sh_name);
		struct sec s = {(uint32_t)sh.sh_addr, (uint32_t)sh.sh_size, a->buf + sh.sh_offset};
		if (!strcmp(name, ".text"))
			a->text = s;
		else if (!strcmp(name, ".data"))
			a->data = s;
		else if (!strcmp(name, ".rodata"))
			a->rodata = s;
		else if (!strcmp(name, ".irom0.text"))
			a->irom = s;
		if (sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			gelf_getsym(d, (int)i, &sym);
			const char *sn = elf_strptr(e, sh.sh_link, sym.st_name);
			if (!strcmp(sn, "call_user_start1"))
				a->entry_sym = (uint32_t)sym.st_value;
			else if (!strcmp(sn, "_data_start") && sym.st_shndx == SHN_ABS)
				a->data_start = (uint32_t)sym.st_value;
			else if (!strcmp(sn, "_rodata_start") && sym.st_shndx == SHN_ABS)
				a->rodata_start = (uint32_t)sym.st_value;
		}
	}
	elf_end(e);
	assert_true(a->text.size > 0 && a->data.size > 0 && a->rodata.size > 0 && a->irom.size > 0);
	assert_true(a->entry_sym != 0 && a->data_start != 0 && a->rodata_start != 0);
}

static const char *find_elf(void **state, const char *suffix)
{
	const struct elf_files *f = *state;
	for (int i = 0; i < f->count; i++) {
		size_t n = strlen(f->paths[i]), m = strlen(suffix);
		if (n >= m && !strcmp(f->paths[i] + n - m, suffix))
			return f->paths[i];
	}
	return NULL;
}

#define NEED_ELF(path, state, suffix)                                                              \
	const char *path = find_elf(state, suffix);                                                \
	if (!path) {                                                                               \
		print_message("skipped: no %s (xtensa-lx106-elf-gcc missing; "                     \
			      "install gcc-xtensa-lx106)\n",                                       \
			      suffix);                                                             \
		skip();                                                                            \
	}

static void check_ota(void **state, const char *suffix, uint32_t irom_addr)
{
	NEED_ELF(path, state, suffix);
	struct app a;
	read_app(path, &a);
	assert_int_equal(a.irom.addr, irom_addr); /* our linker scripts: the SDK map */
	struct img_params p = {0, 6, 0, false};
	for (int app = 1; app <= 2; app++) {
		struct img_output out;
		struct ed_error err = {0};
		assert_int_equal(img_make_ota(a.buf, a.len, 2, app, &p, &out, NULL, &err), ED_OK);
		assert_int_equal(out.data[0], 0xEA);
		assert_int_equal(out.data[3], app);
		size_t at, end;
		CHECK(want_irom16(out.data, out.len, 8, 0, a.irom.data, a.irom.size, &at));
		struct want_seg segs[] = {{0x40100000, a.text.data, a.text.size},
					  {a.data_start, a.data.data, a.data.size},
					  {a.rodata_start, a.rodata.data, a.rodata.size}};
		CHECK(want_e9(out.data, out.len, at, 3, 0x00, 0x60, a.entry_sym, segs, 3,
			      PAD_APPBIN, &end));
		CHECK(want_crc_end(out.data, out.len, end));
		struct img_info info;
		assert_int_equal(img_parse(out.data, out.len, &info, &err), ED_OK);
		assert_int_equal(info.kind, IMG_KIND_APPBIN);
		assert_int_equal(img_verify(&info, true, &err), ED_OK);
		img_output_free(&out);
	}
	free(a.buf);
}

static void test_ota_user1(void **state)
{
	check_ota(state, "testapp-ota.elf", 0x40201010);
}

static void test_ota_user2_256(void **state)
{
	check_ota(state, "testapp-user2-256.elf", 0x40241010);
}

static void test_ota_user2_512(void **state)
{
	check_ota(state, "testapp-user2-512.elf", 0x40281010);
}

/* esptool order = section-header order; our scripts put .data, .rodata first (as the
 * SDK's), and .rodata merges into .data when it starts where padded .data ends. */
static size_t esptool_segments(const struct app *a, struct want_seg *segs, uint8_t *merged)
{
	size_t n = 0;
	uint32_t data_end = a->data.addr + ((a->data.size + 3) & ~3u);
	if (a->rodata.addr == data_end) {
		memset(merged, 0, data_end - a->data.addr);
		memcpy(merged, a->data.data, a->data.size);
		memcpy(merged + (data_end - a->data.addr), a->rodata.data, a->rodata.size);
		segs[n++] = (struct want_seg){a->data.addr, merged,
					      data_end - a->data.addr + a->rodata.size};
	} else {
		segs[n++] = (struct want_seg){a->data.addr, a->data.data, a->data.size};
		segs[n++] = (struct want_seg){a->rodata.addr, a->rodata.data, a->rodata.size};
	}
	segs[n++] = (struct want_seg){a->text.addr, a->text.data, a->text.size};
	return n;
}

static void test_elf2image_real(void **state)
{
	NEED_ELF(path, state, "testapp-flat.elf");
	struct app a;
	read_app(path, &a);
	assert_int_equal(a.irom.addr, 0x40210000);
	struct img_params p = {2, 4, 2, false}; /* dio, 4MB, 20m */
	struct img_output ram, irom;
	struct ed_error err = {0};
	assert_int_equal(img_elf2image_v1(a.buf, a.len, &p, &ram, &irom, &err), ED_OK);
	uint8_t *merged = calloc(1, a.data.size + a.rodata.size + 8);
	struct want_seg segs[3];
	size_t n = esptool_segments(&a, segs, merged), end;
	CHECK(want_e9(ram.data, ram.len, 0, (uint8_t)n, 2, 0x42, a.e_entry, segs, n, PAD_ESPTOOL,
		      &end));
	assert_int_equal(end, ram.len);
	assert_int_equal(irom.flash_offset, 0x10000);
	assert_int_equal(irom.len, (a.irom.size + 3) & ~3u);
	assert_memory_equal(irom.data, a.irom.data, a.irom.size);
	img_output_free(&ram);
	img_output_free(&irom);
	free(merged);
	free(a.buf);

	NEED_ELF(ota, state, "testapp-ota.elf");
	read_app(ota, &a);
	merged = calloc(1, a.data.size + a.rodata.size + 8);
	n = esptool_segments(&a, segs, merged);
	struct img_output v2;
	assert_int_equal(img_elf2image_v2(a.buf, a.len, &p, &v2, &err), ED_OK);
	assert_int_equal(v2.flash_offset, 0x1000);
	size_t at;
	CHECK(want_irom16(v2.data, v2.len, 8, 0, a.irom.data, a.irom.size, &at));
	CHECK(want_e9(v2.data, v2.len, at, (uint8_t)n, 2, 0x42, a.e_entry, segs, n, PAD_ESPTOOL,
		      &end));
	CHECK(want_crc_end(v2.data, v2.len, end));
	img_output_free(&v2);
	free(merged);
	free(a.buf);
}

/* --use-segments: PT_LOAD program headers (physical address, file bytes) in header order */
static void test_use_segments(void **state)
{
	NEED_ELF(path, state, "testapp-flat.elf");
	struct app a;
	read_app(path, &a);
	Elf *e = elf_memory((char *)a.buf, a.len);
	size_t n = 0;
	assert_int_equal(elf_getphdrnum(e, &n), 0);
	struct want_seg segs[8];
	size_t count = 0;
	const uint8_t *irom = NULL;
	size_t irom_len = 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		gelf_getphdr(e, (int)i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_paddr == 0 || ph.p_filesz == 0)
			continue;
		if (ph.p_paddr >= 0x40200000 && ph.p_paddr < 0x40300000) {
			irom = a.buf + ph.p_offset;
			irom_len = ph.p_filesz;
			continue;
		}
		assert_true(count < 8);
		segs[count++] =
		    (struct want_seg){(uint32_t)ph.p_paddr, a.buf + ph.p_offset, ph.p_filesz};
	}
	elf_end(e);
	struct img_params p = {0, 2, 0, true};
	struct img_output ram, irom_out;
	struct ed_error err = {0};
	assert_int_equal(img_elf2image_v1(a.buf, a.len, &p, &ram, &irom_out, &err), ED_OK);
	size_t end;
	CHECK(want_e9(ram.data, ram.len, 0, (uint8_t)count, 0, 0x20, a.e_entry, segs, count,
		      PAD_ESPTOOL, &end));
	assert_non_null(irom);
	assert_memory_equal(irom_out.data, irom, irom_len);
	img_output_free(&ram);
	img_output_free(&irom_out);
	free(a.buf);
}

int image_elf_tests(int argc, char **argv)
{
	struct elf_files files = {argc - 1, argv + 1};
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_prestate(test_ota_user1, &files),
	    cmocka_unit_test_prestate(test_ota_user2_256, &files),
	    cmocka_unit_test_prestate(test_ota_user2_512, &files),
	    cmocka_unit_test_prestate(test_elf2image_real, &files),
	    cmocka_unit_test_prestate(test_use_segments, &files),
	};
	return cmocka_run_group_tests_name("image writers on cross-compiled ELFs", tests, NULL,
					   NULL);
}
