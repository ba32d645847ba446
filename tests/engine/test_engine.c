/* SPDX-License-Identifier: MIT
 * Engine tests against the in-process virtual board (sim://, fast timing, virtual clock):
 * erase planning against the ROM's erase bug, chip detection, write/read/verify/erase,
 * neighbouring data after writes in any order with both strategies, faults, connect
 * failures, and the job API (events, progress, cancel). */
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

#include "engine/detect.h"
#include "engine/erase_plan.h"
#include "engine/flasher.h"
#include "engine/loader.h"
#include "link/ports.h"
#include "job/job.h"
#include "link/link.h"
#include "sim/sim.h"
#include "test_flip.h"

#define SECTOR 4096u

/* --- erase planning (pure) --------------------------------------------------------- */

static void test_esptool_size_matches_reference_table(void **state)
{
	(void)state;
	/* reference §6.2's table */
	assert_int_equal(erase_plan_esptool_size(0x0, 3856), 0x1000);
	assert_int_equal(erase_plan_esptool_size(0x0, 0x3000), 0x2000);
	assert_int_equal(erase_plan_esptool_size(0xF000, 0x3000), 0x2000);
	assert_int_equal(erase_plan_esptool_size(0x0, 0x10000), 0x8000);
	assert_int_equal(erase_plan_esptool_size(0x1000, 0x6CEF4), 0x5E000);
	assert_int_equal(erase_plan_esptool_size(0x3FC000, 128), 0x1000);
	assert_int_equal(erase_plan_rom_sectors(0, 0x1000), 2);
	assert_int_equal(erase_plan_rom_sectors(0x3FC, 0x1000), 2);
	assert_int_equal(erase_plan_rom_sectors(1, 0x5E000), 109);
	assert_int_equal(erase_plan_rom_sectors(0, 0), 0);
}

/* For every start sector and length: the ROM's real erase plus the SPI erase cover exactly
 * the sectors written, never one more. */
static void test_plans_never_erase_outside(void **state)
{
	(void)state;
	for (int strat = 0; strat < 2; strat++) {
		for (uint32_t s = 0; s < 48; s++) {
			for (uint32_t n = 1; n <= 80; n++) {
				uint32_t off = s * SECTOR;
				uint32_t size =
				    n * SECTOR - (n % 3) * 100; /* partial last sectors too */
				struct erase_plan p;
				erase_plan_make(strat, off, size, 16u << 20, false, &p);
				uint32_t wsec = (p.write_size + SECTOR - 1) / SECTOR;
				uint32_t rom = erase_plan_rom_sectors(s, p.rom_erase_size);
				if (strat == ERASE_STRATEGY_EXACT) {
					assert_int_equal(wsec, n);
					assert_false(p.preserve);
				} else {
					assert_true(wsec == n ||
						    (p.preserve && wsec == n + 1 &&
						     p.preserve_offset == off + n * SECTOR));
				}
				/* ROM erase from s, then SPI erase right behind it, together = written */
				assert_true(rom <= wsec);
				if (p.spi_erase_size) {
					assert_int_equal(p.spi_erase_offset, off + rom * SECTOR);
					assert_int_equal(rom + p.spi_erase_size / SECTOR, wsec);
				} else {
					assert_int_equal(rom, wsec);
				}
			}
		}
	}
}

/* boot.bin at 0x0 before user1.bin at 0x1000 in one job: the ROM may take sector 1 too. */
static void test_next_free_uses_esptool_size(void **state)
{
	(void)state;
	struct erase_plan p;
	erase_plan_make(ERASE_STRATEGY_EXACT, 0, 3856, 4u << 20, true, &p);
	assert_int_equal(p.rom_erase_size, 0x1000);
	assert_int_equal(p.spi_erase_size, 0);
	assert_int_equal(erase_plan_rom_sectors(0, p.rom_erase_size), 2);
	erase_plan_make(ERASE_STRATEGY_EXACT, 0, 3856, 4u << 20, false, &p);
	assert_int_equal(p.rom_erase_size, 0);
	assert_int_equal(p.spi_erase_offset, 0);
	assert_int_equal(p.spi_erase_size, 0x1000);
}

static void test_preserve_at_end_of_flash_falls_back(void **state)
{
	(void)state;
	struct erase_plan p;
	/* last sector of a 4 MB chip: the collateral sector would be past the end */
	erase_plan_make(ERASE_STRATEGY_PRESERVE, 0x3FF000, 100, 4u << 20, false, &p);
	assert_false(p.preserve);
	assert_int_equal(
	    erase_plan_rom_sectors(0x3FF, p.rom_erase_size) + p.spi_erase_size / SECTOR, 1);
}

/* --- detection helpers ---------------------------------------------------------------- */

static void test_mac_and_names(void **state)
{
	(void)state;
	uint8_t mac[6];
	uint32_t otp[4] = {0xC3000000u, 0x0200A1B2u, 0, 0x00840D8Eu};
	assert_int_equal(detect_mac(otp, mac, NULL), ED_OK);
	assert_memory_equal(mac, ((uint8_t[]){0x84, 0x0D, 0x8E, 0xA1, 0xB2, 0xC3}), 6);
	otp[3] = 0;
	assert_int_equal(detect_mac(otp, mac, NULL), ED_OK); /* (R1>>16)&FF = 0 */
	assert_memory_equal(mac, ((uint8_t[]){0x18, 0xFE, 0x34, 0xA1, 0xB2, 0xC3}), 6);
	otp[1] = 0x0002A1B2u;
	assert_int_equal(detect_mac(otp, mac, NULL), ED_ERR_DEVICE); /* 2: unknown OUI */
	otp[1] = 0x0001A1B2u;
	assert_int_equal(detect_mac(otp, mac, NULL), ED_OK);
	assert_memory_equal(mac, ((uint8_t[]){0xAC, 0xD0, 0x74, 0xA1, 0xB2, 0xC3}), 6);
	char name[32];
	bool e85;
	uint32_t plain[4] = {0, 0, 0, 0};
	detect_name(plain, name, sizeof name, &e85);
	assert_string_equal(name, "ESP8266EX");
	assert_false(e85);
	uint32_t h08[4] = {(1u << 4) | (1u << 5), 0, 0, 0};
	detect_name(h08, name, sizeof name, &e85);
	assert_string_equal(name, "ESP8285H08");
	uint32_t n16[4] = {0, 0, 1u << 16, (1u << 25)};
	detect_name(n16, name, sizeof name, &e85);
	assert_string_equal(name, "ESP8285N16");
	assert_int_equal(detect_crystal_mhz(0x1C4, 115200), 26);
	assert_int_equal(detect_crystal_mhz(0x2B6, 115200), 40);
	/* the usual ESP USB bridges in `espdeck ports` */
	assert_string_equal(ports_bridge_name(0x10C4, 0xEA60), "CP210x");
	assert_string_equal(ports_bridge_name(0x1A86, 0x7523), "CH340");
	assert_string_equal(ports_bridge_name(0x1A86, 0x55D4), "CH9102");
	assert_string_equal(ports_bridge_name(0x0403, 0x6001), "FTDI");
	assert_null(ports_bridge_name(0x2341, 0x0043));
}

/* --- against the virtual board --------------------------------------------------------- */

struct bench {
	struct link *link;
	struct loader *ld;
	struct sim_board *board;
	struct ed_error err;
};

static void open_board(struct bench *b, const char *query, enum loader_before before)
{
	char spec[512];
	snprintf(spec, sizeof spec, "sim://?fast&clock=virtual%s%s", query[0] ? "&" : "", query);
	assert_int_equal(link_open(spec, NULL, &b->link, &b->err), ED_OK);
	struct loader_config cfg = {0};
	assert_int_equal(loader_create(b->link, &cfg, &b->ld, &b->err), ED_OK);
	b->board = link_sim_board(b->link);
	assert_non_null(b->board);
	int rc = loader_connect(b->ld, before, &b->err);
	if (rc != ED_OK)
		fail_msg("connect: %s", b->err.msg);
}

static void close_board(struct bench *b)
{
	loader_destroy(b->ld);
	link_close(b->link);
}

static const uint8_t *flash_of(struct bench *b)
{
	size_t size;
	return sim_board_flash(b->board, &size);
}

static void fill_random(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static void test_detect_chip(void **state)
{
	(void)state;
	struct bench b;
	open_board(&b, "mac=5c:cf:7f:01:02:03", LOADER_BEFORE_DEFAULT_RESET);
	struct chip_info info;
	assert_int_equal(detect_chip(b.ld, &info, &b.err), ED_OK);
	assert_string_equal(info.name, "ESP8266EX");
	assert_int_equal(info.crystal_mhz, 26);
	assert_memory_equal(info.mac, ((uint8_t[]){0x5c, 0xcf, 0x7f, 0x01, 0x02, 0x03}), 6);
	assert_int_equal(info.chip_id, 0x00010203);
	assert_int_equal(info.flash_id, 0x1640EF);
	assert_int_equal(info.flash_size, 4u << 20);
	assert_string_equal(info.features, "Wi-Fi, 160MHz"); /* esptool v5's words */
	close_board(&b);

	open_board(&b, "chip=esp8285&flash-size=1MB", LOADER_BEFORE_NO_RESET);
	assert_int_equal(detect_chip(b.ld, &info, &b.err), ED_OK);
	assert_true(info.esp8285);
	assert_int_equal(strncmp(info.name, "ESP8285", 7), 0);
	assert_int_equal(info.flash_size, 1u << 20);
	assert_string_equal(info.features, "Wi-Fi, 160MHz, Embedded Flash");
	close_board(&b);
}

static void write_ok(struct bench *b, uint32_t off, const uint8_t *d, uint32_t n,
		     enum erase_strategy s)
{
	struct flasher_write_opts wo = {.strategy = s, .flash_size = 4u << 20};
	int rc = flasher_write(b->ld, off, d, n, &wo, NULL, &b->err);
	if (rc != ED_OK)
		fail_msg("write 0x%x: %s", off, b->err.msg);
}

static void test_write_read_verify(void **state)
{
	(void)state;
	struct bench b;
	open_board(&b, "", LOADER_BEFORE_DEFAULT_RESET);
	uint32_t n = 0x3000 + 123;
	uint8_t *d = malloc(n), *r = malloc(n);
	fill_random(d, n, 7);
	write_ok(&b, 0x20000, d, n, ERASE_STRATEGY_EXACT);
	assert_memory_equal(flash_of(&b) + 0x20000, d, n);
	/* the rest of the last sector is erased, not left over */
	for (uint32_t i = n; i < 0x4000; i++)
		assert_int_equal(flash_of(&b)[0x20000 + i], 0xFF);
	assert_int_equal(flasher_read(b.ld, 0x20000, r, n, NULL, &b.err), ED_OK);
	assert_memory_equal(r, d, n);
	uint32_t diff = 0;
	assert_int_equal(flasher_verify(b.ld, 0x20000, d, n, NULL, &diff, &b.err), ED_OK);
	assert_int_equal(diff, UINT32_MAX);
	d[0x1234] ^= 0x40;
	assert_int_equal(flasher_verify(b.ld, 0x20000, d, n, NULL, &diff, &b.err), ED_ERR_VERIFY);
	assert_int_equal(diff, 0x21234);
	assert_non_null(strstr(b.err.msg, "0x021234"));
	free(d);
	free(r);
	close_board(&b);
}

/* Writes a pattern everywhere in [0, 0x40000), then small files in an order that makes a
 * plain ROM write wipe a neighbour (boot.bin after user1.bin, init data below the system
 * parameters), and checks every byte outside the files kept its value. */
static void neighbours_intact(enum erase_strategy s)
{
	struct bench b;
	open_board(&b, "", LOADER_BEFORE_DEFAULT_RESET);
	uint32_t span = 0x40000;
	uint8_t *expect = malloc(span);
	fill_random(expect, span, 99);
	write_ok(&b, 0, expect, span, s);
	assert_memory_equal(flash_of(&b), expect, span);
	static const struct {
		uint32_t off, size;
	} files[] = {
	    {0x1000, 0x2F00}, {0x0, 3856},     {0xF000, 0x1000},   {0x1F000, 0x3000},
	    {0x3C000, 128},   {0x3E000, 4096}, {0x22000, 0x11000}, {0x10000, 0x5100},
	};
	for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
		uint8_t *d = malloc(files[k].size);
		fill_random(d, files[k].size, (uint32_t)k + 1000u * (unsigned)s);
		write_ok(&b, files[k].off, d, files[k].size, s);
		memcpy(expect + files[k].off, d, files[k].size);
		uint32_t end = (files[k].off + files[k].size + SECTOR - 1) / SECTOR * SECTOR;
		memset(expect + files[k].off + files[k].size, 0xFF,
		       end - files[k].off - files[k].size);
		free(d);
		const uint8_t *f = flash_of(&b);
		for (uint32_t i = 0; i < span; i++)
			if (f[i] != expect[i])
				fail_msg("%s: after writing 0x%x+0x%x, 0x%06x changed",
					 erase_strategy_name(s), files[k].off, files[k].size, i);
	}
	free(expect);
	close_board(&b);
}

static void test_neighbours_exact(void **state)
{
	(void)state;
	neighbours_intact(ERASE_STRATEGY_EXACT);
}

static void test_neighbours_preserve(void **state)
{
	(void)state;
	neighbours_intact(ERASE_STRATEGY_PRESERVE);
}

/* The last sector: a ROM erase of two sectors would run past the end of the chip (on a
 * real flash probably into sector 0, reference §6.2); both strategies stay inside. */
static void test_last_sector(void **state)
{
	(void)state;
	struct bench b;
	open_board(&b, "", LOADER_BEFORE_DEFAULT_RESET);
	uint8_t first[SECTOR], last[100];
	fill_random(first, sizeof first, 21);
	fill_random(last, sizeof last, 22);
	write_ok(&b, 0, first, sizeof first, ERASE_STRATEGY_EXACT);
	for (int s = 0; s < 2; s++) {
		write_ok(&b, 0x3FF000, last, sizeof last, (enum erase_strategy)s);
		assert_memory_equal(flash_of(&b) + 0x3FF000, last, sizeof last);
		assert_memory_equal(flash_of(&b), first, sizeof first);
	}
	close_board(&b);
}

static void test_erase_region_and_chip(void **state)
{
	(void)state;
	struct bench b;
	open_board(&b, "", LOADER_BEFORE_DEFAULT_RESET);
	uint32_t span = 0x30000;
	uint8_t *d = malloc(span);
	fill_random(d, span, 5);
	write_ok(&b, 0, d, span, ERASE_STRATEGY_EXACT);
	/* sectors, a 64 KiB block and sectors again */
	assert_int_equal(flasher_erase_region(b.ld, 0xE000, 0x13000, NULL, &b.err), ED_OK);
	const uint8_t *f = flash_of(&b);
	for (uint32_t i = 0; i < span; i++) {
		bool erased = i >= 0xE000 && i < 0x21000;
		if (erased ? f[i] != 0xFF : f[i] != d[i])
			fail_msg("0x%06x: %02x", i, f[i]);
	}
	assert_int_equal(flasher_erase_region(b.ld, 0x1001, 0x1000, NULL, &b.err), ED_ERR_ARG);
	assert_int_equal(flasher_erase_chip(b.ld, 4u << 20, &b.err), ED_OK);
	f = flash_of(&b);
	for (uint32_t i = 0; i < (4u << 20); i += 509)
		assert_int_equal(f[i], 0xFF);
	free(d);
	close_board(&b);
}

/* Region erases (ROM erase for the bulk, SPI for what it cannot reach exactly) across
 * 64 KiB boundaries: every sector of the region erased, its neighbours untouched. */
static void test_erase_region_exact(void **state)
{
	(void)state;
	static const uint32_t cases[][2] = {{1, 1},  {1, 2},  {15, 1},	{15, 3}, {3, 17},
					    {0, 16}, {0, 33}, {14, 20}, {5, 30}, {17, 18}};
	struct bench b;
	open_board(&b, "", LOADER_BEFORE_DEFAULT_RESET);
	uint32_t span = 0x40000;
	uint8_t *d = malloc(span);
	fill_random(d, span, 9);
	write_ok(&b, 0, d, span, ERASE_STRATEGY_EXACT);
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		uint32_t off = cases[c][0] * SECTOR, n = cases[c][1] * SECTOR;
		if (flasher_erase_region(b.ld, off, n, NULL, &b.err) != ED_OK)
			fail_msg("erase 0x%x+0x%x: %s", off, n, b.err.msg);
		const uint8_t *f = flash_of(&b);
		for (uint32_t i = 0; i < span; i++) {
			bool erased = i >= off && i < off + n;
			if (erased ? f[i] != 0xFF : f[i] != d[i])
				fail_msg("erase 0x%x+0x%x: 0x%06x holds %02x", off, n, i, f[i]);
		}
		write_ok(&b, off, d + off, n, ERASE_STRATEGY_EXACT);
	}
	free(d);
	close_board(&b);
}

/* Faults end in the right data or a clear error, never in wrong data reported as good. */
static void test_faults_never_silent(void **state)
{
	(void)state;
	static const char *const faults[] = {
	    "fault=drop=0.00003",
	    "fault=corrupt=0.00003",
	    "fault=stall=2500@0.02",
	    "fault=drop=0.00002,corrupt=0.00002,stall=3500@0.005",
	};
	uint32_t n = 0x18000;
	uint8_t *d = malloc(n);
	fill_random(d, n, 3);
	int successes = 0;
	for (size_t k = 0; k < sizeof faults / sizeof faults[0]; k++) {
		for (int seed = 1; seed <= 3; seed++) {
			char q[128];
			snprintf(q, sizeof q, "%s&seed=%d", faults[k], seed);
			struct bench b;
			open_board(&b, q, LOADER_BEFORE_DEFAULT_RESET);
			struct flasher_write_opts wo = {.strategy = ERASE_STRATEGY_EXACT,
							.flash_size = 4u << 20};
			int rc = flasher_write(b.ld, 0x8000, d, n, &wo, NULL, &b.err);
			if (rc == ED_OK) {
				successes++;
				if (memcmp(flash_of(&b) + 0x8000, d, n))
					fail_msg("%s: write reported good but the flash differs",
						 q);
				/* reads on the same noisy line: right data or an error, and a verify
				 * of right data never fails */
				uint8_t back[0x800];
				rc = flasher_read(b.ld, 0x8000, back, sizeof back, NULL, &b.err);
				if (rc == ED_OK && memcmp(back, d, sizeof back))
					fail_msg("%s: read reported good but differs", q);
				rc = flasher_verify(b.ld, 0x8000, d, 0x2000, NULL, NULL, &b.err);
				if (rc == ED_ERR_VERIFY)
					fail_msg("%s: verify of right data failed: %s", q,
						 b.err.msg);
			} else {
				assert_true(strlen(b.err.msg) > 20);
			}
			close_board(&b);
		}
	}
	assert_true(successes >= 6);
	free(d);
}

static void test_disconnect_mid_write(void **state)
{
	(void)state;
	struct bench b;
	open_board(&b, "fault=disconnect-after=30000", LOADER_BEFORE_DEFAULT_RESET);
	uint32_t n = 0x10000;
	uint8_t *d = malloc(n);
	fill_random(d, n, 4);
	struct flasher_write_opts wo = {.strategy = ERASE_STRATEGY_EXACT, .flash_size = 4u << 20};
	int rc = flasher_write(b.ld, 0, d, n, &wo, NULL, &b.err);
	assert_int_equal(rc, ED_ERR_DISCONNECTED);
	assert_non_null(strstr(b.err.msg, "writing 0x"));
	free(d);
	close_board(&b);
}

static void test_connect_failures(void **state)
{
	(void)state;
	struct link *l;
	struct ed_error err;
	/* a board still running its firmware never answers SYNC without a reset */
	assert_int_equal(link_open("sim://?fast&clock=virtual&need-reset", NULL, &l, &err), ED_OK);
	struct loader *ld;
	struct loader_config cfg = {.connect_attempts = 2};
	assert_int_equal(loader_create(l, &cfg, &ld, &err), ED_OK);
	assert_int_equal(loader_connect(ld, LOADER_BEFORE_NO_RESET, &err), ED_ERR_TIMEOUT);
	assert_non_null(strstr(err.msg, "no reply to SYNC after 2 attempts on sim://"));
	assert_non_null(strstr(err.msg, "at 115200 baud"));
	assert_non_null(strstr(err.msg, "download mode"));
	/* the DTR/RTS reset puts it into the loader */
	assert_int_equal(loader_connect(ld, LOADER_BEFORE_DEFAULT_RESET, &err), ED_OK);
	loader_destroy(ld);
	link_close(l);
	/* a board that ignores the first SYNCs after each reset still connects */
	struct bench b;
	open_board(&b, "sync-after=4", LOADER_BEFORE_DEFAULT_RESET);
	close_board(&b);
	open_board(&b, "boot-log", LOADER_BEFORE_DEFAULT_RESET);
	close_board(&b);
}

/* --- jobs -------------------------------------------------------------------------------- */

static int run_job(struct job_spec *spec, bool cancel_at_start, struct job_event *last, int *events)
{
	struct job *job;
	struct ed_error err;
	assert_int_equal(job_start(spec, &job, &err), ED_OK);
	if (cancel_at_start)
		job_cancel(job);
	*events = 0;
	bool done = false;
	/* Wait on the wake fd as a UI does: the worker wakes it for the result event and
	 * again once it has finished (the result event comes first). */
	while (!done || !job_is_finished(job)) {
		struct pollfd pfd = {job_wake_fd(job), POLLIN, 0};
		assert_true(poll(&pfd, 1, 10000) > 0);
		job_drain_wake(job);
		struct job_event ev;
		while (job_next_event(job, &ev)) {
			(*events)++;
			if (ev.kind == JOB_EVENT_RESULT) {
				*last = ev;
				done = true;
			}
		}
	}
	int rc = job_wait(job, &err);
	job_destroy(job);
	return rc;
}

static void test_job_write_read(void **state)
{
	(void)state;
	char dir[] = "/tmp/espdeck-test-XXXXXX", img[128], dump[128];
	assert_non_null(mkdtemp(dir));
	snprintf(img, sizeof img, "%s/flash.img", dir);
	snprintf(dump, sizeof dump, "%s/dump.bin", dir);
	char port[256];
	snprintf(port, sizeof port, "sim://?fast&clock=virtual&flash=%s", img);
	uint8_t data[5000];
	fill_random(data, sizeof data, 11);
	struct job_step steps[] = {
	    {.kind = JOB_STEP_WRITE,
	     .offset = 0x3000,
	     .size = sizeof data,
	     .data = data,
	     .name = "data.bin"},
	    {.kind = JOB_STEP_READ, .offset = 0x3000, .size = sizeof data, .path = dump},
	};
	struct job_spec spec = {.port = port,
				.baud = 115200,
				.verify = true,
				.flash_mode = "keep",
				.flash_size = "keep",
				.flash_freq = "keep",
				.steps = steps,
				.step_count = 2};
	struct job_event last;
	int events;
	assert_int_equal(run_job(&spec, false, &last, &events), ED_OK);
	assert_int_equal(last.result, ED_OK);
	assert_true(events > 8);
	FILE *f = fopen(dump, "rb");
	assert_non_null(f);
	uint8_t back[sizeof data];
	assert_int_equal(fread(back, 1, sizeof back, f), sizeof back);
	fclose(f);
	assert_memory_equal(back, data, sizeof data);
	unlink(dump);
	/* cancelled before it starts: an error, and no dump file */
	assert_int_equal(run_job(&spec, true, &last, &events), ED_ERR_CANCELLED);
	assert_non_null(strstr(last.text, "cancel"));
	assert_int_equal(access(dump, F_OK), -1);
	/* a read that fails (board gone) leaves no file either */
	snprintf(port, sizeof port, "sim://?fast&clock=virtual&fault=disconnect-after=3000");
	spec.steps = &steps[1];
	spec.step_count = 1;
	assert_int_equal(run_job(&spec, false, &last, &events), ED_ERR_DISCONNECTED);
	assert_int_equal(access(dump, F_OK), -1);
	unlink(img);
	rmdir(dir);
}

/* --before manual keeps trying until cancelled, and says what the user has to do. */
static void test_job_manual_cancel(void **state)
{
	(void)state;
	struct job_step step = {.kind = JOB_STEP_INFO};
	struct job_spec spec = {.port = "sim://?fast&clock=virtual&need-reset",
				.baud = 115200,
				.before = JOB_BEFORE_MANUAL,
				.steps = &step,
				.step_count = 1};
	struct job *job;
	struct ed_error err;
	assert_int_equal(job_start(&spec, &job, &err), ED_OK);
	bool told = false, done = false;
	int result = 0, waits = 0;
	while (!done) {
		job_drain_wake(job);
		struct job_event ev;
		while (job_next_event(job, &ev)) {
			if (ev.kind == JOB_EVENT_LOG && strstr(ev.text, "hold GPIO0"))
				told = true;
			if (ev.kind == JOB_EVENT_RESULT) {
				done = true;
				result = ev.result;
			}
		}
		if (++waits == 50)
			job_cancel(job);
		usleep(2000);
	}
	assert_true(told);
	assert_int_equal(result, ED_ERR_CANCELLED);
	assert_int_equal(job_wait(job, &err), ED_ERR_CANCELLED);
	job_destroy(job);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_esptool_size_matches_reference_table),
	    cmocka_unit_test(test_plans_never_erase_outside),
	    cmocka_unit_test(test_preserve_at_end_of_flash_falls_back),
	    cmocka_unit_test(test_next_free_uses_esptool_size),
	    cmocka_unit_test(test_mac_and_names),
	    cmocka_unit_test(test_detect_chip),
	    cmocka_unit_test(test_write_read_verify),
	    cmocka_unit_test(test_neighbours_exact),
	    cmocka_unit_test(test_neighbours_preserve),
	    cmocka_unit_test(test_last_sector),
	    cmocka_unit_test(test_erase_region_and_chip),
	    cmocka_unit_test(test_erase_region_exact),
	    cmocka_unit_test(test_faults_never_silent),
	    cmocka_unit_test(test_disconnect_mid_write),
	    cmocka_unit_test(test_connect_failures),
	    cmocka_unit_test(test_job_write_read),
	    cmocka_unit_test(test_job_manual_cancel),
	    cmocka_unit_test(test_flip_begin_offset_erased),
	    cmocka_unit_test(test_flip_begin_offset_old_data),
	    cmocka_unit_test(test_flip_begin_offset_always),
	    cmocka_unit_test(test_flip_data_seq_last_block),
	    cmocka_unit_test(test_flip_data_seq_check_blocks),
	    cmocka_unit_test(test_flip_data_seq_into_file),
	    cmocka_unit_test(test_flip_spi_erase),
	    cmocka_unit_test(test_flip_begin_erase_size),
	    cmocka_unit_test(test_flip_erase_region_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
