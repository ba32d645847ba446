/* SPDX-License-Identifier: MIT
 * Pattern search: memchr on the rarest-looking fixed byte, then a masked compare. Flash
 * dumps are mostly 0xFF and 0x00, so anchoring on another byte skips almost everything
 * at memchr speed (a 16 MiB dump in a few milliseconds). */
#include "dump/dump_search.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int parse_text(const char *s, struct dump_pattern *p, struct ed_error *err)
{
	size_t n = strlen(s);
	if (n && s[n - 1] == '"')
		n--;
	if (n == 0)
		return ed_fail(err, ED_ERR_ARG, "empty text search (type \"text)");
	if (n > DUMP_PATTERN_MAX)
		return ed_fail(err, ED_ERR_ARG, "search text longer than %d bytes",
			       DUMP_PATTERN_MAX);
	memcpy(p->bytes, s, n);
	p->len = n;
	p->text = true;
	return ED_OK;
}

int dump_pattern_parse(const char *input, struct dump_pattern *p, struct ed_error *err)
{
	memset(p, 0, sizeof *p);
	while (isspace((unsigned char)*input))
		input++;
	if (*input == '"')
		return parse_text(input + 1, p, err);
	bool fixed = false;
	for (const char *s = input; *s;) {
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2]))
			s += 2;
		if (p->len == DUMP_PATTERN_MAX)
			return ed_fail(err, ED_ERR_ARG, "search pattern longer than %d bytes",
				       DUMP_PATTERN_MAX);
		if (s[0] == '?' && s[1] == '?') {
			p->wild[p->len++] = true;
			s += 2;
			continue;
		}
		int hi = hexdigit((unsigned char)s[0]);
		int lo = hi < 0 ? -1 : hexdigit((unsigned char)s[1]);
		if (hi < 0 || lo < 0)
			return ed_fail(err, ED_ERR_ARG,
				       "'%s' is not a hex byte string at '%.8s' (bytes are two hex "
				       "digits or ??, e.g. e9 ?? 00; for text start with \")",
				       input, s);
		p->bytes[p->len++] = (uint8_t)(hi << 4 | lo);
		fixed = true;
		s += 2;
	}
	if (p->len == 0)
		return ed_fail(err, ED_ERR_ARG,
			       "empty search (hex bytes like e9 ?? 00, or \"text)");
	if (!fixed)
		return ed_fail(err, ED_ERR_ARG, "'%s' is only wildcards: it would match everywhere",
			       input);
	return ED_OK;
}

/* The index of the fixed byte to anchor memchr on: the first that is neither 0x00 nor
 * 0xFF when there is one (those fill erased and zeroed areas). */
static size_t anchor_of(const struct dump_pattern *p)
{
	size_t any = p->len;
	for (size_t i = 0; i < p->len; i++) {
		if (p->wild[i])
			continue;
		if (p->bytes[i] != 0x00 && p->bytes[i] != 0xFF)
			return i;
		if (any == p->len)
			any = i;
	}
	return any;
}

static bool match_at(const uint8_t *d, const struct dump_pattern *p)
{
	for (size_t i = 0; i < p->len; i++)
		if (!p->wild[i] && d[i] != p->bytes[i])
			return false;
	return true;
}

static long long search_forward(const uint8_t *data, size_t size, const struct dump_pattern *p,
				size_t from)
{
	size_t a = anchor_of(p);
	uint8_t key = p->bytes[a];
	size_t pos = from; /* candidate match start */
	while (pos + p->len <= size) {
		const uint8_t *hit = memchr(data + pos + a, key, size - p->len + 1 - pos);
		if (!hit)
			return -1;
		size_t start = (size_t)(hit - data) - a;
		if (match_at(data + start, p))
			return (long long)start;
		pos = start + 1;
	}
	return -1;
}

static long long search_backward(const uint8_t *data, size_t size, const struct dump_pattern *p,
				 size_t from)
{
	if (p->len > size)
		return -1;
	size_t last = size - p->len;
	size_t pos = from < last ? from : last;
	size_t a = anchor_of(p);
	uint8_t key = p->bytes[a];
	for (;;) {
		/* memrchr is a GNU extension; backward search is interactive only. */
		size_t start = pos + 1;
		while (start > 0 && data[start - 1 + a] != key)
			start--;
		if (start == 0)
			return -1;
		start--;
		if (match_at(data + start, p))
			return (long long)start;
		if (start == 0)
			return -1;
		pos = start - 1;
	}
}

long long dump_search(const uint8_t *data, size_t size, const struct dump_pattern *p, size_t from,
		      bool backward)
{
	if (p->len == 0 || p->len > size)
		return -1;
	return backward ? search_backward(data, size, p, from)
			: search_forward(data, size, p, from);
}

/* The length of the run of byte v starting at p (at most n): 8 bytes at a time. */
static size_t run_length(const uint8_t *p, size_t n, uint8_t v)
{
	uint64_t word = 0x0101010101010101ull * v, w;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		if (w != word)
			break;
	}
	while (i < n && p[i] == v)
		i++;
	return i;
}

/* A pattern of one repeated byte (ff ff ff ff, 00 00) matches R - len + 1 times in every
 * run of R >= len such bytes: counted per run, since erased dumps are one long run. */
static bool one_byte_pattern(const struct dump_pattern *p)
{
	for (size_t i = 0; i < p->len; i++)
		if (p->wild[i] || p->bytes[i] != p->bytes[0])
			return false;
	return true;
}

static size_t count_runs(const uint8_t *data, size_t size, const struct dump_pattern *p)
{
	uint8_t v = p->bytes[0];
	size_t count = 0, i = 0;
	while (i < size) {
		const uint8_t *hit = memchr(data + i, v, size - i);
		if (!hit)
			break;
		size_t start = (size_t)(hit - data);
		size_t run = run_length(hit, size - start, v);
		if (run >= p->len)
			count += run - p->len + 1;
		i = start + run;
	}
	return count;
}

size_t dump_search_count(const uint8_t *data, size_t size, const struct dump_pattern *p)
{
	if (p->len == 0 || p->len > size)
		return 0;
	if (one_byte_pattern(p))
		return count_runs(data, size, p);
	size_t a = anchor_of(p), last = size - p->len, count = 0, i = 0;
	uint8_t key = p->bytes[a];
	while (i <= last) {
		const uint8_t *hit = memchr(data + i + a, key, last - i + 1);
		if (!hit)
			break;
		/* dense stretches (0xFF in an erased dump) are walked byte by byte instead of
		 * one memchr call per match */
		size_t s = (size_t)(hit - data) - a;
		for (; s <= last && data[s + a] == key; s++)
			count += match_at(data + s, p);
		i = s;
	}
	return count;
}

const char *dump_pattern_describe(const struct dump_pattern *p, char *buf, size_t cap)
{
	size_t used = 0;
	if (cap == 0)
		return buf;
	buf[0] = '\0';
	if (p->text) {
		snprintf(buf, cap, "\"%.*s\"", (int)p->len, (const char *)p->bytes);
		return buf;
	}
	for (size_t i = 0; i < p->len && used + 4 < cap; i++) {
		int n = p->wild[i]
			    ? snprintf(buf + used, cap - used, "%s??", i ? " " : "")
			    : snprintf(buf + used, cap - used, "%s%02x", i ? " " : "", p->bytes[i]);
		used += (size_t)n;
	}
	return buf;
}
