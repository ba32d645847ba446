/* SPDX-License-Identifier: MIT
 * Intel HEX input as esptool reads it (ihex.h): intelhex's record rules, then its
 * tobinfile(start=...). */
#include "image/ihex.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One parsed HEX data record. */
struct hex_rec {
	uint32_t addr;
	uint8_t n;
	uint8_t bytes[255];
};

static int hex_digit(uint8_t c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* Decodes one line (without its line end) into raw record bytes; false when it is not a
 * well-formed record (intelhex's HexRecordError and its kinds). */
static bool decode_line(const uint8_t *s, size_t n, uint8_t *raw, size_t *raw_len)
{
	if (n < 1 || s[0] != ':' || (n - 1) % 2 || (n - 1) / 2 < 5 || (n - 1) / 2 > 260)
		return false;
	*raw_len = (n - 1) / 2;
	uint8_t sum = 0;
	for (size_t i = 0; i < *raw_len; i++) {
		int hi = hex_digit(s[1 + 2 * i]), lo = hex_digit(s[2 + 2 * i]);
		if (hi < 0 || lo < 0)
			return false;
		raw[i] = (uint8_t)(hi << 4 | lo);
		sum = (uint8_t)(sum + raw[i]);
	}
	if (*raw_len != 5u + raw[0] || raw[3] > 5 || sum != 0)
		return false;
	unsigned type = raw[3], rlen = raw[0], addr = raw[1] << 8 | raw[2];
	if ((type == 1 && rlen != 0) || ((type == 2 || type == 4) && (rlen != 2 || addr)) ||
	    ((type == 3 || type == 5) && (rlen != 4 || addr)))
		return false;
	return true;
}

/* Walks the lines as Python's text mode does ('\n', '\r\n' and '\r' end a line) and
 * hands every data record to fn. Returns 1 when all parsed, 0 when the file is not HEX. */
static int walk_hex(const uint8_t *d, size_t len, void (*fn)(void *, const struct hex_rec *),
		    void *user)
{
	uint32_t offset = 0;
	bool start_seen = false;
	for (size_t pos = 0; pos < len;) {
		size_t end = pos;
		while (end < len && d[end] != '\n' && d[end] != '\r')
			end++;
		size_t next = end < len && d[end] == '\r' && end + 1 < len && d[end + 1] == '\n'
				  ? end + 2
				  : end + 1;
		uint8_t raw[260];
		size_t raw_len;
		if (end > pos) {
			if (!decode_line(d + pos, end - pos, raw, &raw_len))
				return 0;
			if (raw[3] == 1)
				return 1;
			if (raw[3] == 3 || raw[3] == 5) {
				if (start_seen)
					return 0; /* DuplicateStartAddressRecordError */
				start_seen = true;
			}
			if (raw[3] == 2)
				offset = (uint32_t)(raw[4] << 8 | raw[5]) * 16;
			if (raw[3] == 4)
				offset = (uint32_t)(raw[4] << 8 | raw[5]) << 16;
			if (raw[3] == 0) {
				struct hex_rec r = {
				    offset + (uint32_t)(raw[1] << 8 | raw[2]), raw[0], {0}};
				memcpy(r.bytes, raw + 4, raw[0]);
				fn(user, &r);
			}
		}
		pos = next;
	}
	return 1;
}

struct hex_span {
	uint64_t min, max;
	bool any;
	uint8_t *buf;  /* NULL while measuring */
	uint8_t *seen; /* a bit per byte of [lo, hi] */
	uint64_t lo, hi;
	bool overlap;
};

static void span_measure(void *user, const struct hex_rec *r)
{
	struct hex_span *s = user;
	for (unsigned i = 0; i < r->n; i++) {
		uint64_t a = (uint64_t)r->addr + i;
		if (!s->any || a < s->min)
			s->min = a;
		if (!s->any || a > s->max)
			s->max = a;
		s->any = true;
	}
}

static void span_fill(void *user, const struct hex_rec *r)
{
	struct hex_span *s = user;
	for (unsigned i = 0; i < r->n; i++) {
		uint64_t a = (uint64_t)r->addr + i, k = a - s->min;
		if (s->seen[k / 8] & (1u << (k % 8)))
			s->overlap = true;
		s->seen[k / 8] |= (uint8_t)(1u << (k % 8));
		if (a >= s->lo && a <= s->hi)
			s->buf[a - s->lo] = r->bytes[i];
	}
}

int ihex_to_bin(const uint8_t *data, size_t len, uint32_t start, uint8_t **out, size_t *out_len,
		struct ed_error *err)
{
	*out = NULL;
	*out_len = 0;
	struct hex_span s = {0};
	if (len == 0 || data[0] != ':' || !walk_hex(data, len, span_measure, &s))
		return 0;
	if (!s.any)
		return ed_fail(err, ED_ERR_FORMAT, "the Intel HEX file holds no data");
	/* intelhex's tobinarray(start=...): start to the highest address, or the other way
	 * round when all data lies below start */
	s.lo = start < s.max ? start : s.max;
	s.hi = start < s.max ? s.max : start;
	if (s.hi - s.lo >= 64u << 20 || s.max - s.min >= 64u << 20)
		return ed_fail(err, ED_ERR_FORMAT, "the Intel HEX file spans more than 64 MiB");
	s.buf = malloc((size_t)(s.hi - s.lo + 1));
	s.seen = calloc((size_t)((s.max - s.min) / 8 + 1), 1);
	if (!s.buf || !s.seen) {
		free(s.buf);
		free(s.seen);
		return ed_fail(err, ED_ERR_NOMEM, "no memory for the Intel HEX contents");
	}
	memset(s.buf, 0xFF, (size_t)(s.hi - s.lo + 1));
	walk_hex(data, len, span_fill, &s);
	free(s.seen);
	if (s.overlap) {
		free(s.buf);
		return ed_fail(err, ED_ERR_FORMAT,
			       "two records of the Intel HEX file write the "
			       "same address");
	}
	*out = s.buf;
	*out_len = (size_t)(s.hi - s.lo + 1);
	return 1;
}
