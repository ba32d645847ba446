/* SPDX-License-Identifier: MIT
 * The error model: fixed texts for codes, printf-style details in a caller-owned context. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *ed_strerror(int code)
{
	switch (code) {
	case ED_OK:
		return "success";
	case ED_ERR_ARG:
		return "invalid argument";
	case ED_ERR_IO:
		return "input/output error";
	case ED_ERR_TIMEOUT:
		return "timed out";
	case ED_ERR_PROTO:
		return "protocol error";
	case ED_ERR_NOMEM:
		return "out of memory";
	case ED_ERR_FORMAT:
		return "bad file format";
	case ED_ERR_UNSUPPORTED:
		return "not supported";
	case ED_ERR_CANCELLED:
		return "cancelled";
	case ED_ERR_DEVICE:
		return "the board reported a failure";
	case ED_ERR_VERIFY:
		return "verification failed";
	case ED_ERR_NOTFOUND:
		return "not found";
	case ED_ERR_DISCONNECTED:
		return "port disconnected";
	default:
		return "unknown error";
	}
}

int ed_fail(struct ed_error *err, int code, const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

void ed_error_prefix(struct ed_error *err, const char *fmt, ...)
{
	if (!err)
		return;
	char prefix[256];
	char old[sizeof err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	/* Built by hand: snprintf("%s: %s") trips -Wformat-truncation, and truncation of an
	 * over-long detail is what we want anyway. */
	size_t plen = strnlen(prefix, sizeof prefix);
	if (plen > sizeof err->msg - 3)
		plen = sizeof err->msg - 3;
	memcpy(err->msg, prefix, plen);
	memcpy(err->msg + plen, ": ", 2);
	size_t room = sizeof err->msg - plen - 3;
	size_t olen = strnlen(old, sizeof old);
	if (olen > room)
		olen = room;
	memcpy(err->msg + plen + 2, old, olen);
	err->msg[plen + 2 + olen] = '\0';
}

void ed_error_clear(struct ed_error *err)
{
	if (!err)
		return;
	err->code = ED_OK;
	err->msg[0] = '\0';
}
