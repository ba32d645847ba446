/* SPDX-License-Identifier: MIT
 * Pure text helpers of the bench screen (style.md §12): progress bar, rate, ETA, the
 * progress line, fitting text into a column, wrapping log lines, dump names. They return
 * strings in caller buffers; curses only copies them to the screen, and the unit tests
 * check them without a terminal. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "job/job.h"

/* width characters: '#' for the done part, '-' for the rest (rounded down, so the bar is
 * full only at 100%). buf holds width + 1. total 0 draws an empty bar. Returns buf. */
char *tui_fmt_bar(char *buf, size_t width, uint64_t done, uint64_t total);

/* Whole percent, rounded down, capped at 100 ("100%" only when done == total). */
unsigned tui_percent(uint64_t done, uint64_t total);

/* "11.5 KiB/s", "980 B/s", "-" when the rate is unknown (<= 0). */
char *tui_fmt_rate(char *buf, size_t cap, double bytes_per_s);

/* "0:42", "12:03", "1:02:03"; "--:--" when unknown (< 0). */
char *tui_fmt_eta(char *buf, size_t cap, double seconds);

/* "  37%  384.0 KiB / 1.00 MiB  11.5 KiB/s  ETA 0:57" for the current step. */
char *tui_fmt_progress(char *buf, size_t cap, const struct job_progress *p);

/* The engine line of a job: "stub at 921600 baud | 140.0 KiB/s data, 35.0 KiB/s zlib on
 * the wire | 3 sectors skipped". While a stub write runs (p->wire_total > 0) the rates are
 * the current file's; otherwise those of the files written so far (files[i] where
 * done[i], n of them; both may be NULL). "ROM loader at 115200 baud" in ROM mode;
 * "" before the link's rate is known. Returns buf. */
char *tui_fmt_engine(char *buf, size_t cap, const struct job_progress *p,
		     const struct job_file_result *files, const bool *done, size_t n);

/* Copies s into buf cut or padded with spaces to exactly width columns (ASCII); a cut
 * string ends in '~'. buf holds width + 1. Returns buf. */
char *tui_fmt_fit(char *buf, size_t width, const char *s);

/* The bench's title line in at most width columns (cap >= width + 1):
 * " espdeck bench | port P | preset N | FLASH | BAUD baud". When it does not fit, words go
 * first (the program's name, then the labels "port" and "preset"), then the port and the
 * preset name are shortened in their middle with '~'; FLASH ("32m-c1 qio 40m") and the
 * baud are never cut (issue 15: "1152" for 115200 misleads). Returns buf. */
char *tui_fmt_header(char *buf, size_t cap, size_t width, const char *port, const char *preset,
		     const char *flash, const char *baud);

/* Splits text into lines of at most width characters, breaking at spaces where it can
 * and at '\n'. Fills up to max (start, length) pairs; returns the number of lines the
 * text needs (may exceed max). */
size_t tui_wrap(const char *text, size_t width, size_t *starts, size_t *lens, size_t max);

/* The name of a dump of flash at addr: "flash-3fe000.bin" (the seed's style, with the
 * whole address so the hex viewer can take the base from the name). */
char *tui_dump_name(char *buf, size_t cap, uint32_t addr);
