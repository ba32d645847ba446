/* SPDX-License-Identifier: MIT
 * Pure text helpers of the bench screen (see format.h). */
#include "tui/format.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"

char *tui_fmt_bar(char *buf, size_t width, uint64_t done, uint64_t total)
{
	size_t full = 0;
	if (total) {
		if (done > total)
			done = total;
		full = (size_t)((double)done / (double)total * (double)width);
		if (full > width)
			full = width;
		if (full == width && done < total && width)
			full = width - 1; /* never look finished before the last byte */
	}
	memset(buf, '#', full);
	memset(buf + full, '-', width - full);
	buf[width] = '\0';
	return buf;
}

unsigned tui_percent(uint64_t done, uint64_t total)
{
	if (!total)
		return 0;
	if (done >= total)
		return 100;
	unsigned p = (unsigned)((double)done * 100.0 / (double)total);
	return p > 99 ? 99 : p;
}

char *tui_fmt_rate(char *buf, size_t cap, double bytes_per_s)
{
	if (!(bytes_per_s > 0)) {
		snprintf(buf, cap, "-");
		return buf;
	}
	if (bytes_per_s < 1024)
		snprintf(buf, cap, "%.0f B/s", bytes_per_s);
	else if (bytes_per_s < 1024 * 1024)
		snprintf(buf, cap, "%.1f KiB/s", bytes_per_s / 1024);
	else
		snprintf(buf, cap, "%.2f MiB/s", bytes_per_s / (1024 * 1024));
	return buf;
}

char *tui_fmt_eta(char *buf, size_t cap, double seconds)
{
	/* 100 hours is no estimate worth showing. */
	if (seconds < 0 || seconds != seconds || seconds > 360000) {
		snprintf(buf, cap, "--:--");
		return buf;
	}
	unsigned long s = (unsigned long)(seconds + 0.5);
	if (s >= 3600)
		snprintf(buf, cap, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, cap, "%lu:%02lu", s / 60, s % 60);
	return buf;
}

char *tui_fmt_progress(char *buf, size_t cap, const struct job_progress *p)
{
	char done[24], total[24], rate[24], eta[24];
	snprintf(buf, cap, "%3u%%  %s / %s  %s  ETA %s", tui_percent(p->done, p->total),
		 ed_format_size(done, sizeof done, p->done),
		 ed_format_size(total, sizeof total, p->total),
		 tui_fmt_rate(rate, sizeof rate, p->rate_bps),
		 tui_fmt_eta(eta, sizeof eta, p->eta_s));
	return buf;
}

char *tui_fmt_fit(char *buf, size_t width, const char *s)
{
	size_t n = strlen(s);
	if (n > width) {
		memcpy(buf, s, width);
		if (width)
			buf[width - 1] = '~';
	} else {
		memcpy(buf, s, n);
		memset(buf + n, ' ', width - n);
	}
	buf[width] = '\0';
	return buf;
}

/* s in at most max characters: its head and tail around a '~' (a port's tail is its
 * number: /dev/ttyUSB10). */
static void mid_cut(char *out, size_t cap, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max || max < 3) {
		snprintf(out, cap, "%.*s", (int)(n <= max ? n : max), s);
		return;
	}
	size_t tail = (max - 1) / 2, head = max - 1 - tail;
	snprintf(out, cap, "%.*s~%s", (int)head, s, s + n - tail);
}

char *tui_fmt_header(char *buf, size_t cap, size_t width, const char *port, const char *preset,
		     const char *flash, const char *baud)
{
	static const char *const forms[] = {
	    " espdeck bench | port %s | preset %s | %s | %s baud",
	    " port %s | preset %s | %s | %s baud",
	    " %s | %s | %s | %s baud",
	};
	if (width >= cap)
		width = cap - 1;
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		int n = snprintf(buf, cap, forms[i], port, preset, flash, baud);
		if (n >= 0 && (size_t)n <= width)
			return buf;
	}
	/* Shorten the two names, the preset to a third of the room at most. */
	size_t fixed = strlen(" "
			      " | "
			      " | "
			      " | "
			      " baud") +
		       strlen(flash) + strlen(baud);
	size_t room = width > fixed ? width - fixed : 0;
	size_t plen = strlen(preset), want_p = room / 3 > 6 ? room / 3 : 6;
	if (want_p > plen)
		want_p = plen;
	size_t want_port = room > want_p ? room - want_p : 1;
	char p1[128], p2[128];
	mid_cut(p1, sizeof p1, port, want_port < sizeof p1 - 1 ? want_port : sizeof p1 - 1);
	mid_cut(p2, sizeof p2, preset, want_p < sizeof p2 - 1 ? want_p : sizeof p2 - 1);
	snprintf(buf, cap, forms[2], p1, p2, flash, baud);
	if (strlen(buf) > width) /* a terminal too narrow for even that: the tail goes */
		buf[width] = '\0';
	return buf;
}

size_t tui_wrap(const char *text, size_t width, size_t *starts, size_t *lens, size_t max)
{
	size_t count = 0, pos = 0, len = strlen(text);
	if (width == 0)
		return 0;
	do {
		size_t end = pos;
		while (end < len && text[end] != '\n' && end - pos < width)
			end++;
		size_t next = end;
		if (end < len && text[end] != '\n' && end - pos == width) {
			/* Break at the last space of the line when there is one. */
			size_t sp = end;
			while (sp > pos && text[sp] != ' ')
				sp--;
			if (sp > pos) {
				end = sp;
				next = sp + 1;
			}
		} else if (end < len && text[end] == '\n') {
			next = end + 1;
		}
		if (count < max) {
			starts[count] = pos;
			lens[count] = end - pos;
		}
		count++;
		pos = next;
	} while (pos < len);
	return count;
}

char *tui_dump_name(char *buf, size_t cap, uint32_t addr)
{
	snprintf(buf, cap, "flash-%06x.bin", addr);
	return buf;
}

char *tui_fmt_engine(char *buf, size_t cap, const struct job_progress *p,
		     const struct job_file_result *files, const bool *done, size_t n)
{
	if (!p->baud) {
		snprintf(buf, cap, "%s", "");
		return buf;
	}
	double data_bps = 0, wire_bps = 0;
	bool zlib = false;
	uint64_t skipped = 0;
	if (p->wire_total) {
		skipped = p->sectors_skipped;
		data_bps = p->rate_bps;
		wire_bps = p->wire_rate_bps;
		zlib = p->wire_total < p->total;
	} else {
		uint64_t bytes = 0, wire = 0;
		double seconds = 0;
		for (size_t i = 0; files && done && i < n; i++) {
			if (!done[i])
				continue;
			bytes += files[i].bytes;
			wire += files[i].wire_bytes;
			seconds += files[i].seconds;
			zlib |= files[i].compressed;
			skipped += files[i].sectors_skipped;
		}
		if (seconds > 0) {
			data_bps = (double)bytes / seconds;
			wire_bps = (double)wire / seconds;
		}
	}
	int len = snprintf(buf, cap, "%s at %u baud", p->stub ? "stub" : "ROM loader", p->baud);
	char a[24], b[24];
	if (len >= 0 && (size_t)len < cap && data_bps > 0) {
		if (wire_bps > 0)
			len +=
			    snprintf(buf + len, cap - (size_t)len, " | %s data, %s %son the wire",
				     tui_fmt_rate(a, sizeof a, data_bps),
				     tui_fmt_rate(b, sizeof b, wire_bps), zlib ? "zlib " : "");
		else
			len += snprintf(buf + len, cap - (size_t)len, " | %s data",
					tui_fmt_rate(a, sizeof a, data_bps));
	}
	if (len >= 0 && (size_t)len < cap && skipped)
		snprintf(buf + len, cap - (size_t)len, " | %llu sector%s skipped",
			 (unsigned long long)skipped, skipped == 1 ? "" : "s");
	return buf;
}
