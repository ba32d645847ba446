/* SPDX-License-Identifier: MIT
 * The flasher stub's protocol core, run by the virtual board (src/sim/stub.c) and driven
 * through the real protocol: uploaded with MEM_BEGIN/DATA/END, then every command and the
 * bad input of issue 12 (bad checksums, lengths and sequence numbers, frames too long,
 * corrupt or too long deflate streams, writes past the announced size, reads past the end
 * of flash, zero sizes, unaligned erase regions, commands out of place during a write).
 * Each test checks the status bytes a host sees and the flash a user would read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "../sim/host.h"
#include "client.h"
#include "core/util.h"
#include "proto/packet.h"
#include "proto/slip.h"
#include "stub/stub_blob.h"

#define FLASH 0x100000u
#define FILL  0xA5

static struct link *L;
/* With --tcp the board is an espdeck-sim process on loopback: the flash is its backing
 * file (mapped, so every change is in the file at once). */
static bool tcp;
static pid_t sim_pid;
static char flash_path[1024];

static const uint8_t *flash(void)
{
	if (tcp) {
		static uint8_t buf[FLASH];
		FILE *f = fopen(flash_path, "rb");
		assert_non_null(f);
		assert_int_equal(fread(buf, 1, FLASH, f), FLASH);
		fclose(f);
		return buf;
	}
	size_t size;
	const uint8_t *f = sim_board_flash(link_sim_board(L), &size);
	assert_int_equal(size, FLASH);
	return f;
}

/* Starts espdeck-sim --tcp on the flash file; returns "socket://127.0.0.1:PORT". */
static const char *start_sim(const char *path)
{
	static char spec[64];
	char port_file[1100];
	snprintf(port_file, sizeof port_file, "%s.port", path);
	remove(port_file);
	/* each board process names its transcripts apart */
	static unsigned boards;
	char tag[32];
	snprintf(tag, sizeof tag, "tcp%u", boards++);
	setenv("ESPDECK_STUB_TRANSCRIPT_TAG", tag, 1);
	sim_pid = fork();
	if (sim_pid == 0) {
		/* If this test dies, the board goes too, and holds no pipe of meson's open. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			close(null);
		}
		execl(getenv("ESPDECK_SIM"), "espdeck-sim", "--tcp", "127.0.0.1:0", "--port-file",
		      port_file, "--flash", path, "--fast", "--quiet", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 400; i++) {
		FILE *f = fopen(port_file, "r");
		unsigned port = 0;
		if (f && fscanf(f, "%u", &port) == 1 && port) {
			fclose(f);
			snprintf(spec, sizeof spec, "socket://127.0.0.1:%u", port);
			return spec;
		}
		if (f)
			fclose(f);
		usleep(25000);
	}
	fail_msg("espdeck-sim did not write %s", port_file);
	return NULL;
}

static void pseudo(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;
		/* half random, half runs: compressible like firmware */
		p[i] = (i / 512) % 2 ? (uint8_t)(seed >> 24) : (uint8_t)(i / 64);
	}
}

static int setup(void **state)
{
	(void)state;
	char opts[1200];
	const char *path = client_flash_file(FLASH, FILL);
	assert_non_null(path);
	snprintf(flash_path, sizeof flash_path, "%s", path);
	if (tcp) {
		L = client_open_spec(start_sim(path), UPLOAD_ESPTOOL_LAYOUT, true);
	} else {
		snprintf(opts, sizeof opts, "fast&flash=%s", path);
		L = client_open(opts, UPLOAD_ESPTOOL_LAYOUT, true);
	}
	assert_non_null(L);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	link_close(L);
	if (tcp) {
		kill(sim_pid, SIGTERM);
		waitpid(sim_pid, NULL, 0);
	}
	remove(flash_path);
	return 0;
}

/* Flash equals FILL everywhere except [off, off + n), which equals data. */
static void assert_flash_is(uint32_t off, const uint8_t *data, uint32_t n)
{
	const uint8_t *f = flash();
	for (uint32_t i = 0; i < FLASH; i++) {
		uint8_t want = i >= off && i - off < n ? data[i - off] : FILL;
		if (f[i] != want)
			fail_msg("flash 0x%06x is %02x, want %02x (data at 0x%x, %u bytes)", i,
				 f[i], want, off, n);
	}
}

static void test_sync_while_running(void **state)
{
	(void)state;
	uint8_t p[36];
	pkt_sync_payload(p);
	client_send(L, PKT_SYNC, p, 36, 0);
	uint8_t f[64];
	int replies = 0;
	for (int n; (n = client_frame(L, f, sizeof f, 100000)) > 0; replies++) {
		assert_int_equal(n, 10);
		assert_int_equal(f[1], PKT_SYNC);
		assert_int_equal(get_le32(f + 4), 0); /* value 0: "a stub is running" */
	}
	assert_int_equal(replies, 8);
}

static void test_plain_write_unaligned_keeps_neighbours(void **state)
{
	(void)state;
	static uint8_t data[9000];
	pseudo(data, sizeof data, 1);
	/* starts and ends inside sectors: the bytes around it must survive */
	assert_int_equal(client_write(L, false, 0x20123, data, sizeof data), 0);
	assert_int_equal(client_end(L, false, 1), 0);
	assert_flash_is(0x20123, data, sizeof data);
	uint8_t want[16], got[16];
	client_md5_of(data, sizeof data, want);
	assert_int_equal(client_md5(L, 0x20123, sizeof data, got), 0);
	assert_memory_equal(got, want, 16);
}

static void test_deflate_write_exact_erase(void **state)
{
	(void)state;
	static uint8_t data[200000];
	pseudo(data, sizeof data, 2);
	struct sim_stats before = {0}, after = {0};
	if (!tcp)
		sim_board_stats(link_sim_board(L), &before);
	assert_int_equal(client_write(L, true, 0x40000, data, sizeof data), 0);
	assert_int_equal(client_end(L, true, 1), 0);
	assert_flash_is(0x40000, data, sizeof data);
	if (tcp)
		return;
	sim_board_stats(link_sim_board(L), &after);
	/* 200000 bytes = 48.8 sectors: 49 erased, not one more */
	assert_int_equal(after.sectors_erased - before.sectors_erased, 49);
}

static void test_deflate_small_blocks(void **state)
{
	(void)state;
	static uint8_t data[30000], z[40000];
	pseudo(data, sizeof data, 3);
	uLongf zlen = sizeof z;
	assert_int_equal(compress2(z, &zlen, data, sizeof data, 6), Z_OK);
	/* an odd block size splits the stream everywhere (headers, codes, the Adler) */
	uint32_t bs = 777, blocks = (uint32_t)(zlen + bs - 1) / bs;
	assert_int_equal(client_begin(L, true, sizeof data, blocks, bs, 0x3000), 0);
	for (uint32_t s = 0; s < blocks; s++) {
		uint32_t n = zlen - s * bs < bs ? (uint32_t)zlen - s * bs : bs;
		assert_int_equal(client_data(L, true, z + s * bs, n, s), 0);
	}
	assert_int_equal(client_end(L, true, 1), 0);
	assert_flash_is(0x3000, data, sizeof data);
}

static void test_bad_checksum_then_resend(void **state)
{
	(void)state;
	static uint8_t data[4096], d[16 + 4096];
	pseudo(data, sizeof data, 4);
	assert_int_equal(client_begin(L, false, sizeof data, 1, 4096, 0x5000), 0);
	put_le32(d, 4096);
	put_le32(d + 4, 0);
	memset(d + 8, 0, 8);
	memcpy(d + 16, data, 4096);
	struct reply *r = malloc(sizeof *r);
	assert_true(client_cmd(L, PKT_FLASH_DATA, d, sizeof d, client_checksum(data, 4096) ^ 1, r));
	assert_int_equal(r->status, 0xC1);
	free(r);
	assert_flash_is(0, NULL, 0); /* nothing written, nothing erased */
	assert_int_equal(client_data(L, false, data, 4096, 0), 0);
	assert_int_equal(client_end(L, false, 1), 0);
	assert_flash_is(0x5000, data, sizeof data);
}

static void test_sequence_must_be_next(void **state)
{
	(void)state;
	static uint8_t data[8192];
	pseudo(data, sizeof data, 5);
	assert_int_equal(client_begin(L, false, sizeof data, 2, 4096, 0x6000), 0);
	/* seq 1 first: refused, and nothing lands at 0x6000 or 0x7000 */
	assert_int_equal(client_data(L, false, data + 4096, 4096, 1), 0xCA);
	assert_flash_is(0, NULL, 0);
	assert_int_equal(client_data(L, false, data, 4096, 0), 0);
	/* the reply to seq 0 was "lost": the same block again is answered, not rewritten */
	assert_int_equal(client_data(L, false, data, 4096, 0), 0);
	assert_int_equal(client_data(L, false, data + 4096, 4096, 2), 0xCA);
	assert_int_equal(client_data(L, false, data + 4096, 4096, 1), 0);
	assert_int_equal(client_end(L, false, 1), 0);
	assert_flash_is(0x6000, data, sizeof data);
}

static void test_lengths_that_disagree(void **state)
{
	(void)state;
	static uint8_t d[16 + 64];
	static uint8_t frame[8 + 16 + 64], wire[400];
	assert_int_equal(client_begin(L, false, 64, 1, 64, 0x8000), 0);
	/* data header says 60, the frame carries 64 */
	put_le32(d, 60);
	memset(d + 4, 0, 12);
	memset(d + 16, 0x11, 64);
	struct reply *r = malloc(sizeof *r);
	assert_true(client_cmd(L, PKT_FLASH_DATA, d, sizeof d, client_checksum(d + 16, 64), r));
	assert_int_equal(r->status, 0xC0);
	/* the packet header's length says 70, the frame is 80 */
	frame[1] = PKT_FLASH_DATA;
	put_le16(frame + 2, 70);
	put_le32(d, 64);
	memcpy(frame + 8, d, sizeof d);
	put_le32(frame + 4, client_checksum(d + 16, 64));
	client_send_raw(L, wire, slip_encode(frame, sizeof frame, wire));
	uint8_t f[64];
	assert_int_equal(client_frame(L, f, sizeof f, 100000), 10);
	assert_int_equal(f[8], 0xC0);
	free(r);
	assert_flash_is(0, NULL, 0);
	/* the session is still usable */
	assert_int_equal(client_data(L, false, d + 16, 64, 0), 0);
	assert_int_equal(client_end(L, false, 1), 0);
	assert_flash_is(0x8000, d + 16, 64);
}

static void test_frame_too_long(void **state)
{
	(void)state;
	static uint8_t d[16 + 0x4100];
	assert_int_equal(client_begin(L, false, 0x4100, 1, 0x4000, 0x10000), 0);
	put_le32(d, 0x4100);
	memset(d + 4, 0, 12);
	memset(d + 16, 0x22, 0x4100);
	struct reply *r = malloc(sizeof *r);
	assert_true(client_cmd(L, PKT_FLASH_DATA, d, sizeof d, client_checksum(d + 16, 0x4100), r));
	assert_int_equal(r->status, 0xC0);
	free(r);
	assert_flash_is(0, NULL, 0);
}

static void test_write_past_announced_size(void **state)
{
	(void)state;
	static uint8_t data[4096];
	pseudo(data, sizeof data, 6);
	/* announced 1000 bytes: a 4096-byte block with real data past 1000 is too much */
	assert_int_equal(client_begin(L, false, 1000, 1, 4096, 0x9000), 0);
	assert_int_equal(client_data(L, false, data, sizeof data, 0), 0xC9);
	assert_flash_is(0, NULL, 0);
	/* esptool's 0xFF padding past the size is fine, and not written */
	memset(data + 1000, 0xFF, sizeof data - 1000);
	assert_int_equal(client_data(L, false, data, sizeof data, 0), 0);
	assert_int_equal(client_data(L, false, data, 16, 1), 0xC9);
	assert_int_equal(client_end(L, false, 1), 0);
	assert_flash_is(0x9000, data, 1000);
}

static void test_deflate_corrupt_and_too_long(void **state)
{
	(void)state;
	static uint8_t data[20000], z[30000];
	pseudo(data, sizeof data, 7);
	uLongf zlen = sizeof z;
	assert_int_equal(compress2(z, &zlen, data, sizeof data, 9), Z_OK);
	/* corrupt: a block type 3 right after the zlib header */
	uint8_t bad[64];
	memcpy(bad, z, 2);
	memset(bad + 2, 0xFF, sizeof bad - 2);
	assert_int_equal(client_begin(L, true, sizeof data, 1, 0x4000, 0x30000), 0);
	assert_int_equal(client_data(L, true, bad, sizeof bad, 0), 0); /* reported late */
	assert_int_equal(client_end(L, true, 1), 0xC7);
	assert_flash_is(0, NULL, 0);
	/* too long: the stream inflates to more than announced */
	assert_int_equal(client_begin(L, true, sizeof data - 1, 2, 0x4000, 0x30000), 0);
	int st = client_data(L, true, z, zlen < 0x4000 ? (uint32_t)zlen : 0x4000, 0);
	assert_int_equal(st, 0);
	if (zlen > 0x4000)
		st = client_data(L, true, z + 0x4000, (uint32_t)zlen - 0x4000, 1);
	assert_int_equal(client_end(L, true, 1), 0xC9);
	/* never past the announced end */
	assert_int_equal(flash()[0x30000 + sizeof data - 1], FILL);
	/* trailing bytes after the stream */
	memcpy(bad, "junk", 4);
	assert_int_equal(client_begin(L, true, sizeof data, 3, 0x4000, 0x50000), 0);
	for (uint32_t s = 0; s * 0x4000 < zlen; s++)
		assert_int_equal(
		    client_data(L, true, z + s * 0x4000,
				zlen - s * 0x4000 < 0x4000 ? (uint32_t)zlen - s * 0x4000 : 0x4000,
				s),
		    0);
	assert_int_equal(client_data(L, true, bad, 4, (uint32_t)(zlen + 0x3FFF) / 0x4000), 0xC9);
	/* truncated: END before the stream ended */
	assert_int_equal(client_begin(L, true, sizeof data, 2, 0x4000, 0x70000), 0);
	assert_int_equal(client_data(L, true, z, 100, 0), 0);
	assert_int_equal(client_end(L, true, 1), 0xC8);
}

static void test_commands_out_of_place(void **state)
{
	(void)state;
	static uint8_t data[8192];
	pseudo(data, sizeof data, 8);
	uint8_t d[16] = {0};
	assert_int_equal(client_data(L, false, data, 16, 0), 0xC6); /* no BEGIN */
	assert_int_equal(client_end(L, false, 1), 0xC6);
	assert_int_equal(client_begin(L, false, sizeof data, 2, 4096, 0xA000), 0);
	assert_int_equal(client_data(L, false, data, 4096, 0), 0);
	/* mid-write: erase, read, MD5, registers are refused and change nothing */
	put_le32(d, 0);
	put_le32(d + 4, 0x1000);
	assert_int_equal(client_status(L, PKT_ERASE_REGION, d, 8), 0xCB);
	assert_int_equal(client_status(L, PKT_SPI_FLASH_MD5, d, 16), 0xCB);
	assert_int_equal(client_status(L, PKT_READ_REG, d, 4), 0xCB);
	assert_int_equal(client_data(L, true, data, 16, 1), 0xC6); /* wrong kind of data */
	assert_int_equal(client_data(L, false, data + 4096, 4096, 1), 0);
	assert_int_equal(client_end(L, false, 1), 0);
	assert_flash_is(0xA000, data, sizeof data);
}

static void test_begin_checks(void **state)
{
	(void)state;
	assert_int_equal(client_begin(L, false, 100, 1, 0x4001, 0), 0xC2);
	assert_int_equal(client_begin(L, true, 0x2000, 1, 0x4000, FLASH - 0x1000), 0xCC);
	/* zero size: esptool's "attach" begin; END answers 0 */
	assert_int_equal(client_begin(L, false, 0, 0, 0x4000, 0), 0);
	assert_int_equal(client_end(L, true, 1), 0);
	assert_flash_is(0, NULL, 0);
}

static void test_reads(void **state)
{
	(void)state;
	static uint8_t out[70000];
	const uint8_t *f = flash();
	/* unaligned, several packets, a short last one */
	assert_int_equal(client_read(L, 0x1003, 9001, 4096, 1, out), 0);
	assert_memory_equal(out, f + 0x1003, 9001);
	assert_int_equal(client_read(L, 0, 70000, 1000, 64, out), 0);
	assert_memory_equal(out, f, 70000);
	/* zero length: OK, then the digest of nothing */
	assert_int_equal(client_read(L, 0x2000, 0, 4096, 1, out), 0);
	/* past the end, packet 0 or too big */
	assert_int_equal(client_read(L, FLASH - 16, 17, 4096, 1, out), 0xCC);
	assert_int_equal(client_read(L, 0, 16, 0, 1, out), 0x01);
	assert_int_equal(client_read(L, 0, 16, 4097, 1, out), 0x01);
	uint8_t digest[16], want[16];
	assert_int_equal(client_md5(L, FLASH - 8, 16, digest), 0xCC);
	assert_int_equal(client_md5(L, 5, 0, digest), 0);
	client_md5_of(NULL, 0, want);
	assert_memory_equal(digest, want, 16);
}

/* Sends READ_FLASH of 8 KiB in 1 KiB packets with max_in_flight, counts the packets that
 * come before any ack, then finishes the read; returns that count. */
static uint32_t packets_before_ack(struct link *l, uint32_t max_in_flight)
{
	uint8_t d[16];
	put_le32(d, 0);
	put_le32(d + 4, 8 * 1024);
	put_le32(d + 8, 1024);
	put_le32(d + 12, max_in_flight);
	assert_int_equal(client_status(l, PKT_READ_FLASH, d, 16), 0);
	static uint8_t f[2048];
	uint32_t frames = 0;
	while (client_frame(l, f, sizeof f, 50000) == 1024)
		frames++;
	uint32_t got = frames * 1024;
	for (;;) {
		uint8_t ack[4], wire[10];
		put_le32(ack, got);
		client_send_raw(l, wire, slip_encode(ack, 4, wire));
		int n = client_frame(l, f, sizeof f, 50000);
		if (got == 8 * 1024) {
			assert_int_equal(n, 16);
			return frames;
		}
		assert_int_equal(n, 1024);
		got += 1024;
	}
}

/* The window. Our stub counts max in flight in packets; the board runs esptool's stub
 * with esptool's meaning, bytes (so esptool's 64 is one packet at a time). */
static void test_read_in_flight(void **state)
{
	(void)state;
	assert_int_equal(packets_before_ack(L, 1), 1);
	assert_int_equal(packets_before_ack(L, 64), 1);
	assert_int_equal(packets_before_ack(L, 4096), 4);
	if (!stub_blob_builtin()) {
		printf("SKIP the packet count of our own stub: no stub blob in this build\n");
		return;
	}
	struct link *l = client_open("fast", UPLOAD_OURS, true);
	assert_non_null(l);
	assert_int_equal(packets_before_ack(l, 1), 1);
	assert_int_equal(packets_before_ack(l, 4), 4);
	assert_int_equal(packets_before_ack(l, 64), 8);
	link_close(l);
}

static void test_erase_region(void **state)
{
	(void)state;
	uint8_t d[8];
	put_le32(d, 0x11100);
	put_le32(d + 4, 0x1000);
	assert_int_equal(client_status(L, PKT_ERASE_REGION, d, 8), 0x01);
	put_le32(d, 0x11000);
	put_le32(d + 4, 0x1800);
	assert_int_equal(client_status(L, PKT_ERASE_REGION, d, 8), 0x01);
	put_le32(d, FLASH - 0x1000);
	put_le32(d + 4, 0x2000);
	assert_int_equal(client_status(L, PKT_ERASE_REGION, d, 8), 0xCC);
	put_le32(d, 0x11000);
	put_le32(d + 4, 0);
	assert_int_equal(client_status(L, PKT_ERASE_REGION, d, 8), 0);
	assert_flash_is(0, NULL, 0);
	/* 0xF000 .. 0x32000: a sector, two blocks' worth, three sectors */
	put_le32(d, 0xF000);
	put_le32(d + 4, 0x23000);
	assert_int_equal(client_status(L, PKT_ERASE_REGION, d, 8), 0);
	static uint8_t ff[0x23000];
	memset(ff, 0xFF, sizeof ff);
	assert_flash_is(0xF000, ff, sizeof ff);
}

static void test_sector_md5_and_info(void **state)
{
	(void)state;
	static uint8_t data[3 * 4096];
	pseudo(data, sizeof data, 9);
	assert_int_equal(client_write(L, true, 0x12000, data, sizeof data), 0);
	uint8_t d[8];
	put_le32(d, 0x11000);
	put_le32(d + 4, 5 * 4096);
	struct reply *r = malloc(sizeof *r);
	assert_true(client_cmd(L, 0xE0, d, 8, 0, r));
	assert_int_equal(r->status, 0);
	assert_int_equal(r->len, 5 * 16 + 2);
	for (int i = 0; i < 5; i++) {
		uint8_t want[16];
		client_md5_of(flash() + 0x11000 + i * 4096, 4096, want);
		assert_memory_equal(r->data + 16 * i, want, 16);
	}
	put_le32(d + 4, 4095);
	assert_true(client_cmd(L, 0xE0, d, 8, 0, r));
	assert_int_equal(r->status, 0xCD);
	put_le32(d, FLASH - 4096);
	put_le32(d + 4, 8192);
	assert_true(client_cmd(L, 0xE0, d, 8, 0, r));
	assert_int_equal(r->status, 0xCC);
	assert_true(client_cmd(L, 0xE1, NULL, 0, 0, r));
	assert_int_equal(r->status, 0);
	assert_int_equal(get_le32(r->data), 1);		 /* extension version */
	assert_int_equal(get_le32(r->data + 12), FLASH); /* size from the JEDEC id */
	/* esptool's commands the ESP8266 has not: 0xFF */
	assert_true(client_cmd(L, PKT_GET_SECURITY_INFO, NULL, 0, 0, r));
	assert_int_equal(r->status, 0xFF);
	free(r);
}

static void test_noise_and_broken_frames(void **state)
{
	(void)state;
	/* garbage between frames, a broken escape, an empty frame, a short frame */
	static const uint8_t junk[] = {'x',  'y',  0xC0, 0x00, 0x0A, 0xDB, 0x01,
				       0xC0, 0xC0, 0xC0, 0x00, 0x0A, 0xC0};
	client_send_raw(L, junk, sizeof junk);
	uint8_t f[64];
	assert_int_equal(client_frame(L, f, sizeof f, 100000), -1); /* nothing answered */
	uint8_t d[4];
	put_le32(d, PKT_CHIP_MAGIC_ADDR);
	struct reply *r = malloc(sizeof *r);
	assert_true(client_cmd(L, PKT_READ_REG, d, 4, 0, r));
	assert_int_equal(r->value, 0xFFF0C101u);
	free(r);
}

static int write_regs(const uint32_t *words, uint32_t n_entries)
{
	uint8_t d[64];
	for (uint32_t i = 0; i < 4 * n_entries; i++)
		put_le32(d + 4 * i, words[i]);
	return client_status(L, PKT_WRITE_REG, d, 16 * n_entries);
}

static uint32_t read_reg(uint32_t addr)
{
	uint8_t d[4];
	struct reply *r = malloc(sizeof *r);
	put_le32(d, addr);
	assert_true(client_cmd(L, PKT_READ_REG, d, 4, 0, r));
	assert_int_equal(r->status, 0);
	uint32_t v = r->value;
	free(r);
	return v;
}

/* Registers (here: words of the board's DRAM) and RAM loads through the stub. */
static void test_registers_and_ram_loads(void **state)
{
	(void)state;
	const uint32_t w[] = {0x3FFE9000, 0x12345678, 0xFFFFFFFF, 0,
			      0x3FFE9000, 0xABCD0000, 0xFFFF0000, 1000};
	assert_int_equal(write_regs(w, 2), 0);
	assert_int_equal(read_reg(0x3FFE9000), 0xABCD5678); /* masked, in order */
	uint8_t d[20] = {0};
	assert_int_equal(client_status(L, PKT_WRITE_REG, d, 20), 0xC0);
	assert_int_equal(client_status(L, PKT_READ_REG, d, 3), 0xC0);
	/* MEM_*: no BEGIN, bad length, bad checksum, too much, bytes missing at END */
	static const uint8_t code[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint8_t b[16 + 8];
	put_le32(b, 8);
	memset(b + 4, 0, 12);
	memcpy(b + 16, code, 8);
	struct reply *r = malloc(sizeof *r);
	assert_true(client_cmd(L, PKT_MEM_DATA, b, 24, client_checksum(code, 8), r));
	assert_int_equal(r->status, 0xC6);
	put_le32(d, 8);
	put_le32(d + 4, 1);
	put_le32(d + 8, 0x1800);
	put_le32(d + 12, 0x3FFEA000);
	assert_int_equal(client_status(L, PKT_MEM_BEGIN, d, 16), 0);
	put_le32(b, 6);
	assert_true(client_cmd(L, PKT_MEM_DATA, b, 22, client_checksum(code, 6), r));
	assert_int_equal(r->status, 0xC0);
	put_le32(b, 8);
	assert_true(client_cmd(L, PKT_MEM_DATA, b, 24, client_checksum(code, 8) ^ 2, r));
	assert_int_equal(r->status, 0xC1);
	put_le32(d, 0);
	put_le32(d + 4, 0x3FFEA000);
	assert_int_equal(client_status(L, PKT_MEM_END, d, 8), 0x01); /* 8 bytes missing */
	assert_true(client_cmd(L, PKT_MEM_DATA, b, 24, client_checksum(code, 8), r));
	assert_int_equal(r->status, 0);
	assert_true(client_cmd(L, PKT_MEM_DATA, b, 24, client_checksum(code, 8), r));
	assert_int_equal(r->status, 0xC9);
	free(r);
	assert_int_equal(read_reg(0x3FFEA004), 0x08070605);
	/* complete: MEM_END answers, then the loaded code runs and the stub is gone */
	assert_int_equal(client_status(L, PKT_MEM_END, d, 8), 0);
	uint8_t f[64];
	assert_int_equal(client_frame(L, f, sizeof f, 100000), -1);
	if (!tcp)
		assert_int_equal(sim_board_state(link_sim_board(L), link_now_us(L) * 1000),
				 SIM_STATE_FIRMWARE);
}

static void test_run_user_code(void **state)
{
	(void)state;
	client_send(L, PKT_RUN_USER_CODE, NULL, 0, 0);
	uint8_t f[64];
	assert_int_equal(client_frame(L, f, sizeof f, 100000), -1); /* no reply */
	if (!tcp)
		assert_int_equal(sim_board_state(link_sim_board(L), link_now_us(L) * 1000),
				 SIM_STATE_FIRMWARE);
}

static void test_unknown_code_is_silent(void **state)
{
	(void)state;
	struct link *l = client_open("fast", UPLOAD_UNKNOWN, false);
	assert_non_null(l);
	assert_int_equal(sim_board_state(link_sim_board(l), link_now_us(l) * 1000),
			 SIM_STATE_FIRMWARE);
	link_close(l);
}

static void test_our_blob_runs(void **state)
{
	(void)state;
	if (!stub_blob_builtin()) {
		printf("SKIP test_our_blob_runs: this build has no stub blob (no xtensa cross "
		       "compiler)\n");
		return;
	}
	struct link *l = client_open("fast", UPLOAD_OURS, true);
	assert_non_null(l);
	assert_int_equal(sim_board_state(link_sim_board(l), link_now_us(l) * 1000), SIM_STATE_STUB);
	link_close(l);
}

static int sync_replies(struct link *l)
{
	uint8_t p[36], f[64];
	struct ed_error err;
	pkt_sync_payload(p);
	l->ops->flush_input(l, &err);
	client_send(l, PKT_SYNC, p, 36, 0);
	int replies = 0;
	for (int n; (n = client_frame(l, f, sizeof f, 100000)) >= 0;)
		replies += n == 10 && f[1] == PKT_SYNC;
	return replies;
}

static int change_baud(struct link *l, uint32_t baud, uint32_t old)
{
	uint8_t d[8];
	put_le32(d, baud);
	put_le32(d + 4, old);
	return client_status(l, PKT_CHANGE_BAUDRATE, d, 8);
}

/* The host follows and confirms with a SYNC: the new rate stays. */
static void test_baud_change_confirmed(void **state)
{
	(void)state;
	struct ed_error err;
	struct sim_board *b = link_sim_board(L);
	assert_int_equal(change_baud(L, 460800, 115200), 0);
	link_sleep_us(L, 50000);
	assert_int_equal(L->ops->set_baud(L, 460800, &err), 0);
	assert_int_equal(sync_replies(L), 8);
	link_sleep_us(L, 2000000);
	/* 52 MHz / (452 * 115200 / 460800 = 113) */
	assert_int_equal(sim_board_uart_baud(b), 52000000 / 113);
	assert_int_equal(sync_replies(L), 8);
	uint8_t data[100];
	pseudo(data, sizeof data, 10);
	assert_int_equal(client_write(L, true, 0x1000, data, sizeof data), 0);
	assert_int_equal(client_end(L, true, 1), 0);
	assert_flash_is(0x1000, data, sizeof data);
}

/* The host cannot follow (a bridge that fails at the new rate): nothing good arrives at
 * the new rate, so the stub goes back to the old divider by itself. */
static void test_baud_change_falls_back(void **state)
{
	(void)state;
	struct ed_error err;
	struct sim_board *b = link_sim_board(L);
	assert_int_equal(change_baud(L, 921600, 115200), 0);
	link_sleep_us(L, 50000);
	assert_int_equal(L->ops->set_baud(L, 921600, &err), 0);
	/* this bridge garbles at 921600: model it by staying at 115200 on the wire */
	assert_int_equal(L->ops->set_baud(L, 115200, &err), 0);
	assert_int_equal(sync_replies(L), 0);
	assert_int_equal(sim_board_uart_baud(b), 52000000 / 56);
	link_sleep_us(L, 600000);
	assert_int_equal(sync_replies(L), 8);
	assert_int_equal(sim_board_uart_baud(b), 52000000 / 452);
	/* a divider that cannot be: refused, nothing changes */
	assert_int_equal(change_baud(L, 0, 115200), 0x01);
	assert_int_equal(change_baud(L, 100000000, 115200), 0x01);
	assert_int_equal(sync_replies(L), 8);
}

/* Write-protected flash (BP0-BP2 set, QE on): the first BEGIN clears the protection
 * bits only, says so in its second status byte, and the write lands. */
static void test_unlock_protected_flash(void **state)
{
	(void)state;
	char opts[1200];
	snprintf(opts, sizeof opts, "fast&flash=%s", flash_path);
	link_close(L);
	/* protect through the ROM loader first, as a firmware might have left it */
	struct link *l = NULL;
	char spec[1300];
	struct ed_error err;
	snprintf(spec, sizeof spec, "sim://?clock=virtual&%s", opts);
	assert_int_equal(link_open(spec, NULL, &l, &err), 0);
	assert_true(host_sync(l) >= 1);
	host_spi_command(l, 0x06, NULL, 0, 0, 0, 0, 0);
	const uint8_t sr[2] = {0x1C, 0x02};
	host_spi_command(l, 0x01, sr, 2, 0, 0, 0, 0);
	assert_int_equal(host_spi_command(l, 0x05, NULL, 0, 8, 0, 0, 0) & 0x1C, 0x1C);
	link_sleep_us(l, 50000);
	assert_true(client_upload(l, UPLOAD_ESPTOOL_LAYOUT));
	L = l;
	struct reply *r = malloc(sizeof *r);
	uint8_t d[16];
	put_le32(d, 100);
	put_le32(d + 4, 1);
	put_le32(d + 8, 0x4000);
	put_le32(d + 12, 0x7000);
	assert_true(client_cmd(L, PKT_FLASH_BEGIN, d, 16, 0, r));
	assert_int_equal(r->status, 0);
	assert_int_equal(r->extra, 1); /* "unlocked" */
	uint8_t data[100];
	pseudo(data, sizeof data, 11);
	assert_int_equal(client_data(L, false, data, sizeof data, 0), 0);
	assert_int_equal(client_end(L, false, 1), 0);
	assert_flash_is(0x7000, data, sizeof data);
	assert_true(client_cmd(L, 0xE1, NULL, 0, 0, r));
	assert_int_equal(r->status, 0);
	uint32_t st = get_le32(r->data + 16);
	assert_int_equal(st & 0x407C, 0);      /* protection cleared */
	assert_int_equal(st & 0x0200, 0x0200); /* QE kept */
	/* no protection left: no note the next time */
	assert_true(client_cmd(L, PKT_FLASH_BEGIN, d, 16, 0, r));
	assert_int_equal(r->extra, 0);
	free(r);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(int argc, char **argv)
{
	tcp = argc > 1 && !strcmp(argv[1], "--tcp");
	/* Over TCP the link has no baud rate (the board's host side follows the chip) and no
	 * board to inspect: those cases run in-process only. */
	const struct CMUnitTest tcp_tests[] = {
	    T(test_sync_while_running),
	    T(test_plain_write_unaligned_keeps_neighbours),
	    T(test_deflate_write_exact_erase),
	    T(test_deflate_small_blocks),
	    T(test_bad_checksum_then_resend),
	    T(test_sequence_must_be_next),
	    T(test_lengths_that_disagree),
	    T(test_frame_too_long),
	    T(test_write_past_announced_size),
	    T(test_deflate_corrupt_and_too_long),
	    T(test_commands_out_of_place),
	    T(test_begin_checks),
	    T(test_reads),
	    T(test_erase_region),
	    T(test_sector_md5_and_info),
	    T(test_noise_and_broken_frames),
	    T(test_registers_and_ram_loads),
	    T(test_run_user_code),
	};
	if (tcp)
		return cmocka_run_group_tests_name("stub core on espdeck-sim --tcp", tcp_tests,
						   NULL, NULL);
	const struct CMUnitTest tests[] = {
	    T(test_sync_while_running),
	    T(test_plain_write_unaligned_keeps_neighbours),
	    T(test_deflate_write_exact_erase),
	    T(test_deflate_small_blocks),
	    T(test_bad_checksum_then_resend),
	    T(test_sequence_must_be_next),
	    T(test_lengths_that_disagree),
	    T(test_frame_too_long),
	    T(test_write_past_announced_size),
	    T(test_deflate_corrupt_and_too_long),
	    T(test_commands_out_of_place),
	    T(test_begin_checks),
	    T(test_reads),
	    T(test_read_in_flight),
	    T(test_erase_region),
	    T(test_sector_md5_and_info),
	    T(test_noise_and_broken_frames),
	    T(test_unlock_protected_flash),
	    T(test_registers_and_ram_loads),
	    T(test_baud_change_confirmed),
	    T(test_baud_change_falls_back),
	    T(test_run_user_code),
	    cmocka_unit_test(test_unknown_code_is_silent),
	    cmocka_unit_test(test_our_blob_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
