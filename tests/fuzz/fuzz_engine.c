/* SPDX-License-Identifier: MIT
 * The engine through a fuzzed wire: a write, a read or a verify on the in-process board
 * (virtual clock, flash in a memory file filled with a pattern) through a link that the
 * input scripts: every frame sent and every reply chunk received takes one input byte
 * that passes it or breaks it (bit flip, loss, duplicate, cut, garbage, a stall of
 * seconds). Oracle, checked after every input: exit 0 means the flash (or the read
 * buffer) is exactly right and nothing outside the written sectors changed. */
#define _GNU_SOURCE
#include "fuzz.h"

#include <sys/mman.h>
#include <unistd.h>

#include "engine/flasher.h"
#include "engine/loader.h"
#include "link/link.h"
#include "sim/sim.h"

#define FLASH (512u << 10)
#define AT    0x10000u
#define LEN   0x900u

struct script {
	const uint8_t *data;
	size_t size, pos;
};

struct fuzzlink {
	struct link link;
	struct link *inner;
	struct script s;
	uint8_t held[4096];
	size_t held_len;
	uint64_t held_until;
	uint8_t out[2 * 0x4400 + 16];
};

static uint8_t next(struct script *s)
{
	return s->pos < s->size ? s->data[s->pos++] : 0;
}

static struct fuzzlink *fz(struct link *l)
{
	return l->priv;
}

static int fz_write(struct link *l, const uint8_t *buf, size_t len, struct ed_error *err)
{
	struct fuzzlink *f = fz(l);
	uint8_t b = next(&f->s);
	if (b < 0xC0 || len == 0 || len > sizeof f->out - 8)
		return link_write(f->inner, buf, len, err);
	size_t n = len, at = (next(&f->s) | (size_t)next(&f->s) << 8) % len;
	memcpy(f->out, buf, len);
	switch (b & 7) {
	case 0:
		return (int)len; /* frame lost */
	case 1:
		link_write(f->inner, buf, len, err);
		break; /* sent twice */
	case 2:
		f->out[at] ^= (uint8_t)(1u << (next(&f->s) & 7));
		break;
	case 3:
		n = at;
		break; /* cut */
	case 4:	       /* a garbage byte */
		memmove(f->out + at + 1, f->out + at, len - at);
		f->out[at] = next(&f->s);
		n++;
		break;
	default:
		break;
	}
	int rc = link_write(f->inner, f->out, n, err);
	return rc < 0 ? rc : (int)len;
}

static int fz_read(struct link *l, uint8_t *buf, size_t cap, uint64_t timeout_us,
		   struct ed_error *err)
{
	struct fuzzlink *f = fz(l);
	if (f->held_len) {
		uint64_t now = link_now_us(f->inner);
		if (now < f->held_until) {
			uint64_t wait = f->held_until - now;
			link_sleep_us(f->inner, wait < timeout_us ? wait : timeout_us);
			if (link_now_us(f->inner) < f->held_until)
				return 0;
		}
		size_t n = f->held_len < cap ? f->held_len : cap;
		memcpy(buf, f->held, n);
		memmove(f->held, f->held + n, f->held_len - n);
		f->held_len -= n;
		return (int)n;
	}
	int n = link_read(f->inner, buf, cap, timeout_us, err);
	if (n <= 0)
		return n;
	uint8_t b = next(&f->s);
	if (b < 0xC0)
		return n;
	size_t at = next(&f->s) % (size_t)n;
	switch (b & 7) {
	case 0:
		return 0; /* chunk lost */
	case 1:
		buf[at] ^= (uint8_t)(1u << (next(&f->s) & 7));
		return n;
	case 2: /* delivered twice */
		if ((size_t)n <= sizeof f->held) {
			memcpy(f->held, buf, (size_t)n);
			f->held_len = (size_t)n;
			f->held_until = 0;
		}
		return n;
	case 3: /* stalled for 1-8 s */
		if ((size_t)n <= sizeof f->held) {
			memcpy(f->held, buf, (size_t)n);
			f->held_len = (size_t)n;
			f->held_until = link_now_us(f->inner) + 1000000u * (1 + (next(&f->s) & 7));
		}
		return 0;
	case 4:
		return (int)at; /* cut */
	default:
		return n;
	}
}

static int fz_set_baud(struct link *l, uint32_t baud, struct ed_error *err)
{
	return fz(l)->inner->ops->set_baud(fz(l)->inner, baud, err);
}

static int fz_set_lines(struct link *l, int dtr, int rts, struct ed_error *err)
{
	return fz(l)->inner->ops->set_lines(fz(l)->inner, dtr, rts, err);
}

static int fz_flush(struct link *l, struct ed_error *err)
{
	return fz(l)->inner->ops->flush_input(fz(l)->inner, err);
}

static uint64_t fz_now(struct link *l)
{
	return link_now_us(fz(l)->inner);
}

static void fz_sleep(struct link *l, uint64_t us)
{
	link_sleep_us(fz(l)->inner, us);
}

static void fz_close(struct link *l)
{
	(void)l;
}

static const struct link_ops fuzz_ops = {fz_read,  fz_write, fz_set_baud, fz_set_lines,
					 fz_flush, fz_now,   fz_sleep,	  fz_close};

static uint8_t before[FLASH], want[LEN], got[LEN];

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static void check_outside(const uint8_t *after, uint32_t lo, uint32_t hi)
{
	for (uint32_t i = 0; i < FLASH; i++)
		FUZZ_CHECK(i >= lo && i < hi ? true : after[i] == before[i],
			   "flash outside 0x%x..0x%x changed at 0x%x", lo, hi, i);
}

static void run(struct loader *ld, const struct sim_board *board, uint8_t op)
{
	struct ed_error err = {0};
	size_t size;
	const uint8_t *flash;
	if (op % 3 == 0) {
		struct flasher_write_opts wo = {.flash_size = FLASH,
						.check_blocks = op & 4,
						.strategy = op & 8 ? ERASE_STRATEGY_PRESERVE
								   : ERASE_STRATEGY_EXACT};
		int rc = flasher_write(ld, AT, want, LEN, &wo, NULL, &err);
		flash = sim_board_flash(board, &size);
		if (rc == ED_OK) {
			FUZZ_CHECK(!memcmp(flash + AT, want, LEN), "write said ok, flash differs");
			check_outside(flash, AT, AT + 0x1000);
		}
	} else if (op % 3 == 1) {
		int rc = flasher_read(ld, 0x20000, got, LEN, NULL, &err);
		flash = sim_board_flash(board, &size);
		if (rc == ED_OK)
			FUZZ_CHECK(!memcmp(got, before + 0x20000, LEN),
				   "read said ok, data differs");
		check_outside(flash, 0, 0);
	} else {
		uint32_t diff = 0;
		int rc = flasher_verify(ld, 0x30000, before + 0x30000, LEN, NULL, &diff, &err);
		flash = sim_board_flash(board, &size);
		(void)rc;
		check_outside(flash, 0, 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static int fd = -1;
	if (fd < 0) {
		fill(before, FLASH, 7);
		fill(want, LEN, 9);
		fd = memfd_create("flash", 0);
		if (fd < 0 || ftruncate(fd, FLASH) != 0)
			abort();
	}
	if (pwrite(fd, before, FLASH, 0) != (ssize_t)FLASH)
		abort();
	char spec[128];
	snprintf(spec, sizeof spec, "sim://?fast&clock=virtual&flash=/proc/self/fd/%d", fd);
	struct ed_error err = {0};
	struct fuzzlink f = {.s = {data + 1, size - 1, 0}};
	if (link_open(spec, NULL, &f.inner, &err) != ED_OK)
		abort();
	f.link = (struct link){.ops = &fuzz_ops, .priv = &f, .baud = 115200, .has_lines = true};
	snprintf(f.link.name, sizeof f.link.name, "fuzz");
	struct loader_config cfg = {0};
	struct loader *ld = NULL;
	if (loader_create(&f.link, &cfg, &ld, &err) != ED_OK)
		abort();
	if (loader_connect(ld, LOADER_BEFORE_DEFAULT_RESET, &err) == ED_OK &&
	    loader_attach_flash(ld, &err) == ED_OK)
		run(ld, link_sim_board(f.inner), data[0]);
	loader_destroy(ld);
	link_close(f.inner);
	return 0;
}
