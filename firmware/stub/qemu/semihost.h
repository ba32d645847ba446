/* SPDX-License-Identifier: MIT
 * Semihosting for the QEMU check (qemu-system-xtensa -M sim -semihosting): the Xtensa
 * simulator's SIMCALL convention as QEMU implements it (target/xtensa/xtensa-semi.c):
 * call number in a2, arguments in a3..a5, result in a2, errno in a3. File names and open
 * flags go to the host unchanged (Linux values below). Only the QEMU builds include this. */
#ifndef STUB_QEMU_SEMIHOST_H
#define STUB_QEMU_SEMIHOST_H

#include <stdint.h>

enum {
	SEMI_EXIT = 1,
	SEMI_READ = 3,
	SEMI_WRITE = 4,
	SEMI_OPEN = 5,
	SEMI_CLOSE = 6,
	SEMI_LSEEK = 19,
	SEMI_ARGC = 1000,
	SEMI_ARGV_SZ = 1001,
	SEMI_ARGV = 1002,
};

/* Host (Linux) open flags and whence values. */
#define SEMI_O_RDONLY 0
#define SEMI_O_WRONLY 1
#define SEMI_O_RDWR   2
#define SEMI_O_CREAT  0100
#define SEMI_O_TRUNC  01000
#define SEMI_SEEK_SET 0

static inline int32_t semi_call(int32_t nr, int32_t a, int32_t b, int32_t c)
{
	register int32_t a2 __asm__("a2") = nr;
	register int32_t a3 __asm__("a3") = a;
	register int32_t a4 __asm__("a4") = b;
	register int32_t a5 __asm__("a5") = c;
	__asm__ volatile("simcall" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5) : "memory");
	return a2;
}

static inline __attribute__((noreturn)) void semi_exit(int32_t code)
{
	semi_call(SEMI_EXIT, code, 0, 0);
	for (;;) {
	}
}

static inline int32_t semi_open(const char *path, int32_t flags)
{
	return semi_call(SEMI_OPEN, (int32_t)(uintptr_t)path, flags, 0644);
}

static inline int32_t semi_read(int32_t fd, void *buf, uint32_t len)
{
	return semi_call(SEMI_READ, fd, (int32_t)(uintptr_t)buf, (int32_t)len);
}

static inline int32_t semi_write(int32_t fd, const void *buf, uint32_t len)
{
	return semi_call(SEMI_WRITE, fd, (int32_t)(uintptr_t)buf, (int32_t)len);
}

static inline int32_t semi_lseek(int32_t fd, uint32_t offset)
{
	return semi_call(SEMI_LSEEK, fd, (int32_t)offset, SEMI_SEEK_SET);
}

/* The value of "key=value" among QEMU's -semihosting-config arg=... strings, or 0.
 * argv_buf receives the strings (SEMI_ARGV fills a pointer table followed by them). */
const char *semi_arg(const char *key);

#endif
