/* SPDX-License-Identifier: MIT
 * espdeck core: the one error model shared by every layer below the UI. */
#pragma once

#include <stddef.h>

/* Negative codes are failures; non-negative results are counts (libserialport's rule). */
enum ed_err {
	ED_OK = 0,
	ED_ERR_ARG = -1,     /* bad argument or option from the user */
	ED_ERR_IO = -2,	     /* file or device I/O failed (errno in the detail) */
	ED_ERR_TIMEOUT = -3, /* the board did not answer in time */
	ED_ERR_PROTO = -4,   /* malformed or unexpected bytes on the wire */
	ED_ERR_NOMEM = -5,
	ED_ERR_FORMAT = -6,	 /* bad file contents: image, ELF, layout, dump */
	ED_ERR_UNSUPPORTED = -7, /* the operation does not apply here */
	ED_ERR_CANCELLED = -8,
	ED_ERR_DEVICE = -9,	  /* the board answered with a failure status */
	ED_ERR_VERIFY = -10,	  /* read-back differs from what was written */
	ED_ERR_NOTFOUND = -11,	  /* file, preset, port or symbol not found */
	ED_ERR_DISCONNECTED = -12 /* the port went away */
};

/* Error context: filled by the thread where the failure happened, read by the caller. */
struct ed_error {
	int code;
	char msg[768];
};

/* A short fixed text for a code ("timeout", "bad file format"); never NULL. */
const char *ed_strerror(int code);

/* Sets err (may be NULL) to code and a printf-formatted detail; returns code, so a
 * failing path reads `return ed_fail(err, ED_ERR_IO, "cannot open %s: %s", ...)`. */
int ed_fail(struct ed_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to an existing detail (for adding where it happened). */
void ed_error_prefix(struct ed_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears the context to ED_OK and an empty message. err may be NULL. */
void ed_error_clear(struct ed_error *err);
