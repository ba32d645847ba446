/* SPDX-License-Identifier: MIT
 * The flasher stub's inflater compiled for the lx106 with the stub's flags, run in QEMU
 * with -icount (a fixed virtual time per executed instruction): inflates the zlib stream
 * named by the first semihosting argument in 16 KiB feeds (the output into the file named
 * by the second, if any) and prints the output size, the CCOUNT ticks the inflate took,
 * and the ticks of a loop of exactly 2,000,000 instructions, so the runner (run_lx106.py)
 * can turn ticks into instructions. Exit 4 (and the error) when the inflater refuses the
 * stream, e.g. because the Adler-32 of what it produced is wrong. */
#include <stdint.h>

#include "inflate.h"

#define INPUT	  ((uint8_t *)0x40200000) /* RAM in QEMU's sim machine */
#define INPUT_MAX 0x100000u
#define PACKET	  0x4000u

enum {
	SIM_EXIT = 1,
	SIM_READ = 3,
	SIM_WRITE = 4,
	SIM_OPEN = 5,
	SIM_ARGV_SZ = 1001,
	SIM_ARGV = 1002
};

/* QEMU's Xtensa simcall: number in a2, arguments in a3..a5, result in a2. */
static int32_t simcall(int32_t nr, int32_t a, int32_t b, int32_t c)
{
	register int32_t a2 __asm__("a2") = nr;
	register int32_t a3 __asm__("a3") = a;
	register int32_t a4 __asm__("a4") = b;
	register int32_t a5 __asm__("a5") = c;
	__asm__ volatile("simcall" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5) : "memory");
	return a2;
}

static uint32_t ccount(void)
{
	uint32_t c;
	__asm__ volatile("rsr.ccount %0" : "=r"(c));
	return c;
}

static void put(const char *s)
{
	uint32_t n = 0;
	while (s[n])
		n++;
	simcall(SIM_WRITE, 1, (int32_t)(uintptr_t)s, (int32_t)n);
}

/* Decimal without a division (the lx106 has none; no ROM here). */
static void put_u32(const char *label, uint32_t v)
{
	static const uint32_t tens[] = {1000000000u, 100000000u, 10000000u, 1000000u, 100000u,
					10000u,	     1000u,	 100u,	    10u,      1u};
	char buf[16];
	uint32_t n = 0;
	for (uint32_t i = 0; i < 10; i++) {
		char d = '0';
		while (v >= tens[i]) {
			v -= tens[i];
			d++;
		}
		if (d != '0' || n || i == 9)
			buf[n++] = d;
	}
	buf[n++] = '\n';
	buf[n] = 0;
	put(label);
	put(buf);
}

static __attribute__((noreturn)) void finish(int32_t code)
{
	simcall(SIM_EXIT, code, 0, 0);
	for (;;) {
	}
}

/* On the chip the ROM supplies these; here, plain word-wise versions of our own (built with
 * -fno-tree-loop-distribute-patterns so they do not call themselves). */
void *memcpy(void *dst, const void *src, uint32_t n);
void *memset(void *dst, int c, uint32_t n);

void *memcpy(void *dst, const void *src, uint32_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0) {
		for (; n >= 4; n -= 4, d += 4, s += 4)
			*(uint32_t *)(void *)d = *(const uint32_t *)(const void *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, uint32_t n)
{
	uint8_t *d = dst;
	uint32_t word = (uint8_t)c * 0x01010101u;
	while (n && ((uintptr_t)d & 3u)) {
		*d++ = (uint8_t)c;
		n--;
	}
	for (; n >= 4; n -= 4, d += 4)
		*(uint32_t *)(void *)d = word;
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

static struct inflater inf;
static uint32_t sink_sum;
static uint32_t argv_buf[128];

static int32_t out_fd = -1;

/* The stub's sink programs flash; here it reads one word per piece, so the figure is the
 * inflater's own work, and with a second argument writes the piece to that host file (one
 * simcall: the host's work, not counted) for a byte-for-byte comparison. */
static int sink(void *ctx, const uint8_t *p, uint32_t n)
{
	(void)ctx;
	sink_sum += *(const uint32_t *)(const void *)p + n;
	if (out_fd >= 0 &&
	    simcall(SIM_WRITE, out_fd, (int32_t)(uintptr_t)p, (int32_t)n) != (int32_t)n)
		return 1;
	return 0;
}

static uint32_t load_input(void)
{
	if (simcall(SIM_ARGV_SZ, 0, 0, 0) > (int32_t)sizeof argv_buf)
		finish(2);
	simcall(SIM_ARGV, (int32_t)(uintptr_t)argv_buf, 0, 0);
	const char *const *argv = (const char *const *)argv_buf;
	if (!argv[0] || !argv[1])
		finish(2);
	int32_t fd = simcall(SIM_OPEN, (int32_t)(uintptr_t)argv[1], 0, 0);
	if (fd < 0)
		finish(3);
	int32_t len = simcall(SIM_READ, fd, (int32_t)(uintptr_t)INPUT, (int32_t)INPUT_MAX);
	if (len <= 0 || (uint32_t)len == INPUT_MAX)
		finish(3);
	if (argv[2]) { /* Linux O_WRONLY | O_CREAT | O_TRUNC */
		out_fd = simcall(SIM_OPEN, (int32_t)(uintptr_t)argv[2], 01 | 0100 | 01000, 0644);
		if (out_fd < 0)
			finish(3);
	}
	return (uint32_t)len;
}

void bench_main(void);
void bench_main(void)
{
	uint32_t len = load_input(), t0, t1;
	int rc = INFLATE_MORE;

	t0 = ccount();
	inflate_init(&inf, UINT32_MAX, sink, 0);
	for (uint32_t pos = 0; pos < len && rc == INFLATE_MORE; pos += PACKET)
		rc = inflate_feed(&inf, INPUT + pos, len - pos < PACKET ? len - pos : PACKET);
	t1 = ccount();
	if (rc != INFLATE_DONE) {
		put(inflate_strerror(rc));
		put("\n");
		finish(4);
	}
	put_u32("in ", len);
	put_u32("out ", inflate_total_out(&inf));
	put_u32("ticks ", t1 - t0);

	/* 1,000,000 iterations of two instructions */
	register uint32_t n = 1000000;
	t0 = ccount();
	__asm__ volatile("1: addi %0, %0, -1\n\tbnez %0, 1b" : "+r"(n));
	t1 = ccount();
	put_u32("calibration_ticks ", t1 - t0);
	finish(sink_sum == 1 ? 5 : 0);
}
