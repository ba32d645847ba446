/* SPDX-License-Identifier: MIT
 * The diff engine of compare mode: which bytes and 4 KiB sectors of two dumps differ.
 * Both buffers are borrowed and must outlive the diff. When the sizes differ, the bytes
 * only one dump has count as differing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct dump_diff;

/* Compares a and b (byte 0 of both at flash address base, which places the sector
 * boundaries). *out is NULL on failure. */
int dump_diff_create(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size,
		     uint32_t base, struct dump_diff **out, struct ed_error *err);

/* Frees the diff; accepts NULL. */
void dump_diff_destroy(struct dump_diff *d);

/* Counts of differing bytes and of sectors holding at least one of them. */
uint64_t dump_diff_bytes(const struct dump_diff *d);
size_t dump_diff_sectors(const struct dump_diff *d);

/* The number of differing bytes in sector k (0 past the end). */
uint32_t dump_diff_in_sector(const struct dump_diff *d, size_t k);

/* True when byte off differs (or exists in only one dump). */
bool dump_diff_at(const struct dump_diff *d, size_t off);

/* The first differing offset >= from (forward) or the last <= from (backward); -1 when
 * there is none. */
long long dump_diff_next(const struct dump_diff *d, size_t from, bool backward);
