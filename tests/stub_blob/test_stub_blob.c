/* SPDX-License-Identifier: MIT
 * Unit tests for the embedded stub's identity: the SHA-256 over addresses, sizes, bytes and
 * entry in upload order, so that any change to what the board received changes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/sha256.h"
#include "stub/stub_blob.h"

static const uint8_t text[] = {0x36, 0x41, 0x00, 0x1d, 0xf0, 0x00, 0x00, 0x00};
static const uint8_t data[] = {'O', 'H', 'A', 'I'};

static void identity_of(const struct stub_segment *segs, size_t n, uint32_t entry, uint8_t out[32])
{
	stub_blob_identity(segs, n, entry, out);
}

/* The identity is the SHA-256 of this exact byte string (written out by hand). */
static void test_identity_layout(void **state)
{
	const struct stub_segment segs[] = {{0x4010C500, sizeof text, text},
					    {0x3FFE8100, sizeof data, data}};
	uint8_t msg[4 + 4 + sizeof text + 4 + 4 + sizeof data + 4];
	uint8_t *p = msg;
	memcpy(p, "\x00\xC5\x10\x40\x08\x00\x00\x00", 8);
	memcpy(p + 8, text, sizeof text);
	p += 8 + sizeof text;
	memcpy(p, "\x00\x81\xFE\x3F\x04\x00\x00\x00", 8);
	memcpy(p + 8, data, sizeof data);
	p += 8 + sizeof data;
	memcpy(p, "\x04\xC5\x10\x40", 4);
	uint8_t want[32], got[32];
	sha256_buffer(msg, sizeof msg, want);
	identity_of(segs, 2, 0x4010C504, got);
	assert_memory_equal(got, want, 32);
}

/* Each part of the upload changes the identity: entry, an address, a byte, the order. */
static void test_identity_sensitive(void **state)
{
	const struct stub_segment segs[] = {{0x4010C500, sizeof text, text},
					    {0x3FFE8100, sizeof data, data}};
	const struct stub_segment moved[] = {{0x4010C504, sizeof text, text},
					     {0x3FFE8100, sizeof data, data}};
	const struct stub_segment swapped[] = {{0x3FFE8100, sizeof data, data},
					       {0x4010C500, sizeof text, text}};
	const uint8_t other_data[] = {'O', 'H', 'A', 'J'};
	const struct stub_segment changed[] = {{0x4010C500, sizeof text, text},
					       {0x3FFE8100, sizeof other_data, other_data}};
	uint8_t base[32], x[32];
	identity_of(segs, 2, 0x4010C504, base);
	identity_of(segs, 2, 0x4010C508, x);
	assert_memory_not_equal(base, x, 32);
	identity_of(moved, 2, 0x4010C504, x);
	assert_memory_not_equal(base, x, 32);
	identity_of(swapped, 2, 0x4010C504, x);
	assert_memory_not_equal(base, x, 32);
	identity_of(changed, 2, 0x4010C504, x);
	assert_memory_not_equal(base, x, 32);
	identity_of(segs, 1, 0x4010C504, x);
	assert_memory_not_equal(base, x, 32);
}

/* The embedded blob: present exactly when the build had the cross compiler; its SHA-256 is
 * its identity; text in IRAM from 0x4010C500, data in DRAM at 0x3FFFACA8, the entry at
 * the start of the text, every segment a whole number of words (MEM_DATA needs it). */
static void test_builtin(void **state)
{
	const struct stub_blob *blob = stub_blob_builtin();
#if STUB_BLOB_EXPECTED
	assert_non_null(blob);
	uint8_t id[32];
	stub_blob_identity(blob->segments, blob->n_segments, blob->entry, id);
	assert_memory_equal(id, blob->sha256, 32);
	assert_int_equal(blob->n_segments, 2);
	const struct stub_segment *code = &blob->segments[0], *vars = &blob->segments[1];
	assert_int_equal(code->addr, 0x4010C500);
	assert_true(code->size > 1000 && code->addr + code->size <= 0x40110000u);
	/* where esptool's stubs upload their data (ld/stub.ld) */
	assert_int_equal(vars->addr, 0x3FFFACA8);
	assert_true(vars->size > 0 && vars->addr + vars->size <= 0x3FFFB20Cu);
	assert_true(blob->entry > code->addr && blob->entry < code->addr + 16);
	assert_int_equal(code->size % 4, 0);
	assert_int_equal(vars->size % 4, 0);
	assert_true(stub_blob_builtin() == blob);
#else
	assert_null(blob);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identity_layout),
	    cmocka_unit_test(test_identity_sensitive),
	    cmocka_unit_test(test_builtin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
