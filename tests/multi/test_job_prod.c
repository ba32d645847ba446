/* SPDX-License-Identifier: MIT
 * The job contract of the production bench (job/job.h), as the TUI uses it: boot-log
 * events with their class and meaning, the boot verdict, the journal line at the end of
 * the job. Virtual boards on the virtual clock: deterministic and fast. */
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
#include "core/md5.h"
#include "core/util.h"
#include "job/job.h"
#include "journal/journal.h"

#define IMG_PAYLOAD 256

/* A v1 image with one IRAM segment (reference §7.2); corrupt flips the checksum byte. */
static size_t make_image(uint8_t *f, bool corrupt)
{
	f[0] = 0xE9;
	f[1] = 1;
	f[2] = 0;
	f[3] = 0x20;
	put_le32(f + 4, 0x40100004);
	put_le32(f + 8, 0x40100000);
	put_le32(f + 12, IMG_PAYLOAD);
	uint8_t csum = 0xEF;
	size_t pos = 16;
	for (unsigned i = 0; i < IMG_PAYLOAD; i++) {
		f[pos] = (uint8_t)(i * 7 + 1);
		csum ^= f[pos++];
	}
	memset(f + pos, 0, 16);
	pos |= 15;
	f[pos] = (uint8_t)(csum ^ (corrupt ? 1 : 0));
	return pos + 1;
}

struct outcome {
	int result;
	char error[768];
	enum job_boot_verdict verdict;
	char reason[512];
	size_t bootlog_events;
	bool saw_csum_err; /* a BOOTLOG event of kind ROM_CSUM_ERR with an explanation */
	bool saw_boot_stage;
	bool result_last; /* the RESULT event came last */
};

static void run_job(const char *port, const uint8_t *img, size_t len, const char *journal,
		    const char *expect, struct outcome *o)
{
	memset(o, 0, sizeof *o);
	struct job_step step = {.kind = JOB_STEP_WRITE,
				.offset = 0,
				.size = (uint32_t)len,
				.data = img,
				.name = "fw/app.bin"};
	struct job_spec spec = {.port = port,
				.baud = 115200,
				.after = JOB_AFTER_HARD_RESET,
				.flash_mode = "keep",
				.flash_size = "keep",
				.flash_freq = "keep",
				.steps = &step,
				.step_count = 1,
				.boot_check = true,
				.boot_expect = expect,
				.boot_listen_ms = 1500,
				.journal_path = journal,
				.preset_name = "bench"};
	struct job *job;
	struct ed_error err;
	assert_int_equal(job_start(&spec, &job, &err), ED_OK);
	int rc = job_wait(job, &err);
	o->result = rc;
	snprintf(o->error, sizeof o->error, "%s", err.msg);
	o->verdict = job_get_boot_verdict(job, o->reason, sizeof o->reason);
	struct job_event ev;
	while (job_next_event(job, &ev)) {
		o->result_last = ev.kind == JOB_EVENT_RESULT;
		if (ev.kind == JOB_EVENT_STAGE && ev.stage == JOB_STAGE_BOOT)
			o->saw_boot_stage = true;
		if (ev.kind != JOB_EVENT_BOOTLOG)
			continue;
		o->bootlog_events++;
		if (ev.boot_kind == BOOTLOG_ROM_CSUM_ERR && ev.explain[0] &&
		    !strcmp(ev.text, "csum err"))
			o->saw_csum_err = true;
	}
	job_destroy(job);
}

static void temp_path(char *out, size_t cap, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(out, cap, "%s/espdeck-jobprod-%ld-%s", tmp ? tmp : "/tmp", (long)getpid(), name);
	unlink(out);
}

struct lines {
	size_t n;
	struct journal_entry last;
};

static int collect(void *user, const struct journal_entry *e)
{
	struct lines *l = user;
	l->n++;
	l->last = *e;
	return 0;
}

static void read_journal(const char *path, struct lines *l)
{
	memset(l, 0, sizeof *l);
	struct journal_stats st;
	struct ed_error err;
	assert_int_equal(journal_read(path, collect, l, &st, &err), ED_OK);
	assert_int_equal(st.damaged, 0);
}

static void test_good_image_booted(void **state)
{
	(void)state;
	uint8_t img[512];
	size_t len = make_image(img, false);
	char journal[512];
	temp_path(journal, sizeof journal, "good.csv");
	struct outcome o;
	run_job("sim://?clock=virtual&fast&boot-log=1&mac=5c:cf:7f:01:02:03", img, len, journal,
		"csum ok; rst cause 2", &o);
	assert_int_equal(o.result, ED_OK);
	assert_int_equal(o.verdict, JOB_BOOT_BOOTED);
	assert_non_null(strstr(o.reason, "all 2 expectations held"));
	assert_true(o.saw_boot_stage);
	assert_true(o.bootlog_events >= 4); /* banner, load, tail, chksum, csum */
	assert_false(o.saw_csum_err);
	assert_true(o.result_last);
	struct lines l;
	read_journal(journal, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.last.result, "ok");
	assert_string_equal(l.last.mac, "5c:cf:7f:01:02:03");
	assert_string_equal(l.last.preset, "bench");
	char md5[33], want[64];
	md5_buffer_hex(img, len, md5);
	snprintf(want, sizeof want, "app.bin=%s", md5);
	assert_string_equal(l.last.files, want);
	unlink(journal);
}

static void test_corrupt_image_not_booted(void **state)
{
	(void)state;
	uint8_t img[512];
	size_t len = make_image(img, true);
	char journal[512];
	temp_path(journal, sizeof journal, "bad.csv");
	struct outcome o;
	run_job("sim://?clock=virtual&fast&boot-log=1", img, len, journal, NULL, &o);
	assert_int_equal(o.result, ED_ERR_DEVICE);
	assert_int_equal(o.verdict, JOB_BOOT_NOT_BOOTED);
	assert_true(o.saw_csum_err);
	assert_non_null(strstr(o.error, "boot check: not booted within 1.5 s: the ROM reported "
					"csum err"));
	assert_string_equal(job_boot_verdict_name(o.verdict), "not booted");
	struct lines l;
	read_journal(journal, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.last.result, "failed");
	assert_non_null(strstr(l.last.error, "csum err"));
	unlink(journal);
}

static void test_silent_board_no_verdict(void **state)
{
	(void)state;
	uint8_t img[512];
	size_t len = make_image(img, false);
	struct outcome o;
	/* Without boot-log the virtual board prints nothing after the reset. */
	run_job("sim://?clock=virtual&fast", img, len, NULL, NULL, &o);
	assert_int_equal(o.result, ED_ERR_DEVICE);
	assert_int_equal(o.verdict, JOB_BOOT_UNKNOWN);
	assert_non_null(strstr(o.error, "the board printed nothing within 1.5 s of the reset"));
}

static void test_unopened_port_no_journal(void **state)
{
	(void)state;
	uint8_t img[512];
	size_t len = make_image(img, false);
	char journal[512];
	temp_path(journal, sizeof journal, "none.csv");
	struct outcome o;
	run_job("sim://?flash-size=3MB", img, len, journal, NULL, &o);
	assert_int_not_equal(o.result, ED_OK);
	assert_int_equal(o.verdict, JOB_BOOT_NOT_CHECKED);
	assert_int_equal(access(journal, F_OK), -1); /* never reached the port: no line */
}

static void test_bad_rule_refused_at_start(void **state)
{
	(void)state;
	uint8_t img[512];
	size_t len = make_image(img, false);
	struct job_step step = {.kind = JOB_STEP_WRITE, .size = (uint32_t)len, .data = img};
	struct job_spec spec = {.port = "sim://?clock=virtual&fast",
				.flash_mode = "keep",
				.flash_size = "keep",
				.flash_freq = "keep",
				.steps = &step,
				.step_count = 1,
				.boot_check = true,
				.boot_expect = "jump to mars"};
	struct job *job = NULL;
	struct ed_error err;
	assert_int_equal(job_start(&spec, &job, &err), ED_ERR_ARG);
	assert_null(job);
	assert_non_null(strstr(err.msg, "boot check: unknown boot rule 'jump to mars'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_image_booted),
	    cmocka_unit_test(test_corrupt_image_not_booted),
	    cmocka_unit_test(test_silent_board_no_verdict),
	    cmocka_unit_test(test_unopened_port_no_journal),
	    cmocka_unit_test(test_bad_rule_refused_at_start),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
