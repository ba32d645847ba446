/* SPDX-License-Identifier: MIT
 * What the whole-chip check (engine/chipmap.h) costs: one MD5 map of a whole 4 MiB flash
 * through the stub at 921600 baud, against the virtual board's timing model (wire time,
 * latency, the stub's flash read and MD5 cycles) on the virtual clock, in esptool's order
 * (connect at 115200, upload the stub, change to 921600). A job with the check takes two
 * maps. Beside it, the granularity it does not use: one SPI_FLASH_MD5 per 64 KiB block
 * (fewer digest bytes, but a request per block and no sector named without a second
 * pass), and the read it replaces (READ_FLASH of the whole chip, to compare by hand).
 *   bench-chipmap */
#include <stdio.h>
#include <stdlib.h>

#include "engine/chipmap.h"
#include "engine/detect.h"
#include "engine/stubclient.h"
#include "link/link.h"

#define BAUD  921600u
#define FLASH (4u << 20)

int main(void)
{
	struct link *link = NULL;
	struct loader *ld = NULL;
	struct ed_error err;
	struct link_options lo = {.baud = 115200};
	struct loader_config cfg = {0};
	struct chip_info info;
	bool reused;
	uint32_t used = 0;
	if (!stub_blob_builtin()) {
		printf("bench-chipmap: built without the stub: nothing to measure\n");
		return 0;
	}
	if (link_open("sim://?clock=virtual", &lo, &link, &err) < 0 ||
	    loader_create(link, &cfg, &ld, &err) < 0 ||
	    loader_connect(ld, LOADER_BEFORE_DEFAULT_RESET, &err) < 0 ||
	    detect_chip(ld, &info, &err) < 0 ||
	    stubclient_start(ld, stub_blob_builtin(), NULL, &reused, &err) < 0 ||
	    stubclient_change_baud(ld, BAUD, &used, &err) < 0 || used != BAUD) {
		fprintf(stderr, "bench-chipmap: %s\n", err.msg);
		return 1;
	}
	struct chipmap map;
	uint64_t t0 = link_now_us(link);
	int rc = chipmap_take(ld, FLASH, NULL, 0, NULL, &map, &err);
	double t_map = (double)(link_now_us(link) - t0) / 1e6;
	chipmap_free(&map);
	uint8_t md5[16];
	t0 = link_now_us(link);
	for (uint32_t at = 0; rc == ED_OK && at < FLASH; at += 0x10000)
		rc = stubflash_md5(ld, at, 0x10000, md5, &err);
	double t_blocks = (double)(link_now_us(link) - t0) / 1e6;
	uint8_t *buf = malloc(FLASH);
	t0 = link_now_us(link);
	if (rc == ED_OK)
		rc = buf ? stubflash_read(ld, 0, buf, FLASH, NULL, &err) : ED_ERR_NOMEM;
	double t_read = (double)(link_now_us(link) - t0) / 1e6;
	free(buf);
	loader_destroy(ld);
	link_close(link);
	if (rc < 0) {
		fprintf(stderr, "bench-chipmap: %s\n", err.msg);
		return 1;
	}
	printf("whole-chip MD5 map of 4 MiB at %u baud (board time, virtual clock):\n", BAUD);
	printf("  per 4 KiB sector (SECTOR_MD5, used)  %6.2f s  (%u digests, 16 KiB on the "
	       "wire)\n",
	       t_map, FLASH / 0x1000);
	printf("  per 64 KiB block (SPI_FLASH_MD5)     %6.2f s  (64 requests, no sector "
	       "named)\n",
	       t_blocks);
	printf("  a job with --check-chip adds         %6.2f s  (a map before and after)\n",
	       2 * t_map);
	printf("  for comparison, READ_FLASH of 4 MiB  %6.2f s\n", t_read);
	return 0;
}
