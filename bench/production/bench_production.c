/* SPDX-License-Identifier: MIT
 * Benchmarks of the production bench's blocks, as ratios to what a bench needs:
 *   - boot-log decoding speed against the ROM's line rate (74880 baud = 7488 B/s), i.e.
 *     how many boards one core could decode live;
 *   - journal appends per second (each one fsync'd) against a busy bench's need;
 *   - MD5 of a 1 MiB OTA slot against the time to write it at 115200 baud. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bootlog/bootlog.h"
#include "config.h"
#include "core/util.h"
#include "journal/journal.h"
#include "core/md5.h"

static double seconds_since(uint64_t start_us)
{
	return (double)(ed_monotonic_us() - start_us) / 1e6;
}

static int bench_decoder(void)
{
	const char *root = getenv("ESPDECK_SOURCE_ROOT");
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/production/data/sdk-boot-user1.log",
		 root ? root : ESPDECK_SOURCE_ROOT);
	uint8_t *log_bytes;
	size_t len;
	struct ed_error err;
	if (ed_read_file(path, &log_bytes, &len, 1 << 20, &err) < 0) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	struct bootlog *log;
	if (bootlog_create(&log, NULL, NULL, &err) < 0)
		return 1;
	size_t total = 0;
	uint64_t start = ed_monotonic_us();
	while (total < (64u << 20)) {
		bootlog_feed(log, log_bytes, len);
		total += len;
	}
	bootlog_finish(log);
	double s = seconds_since(start);
	double rate = (double)total / s;
	printf("bootlog decode: %.1f MB/s = %.0fx the ROM's 74880-baud line rate (boards one core "
	       "decodes live)\n",
	       rate / 1e6, rate / 7488.0);
	bootlog_destroy(log);
	free(log_bytes);
	return 0;
}

static int bench_journal(void)
{
	char dir[512], path[600];
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/espdeck-bench-XXXXXX", tmp ? tmp : P_tmpdir);
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/journal.csv", dir);
	struct journal_file files[2] = {{"boot_v1.6.bin", "0123456789abcdef0123456789abcdef", ""},
					{"user1.bin", "fedcba9876543210fedcba9876543210", ""}};
	struct journal_record r = {.port = "/dev/ttyUSB0",
				   .chip = "ESP8266EX",
				   .mac = "5c:cf:7f:00:00:01",
				   .flash_id = "0x1640ef",
				   .preset = "32m-c1",
				   .files = files,
				   .file_count = 2,
				   .result = "ok",
				   .duration_s = 31.5};
	struct ed_error err;
	const int n = 200;
	uint64_t start = ed_monotonic_us();
	for (int i = 0; i < n; i++)
		if (journal_append(path, &r, &err) < 0) {
			fprintf(stderr, "bench: %s\n", err.msg);
			return 1;
		}
	double s = seconds_since(start);
	/* A tray of 8 boards every 30 s is 0.27 lines per second. */
	printf("journal append+fsync: %.2f ms per line, %.0f lines/s = %.0fx a tray of 8 boards "
	       "every 30 s\n",
	       s * 1e3 / n, n / s, (n / s) / (8.0 / 30.0));
	unlink(path);
	rmdir(dir);
	return 0;
}

static int bench_md5(void)
{
	size_t len = 1u << 20;
	uint8_t *buf = malloc(len);
	if (!buf)
		return 1;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 31 + 7);
	char hex[33];
	const int rounds = 64;
	uint64_t start = ed_monotonic_us();
	for (int i = 0; i < rounds; i++)
		md5_buffer_hex(buf, len, hex);
	double per_mib = seconds_since(start) / rounds;
	/* Writing 1 MiB at 115200 baud takes at least 1 MiB * 10 bits / 115200 = 91 s. */
	printf("md5: %.0f MB/s; 1 MiB in %.2f ms = 1/%.0f of writing it at 115200 baud\n",
	       (double)len / per_mib / 1e6, per_mib * 1e3, (1048576.0 * 10 / 115200) / per_mib);
	free(buf);
	return 0;
}

int main(void)
{
	return bench_decoder() || bench_journal() || bench_md5();
}
