/* SPDX-License-Identifier: MIT
 * Small shared helpers: little-endian fields, esptool-style numbers, whole-file I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

/* Parses a number the way esptool's arguments do (Python int(x, 0)): "0x1000", "4096",
 * "0o17", "0b101"; underscores between digits allowed. Whole string must be consumed.
 * Returns false on anything else or on overflow of 32 bits. */
bool ed_parse_u32(const char *text, uint32_t *out);

/* Like ed_parse_u32 but also accepts a size suffix k/K (KiB) or M (MiB): "4M", "64k". */
bool ed_parse_size(const char *text, uint32_t *out);

/* Reads a whole file into a malloc'd buffer (caller frees *data). Refuses files larger
 * than max_bytes with ED_ERR_FORMAT. The error detail names the path. */
int ed_read_file(const char *path, uint8_t **data, size_t *size, size_t max_bytes,
		 struct ed_error *err);

/* Reads the file at path in pieces of up to 16 KiB and hands each to feed(ctx, piece, n),
 * for a checksum of a file of any size without holding it whole. The error detail names
 * the path ("cannot open ... to checksum it"); ED_ERR_NOTFOUND when it does not exist. */
int ed_file_each_piece(const char *path, void (*feed)(void *ctx, const uint8_t *piece, size_t n),
		       void *ctx, struct ed_error *err);

/* Writes len bytes as lower-case hex into out (2 * len + 1 bytes, NUL-terminated). */
void ed_hex(const uint8_t *bytes, size_t len, char *out);

/* Writes data to path atomically: a temporary file in the same folder, fsync, rename.
 * On failure nothing is left at path that was not there before. */
int ed_write_file_atomic(const char *path, const uint8_t *data, size_t size, struct ed_error *err);
/* The same with the file's permission bits given (mode < 0: 0666 less the umask).
 * Replaces whatever is at path, symlinks and FIFOs included: for a path a user named,
 * use ed_output_write() (core/outfile.h). */
int ed_write_file_atomic_mode(const char *path, const uint8_t *data, size_t size, int mode,
			      struct ed_error *err);

/* Monotonic clock in microseconds (real time; engine code uses the link's clock). */
uint64_t ed_monotonic_us(void);

/* The local time now in ISO 8601 with milliseconds and the UTC offset,
 * "2026-12-04T11:50:01.123+01:00" (at least 30 bytes), for --log lines; returns buf. */
const char *ed_iso_time_ms(char *buf, size_t cap);

/* Formats a byte count as "512 B", "4.0 KiB", "1.50 MiB" into buf; returns buf. */
const char *ed_format_size(char *buf, size_t cap, uint64_t bytes);

/* The last component of a path, borrowed from path. */
const char *ed_basename(const char *path);
