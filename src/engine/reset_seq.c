/* SPDX-License-Identifier: MIT
 * Checking a custom reset sequence (reset_seq.h). */
#include "engine/reset_seq.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool is_bit(char c)
{
	return c == '0' || c == '1';
}

/* A wait: non-negative decimal seconds, at most 60 (a longer one is surely a typo). */
static bool is_wait(const char *s, size_t n)
{
	char buf[24];
	if (n == 0 || n >= sizeof buf || strspn(s, "0123456789.") < n)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end;
	double v = strtod(buf, &end);
	return *end == '\0' && v >= 0 && v <= 60;
}

static bool step_ok(const char *s, size_t n)
{
	switch (n ? s[0] : 0) {
	case 'D':
	case 'R':
		return n == 2 && is_bit(s[1]);
	case 'U':
		return n == 4 && is_bit(s[1]) && s[2] == ',' && is_bit(s[3]);
	case 'W':
		return is_wait(s + 1, n - 1);
	default:
		return false;
	}
}

int reset_seq_check(const char *seq, struct ed_error *err)
{
	if (!seq || !*seq)
		return ed_fail(err, ED_ERR_ARG,
			       "the custom reset sequence is empty (for example "
			       "D0|R1|W0.1|D1|R0|W0.05|D0)");
	const char *p = seq;
	for (int i = 1;; i++) {
		size_t n = strcspn(p, "|");
		if (!step_ok(p, n))
			return ed_fail(
			    err, ED_ERR_ARG,
			    "custom reset sequence '%s': step %d '%.*s' is none of D0, D1 "
			    "(DTR), R0, R1 (RTS), U0,1 (DTR,RTS at once) or W0.1 (wait "
			    "seconds, at most 60)",
			    seq, i, (int)n, p);
		if (!p[n])
			return ED_OK;
		p += n + 1;
	}
}
