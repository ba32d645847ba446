/* SPDX-License-Identifier: MIT
 * Diff of two dumps, sector by sector: memcmp decides most sectors at memory speed and
 * only differing sectors are counted byte by byte. */
#include "dump/dump_diff.h"

#include <stdlib.h>
#include <string.h>

#include "dump/dump_addr.h"

struct dump_diff {
	const uint8_t *a, *b;
	size_t a_size, b_size;
	size_t common, span; /* min and max of the sizes */
	uint32_t base;
	size_t sector_count;
	uint32_t *per_sector; /* differing bytes in each sector */
	uint64_t bytes;
	size_t sectors;
};

static uint32_t count_range(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint32_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += a[i] != b[i];
	return c;
}

int dump_diff_create(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size,
		     uint32_t base, struct dump_diff **out, struct ed_error *err)
{
	*out = NULL;
	if (dump_check_base(base, a_size > b_size ? a_size : b_size, err) < 0)
		return ED_ERR_ARG;
	struct dump_diff *d = calloc(1, sizeof *d);
	if (!d)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory comparing dumps");
	d->a = a;
	d->b = b;
	d->a_size = a_size;
	d->b_size = b_size;
	d->common = a_size < b_size ? a_size : b_size;
	d->span = a_size < b_size ? b_size : a_size;
	d->base = base;
	d->sector_count = dump_sector_count(base, d->span);
	d->per_sector = calloc(d->sector_count ? d->sector_count : 1, sizeof *d->per_sector);
	if (!d->per_sector) {
		free(d);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory comparing dumps");
	}
	for (size_t k = 0; k < d->sector_count; k++) {
		size_t lo = dump_sector_start(base, k);
		size_t hi = dump_sector_start(base, k + 1);
		if (hi > d->span)
			hi = d->span;
		size_t chi = hi < d->common ? hi : d->common;
		uint32_t n = 0;
		if (lo < chi && memcmp(a + lo, b + lo, chi - lo))
			n = count_range(a + lo, b + lo, chi - lo);
		if (hi > d->common)
			n += (uint32_t)(hi - (lo > d->common ? lo : d->common));
		d->per_sector[k] = n;
		d->bytes += n;
		d->sectors += n != 0;
	}
	*out = d;
	return ED_OK;
}

void dump_diff_destroy(struct dump_diff *d)
{
	if (!d)
		return;
	free(d->per_sector);
	free(d);
}

uint64_t dump_diff_bytes(const struct dump_diff *d)
{
	return d->bytes;
}

size_t dump_diff_sectors(const struct dump_diff *d)
{
	return d->sectors;
}

uint32_t dump_diff_in_sector(const struct dump_diff *d, size_t k)
{
	return k < d->sector_count ? d->per_sector[k] : 0;
}

bool dump_diff_at(const struct dump_diff *d, size_t off)
{
	if (off >= d->span)
		return false;
	return off >= d->common || d->a[off] != d->b[off];
}

static long long next_forward(const struct dump_diff *d, size_t from)
{
	size_t off = from;
	while (off < d->span) {
		size_t k = dump_sector_of(d->base, off);
		size_t hi = dump_sector_start(d->base, k + 1);
		if (hi > d->span)
			hi = d->span;
		if (d->per_sector[k]) {
			for (; off < hi; off++)
				if (dump_diff_at(d, off))
					return (long long)off;
		}
		off = hi;
	}
	return -1;
}

static long long next_backward(const struct dump_diff *d, size_t from)
{
	if (d->span == 0)
		return -1;
	size_t off = from < d->span ? from : d->span - 1;
	for (;;) {
		size_t k = dump_sector_of(d->base, off);
		size_t lo = dump_sector_start(d->base, k);
		if (d->per_sector[k]) {
			for (size_t i = off + 1; i-- > lo;)
				if (dump_diff_at(d, i))
					return (long long)i;
		}
		if (lo == 0)
			return -1;
		off = lo - 1;
	}
}

long long dump_diff_next(const struct dump_diff *d, size_t from, bool backward)
{
	return backward ? next_backward(d, from) : next_forward(d, from);
}
