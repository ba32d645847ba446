/* SPDX-License-Identifier: MIT
 * The flasher stub (firmware/stub) as the ESP8266 loads it: its segments, their load
 * addresses and the entry point, embedded into espdeck at build time so that no firmware file
 * is needed at run time. The engine uploads it with MEM_BEGIN/MEM_DATA/MEM_END; the virtual
 * board recognises it by its identity (SHA-256 of what was uploaded, see below). */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct stub_segment {
	uint32_t addr;
	uint32_t size;
	const uint8_t *data;
};

struct stub_blob {
	uint32_t entry;
	size_t n_segments;
	const struct stub_segment *segments;
	uint8_t sha256[32];
};

/* The flasher stub built from firmware/stub for the ESP8266, embedded at build time.
 * NULL when the build had no xtensa cross compiler. Static storage: borrowed. */
const struct stub_blob *stub_blob_builtin(void);

/* The identity of an upload: SHA-256 over, for each segment in upload order, its
 * address (le32), its size (le32) and its bytes, then the entry (le32). The board
 * compares this with stub_blob_builtin()->sha256 to know it is our stub. */
void stub_blob_identity(const struct stub_segment *segs, size_t n, uint32_t entry, uint8_t out[32]);
