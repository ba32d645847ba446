/* SPDX-License-Identifier: MIT
 * Boot check against the virtual board: hard-reset a sim:// board into flash boot, listen
 * with bootlog_listen() at 74880 baud, and judge what its ROM printed for the image at 0x0
 * (a good image, a corrupt one, an erased flash). Virtual clock: deterministic and fast. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bootlog/bootlog.h"
#include "bootlog/listen.h"
#include "core/util.h"
#include "link/link.h"

#define FLASH_BYTES (1u << 20)

/* A v1 image (reference §7.2) with three segments like boot_v1.x: IRAM then two DRAM. */
static size_t make_image(uint8_t *f)
{
	static const uint32_t addrs[3] = {0x40100000, 0x3ffe8000, 0x3ffe8020};
	static const uint32_t lens[3] = {64, 32, 16};
	f[0] = 0xE9;
	f[1] = 3;
	f[2] = 0;    /* qio */
	f[3] = 0x40; /* 4 MiB, 40 MHz */
	put_le32(f + 4, 0x40100004);
	size_t pos = 8;
	uint8_t csum = 0xEF;
	for (int s = 0; s < 3; s++) {
		put_le32(f + pos, addrs[s]);
		put_le32(f + pos + 4, lens[s]);
		pos += 8;
		for (uint32_t i = 0; i < lens[s]; i++) {
			f[pos] = (uint8_t)(i * 13 + s);
			csum ^= f[pos++];
		}
	}
	pos |= 15; /* zero padding to a 16-byte boundary, then the checksum byte */
	f[pos] = csum;
	return pos;
}

struct fixture {
	char flash[512];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	const char *tmp = getenv("TMPDIR");
	snprintf(fx->flash, sizeof fx->flash, "%s/espdeck-bootcheck-XXXXXX", tmp ? tmp : P_tmpdir);
	int fd = mkstemp(fx->flash);
	if (fd < 0)
		return -1;
	close(fd);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	unlink(fx->flash);
	free(fx);
	return 0;
}

static void write_flash(const char *path, bool with_image, bool corrupt)
{
	uint8_t *f = malloc(FLASH_BYTES);
	assert_non_null(f);
	memset(f, 0xFF, FLASH_BYTES);
	if (with_image) {
		memset(f, 0, 256);
		size_t csum_at = make_image(f);
		if (corrupt)
			f[csum_at - 20] ^= 0x40; /* one flipped bit in the last segment */
	}
	assert_int_equal(ed_write_file_atomic(path, f, FLASH_BYTES, NULL), ED_OK);
	free(f);
}

/* Resets the board the way esptool's hard_reset does (bootlog_hard_reset) and returns what was
 * heard in the following second. */
static struct bootlog *boot_and_listen(const char *flash_path)
{
	char spec[700];
	snprintf(spec, sizeof spec, "sim://?boot-log=1&clock=virtual&flash=%s", flash_path);
	struct link *l;
	struct ed_error err;
	assert_int_equal(link_open(spec, NULL, &l, &err), ED_OK);
	assert_int_equal(bootlog_hard_reset(l, &err), ED_OK);
	struct bootlog *log;
	assert_int_equal(bootlog_create(&log, NULL, NULL, &err), ED_OK);
	struct bootlog_listen_options o = BOOTLOG_LISTEN_DEFAULT;
	o.duration_us = 1000000;
	assert_int_equal(bootlog_listen(l, log, &o, &err), ED_OK);
	link_close(l);
	return log;
}

static void test_good_image_boots(void **state)
{
	struct fixture *fx = *state;
	write_flash(fx->flash, true, false);
	struct bootlog *log = boot_and_listen(fx->flash);
	const struct bootlog_facts *f = bootlog_facts(log);
	assert_int_equal(f->banners, 1);
	assert_int_equal(f->rst_cause, 2);
	assert_int_equal(f->boot_mode, 3);
	assert_int_equal(f->segment_count, 3);
	assert_int_equal(f->segments[0].addr, 0x40100000);
	assert_int_equal(f->segments[0].len, 64);
	assert_int_equal(f->segments[2].addr, 0x3ffe8020);
	assert_int_equal(f->csum_state, BOOTLOG_CSUM_OK);
	assert_int_equal(f->garbage_bytes, 0); /* heard at the ROM's own 74880 baud */
	char reason[300];
	struct bootlog_rules rules = {0};
	assert_int_equal(bootlog_rules_add(&rules, "csum ok; boot mode flash; rst cause 2", NULL),
			 ED_OK);
	assert_int_equal(bootlog_judge(f, &rules, reason, sizeof reason), BOOTLOG_BOOTED);
	assert_int_equal(bootlog_judge(f, NULL, reason, sizeof reason), BOOTLOG_BOOTED);
	assert_non_null(strstr(reason, "the ROM loaded 3 segments with a good checksum"));
	bootlog_destroy(log);
}

static void test_corrupt_image_is_not_booted(void **state)
{
	struct fixture *fx = *state;
	write_flash(fx->flash, true, true);
	struct bootlog *log = boot_and_listen(fx->flash);
	const struct bootlog_facts *f = bootlog_facts(log);
	assert_int_equal(f->csum_state, BOOTLOG_CSUM_ERR);
	assert_true(f->rom_stopped);
	char reason[300];
	assert_int_equal(bootlog_judge(f, NULL, reason, sizeof reason), BOOTLOG_NOT_BOOTED);
	assert_non_null(strstr(reason, "the ROM reported csum err"));
	bootlog_destroy(log);
}

static void test_erased_flash_is_not_booted(void **state)
{
	struct fixture *fx = *state;
	write_flash(fx->flash, false, false);
	struct bootlog *log = boot_and_listen(fx->flash);
	char reason[300];
	assert_int_equal(bootlog_judge(bootlog_facts(log), NULL, reason, sizeof reason),
			 BOOTLOG_NOT_BOOTED);
	assert_non_null(strstr(reason, "the ROM could not read the flash"));
	bootlog_destroy(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_good_image_boots, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_image_is_not_booted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_erased_flash_is_not_booted, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
