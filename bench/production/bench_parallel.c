/* SPDX-License-Identifier: MIT
 * Issue 7's target: 8 boards flashed at once finish within 1.1x the time of one board.
 * In-process sim:// boards on the real clock with the realistic timing model (wire time
 * at the line speed, W25Q32 page/erase times), one job (worker thread) per board, the
 * same 64 KiB image on each; prints the wall time of one board alone, of 8 at once and
 * the ratio. 921600 baud keeps the run short; the ratio is what matters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "job/job.h"

#define IMAGE_BYTES (64u * 1024u)
#define BOARDS	    8

/* Runs one write job per port at once; returns the wall time, or < 0 when a job failed. */
static double flash_boards(const uint8_t *img, unsigned count)
{
	struct job *jobs[BOARDS] = {0};
	char ports[BOARDS][64];
	struct job_step step = {.kind = JOB_STEP_WRITE,
				.offset = 0x10000,
				.size = IMAGE_BYTES,
				.data = img,
				.name = "app.bin"};
	uint64_t t0 = ed_monotonic_us();
	for (unsigned i = 0; i < count; i++) {
		snprintf(ports[i], sizeof ports[i], "sim://?mac=5c:cf:7f:00:00:%02x&seed=%u", i,
			 i + 1);
		struct job_spec spec = {.port = ports[i],
					.baud = 921600,
					.after = JOB_AFTER_HARD_RESET,
					.flash_mode = "keep",
					.flash_size = "keep",
					.flash_freq = "keep",
					.steps = &step,
					.step_count = 1};
		struct ed_error err;
		if (job_start(&spec, &jobs[i], &err) < 0) {
			fprintf(stderr, "bench: %s\n", err.msg);
			return -1;
		}
	}
	double wall;
	int failed = 0;
	for (unsigned i = 0; i < count; i++) {
		struct ed_error err;
		if (job_wait(jobs[i], &err) != ED_OK) {
			fprintf(stderr, "bench: %s: %s\n", ports[i], err.msg);
			failed = 1;
		}
		job_destroy(jobs[i]);
	}
	wall = (double)(ed_monotonic_us() - t0) / 1e6;
	return failed ? -1 : wall;
}

int main(void)
{
	uint8_t *img = malloc(IMAGE_BYTES);
	if (!img)
		return 1;
	uint32_t x = 12345;
	for (unsigned i = 0; i < IMAGE_BYTES; i++) {
		x = x * 1103515245u + 12345u;
		img[i] = (uint8_t)(x >> 16);
	}
	double one = flash_boards(img, 1);
	double eight = flash_boards(img, BOARDS);
	free(img);
	if (one <= 0 || eight <= 0)
		return 1;
	printf("parallel flashing, %u KiB at 921600 baud, realistic timing (sim:// real clock)\n",
	       IMAGE_BYTES / 1024);
	printf("  1 board alone:    %.2f s\n", one);
	printf("  %d boards at once: %.2f s\n", BOARDS, eight);
	printf("  ratio: %.3fx (target <= 1.1x)\n", eight / one);
	return 0;
}
