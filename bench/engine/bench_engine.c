/* SPDX-License-Identifier: MIT
 * Engine throughput against the virtual board with its realistic timing model (wire time
 * at the baud rate, reply latency, page program and erase times) on the virtual clock:
 * write 1 MiB and read 64 KiB at 115200 and 921600 baud. Prints each as a fraction of the
 * wire limit (bytes x 10 / baud) and of the ROM protocol's ceiling under the same model
 * (every FLASH_DATA frame and reply on the wire back to back, the ROM's program time, the
 * reply latency, and the ROM's own erase of exactly the written sectors). Target for
 * writes: >= 97 % of the ROM ceiling. Also: a write with every block checked (against the
 * plain write's rate), verify, QA's 18-sector region erase against the ROM's own erase of
 * those sectors, a one-sector SPI erase against the chip's typical time, and a write on a
 * line that drops bytes (each drop costs one FLASH_DATA reply timeout, and the write is then
 * read back whole), and a 64 KiB write after a single late reply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/detect.h"
#include "engine/flasher.h"
#include "engine/loader.h"
#include "link/link.h"
#include "proto/packet.h"
#include "proto/slip.h"
#include "sim/sim.h"

#define WRITE_BYTES (1u << 20)
#define READ_BYTES  (64u << 10)

static double wire_s(size_t bytes, uint32_t baud)
{
	return (double)bytes * 10.0 / baud;
}

/* The ROM's erase for FLASH_BEGIN of n sectors at sector s when the size is exact
 * (reference §6.1 algorithm: single sectors to the 64 KiB boundary, then blocks while more
 * than 16 remain, then sectors). */
static double rom_erase_s(uint32_t s, uint32_t n, const struct sim_config *c)
{
	uint32_t head = 16 - s % 16;
	if (head > n)
		head = n;
	uint32_t left = n - head, blocks = 0;
	while (left > 16) {
		blocks++;
		left -= 16;
	}
	return ((head + left) * (double)c->sector_us + blocks * (double)c->block64_us) / 1e6;
}

/* Ceiling of a ROM-protocol write of data at offset 0 under the board's model. */
static double rom_ceiling_s(const uint8_t *data, uint32_t size, uint32_t baud,
			    const struct sim_config *c)
{
	static uint8_t body[8 + 16 + PKT_ROM_FLASH_BLOCK], wire[2 * sizeof body + 2];
	double reply = wire_s(12, baud) + c->latency_ms / 1e3;
	double t = wire_s(8 + 16 + 2, baud) + reply + rom_erase_s(0, (size + 4095) / 4096, c);
	for (uint32_t off = 0; off < size; off += PKT_ROM_FLASH_BLOCK) {
		uint8_t d[16 + PKT_ROM_FLASH_BLOCK];
		memset(d, 0, 16);
		memcpy(d + 16, data + off, PKT_ROM_FLASH_BLOCK);
		size_t n = pkt_build_request(body, PKT_FLASH_DATA, d, sizeof d,
					     pkt_checksum(d + 16, PKT_ROM_FLASH_BLOCK));
		t += wire_s(slip_encode(body, n, wire), baud) + reply + 4 * c->page_us / 1e6;
	}
	return t;
}

static int run(uint32_t baud, const uint8_t *data)
{
	char spec[128];
	snprintf(spec, sizeof spec, "sim://?clock=virtual&baud=%u", baud);
	struct link_options lo = {.baud = baud};
	struct link *l;
	struct loader *ld;
	struct ed_error err;
	struct loader_config cfg = {0};
	if (link_open(spec, &lo, &l, &err) < 0 || loader_create(l, &cfg, &ld, &err) < 0) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	const struct sim_config cfg_copy = *sim_board_config(link_sim_board(l));
	const struct sim_config *c = &cfg_copy; /* the board goes with the link */
	uint64_t t0 = link_now_us(l);
	struct chip_info info;
	int rc = loader_connect(ld, LOADER_BEFORE_DEFAULT_RESET, &err);
	if (rc == ED_OK)
		rc = detect_chip(ld, &info, &err);
	uint64_t t1 = link_now_us(l);
	if (rc == ED_OK)
		rc = flasher_write(ld, 0, data, WRITE_BYTES,
				   &(struct flasher_write_opts){.flash_size = info.flash_size},
				   NULL, &err);
	uint64_t t2 = link_now_us(l);
	/* The same write with one word of every block read back (--check-blocks). */
	if (rc == ED_OK)
		rc = flasher_write(ld, 0, data, WRITE_BYTES / 4,
				   &(struct flasher_write_opts){.flash_size = info.flash_size,
								.check_blocks = true},
				   NULL, &err);
	uint64_t t2c = link_now_us(l);
	uint8_t *back = malloc(READ_BYTES);
	if (rc == ED_OK)
		rc = flasher_read(ld, 0, back, READ_BYTES, NULL, &err);
	uint64_t t3 = link_now_us(l);
	double checked = (double)(t2c - t2) / 1e6;
	if (rc == ED_OK && memcmp(back, data, READ_BYTES))
		rc = ed_fail(&err, ED_ERR_VERIFY, "read back differs");
	free(back);
	if (rc == ED_OK)
		rc = flasher_verify(ld, 0, data, READ_BYTES, NULL, NULL, &err);
	uint64_t t4 = link_now_us(l);
	/* QA's erase case: 18 sectors starting off a 64 KiB boundary (0x101000). */
	if (rc == ED_OK)
		rc = flasher_erase_region(ld, 0x101000, 18 * 4096, NULL, &err);
	uint64_t t5 = link_now_us(l);
	/* One sector: the ROM cannot erase a single sector exactly, SPI commands do it. */
	if (rc == ED_OK)
		rc = flasher_erase_region(ld, 0x120000, 4096, NULL, &err);
	uint64_t t6 = link_now_us(l);
	loader_destroy(ld);
	link_close(l);
	if (rc != ED_OK) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	double w = (double)(t2 - t1) / 1e6, cw = (double)(t2 - t0) / 1e6;
	double r = (double)(t3 - t2c) / 1e6; /* reads are timed after the checked write */
	double ceil_w = rom_ceiling_s(data, WRITE_BYTES, baud, c);
	double wire_w = wire_s(WRITE_BYTES, baud), wire_r = wire_s(READ_BYTES, baud);
	/* Reads: the ROM has no read command; the least a register read can cost is one
	 * READ_REG round trip (14 + 12 bytes on the wire, plus latency) per 4 bytes. */
	double ceil_r = READ_BYTES / 4.0 * (wire_s(14 + 2 + 12, baud) + c->latency_ms / 1e3);
	printf("write 1 MiB @%u: %.2f s (%.1f KiB/s) = %.1f%% of the wire limit (%.2f s), "
	       "%.1f%% of the ROM ceiling (%.2f s); with connect+detect %.2f s = %.1f%%\n",
	       baud, w, WRITE_BYTES / 1024.0 / w, 100 * wire_w / w, wire_w, 100 * ceil_w / w,
	       ceil_w, cw, 100 * ceil_w / cw);
	printf("read 64 KiB @%u: %.2f s (%.2f KiB/s) = %.2f%% of the wire limit (%.3f s), "
	       "%.1f%% of the one-READ_REG-per-word ceiling (%.2f s)\n",
	       baud, r, READ_BYTES / 1024.0 / r, 100 * wire_r / r, wire_r, 100 * ceil_r / r,
	       ceil_r);
	printf("write 256 KiB with every block checked @%u: %.2f s, %.1f%% of the plain write's "
	       "rate\n",
	       baud, checked, 100 * (w / 4) / checked);
	printf("verify 64 KiB @%u: %.2f s (%.2f KiB/s) = %.1f%% of the one-READ_REG-per-word "
	       "ceiling; erase 18 sectors at 0x101000: %.2f s (ROM erase of the same sectors "
	       "%.2f s)\n",
	       baud, (double)(t4 - t3) / 1e6, READ_BYTES / 1024.0 / ((double)(t4 - t3) / 1e6),
	       100 * ceil_r / ((double)(t4 - t3) / 1e6), (double)(t5 - t4) / 1e6,
	       rom_erase_s(0x101, 18, c));
	printf("erase 1 sector by SPI @%u: %.3f s (the chip's typical sector erase %.3f s)\n", baud,
	       (double)(t6 - t5) / 1e6, c->sector_us / 1e6);
	return 0;
}

/* A write on a line that drops bytes: each lost frame costs one reply timeout. */
static int run_drops(const uint8_t *data)
{
	struct link *l;
	struct loader *ld;
	struct ed_error err;
	struct loader_config cfg = {0};
	if (link_open("sim://?clock=virtual&fault=drop=0.00002&seed=4", NULL, &l, &err) < 0 ||
	    loader_create(l, &cfg, &ld, &err) < 0) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	int rc = loader_connect(ld, LOADER_BEFORE_DEFAULT_RESET, &err);
	uint64_t t0 = link_now_us(l);
	if (rc == ED_OK)
		rc =
		    flasher_write(ld, 0, data, 256u << 10,
				  &(struct flasher_write_opts){.flash_size = 4u << 20}, NULL, &err);
	uint64_t t1 = link_now_us(l);
	struct loader_stats st;
	loader_get_stats(ld, &st);
	loader_destroy(ld);
	link_close(l);
	if (rc != ED_OK) {
		fprintf(stderr, "bench: drops: %s\n", err.msg);
		return 1;
	}
	printf("write 256 KiB @115200 dropping 2e-5 of the bytes: %.2f s, %llu retries\n",
	       (double)(t1 - t0) / 1e6, (unsigned long long)st.retries);
	return 0;
}

/* Issue 11's price: one anomaly (a FLASH_DATA reply 1.5 s late, beyond its timeout) makes
 * the write read every byte back and prove where the repeated block could have gone. */
static int run_anomaly(uint32_t baud, const uint8_t *data)
{
	char spec[160];
	snprintf(spec, sizeof spec, "sim://?clock=virtual&baud=%u&fault=late=1500@FLASH_DATA:#5",
		 baud);
	struct link_options lo = {.baud = baud};
	struct link *l;
	struct loader *ld;
	struct ed_error err;
	struct loader_config cfg = {0};
	if (link_open(spec, &lo, &l, &err) < 0 || loader_create(l, &cfg, &ld, &err) < 0) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	int rc = loader_connect(ld, LOADER_BEFORE_DEFAULT_RESET, &err);
	uint64_t t0 = link_now_us(l);
	enum flasher_proof proof = FLASHER_PROOF_ROM_CHECKSUM;
	if (rc == ED_OK)
		rc = flasher_write(
		    ld, 0x10000, data, 64u << 10,
		    &(struct flasher_write_opts){.flash_size = 4u << 20, .proof = &proof}, NULL,
		    &err);
	uint64_t t1 = link_now_us(l);
	loader_destroy(ld);
	link_close(l);
	if (rc != ED_OK) {
		fprintf(stderr, "bench: anomaly: %s\n", err.msg);
		return 1;
	}
	printf("write 64 KiB @%u after one late reply: %.2f s (%s)\n", baud,
	       (double)(t1 - t0) / 1e6,
	       proof == FLASHER_PROOF_READ_BACK ? "verified by read-back" : "checksum only");
	return 0;
}

int main(void)
{
	uint8_t *data = malloc(WRITE_BYTES);
	uint32_t x = 12345;
	for (uint32_t i = 0; i < WRITE_BYTES; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (uint8_t)(x >> 16);
	}
	int rc = run(115200, data) || run(921600, data) || run_drops(data) ||
		 run_anomaly(115200, data) || run_anomaly(921600, data);
	free(data);
	return rc;
}
