/* SPDX-License-Identifier: MIT
 * Logging sink helpers. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

void ed_log(const struct ed_log *log, enum ed_log_level level, const char *fmt, ...)
{
	if (!log || !log->fn || level > log->max_level)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	log->fn(log->user, level, line);
}

void ed_log_hex(const struct ed_log *log, const char *tag, const uint8_t *data, size_t len)
{
	if (!log || !log->fn || ED_LOG_TRACE > log->max_level)
		return;
	char line[1024];
	size_t shown = len > 300 ? 300 : len;
	int pos = snprintf(line, sizeof line, "%s %zu:", tag, len);
	for (size_t i = 0; i < shown && pos < (int)sizeof line - 4; i++)
		pos += snprintf(line + pos, sizeof line - (size_t)pos, " %02x", data[i]);
	if (shown < len && pos < (int)sizeof line - 5)
		snprintf(line + pos, sizeof line - (size_t)pos, " ...");
	log->fn(log->user, ED_LOG_TRACE, line);
}

void ed_log_to_file(void *file, enum ed_log_level level, const char *line)
{
	static const char *const names[] = {"error", "warning", "info", "debug", "trace"};
	fprintf((FILE *)file, "%s: %s\n", names[level], line);
}
