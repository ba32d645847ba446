/* SPDX-License-Identifier: MIT
 * Benchmark: elf2image (v1, v2, v3), make_ota and merge_bin on a ~1 MiB ELF, timed as a user sees them
 * (spawning the espdeck executable). Prints the median of several runs in milliseconds,
 * next to the cost of spawning `espdeck version` (the floor) and the 50 ms target. */
#include <elf.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "elfgen.h"

#define RUNS 15

extern char **environ;

/* Spawns argv with stdout on /dev/null; *cpu_us gets the child's user + system time,
 * which the other jobs on a shared machine disturb less than the wall time. */
static int run(char *const argv[], uint64_t *cpu_us)
{
	pid_t pid;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status))
		return -1;
	if (cpu_us)
		*cpu_us = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
			  (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	return WEXITSTATUS(status);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct timing {
	double wall_ms, cpu_ms; /* medians; wall_ms < 0 on failure */
};

static struct timing measure(char *const argv[])
{
	uint64_t wall[RUNS], cpu[RUNS];
	for (int i = 0; i < RUNS; i++) {
		uint64_t t0 = ed_monotonic_us();
		if (run(argv, &cpu[i]) != 0) {
			fprintf(stderr, "bench: %s %s failed\n", argv[0], argv[2]);
			return (struct timing){-1, -1};
		}
		wall[i] = ed_monotonic_us() - t0;
	}
	qsort(wall, RUNS, sizeof wall[0], cmp_u64);
	qsort(cpu, RUNS, sizeof cpu[0], cmp_u64);
	return (struct timing){(double)wall[RUNS / 2] / 1000.0, (double)cpu[RUNS / 2] / 1000.0};
}

static void report(const char *what, struct timing t)
{
	printf("%-24s %7.2f ms wall (%5.1f%% of the 50 ms target), %6.2f ms CPU\n", what, t.wall_ms,
	       t.wall_ms * 2.0, t.cpu_ms);
}

int main(int argc, char **argv)
{
	char *espdeck = argc > 1 ? argv[1] : getenv("ESPDECK");
	if (!espdeck) {
		fprintf(stderr, "usage: bench-image ESPDECK (or set ESPDECK)\n");
		return 2;
	}
	/* the SDK shape: ~900 KiB of irom0 code, IRAM text, DRAM data and rodata */
	const struct elfgen_section s[] = {
	    {".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 0x3FFE8000, NULL, 0x1000},
	    {".rodata", SHT_PROGBITS, SHF_ALLOC, 0x3FFE9000, NULL, 0x4000},
	    {".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, 0x3FFED000, NULL, 0x8000},
	    {".irom0.text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 0x40201010, NULL, 0xE0000},
	    {".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 0x40100000, NULL, 0x7000},
	};
	const struct elfgen_symbol sy[] = {
	    {"call_user_start1", 0x40100004, 4, STB_GLOBAL},
	    {"_data_start", 0x3FFE8000, ELFGEN_ABS, STB_GLOBAL},
	    {"_rodata_start", 0x3FFE9000, ELFGEN_ABS, STB_GLOBAL},
	};
	uint8_t *elf;
	size_t len;
	char dir[] = "/tmp/espdeck-bench-XXXXXX";
	if (elfgen_build(94, 0x40100004, s, 5, sy, 3, &elf, &len) != 0 || !mkdtemp(dir)) {
		fprintf(stderr, "bench: cannot make the test ELF\n");
		return 1;
	}
	char path[64], out[64], out1[64], ota[64], out3[64], merged[64];
	snprintf(path, sizeof path, "%s/app.elf", dir);
	snprintf(out, sizeof out, "%s/v2.bin", dir);
	snprintf(out1, sizeof out1, "%s/v1-", dir);
	snprintf(ota, sizeof ota, "%s/user1.bin", dir);
	snprintf(out3, sizeof out3, "%s/v3.bin", dir);
	snprintf(merged, sizeof merged, "%s/merged.bin", dir);
	struct ed_error err = {0};
	if (ed_write_file_atomic(path, elf, len, &err) != ED_OK) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	char *v[] = {espdeck, "-q", "version", NULL};
	char *e2[] = {espdeck, "-q", "elf2image", "--version=2", "-o", out, path, NULL};
	char *e1[] = {espdeck, "-q", "elf2image", "-o", out1, path, NULL};
	char *mo[] = {espdeck, "-q",	 "make_ota", path, "--app", "1",
		      "-fs",   "32m-c1", "-o",	     ota,  NULL};
	char *e3[] = {espdeck, "-q", "elf2image", "--version=3", "-o", out3, path, NULL};
	/* the seed's layout as one file: user1 at 0x1000, padded to the 4 MB flash */
	char *mb[] = {espdeck, "-q",	 "merge_bin", "-o",	  merged, "--fill-flash-size",
		      "4MB",   "0x1000", ota,	      "0x101000", ota,	  NULL};
	struct timing floor = measure(v), t2 = measure(e2), t1 = measure(e1), tm = measure(mo);
	struct timing t3 = measure(e3), tb = measure(mb);
	printf("ELF: %zu bytes (irom0 0xE0000, text 0x7000, data+rodata 0x5000), median of %d "
	       "runs\n",
	       len, RUNS);
	report("espdeck version (floor)", floor);
	report("elf2image --version 2", t2);
	report("elf2image --version 1", t1);
	report("make_ota --app 1", tm);
	report("elf2image --version 3", t3);
	report("merge_bin 2 x user1, 4MB", tb);
	char *rm[] = {"/bin/rm", "-rf", dir, NULL};
	run(rm, NULL);
	free(elf);
	return floor.wall_ms < 0 || t2.wall_ms < 0 || t1.wall_ms < 0 || tm.wall_ms < 0 ||
	       t3.wall_ms < 0 || tb.wall_ms < 0;
}
