/* SPDX-License-Identifier: MIT
 * Intel HEX files given where esptool takes binaries (merge_bin's inputs): converted to
 * bytes exactly as esptool's intel_hex_to_bin does, or left alone when they do not
 * parse. Pure function over buffers. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* esptool's treatment of an input file that is Intel HEX (its intel_hex_to_bin): when the
 * first byte is ':' and every line parses as a record (checksums, lengths, types 0-5; an
 * EOF record ends it, a missing one is fine), the file becomes the bytes from `start` to
 * its highest address, gaps 0xFF. Returns 1 with *out (malloc'd, caller frees) and
 * *out_len set; 0 when the file is not Intel HEX (esptool then takes it as raw bytes);
 * ED_ERR_FORMAT when it is HEX that esptool would fail on (no data, overlapping records,
 * more than 64 MiB). */
int ihex_to_bin(const uint8_t *data, size_t len, uint32_t start, uint8_t **out, size_t *out_len,
		struct ed_error *err);
