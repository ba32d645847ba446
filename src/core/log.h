/* SPDX-License-Identifier: MIT
 * Logging sink: core never prints; it calls the sink its owner installed (style.md §9). */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum ed_log_level { ED_LOG_ERROR = 0, ED_LOG_WARN, ED_LOG_INFO, ED_LOG_DEBUG, ED_LOG_TRACE };

/* fn receives one complete line without a trailing newline; it may be called from worker
 * threads, so a sink that touches shared state must lock. A zeroed struct logs nothing. */
struct ed_log {
	void (*fn)(void *user, enum ed_log_level level, const char *line);
	void *user;
	enum ed_log_level max_level; /* lines above this level are dropped before formatting */
};

void ed_log(const struct ed_log *log, enum ed_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Hex trace of a buffer at ED_LOG_TRACE, prefixed with tag ("TX", "RX"). */
void ed_log_hex(const struct ed_log *log, const char *tag, const uint8_t *data, size_t len);

/* A ready-made sink writing "level: line" to a FILE * passed as user (stderr for the CLI). */
void ed_log_to_file(void *file, enum ed_log_level level, const char *line);
