/* SPDX-License-Identifier: MIT
 * The C library and compiler helpers of the fake ROM (fake_rom.c): what the ESP8266's ROM
 * supplies to code built with Debian's lx106 libgcc. Written with shifts and byte loops
 * only (compiled with -fno-builtin), so that nothing here calls back into the ROM
 * addresses it implements. */
#include <stddef.h>
#include <stdint.h>

void *fake_memcpy(void *dst, const void *src, size_t n);
void *fake_memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *fake_memmove(void *dst, const void *src, size_t n);
void *fake_memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *fake_memset(void *dst, int c, size_t n);
void *fake_memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

int fake_memcmp(const void *a, const void *b, size_t n);
int fake_memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t fake_strlen(const char *s);
size_t fake_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static uint32_t udivmod(uint32_t n, uint32_t d, uint32_t *rem)
{
	uint32_t q = 0, r = 0;
	if (d == 0) {
		*rem = n;
		return 0xFFFFFFFFu;
	}
	for (int bit = 31; bit >= 0; bit--) {
		r = r << 1 | ((n >> bit) & 1);
		if (r >= d) {
			r -= d;
			q |= 1u << bit;
		}
	}
	*rem = r;
	return q;
}

uint32_t fake___udivsi3(uint32_t n, uint32_t d);
uint32_t fake___udivsi3(uint32_t n, uint32_t d)
{
	uint32_t r;
	return udivmod(n, d, &r);
}

uint32_t fake___umodsi3(uint32_t n, uint32_t d);
uint32_t fake___umodsi3(uint32_t n, uint32_t d)
{
	uint32_t r;
	udivmod(n, d, &r);
	return r;
}

int32_t fake___divsi3(int32_t n, int32_t d);
int32_t fake___divsi3(int32_t n, int32_t d)
{
	uint32_t r;
	uint32_t un = n < 0 ? 0u - (uint32_t)n : (uint32_t)n;
	uint32_t ud = d < 0 ? 0u - (uint32_t)d : (uint32_t)d;
	uint32_t q = udivmod(un, ud, &r);
	return (int32_t)((n < 0) != (d < 0) ? 0u - q : q);
}

/* 32 x 32 -> 64 from 16-bit halves (the lx106 multiplier gives the low word only). */
uint64_t fake___umulsidi3(uint32_t a, uint32_t b);
uint64_t fake___umulsidi3(uint32_t a, uint32_t b)
{
	uint32_t al = a & 0xFFFF, ah = a >> 16, bl = b & 0xFFFF, bh = b >> 16;
	uint32_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint32_t mid = (ll >> 16) + (lh & 0xFFFF) + (hl & 0xFFFF);
	uint32_t lo = (ll & 0xFFFF) | mid << 16;
	uint32_t hi = hh + (lh >> 16) + (hl >> 16) + (mid >> 16);
	return (uint64_t)hi << 32 | lo;
}

uint64_t fake___muldi3(uint64_t a, uint64_t b);
uint64_t fake___muldi3(uint64_t a, uint64_t b)
{
	uint32_t alo = (uint32_t)a, ahi = (uint32_t)(a >> 32);
	uint32_t blo = (uint32_t)b, bhi = (uint32_t)(b >> 32);
	uint64_t low = fake___umulsidi3(alo, blo);
	uint32_t cross = alo * bhi + ahi * blo;
	return low + ((uint64_t)cross << 32);
}
