/* SPDX-License-Identifier: MIT
 * Flash operations on the flasher stub (stubclient.h): writes proven by MD5 with a repair
 * of only the bad sectors, MD5 verify, READ_FLASH, erases. */
#include "engine/stubclient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "core/md5.h"
#include "core/util.h"
#include "engine/loader_priv.h"
#include "proto/packet.h"

#define SECTOR			   0x1000u
#define STUB_OP_SECTOR_MD5	   0xE0
#define SECTOR_MD5_BATCH	   64u /* sectors per SECTOR_MD5 request (1 KiB of digests) */
#define READ_PACKET		   0x1000u
#define READ_IN_FLIGHT		   32u
#define READ_PACKET_TIMEOUT_US	   3000000u
#define READ_ATTEMPTS		   5
#define READ_DRAIN_US		   200000u
#define STUB_CHIP_ERASE_TIMEOUT_US 120000000u /* esptool's CHIP_ERASE_TIMEOUT */
#define ERASE_REGION_S_PER_MB	   40	      /* esptool's ERASE_REGION_TIMEOUT_PER_MB */
#define STUB_ERASE_CHUNK	   0x40000u   /* erase_region progress steps */

/* esptool's timeout_per_mb(): us_per_mb per 1e6 bytes, at least the default 3 s. */
static uint64_t per_mb(uint32_t size, uint64_t s_per_mb)
{
	uint64_t t = (uint64_t)size * s_per_mb;
	return t < LOADER_DEFAULT_TIMEOUT_US ? LOADER_DEFAULT_TIMEOUT_US : t;
}

/* Only a frame or answer lost on the wire is worth sending again: the stub drops a damaged
 * frame (0xC0 length, 0xC1 checksum, 0xCA a sequence number that is not the next) and
 * answers a repeated block again without writing it twice. */
static bool resend_ok(const struct loader *ld, int rc)
{
	if (rc == ED_ERR_TIMEOUT || rc == ED_ERR_PROTO)
		return true;
	uint8_t code = loader_last_rom_error(ld);
	return rc == ED_ERR_DEVICE && (code == 0xC0 || code == 0xC1 || code == 0xCA);
}

/* A command the stub refused unrun because its header arrived damaged (0xC1 under
 * STUB_OP_STRICT, 0xC0 a length that does not match) is sent again; anything else is
 * the caller's. result may be NULL. */
static int command_refused_again(struct loader *ld, uint8_t op, const uint8_t *data, size_t len,
				 uint64_t timeout, uint8_t *result, size_t result_len,
				 struct ed_error *err)
{
	int rc = ED_ERR_DEVICE;
	for (int attempt = 0; attempt < LOADER_WRITE_ATTEMPTS; attempt++) {
		if (attempt > 0)
			loader_discard_input(ld);
		rc = result ? loader_command_result(ld, op, data, len, timeout, result, result_len,
						    err)
			    : loader_command(ld, op, data, len, 0, timeout, NULL, err);
		uint8_t code = loader_last_rom_error(ld);
		if (rc != ED_ERR_DEVICE || (code != 0xC0 && code != 0xC1))
			break;
	}
	return rc;
}

/* One write session's bytes: the data itself, or its zlib stream. */
struct session {
	uint32_t offset, size; /* the flash range */
	const uint8_t *wire;   /* the bytes the blocks carry */
	uint32_t wire_len;
	bool deflate;
	uint32_t prog_base, prog_total; /* progress: this session's place in a larger write
					 * (0, 0: the session is the whole write) */
};

/* Builds block seq's FLASH_DATA payload in ld->data; returns its length, *chk its
 * checksum. */
static uint32_t build_block(struct loader *ld, const struct session *se, uint32_t seq,
			    uint32_t *chk)
{
	uint32_t off = seq * STUBCLIENT_WRITE_BLOCK;
	uint32_t len = se->wire_len - off < STUBCLIENT_WRITE_BLOCK ? se->wire_len - off
								   : STUBCLIENT_WRITE_BLOCK;
	/* esptool pads the last uncompressed block to the block size with 0xFF; the stub
	 * takes a shorter last block, which saves up to 16 KiB on the wire per file */
	uint8_t *d = ld->data;
	put_le32(d, len);
	put_le32(d + 4, seq);
	put_le32(d + 8, 0);
	put_le32(d + 12, 0);
	memcpy(d + 16, se->wire + off, len);
	*chk = pkt_checksum(d + 16, len);
	return 16 + len;
}

/* How long the answer to a block may take: it may wait for the wire time of the blocks in
 * flight and the previous block's erase and programming. */
static uint64_t block_timeout(const struct loader *ld, const struct session *se)
{
	uint64_t baud = ld->link->baud ? ld->link->baud : 115200;
	uint64_t wire = (uint64_t)(2 * STUBCLIENT_WRITE_BLOCK + 64) * 10 * 1000000u / baud;
	uint64_t flash = (uint64_t)STUBCLIENT_WRITE_BLOCK * 40u;
	if (se->deflate && se->wire_len)
		flash = flash * se->size / se->wire_len;
	return LOADER_DEFAULT_TIMEOUT_US + 3 * wire + flash;
}

static uint8_t data_op(const struct session *se)
{
	return se->deflate ? PKT_FLASH_DEFL_DATA : PKT_FLASH_DATA;
}

/* Sends block seq and waits for its answer, up to attempts times. */
static int send_block(struct loader *ld, const struct session *se, uint32_t seq, int attempts,
		      struct ed_error *err)
{
	uint32_t chk;
	uint32_t n = build_block(ld, se, seq, &chk);
	int rc = ED_ERR_TIMEOUT;
	for (int attempt = 0; attempt < attempts; attempt++) {
		if (attempt > 0) {
			ed_log(loader_log(ld), ED_LOG_DEBUG, "block %u: %s; sending it again", seq,
			       err->msg);
			loader_discard_input(ld);
		}
		rc = loader_command(ld, data_op(se), ld->data, n, chk, block_timeout(ld, se), NULL,
				    err);
		if (rc == ED_OK || !resend_ok(ld, rc))
			break;
	}
	if (rc < 0)
		ed_error_prefix(err, "block %u", seq);
	return rc;
}

/* After a lost or refused answer with blocks in flight: a READ_REG, whose answer carries
 * its own opcode (the stub refuses it during a write with 0xCB, which is as good), is
 * answered only after every block before it; the block answers until then are stale and
 * dropped. */
static int barrier(struct loader *ld, const struct session *se, struct ed_error *err)
{
	uint8_t d[4];
	put_le32(d, PKT_CHIP_MAGIC_ADDR);
	int rc = ED_ERR_TIMEOUT;
	for (int attempt = 0; attempt < LOADER_WRITE_ATTEMPTS; attempt++) {
		loader_discard_input(ld);
		rc = loader_command(ld, PKT_READ_REG, d, 4, 0, block_timeout(ld, se), NULL, err);
		if (rc != ED_ERR_TIMEOUT && rc != ED_ERR_PROTO)
			break;
	}
	return rc == ED_ERR_CANCELLED || rc == ED_ERR_DISCONNECTED || rc == ED_ERR_TIMEOUT ||
		       rc == ED_ERR_PROTO
		   ? rc
		   : ED_OK;
}

/* Goes on after a failure at block *next with up to two blocks in flight. The stub takes
 * blocks strictly in order and answers a repeat of the last one it took without writing
 * it twice, so it is at *next (send it), one further (the repeat is answered) or two
 * further (block *next is refused as out of sequence, block *next + 1 is the repeat). */
static int recover(struct loader *ld, const struct session *se, uint32_t blocks, uint32_t *next,
		   struct ed_error *err)
{
	int rc = barrier(ld, se, err);
	if (rc < 0)
		return rc;
	uint32_t k = *next;
	rc = send_block(ld, se, k, 1, err);
	if (rc < 0 && loader_last_rom_error(ld) == 0xCA && k + 1 < blocks) {
		struct ed_error e2;
		if (send_block(ld, se, k + 1, 1, &e2) == ED_OK) {
			*next = k + 2;
			return ED_OK;
		}
	}
	if (rc < 0 && resend_ok(ld, rc))
		rc = send_block(ld, se, k, LOADER_BLOCK_ATTEMPTS - 1, err);
	if (rc == ED_OK)
		*next = k + 1;
	return rc;
}

/* The blocks of a session with two in flight, so the line never idles while the stub
 * (which answers a block before it writes it) programs the last one and the answer comes
 * back. *acked_blocks counts the blocks answered. */
static int send_blocks(struct loader *ld, const struct session *se, uint32_t blocks,
		       const struct flasher_progress *progress, uint32_t *acked_blocks,
		       struct ed_error *err)
{
	uint32_t sent = 0, done = 0;
	int rc = ED_OK;
	while (done < blocks) {
		if (loader_cancelled(ld))
			return loader_fail_cancelled(err, "a write");
		while (rc == ED_OK && sent < blocks && sent - done < STUBCLIENT_WRITE_IN_FLIGHT) {
			uint32_t chk;
			uint32_t n = build_block(ld, se, sent, &chk);
			rc = loader_send(ld, data_op(se), ld->data, n, chk, err);
			sent++;
		}
		if (rc == ED_OK)
			rc = loader_wait_reply(ld, data_op(se), block_timeout(ld, se), NULL, err);
		if (rc == ED_OK) {
			done++;
		} else if (resend_ok(ld, rc)) {
			ed_log(loader_log(ld), ED_LOG_DEBUG, "block %u: %s; going on from it", done,
			       err->msg);
			loader_note_anomaly(ld, "a write block resent");
			rc = recover(ld, se, blocks, &done, err);
			sent = done;
		}
		if (rc < 0) {
			ed_error_prefix(err, "block %u", done);
			return rc;
		}
		*acked_blocks = done;
		uint64_t bytes = (uint64_t)done * STUBCLIENT_WRITE_BLOCK;
		if (bytes > se->wire_len)
			bytes = se->wire_len;
		uint64_t flash = se->wire_len ? bytes * se->size / se->wire_len : se->size;
		if (progress && progress->fn)
			progress->fn(progress->user, se->prog_base + flash,
				     se->prog_total ? se->prog_total : se->size);
		if (progress && progress->wire)
			progress->wire(progress->user, bytes, se->wire_len);
	}
	return ED_OK;
}

/* One write session: BEGIN, every block, END (flag 1: stay in the stub). *acked gets the
 * flash bytes of the blocks the stub acknowledged (an estimate when compressed). */
static int write_session(struct loader *ld, const struct session *se,
			 const struct flasher_progress *progress, uint32_t *acked,
			 struct ed_error *err)
{
	*acked = 0;
	uint32_t blocks = (se->wire_len + STUBCLIENT_WRITE_BLOCK - 1) / STUBCLIENT_WRITE_BLOCK;
	uint8_t d[16];
	put_le32(d, se->size);
	put_le32(d + 4, blocks);
	put_le32(d + 8, STUBCLIENT_WRITE_BLOCK);
	put_le32(d + 12, se->offset);
	uint8_t begin = se->deflate ? PKT_FLASH_DEFL_BEGIN : PKT_FLASH_BEGIN;
	int rc = loader_command(ld, begin, d, 16, 0, LOADER_DEFAULT_TIMEOUT_US, NULL, err);
	if (rc < 0 && rc != ED_ERR_CANCELLED && rc != ED_ERR_DISCONNECTED) {
		loader_discard_input(ld);
		rc = loader_command(ld, begin, d, 16, 0, LOADER_DEFAULT_TIMEOUT_US, NULL, err);
	}
	uint32_t acked_blocks = 0;
	if (rc == ED_OK)
		rc = send_blocks(ld, se, blocks, progress, &acked_blocks, err);
	uint64_t bytes = (uint64_t)acked_blocks * STUBCLIENT_WRITE_BLOCK;
	if (bytes > se->wire_len)
		bytes = se->wire_len;
	*acked = se->wire_len ? (uint32_t)(bytes * se->size / se->wire_len) : 0;
	uint8_t e[4];
	put_le32(e, 1);
	uint8_t end = se->deflate ? PKT_FLASH_DEFL_END : PKT_FLASH_END;
	if (rc == ED_OK) {
		/* The stub answers END once the last block is on the flash. */
		rc = command_refused_again(ld, end, e, 4, per_mb(STUBCLIENT_WRITE_BLOCK * 4, 40),
					   NULL, 0, err);
	} else if (rc != ED_ERR_CANCELLED && rc != ED_ERR_DISCONNECTED) {
		/* End the broken session (0xC8 expected), or the stub refuses MD5 with 0xCB. */
		struct ed_error ignored;
		loader_discard_input(ld);
		loader_command(ld, end, e, 4, 0, LOADER_DEFAULT_TIMEOUT_US, NULL, &ignored);
	}
	return rc;
}

static int plain_session(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
			 struct ed_error *err)
{
	struct session se = {offset, size, data, size, false, 0, 0};
	uint32_t ignored;
	return write_session(ld, &se, NULL, &ignored, err);
}

int stubflash_md5(struct loader *ld, uint32_t offset, uint32_t size, uint8_t md5[16],
		  struct ed_error *err)
{
	uint8_t d[16];
	put_le32(d, offset);
	put_le32(d + 4, size);
	put_le32(d + 8, 0);
	put_le32(d + 12, 0);
	int rc = ED_ERR_TIMEOUT;
	for (int attempt = 0; attempt < LOADER_WRITE_ATTEMPTS; attempt++) {
		if (attempt > 0)
			loader_discard_input(ld);
		rc = loader_command_result(ld, PKT_SPI_FLASH_MD5, d, 16, per_mb(size, 8), md5, 16,
					   err);
		if (!resend_ok(ld, rc))
			break;
	}
	if (rc < 0)
		ed_error_prefix(err, "MD5 of 0x%06x..0x%06x", offset, offset + size);
	return rc;
}

/* Compares the flash's MD5 of the range with the data's; got (may be NULL) gets the
 * flash's digest. */
static bool md5_matches(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
			uint8_t *got_out, int *rc, struct ed_error *err)
{
	uint8_t want[16], got[16];
	struct md5 m;
	md5_init(&m);
	md5_update(&m, data, size);
	md5_final(&m, want);
	*rc = stubflash_md5(ld, offset, size, got, err);
	if (*rc == ED_OK && got_out)
		memcpy(got_out, got, 16);
	return *rc == ED_OK && !memcmp(want, got, 16);
}

/* Marks in bad[] (one flag per sector piece of the range) the pieces whose flash MD5
 * differs: SECTOR_MD5 for batches of whole sectors, SPI_FLASH_MD5 for partial ones. */
static int find_bad(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
		    bool *bad, uint32_t *nbad, struct ed_error *err)
{
	uint32_t first = offset / SECTOR, last = (offset + size - 1) / SECTOR;
	*nbad = 0;
	uint8_t digests[SECTOR_MD5_BATCH * 16];
	for (uint32_t s = first; s <= last;) {
		uint32_t lo = s * SECTOR < offset ? offset : s * SECTOR;
		uint32_t hi = (s + 1) * SECTOR > offset + size ? offset + size : (s + 1) * SECTOR;
		int rc;
		if (hi - lo < SECTOR) {
			bool ok =
			    md5_matches(ld, lo, data + (lo - offset), hi - lo, NULL, &rc, err);
			if (rc < 0)
				return rc;
			bad[s - first] = !ok;
			*nbad += !ok;
			s++;
			continue;
		}
		uint32_t n = 1; /* whole sectors from s on */
		while (s + n <= last && n < SECTOR_MD5_BATCH &&
		       (s + n + 1) * SECTOR <= offset + size)
			n++;
		uint8_t d[8];
		put_le32(d, s * SECTOR);
		put_le32(d + 4, n * SECTOR);
		rc = command_refused_again(ld, STUB_OP_SECTOR_MD5, d, 8, per_mb(n * SECTOR, 8),
					   digests, n * 16, err);
		if (rc < 0)
			return rc;
		for (uint32_t k = 0; k < n; k++) {
			uint8_t want[16];
			struct md5 m;
			md5_init(&m);
			md5_update(&m, data + ((s + k) * SECTOR - offset), SECTOR);
			md5_final(&m, want);
			bad[s + k - first] = memcmp(want, digests + 16 * k, 16) != 0;
			*nbad += bad[s + k - first];
		}
		s += n;
	}
	return ED_OK;
}

static void list_sectors(const bool *bad, uint32_t first, uint32_t count, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = 0;
	for (uint32_t k = 0; k < count && len + 16 < cap; k++)
		if (bad[k])
			len += (size_t)snprintf(out + len, cap - len, "%s0x%06x", len ? ", " : "",
						(first + k) * SECTOR);
}

/* Writes again only the sectors find_bad() marked, then checks the whole range again
 * (md5 gets the flash's digest of the range). *misplaced is set when a sector of a block
 * the stub had acknowledged (acked[k] for the range's sector k, may be NULL) was wrong:
 * FLASH_BEGIN carries no checksum, so its offset may have been damaged on the wire and
 * those blocks written at another address. */
static int repair(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
		  const bool *acked, bool *misplaced, uint32_t *rewritten, uint8_t md5[16],
		  struct ed_error *err)
{
	uint32_t first = offset / SECTOR, count = (offset + size - 1) / SECTOR - first + 1;
	bool *bad = calloc(count, sizeof *bad);
	if (!bad)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory checking sectors");
	uint32_t nbad = 0;
	int rc = find_bad(ld, offset, data, size, bad, &nbad, err);
	for (uint32_t k = 0; rc == ED_OK && k < count; k++) {
		if (!bad[k])
			continue;
		uint32_t lo = (first + k) * SECTOR < offset ? offset : (first + k) * SECTOR;
		uint32_t hi = (first + k + 1) * SECTOR > offset + size ? offset + size
								       : (first + k + 1) * SECTOR;
		ed_log(loader_log(ld), ED_LOG_WARN, "sector 0x%06x differs: writing it again",
		       (first + k) * SECTOR);
		if (acked && acked[k])
			*misplaced = true;
		rc = plain_session(ld, lo, data + (lo - offset), hi - lo, err);
		(*rewritten)++;
	}
	if (rc == ED_OK) {
		bool ok = md5_matches(ld, offset, data, size, md5, &rc, err);
		if (rc == ED_OK && !ok) {
			char list[512];
			rc = find_bad(ld, offset, data, size, bad, &nbad, err);
			list_sectors(bad, first, count, list, sizeof list);
			if (rc == ED_OK)
				rc = ed_fail(
				    err, ED_ERR_VERIFY,
				    "MD5 of 0x%06x..0x%06x still differs after writing %u "
				    "sector%s again; wrong: %s; the flash chip may be worn or "
				    "protected: run the write again, or try another board",
				    offset, offset + size, *rewritten, *rewritten == 1 ? "" : "s",
				    nbad ? list : "(no single sector: the whole range)");
		}
	}
	free(bad);
	return rc;
}

/* The zlib stream of data at level 9 (esptool's); caller frees *out. */
static int deflate_data(const uint8_t *data, uint32_t size, uint8_t **out, uint32_t *out_len,
			struct ed_error *err)
{
	uLongf cap = compressBound(size);
	*out = malloc(cap);
	if (!*out)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory compressing %u bytes", size);
	if (compress2(*out, &cap, data, size, 9) != Z_OK) {
		free(*out);
		*out = NULL;
		return ed_fail(err, ED_ERR_NOMEM, "zlib could not compress %u bytes", size);
	}
	*out_len = (uint32_t)cap;
	return ED_OK;
}

/* One session for [offset, offset + size), compressed or not, at byte base of a write of
 * total bytes (for progress). *sent grows by the bytes on the wire; *acked gets the flash
 * bytes the stub acknowledged (0 when a compressed stream broke: it says nothing about
 * where its blocks went). */
static int send_range(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
		      bool compress, const struct flasher_progress *progress, uint32_t base,
		      uint32_t total, uint32_t *sent, uint32_t *acked, struct ed_error *err)
{
	struct session se = {offset, size, data, size, false, base, total};
	uint8_t *z = NULL;
	*acked = 0;
	if (compress) {
		int zrc = deflate_data(data, size, &z, &se.wire_len, err);
		if (zrc < 0)
			return zrc;
		se.wire = z;
		se.deflate = true;
	}
	*sent += se.wire_len;
	int rc = write_session(ld, &se, progress, acked, err);
	free(z);
	if (rc < 0 && se.deflate)
		*acked = 0;
	return rc;
}

static bool stopped(int rc)
{
	return rc == ED_ERR_CANCELLED || rc == ED_ERR_DISCONNECTED;
}

/* Marks in todo[] the sectors to write: all of them, or with diff those whose flash MD5
 * differs from the data. A stub without our SECTOR_MD5 (0xFF) or a failed comparison
 * means all of them, said in a warning. */
static int plan_sectors(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
			bool diff, bool *todo, uint32_t count, struct ed_error *err)
{
	for (uint32_t k = 0; k < count; k++)
		todo[k] = true;
	if (!diff)
		return ED_OK;
	uint32_t nbad = 0;
	int rc = find_bad(ld, offset, data, size, todo, &nbad, err);
	if (rc == ED_OK || stopped(rc))
		return rc;
	ed_log(loader_log(ld), ED_LOG_WARN,
	       "comparing 0x%06x..0x%06x sector by sector failed (%s): writing it whole", offset,
	       offset + size - 1, err->msg);
	loader_discard_input(ld);
	for (uint32_t k = 0; k < count; k++)
		todo[k] = true;
	return ED_OK;
}

/* After a diff write: the flash's MD5 of every run written (todo[]) against the data. The
 * sectors left alone were proven by their own MD5 just before, and a run that went
 * elsewhere (a FLASH_BEGIN offset damaged on the wire) leaves its own sectors wrong, which
 * this finds and the repair reports as misplaced: so every sector of the range is proven
 * by an MD5 the board reported, without hashing the whole range twice. */
static bool runs_match(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
		       const bool *todo, uint32_t count, int *rc, struct ed_error *err)
{
	uint32_t first = offset / SECTOR;
	*rc = ED_OK;
	for (uint32_t k = 0; k < count;) {
		if (!todo[k]) {
			k++;
			continue;
		}
		uint32_t j = k;
		while (j < count && todo[j])
			j++;
		uint32_t lo = (first + k) * SECTOR < offset ? offset : (first + k) * SECTOR;
		uint32_t hi =
		    (first + j) * SECTOR > offset + size ? offset + size : (first + j) * SECTOR;
		if (!md5_matches(ld, lo, data + (lo - offset), hi - lo, NULL, rc, err))
			return false;
		k = j;
	}
	return true;
}

static int write_impl(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
		      const struct stubflash_write_opts *o, const struct flasher_progress *progress,
		      struct stubflash_write_result *res, struct ed_error *err)
{
	bool compress = o->compress;
	uint32_t first = offset / SECTOR, count = (offset + size - 1) / SECTOR - first + 1;
	bool *todo = calloc(count, sizeof *todo), *acked = calloc(count, sizeof *acked);
	if (!todo || !acked) {
		free(todo);
		free(acked);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory planning a write");
	}
	res->sectors = count;
	uint32_t notes0 = loader_unlock_notes(ld);
	int rc = plan_sectors(ld, offset, data, size, o->diff, todo, count, err);
	if (rc == ED_OK && o->planned) {
		uint32_t skip = 0;
		for (uint32_t k = 0; k < count; k++)
			skip += !todo[k];
		o->planned(o->user, count, skip);
	}
	bool broken = false, misplaced = false;
	for (uint32_t k = 0; rc == ED_OK && k < count;) {
		if (!todo[k]) {
			res->skipped++;
			k++;
			continue;
		}
		uint32_t j = k;
		while (j < count && todo[j])
			j++;
		uint32_t lo = (first + k) * SECTOR < offset ? offset : (first + k) * SECTOR;
		uint32_t hi =
		    (first + j) * SECTOR > offset + size ? offset + size : (first + j) * SECTOR;
		uint32_t got = 0;
		rc = send_range(ld, lo, data + (lo - offset), hi - lo, compress, progress,
				lo - offset, size, &res->sent, &got, err);
		for (uint32_t m = k; m < j; m++)
			acked[m] = (first + m) * SECTOR < lo + got;
		if (rc < 0 && !stopped(rc)) {
			ed_log(loader_log(ld), ED_LOG_WARN,
			       "%s; checking which sectors need writing again", err->msg);
			loader_discard_input(ld);
			broken = true;
			rc = ED_OK;
		}
		k = j;
	}
	if (rc == ED_OK && res->skipped && progress && progress->fn)
		progress->fn(progress->user, size, size);
	uint8_t md5[16];
	bool ok = false;
	if (rc == ED_OK && !broken && res->skipped) {
		ok = runs_match(ld, offset, data, size, todo, count, &rc, err);
		if (ok) {
			struct md5 m;
			md5_init(&m);
			md5_update(&m, data, size);
			md5_final(&m, md5);
			res->per_sector = true;
		}
	} else if (rc == ED_OK && !broken) {
		ok = md5_matches(ld, offset, data, size, md5, &rc, err);
	}
	if (rc == ED_OK && !ok)
		rc = repair(ld, offset, data, size, acked, &misplaced, &res->rewritten, md5, err);
	if (rc == ED_OK)
		md5_hex(md5, res->flash_md5);
	res->unlocked = loader_unlock_notes(ld) != notes0;
	free(todo);
	free(acked);
	if (rc == ED_OK && misplaced)
		rc = ed_fail(
		    err, ED_ERR_VERIFY,
		    "0x%06x..0x%06x is written and proven by MD5 (%u sector%s written "
		    "again), but blocks the stub had acknowledged were not there: a "
		    "FLASH_BEGIN damaged on the wire may have written them at another address "
		    "(offset with one bit flipped): run the job again with --check-chip (the "
		    "whole-chip check names every sector that changed), or write every file "
		    "again",
		    offset, offset + size - 1, res->rewritten, res->rewritten == 1 ? "" : "s");
	return rc;
}

int stubflash_write_opts(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
			 const struct stubflash_write_opts *opts,
			 const struct flasher_progress *progress,
			 struct stubflash_write_result *res, struct ed_error *err)
{
	struct stubflash_write_result dummy;
	if (!res)
		res = &dummy;
	memset(res, 0, sizeof *res);
	if (size == 0)
		return ED_OK;
	return write_impl(ld, offset, data, size, opts, progress, res, err);
}

int stubflash_write(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
		    bool compress, const struct flasher_progress *progress,
		    struct stubflash_write_result *res, struct ed_error *err)
{
	struct stubflash_write_opts o = {.compress = compress};
	return stubflash_write_opts(ld, offset, data, size, &o, progress, res, err);
}

/* Reads the first bad sector to name the first differing byte, as the ROM-mode verify. */
static int first_difference(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
			    uint32_t sector, uint32_t nbad, const char *list, struct ed_error *err)
{
	uint32_t lo = sector * SECTOR < offset ? offset : sector * SECTOR;
	uint32_t hi = (sector + 1) * SECTOR > offset + size ? offset + size : (sector + 1) * SECTOR;
	uint8_t buf[SECTOR];
	int rc = stubflash_read(ld, lo, buf, hi - lo, NULL, err);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < hi - lo; i++)
		if (buf[i] != data[lo - offset + i])
			return ed_fail(
			    err, ED_ERR_VERIFY,
			    "verification failed: flash at 0x%06x holds 0x%02x, expected "
			    "0x%02x (first difference in 0x%06x..0x%06x; found by MD5, %u "
			    "sector%s differ%s: %s)",
			    lo + i, buf[i], data[lo - offset + i], offset, offset + size - 1, nbad,
			    nbad == 1 ? "" : "s", nbad == 1 ? "s" : "", list);
	return ed_fail(err, ED_ERR_VERIFY,
		       "verification failed: the MD5 of sector 0x%06x differs but its bytes read "
		       "back equal: read it again",
		       sector * SECTOR);
}

int stubflash_verify(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
		     struct ed_error *err)
{
	int rc;
	if (size == 0 || md5_matches(ld, offset, data, size, NULL, &rc, err))
		return ED_OK;
	if (rc < 0)
		return rc;
	uint32_t first = offset / SECTOR, count = (offset + size - 1) / SECTOR - first + 1;
	bool *bad = calloc(count, sizeof *bad);
	if (!bad)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory checking sectors");
	uint32_t nbad = 0;
	rc = find_bad(ld, offset, data, size, bad, &nbad, err);
	char list[512];
	list_sectors(bad, first, count, list, sizeof list);
	uint32_t k = 0;
	while (k < count && !bad[k])
		k++;
	free(bad);
	if (rc < 0)
		return rc;
	if (k == count)
		return ed_fail(
		    err, ED_ERR_VERIFY,
		    "verification failed: the MD5 of 0x%06x..0x%06x differs, but no sector "
		    "does on its own: read it again",
		    offset, offset + size - 1);
	return first_difference(ld, offset, data, size, first + k, nbad, list, err);
}

/* The data packets of a READ_FLASH, each acknowledged with the bytes received so far. */
static int read_packets(struct loader *ld, uint32_t offset, uint8_t *buf, uint32_t size,
			const struct flasher_progress *progress, uint32_t base, uint32_t total,
			uint32_t *got_out, struct ed_error *err)
{
	uint32_t got = 0;
	*got_out = 0;
	while (got < size) {
		if (loader_cancelled(ld))
			return loader_fail_cancelled(err, "a read");
		const uint8_t *frame;
		size_t len;
		uint32_t want = size - got < READ_PACKET ? size - got : READ_PACKET;
		int rc = loader_read_frame(ld, link_now_us(ld->link) + READ_PACKET_TIMEOUT_US,
					   &frame, &len, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return ed_fail(
			    err, ED_ERR_TIMEOUT,
			    "no data from the stub for %.1f s at 0x%06x (%u of %u bytes read)",
			    READ_PACKET_TIMEOUT_US / 1e6, offset + got, got, size);
		if (len != want)
			return ed_fail(err, ED_ERR_PROTO,
				       "a read packet of %zu bytes at 0x%06x where %u were due",
				       len, offset + got, want);
		memcpy(buf + got, frame, len);
		got += want;
		*got_out = got;
		uint8_t ack[4];
		put_le32(ack, got);
		if ((rc = loader_send_raw(ld, ack, 4, err)) < 0)
			return rc;
		if (progress && progress->fn)
			progress->fn(progress->user, base + got, total);
	}
	return ED_OK;
}

/* One READ_FLASH of [offset, offset + size): *got gets the bytes received in order
 * before a failure (0 when the stub's MD5 of the range disagrees: nothing is trusted). */
static int read_once(struct loader *ld, uint32_t offset, uint8_t *buf, uint32_t size,
		     const struct flasher_progress *progress, uint32_t base, uint32_t total,
		     uint32_t *got, struct ed_error *err)
{
	uint8_t d[16];
	put_le32(d, offset);
	put_le32(d + 4, size);
	put_le32(d + 8, READ_PACKET);
	put_le32(d + 12, READ_IN_FLIGHT);
	int rc = loader_command(ld, PKT_READ_FLASH, d, 16, 0, LOADER_DEFAULT_TIMEOUT_US, NULL, err);
	*got = 0;
	if (rc == ED_OK)
		rc = read_packets(ld, offset, buf, size, progress, base, total, got, err);
	const uint8_t *frame;
	size_t len = 0;
	if (rc == ED_OK) {
		rc = loader_read_frame(ld, link_now_us(ld->link) + READ_PACKET_TIMEOUT_US, &frame,
				       &len, err);
		if (rc == 0 || (rc > 0 && len != 16))
			rc = ed_fail(err, ED_ERR_PROTO, "the stub sent no MD5 after the read");
		else if (rc > 0)
			rc = ED_OK;
	}
	if (rc == ED_OK) {
		uint8_t want[16];
		struct md5 m;
		md5_init(&m);
		md5_update(&m, buf, size);
		md5_final(&m, want);
		if (memcmp(want, frame, 16)) {
			*got = 0;
			rc = ed_fail(err, ED_ERR_VERIFY,
				     "the bytes received differ from the stub's MD5 of the range: "
				     "damaged on the wire");
		}
	}
	return rc;
}

/* Lets packets still in flight arrive and drops them, so that the next command's answer
 * is not mistaken among them. */
static int drain(struct loader *ld, struct ed_error *err)
{
	uint64_t deadline = link_now_us(ld->link) + READ_DRAIN_US;
	for (;;) {
		const uint8_t *frame;
		size_t len;
		int rc = loader_read_frame(ld, deadline, &frame, &len, err);
		if (rc <= 0)
			return rc;
	}
}

int stubflash_read(struct loader *ld, uint32_t offset, uint8_t *buf, uint32_t size,
		   const struct flasher_progress *progress, struct ed_error *err)
{
	uint32_t got = 0;
	bool resumed = false;
	int rc = ED_OK;
	for (int attempt = 0;; attempt++) {
		uint32_t n = 0;
		rc = read_once(ld, offset + got, buf + got, size - got, progress, got, size, &n,
			       err);
		got += n;
		if (rc == ED_OK && resumed) {
			/* the bytes before a resume carry no MD5 of their own: check the whole */
			bool ok = md5_matches(ld, offset, buf, size, NULL, &rc, err);
			if (rc == ED_OK && !ok) {
				got = 0;
				rc = ed_fail(err, ED_ERR_VERIFY,
					     "the whole range's MD5 differs after "
					     "resuming: damaged on the wire");
			}
		}
		if (rc == ED_OK || rc == ED_ERR_CANCELLED || rc == ED_ERR_DISCONNECTED ||
		    attempt + 1 >= READ_ATTEMPTS)
			break;
		ed_log(loader_log(ld), ED_LOG_WARN, "%s; resuming the read at 0x%06x", err->msg,
		       offset + got);
		resumed = true;
		loader_note_anomaly(ld, "a read resumed");
		int drc = drain(ld, err);
		if (drc < 0)
			return drc;
		loader_discard_input(ld);
	}
	if (rc < 0) {
		loader_discard_input(ld);
		ed_error_prefix(err,
				"reading 0x%06x..0x%06x (%d attempts; read it again or lower "
				"--baud)",
				offset, offset + size, READ_ATTEMPTS);
	}
	return rc;
}

/* What a timed-out erase means, for the user. */
static int erase_timeout(struct ed_error *err, uint32_t offset, uint32_t size, uint64_t timeout_us)
{
	return ed_fail(err, ED_ERR_TIMEOUT,
		       "the stub did not finish erasing 0x%06x..0x%06x within %.0f s (esptool's "
		       "allowance for %u KiB): the flash chip may be failing or stuck busy; "
		       "power-cycle the board and run the command again",
		       offset, offset + size - 1, timeout_us / 1e6, size / 1024);
}

int stubflash_erase_region(struct loader *ld, uint32_t offset, uint32_t size,
			   const struct flasher_progress *progress, struct ed_error *err)
{
	/* In pieces that end on STUB_ERASE_CHUNK boundaries (the stub erases 64 KiB blocks
	 * inside each), for progress between them; each piece's timeout is esptool's
	 * ERASE_REGION_TIMEOUT_PER_MB (40 s per MB, at least 3 s) for its size. */
	uint32_t done = 0;
	while (done < size) {
		if (loader_cancelled(ld))
			return loader_fail_cancelled(err, "an erase");
		uint32_t at = offset + done;
		uint32_t n = STUB_ERASE_CHUNK - at % STUB_ERASE_CHUNK;
		if (n > size - done)
			n = size - done;
		uint8_t d[8];
		put_le32(d, at);
		put_le32(d + 4, n);
		uint64_t timeout = per_mb(n, ERASE_REGION_S_PER_MB);
		int rc = command_refused_again(ld, PKT_ERASE_REGION, d, 8, timeout, NULL, 0, err);
		if (rc == ED_ERR_TIMEOUT)
			rc = erase_timeout(err, at, n, timeout);
		if (rc < 0) {
			ed_error_prefix(err, "erasing 0x%06x..0x%06x (0x%06x..0x%06x done)", offset,
					offset + size - 1, offset, at);
			return rc;
		}
		done += n;
		if (progress && progress->fn)
			progress->fn(progress->user, done, size);
	}
	/* ERASE_REGION carries no checksum: a damaged address erases elsewhere and the stub
	 * still says done. The region's MD5 must be that of erased flash. */
	uint8_t *ff = malloc(size ? size : 1);
	if (!ff)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory checking an erase");
	memset(ff, 0xFF, size);
	int rc = ED_OK;
	bool ok = md5_matches(ld, offset, ff, size, NULL, &rc, err);
	free(ff);
	if (rc == ED_OK && !ok)
		rc = ed_fail(
		    err, ED_ERR_VERIFY,
		    "the stub said 0x%06x..0x%06x was erased but its MD5 is not that of "
		    "erased flash: the request may have been damaged on the wire and erased "
		    "another place; run erase_region again with --check-chip (it names "
		    "every sector that changed), and write what belongs elsewhere again",
		    offset, offset + size - 1);
	return rc;
}

int stubflash_erase_chip(struct loader *ld, uint32_t flash_size,
			 const struct flasher_progress *progress, struct ed_error *err)
{
	/* esptool's CHIP_ERASE_TIMEOUT (120 s), or 40 s per MB where that is more (a 16 MB
	 * chip may take 200 s by its datasheet). */
	uint64_t timeout = STUB_CHIP_ERASE_TIMEOUT_US;
	if (per_mb(flash_size, ERASE_REGION_S_PER_MB) > timeout)
		timeout = per_mb(flash_size, ERASE_REGION_S_PER_MB);
	if (progress && progress->fn)
		progress->fn(progress->user, 0, flash_size);
	int rc = command_refused_again(ld, PKT_ERASE_FLASH, NULL, 0, timeout, NULL, 0, err);
	if (rc == ED_ERR_TIMEOUT)
		rc = erase_timeout(err, 0, flash_size ? flash_size : 1, timeout);
	if (rc < 0) {
		ed_error_prefix(err, "erasing the whole flash");
		return rc;
	}
	if (progress && progress->fn)
		progress->fn(progress->user, flash_size, flash_size);
	return rc;
}
