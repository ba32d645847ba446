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
#define STUB_CHIP_ERASE_TIMEOUT_US 120000000u

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

/* One write session's bytes: the data itself, or its zlib stream. */
struct session {
	uint32_t offset, size; /* the flash range */
	const uint8_t *wire;   /* the bytes the blocks carry */
	uint32_t wire_len;
	bool deflate;
};

static int send_block(struct loader *ld, const struct session *se, uint32_t seq,
		      struct ed_error *err)
{
	uint32_t off = seq * STUBCLIENT_WRITE_BLOCK;
	uint32_t len = se->wire_len - off < STUBCLIENT_WRITE_BLOCK ? se->wire_len - off
								   : STUBCLIENT_WRITE_BLOCK;
	/* esptool pads the last uncompressed block to the block size with 0xFF; the stub
	 * takes a shorter last block, which saves up to 16 KiB on the wire per file */
	uint32_t n = len;
	uint8_t *d = ld->data;
	put_le32(d, n);
	put_le32(d + 4, seq);
	put_le32(d + 8, 0);
	put_le32(d + 12, 0);
	memcpy(d + 16, se->wire + off, len);
	memset(d + 16 + len, 0xFF, n - len);
	uint32_t chk = pkt_checksum(d + 16, n);
	uint64_t baud = ld->link->baud ? ld->link->baud : 115200;
	uint64_t wire = (uint64_t)(2 * n + 64) * 10 * 1000000u / baud;
	/* the answer may wait for the previous block's erase and programming */
	uint64_t flash = (uint64_t)STUBCLIENT_WRITE_BLOCK * 40u;
	if (se->deflate && se->wire_len)
		flash = flash * se->size / se->wire_len;
	uint64_t timeout = LOADER_DEFAULT_TIMEOUT_US + 3 * wire + flash;
	uint8_t op = se->deflate ? PKT_FLASH_DEFL_DATA : PKT_FLASH_DATA;
	int rc = ED_ERR_TIMEOUT;
	for (int attempt = 0; attempt < LOADER_BLOCK_ATTEMPTS; attempt++) {
		if (attempt > 0) {
			ed_log(loader_log(ld), ED_LOG_DEBUG, "block %u: %s; sending it again", seq,
			       err->msg);
			loader_discard_input(ld);
		}
		rc = loader_command(ld, op, d, 16 + n, chk, timeout, NULL, err);
		if (rc == ED_OK || !resend_ok(ld, rc))
			break;
	}
	if (rc < 0)
		ed_error_prefix(err, "block %u", seq);
	return rc;
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
	for (uint32_t seq = 0; rc == ED_OK && seq < blocks; seq++) {
		if (loader_cancelled(ld))
			return loader_fail_cancelled(err, "a write");
		rc = send_block(ld, se, seq, err);
		uint64_t sent = (uint64_t)(seq + 1) * STUBCLIENT_WRITE_BLOCK;
		if (sent > se->wire_len)
			sent = se->wire_len;
		uint64_t done = se->wire_len ? sent * se->size / se->wire_len : se->size;
		if (rc == ED_OK)
			*acked = (uint32_t)done;
		if (rc == ED_OK && progress && progress->fn)
			progress->fn(progress->user, done, se->size);
	}
	uint8_t e[4];
	put_le32(e, 1);
	uint8_t end = se->deflate ? PKT_FLASH_DEFL_END : PKT_FLASH_END;
	if (rc == ED_OK) {
		/* The stub answers END once the last block is on the flash. */
		rc = loader_command(ld, end, e, 4, 0, per_mb(STUBCLIENT_WRITE_BLOCK * 4, 40), NULL,
				    err);
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
	struct session se = {offset, size, data, size, false};
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

static bool md5_matches(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
			int *rc, struct ed_error *err)
{
	uint8_t want[16], got[16];
	struct md5 m;
	md5_init(&m);
	md5_update(&m, data, size);
	md5_final(&m, want);
	*rc = stubflash_md5(ld, offset, size, got, err);
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
			bool ok = md5_matches(ld, lo, data + (lo - offset), hi - lo, &rc, err);
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
		rc = loader_command_result(ld, STUB_OP_SECTOR_MD5, d, 8, per_mb(n * SECTOR, 8),
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

/* Writes again only the sectors find_bad() marked, then checks the whole range again.
 * *misplaced is set when a sector of a block the stub had acknowledged (the first acked
 * bytes) was wrong: FLASH_BEGIN carries no checksum, so its offset may have been damaged
 * on the wire and those blocks written at another address. */
static int repair(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
		  uint32_t acked, bool *misplaced, uint32_t *rewritten, struct ed_error *err)
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
		if (lo < offset + acked)
			*misplaced = true;
		rc = plain_session(ld, lo, data + (lo - offset), hi - lo, err);
		(*rewritten)++;
	}
	if (rc == ED_OK) {
		bool ok = md5_matches(ld, offset, data, size, &rc, err);
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

int stubflash_write(struct loader *ld, uint32_t offset, const uint8_t *data, uint32_t size,
		    bool compress, const struct flasher_progress *progress,
		    struct stubflash_write_result *res, struct ed_error *err)
{
	struct stubflash_write_result dummy;
	if (!res)
		res = &dummy;
	memset(res, 0, sizeof *res);
	if (size == 0)
		return ED_OK;
	struct session se = {offset, size, data, size, false};
	uint8_t *z = NULL;
	if (compress) {
		int zrc = deflate_data(data, size, &z, &se.wire_len, err);
		if (zrc < 0)
			return zrc;
		se.wire = z;
		se.deflate = true;
	}
	res->sent = se.wire_len;
	uint32_t acked = 0;
	bool misplaced = false;
	int rc = write_session(ld, &se, progress, &acked, err);
	free(z);
	if (rc == ED_ERR_CANCELLED || rc == ED_ERR_DISCONNECTED)
		return rc;
	if (rc < 0) {
		ed_log(loader_log(ld), ED_LOG_WARN, "%s; checking which sectors need writing again",
		       err->msg);
		loader_discard_input(ld);
		if (se.deflate)
			acked = 0; /* a broken stream says nothing about where its blocks went */
	}
	bool ok = false;
	if (rc == ED_OK)
		ok = md5_matches(ld, offset, data, size, &rc, err);
	if (rc == ED_ERR_CANCELLED || rc == ED_ERR_DISCONNECTED)
		return rc;
	if (!ok)
		rc = repair(ld, offset, data, size, acked, &misplaced, &res->rewritten, err);
	if (rc == ED_OK) {
		uint8_t got[16];
		rc = stubflash_md5(ld, offset, size, got, err);
		md5_hex(got, res->flash_md5);
	}
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
	if (size == 0 || md5_matches(ld, offset, data, size, &rc, err))
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
			bool ok = md5_matches(ld, offset, buf, size, &rc, err);
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

int stubflash_erase_region(struct loader *ld, uint32_t offset, uint32_t size, struct ed_error *err)
{
	uint8_t d[8];
	put_le32(d, offset);
	put_le32(d + 4, size);
	int rc = loader_command(ld, PKT_ERASE_REGION, d, 8, 0, per_mb(size, 40), NULL, err);
	if (rc < 0) {
		ed_error_prefix(err, "erasing 0x%06x..0x%06x", offset, offset + size);
		return rc;
	}
	/* ERASE_REGION carries no checksum: a damaged address erases elsewhere and the stub
	 * still says done. The region's MD5 must be that of erased flash. */
	uint8_t *ff = malloc(size ? size : 1);
	if (!ff)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory checking an erase");
	memset(ff, 0xFF, size);
	bool ok = md5_matches(ld, offset, ff, size, &rc, err);
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

int stubflash_erase_chip(struct loader *ld, uint32_t flash_size, struct ed_error *err)
{
	(void)flash_size;
	int rc =
	    loader_command(ld, PKT_ERASE_FLASH, NULL, 0, 0, STUB_CHIP_ERASE_TIMEOUT_US, NULL, err);
	if (rc < 0)
		ed_error_prefix(err, "erasing the whole flash");
	return rc;
}
