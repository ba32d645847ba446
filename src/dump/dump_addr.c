/* SPDX-License-Identifier: MIT
 * Base address from a dump's name and go-to parsing (rules in dump_addr.h). */
#include "dump/dump_addr.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

static bool is_sep(char c)
{
	return c == '-' || c == '_' || c == '.' || c == ' ' || c == '@' || c == '\0';
}

/* Counts hex digits at p; returns the count (0 when none). */
static size_t hex_run(const char *p)
{
	size_t n = 0;
	while (isxdigit((unsigned char)p[n]))
		n++;
	return n;
}

static uint32_t hex_value(const char *p, size_t n)
{
	uint32_t v = 0;
	for (size_t i = 0; i < n; i++) {
		int c = tolower((unsigned char)p[i]);
		v = v * 16 + (uint32_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	return v;
}

static bool prefixed_token(const char *name, uint32_t *base)
{
	for (const char *p = name; *p; p++) {
		if (p != name && !is_sep(p[-1]))
			continue;
		if (p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
			continue;
		size_t n = hex_run(p + 2);
		if (n >= 1 && n <= 8 && is_sep(p[2 + n])) {
			*base = hex_value(p + 2, n);
			return true;
		}
	}
	return false;
}

static bool worded_token(const char *name, uint32_t *base)
{
	static const char *const words[] = {"flash", "dump", "read", "backup"};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t w = strlen(words[i]);
		if (strncasecmp(name, words[i], w) || (name[w] != '-' && name[w] != '_'))
			continue;
		const char *p = name + w + 1;
		size_t n = hex_run(p);
		if (n == 0 || n > 8 || !is_sep(p[n]))
			return false;
		uint32_t v = hex_value(p, n);
		if (n <= 3)
			v *= DUMP_SECTOR; /* a sector number: flash-3fe.bin is 0x3FE000 */
		*base = v;
		return true;
	}
	return false;
}

bool dump_base_from_name(const char *path, uint32_t *base)
{
	const char *name = ed_basename(path);
	return prefixed_token(name, base) || worded_token(name, base);
}

static bool has_hex_letter(const char *s)
{
	for (; *s; s++)
		if (strchr("abcdefABCDEF", *s))
			return true;
	return false;
}

/* One number: 0x.. / 0o.. / 0b.. / decimal with k/M suffix (ed_parse_size), or bare
 * hex when it has hex letters ("3fe010" can only mean hex). */
static bool parse_amount(const char *s, uint64_t *out)
{
	uint32_t v;
	if (ed_parse_size(s, &v)) {
		*out = v;
		return true;
	}
	size_t n = hex_run(s);
	if (n >= 1 && n <= 8 && s[n] == '\0' && has_hex_letter(s)) {
		*out = hex_value(s, n);
		return true;
	}
	return false;
}

int dump_check_base(uint32_t base, size_t size, struct ed_error *err)
{
	const uint64_t limit = 0x100000000ull;
	if (size == 0 || (uint64_t)base + size <= limit)
		return ED_OK;
	if (size > limit)
		return ed_fail(err, ED_ERR_ARG,
			       "the dump is %zu bytes, more than a 32-bit address space holds",
			       size);
	return ed_fail(err, ED_ERR_ARG,
		       "base 0x%x + %zu bytes runs past address 0xffffffff (the addresses would "
		       "wrap to 0): use a base of at most 0x%llx; flash addresses end at 0x1000000",
		       base, size, (unsigned long long)(limit - size));
}

int dump_parse_goto(const char *text, uint64_t current, uint64_t lo, uint64_t hi, uint64_t *target,
		    struct ed_error *err)
{
	while (isspace((unsigned char)*text))
		text++;
	char buf[64];
	size_t len = strlen(text);
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	if (len == 0)
		return ed_fail(err, ED_ERR_ARG, "no address given (for example 0x3fe010, +0x100)");
	if (len >= sizeof buf)
		return ed_fail(err, ED_ERR_ARG, "'%.20s...' is too long for an address", text);
	memcpy(buf, text, len);
	buf[len] = '\0';
	int sign = 0;
	const char *num = buf;
	if (*num == '+' || *num == '-')
		sign = *num++ == '+' ? 1 : -1;
	while (isspace((unsigned char)*num))
		num++;
	uint64_t v;
	if (!parse_amount(num, &v))
		return ed_fail(err, ED_ERR_ARG,
			       "'%s' is not an address (try 0x3fe010, 4096, 3fe010, +0x100, -16)",
			       buf);
	uint64_t t = v;
	if (sign > 0)
		t = current + v;
	else if (sign < 0)
		t = v > current ? UINT64_MAX : current - v;
	if (t < lo || t >= hi)
		return ed_fail(err, ED_ERR_ARG, "'%s' is outside the dump (0x%llx-0x%llx)", buf,
			       (unsigned long long)lo, (unsigned long long)(hi - 1));
	*target = t;
	return ED_OK;
}
