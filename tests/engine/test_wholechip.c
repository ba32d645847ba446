/* SPDX-License-Identifier: MIT
 * Exit 0 means the flash is right (issue 11) on the whole chip, and the stub engine under
 * bad conditions (issue 13), against the in-process virtual board (sim://, fast timing,
 * virtual clock) on a 4 MiB image full of data, so any stray erase or write shows:
 *   - the whole-chip check (job spec chip_check): a clean run passes; a FLASH_DEFL_BEGIN
 *     or ERASE_REGION whose address is damaged on the wire changes flash elsewhere, and
 *     the check names the sectors (or the part of a sector outside the file);
 *   - ROM mode: a flash attach (FLASH_BEGIN 0, 0) damaged in its erase size on a noisy
 *     line erases from 0x0: the job fails and names it;
 *   - the stub at every stage (upload, baud change, compressed data, end, MD5, read): a
 *     frame lost or damaged in either direction, a board that resets, a stub that hangs,
 *     a port that vanishes: ED_OK only with the flash exactly right, else an error that
 *     says what was and was not written, and nothing outside the file changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "job/job.h"
#include "stub/stub_blob.h"

#define FLASH  (4u << 20)
#define SECTOR 4096u

static char g_dir[64] = "/tmp/espdeck-wholechip-XXXXXX";
static bool g_real_timing; /* the board's erase and wire times (on the virtual clock) */
static char g_img[128], g_dump[128];
static uint8_t *g_background;

static void pattern(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(g_dir));
	snprintf(g_img, sizeof g_img, "%s/flash.img", g_dir);
	snprintf(g_dump, sizeof g_dump, "%s/dump.bin", g_dir);
	g_background = malloc(FLASH);
	pattern(g_background, FLASH, 91);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(g_img);
	unlink(g_dump);
	rmdir(g_dir);
	free(g_background);
	return 0;
}

static void reset_image(void)
{
	FILE *f = fopen(g_img, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(g_background, 1, FLASH, f), FLASH);
	assert_int_equal(fclose(f), 0);
}

static uint8_t *read_image(void)
{
	uint8_t *img = malloc(FLASH);
	FILE *f = fopen(g_img, "rb");
	assert_non_null(f);
	assert_int_equal(fread(img, 1, FLASH, f), FLASH);
	fclose(f);
	return img;
}

struct outcome {
	int rc;
	char text[800]; /* the result: summary or error */
	char log[8192]; /* every log line */
};

/* One job on a fresh board (the background image) with the given faults. */
static void run(const char *faults, bool stub, bool chip_check, struct job_step *steps,
		size_t nsteps, struct outcome *o)
{
	memset(o, 0, sizeof *o);
	reset_image();
	char port[512];
	snprintf(port, sizeof port, "sim://?%sclock=virtual&unchecked&flash=%s%s%s",
		 g_real_timing ? "" : "fast&", g_img, faults[0] ? "&fault=" : "", faults);
	struct job_spec spec = {.port = port,
				.baud = 921600,
				.stub = stub,
				.chip_check = chip_check,
				.after = JOB_AFTER_NO_RESET,
				.flash_mode = "keep",
				.flash_size = "keep",
				.flash_freq = "keep",
				.steps = steps,
				.step_count = nsteps};
	struct job *job;
	struct ed_error err;
	assert_int_equal(job_start(&spec, &job, &err), ED_OK);
	for (bool done = false; !done;) {
		struct pollfd pfd = {job_wake_fd(job), POLLIN, 0};
		poll(&pfd, 1, 1000);
		job_drain_wake(job);
		struct job_event ev;
		while (job_next_event(job, &ev)) {
			size_t n = strlen(o->log);
			if (ev.kind == JOB_EVENT_LOG && n + strlen(ev.text) + 2 < sizeof o->log)
				snprintf(o->log + n, sizeof o->log - n, "%s\n", ev.text);
			if (ev.kind == JOB_EVENT_RESULT) {
				snprintf(o->text, sizeof o->text, "%s", ev.text);
				done = true;
			}
		}
	}
	o->rc = job_wait(job, &err);
	job_destroy(job);
}

static uint8_t g_data[20000];

static void run_write(const char *faults, bool stub, bool chip_check, uint32_t offset,
		      uint32_t size, struct outcome *o)
{
	pattern(g_data, sizeof g_data, 5);
	struct job_step step = {.kind = JOB_STEP_WRITE,
				.offset = offset,
				.size = size,
				.data = g_data,
				.name = "app.bin"};
	run(faults, stub, chip_check, &step, 1, o);
}

/* First byte outside [lo, hi) that differs from the background, or -1. */
static long changed_outside(const uint8_t *img, uint32_t lo, uint32_t hi)
{
	for (uint32_t i = 0; i < FLASH; i++)
		if ((i < lo || i >= hi) && img[i] != g_background[i])
			return (long)i;
	return -1;
}

/* --- the whole-chip check ------------------------------------------------------------ */

static void test_chip_check_clean(void **state)
{
	(void)state;
	struct outcome o;
	run_write("", true, true, 0x10000, sizeof g_data, &o);
	if (o.rc != ED_OK)
		fail_msg("%s", o.text);
	assert_non_null(strstr(o.log, "Mapped 4096 KiB of flash by per-sector MD5"));
	assert_non_null(strstr(o.log, "Whole-chip check: nothing outside the files changed"));
	uint8_t *img = read_image();
	assert_memory_equal(img + 0x10000, g_data, sizeof g_data);
	assert_int_equal(changed_outside(img, 0x10000, 0x10000 + sizeof g_data), -1);
	free(img);
}

/* FLASH_DEFL_BEGIN's offset with bit 18 flipped: the stub writes the file at 0x50000 too.
 * The write repairs its range, and only the whole-chip check says where the damage is. */
static void test_chip_check_names_misplaced_write(void **state)
{
	(void)state;
	struct outcome o;
	run_write("hdr-flip=FLASH_DEFL_BEGIN:#1:178", true, true, 0x10000, sizeof g_data, &o);
	assert_int_equal(o.rc, ED_ERR_VERIFY);
	assert_non_null(strstr(o.text, "OUTSIDE"));
	assert_non_null(strstr(o.text, "0x050000..0x054fff (5 sectors)"));
	uint8_t *img = read_image();
	assert_memory_equal(img + 0x10000, g_data, sizeof g_data);
	assert_int_equal(changed_outside(img, 0x10000, 0x10000 + sizeof g_data), 0x50000);
	free(img);
	/* without the check the same damage is only suspected, not located */
	run_write("hdr-flip=FLASH_DEFL_BEGIN:#1:178", true, false, 0x10000, sizeof g_data, &o);
	assert_int_equal(o.rc, ED_ERR_VERIFY);
	assert_null(strstr(o.text, "0x050000"));
	assert_non_null(strstr(o.text, "--check-chip"));
}

/* Offset bit 11 flipped on a half-sector file: the data lands in the other half of its own
 * sector. The sector's MD5 must change anyway, so the check judges the bytes outside the
 * file by themselves and names exactly them. */
static void test_chip_check_names_part_of_sector(void **state)
{
	(void)state;
	struct outcome o;
	run_write("hdr-flip=FLASH_DEFL_BEGIN:#1:171", true, true, 0x20000, 0x800, &o);
	assert_int_equal(o.rc, ED_ERR_VERIFY);
	assert_non_null(strstr(o.text, "OUTSIDE"));
	assert_non_null(strstr(o.text, "1 sector: 0x020800..0x020fff"));
	uint8_t *img = read_image();
	assert_memory_equal(img + 0x20000, g_data, 0x800);
	assert_int_equal(changed_outside(img, 0x20000, 0x20800), 0x20800);
	free(img);
}

/* ERASE_REGION carries no checksum: its address with bit 20 flipped erases 0x110000. The
 * erase is proven by the region's MD5 (never exit 0), and the check names the sector. */
static void test_erase_region_flip(void **state)
{
	(void)state;
	struct job_step step = {.kind = JOB_STEP_ERASE_REGION, .offset = 0x10000, .size = SECTOR};
	struct outcome o;
	run("addr-flip=ERASE_REGION:#1:20", true, false, &step, 1, &o);
	assert_int_equal(o.rc, ED_ERR_VERIFY);
	assert_non_null(strstr(o.text, "not that of erased flash"));
	run("addr-flip=ERASE_REGION:#1:20", true, true, &step, 1, &o);
	assert_int_equal(o.rc, ED_ERR_VERIFY);
	assert_non_null(strstr(o.text, "1 sector: 0x110000..0x110fff"));
	run("", true, true, &step, 1, &o);
	if (o.rc != ED_OK)
		fail_msg("%s", o.text);
	uint8_t *img = read_image();
	assert_int_equal(changed_outside(img, 0x10000, 0x11000), -1);
	for (uint32_t i = 0x10000; i < 0x11000; i++)
		assert_int_equal(img[i], 0xFF);
	free(img);
}

/* --- ROM mode: the flash attach --------------------------------------------------------- */

/* The attach FLASH_BEGIN(0, 0) with bit 4 of its erase size flipped erases sectors 0 and 1
 * (16 bytes asked: one sector, twice with the ROM's erase bug) and the ROM answers as usual;
 * the line garbles one more frame later. The job must not end in ED_OK, and its error
 * bounds the erase by probes: sector 3 still holds data (campaign seeds 928, 1674). */
static void test_rom_attach_erase_named(void **state)
{
	(void)state;
	struct outcome o;
	run_write("hdr-flip=FLASH_BEGIN:#1:68,late=3500@READ_REG:#5", false, false, 0x10000,
		  sizeof g_data, &o);
	assert_int_not_equal(o.rc, ED_OK);
	if (!strstr(o.text, "flash 0x000000..0x001fff may have been erased"))
		fail_msg("%s", o.text);
	uint8_t *img = read_image();
	assert_int_equal(changed_outside(img, 0x10000, 0x10000 + sizeof g_data), 0);
	assert_int_equal(changed_outside(img, 0x0, 0x15000),
			 -1); /* ROM mode erases whole sectors */
	free(img);
	/* the same noise without the damaged attach: sector 0 still holds data, proven */
	run_write("late=3500@READ_REG:#5", false, false, 0x10000, sizeof g_data, &o);
	if (o.rc != ED_OK)
		fail_msg("%s", o.text);
	assert_non_null(strstr(o.log, "sector 0x000000 still holds data"));
}

/* Bit 18 of the attach's erase size flipped on an otherwise clean line (campaign seed
 * 500027): the ROM erases 0x0..0x4ffff (64 sectors asked, 16 more by its bug) and answers
 * normally, only after the erase. With the board's real erase times the engine sees the
 * late answer against its register round trips; the probes bound the damage. */
static void test_rom_attach_late_named(void **state)
{
	(void)state;
	struct outcome o;
	g_real_timing = true;
	run_write("hdr-flip=FLASH_BEGIN:#1:82", false, false, 0x10000, sizeof g_data, &o);
	g_real_timing = false;
	assert_int_not_equal(o.rc, ED_OK);
	if (!strstr(o.text, "flash 0x000000..0x04ffff may have been erased") ||
	    !strstr(o.text, "later than a register read"))
		fail_msg("%s", o.text);
	assert_non_null(strstr(o.log, "the ROM's flash attach (FLASH_BEGIN 0, 0) answered"));
	uint8_t *img = read_image();
	assert_int_equal(changed_outside(img, 0x10000, 0x10000 + sizeof g_data), 0);
	assert_int_equal(changed_outside(img, 0x0, 0x50000), -1);
	free(img);
}

/* The same late attach when the job rewrites what it erased: a flip of bit 4 erases sectors
 * 0 and 1, the file covers 0x0..0x4e1f, and sector 5, which the job did not write, still
 * holds data: nothing outside the file was lost, exit 0 with the proof in the log. */
static void test_rom_attach_late_rewritten(void **state)
{
	(void)state;
	struct outcome o;
	g_real_timing = true;
	run_write("hdr-flip=FLASH_BEGIN:#1:68", false, false, 0x0, sizeof g_data, &o);
	g_real_timing = false;
	if (o.rc != ED_OK)
		fail_msg("%s", o.text);
	assert_non_null(strstr(o.log, "answered"));
	assert_non_null(strstr(o.log, "sector 0x005000 still holds data"));
	uint8_t *img = read_image();
	assert_memory_equal(img, g_data, sizeof g_data);
	assert_int_equal(changed_outside(img, 0x0, 0x5000), -1);
	free(img);
}

/* A clean ROM-mode write with real erase and wire times: the attach answers in one round
 * trip, no hazard, no probe. */
static void test_rom_attach_clean_timing(void **state)
{
	(void)state;
	struct outcome o;
	g_real_timing = true;
	run_write("", false, false, 0x10000, sizeof g_data, &o);
	g_real_timing = false;
	if (o.rc != ED_OK)
		fail_msg("%s", o.text);
	assert_null(strstr(o.log, "may have been erased"));
	assert_null(strstr(o.log, "still holds data"));
	uint8_t *img = read_image();
	assert_memory_equal(img + 0x10000, g_data, sizeof g_data);
	assert_int_equal(changed_outside(img, 0x10000, 0x15000), -1);
	free(img);
}

/* --- the stub under bad conditions (issue 13) ----------------------------------------- */

struct bad_case {
	const char *faults;
	bool must_pass; /* the protocol allows a retry: the write must succeed */
};

/* Each: exit 0 only with the file in place and nothing else changed; a failure says what
 * was and was not written and changed nothing outside the file. */
static void check_write_case(const struct bad_case *c)
{
	struct outcome o;
	run_write(c->faults, true, false, 0x10000, sizeof g_data, &o);
	uint8_t *img = read_image();
	/* a write in ROM mode (the stub did not start) rewrites whole sectors */
	uint32_t end = (0x10000 + sizeof g_data + SECTOR - 1) / SECTOR * SECTOR;
	long outside = changed_outside(img, 0x10000, end);
	if (outside >= 0)
		fail_msg("%s: flash outside the file changed at 0x%lx: %s", c->faults, outside,
			 o.text);
	if (o.rc == ED_OK) {
		if (memcmp(img + 0x10000, g_data, sizeof g_data))
			fail_msg("%s: exit 0 with the file wrong", c->faults);
		assert_non_null(strstr(o.log, "Wrote 20000 bytes at 0x00010000"));
	} else {
		if (c->must_pass)
			fail_msg("%s: %s", c->faults, o.text);
		if (!strstr(o.text, "not written or incomplete: app.bin@0x10000") &&
		    !strstr(o.text, "the work is done and proven"))
			fail_msg("%s: the error does not say what was written: %s", c->faults,
				 o.text);
	}
	free(img);
}

static void test_stub_write_bad_conditions(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
	    /* upload (to the ROM): a damaged block passes the ROM's checksum, so the code is
	     * not our stub and stays silent: ROM mode; a late answer is waited out */
	    {"data-flip2=MEM_DATA:#1", true},
	    {"late=3000@MEM_DATA:#2", true},
	    /* an answer twice before the stub runs: written and proven, but the job cannot
	     * rule out a damaged ROM command and says so */
	    {"dup-reply=MEM_END:#1", false},
	    /* baud change: the request or its answer lost or damaged */
	    {"lose=CHANGE_BAUDRATE:#1", true},
	    {"reply-flip=CHANGE_BAUDRATE:#1", true},
	    {"hdr-flip=CHANGE_BAUDRATE:#1:75", true},
	    /* the compressed write: begin, data, end, each way */
	    {"lose=FLASH_DEFL_BEGIN:#1", true},
	    {"reply-flip=FLASH_DEFL_BEGIN:#1", true},
	    {"lose=FLASH_DEFL_DATA:#1", true},
	    {"reply-flip=FLASH_DEFL_DATA:#2", true},
	    {"data-flip2=FLASH_DEFL_DATA:#1", true},
	    {"late=5000@FLASH_DEFL_DATA:#1", true},
	    {"lose=FLASH_DEFL_END:#1", true},
	    {"reply-flip=FLASH_DEFL_END:#1", true},
	    /* the MD5 proof */
	    {"lose=SPI_FLASH_MD5:#1", true},
	    {"reply-flip=SPI_FLASH_MD5:#1:100", true},
	    {"late=4000@SPI_FLASH_MD5:#1", true},
	    /* the board resets, the stub hangs, the port vanishes: the one reconnect meets the
	     * same fault on the fresh virtual board, so these end in a clear error */
	    {"reset=FLASH_DEFL_DATA:#1", false},
	    {"hang=FLASH_DEFL_DATA:#2", false},
	    {"reset=SPI_FLASH_MD5:#1", false},
	    {"hang=FLASH_DEFL_END:#1", false},
	    {"disconnect-after=30000", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_write_case(&cases[i]);
}

/* Reads: a lost request, a damaged answer or data packet is read again; a stub that hangs
 * ends in an error and no dump file. */
static void test_stub_read_bad_conditions(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
	    {"lose=READ_FLASH:#1", true},	    {"reply-flip=READ_FLASH:#1:40", true},
	    {"reply-flip=READ_FLASH:#2:250", true}, {"late=4000@READ_FLASH:#1", true},
	    {"hang=READ_FLASH:#1", false},	    {"reset=READ_FLASH:#1", false},
	};
	struct job_step step = {
	    .kind = JOB_STEP_READ, .offset = 0x30000, .size = 0x9000, .path = g_dump};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unlink(g_dump);
		struct outcome o;
		run(cases[i].faults, true, false, &step, 1, &o);
		FILE *f = fopen(g_dump, "rb");
		if (o.rc == ED_OK) {
			assert_non_null(f);
			static uint8_t back[0x9000];
			assert_int_equal(fread(back, 1, sizeof back, f), sizeof back);
			if (memcmp(back, g_background + 0x30000, sizeof back))
				fail_msg("%s: exit 0 with a wrong dump", cases[i].faults);
		} else {
			if (cases[i].must_pass)
				fail_msg("%s: %s", cases[i].faults, o.text);
			assert_null(f);
			assert_non_null(strstr(o.text, "reading 0x030000..0x039000"));
		}
		if (f)
			fclose(f);
	}
}

int main(void)
{
	if (!stub_blob_builtin()) {
		printf("1..0 # SKIP built without the xtensa cross compiler: no stub to test\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chip_check_clean),
	    cmocka_unit_test(test_chip_check_names_misplaced_write),
	    cmocka_unit_test(test_chip_check_names_part_of_sector),
	    cmocka_unit_test(test_erase_region_flip),
	    cmocka_unit_test(test_rom_attach_erase_named),
	    cmocka_unit_test(test_rom_attach_late_named),
	    cmocka_unit_test(test_rom_attach_late_rewritten),
	    cmocka_unit_test(test_rom_attach_clean_timing),
	    cmocka_unit_test(test_stub_write_bad_conditions),
	    cmocka_unit_test(test_stub_read_bad_conditions),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
