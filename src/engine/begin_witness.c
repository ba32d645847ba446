/* SPDX-License-Identifier: MIT
 * Witnesses for a ROM-mode FLASH_BEGIN that erases (issue 11). One flipped bit of the
 * erase-size word erases from the offset on with the wrong size; one flipped bit of the
 * offset word erases (and, for a write, programs the blocks) at offset ^ (1 << k). Every
 * such range is listed under both erase models (the ROM's x + min(t, x) sectors, reference
 * §6.1, and a ROM without the bug: x sectors), so the proof does not rest on the virtual
 * board's model; the ROM refuses an unaligned offset or offset + size beyond
 * max(4 MB, flash size), and the chip wraps addresses modulo its size. A witness is a
 * sector's first word, read before the FLASH_BEGIN, that the range's change would alter
 * (erased: it is not 0xFF; programmed over: it holds a 1 bit the data lacks); one witness
 * in a range proves the whole range unchanged, so nested ranges share theirs. */
#include "engine/begin_witness_int.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "engine/spiflash.h"
#include "proto/packet.h"

#define SECTOR SPIFLASH_SECTOR
#define BLOCK  PKT_ROM_FLASH_BLOCK
#define PREFS  6u /* addresses one candidate may probe */

typedef struct begin_witness bw_t;
typedef struct begin_witness_cand cand_t;

/* Whether the sector at addr changes on purpose or is written and proven later. */
static bool covered(const bw_t *w, uint32_t addr)
{
	if (addr >= w->op.own_start && addr < w->op.own_end)
		return true;
	for (size_t i = 0; i < w->op.nlater; i++) {
		const struct flasher_range *r = &w->op.later[i];
		if ((uint64_t)addr < (uint64_t)r->offset + r->size && addr + SECTOR > r->offset)
			return true;
	}
	return false;
}

/* Position of chip address addr inside c (c->len < chip size). */
static uint64_t rel_of(const bw_t *w, const cand_t *c, uint32_t addr)
{
	uint64_t mask = w->chip_size - 1;
	return ((uint64_t)addr + w->chip_size - (c->start & mask)) & mask;
}

static bool holds(const bw_t *w, const cand_t *c, uint32_t addr)
{
	return !covered(w, addr) && (c->len >= w->chip_size || rel_of(w, c, addr) < c->len);
}

/* The word at addr (holding `before`) after c happened. */
static uint32_t predict(const bw_t *w, const cand_t *c, uint32_t addr, uint32_t before)
{
	if (c->len >= w->chip_size)
		return 0xFFFFFFFFu;
	uint64_t rel = rel_of(w, c, addr);
	uint64_t prog = c->word == 3 && w->op.data ? (uint64_t)w->op.nblocks * BLOCK : 0;
	if (rel + 4 > prog)
		return rel < c->erase_len ? 0xFFFFFFFFu : before;
	uint32_t d = get_le32(w->op.data + rel);
	return rel < c->erase_len ? d : before & d;
}

/* The chip pieces of c: [lo[i], hi[i]) for i < return value. */
static unsigned pieces(const bw_t *w, const cand_t *c, uint32_t lo[2], uint64_t hi[2])
{
	if (c->len >= w->chip_size) {
		lo[0] = 0;
		hi[0] = w->chip_size;
		return 1;
	}
	uint64_t s = c->start & (w->chip_size - 1), e = s + c->len;
	lo[0] = (uint32_t)s;
	hi[0] = e < w->chip_size ? e : w->chip_size;
	if (e <= w->chip_size)
		return 1;
	lo[1] = 0;
	hi[1] = e - w->chip_size;
	return 2;
}

static bool any_uncovered(const bw_t *w, const cand_t *c)
{
	uint32_t lo[2];
	uint64_t hi[2];
	unsigned n = pieces(w, c, lo, hi);
	for (unsigned p = 0; p < n; p++)
		for (uint64_t a = lo[p]; a < hi[p]; a += SECTOR)
			if (!covered(w, (uint32_t)a))
				return true;
	return false;
}

/* One FLASH_BEGIN(size, ..., base) the ROM may have run, under both erase models. */
static void add_cand(bw_t *w, uint32_t base, uint32_t size, unsigned word, unsigned bit)
{
	if (base % SECTOR || (uint64_t)base + size > w->rom_limit)
		return; /* the ROM refuses it and answers so */
	uint64_t x = ((uint64_t)size + SECTOR - 1) / SECTOR, t = 16 - (base / SECTOR) % 16;
	uint64_t prog = word == 3 && w->op.data ? (uint64_t)w->op.nblocks * BLOCK : 0;
	prog = (prog + SECTOR - 1) / SECTOR * SECTOR;
	for (unsigned model = 0; model < 2; model++) {
		uint64_t sectors = model ? x + (t < x ? t : x) : x;
		if (model && sectors == x)
			continue;
		cand_t c = {.start = base,
			    .erase_len = sectors * SECTOR,
			    .word = (uint8_t)word,
			    .bit = (uint8_t)bit,
			    .rom_model = (uint8_t)model,
			    .witness = -1};
		c.len = c.erase_len > prog ? c.erase_len : prog;
		bool dup = false;
		for (unsigned i = 0; i < w->ncand && !dup; i++)
			dup = w->cand[i].start == c.start && w->cand[i].len == c.len &&
			      w->cand[i].erase_len == c.erase_len;
		if (c.len && !dup && w->ncand < BEGIN_WITNESS_CANDS && any_uncovered(w, &c))
			w->cand[w->ncand++] = c;
	}
}

/* Where to look for a witness of c, best first: the first sector of each piece that the
 * operation does not cover (a size flip's damage starts there), the last sector of each,
 * then the addresses of the coarsest alignment inside them (where partitions and files
 * start). */
static void pref_add(const bw_t *w, uint32_t out[PREFS], unsigned *n, uint64_t a, uint64_t hi)
{
	if (*n >= PREFS || a >= hi || covered(w, (uint32_t)a))
		return;
	for (unsigned i = 0; i < *n; i++)
		if (out[i] == a)
			return;
	out[(*n)++] = (uint32_t)a;
}

static unsigned prefs(const bw_t *w, const cand_t *c, uint32_t out[PREFS])
{
	uint32_t lo[2];
	uint64_t hi[2];
	unsigned np = pieces(w, c, lo, hi), n = 0;
	for (unsigned p = 0; p < np; p++) {
		uint64_t a = lo[p];
		while (a < hi[p] && covered(w, (uint32_t)a))
			a += SECTOR;
		pref_add(w, out, &n, a, hi[p]);
	}
	/* the last sector: where a range differs from the smaller ones nested in it */
	for (unsigned p = 0; p < np; p++)
		pref_add(w, out, &n, (hi[p] - 1) / SECTOR * SECTOR, hi[p]);
	for (unsigned shift = 31; shift > 12; shift--)
		for (unsigned p = 0; p < np; p++)
			pref_add(w, out, &n, (((uint64_t)lo[p] >> shift) + 1) << shift, hi[p]);
	return n;
}

static bool detects(const bw_t *w, const cand_t *c, const struct begin_witness_probe *p)
{
	return holds(w, c, p->addr) && predict(w, c, p->addr, p->word) != p->word;
}

/* Gives c the first probe read so far that would show it. */
static bool reuse(bw_t *w, cand_t *c)
{
	for (unsigned i = 0; i < w->nprobe; i++)
		if (detects(w, c, &w->probe[i])) {
			c->witness = (int8_t)i;
			return true;
		}
	return false;
}

static bool probed(const bw_t *w, uint32_t addr)
{
	for (unsigned i = 0; i < w->nprobe; i++)
		if (w->probe[i].addr == addr)
			return true;
	return false;
}

/* Single runs (spiflash_read_word() clears WEL after each) until two in a row agree.
 * SPIFLASH_READ_TWICE runs several triggers before one WRDI, so two flipped triggers in
 * one chunk (WREN, then PP or SE) can program or erase the very sector being read (campaign
 * seed 1404, hdrflip): inside a file the file's own check sees that, but a witness sits
 * outside, where nothing else looks. */
static int settle_word(struct spiflash *sf, uint32_t addr, uint32_t prev, uint32_t *word,
		       struct ed_error *err)
{
	for (int run = 0; run < 6; run++) {
		uint32_t w;
		int rc = spiflash_read_word(sf, addr, &w, err);
		if (rc < 0)
			return rc;
		if (w == prev) {
			*word = w;
			return ED_OK;
		}
		prev = w;
	}
	return ed_fail(err, ED_ERR_PROTO,
		       "reading flash at 0x%06x: no two reads of one word agreed; the line is too "
		       "noisy: try a lower --baud or another cable",
		       addr);
}

/* One word before the FLASH_BEGIN: one run, and a second that agrees when it holds data.
 * A wrong witness can only fail a good operation (it differs from what the check reads),
 * never pass a bad one, and a garbled run that reads 0xFF only costs a witness: cheap
 * single runs are enough, and every read is one more chance for a bad line to cut the
 * operation short. */
static int look(struct spiflash *sf, uint32_t addr, uint32_t *word, struct ed_error *err)
{
	int rc = spiflash_read_word(sf, addr, word, err);
	if (rc < 0 || *word == 0xFFFFFFFFu)
		return rc;
	return settle_word(sf, addr, *word, word, err);
}

/* Rounds over the candidates, smallest first (a witness inside a small range also holds
 * for the ranges around it): each candidate still without a witness reads one more of its
 * places per round, until all have one, none has a place left, or the reads run out. */
static int choose(bw_t *w, struct spiflash *sf, struct ed_error *err)
{
	unsigned order[BEGIN_WITNESS_CANDS];
	for (unsigned i = 0; i < w->ncand; i++) {
		unsigned j = i;
		for (; j > 0 && w->cand[order[j - 1]].len > w->cand[i].len; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (unsigned round = 0; round < PREFS; round++) {
		bool read = false;
		for (unsigned i = 0; i < w->ncand; i++) {
			cand_t *c = &w->cand[order[i]];
			if (c->witness >= 0 || reuse(w, c) || w->nprobe == BEGIN_WITNESS_PROBES)
				continue;
			uint32_t at[PREFS];
			unsigned n = prefs(w, c, at), j = 0;
			while (j < n && probed(w, at[j]))
				j++;
			if (j == n)
				continue;
			uint32_t word;
			int rc = look(sf, at[j], &word, err);
			if (rc < 0)
				return rc;
			w->probe[w->nprobe++] = (struct begin_witness_probe){at[j], word};
			read = true;
			reuse(w, c);
		}
		if (!read)
			break;
	}
	return ED_OK;
}

static const char *word_name(unsigned word)
{
	return word == 0 ? "erase size" : word == 3 ? "offset" : "SPI command bit";
}

/* A range an SPI command corrupted on the wire may erase: a write enable that gains bit 22
 * (chip erase) or 23 (block erase at ADDR) erases at once, and the erase itself may become
 * the other (campaign seed 2219 erased the chip during a one-sector erase). */
static void add_spi(bw_t *w, uint64_t start, uint64_t len, unsigned bit)
{
	cand_t c = {.start = start,
		    .len = len,
		    .erase_len = len,
		    .word = 9,
		    .bit = (uint8_t)bit,
		    .witness = -1};
	if (w->ncand < BEGIN_WITNESS_CANDS && any_uncovered(w, &c))
		w->cand[w->ncand++] = c;
}

/* The DEBUG line: what the witnesses cost and which candidates have none. */
static void log_take(struct loader *ld, const bw_t *w)
{
	char text[400] = "";
	size_t len = 0;
	unsigned bare = 0, used = 0;
	bool use[BEGIN_WITNESS_PROBES] = {false};
	for (unsigned i = 0; i < w->ncand; i++) {
		const cand_t *c = &w->cand[i];
		if (c->witness >= 0) {
			used += !use[c->witness];
			use[c->witness] = true;
			continue;
		}
		uint32_t lo[2];
		uint64_t hi[2];
		pieces(w, c, lo, hi);
		if (bare++ < 6 && len < sizeof text - 1) {
			int n = snprintf(text + len, sizeof text - len,
					 "%s0x%06x..0x%06x (%s bit %u%s)", len ? ", " : "", lo[0],
					 (uint32_t)(hi[0] - 1), word_name(c->word), c->bit,
					 c->rom_model ? ", ROM erase" : "");
			if (n > 0)
				len += (size_t)n;
			if (len >= sizeof text)
				len = sizeof text - 1;
		}
	}
	ed_log(loader_log(ld), ED_LOG_DEBUG,
	       "FLASH_BEGIN 0x%x at 0x%06x: %u range(s) a flipped bit of its erase size or "
	       "offset could change, %u word(s) read, %u witness(es); %u range(s) without a "
	       "witness (the words read there were erased or would not change)%s%s%s",
	       w->op.erase_size, w->op.offset, w->ncand, w->nprobe, used, bare, bare ? ": " : "",
	       text, bare > 6 ? ", ..." : "");
}

int begin_witness_take(struct loader *ld, const struct begin_witness_op *op,
		       struct begin_witness *w, struct ed_error *err)
{
	memset(w, 0, sizeof *w);
	w->op = *op;
	uint32_t size = op->flash_size ? op->flash_size : 4u << 20;
	w->rom_limit = size > (4u << 20) ? size : 4u << 20;
	w->chip_size = size > (1u << 31) ? 1u << 31 : size;
	while (w->chip_size & (w->chip_size - 1)) /* chips decode a power of two */
		w->chip_size += w->chip_size & -w->chip_size;
	for (unsigned k = 0; (op->erase_size || op->nblocks) && k < 32; k++) {
		add_cand(w, op->offset, op->erase_size ^ (1u << k), 0, k);
		add_cand(w, op->offset ^ (1u << k), op->erase_size, 3, k);
		/* the loader's FLASH_BEGIN that puts a write back in place after a garbled
		 * reply has erase size 0 (loader.c restore_write): a flip makes it 1 << k */
		if (op->nblocks && op->erase_size)
			add_cand(w, op->offset, 1u << k, 0, k);
	}
	if (op->spi_size) {
		uint64_t end = (uint64_t)op->spi_offset + op->spi_size;
		for (uint64_t b = op->spi_offset & ~0xFFFFu; b < end; b += 0x10000)
			add_spi(w, b, 0x10000, 23);
		add_spi(w, 0, w->chip_size, 22);
	}
	w->taken = true;
	bool inside = false;
	for (unsigned i = 0; i < BEGIN_WITNESS_MUST; i++) {
		w->inside[i].addr = UINT32_MAX;
		inside |= op->must_erase[i] != UINT32_MAX;
	}
	if (!w->ncand && !inside)
		return ED_OK;
	struct spiflash sf;
	int rc = spiflash_begin(&sf, ld, err);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; rc == ED_OK && i < BEGIN_WITNESS_MUST; i++) {
		uint32_t word = 0xFFFFFFFFu;
		if (op->must_erase[i] != UINT32_MAX &&
		    (rc = look(&sf, op->must_erase[i], &word, err)) == ED_OK && word != 0xFFFFFFFFu)
			w->inside[i] = (struct begin_witness_probe){op->must_erase[i], word};
	}
	if (rc == ED_OK)
		rc = choose(w, &sf, err);
	struct ed_error tmp;
	int rc2 = spiflash_end(&sf, rc == ED_OK ? err : &tmp);
	if (rc == ED_OK)
		rc = rc2;
	if (rc == ED_OK)
		log_take(ld, w);
	return rc;
}

struct spans {
	uint32_t lo[64], hi[64]; /* [lo, hi) */
	unsigned n;
};

static void spans_add(struct spans *s, uint32_t lo, uint32_t hi)
{
	for (unsigned i = 0; i < s->n; i++)
		if (lo <= s->hi[i] && hi >= s->lo[i]) { /* overlapping or adjacent: merge */
			s->lo[i] = lo < s->lo[i] ? lo : s->lo[i];
			s->hi[i] = hi > s->hi[i] ? hi : s->hi[i];
			return;
		}
	if (s->n < 64) {
		s->lo[s->n] = lo;
		s->hi[s->n++] = hi;
	}
}

/* The runs of c's sectors that the operation does not cover. */
static void spans_of(const bw_t *w, const cand_t *c, struct spans *s)
{
	uint32_t lo[2];
	uint64_t hi[2];
	unsigned np = pieces(w, c, lo, hi);
	for (unsigned p = 0; p < np; p++) {
		uint64_t run = UINT64_MAX;
		for (uint64_t a = lo[p]; a <= hi[p]; a += SECTOR) {
			bool in = a < hi[p] && !covered(w, (uint32_t)a);
			if (in && run == UINT64_MAX)
				run = a;
			if (!in && run != UINT64_MAX) {
				spans_add(s, (uint32_t)run, (uint32_t)a);
				run = UINT64_MAX;
			}
		}
	}
}

static int read_again(struct spiflash *sf, uint32_t addr, uint32_t want, uint32_t *got,
		      struct ed_error *err)
{
	int rc = spiflash_read_word(sf, addr, got, err);
	if (rc < 0 || *got == want)
		return rc;
	return settle_word(sf, addr, *got, got, err);
}

/* Sorts the spans and merges what touches (spans_add merges one pair at a time). */
static void spans_tidy(struct spans *s)
{
	for (unsigned i = 1; i < s->n; i++)
		for (unsigned j = i; j > 0 && s->lo[j - 1] > s->lo[j]; j--) {
			uint32_t lo = s->lo[j], hi = s->hi[j];
			s->lo[j] = s->lo[j - 1];
			s->hi[j] = s->hi[j - 1];
			s->lo[j - 1] = lo;
			s->hi[j - 1] = hi;
		}
	unsigned n = 0;
	for (unsigned i = 0; i < s->n; i++) {
		if (n && s->lo[i] <= s->hi[n - 1]) {
			if (s->hi[i] > s->hi[n - 1])
				s->hi[n - 1] = s->hi[i];
			continue;
		}
		s->lo[n] = s->lo[i];
		s->hi[n++] = s->hi[i];
	}
	s->n = n;
}

static int fail_changed(const bw_t *w, struct spans *s, uint32_t addr, uint32_t was, uint32_t now,
			unsigned words, struct ed_error *err)
{
	spans_tidy(s);
	char text[320] = "";
	size_t len = 0;
	for (unsigned i = 0; i < s->n && i < 4; i++) {
		int n = snprintf(text + len, sizeof text - len, "%s0x%06x..0x%06x", i ? ", " : "",
				 s->lo[i], s->hi[i] - 1);
		if (n > 0 && (size_t)n < sizeof text - len)
			len += (size_t)n;
	}
	bool size = words & 1, offset = words & 2, spi = words & 4;
	const char *why = size && offset ? "the ROM erased more than asked or elsewhere (a "
					   "FLASH_BEGIN erase size or offset corrupted on the wire)"
			  : size   ? "the ROM erased more than asked (a FLASH_BEGIN erase size "
				     "corrupted on the wire)"
			  : offset ? "the ROM erased elsewhere (a FLASH_BEGIN offset corrupted on "
				     "the wire)"
				   : "";
	return ed_fail(err, ED_ERR_VERIFY,
		       "sector 0x%06x outside 0x%06x..0x%06x changed (0x%08x, was 0x%08x): %s%s%s "
		       "and answered as usual; %s%s may now be erased%s: write what belongs "
		       "there again, or read_flash it and compare",
		       addr, w->op.own_start, w->op.own_end - 1, now, was, why,
		       why[0] && spi ? ", or " : "",
		       spi ? "an SPI command corrupted on the wire erased a whole 64 KiB block or "
			     "the chip"
			   : "",
		       text, s->n > 4 ? ", ..." : "",
		       offset && w->op.nblocks ? " or hold this write's data" : "");
}

/* Whether c explains what the probes read now: it changes at least one of them, and each
 * one it holds reads as c would leave it. */
static bool consistent(const bw_t *w, const cand_t *c, const uint32_t *now, const bool *read)
{
	bool changes = false;
	for (unsigned i = 0; i < w->nprobe; i++) {
		const struct begin_witness_probe *p = &w->probe[i];
		if (!read[i] || !holds(w, c, p->addr))
			continue;
		if (predict(w, c, p->addr, p->word) != now[i])
			return false;
		changes |= now[i] != p->word;
	}
	return changes;
}

/* Words read only after a witness changed (nothing known of before): a sector that a
 * range would have erased (or erased and programmed) and that reads otherwise rules the
 * range out, which keeps the message to the ranges that can be true. */
struct late_reads {
	uint32_t addr[16], now[16];
	unsigned n;
};

static int refuted(struct spiflash *sf, const bw_t *w, const cand_t *c, struct late_reads *lr,
		   struct ed_error *err)
{
	uint32_t at[PREFS];
	unsigned n = prefs(w, c, at);
	for (unsigned i = 0; i < n; i++) {
		if (probed(w, at[i]) ||
		    (c->len < w->chip_size && rel_of(w, c, at[i]) >= c->erase_len))
			continue;
		unsigned j = 0;
		while (j < lr->n && lr->addr[j] != at[i])
			j++;
		if (j == lr->n) {
			if (lr->n == sizeof lr->addr / sizeof lr->addr[0])
				continue;
			uint32_t now;
			int rc = spiflash_read_word(sf, at[i], &now, err);
			if (rc < 0 || (rc = settle_word(sf, at[i], now, &now, err)) < 0)
				return rc;
			lr->addr[j] = at[i];
			lr->now[lr->n++] = now;
		}
		if (predict(w, c, at[i], 0) != lr->now[j])
			return 1;
	}
	return 0;
}

/* After a witness changed: every probe read again, and the ranges that explain all of
 * them named (those holding a changed one when none does: more than one flip). */
static int explain(struct spiflash *sf, const bw_t *w, uint32_t *now, bool *read,
		   struct ed_error *err)
{
	struct late_reads lr = {.n = 0};
	for (unsigned i = 0; i < w->nprobe; i++) {
		int rc = read[i] ? ED_OK
				 : read_again(sf, w->probe[i].addr, w->probe[i].word, &now[i], err);
		if (rc < 0)
			return rc;
		read[i] = true;
	}
	unsigned lowest = UINT32_MAX, words = 0;
	for (unsigned i = 0; i < w->nprobe; i++)
		if (now[i] != w->probe[i].word &&
		    (lowest == UINT32_MAX || w->probe[i].addr < w->probe[lowest].addr))
			lowest = i;
	struct spans s = {.n = 0};
	for (int pass = 0; pass < 2 && !s.n; pass++)
		for (unsigned j = 0; j < w->ncand; j++) {
			const cand_t *c = &w->cand[j];
			bool named = !pass && consistent(w, c, now, read);
			int r = named ? refuted(sf, w, c, &lr, err) : 0;
			if (r < 0)
				return r;
			named = named && !r;
			for (unsigned i = 0; pass && i < w->nprobe && !named; i++)
				named = now[i] != w->probe[i].word && holds(w, c, w->probe[i].addr);
			if (named) {
				words |= c->word == 0 ? 1u : c->word == 3 ? 2u : 4u;
				spans_of(w, c, &s);
			}
		}
	const struct begin_witness_probe *p = &w->probe[lowest];
	return fail_changed(w, &s, p->addr, p->word, now[lowest], words, err);
}

/* The sectors the erase must have reached: their words erased now. */
static int check_inside(struct spiflash *sf, const bw_t *w, struct ed_error *err)
{
	for (unsigned i = 0; i < BEGIN_WITNESS_MUST; i++) {
		const struct begin_witness_probe *p = &w->inside[i];
		uint32_t now = 0xFFFFFFFFu;
		int rc =
		    p->addr == UINT32_MAX ? ED_OK : read_again(sf, p->addr, 0xFFFFFFFFu, &now, err);
		if (rc < 0)
			return rc;
		if (now != 0xFFFFFFFFu)
			return ed_fail(
			    err, ED_ERR_VERIFY,
			    "sector 0x%06x was not erased (0x%08x, was 0x%08x): %s and answered as "
			    "usual; 0x%06x..0x%06x may still hold data: run the erase again",
			    p->addr, now, p->word,
			    i != 1 ? "the ROM erased less than asked or elsewhere (a FLASH_BEGIN "
				     "erase size or offset corrupted on the wire)"
				   : "the SPI sector erase did not run (a register write corrupted "
				     "on the wire)",
			    w->op.own_start, w->op.own_end - 1);
	}
	return ED_OK;
}

int begin_witness_check(struct loader *ld, const struct begin_witness *w, struct ed_error *err)
{
	bool any = false;
	for (unsigned i = 0; w->taken && i < BEGIN_WITNESS_MUST; i++)
		any |= w->inside[i].addr != UINT32_MAX;
	for (unsigned i = 0; i < w->ncand && !any; i++)
		any = w->cand[i].witness >= 0;
	if (!any)
		return ED_OK;
	struct spiflash sf;
	int rc = spiflash_begin(&sf, ld, err);
	if (rc < 0)
		return rc;
	uint32_t now[BEGIN_WITNESS_PROBES];
	bool read[BEGIN_WITNESS_PROBES] = {false}, changed = false;
	for (unsigned i = 0; rc == ED_OK && i < w->nprobe; i++) {
		bool witness = false;
		for (unsigned j = 0; j < w->ncand && !witness; j++)
			witness = w->cand[j].witness == (int8_t)i;
		if (!witness)
			continue;
		rc = read_again(&sf, w->probe[i].addr, w->probe[i].word, &now[i], err);
		read[i] = rc == ED_OK;
		changed |= read[i] && now[i] != w->probe[i].word;
	}
	if (rc == ED_OK && changed)
		rc = explain(&sf, w, now, read, err);
	if (rc == ED_OK)
		rc = check_inside(&sf, w, err);
	struct ed_error tmp;
	int rc2 = spiflash_end(&sf, rc == ED_OK ? err : &tmp);
	return rc == ED_OK ? rc2 : rc;
}
