/* SPDX-License-Identifier: MIT
 * <string.h> for the xtensa builds of the stub (-ffreestanding -nostdlib, no C library): the
 * few functions the ESP8266's ROM supplies (ld/rom.ld), so that core files written for
 * both the host and the chip can include the standard header. */
#ifndef STUB_LIBC_STRING_H
#define STUB_LIBC_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
