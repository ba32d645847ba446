/* SPDX-License-Identifier: MIT
 * Proofs for ROM-mode writes (issue 11). The ROM's FLASH_BEGIN and FLASH_DATA headers have
 * no checksum: one flipped bit of a sequence number programs a block 2^k blocks away, one
 * flipped bit of an offset moves the whole write, opcode 0x03 -> 0x02 runs the block's
 * header as FLASH_BEGIN's parameters (erase 0x400 bytes at 0x0: sectors 0x0 and 0x1000 with
 * the ROM's erase bug). Programming only clears bits, so a place where a frame of data D
 * landed holds no 1 bit that D lacks: one such bit proves the frame did not land there,
 * whatever was there before. An erase leaves 0xFF, so one non-FF byte proves a sector was
 * not erased after the frame was sent. Both proofs read through SPI with two agreeing runs
 * per chunk; they usually need the first 64 bytes. */
#include "engine/write_proof_int.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "engine/spiflash.h"
#include "proto/packet.h"

#define BLOCK  PKT_ROM_FLASH_BLOCK
#define SECTOR SPIFLASH_SECTOR
#define CHUNK  SPIFLASH_READ_CHUNK

/* The word of a block to read back: its last non-FF word (the end of a block is where two
 * builds of a firmware differ most, so old data left in place rarely matches it). Returns
 * false for an erased block, where nothing could be missing. */
static bool probe_word(const uint8_t *buf, uint32_t pos, uint32_t size, uint32_t *at)
{
	uint32_t end = size - pos < BLOCK ? size - pos : BLOCK;
	for (uint32_t w = end & ~3u; w >= 4; w -= 4) {
		if (get_le32(buf + pos + w - 4) != 0xFFFFFFFFu) {
			*at = pos + w - 4;
			return true;
		}
	}
	return false;
}

static int session_end(struct spiflash *sf, int rc, struct ed_error *err)
{
	struct ed_error tmp;
	int rc2 = spiflash_end(sf, rc == ED_OK ? err : &tmp);
	return rc == ED_OK ? rc2 : rc;
}

/* A block b found not holding its data: its frame (or the whole write) went elsewhere. */
static void note_missing(struct loader *ld, uint32_t b, uint32_t first)
{
	loader_note_anomaly(ld, "a written block is not where it belongs");
	loader_note_hazard(ld, LOADER_HAZARD_BLOCK, b);
	if (b == first)
		loader_note_hazard(ld, LOADER_HAZARD_BEGIN, 0);
}

/* 0 = in place, 1 = missing, < 0 = error. One word, read again carefully on a mismatch. */
static int block_in_place(struct spiflash *sf, uint32_t offset, const uint8_t *buf, uint32_t at,
			  struct ed_error *err)
{
	uint32_t want = get_le32(buf + at), got = 0;
	int rc = spiflash_read_word(sf, offset + at, &got, err);
	if (rc < 0 || got == want)
		return rc;
	uint8_t again[4];
	if ((rc = spiflash_read_mode(sf, offset + at, again, 4, SPIFLASH_READ_TWICE, NULL, NULL,
				     err)) < 0)
		return rc;
	return get_le32(again) == want ? 0 : 1;
}

int proof_spot_check(struct loader *ld, uint32_t offset, const uint8_t *buf, uint32_t size,
		     struct ed_error *err)
{
	struct spiflash sf;
	int rc = spiflash_begin(&sf, ld, err);
	if (rc < 0)
		return rc;
	uint32_t nblocks = (size + BLOCK - 1) / BLOCK, at = 0, first = nblocks, missing = 0;
	uint32_t first_missing = 0;
	for (uint32_t b = 0; rc == ED_OK && b < nblocks; b++) {
		if (loader_cancelled(ld)) {
			rc = loader_fail_cancelled(err, "the check of the written blocks");
			break;
		}
		if (!probe_word(buf, b * BLOCK, size, &at))
			continue;
		if (first == nblocks)
			first = b;
		int r = block_in_place(&sf, offset, buf, at, err);
		if (r < 0)
			rc = r;
		else if (r == 1 && missing++ == 0)
			first_missing = b;
		if (r == 1)
			note_missing(ld, b, first);
	}
	rc = session_end(&sf, rc, err);
	if (rc == ED_OK && missing)
		rc = ed_fail(
		    err, ED_ERR_VERIFY,
		    "%u block(s) did not reach the flash, the first at 0x%06x: a FLASH_BEGIN "
		    "or FLASH_DATA header corrupted on the wire may have written it at "
		    "another address",
		    missing, offset + first_missing * BLOCK);
	return rc;
}

int proof_read_back(struct loader *ld, uint32_t offset, const uint8_t *buf, uint32_t size,
		    const struct flasher_progress *progress, struct ed_error *err)
{
	uint32_t first_diff = UINT32_MAX, nblocks = (size + BLOCK - 1) / BLOCK, bad = 0;
	uint32_t first = nblocks, at;
	for (uint32_t b = 0; b < nblocks && first == nblocks; b++)
		if (probe_word(buf, b * BLOCK, size, &at))
			first = b;
	for (uint32_t b = 0; b < nblocks; b++) {
		uint32_t pos = b * BLOCK, n = size - pos < BLOCK ? size - pos : BLOCK, diff;
		struct ed_error e;
		int rc = flasher_verify(ld, offset + pos, buf + pos, n, NULL, &diff, &e);
		if (rc == ED_ERR_VERIFY) {
			if (bad++ == 0)
				first_diff = diff;
			note_missing(ld, b, first);
		} else if (rc < 0) {
			*err = e;
			return rc;
		}
		if (progress && progress->fn)
			progress->fn(progress->user, pos + n, size);
	}
	if (!bad)
		return ED_OK;
	return ed_fail(err, ED_ERR_VERIFY,
		       "%u block(s) of 0x%06x..0x%06x read back wrong, the first difference at "
		       "0x%06x: data corrupted on the wire (two flips in one bit position pass the "
		       "ROM's 8-bit checksum) or a header that sent a block elsewhere",
		       bad, offset, offset + size - 1, first_diff);
}

/* Proof that a frame of data d (len bytes) did not land at addr: a 1 bit in the flash that
 * d lacks. 1 = proven, 0 = not proven (the flash there could be d programmed over it). */
static int not_landed(struct spiflash *sf, uint32_t addr, const uint8_t *d, uint32_t len,
		      struct ed_error *err)
{
	uint8_t chunk[CHUNK];
	for (uint32_t pos = 0; pos < len; pos += CHUNK) {
		uint32_t n = len - pos < CHUNK ? len - pos : CHUNK;
		int rc = spiflash_read_mode(sf, addr + pos, chunk, n, SPIFLASH_READ_TWICE, NULL,
					    NULL, err);
		if (rc < 0)
			return rc;
		for (uint32_t i = 0; i < n; i++)
			if (chunk[i] & ~d[pos + i])
				return 1;
	}
	return 0;
}

/* Proof that the sector at addr was not erased: one byte that is not 0xFF. */
static int not_erased(struct spiflash *sf, uint32_t addr, struct ed_error *err)
{
	uint8_t chunk[CHUNK];
	for (uint32_t pos = 0; pos < SECTOR; pos += CHUNK) {
		int rc = spiflash_read_mode(sf, addr + pos, chunk, CHUNK, SPIFLASH_READ_TWICE, NULL,
					    NULL, err);
		if (rc < 0)
			return rc;
		for (uint32_t i = 0; i < CHUNK; i++)
			if (chunk[i] != 0xFF)
				return 1;
	}
	return 0;
}

struct settle {
	struct loader *ld;
	struct spiflash sf;
	uint32_t offset, size, flash_size;
	const struct flasher_write_opts *opts;
	char text[640]; /* the ranges that may have changed */
	size_t len;
	unsigned unproven;
};

/* Whether [addr, addr+len) needs no proof: inside this write (read back) or inside a
 * range a later step writes and proves. */
static bool covered(const struct settle *st, uint64_t addr, uint64_t len)
{
	if (addr >= st->offset && addr + len <= (uint64_t)st->offset + st->size)
		return true;
	for (size_t i = 0; i < st->opts->nlater; i++) {
		const struct flasher_range *r = &st->opts->later[i];
		if (addr >= r->offset && addr + len <= (uint64_t)r->offset + r->size)
			return true;
	}
	return false;
}

static void unproven(struct settle *st, uint32_t addr, uint32_t len, const char *why)
{
	if (st->unproven++ < 6 && st->len < sizeof st->text - 1) {
		int n =
		    snprintf(st->text + st->len, sizeof st->text - st->len, "%s0x%06x..0x%06x (%s)",
			     st->len ? ", " : "", addr, addr + len - 1, why);
		if (n > 0)
			st->len += (size_t)n;
		if (st->len >= sizeof st->text)
			st->len = sizeof st->text - 1;
	}
}

/* FLASH_DATA seq may have been programmed at seq ^ (1 << k). The ROM computes offset +
 * seq x 0x400 in 32 bits, and a chip decodes only the address bits of its size (a 1 MB
 * chip behind a ROM that believes in 4 MB writes 0x1ac000 at 0xac000): every candidate is
 * taken modulo the chip size. */
static int settle_block(struct settle *st, const uint8_t *buf, uint32_t seq, struct ed_error *err)
{
	uint32_t nblocks = (st->size + BLOCK - 1) / BLOCK;
	if (seq >= nblocks)
		return ED_OK;
	uint32_t done[32];
	unsigned ndone = 0;
	for (unsigned k = 0; k < 32; k++) {
		uint32_t addr = (st->offset + (seq ^ (1u << k)) * BLOCK) & (st->flash_size - 1);
		bool seen = false;
		for (unsigned i = 0; i < ndone && !seen; i++)
			seen = done[i] == addr;
		if (seen || covered(st, addr, BLOCK))
			continue;
		done[ndone++] = addr;
		int rc = not_landed(&st->sf, addr, buf + (size_t)seq * BLOCK, BLOCK, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			unproven(st, addr, BLOCK, "a block with a corrupted sequence number");
	}
	return ED_OK;
}

/* The whole write may have gone to offset ^ (1 << k) (sector-aligned flips): its erase and
 * every block. Block `first` (the first holding data) tells. */
static int settle_begin(struct settle *st, const uint8_t *buf, struct ed_error *err)
{
	uint32_t nblocks = (st->size + BLOCK - 1) / BLOCK, first = 0, at;
	while (first < nblocks && !probe_word(buf, first * BLOCK, st->size, &at))
		first++;
	if (first == nblocks)
		return ED_OK;
	/* The ROM refuses a FLASH_BEGIN past its idea of the flash size (4 MB unless told
	 * more); below that, the chip wraps the address to its own size. */
	uint64_t rom_limit = st->flash_size > (4u << 20) ? st->flash_size : 4u << 20;
	for (unsigned k = 12; k < 24; k++) {
		uint64_t span = (uint64_t)((st->size + SECTOR - 1) / SECTOR) * SECTOR;
		if ((st->offset ^ (1u << k)) + span > rom_limit)
			continue;
		uint32_t base = (st->offset ^ (1u << k)) & (st->flash_size - 1);
		if (base + span > st->flash_size || covered(st, base, span))
			continue;
		int rc = not_landed(&st->sf, base + first * BLOCK, buf + first * BLOCK, BLOCK, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			unproven(st, base, (uint32_t)span,
				 "a FLASH_BEGIN with a corrupted "
				 "offset");
	}
	return ED_OK;
}

/* A FLASH_DATA run as FLASH_BEGIN erased 0x400 bytes at 0x0: sectors 0x0 and 0x1000. */
static int settle_low_erase(struct settle *st, struct ed_error *err)
{
	for (uint32_t addr = 0; addr < 2 * SECTOR; addr += SECTOR) {
		if (covered(st, addr, SECTOR))
			continue;
		int rc = not_erased(&st->sf, addr, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			unproven(st, addr, SECTOR,
				 "reads as erased; a FLASH_DATA the ROM ran as "
				 "FLASH_BEGIN erases it");
	}
	return ED_OK;
}

int proof_settle(struct loader *ld, uint32_t offset, const uint8_t *buf, uint32_t size,
		 const struct flasher_write_opts *opts, struct ed_error *err)
{
	struct loader_hazard hz[64];
	bool lost = false;
	size_t n = loader_take_hazards(ld, hz, sizeof hz / sizeof hz[0], &lost);
	if (lost)
		return ed_fail(
		    err, ED_ERR_VERIFY,
		    "0x%06x..0x%06x is written and read back, but the line garbled too many "
		    "frames to prove where each of them went: flash outside it may have "
		    "changed; read the whole flash back (espdeck read_flash) and compare it "
		    "with what belongs there, or write everything again at a lower --baud",
		    offset, offset + size - 1);
	if (n == 0)
		return ED_OK;
	struct settle st = {.ld = ld,
			    .offset = offset,
			    .size = size,
			    .opts = opts,
			    .flash_size = opts->flash_size ? opts->flash_size : 4u << 20};
	while (st.flash_size & (st.flash_size - 1)) /* chips decode a power of two */
		st.flash_size += st.flash_size & -st.flash_size;
	int rc = spiflash_begin(&st.sf, ld, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; rc == ED_OK && i < n; i++) {
		if (hz[i].kind == LOADER_HAZARD_BLOCK)
			rc = settle_block(&st, buf, hz[i].seq, err);
		else if (hz[i].kind == LOADER_HAZARD_BEGIN)
			rc = settle_begin(&st, buf, err);
		else
			rc = settle_low_erase(&st, err);
	}
	rc = session_end(&st.sf, rc, err);
	if (rc < 0 || !st.unproven)
		return rc;
	return ed_fail(
	    err, ED_ERR_VERIFY,
	    "0x%06x..0x%06x is written and verified by read-back, but frames garbled on "
	    "the wire may have changed flash outside it, and %u place(s) cannot be proven "
	    "unchanged: %s%s. Read them back (espdeck read_flash ADDRESS SIZE FILE) and "
	    "compare with what belongs there, or write what belongs there again",
	    offset, offset + size - 1, st.unproven, st.text, st.unproven > 6 ? ", ..." : "");
}
