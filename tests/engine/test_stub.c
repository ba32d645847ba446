/* SPDX-License-Identifier: MIT
 * The engine on the flasher stub against the in-process virtual board (sim://, fast
 * timing, virtual clock): the stub session (upload, a stub already running, an upload
 * that fails, --no-stub), writes proven by MD5 with only the bad sectors written again,
 * MD5 verify naming the first difference, READ_FLASH, erases through the stub. */
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

#include "app/config.h"
#include "app/spec.h"
#include "core/md5.h"
#include "engine/detect.h"
#include "engine/loader.h"
#include "engine/stubclient.h"
#include "job/job.h"
#include "link/link.h"
#include "proto/packet.h"
#include "sim/sim.h"
#include "fliplink.h"

#define SECTOR 4096u

static void fill_random(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

/* --- the job: what a user sees ------------------------------------------------------- */

struct seen {
	bool stub_stage;
	bool stub_running;
	bool rom_fallback;
	bool md5_summary;
	bool baud_changed;
	char summary[768];
	int result;
	char result_text[768];
	uint32_t sectors, skipped;	 /* the progress slot's last sector counts */
	uint32_t ev_sectors, ev_skipped; /* the "Wrote" event's */
};

static int run_job(struct job_spec *spec, struct seen *s)
{
	memset(s, 0, sizeof *s);
	struct job *job;
	struct ed_error err;
	assert_int_equal(job_start(spec, &job, &err), ED_OK);
	bool finished = false;
	while (!finished) {
		struct pollfd pfd = {job_wake_fd(job), POLLIN, 0};
		poll(&pfd, 1, 1000);
		job_drain_wake(job);
		struct job_progress jp;
		job_get_progress(job, &jp);
		if (jp.sectors_total) {
			s->sectors = jp.sectors_total;
			s->skipped = jp.sectors_skipped;
		}
		struct job_event ev;
		while (job_next_event(job, &ev)) {
			if (ev.kind == JOB_EVENT_STAGE && ev.stage == JOB_STAGE_STUB)
				s->stub_stage = true;
			if (ev.kind == JOB_EVENT_LOG && strstr(ev.text, "Stub running"))
				s->stub_running = true;
			if (ev.kind == JOB_EVENT_LOG &&
			    strstr(ev.text, "Changed baud rate to 921600"))
				s->baud_changed = true;
			if (ev.kind == JOB_EVENT_LOG && strstr(ev.text, "continuing in ROM mode"))
				s->rom_fallback = true;
			if (ev.kind == JOB_EVENT_LOG && strstr(ev.text, "Wrote ")) {
				snprintf(s->summary, sizeof s->summary, "%s", ev.text);
				s->ev_sectors = ev.sectors_total;
				s->ev_skipped = ev.sectors_skipped;
				s->md5_summary = strstr(ev.text, "verified by MD5") != NULL;
			}
			if (ev.kind == JOB_EVENT_RESULT) {
				s->result = ev.result;
				snprintf(s->result_text, sizeof s->result_text, "%s", ev.text);
				finished = true;
			}
		}
	}
	int rc = job_wait(job, &err);
	job_destroy(job);
	return rc;
}

struct files {
	char dir[64], img[128];
};

static void make_dir(struct files *f)
{
	snprintf(f->dir, sizeof f->dir, "/tmp/espdeck-stub-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->img, sizeof f->img, "%s/flash.img", f->dir);
}

static void remove_dir(struct files *f)
{
	unlink(f->img);
	rmdir(f->dir);
}

static void check_flash(const struct files *f, uint32_t offset, const uint8_t *data, size_t n)
{
	FILE *fp = fopen(f->img, "rb");
	assert_non_null(fp);
	uint8_t *back = malloc(n);
	assert_int_equal(fseek(fp, offset, SEEK_SET), 0);
	assert_int_equal(fread(back, 1, n, fp), n);
	fclose(fp);
	assert_memory_equal(back, data, n);
	free(back);
}

static void md5_of(const uint8_t *data, size_t n, char hex[33])
{
	md5_buffer_hex(data, n, hex);
}

/* The normal mode: the stub uploaded in a stage of its own, the write proven by MD5. */
static void test_job_writes_through_stub(void **state)
{
	(void)state;
	struct files f;
	make_dir(&f);
	char port[256];
	snprintf(port, sizeof port, "sim://?fast&clock=virtual&flash=%s", f.img);
	static uint8_t data[100000];
	fill_random(data, sizeof data, 5);
	struct job_step steps[] = {
	    {.kind = JOB_STEP_WRITE,
	     .offset = 0x10000,
	     .size = sizeof data,
	     .data = data,
	     .name = "app.bin"},
	};
	struct job_spec spec = {.port = port,
				.baud = 115200,
				.stub = true,
				.flash_mode = "keep",
				.flash_size = "keep",
				.flash_freq = "keep",
				.steps = steps,
				.step_count = 1};
	struct seen s;
	assert_int_equal(run_job(&spec, &s), ED_OK);
	assert_true(s.stub_stage);
	assert_true(s.stub_running);
	assert_false(s.rom_fallback);
	char hex[33];
	md5_of(data, sizeof data, hex);
	assert_true(s.md5_summary);
	assert_non_null(strstr(s.summary, hex));
	check_flash(&f, 0x10000, data, sizeof data);
	assert_string_equal(job_stage_name(JOB_STAGE_STUB), "upload stub");
	remove_dir(&f);
}

/* Compressed by default (zlib, FLASH_DEFL_*), -u (no_compress) sends the bytes as they
 * are; both land exactly. */
static void test_job_compressed_by_default(void **state)
{
	(void)state;
	struct files f;
	make_dir(&f);
	char port[256];
	snprintf(port, sizeof port, "sim://?fast&clock=virtual&flash=%s", f.img);
	static uint8_t data[200000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i % 251 < 40 ? i : 0);
	struct job_step steps[] = {
	    {.kind = JOB_STEP_WRITE,
	     .offset = 0x1000,
	     .size = sizeof data,
	     .data = data,
	     .name = "user1.bin"},
	};
	struct job_spec spec = {.port = port,
				.baud = 115200,
				.stub = true,
				.flash_mode = "keep",
				.flash_size = "keep",
				.flash_freq = "keep",
				.steps = steps,
				.step_count = 1};
	struct seen s;
	assert_int_equal(run_job(&spec, &s), ED_OK);
	assert_true(s.md5_summary);
	const char *c = strstr(s.summary, " compressed bytes");
	assert_non_null(c);
	while (c > s.summary && c[-1] >= '0' && c[-1] <= '9')
		c--;
	unsigned sent = (unsigned)strtoul(c, NULL, 10);
	assert_true(sent > 0 && sent < sizeof data / 4);
	check_flash(&f, 0x1000, data, sizeof data);
	for (size_t i = 0; i < sizeof data; i++)
		data[i] ^= 0x5A;
	spec.no_compress = true;
	assert_int_equal(run_job(&spec, &s), ED_OK);
	assert_true(s.md5_summary);
	assert_null(strstr(s.summary, "compressed"));
	check_flash(&f, 0x1000, data, sizeof data);
	remove_dir(&f);
}

/* --baud 921600 with the stub: connect at 115200, then the stub moves to 921600. */
static void test_job_changes_baud(void **state)
{
	(void)state;
	struct files f;
	make_dir(&f);
	char port[256];
	snprintf(port, sizeof port, "sim://?fast&clock=virtual&flash=%s", f.img);
	uint8_t data[20000];
	fill_random(data, sizeof data, 14);
	struct job_step steps[] = {
	    {.kind = JOB_STEP_WRITE,
	     .offset = 0x8000,
	     .size = sizeof data,
	     .data = data,
	     .name = "app.bin"},
	};
	struct job_spec spec = {.port = port,
				.baud = 921600,
				.stub = true,
				.flash_mode = "keep",
				.flash_size = "keep",
				.flash_freq = "keep",
				.steps = steps,
				.step_count = 1};
	struct seen s;
	assert_int_equal(run_job(&spec, &s), ED_OK);
	assert_true(s.baud_changed);
	assert_true(s.md5_summary);
	check_flash(&f, 0x8000, data, sizeof data);
	remove_dir(&f);
}

/* A stub that does not start (here the ROM refuses MEM_END) costs one warning line; the
 * job carries on in ROM mode and writes the file. */
static void test_job_falls_back_to_rom(void **state)
{
	(void)state;
	struct files f;
	make_dir(&f);
	char port[256];
	snprintf(port, sizeof port, "sim://?fast&clock=virtual&flash=%s&fault=rom-error=MEM_END:1",
		 f.img);
	uint8_t data[6000];
	fill_random(data, sizeof data, 6);
	struct job_step steps[] = {
	    {.kind = JOB_STEP_WRITE,
	     .offset = 0x4000,
	     .size = sizeof data,
	     .data = data,
	     .name = "app.bin"},
	};
	struct job_spec spec = {.port = port,
				.baud = 115200,
				.stub = true,
				.flash_mode = "keep",
				.flash_size = "keep",
				.flash_freq = "keep",
				.steps = steps,
				.step_count = 1};
	struct seen s;
	assert_int_equal(run_job(&spec, &s), ED_OK);
	assert_true(s.stub_stage);
	assert_true(s.rom_fallback);
	assert_false(s.md5_summary);
	assert_non_null(strstr(s.summary, "ROM's 8-bit checksum"));
	check_flash(&f, 0x4000, data, sizeof data);
	remove_dir(&f);
}

/* A glitch in the ROM phase (here a READ_REG reply arriving twice while the chip is
 * identified): the flash id comes from the stub (STUB_OP_INFO), so no SPI register write
 * or FLASH_BEGIN went to the ROM that noise could have turned into a flash change, and the
 * job ends in ED_OK. A ROM loader left from an earlier session (--before no_reset) may
 * still be in flash mode: there the same glitch keeps the job from exiting 0. */
static void test_job_rom_phase_noise(void **state)
{
	(void)state;
	for (int no_reset = 0; no_reset < 2; no_reset++) {
		struct files f;
		make_dir(&f);
		char port[256];
		snprintf(port, sizeof port,
			 "sim://?fast&clock=virtual&flash=%s&fault=dup-reply=READ_REG:#6", f.img);
		uint8_t data[6000];
		fill_random(data, sizeof data, 17);
		struct job_step steps[] = {
		    {.kind = JOB_STEP_WRITE,
		     .offset = 0x4000,
		     .size = sizeof data,
		     .data = data,
		     .name = "app.bin"},
		};
		struct job_spec spec = {.port = port,
					.baud = 115200,
					.stub = true,
					.before = no_reset ? JOB_BEFORE_NO_RESET
							   : JOB_BEFORE_DEFAULT_RESET,
					.flash_mode = "keep",
					.flash_size = "keep",
					.flash_freq = "keep",
					.steps = steps,
					.step_count = 1};
		struct seen s;
		int rc = run_job(&spec, &s);
		assert_true(s.md5_summary);
		if (no_reset) {
			assert_int_equal(rc, ED_ERR_VERIFY);
			assert_true(strstr(s.result_text, "cannot check") ||
				    strstr(s.result_text,
					   "from 0x000000 (the boot loader) may have "
					   "been erased"));
		} else if (rc != ED_OK) {
			fail_msg("%s", s.result_text);
		}
		check_flash(&f, 0x4000, data, sizeof data);
		remove_dir(&f);
	}
}

/* The flash id of a job on the stub is the stub's (it read the chip itself): the JEDEC id
 * and size are right and no FLASH_BEGIN reached the ROM (the first one is refused here). */
static void test_job_flash_id_from_stub(void **state)
{
	(void)state;
	char port[] = "sim://?fast&clock=virtual&flash-size=2MB&fault=rom-error=FLASH_BEGIN:#1";
	struct job_step steps[] = {{.kind = JOB_STEP_INFO}};
	struct job_spec spec = {.port = port,
				.baud = 115200,
				.stub = true,
				.flash_mode = "keep",
				.flash_size = "keep",
				.flash_freq = "keep",
				.steps = steps,
				.step_count = 1};
	struct job *job;
	struct ed_error err;
	assert_int_equal(job_start(&spec, &job, &err), ED_OK);
	int rc = job_wait(job, &err);
	if (rc != ED_OK)
		fail_msg("%s", err.msg);
	struct chip_info info;
	assert_true(job_get_chip_info(job, &info));
	assert_int_equal(info.flash_size, 2u << 20);
	assert_int_equal(info.flash_id & 0xFF, 0xEF);
	job_destroy(job);
}

/* write_flash_status protects the whole chip (BP0-BP2, TB, SEC: the virtual board then
 * ignores every program and erase, as a real chip does); a write on the stub still
 * succeeds, because the stub clears the protection first, and the job says so. In ROM mode
 * (the ROM does not unlock) espdeck clears it itself through the SPI registers, proves it
 * clear and says so the same way. */
static void test_job_unlocks_protected_flash(void **state)
{
	(void)state;
	for (int stub = 1; stub >= 0; stub--) {
		struct files f;
		make_dir(&f);
		char port[256];
		snprintf(port, sizeof port, "sim://?fast&clock=virtual&flash=%s", f.img);
		uint8_t data[5000];
		fill_random(data, sizeof data, 24);
		struct job_step steps[] = {
		    {.kind = JOB_STEP_WRITE_STATUS, .offset = 0x7C, .size = 2},
		    {.kind = JOB_STEP_READ_STATUS, .size = 1},
		    {.kind = JOB_STEP_WRITE,
		     .offset = 0x30000,
		     .size = sizeof data,
		     .data = data,
		     .name = "app.bin"},
		    {.kind = JOB_STEP_READ_STATUS, .size = 2},
		};
		struct job_spec spec = {.port = port,
					.baud = 115200,
					.stub = stub,
					.flash_mode = "keep",
					.flash_size = "keep",
					.flash_freq = "keep",
					.steps = steps,
					.step_count = 4};
		struct job *job;
		struct ed_error err;
		assert_int_equal(job_start(&spec, &job, &err), ED_OK);
		int rc = job_wait(job, &err);
		char all[4096] = "";
		struct job_event ev;
		while (job_next_event(job, &ev)) {
			size_t len = strlen(all);
			snprintf(all + len, sizeof all - len, "%s\n", ev.text);
		}
		job_destroy(job);
		assert_non_null(strstr(all, "Initial flash memory status: 0x0000"));
		assert_non_null(strstr(all, "Setting flash memory status: 0x007c"));
		assert_non_null(strstr(all, "After flash memory status:   0x007c"));
		assert_non_null(strstr(all, "Flash memory status: 0x007c"));
		/* ROM mode clears the protection itself, through the SPI registers */
		if (rc != ED_OK)
			fail_msg("%s: %s\n%s", stub ? "stub" : "ROM", err.msg, all);
		assert_non_null(strstr(all, "flash was write-protected (status 0x007c); unlocked"));
		assert_non_null(strstr(all, "Flash memory status: 0x0000"));
		check_flash(&f, 0x30000, data, sizeof data);
		remove_dir(&f);
	}
}

/* A protection that cannot be cleared (SRP0 set while the board holds the flash's /WP pin
 * low: the status register ignores writes) stops a ROM-mode write at once with both
 * status values, before any FLASH_BEGIN, and the flash is left as it was. */
static void test_rom_protection_that_stays(void **state)
{
	(void)state;
	struct files f;
	make_dir(&f);
	char port[256];
	snprintf(port, sizeof port, "sim://?fast&clock=virtual&wp-low&flash=%s", f.img);
	uint8_t data[5000];
	fill_random(data, sizeof data, 25);
	struct job_step steps[] = {
	    {.kind = JOB_STEP_WRITE_STATUS, .offset = 0xFC, .size = 1, .non_volatile = true},
	    {.kind = JOB_STEP_WRITE,
	     .offset = 0x30000,
	     .size = sizeof data,
	     .data = data,
	     .name = "app.bin"},
	};
	struct job_spec spec = {.port = port,
				.baud = 115200,
				.stub = false,
				.flash_mode = "keep",
				.flash_size = "keep",
				.flash_freq = "keep",
				.steps = steps,
				.step_count = 2};
	struct seen s;
	int rc = run_job(&spec, &s);
	assert_int_equal(rc, ED_ERR_DEVICE);
	if (!strstr(s.result_text, "the flash is write-protected (status 0x00fc) and stays so"))
		fail_msg("result: %s", s.result_text);
	assert_non_null(strstr(s.result_text, "locked by SRP and the /WP pin"));
	FILE *img = fopen(f.img, "rb");
	assert_non_null(img);
	uint8_t back[sizeof data], erased[sizeof data];
	assert_int_equal(fseek(img, 0x30000, SEEK_SET), 0);
	assert_int_equal(fread(back, 1, sizeof back, img), sizeof back);
	fclose(img);
	memset(erased, 0xFF, sizeof erased); /* a new board's flash, never touched */
	assert_memory_equal(back, erased, sizeof back);
	remove_dir(&f);
}

/* --no-stub: no stub stage, the ROM-mode proof; the application maps the flag. */
static void test_no_stub(void **state)
{
	(void)state;
	char *argv_stub[] = {"espdeck", "--port", "sim://", "flash_id", NULL};
	char *argv_rom[] = {"espdeck", "--no-stub", "--port", "sim://", "flash_id", NULL};
	struct config cfg;
	struct job_spec spec;
	int idx;
	assert_int_equal(config_parse(4, argv_stub, &cfg, &idx), 0);
	app_job_spec(&cfg, &spec);
	assert_true(spec.stub);
	assert_int_equal(config_parse(5, argv_rom, &cfg, &idx), 0);
	app_job_spec(&cfg, &spec);
	assert_false(spec.stub);

	struct files f;
	make_dir(&f);
	char port[256];
	snprintf(port, sizeof port, "sim://?fast&clock=virtual&flash=%s", f.img);
	uint8_t data[6000];
	fill_random(data, sizeof data, 7);
	struct job_step steps[] = {
	    {.kind = JOB_STEP_WRITE,
	     .offset = 0x4000,
	     .size = sizeof data,
	     .data = data,
	     .name = "app.bin"},
	};
	spec = (struct job_spec){.port = port,
				 .baud = 115200,
				 .stub = false,
				 .flash_mode = "keep",
				 .flash_size = "keep",
				 .flash_freq = "keep",
				 .steps = steps,
				 .step_count = 1};
	struct seen s;
	assert_int_equal(run_job(&spec, &s), ED_OK);
	assert_false(s.stub_stage);
	assert_false(s.md5_summary);
	assert_non_null(strstr(s.summary, "ROM's 8-bit checksum"));
	check_flash(&f, 0x4000, data, sizeof data);
	remove_dir(&f);
}

/* --- the engine: sessions and operations --------------------------------------------- */

struct bench {
	struct link *link;
	struct loader *ld;
	struct ed_error err;
};

static void open_board(struct bench *b, const char *query, const struct fliplink_rule *flip)
{
	char spec[512];
	snprintf(spec, sizeof spec, "sim://?fast&clock=virtual%s%s", query[0] ? "&" : "", query);
	assert_int_equal(link_open(spec, NULL, &b->link, &b->err), ED_OK);
	if (flip)
		b->link = fliplink_wrap(b->link, flip);
	struct loader_config cfg = {0};
	assert_int_equal(loader_create(b->link, &cfg, &b->ld, &b->err), ED_OK);
	if (loader_connect(b->ld, LOADER_BEFORE_DEFAULT_RESET, &b->err) != ED_OK)
		fail_msg("connect: %s", b->err.msg);
}

static void start_stub(struct bench *b)
{
	bool reused = true;
	if (stubclient_start(b->ld, stub_blob_builtin(), NULL, &reused, &b->err) != ED_OK)
		fail_msg("stub: %s", b->err.msg);
	assert_false(reused);
	assert_true(loader_is_stub(b->ld));
}

/* Turns the stub's checked requests off (as with esptool's stub, which has none), for the
 * tests of what the engine does when a damaged header does get through. */
static void no_strict(struct bench *b)
{
	uint8_t d[4] = {0};
	assert_int_equal(loader_command(b->ld, 0xE2, d, 4, 0, 3000000, NULL, &b->err), ED_OK);
	loader_set_strict(b->ld, false);
}

static void close_board(struct bench *b)
{
	loader_destroy(b->ld);
	link_close(b->link);
}

/* A stub already running answers SYNC with 0: a new session reuses it, no upload. */
static void test_stub_already_running(void **state)
{
	(void)state;
	struct bench b;
	open_board(&b, "", NULL);
	assert_int_not_equal(loader_sync_value(b.ld), 0);
	start_stub(&b);
	loader_destroy(b.ld);
	struct loader_config cfg = {0};
	assert_int_equal(loader_create(b.link, &cfg, &b.ld, &b.err), ED_OK);
	assert_int_equal(loader_connect(b.ld, LOADER_BEFORE_NO_RESET, &b.err), ED_OK);
	assert_int_equal(loader_sync_value(b.ld), 0);
	struct loader_stats before, after;
	loader_get_stats(b.ld, &before);
	bool reused = false;
	assert_int_equal(stubclient_start(b.ld, stub_blob_builtin(), NULL, &reused, &b.err), ED_OK);
	assert_true(reused);
	loader_get_stats(b.ld, &after);
	assert_int_equal(after.commands, before.commands + 1); /* no upload: STUB_OP_STRICT */
	uint8_t data[9000], back[9000];
	fill_random(data, sizeof data, 8);
	assert_int_equal(
	    stubflash_write(b.ld, 0x20000, data, sizeof data, true, NULL, NULL, &b.err), ED_OK);
	assert_int_equal(stubflash_read(b.ld, 0x20000, back, sizeof back, NULL, &b.err), ED_OK);
	assert_memory_equal(back, data, sizeof data);
	close_board(&b);
}

/* Code the board does not know runs silently: no OHAI, a clear error, and a reset brings
 * the ROM loader back for ROM mode. */
static void test_stub_upload_silent(void **state)
{
	(void)state;
	struct bench b;
	open_board(&b, "", NULL);
	static uint8_t junk[0x2000];
	fill_random(junk, sizeof junk, 9);
	struct stub_segment seg = {0x4010C500u, sizeof junk, junk};
	struct stub_blob blob = {.entry = 0x4010C508u, .n_segments = 1, .segments = &seg};
	bool reused = true;
	int rc = stubclient_start(b.ld, &blob, NULL, &reused, &b.err);
	assert_int_equal(rc, ED_ERR_TIMEOUT);
	assert_false(reused);
	assert_false(loader_is_stub(b.ld));
	assert_non_null(strstr(b.err.msg, "did not say OHAI"));
	assert_int_equal(loader_connect(b.ld, LOADER_BEFORE_DEFAULT_RESET, &b.err), ED_OK);
	assert_int_not_equal(loader_sync_value(b.ld), 0);
	close_board(&b);
}

static void count_lines(void *user, enum ed_log_level level, const char *line)
{
	(void)level;
	int *n = user;
	if (strstr(line, "but the stub answers: going on"))
		n[0]++;
	if (strstr(line, "uploading it again"))
		n[1]++;
}

/* MEM_END's reply lost or garbled on the wire, or MEM_END itself lost or refused: the
 * upload does not fail on it. The OHAI (or, without one, a probe of who answers) says
 * whether the stub runs; if the ROM loader is still there the stub is uploaded again. */
static void test_stub_start_survives_mem_end_faults(void **state)
{
	(void)state;
	static const struct {
		const char *fault;
		int lost_ohai, uploads_again; /* the log lines expected */
	} cases[] = {
	    /* bit 0 of the reply's first wire byte: its C0 becomes C1, the reply is lost */
	    {"reply-flip=MEM_END:#1:0", 0, 0},
	    /* wire byte 9 is the first status byte (C0 + 8 header bytes): 00 -> 01, a
	     * "failure" though the ROM jumped: the stub answers the probe */
	    {"reply-flip=MEM_END:#1:72", 1, 0},
	    /* MEM_END never reaches the ROM: no reply, no OHAI, the ROM answers the probe */
	    {"lose=MEM_END:#1", 0, 1},
	    /* refused without acting, twice: uploaded a third time */
	    {"rom-error=MEM_END:#1+1", 0, 2},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct bench b;
		char spec[256];
		snprintf(spec, sizeof spec, "sim://?fast&clock=virtual&fault=%s", cases[i].fault);
		assert_int_equal(link_open(spec, NULL, &b.link, &b.err), ED_OK);
		int seen[2] = {0, 0};
		struct loader_config cfg = {.log = {count_lines, seen, ED_LOG_DEBUG}};
		assert_int_equal(loader_create(b.link, &cfg, &b.ld, &b.err), ED_OK);
		assert_int_equal(loader_connect(b.ld, LOADER_BEFORE_DEFAULT_RESET, &b.err), ED_OK);
		bool reused = true;
		int rc = stubclient_start(b.ld, stub_blob_builtin(), NULL, &reused, &b.err);
		if (rc != ED_OK)
			fail_msg("%s: %s", cases[i].fault, b.err.msg);
		assert_false(reused);
		assert_true(loader_is_stub(b.ld));
		if (seen[0] != cases[i].lost_ohai || seen[1] != cases[i].uploads_again)
			fail_msg(
			    "%s: %d 'the stub answers' and %d 'uploading it again' lines, expected "
			    "%d and %d",
			    cases[i].fault, seen[0], seen[1], cases[i].lost_ohai,
			    cases[i].uploads_again);
		/* the stub works: a write and a read back through it */
		uint8_t data[5000], back[5000];
		fill_random(data, sizeof data, (uint32_t)i + 40);
		assert_int_equal(
		    stubflash_write(b.ld, 0x10000, data, sizeof data, true, NULL, NULL, &b.err),
		    ED_OK);
		assert_int_equal(stubflash_read(b.ld, 0x10000, back, sizeof back, NULL, &b.err),
				 ED_OK);
		assert_memory_equal(back, data, sizeof data);
		close_board(&b);
	}
}

/* Refused on every try: a clear error after three uploads, and ROM mode still works. */
static void test_stub_start_gives_up(void **state)
{
	(void)state;
	struct bench b;
	open_board(&b, "fault=rom-error=MEM_END:1", NULL);
	bool reused = true;
	int rc = stubclient_start(b.ld, stub_blob_builtin(), NULL, &reused, &b.err);
	assert_int_equal(rc, ED_ERR_PROTO);
	assert_false(loader_is_stub(b.ld));
	assert_non_null(strstr(b.err.msg, "after 3 uploads the ROM loader still answers"));
	assert_int_equal(loader_connect(b.ld, LOADER_BEFORE_DEFAULT_RESET, &b.err), ED_OK);
	close_board(&b);
}

/* A block whose sequence number is damaged on every attempt is never written: the MD5
 * check finds its sectors and writes only those again. */
static void test_write_repairs_bad_sectors(void **state)
{
	(void)state;
	struct fliplink_rule rule = {
	    .op = PKT_FLASH_DATA, .word = 1, .match = 2, .flip = 0x10, .times = -1};
	struct bench b;
	open_board(&b, "", &rule);
	start_stub(&b);
	static uint8_t data[0x10000 + 100];
	fill_random(data, sizeof data, 10);
	struct stubflash_write_result res;
	char want[33];
	int rc = stubflash_write(b.ld, 0x40000, data, sizeof data, false, NULL, &res, &b.err);
	if (rc != ED_OK)
		fail_msg("write: %s", b.err.msg);
	uint32_t again = res.rewritten;
	md5_of(data, sizeof data, want);
	assert_string_equal(res.flash_md5, want);
	/* the first send, the one after the barrier, and the attempts after that */
	assert_int_equal(fliplink_flipped(b.link), LOADER_BLOCK_ATTEMPTS + 1);
	/* blocks 2 and 3 (sectors 0x48000..0x4F000) and the last piece: never written */
	assert_true(again >= 4 && again <= 9);
	static uint8_t back[sizeof data];
	assert_int_equal(stubflash_read(b.ld, 0x40000, back, sizeof back, NULL, &b.err), ED_OK);
	assert_memory_equal(back, data, sizeof data);
	close_board(&b);
}

/* A sector that cannot be written where it belongs (its FLASH_BEGIN offset damaged every
 * time) ends the write with ED_ERR_VERIFY naming it. */
static void test_write_names_sector_still_wrong(void **state)
{
	(void)state;
	struct fliplink_rule rule = {
	    .op = PKT_FLASH_BEGIN, .word = 3, .match = 0x60000, .flip = 0x100000, .times = -1};
	struct bench b;
	open_board(&b, "", &rule);
	start_stub(&b);
	no_strict(&b);
	uint8_t data[3 * SECTOR];
	fill_random(data, sizeof data, 11);
	struct stubflash_write_result res;
	int rc = stubflash_write(b.ld, 0x60000, data, sizeof data, false, NULL, &res, &b.err);
	uint32_t again = res.rewritten;
	assert_int_equal(rc, ED_ERR_VERIFY);
	assert_non_null(strstr(b.err.msg, "still differs"));
	assert_non_null(strstr(b.err.msg, "wrong: 0x060000"));
	assert_null(strstr(b.err.msg, "0x061000"));
	assert_int_equal(again, 3);
	close_board(&b);
}

/* One FLASH_BEGIN whose offset is damaged (the stub protocol has no header checksum) puts
 * the whole session elsewhere: the range is repaired and proven, but the write must not
 * end in ED_OK, since the other place changed. */
static void test_write_misplaced_session_not_ok(void **state)
{
	(void)state;
	struct fliplink_rule rule = {
	    .op = PKT_FLASH_BEGIN, .word = 3, .match = 0x70000, .flip = 0x100000, .times = 1};
	struct bench b;
	open_board(&b, "", &rule);
	start_stub(&b);
	no_strict(&b);
	uint8_t data[2 * SECTOR];
	fill_random(data, sizeof data, 13);
	struct stubflash_write_result res;
	int rc = stubflash_write(b.ld, 0x70000, data, sizeof data, false, NULL, &res, &b.err);
	assert_int_equal(rc, ED_ERR_VERIFY);
	assert_int_equal(res.rewritten, 2);
	assert_non_null(strstr(b.err.msg, "proven by MD5"));
	assert_non_null(strstr(b.err.msg, "at another address"));
	assert_int_equal(stubflash_verify(b.ld, 0x70000, data, sizeof data, &b.err), ED_OK);
	close_board(&b);
}

/* CHANGE_BAUDRATE damaged on the wire: the stub goes to another rate, nothing valid comes
 * back at 921600; the link returns to 115200, the stub reverts by itself, work goes on. */
static void test_baud_change_falls_back(void **state)
{
	(void)state;
	struct fliplink_rule rule = {
	    .op = PKT_CHANGE_BAUDRATE, .word = 0, .match = 921600, .flip = 0x80000, .times = 1};
	struct bench b;
	open_board(&b, "", &rule);
	start_stub(&b);
	uint32_t used = 0;
	assert_int_equal(stubclient_change_baud(b.ld, 921600, &used, &b.err), ED_OK);
	assert_int_equal(fliplink_flipped(b.link), 1);
	assert_int_equal(used, 115200);
	assert_int_equal(b.link->baud, 115200);
	uint8_t data[6000], back[6000];
	fill_random(data, sizeof data, 15);
	assert_int_equal(stubflash_write(b.ld, 0x9000, data, sizeof data, true, NULL, NULL, &b.err),
			 ED_OK);
	assert_int_equal(stubflash_read(b.ld, 0x9000, back, sizeof back, NULL, &b.err), ED_OK);
	assert_memory_equal(back, data, sizeof data);
	/* and a clean change works */
	assert_int_equal(stubclient_change_baud(b.ld, 921600, &used, &b.err), ED_OK);
	assert_int_equal(used, 921600);
	assert_int_equal(stubflash_read(b.ld, 0x9000, back, sizeof back, NULL, &b.err), ED_OK);
	assert_memory_equal(back, data, sizeof data);
	close_board(&b);
}

/* The offsets of the "resuming the read at 0x..." lines. */
struct resumes {
	int count;
	unsigned long at[8];
};

static void capture(void *user, enum ed_log_level level, const char *line)
{
	(void)level;
	struct resumes *r = user;
	const char *p = strstr(line, "resuming the read at 0x");
	if (p && r->count < 8)
		r->at[r->count++] = strtoul(p + strlen("resuming the read at 0x"), NULL, 16);
}

/* A read that loses a packet resumes from the last acknowledged offset and the dump is
 * still exact (checked by the whole range's MD5). The lost byte is chosen, not drawn:
 * for each case one byte of one 4 KiB data packet (the first, middle ones, the last)
 * never arrives, so the read resumes exactly at that packet's offset, once. */
static void test_read_resumes(void **state)
{
	(void)state;
	static const struct {
		unsigned packet, byte; /* which data packet, which of its wire bytes */
	} cases[] = {{0, 1}, {1, 2000}, {7, 4095}, {20, 3000}, {31, 100}};
	static uint8_t data[0x20000], back[sizeof data];
	for (unsigned seed = 0; seed < sizeof cases / sizeof cases[0]; seed++) {
		struct bench b;
		fill_random(data, sizeof data, 16 + seed);
		struct resumes resumes = {0};
		assert_int_equal(link_open("sim://?fast&clock=virtual", NULL, &b.link, &b.err),
				 ED_OK);
		struct fliplink_rule none = {.times = 0};
		b.link = fliplink_wrap(b.link, &none);
		struct loader_config cfg = {.log = {capture, &resumes, ED_LOG_DEBUG}};
		assert_int_equal(loader_create(b.link, &cfg, &b.ld, &b.err), ED_OK);
		assert_int_equal(loader_connect(b.ld, LOADER_BEFORE_DEFAULT_RESET, &b.err), ED_OK);
		start_stub(&b);
		int rc =
		    stubflash_write(b.ld, 0x100000, data, sizeof data, true, NULL, NULL, &b.err);
		if (rc != ED_OK)
			fail_msg("case %u: write: %s", seed, b.err.msg);
		assert_int_equal(resumes.count, 0);
		/* frame 1 is READ_FLASH's reply, frame 2 the first data packet */
		fliplink_drop_rx(b.link, 2 + cases[seed].packet, cases[seed].byte);
		memset(back, 0, sizeof back);
		rc = stubflash_read(b.ld, 0x100000, back, sizeof back, NULL, &b.err);
		if (rc != ED_OK)
			fail_msg("case %u: read: %s", seed, b.err.msg);
		assert_int_equal(fliplink_dropped(b.link), 1);
		assert_memory_equal(back, data, sizeof data);
		if (resumes.count != 1 || resumes.at[0] != 0x100000 + 0x1000ul * cases[seed].packet)
			fail_msg("case %u: %d resumes, the first at 0x%lx; expected one at 0x%x",
				 seed, resumes.count, resumes.count ? resumes.at[0] : 0,
				 0x100000 + 0x1000 * cases[seed].packet);
		close_board(&b);
	}
}

/* Verify by MD5 names the first differing byte; erase_region and read through the stub. */
static void test_verify_erase_read(void **state)
{
	(void)state;
	struct bench b;
	open_board(&b, "", NULL);
	start_stub(&b);
	static uint8_t data[5 * SECTOR + 10], back[sizeof data];
	fill_random(data, sizeof data, 12);
	assert_int_equal(
	    stubflash_write(b.ld, 0x80000, data, sizeof data, false, NULL, NULL, &b.err), ED_OK);
	assert_int_equal(stubflash_verify(b.ld, 0x80000, data, sizeof data, &b.err), ED_OK);
	assert_int_equal(stubflash_erase_region(b.ld, 0x82000, SECTOR, NULL, &b.err), ED_OK);
	assert_int_equal(stubflash_verify(b.ld, 0x80000, data, sizeof data, &b.err), ED_ERR_VERIFY);
	char want[64];
	snprintf(want, sizeof want, "flash at 0x082000 holds 0xff, expected 0x%02x", data[0x2000]);
	assert_non_null(strstr(b.err.msg, want));
	assert_non_null(strstr(b.err.msg, "1 sector differs: 0x082000"));
	assert_int_equal(stubflash_read(b.ld, 0x80000, back, sizeof back, NULL, &b.err), ED_OK);
	for (size_t i = 0; i < sizeof data; i++)
		assert_int_equal(back[i], i >= 0x2000 && i < 0x3000 ? 0xFF : data[i]);
	close_board(&b);
}

/* Two blocks in flight: an answer that comes too late (stalled past the timeout) leaves
 * the stub one or two blocks further than the engine knows; the READ_REG barrier and the
 * stub's strict sequence sort it out, and the data lands once, in order. */
static void test_write_in_flight_recovers(void **state)
{
	(void)state;
	for (int seed = 1; seed <= 4; seed++) {
		char q[96];
		/* blocks 3 and 9 (counted over both writes) answered after the timeout */
		snprintf(q, sizeof q, "fault=late=%d@FLASH_DATA:#%d+%d", 15000 + 10000 * (seed & 1),
			 seed + 2, 6 + seed);
		struct bench b;
		open_board(&b, q, NULL);
		start_stub(&b);
		static uint8_t data[20 * 0x4000 + 77], back[sizeof data];
		fill_random(data, sizeof data, 30 + (uint32_t)seed);
		uint64_t a0 = loader_anomalies(b.ld);
		for (int compress = 0; compress < 2; compress++) {
			struct stubflash_write_result res;
			int rc = stubflash_write(b.ld, 0x100000, data, sizeof data, compress, NULL,
						 &res, &b.err);
			if (rc != ED_OK)
				fail_msg("seed %d: %s", seed, b.err.msg);
			assert_int_equal(res.rewritten, 0);
			assert_int_equal(
			    stubflash_read(b.ld, 0x100000, back, sizeof back, NULL, &b.err), ED_OK);
			assert_memory_equal(back, data, sizeof data);
			memset(data, 0x5A, 0x4000 * (size_t)(seed + compress));
		}
		assert_true(loader_anomalies(b.ld) > a0); /* the stalls did hit */
		close_board(&b);
	}
}

static void count_progress(void *user, uint64_t done, uint64_t total)
{
	uint64_t *calls = user;
	calls[0]++;
	calls[1] = done;
	calls[2] = total;
}

/* Erases through the stub on a flash with datasheet-maximum erase times (2 s per 64 KiB
 * block, 400 ms per sector, 40 s for the chip): esptool's timeouts scaled by size let them
 * finish, with progress along the way; a stub whose answer never comes (stalled) ends with
 * an error that says what did not finish. */
static void test_erase_slow_and_stalled(void **state)
{
	(void)state;
	struct bench b;
	open_board(&b, "", NULL);
	loader_destroy(b.ld);
	link_close(b.link);
	char spec[] = "sim://?clock=virtual&sector-erase-us=400000&block64-erase-us=2000000"
		      "&chip-erase-us=40000000";
	assert_int_equal(link_open(spec, NULL, &b.link, &b.err), ED_OK);
	struct loader_config cfg = {0};
	assert_int_equal(loader_create(b.link, &cfg, &b.ld, &b.err), ED_OK);
	assert_int_equal(loader_connect(b.ld, LOADER_BEFORE_DEFAULT_RESET, &b.err), ED_OK);
	start_stub(&b);
	uint64_t calls[3] = {0};
	struct flasher_progress p = {count_progress, calls, NULL};
	uint64_t t0 = link_now_us(b.link);
	/* 0x3F000..0x1C1000: a sector, 24 blocks, a sector */
	int rc = stubflash_erase_region(b.ld, 0x3F000, 0x182000, &p, &b.err);
	if (rc != ED_OK)
		fail_msg("slow erase_region: %s", b.err.msg);
	assert_true(link_now_us(b.link) - t0 > 48000000u); /* it was slow */
	assert_int_equal(calls[0], 8);			   /* 0x40000 pieces */
	assert_int_equal(calls[1], 0x182000);
	rc = stubflash_erase_chip(b.ld, 4u << 20, &p, &b.err);
	if (rc != ED_OK)
		fail_msg("slow erase_flash: %s", b.err.msg);
	assert_int_equal(calls[1], 4u << 20);
	close_board(&b);

	/* the answer to the second piece comes 10 minutes late */
	open_board(&b, "fault=late=600000@ERASE_REGION:#2", NULL);
	start_stub(&b);
	rc = stubflash_erase_region(b.ld, 0x100000, 0x80000, NULL, &b.err);
	assert_int_equal(rc, ED_ERR_TIMEOUT);
	assert_non_null(strstr(b.err.msg, "did not finish erasing 0x140000..0x17ffff"));
	assert_non_null(strstr(b.err.msg, "(0x100000..0x140000 done)"));
	close_board(&b);
}

/* With checked requests (STUB_OP_STRICT, on by default on our stub), a FLASH_BEGIN or a
 * READ_FLASH whose offset is damaged on the wire, or an ERASE_REGION, is refused instead
 * of run elsewhere: the write ends proven with nothing misplaced, the read returns the
 * right bytes, the erase erases only its region. */
static void test_strict_refuses_damaged_headers(void **state)
{
	(void)state;
	static const struct {
		uint8_t op;
		uint32_t word, match;
	} cases[] = {{PKT_FLASH_BEGIN, 3, 0xA0000},
		     {PKT_FLASH_DEFL_BEGIN, 3, 0xA0000},
		     {PKT_READ_FLASH, 0, 0xA0000},
		     {PKT_SPI_FLASH_MD5, 0, 0xA0000},
		     {PKT_ERASE_REGION, 0, 0xA4000}};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct fliplink_rule rule = {.op = cases[c].op,
					     .word = cases[c].word,
					     .match = cases[c].match,
					     .flip = 0x100000,
					     .times = 1};
		struct bench b;
		open_board(&b, "", &rule);
		start_stub(&b);
		static uint8_t data[6 * SECTOR], back[sizeof data];
		fill_random(data, sizeof data, 40 + (uint32_t)c);
		int rc = stubflash_write(b.ld, 0xA0000, data, sizeof data,
					 cases[c].op == PKT_FLASH_DEFL_BEGIN, NULL, NULL, &b.err);
		if (rc != ED_OK)
			fail_msg("case %zu: write: %s", c, b.err.msg);
		if (cases[c].op == PKT_ERASE_REGION) {
			rc = stubflash_erase_region(b.ld, 0xA4000, SECTOR, NULL, &b.err);
			if (rc != ED_OK)
				fail_msg("case %zu: erase: %s", c, b.err.msg);
			memset(data + 4 * SECTOR, 0xFF, SECTOR);
		}
		assert_int_equal(stubflash_read(b.ld, 0xA0000, back, sizeof back, NULL, &b.err),
				 ED_OK);
		assert_memory_equal(back, data, sizeof data);
		assert_int_equal(fliplink_flipped(b.link), 1);
		/* nothing landed 1 MB higher */
		uint8_t far[sizeof data];
		assert_int_equal(stubflash_read(b.ld, 0x1A0000, far, sizeof far, NULL, &b.err),
				 ED_OK);
		for (size_t i = 0; i < sizeof far; i++)
			if (far[i] != 0xFF)
				fail_msg("case %zu: flash changed at 0x%zx", c, 0x1A0000 + i);
		close_board(&b);
	}
}

/* --diff: re-flashing a 1 MiB file with 1% changed (10 KiB in one place, 3 sectors, and
 * one byte elsewhere) erases and programs only the sectors that differ, counted by the
 * virtual board; the flash holds the new file; a job says how many sectors it skipped. */
static void test_write_diff_only_changed(void **state)
{
	(void)state;
	struct bench b;
	open_board(&b, "", NULL);
	start_stub(&b);
	const uint32_t size = 1u << 20, at = 0x100000;
	uint8_t *data = malloc(size), *back = malloc(size);
	fill_random(data, size, 21);
	struct stubflash_write_opts o = {.compress = true, .diff = true};
	struct stubflash_write_result res;
	assert_int_equal(stubflash_write_opts(b.ld, at, data, size, &o, NULL, &res, &b.err), ED_OK);
	assert_int_equal(res.sectors, 256);
	assert_int_equal(res.skipped, 0); /* erased flash: every sector differs */
	for (uint32_t i = 0; i < size / 100; i++)
		data[0x30000 + i] ^= 0x5A; /* 0x30000..0x328f4: sectors 0x30, 0x31, 0x32 */
	data[0xF0123] ^= 1;		   /* sector 0xF0 */
	struct sim_stats s0, s1;
	sim_board_stats(link_sim_board(b.link), &s0);
	for (int compress = 0; compress < 2; compress++) {
		o.compress = compress;
		int rc = stubflash_write_opts(b.ld, at, data, size, &o, NULL, &res, &b.err);
		if (rc != ED_OK)
			fail_msg("diff write: %s", b.err.msg);
		sim_board_stats(link_sim_board(b.link), &s1);
		if (!compress) {
			assert_int_equal(res.skipped, 256 - 4);
			assert_int_equal(s1.sectors_erased - s0.sectors_erased, 4);
			assert_int_equal(s1.flash_data_bytes - s0.flash_data_bytes, 4 * SECTOR);
			assert_in_range(s1.pages_programmed - s0.pages_programmed, 4 * 16, 4 * 17);
		} else {
			/* the flash holds the new data now: nothing left to write */
			assert_int_equal(res.skipped, 256);
			assert_int_equal(s1.pages_programmed, s0.pages_programmed);
		}
		s0 = s1;
	}
	char want[33];
	md5_of(data, size, want);
	assert_string_equal(res.flash_md5, want);
	assert_int_equal(stubflash_read(b.ld, at, back, size, NULL, &b.err), ED_OK);
	assert_memory_equal(back, data, size);
	/* without diff every sector is written again */
	assert_int_equal(stubflash_write(b.ld, at, data, size, true, NULL, &res, &b.err), ED_OK);
	sim_board_stats(link_sim_board(b.link), &s1);
	assert_int_equal(res.skipped, 0);
	assert_int_equal(s1.sectors_erased - s0.sectors_erased, 256);
	free(data);
	free(back);
	close_board(&b);
}

/* A diff write whose run's FLASH_BEGIN offset is damaged on the wire (the session lands
 * elsewhere, acknowledged): the run's own sectors are found wrong, repaired, and the write
 * ends in ED_ERR_VERIFY as a whole write does, although only the run was checked. */
static void test_write_diff_misplaced_not_ok(void **state)
{
	(void)state;
	struct fliplink_rule rule = {
	    .op = PKT_FLASH_BEGIN, .word = 3, .match = 0x92000, .flip = 0x100000, .times = 1};
	struct bench b;
	open_board(&b, "", &rule);
	start_stub(&b);
	no_strict(&b);
	static uint8_t data[8 * SECTOR];
	fill_random(data, sizeof data, 23);
	assert_int_equal(
	    stubflash_write(b.ld, 0x90000, data, sizeof data, false, NULL, NULL, &b.err), ED_OK);
	data[2 * SECTOR + 9] ^= 0x40; /* sector 0x92000 */
	struct stubflash_write_opts o = {.diff = true};
	struct stubflash_write_result res;
	int rc = stubflash_write_opts(b.ld, 0x90000, data, sizeof data, &o, NULL, &res, &b.err);
	assert_int_equal(fliplink_flipped(b.link), 1);
	assert_int_equal(rc, ED_ERR_VERIFY);
	assert_non_null(strstr(b.err.msg, "another address"));
	assert_int_equal(res.skipped, 7);
	assert_int_equal(res.rewritten, 1);
	assert_int_equal(stubflash_verify(b.ld, 0x90000, data, sizeof data, &b.err), ED_OK);
	close_board(&b);
}

/* The job with spec.diff: the summary and the progress slot say what was skipped; an
 * unaligned file keeps its neighbours. */
static void test_job_diff_summary(void **state)
{
	(void)state;
	struct files f;
	make_dir(&f);
	char port[256];
	snprintf(port, sizeof port, "sim://?fast&clock=virtual&flash=%s", f.img);
	static uint8_t data[5 * SECTOR + 300];
	fill_random(data, sizeof data, 22);
	struct job_step steps[] = {
	    {.kind = JOB_STEP_WRITE,
	     .offset = 0x8100,
	     .size = sizeof data,
	     .data = data,
	     .name = "app.bin"},
	};
	struct job_spec spec = {.port = port,
				.baud = 115200,
				.stub = true,
				.diff = true,
				.flash_mode = "keep",
				.flash_size = "keep",
				.flash_freq = "keep",
				.steps = steps,
				.step_count = 1};
	struct seen s;
	assert_int_equal(run_job(&spec, &s), ED_OK);
	assert_non_null(strstr(s.summary, "0 of 6 sectors unchanged and skipped"));
	data[2 * SECTOR] ^= 0xFF;
	assert_int_equal(run_job(&spec, &s), ED_OK);
	assert_non_null(strstr(s.summary, "5 of 6 sectors unchanged and skipped"));
	assert_int_equal(s.ev_skipped, 5);
	assert_int_equal(s.ev_sectors, 6);
	check_flash(&f, 0x8100, data, sizeof data);
	remove_dir(&f);
}

int main(void)
{
	if (!stub_blob_builtin()) {
		printf("1..0 # SKIP built without the xtensa cross compiler: no stub to test\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_job_writes_through_stub),
	    cmocka_unit_test(test_job_compressed_by_default),
	    cmocka_unit_test(test_job_changes_baud),
	    cmocka_unit_test(test_job_falls_back_to_rom),
	    cmocka_unit_test(test_job_rom_phase_noise),
	    cmocka_unit_test(test_job_flash_id_from_stub),
	    cmocka_unit_test(test_job_unlocks_protected_flash),
	    cmocka_unit_test(test_rom_protection_that_stays),
	    cmocka_unit_test(test_no_stub),
	    cmocka_unit_test(test_stub_already_running),
	    cmocka_unit_test(test_stub_upload_silent),
	    cmocka_unit_test(test_stub_start_survives_mem_end_faults),
	    cmocka_unit_test(test_stub_start_gives_up),
	    cmocka_unit_test(test_write_repairs_bad_sectors),
	    cmocka_unit_test(test_write_names_sector_still_wrong),
	    cmocka_unit_test(test_write_misplaced_session_not_ok),
	    cmocka_unit_test(test_baud_change_falls_back),
	    cmocka_unit_test(test_read_resumes),
	    cmocka_unit_test(test_verify_erase_read),
	    cmocka_unit_test(test_write_in_flight_recovers),
	    cmocka_unit_test(test_strict_refuses_damaged_headers),
	    cmocka_unit_test(test_erase_slow_and_stalled),
	    cmocka_unit_test(test_write_diff_only_changed),
	    cmocka_unit_test(test_write_diff_misplaced_not_ok),
	    cmocka_unit_test(test_job_diff_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
