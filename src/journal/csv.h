/* SPDX-License-Identifier: MIT
 * RFC 4180 CSV for the journal: a growable line builder that quotes a field when it holds
 * a comma, a quote, CR or LF (or starts/ends with a space, which some spreadsheets trim),
 * and a record parser that tells a complete record from a torn one.
 * Builder: csv_line_init -> csv_line_add (per field) -> csv_line_end -> use .text ->
 * csv_line_finish. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct csv_line {
	char *text; /* NUL-terminated, owned */
	size_t len;
	size_t cap;
	size_t fields;
	bool failed; /* an allocation failed; checked by csv_line_end */
};

void csv_line_init(struct csv_line *line);
void csv_line_add(struct csv_line *line, const char *field);
/* Terminates the record with CRLF (RFC 4180). ED_ERR_NOMEM when any step failed. */
int csv_line_end(struct csv_line *line, struct ed_error *err);
void csv_line_finish(struct csv_line *line);

/* Parses one record at data[0..len). Outcome:
 *   > 0  a complete record of that many bytes (terminator included); fields are copied,
 *        NUL-terminated, into out (cap bytes) and pointed to by field[0..*count)
 *        (at most max_fields; extra fields are counted in *count but not stored);
 *     0  the record is not terminated within len bytes (a torn last line);
 *    <0  ED_ERR_FORMAT: malformed quoting (a quote inside an unquoted field, or text after
 *        a closing quote) or the fields do not fit in out; *skip then holds the bytes to
 *        the end of the physical line, so a reader can go on. */
long csv_parse_record(const char *data, size_t len, char *out, size_t cap, char **field,
		      size_t max_fields, size_t *count, size_t *skip);
