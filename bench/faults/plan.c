/* SPDX-License-Identifier: MIT
 * Fault campaign: what a seed means (the run's plan, the board's flash, the data) and
 * how a finished run is judged from the whole flash before and after. */
#include "faults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t *s, uint64_t n)
{
	return mix(s) % n;
}

const char *op_name(enum op op)
{
	static const char *const names[OP_COUNT] = {"write", "read", "verify", "erase"};
	return op < OP_COUNT ? names[op] : "?";
}

/* Every kind alone half of the time (so each kind's effect is seen on its own), else all
 * of them together. */
static const char *const single_kinds[] = {"flip",     "drop",	  "dup",   "garbage", "dropframe",
					   "dupframe", "hdrflip", "delay", "stall",   "disconnect"};

void plan_draw(uint64_t seed, const char *kinds, double rate_scale, struct run_plan *p)
{
	uint64_t s = seed * 0x2545F4914F6CDD1Dull + 7;
	memset(p, 0, sizeof *p);
	p->seed = seed;
	p->op = (enum op)below(&s, OP_COUNT);
	/* Regions stay clear of the first and last 64 KiB so damage outside shows. */
	p->offset = (uint32_t)(0x10000 + below(&s, 0xD0) * SECTOR);
	switch (p->op) {
	case OP_WRITE:
		p->size = (uint32_t)(1 + below(&s, 0x3000));
		break;
	case OP_READ:
		p->size = (uint32_t)(1 + below(&s, 0x800));
		break;
	case OP_VERIFY:
		p->size = (uint32_t)(1 + below(&s, 0x800));
		p->verify_differs = below(&s, 2);
		break;
	default:
		p->size = (uint32_t)(1 + below(&s, 4)) * SECTOR;
		break;
	}
	p->verify_flag = below(&s, 4) == 0;
	p->check_blocks = below(&s, 4) == 0;
	p->preserve = below(&s, 4) == 0;
	static const double rates[] = {0.002, 0.01, 0.03, 0.1};
	static const char *const dirs[] = {"tx", "rx", "both"};
	double rate = rates[below(&s, 4)] * rate_scale;
	const char *k = kinds;
	if (!k)
		k = below(&s, 2) ? "all" : single_kinds[below(&s, 10)];
	snprintf(p->faults, sizeof p->faults, "seed=%llu,rate=%g,kinds=%s,dir=%s",
		 (unsigned long long)seed, rate, k, dirs[below(&s, 3)]);
}

const char *plan_text(const struct run_plan *p, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s 0x%x+%u%s%s%s%s [%s]", op_name(p->op), p->offset, p->size,
		 p->op == OP_WRITE && p->verify_flag ? " --verify" : "",
		 p->op == OP_WRITE && p->check_blocks ? " --check-blocks" : "",
		 p->op == OP_WRITE && p->preserve ? " --erase-strategy preserve" : "",
		 p->op == OP_VERIFY && p->verify_differs ? " (data differs)" : "", p->faults);
	return buf;
}

/* The board's flash: random data with a few erased sectors, from the seed. */
void plan_flash(const struct run_plan *p, uint8_t *flash)
{
	uint64_t s = p->seed ^ 0xF1A5Bull;
	for (uint32_t i = 0; i < FLASH_BYTES; i += 8) {
		uint64_t v = mix(&s);
		memcpy(flash + i, &v, 8);
	}
	for (int k = 0; k < 16; k++)
		memset(flash + below(&s, FLASH_BYTES / SECTOR) * SECTOR, 0xFF, SECTOR);
}

/* Data to write (fresh random) or to verify (the flash, maybe with one byte changed). */
void plan_data(const struct run_plan *p, const uint8_t *flash, uint8_t *data)
{
	uint64_t s = p->seed ^ 0xDA7Aull;
	if (p->op == OP_VERIFY) {
		memcpy(data, flash + p->offset, p->size);
		if (p->verify_differs)
			data[below(&s, p->size)] ^= (uint8_t)(1u << below(&s, 8));
		return;
	}
	for (uint32_t i = 0; i < p->size; i++)
		data[i] = (uint8_t)mix(&s);
}

/* First differing address in [lo, hi) or -1. */
static long first_diff(const uint8_t *a, const uint8_t *b, uint32_t lo, uint32_t hi)
{
	for (uint32_t i = lo; i < hi; i++)
		if (a[i] != b[i])
			return (long)i;
	return -1;
}

/* What the operation may change: the sectors of the region for writes and erases. */
static void touched(const struct run_plan *p, uint32_t *lo, uint32_t *hi)
{
	*lo = *hi = 0;
	if (p->op == OP_WRITE || p->op == OP_ERASE) {
		*lo = p->offset;
		*hi = (p->offset + p->size + SECTOR - 1) / SECTOR * SECTOR;
	}
}

static bool outside_changed(const struct run_plan *p, const uint8_t *before, const uint8_t *after,
			    char *what, size_t cap, long *where)
{
	uint32_t lo, hi;
	touched(p, &lo, &hi);
	long d = first_diff(before, after, 0, lo);
	if (d < 0)
		d = first_diff(before, after, hi, FLASH_BYTES);
	*where = d;
	if (d < 0)
		return false;
	snprintf(what, cap, "flash outside the region changed at 0x%lx (%02x -> %02x)", d,
		 before[d], after[d]);
	return true;
}

/* Exit 0: is the flash (or the dump) exactly what was asked? */
static bool result_wrong(const struct run_plan *p, const uint8_t *after, const uint8_t *data,
			 const uint8_t *before, const uint8_t *dump, size_t dump_len, char *what,
			 size_t cap)
{
	long d = -1;
	switch (p->op) {
	case OP_WRITE:
		for (uint32_t i = 0; i < p->size && d < 0; i++)
			if (after[p->offset + i] != data[i])
				d = (long)(p->offset + i);
		break;
	case OP_ERASE:
		for (uint32_t i = 0; i < p->size && d < 0; i++)
			if (after[p->offset + i] != 0xFF)
				d = (long)(p->offset + i);
		break;
	case OP_READ:
		if (!dump || dump_len != p->size) {
			snprintf(what, cap, "exit 0 but the dump has %zu bytes, not %u", dump_len,
				 p->size);
			return true;
		}
		for (uint32_t i = 0; i < p->size && d < 0; i++)
			if (dump[i] != before[p->offset + i])
				d = (long)(p->offset + i);
		break;
	default:
		if (p->verify_differs) {
			snprintf(what, cap, "exit 0 from a verify of data that differs");
			return true;
		}
		break;
	}
	if (d >= 0)
		snprintf(what, cap, "exit 0 but %s wrong at 0x%lx",
			 p->op == OP_READ ? "dump" : "flash", d);
	return d >= 0;
}

/* Whether the message names the damaged place d: a range "0xA..0xB" (or "0xA-0xB") that
 * holds it, or an address in its sector. */
static bool names_damage(const char *msg, long d)
{
	unsigned long prev = 0;
	bool have_prev = false;
	for (const char *s = msg; (s = strstr(s, "0x")) != NULL;) {
		char *end;
		unsigned long v = strtoul(s + 2, &end, 16);
		if (end == s + 2) {
			s += 2;
			continue;
		}
		if (have_prev && prev <= (unsigned long)d && (unsigned long)d <= v)
			return true;
		if (v / SECTOR == (unsigned long)d / SECTOR)
			return true;
		/* a range continues with ".." or "-" right before the next number */
		have_prev = !strncmp(end, "..", 2) || *end == '-';
		prev = v;
		s = end;
	}
	return false;
}

void judge(const struct run_plan *p, int exit_code, const char *message, const uint8_t *before,
	   const uint8_t *after, const uint8_t *data, const uint8_t *dump, size_t dump_len,
	   struct run_result *r)
{
	r->exit_code = exit_code;
	char what[200] = "";
	bool has_message = message && message[0];
	long where = -1;
	bool outside = outside_changed(p, before, after, what, sizeof what, &where);
	if (exit_code == 0) {
		if (outside ||
		    result_wrong(p, after, data, before, dump, dump_len, what, sizeof what))
			r->verdict = V_SILENT;
		else
			r->verdict = V_OK;
	} else if (!has_message) {
		r->verdict = V_SILENT;
		snprintf(what, sizeof what, "exit %d without a message", exit_code);
	} else if (p->op == OP_VERIFY && p->verify_differs && exit_code == 4 && !outside) {
		r->verdict = V_OK; /* the verify found the difference it should find */
	} else {
		r->verdict = !outside			    ? V_FAIL
			     : names_damage(message, where) ? V_FAIL_OUTSIDE
							    : V_FAIL_UNNAMED;
	}
	if (what[0])
		snprintf(r->detail, sizeof r->detail, "%s", what);
}
