/* SPDX-License-Identifier: MIT
 * Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_<name>.c, one target each,
 * each defining LLVMFuzzerTestOneInput; corpora in tests/fuzz/corpus/<name>/). A target
 * stops with abort() when its oracle finds a wrong result, so libFuzzer saves the input. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (the parsers take C strings); caller frees. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "oracle: " __VA_ARGS__);                                   \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)
