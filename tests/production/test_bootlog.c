/* SPDX-License-Identifier: MIT
 * Unit tests of the boot-log decoder and verdicts, on recorded logs (tests/production/data,
 * written from the public facts of the ROM's and boot_v1.x's output). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootlog/bootlog.h"
#include "config.h"
#include "core/util.h"

struct capture {
	size_t count;
	enum bootlog_kind kinds[256];
	char explain[256][160];
	char text[256][128];
};

static void on_line(void *user, const struct bootlog_line *line)
{
	struct capture *c = user;
	if (c->count < 256) {
		c->kinds[c->count] = line->kind;
		snprintf(c->explain[c->count], sizeof c->explain[0], "%s", line->explain);
		snprintf(c->text[c->count], sizeof c->text[0], "%s", line->text);
	}
	c->count++;
}

static uint8_t *load(const char *name, size_t *len)
{
	const char *root = getenv("ESPDECK_SOURCE_ROOT");
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/production/data/%s",
		 root ? root : ESPDECK_SOURCE_ROOT, name);
	uint8_t *data = NULL;
	struct ed_error err;
	assert_int_equal(ed_read_file(path, &data, len, 1 << 20, &err), ED_OK);
	return data;
}

/* Decodes a whole log in chunks of `chunk` bytes (0 = random sizes, fixed seed). */
static struct bootlog *decode(const char *name, size_t chunk, struct capture *cap)
{
	size_t len;
	uint8_t *data = load(name, &len);
	struct bootlog *log;
	memset(cap, 0, sizeof *cap);
	assert_int_equal(bootlog_create(&log, on_line, cap, NULL), ED_OK);
	unsigned seed = 7;
	for (size_t off = 0; off < len;) {
		size_t n = chunk;
		if (!n) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 16) % 17;
		}
		if (n > len - off)
			n = len - off;
		bootlog_feed(log, data + off, n);
		off += n;
	}
	bootlog_finish(log);
	free(data);
	return log;
}

static enum bootlog_verdict judge(struct bootlog *log, const char *rules_text, char *reason)
{
	struct bootlog_rules rules = {0};
	struct ed_error err;
	assert_int_equal(bootlog_rules_add(&rules, rules_text, &err), ED_OK);
	return bootlog_judge(bootlog_facts(log), &rules, reason, 300);
}

static void test_sdk_boot_user1(void **state)
{
	struct capture cap;
	struct bootlog *log = decode("sdk-boot-user1.log", 4096, &cap);
	const struct bootlog_facts *f = bootlog_facts(log);
	assert_int_equal(f->banners, 1);
	assert_int_equal(f->rst_cause, 2);
	assert_int_equal(f->boot_mode, 3);
	assert_int_equal(f->boot_mode_aux, 6);
	assert_int_equal(f->segment_count, 3);
	assert_int_equal(f->segments[0].addr, 0x40100000);
	assert_int_equal(f->segments[0].len, 2408);
	assert_int_equal(f->segments[0].room, 16);
	assert_int_equal(f->segments[0].tail, 8);
	assert_int_equal(f->segments[0].chksum, 0xe5);
	assert_int_equal(f->segments[2].addr, 0x3ffe8310);
	assert_int_equal(f->csum, 0xd8);
	assert_int_equal(f->csum_state, BOOTLOG_CSUM_OK);
	assert_string_equal(f->boot_version, "1.6");
	assert_string_equal(f->spi_speed, "40MHz");
	assert_string_equal(f->spi_mode, "QIO");
	assert_string_equal(f->spi_size, "32Mbit(1024KB+1024KB)");
	assert_int_equal(f->jump_user, 1);
	assert_int_equal(f->jump_addr, 0x1000);
	assert_true(f->garbage_bytes > 200);
	assert_false(f->rom_stopped);

	/* The banner is the first non-blank line and explains itself. */
	assert_int_equal(cap.kinds[0], BOOTLOG_BLANK);
	assert_int_equal(cap.kinds[1], BOOTLOG_ROM_BANNER);
	assert_string_equal(cap.explain[1],
			    "reset cause 2 (external reset, EN/RST pin), boot mode 3 (flash boot)");
	assert_int_equal(cap.kinds[3], BOOTLOG_ROM_LOAD);
	assert_string_equal(cap.explain[3], "segment 1: 2408 bytes to 0x40100000 (IRAM)");
	assert_int_equal(cap.kinds[cap.count - 1], BOOTLOG_GARBAGE);

	char reason[300];
	assert_int_equal(judge(log, "", reason), BOOTLOG_BOOTED);
	assert_string_equal(reason, "the boot loader v1.6 jumped to user1");
	assert_int_equal(judge(log, "jump to run user1", reason), BOOTLOG_BOOTED);
	assert_string_equal(reason, "the expectation held: jump to run user1");
	assert_int_equal(
	    judge(log, "Jump to run user1; csum ok; spi mode qio; boot version 1.6", reason),
	    BOOTLOG_BOOTED);
	assert_string_equal(reason, "all 4 expectations held: Jump to run user1; csum ok; "
				    "spi mode qio; boot version 1.6");
	assert_int_equal(judge(log, "jump to run user2", reason), BOOTLOG_NOT_BOOTED);
	assert_string_equal(reason,
			    "expected 'jump to run user2', but the boot loader jumped to user1");
	assert_int_equal(judge(log, "spi mode dio", reason), BOOTLOG_NOT_BOOTED);
	assert_string_equal(reason, "expected 'spi mode dio', but SPI mode is QIO");
	assert_int_equal(
	    judge(log, "spi size 32Mbit(1024KB+1024KB)\nrst cause 2\nno reset", reason),
	    BOOTLOG_BOOTED);
	bootlog_destroy(log);
}

/* The same facts and lines whatever the chunking (bytes split inside CR LF and lines). */
static void test_chunking_is_invisible(void **state)
{
	static const char *const logs[] = {
	    "sdk-boot-user1.log", "csum-err.log",   "download-mode.log", "sdk-boot-v12.log",
	    "watchdog-loop.log",  "direct-app.log", "wrong-baud.log"};
	for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++) {
		struct capture *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b),
			       *c = calloc(1, sizeof *c);
		struct bootlog *whole = decode(logs[i], 1 << 20, a);
		struct bootlog *bytes = decode(logs[i], 1, b);
		struct bootlog *random = decode(logs[i], 0, c);
		assert_memory_equal(bootlog_facts(whole), bootlog_facts(bytes),
				    sizeof(struct bootlog_facts));
		assert_memory_equal(bootlog_facts(whole), bootlog_facts(random),
				    sizeof(struct bootlog_facts));
		assert_int_equal(a->count, b->count);
		assert_int_equal(a->count, c->count);
		for (size_t k = 0; k < a->count && k < 256; k++) {
			assert_int_equal(a->kinds[k], c->kinds[k]);
			assert_string_equal(a->text[k], c->text[k]);
		}
		bootlog_destroy(whole);
		bootlog_destroy(bytes);
		bootlog_destroy(random);
		free(a);
		free(b);
		free(c);
	}
}

static void test_csum_err(void **state)
{
	struct capture cap;
	size_t len;
	uint8_t *data = load("csum-err.log", &len);
	struct bootlog *log;
	memset(&cap, 0, sizeof cap);
	assert_int_equal(bootlog_create(&log, on_line, &cap, NULL), ED_OK);
	bootlog_feed(log, data, len);
	/* "ets_main.c " has no line end: only finishing the capture completes it. */
	assert_false(bootlog_facts(log)->rom_stopped);
	bootlog_finish(log);
	free(data);
	const struct bootlog_facts *f = bootlog_facts(log);
	assert_true(f->rom_stopped);
	assert_int_equal(f->csum_state, BOOTLOG_CSUM_ERR);
	assert_int_equal(f->csum, 0x5a);
	assert_int_equal(f->jump_user, -1);
	assert_int_equal(cap.kinds[cap.count - 1], BOOTLOG_ROM_STOP);
	assert_int_equal(cap.kinds[cap.count - 2], BOOTLOG_ROM_CSUM_ERR);
	char reason[300];
	/* The chip's own failure decides even when a rule would otherwise be asked. */
	assert_int_equal(judge(log, "jump to run user1", reason), BOOTLOG_NOT_BOOTED);
	assert_string_equal(reason, "the ROM reported csum err after 3 segments: the image at 0x0 "
				    "is corrupt or missing; write the boot loader again (check "
				    "--flash_mode)");
	assert_int_equal(judge(log, "", reason), BOOTLOG_NOT_BOOTED);
	bootlog_destroy(log);
}

static void test_download_mode(void **state)
{
	struct capture cap;
	struct bootlog *log = decode("download-mode.log", 5, &cap);
	const struct bootlog_facts *f = bootlog_facts(log);
	assert_true(f->waiting_for_host);
	assert_int_equal(f->boot_mode, 1);
	assert_int_equal(f->boot_mode_aux, 7);
	char reason[300];
	assert_int_equal(judge(log, "", reason), BOOTLOG_NOT_BOOTED);
	assert_string_equal(reason, "the board started in UART download mode (boot mode 1): GPIO0 "
				    "was low at reset; release it and reset the board");
	/* A preset that checks the loader is waiting says so. */
	assert_int_equal(judge(log, "boot mode uart", reason), BOOTLOG_BOOTED);
	assert_int_equal(judge(log, "boot mode 1", reason), BOOTLOG_BOOTED);
	bootlog_destroy(log);
}

static void test_old_boot_loader_and_user2(void **state)
{
	struct capture cap;
	struct bootlog *log = decode("sdk-boot-v12.log", 3, &cap);
	const struct bootlog_facts *f = bootlog_facts(log);
	assert_string_equal(f->boot_version, "1.2");
	assert_string_equal(f->spi_mode, "DIO");
	assert_string_equal(f->spi_size, "8Mbit");
	assert_int_equal(f->jump_user, 1);
	assert_int_equal(f->jump_addr, -1); /* boot_v1.2 prints no address */
	assert_int_equal(f->rst_cause, 1);
	assert_int_equal(f->segment_count, 3);
	char reason[300];
	assert_int_equal(judge(log, "jump to run", reason), BOOTLOG_BOOTED);
	assert_int_equal(judge(log, "boot version 1.6", reason), BOOTLOG_NOT_BOOTED);
	assert_string_equal(reason, "expected 'boot version 1.6', but boot loader version is 1.2");
	bootlog_destroy(log);

	log = decode("sdk-boot-user2.log", 64, &cap);
	assert_int_equal(bootlog_facts(log)->jump_user, 2);
	assert_int_equal(bootlog_facts(log)->jump_addr, 0x101000);
	assert_int_equal(judge(log, "jump to run user2", reason), BOOTLOG_BOOTED);
	bootlog_destroy(log);
}

static void test_watchdog_loop(void **state)
{
	struct capture cap;
	struct bootlog *log = decode("watchdog-loop.log", 100, &cap);
	const struct bootlog_facts *f = bootlog_facts(log);
	assert_int_equal(f->banners, 2);
	assert_int_equal(f->first_rst_cause, 2);
	assert_int_equal(f->rst_cause, 4);
	char reason[300];
	assert_int_equal(judge(log, "", reason), BOOTLOG_NOT_BOOTED);
	assert_string_equal(
	    reason, "the hardware watchdog reset the board after it started (1 resets seen)");
	bootlog_destroy(log);
}

static void test_direct_app_and_text_rule(void **state)
{
	struct capture cap;
	struct bootlog *log = decode("direct-app.log", 2, &cap);
	const struct bootlog_facts *f = bootlog_facts(log);
	assert_int_equal(f->segment_count, 1);
	assert_string_equal(f->boot_version, "");
	assert_int_equal(f->app_lines, 4);
	char reason[300];
	assert_int_equal(judge(log, "", reason), BOOTLOG_BOOTED);
	assert_string_equal(reason, "the ROM loaded 1 segment with a good checksum (0xb0)");
	assert_int_equal(judge(log, "csum ok; text Ready", reason), BOOTLOG_BOOTED);
	assert_int_equal(judge(log, "text WiFi connected", reason), BOOTLOG_NOT_BOOTED);
	assert_string_equal(reason, "expected 'text WiFi connected', but no application line "
				    "contained 'WiFi connected'");
	assert_int_equal(judge(log, "jump to run user1", reason), BOOTLOG_NOT_BOOTED);
	assert_string_equal(reason, "expected 'jump to run user1', but the boot loader never "
				    "jumped to a user image");
	bootlog_destroy(log);
}

static void test_flash_read_err_and_garbage(void **state)
{
	struct capture cap;
	char reason[300];
	struct bootlog *log = decode("flash-read-err.log", 1, &cap);
	assert_true(bootlog_facts(log)->flash_read_err);
	assert_int_equal(judge(log, "", reason), BOOTLOG_NOT_BOOTED);
	assert_non_null(strstr(reason, "could not read the flash (flash read err, 0)"));
	bootlog_destroy(log);

	log = decode("wrong-baud.log", 33, &cap);
	assert_int_equal(bootlog_facts(log)->banners, 0);
	assert_int_equal(judge(log, "", reason), BOOTLOG_UNKNOWN);
	assert_string_equal(reason, "400 bytes arrived but no boot log: mostly unreadable, so the "
				    "baud rate is wrong (the ROM prints at 74880)");
	/* Rules cannot be judged on noise either. */
	assert_int_equal(judge(log, "jump to run user1", reason), BOOTLOG_UNKNOWN);
	for (size_t i = 0; i < cap.count; i++)
		assert_int_equal(cap.kinds[i], BOOTLOG_GARBAGE);
	bootlog_destroy(log);

	assert_int_equal(bootlog_create(&log, NULL, NULL, NULL), ED_OK);
	bootlog_finish(log);
	assert_int_equal(judge(log, "", reason), BOOTLOG_UNKNOWN);
	assert_string_equal(
	    reason, "nothing was received: is the board powered, reset, and the port right?");
	bootlog_destroy(log);
}

static void test_banner_after_noise_and_lone_lf(void **state)
{
	static const char text[] = "\xfc\x12\x8c ets Jan  8 2013,rst cause:1, boot mode:(3,0)\n"
				   "\nload 0x40100000, len 1856, room 16\ncsum 0x63\n";
	struct capture cap = {0};
	struct bootlog *log;
	assert_int_equal(bootlog_create(&log, on_line, &cap, NULL), ED_OK);
	bootlog_feed(log, (const uint8_t *)text, sizeof text - 1);
	const struct bootlog_facts *f = bootlog_facts(log);
	assert_int_equal(f->rst_cause, 1);
	assert_int_equal(f->boot_mode, 3);
	assert_int_equal(cap.count, 4);
	assert_int_equal(cap.kinds[0], BOOTLOG_ROM_BANNER);
	assert_string_equal(cap.text[0],
			    "\\xfc\\x12\\x8c ets Jan  8 2013,rst cause:1, boot mode:(3,0)");
	assert_int_equal(cap.kinds[1], BOOTLOG_BLANK);
	bootlog_destroy(log);
}

static void test_application_lines_after_the_jump(void **state)
{
	static const char text[] = " ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n"
				   "load 0x40100000, len 2408, room 16 \r\ncsum 0xd8\r\n"
				   "2nd boot version : 1.6\r\njump to run user2 @ 101000\r\n"
				   "csum err\r\njump to run user1 @ 1000\r\nREADY\r\n";
	struct capture cap = {0};
	struct bootlog *log;
	assert_int_equal(bootlog_create(&log, on_line, &cap, NULL), ED_OK);
	bootlog_feed(log, (const uint8_t *)text, sizeof text - 1);
	const struct bootlog_facts *f = bootlog_facts(log);
	/* The application printing ROM-like words changes nothing. */
	assert_int_equal(f->csum_state, BOOTLOG_CSUM_OK);
	assert_int_equal(f->jump_user, 2);
	assert_int_equal(f->app_lines, 3);
	assert_string_equal(f->app_text, "csum err\njump to run user1 @ 1000\nREADY\n");
	assert_int_equal(cap.kinds[cap.count - 3], BOOTLOG_TEXT);
	char reason[300];
	struct bootlog_rules rules = {0};
	assert_int_equal(bootlog_rules_add(&rules, "jump to run user2; text READY", NULL), ED_OK);
	assert_int_equal(bootlog_judge(f, &rules, reason, sizeof reason), BOOTLOG_BOOTED);
	bootlog_destroy(log);
}

static void test_rule_errors(void **state)
{
	struct bootlog_rules rules = {0};
	struct ed_error err;
	assert_int_equal(bootlog_rules_add(&rules, "jump to run user3", &err), ED_ERR_ARG);
	assert_non_null(strstr(err.msg, "unknown boot rule 'jump to run user3'; known rules: "));
	assert_int_equal(bootlog_rules_add(&rules, "csum ok; booted please", &err), ED_ERR_ARG);
	assert_non_null(strstr(err.msg, "unknown boot rule 'booted please'"));
	assert_int_equal(bootlog_rules_add(&rules, "boot mode 9", &err), ED_ERR_ARG);
	assert_int_equal(bootlog_rules_add(&rules, "text", &err), ED_ERR_ARG);
	assert_int_equal(bootlog_rules_add(&rules, "csum ok please", &err), ED_ERR_ARG);
	rules.count = 0;
	assert_int_equal(bootlog_rules_add(&rules, " ; \n", &err), ED_OK);
	assert_int_equal(rules.count, 0);
	for (int i = 0; i < BOOTLOG_MAX_RULES; i++)
		assert_int_equal(bootlog_rules_add(&rules, "csum ok", &err), ED_OK);
	assert_int_equal(bootlog_rules_add(&rules, "csum ok", &err), ED_ERR_ARG);
	assert_string_equal(err.msg, "too many boot rules (at most 16)");
}

static void test_names(void **state)
{
	assert_string_equal(bootlog_verdict_name(BOOTLOG_BOOTED), "booted");
	assert_string_equal(bootlog_verdict_name(BOOTLOG_NOT_BOOTED), "not booted");
	assert_string_equal(bootlog_verdict_name(BOOTLOG_UNKNOWN), "unknown");
	assert_string_equal(bootlog_rst_cause_name(4), "hardware watchdog");
	assert_string_equal(bootlog_boot_mode_name(5), "SDIO boot");
	assert_string_equal(bootlog_region_name(0x3ffe8000), "DRAM");
	assert_string_equal(bootlog_kind_name(BOOTLOG_BOOT_JUMP), "boot-jump");
}

/* Noise and damaged logs never crash the decoder and keep its counts consistent. */
static void test_noise_and_mutations(void **state)
{
	size_t len;
	uint8_t *good = load("sdk-boot-user1.log", &len);
	uint8_t *copy = malloc(len);
	unsigned seed = 8266;
	for (int round = 0; round < 2000; round++) {
		memcpy(copy, good, len);
		for (int k = 0; k < 1 + round % 9; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			copy[at] = (uint8_t)(seed >> 16);
		}
		struct bootlog *log;
		assert_int_equal(bootlog_create(&log, NULL, NULL, NULL), ED_OK);
		for (size_t off = 0; off < len;) {
			seed = seed * 1103515245u + 12345u;
			size_t n = 1 + (seed >> 16) % 64;
			if (n > len - off)
				n = len - off;
			bootlog_feed(log, copy + off, n);
			off += n;
		}
		bootlog_finish(log);
		const struct bootlog_facts *f = bootlog_facts(log);
		assert_true(f->garbage_bytes <= f->total_bytes);
		assert_int_equal(f->total_bytes, len);
		assert_true(f->banners <= 2);
		char reason[300];
		enum bootlog_verdict v = bootlog_judge(f, NULL, reason, sizeof reason);
		assert_true(v == BOOTLOG_BOOTED || v == BOOTLOG_NOT_BOOTED || v == BOOTLOG_UNKNOWN);
		assert_true(reason[0] != '\0');
		bootlog_destroy(log);
	}
	/* A long run without line ends is split, never overflowing the line buffer. */
	struct capture *cap = calloc(1, sizeof *cap);
	struct bootlog *log;
	assert_int_equal(bootlog_create(&log, on_line, cap, NULL), ED_OK);
	uint8_t run[1000];
	memset(run, 'A', sizeof run);
	bootlog_feed(log, run, sizeof run);
	bootlog_finish(log);
	assert_int_equal(cap->count, 5); /* 240 + 240 + 240 + 240 + 40 */
	assert_int_equal(cap->kinds[0], BOOTLOG_TEXT);
	bootlog_destroy(log);
	free(cap);
	free(copy);
	free(good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sdk_boot_user1),
	    cmocka_unit_test(test_chunking_is_invisible),
	    cmocka_unit_test(test_csum_err),
	    cmocka_unit_test(test_download_mode),
	    cmocka_unit_test(test_old_boot_loader_and_user2),
	    cmocka_unit_test(test_watchdog_loop),
	    cmocka_unit_test(test_direct_app_and_text_rule),
	    cmocka_unit_test(test_flash_read_err_and_garbage),
	    cmocka_unit_test(test_banner_after_noise_and_lone_lf),
	    cmocka_unit_test(test_application_lines_after_the_jump),
	    cmocka_unit_test(test_rule_errors),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_noise_and_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
