/* SPDX-License-Identifier: MIT
 * Output files named by the user (dumps, images, OTA bins, published copies): what a
 * path names decides how it is written (issue 11, defect 7).
 *
 *   regular file, or nothing yet  written to a temporary file next to it, synced and
 *                                 renamed over it: a reader never sees half a file, and a
 *                                 failure leaves the old file as it was. An existing file
 *                                 keeps its permission bits.
 *   symbolic link                 followed (also a chain, also dangling); its final target
 *                                 is replaced atomically as above and the link stays.
 *   FIFO, character device        opened and written straight (a reader of the FIFO, a
 *                                 terminal, /dev/null), never replaced by a file.
 *   "-", /dev/stdout, /dev/stderr, /dev/fd/N
 *                                 written straight to that open descriptor.
 *   directory, block device, socket
 *                                 refused with a message saying what to give instead.
 *
 * ed_output_check() makes the same decision without writing, so a command can refuse a
 * directory (or a missing folder) before it spends minutes reading a board. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Checks that path can take an output (see above); ED_ERR_ARG or ED_ERR_IO with a
 * message naming the path and what to try. Touches nothing. */
int ed_output_check(const char *path, struct ed_error *err);

/* Writes size bytes of data (borrowed) to path as described above. */
int ed_output_write(const char *path, const uint8_t *data, size_t size, struct ed_error *err);

/* True when path names an already open descriptor ("-", /dev/stdout, /dev/fd/N): the
 * caller should print its own messages elsewhere than into the data. */
bool ed_output_is_stream(const char *path);
