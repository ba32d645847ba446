/* SPDX-License-Identifier: MIT
 * RFC 4180 CSV builder and record parser (csv.h). */
#include "journal/csv.h"

#include <stdlib.h>
#include <string.h>

void csv_line_init(struct csv_line *line)
{
	memset(line, 0, sizeof *line);
}

void csv_line_finish(struct csv_line *line)
{
	free(line->text);
	memset(line, 0, sizeof *line);
}

static void append(struct csv_line *line, const char *s, size_t n)
{
	if (line->failed)
		return;
	if (line->len + n + 1 > line->cap) {
		size_t cap = line->cap ? line->cap : 256;
		while (cap < line->len + n + 1)
			cap *= 2;
		char *p = realloc(line->text, cap);
		if (!p) {
			line->failed = true;
			return;
		}
		line->text = p;
		line->cap = cap;
	}
	memcpy(line->text + line->len, s, n);
	line->len += n;
	line->text[line->len] = '\0';
}

static bool needs_quotes(const char *s)
{
	size_t n = strlen(s);
	if (n && (s[0] == ' ' || s[n - 1] == ' '))
		return true;
	return strpbrk(s, ",\"\r\n") != NULL;
}

void csv_line_add(struct csv_line *line, const char *field)
{
	if (!field)
		field = "";
	if (line->fields++)
		append(line, ",", 1);
	if (!needs_quotes(field)) {
		append(line, field, strlen(field));
		return;
	}
	append(line, "\"", 1);
	for (const char *q; (q = strchr(field, '"')); field = q + 1) {
		append(line, field, (size_t)(q - field));
		append(line, "\"\"", 2);
	}
	append(line, field, strlen(field));
	append(line, "\"", 1);
}

int csv_line_end(struct csv_line *line, struct ed_error *err)
{
	append(line, "\r\n", 2);
	if (line->failed)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory building a journal line");
	return ED_OK;
}

/* Bytes to the end of the physical line that starts at data (LF included). */
static size_t to_line_end(const char *data, size_t len)
{
	const char *nl = memchr(data, '\n', len);
	return nl ? (size_t)(nl - data) + 1 : len;
}

long csv_parse_record(const char *data, size_t len, char *out, size_t cap, char **field,
		      size_t max_fields, size_t *count, size_t *skip)
{
	size_t i = 0, o = 0;
	*count = 0;
	*skip = to_line_end(data, len);
	for (;;) {
		/* One field starting at data[i]. */
		if (*count < max_fields)
			field[*count] = out + o;
		(*count)++;
		bool quoted = i < len && data[i] == '"';
		if (quoted) {
			for (i++;; i++) {
				if (i >= len)
					return 0; /* torn inside a quoted field */
				if (data[i] == '"') {
					if (i + 1 >= len)
						return 0;
					if (data[i + 1] != '"')
						break;
					i++;
				}
				if (o + 1 >= cap)
					return ED_ERR_FORMAT;
				out[o++] = data[i];
			}
			i++; /* the closing quote */
			*skip = i + to_line_end(data + i, len - i);
		} else {
			for (; i < len && data[i] != ',' && data[i] != '\r' && data[i] != '\n';
			     i++) {
				if (data[i] == '"')
					return ED_ERR_FORMAT;
				if (o + 1 >= cap)
					return ED_ERR_FORMAT;
				out[o++] = data[i];
			}
		}
		if (o + 1 >= cap)
			return ED_ERR_FORMAT;
		out[o++] = '\0';
		if (i >= len)
			return 0; /* no terminator yet */
		if (data[i] == ',') {
			i++;
			continue;
		}
		if (data[i] == '\r') {
			if (i + 1 >= len)
				return 0;
			if (data[i + 1] != '\n')
				return ED_ERR_FORMAT;
			return (long)(i + 2);
		}
		if (data[i] == '\n')
			return (long)(i + 1);
		return ED_ERR_FORMAT; /* text after a closing quote */
	}
}
