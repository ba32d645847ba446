/* SPDX-License-Identifier: MIT
 * A dump file mapped read-only. The mapping is never touched after the file shrank:
 * callers ask dump_file_check() (one fstat) before reading pages, because reading a
 * page past the new end of a truncated file raises SIGBUS instead of an error. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct dump_file;

/* Maps path read-only. Empty files, directories, devices and unreadable files fail with
 * a message naming the path. On success *out owns the mapping (free with
 * dump_file_destroy()); *out is NULL on failure. */
int dump_file_open(const char *path, struct dump_file **out, struct ed_error *err);

/* Unmaps and closes; accepts NULL. */
void dump_file_destroy(struct dump_file *f);

/* The mapped bytes (borrowed, valid until destroy) and their count. */
const uint8_t *dump_file_data(const struct dump_file *f);
size_t dump_file_size(const struct dump_file *f);

/* The path as given to dump_file_open (borrowed). */
const char *dump_file_path(const struct dump_file *f);

/* Returns ED_OK while the file on disk still has the size and modification time it had
 * when it was mapped; otherwise ED_ERR_FORMAT with a message saying what changed. Once
 * changed, the file stays "changed" (reopen it to see the new contents). */
int dump_file_check(struct dump_file *f, struct ed_error *err);
