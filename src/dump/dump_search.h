/* SPDX-License-Identifier: MIT
 * Search in a dump: hex byte strings with "??" wildcards, or text. Pure functions over
 * a buffer; matches may overlap and cross row boundaries (rows are only a display). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define DUMP_PATTERN_MAX 256

struct dump_pattern {
	uint8_t bytes[DUMP_PATTERN_MAX];
	bool wild[DUMP_PATTERN_MAX]; /* true: any byte matches here */
	size_t len;
	bool text; /* typed as text (for messages) */
};

/* Parses what the user typed. Text: a leading '"' (the closing quote is optional), e.g.
 * "\"rf_cal". Hex otherwise: pairs of hex digits or "??", spaces optional, an optional
 * 0x before a pair ("e9 ?? 00 02", "e9??0002", "0xe9 0x03"). At least one byte must
 * not be a wildcard. */
int dump_pattern_parse(const char *input, struct dump_pattern *p, struct ed_error *err);

/* The first match starting at an offset >= from (forward) or the last match starting at
 * an offset <= from (backward). Returns the offset, or -1 when there is none. */
long long dump_search(const uint8_t *data, size_t size, const struct dump_pattern *p, size_t from,
		      bool backward);

/* The number of (possibly overlapping) matches in the whole buffer. */
size_t dump_search_count(const uint8_t *data, size_t size, const struct dump_pattern *p);

/* Describes the pattern for a status line ("e9 ?? 00 02", "\"rf_cal\"") into buf. */
const char *dump_pattern_describe(const struct dump_pattern *p, char *buf, size_t cap);
