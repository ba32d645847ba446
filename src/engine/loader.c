/* SPDX-License-Identifier: MIT
 * ROM-loader client: request/reply matching, registers and the flash write commands
 * (reference §1.3-§1.6, §2). Connecting and resetting live in reset.c. */
#include "engine/loader_priv.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "proto/packet.h"
#include "proto/slip.h"

int loader_create(struct link *link, const struct loader_config *cfg, struct loader **out,
		  struct ed_error *err)
{
	*out = NULL;
	struct loader *ld = calloc(1, sizeof *ld);
	if (!ld)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory creating the loader");
	ld->link = link;
	ld->cfg = *cfg;
	ld->sync_value = UINT32_MAX;
	if (ld->cfg.connect_attempts == 0)
		ld->cfg.connect_attempts = LOADER_CONNECT_ATTEMPTS;
	slip_decoder_init(&ld->dec, ld->frame, sizeof ld->frame);
	*out = ld;
	return ED_OK;
}

void loader_destroy(struct loader *ld)
{
	free(ld);
}

struct link *loader_link(struct loader *ld)
{
	return ld->link;
}

const struct ed_log *loader_log(const struct loader *ld)
{
	return &ld->cfg.log;
}

bool loader_cancelled(const struct loader *ld)
{
	return ld->cfg.cancel && atomic_load(ld->cfg.cancel);
}

int loader_fail_cancelled(struct ed_error *err, const char *what)
{
	return ed_fail(err, ED_ERR_CANCELLED, "cancelled during %s", what);
}

uint8_t loader_last_rom_error(const struct loader *ld)
{
	return ld->last_rom_error;
}

uint32_t loader_unlock_notes(const struct loader *ld)
{
	return ld->unlock_notes;
}

uint32_t loader_sync_value(const struct loader *ld)
{
	return ld->sync_value;
}

void loader_set_stub(struct loader *ld, bool stub)
{
	ld->stub = stub;
	if (!stub)
		ld->strict = false;
}

void loader_set_strict(struct loader *ld, bool strict)
{
	ld->strict = strict;
}

bool loader_is_stub(const struct loader *ld)
{
	return ld->stub;
}

const char *loader_stub_error_text(uint8_t code)
{
	switch (code) {
	case 0x01:
		return "bad parameters";
	case 0xC0:
		return "a length field disagrees with the frame";
	case 0xC1:
		return "bad data checksum";
	case 0xC2:
		return "block size over 0x4000";
	case 0xC4:
		return "the flash reported an error";
	case 0xC5:
		return "the write protection could not be cleared";
	case 0xC6:
		return "not in flash mode";
	case 0xC7:
		return "corrupt zlib stream";
	case 0xC8:
		return "not enough data";
	case 0xC9:
		return "too much data";
	case 0xCA:
		return "sequence number not the next one";
	case 0xCB:
		return "the command does not belong to the write in progress";
	case 0xCC:
		return "address range past the end of the flash";
	case 0xCD:
		return "a parameter of an extension is invalid";
	case 0xFF:
		return "command not implemented";
	}
	return "unknown code";
}

void loader_get_stats(const struct loader *ld, struct loader_stats *st)
{
	*st = ld->stats;
}

uint64_t loader_anomalies(const struct loader *ld)
{
	return ld->anomalies;
}

void loader_note_anomaly(struct loader *ld, const char *what)
{
	ld->anomalies++;
	ed_log(&ld->cfg.log, ED_LOG_DEBUG, "anomaly: %s", what);
}

void loader_note_hazard(struct loader *ld, enum loader_hazard_kind kind, uint32_t seq)
{
	for (size_t i = 0; i < ld->nhazards; i++)
		if (ld->hazards[i].kind == kind && ld->hazards[i].seq == seq)
			return;
	if (ld->nhazards == sizeof ld->hazards / sizeof ld->hazards[0]) {
		ld->hazards_lost = true;
		return;
	}
	ld->hazards[ld->nhazards++] = (struct loader_hazard){kind, seq};
}

void loader_note_hazards_lost(struct loader *ld)
{
	ld->hazards_lost = true;
}

size_t loader_take_hazards(struct loader *ld, struct loader_hazard *out, size_t cap, bool *lost)
{
	size_t n = ld->nhazards < cap ? ld->nhazards : cap;
	memcpy(out, ld->hazards, n * sizeof *out);
	*lost = ld->hazards_lost || n < ld->nhazards;
	ld->nhazards = 0;
	ld->hazards_lost = false;
	return n;
}

void loader_discard_input(struct loader *ld)
{
	struct ed_error ignored;
	ld->in_pos = ld->in_len = 0;
	slip_decoder_reset(&ld->dec);
	ld->link->ops->flush_input(ld->link, &ignored);
}

/* Reads one SLIP frame before deadline_us (link clock). Returns 1 with the frame, 0 on
 * timeout, or a negative error (cancel, disconnect). Bytes between frames (boot log,
 * garbage) and frames with bad escapes are discarded. */
int loader_read_frame(struct loader *ld, uint64_t deadline_us, const uint8_t **frame, size_t *len,
		      struct ed_error *err)
{
	for (;;) {
		while (ld->in_pos < ld->in_len) {
			size_t used = 0;
			enum slip_event ev = slip_decoder_feed(&ld->dec, ld->in + ld->in_pos,
							       ld->in_len - ld->in_pos, &used);
			ld->in_pos += used;
			if (ev == SLIP_FRAME) {
				*frame = slip_decoder_frame(&ld->dec, len);
				ed_log_hex(&ld->cfg.trace, "RX", *frame, *len);
				return 1;
			}
			if (ev != SLIP_NONE)
				ed_log(&ld->cfg.trace, ED_LOG_TRACE, "RX frame dropped (%s)",
				       ev == SLIP_BAD_ESCAPE ? "bad escape" : "too long");
		}
		if (loader_cancelled(ld))
			return loader_fail_cancelled(err, "a wait for the board");
		uint64_t now = link_now_us(ld->link);
		if (now >= deadline_us)
			return 0;
		uint64_t slice = deadline_us - now;
		if (slice > 100000)
			slice = 100000; /* cancel must be prompt (design.md) */
		int n = link_read(ld->link, ld->in, sizeof ld->in, slice, err);
		if (n < 0)
			return n;
		ld->stats.bytes_in += (uint64_t)n;
		ld->in_pos = 0;
		ld->in_len = (size_t)n;
	}
}

int loader_send(struct loader *ld, uint8_t op, const uint8_t *data, size_t len, uint32_t checksum,
		struct ed_error *err)
{
	if (len > LOADER_MAX_PAYLOAD)
		return ed_fail(err, ED_ERR_ARG, "%s payload of %zu bytes is too large",
			       pkt_op_name(op), len);
	if (ld->strict && op != PKT_FLASH_DATA && op != PKT_FLASH_DEFL_DATA && op != PKT_MEM_DATA &&
	    op != PKT_SYNC) {
		uint8_t sum = 0xEF ^ op;
		for (size_t i = 0; i < len; i++)
			sum ^= data[i];
		checksum = sum;
	}
	size_t blen = pkt_build_request(ld->body, op, data, (uint16_t)len, checksum);
	size_t wlen = slip_encode(ld->body, blen, ld->tx);
	if (ld->cfg.trace.fn)
		ed_log_hex(&ld->cfg.trace, "TX", ld->body, blen);
	ld->stats.commands++;
	ld->stats.bytes_out += wlen;
	int rc = link_write(ld->link, ld->tx, wlen, err);
	return rc < 0 ? rc : ED_OK;
}

/* Waits for the reply to op; see loader_command(). */
int loader_wait_reply(struct loader *ld, uint8_t op, uint64_t timeout_us, uint32_t *value,
		      struct ed_error *err)
{
	uint64_t deadline = link_now_us(ld->link) + timeout_us;
	/* esptool reads up to 100 frames looking for the matching opcode (§1.6). */
	for (int frames = 0; frames < 100; frames++) {
		const uint8_t *frame;
		size_t flen;
		int rc = loader_read_frame(ld, deadline, &frame, &flen, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			break;
		struct pkt_response resp;
		bool parsed = pkt_parse_response(frame, flen, ld->result_len, &resp);
		if (!parsed && ld->result_len) /* a failure carries no result bytes */
			parsed = pkt_parse_response(frame, flen, 0, &resp) && resp.status != 0;
		if (!parsed || resp.op != op) {
			/* Left over from an earlier request, duplicated, or the answer of a request
			 * the ROM took for another command. */
			loader_note_anomaly(ld, "a frame that is not the reply awaited");
			/* FLASH_BEGIN's reply (or a frame too short to tell) while a FLASH_DATA is
			 * out: the block may have run as FLASH_BEGIN (opcode bit 0 lost). */
			if (op == PKT_FLASH_DATA && (flen < 2 || frame[1] == PKT_FLASH_BEGIN))
				loader_note_hazard(ld, LOADER_HAZARD_LOW_ERASE, 0);
			continue;
		}
		if (ld->stub) {
			if (value)
				*value = resp.value;
			ld->last_rom_error = resp.status;
			if (resp.status == 0) {
				if (ld->result_len)
					memcpy(ld->result, resp.data, ld->result_len);
				bool noted = op == PKT_FLASH_BEGIN || op == PKT_FLASH_DEFL_BEGIN ||
					     op == PKT_ERASE_FLASH || op == PKT_ERASE_REGION;
				if (noted && resp.error == 1) /* STUB_NOTE_UNLOCKED */
					ld->unlock_notes++;
				return ED_OK;
			}
			return ed_fail(err, ED_ERR_DEVICE,
				       "%s failed on %s: stub error 0x%02x (%s)", pkt_op_name(op),
				       ld->link->name, resp.status,
				       loader_stub_error_text(resp.status));
		}
		if (resp.status == 0 && resp.error != 0) {
			loader_note_anomaly(ld, "a garbled reply");
			/* The ROM sends 00 00 on success: "00 xx" is a reply garbled on the wire
			 * (a failure whose first status byte lost its bit must not pass as success). */
			return ed_fail(err, ED_ERR_PROTO,
				       "garbled reply to %s on %s (status 00 %02x)",
				       pkt_op_name(op), ld->link->name, resp.error);
		}
		if (value)
			*value = resp.value;
		if (resp.status != 0) {
			ld->last_rom_error = resp.error;
			if (op == PKT_FLASH_DATA && resp.error == PKT_ROM_FLASH_WRITE_ERR)
				ld->stats.write_errors++;
			return ed_fail(err, ED_ERR_DEVICE, "%s failed on %s: ROM error 0x%02x (%s)",
				       pkt_op_name(op), ld->link->name, resp.error,
				       pkt_rom_error_text(resp.error));
		}
		ld->last_rom_error = 0;
		return ED_OK;
	}
	loader_note_anomaly(ld, "no reply in time");
	return ed_fail(err, ED_ERR_TIMEOUT,
		       "no reply to %s within %.1f s on %s at %u baud: is the board still in its "
		       "ROM loader and the cable connected?",
		       pkt_op_name(op), (double)timeout_us / 1e6, ld->link->name, ld->link->baud);
}

int loader_command(struct loader *ld, uint8_t op, const uint8_t *data, size_t len,
		   uint32_t checksum, uint64_t timeout_us, uint32_t *value, struct ed_error *err)
{
	if (loader_cancelled(ld))
		return loader_fail_cancelled(err, pkt_op_name(op));
	if (timeout_us > LOADER_MAX_TIMEOUT_US)
		timeout_us = LOADER_MAX_TIMEOUT_US;
	int rc = loader_send(ld, op, data, len, checksum, err);
	if (rc < 0)
		return rc;
	return loader_wait_reply(ld, op, timeout_us, value, err);
}

/* Worth another attempt: no reply, a garbled reply, or a ROM failure. */
static bool retryable(int rc)
{
	return rc == ED_ERR_TIMEOUT || rc == ED_ERR_DEVICE || rc == ED_ERR_PROTO;
}

/* Before a retry. Two things may be wrong after a failed attempt:
 * - a dropped byte took the ROM's end-of-frame C0, so the ROM is still inside that frame
 *   and would swallow our next start delimiter: one lone C0 ends it (if the ROM was idle,
 *   that C0 and our frame's own make an empty frame, which SLIP receivers skip);
 * - the reply was only late (a stall longer than the timeout) and will still come; taken
 *   for the reply to the next request it would shift every later answer by one and hide
 *   a failure. So a barrier: READ_REG of the chip magic, whose reply value is unmistakable;
 *   everything before it is stale and dropped. */
static void resync(struct loader *ld)
{
	static const uint8_t end = 0xC0;
	struct ed_error e;
	uint8_t d[4];
	put_le32(d, PKT_CHIP_MAGIC_ADDR);
	ld->stats.retries++;
	ld->anomalies++;
	for (int attempt = 0; attempt < LOADER_WRITE_ATTEMPTS && !loader_cancelled(ld); attempt++) {
		ld->in_pos = ld->in_len = 0;
		slip_decoder_reset(&ld->dec);
		if (link_write(ld->link, &end, 1, &e) < 0 ||
		    loader_send(ld, PKT_READ_REG, d, 4, 0, &e) < 0)
			return;
		uint64_t deadline = link_now_us(ld->link) + LOADER_DEFAULT_TIMEOUT_US;
		for (;;) {
			const uint8_t *frame;
			size_t flen;
			struct pkt_response resp;
			int rc = loader_read_frame(ld, deadline, &frame, &flen, &e);
			if (rc < 0)
				return;
			if (rc == 0)
				break;
			if (pkt_parse_response(frame, flen, 0, &resp) && resp.op == PKT_READ_REG &&
			    resp.status == 0 && resp.value == PKT_ESP8266_MAGIC)
				return;
			ed_log(&ld->cfg.trace, ED_LOG_TRACE, "stale frame dropped before a retry");
		}
	}
}

/* The time a request of len payload bytes takes on the wire (SLIP frame, no escapes). */
static uint64_t request_wire_us(const struct loader *ld, size_t len)
{
	uint64_t baud = ld->link->baud ? ld->link->baud : 115200;
	return (len + 8 + 2) * 10 * 1000000u / baud;
}

/* Keeps the round trip of a register command answered at its first attempt, less its
 * request's wire time (so requests of every size compare). */
static void note_rtt(struct loader *ld, uint64_t t0, size_t len)
{
	uint64_t took = link_now_us(ld->link) - t0, wire = request_wire_us(ld, len);
	ld->rtt_us[ld->rtt_next++ % 8] = took > wire ? took - wire : 0;
	if (ld->rtt_count < 8)
		ld->rtt_count++;
}

/* Register access is cheap and idempotent, so a lost reply is simply asked again. */
int loader_read_reg(struct loader *ld, uint32_t addr, uint32_t *value, struct ed_error *err)
{
	uint8_t d[4];
	put_le32(d, addr);
	int rc = ED_ERR_TIMEOUT;
	for (int attempt = 0; attempt < LOADER_WRITE_ATTEMPTS; attempt++) {
		uint64_t t0 = link_now_us(ld->link);
		rc = loader_command(ld, PKT_READ_REG, d, 4, 0, LOADER_DEFAULT_TIMEOUT_US, value,
				    err);
		if (rc == ED_OK && attempt == 0)
			note_rtt(ld, t0, 4);
		if (!retryable(rc))
			break;
		resync(ld);
	}
	if (rc < 0)
		ed_error_prefix(err, "reading register 0x%08x", addr);
	return rc;
}

int loader_write_reg(struct loader *ld, uint32_t addr, uint32_t value, struct ed_error *err)
{
	uint8_t d[16];
	put_le32(d, addr);
	put_le32(d + 4, value);
	put_le32(d + 8, 0xFFFFFFFFu); /* esptool's mask and delay for the ESP8266 ROM */
	put_le32(d + 12, 0);
	int rc = ED_ERR_TIMEOUT;
	for (int attempt = 0; attempt < LOADER_WRITE_ATTEMPTS; attempt++) {
		uint64_t t0 = link_now_us(ld->link);
		rc = loader_command(ld, PKT_WRITE_REG, d, 16, 0, LOADER_DEFAULT_TIMEOUT_US, NULL,
				    err);
		if (rc == ED_OK && attempt == 0)
			note_rtt(ld, t0, 16);
		if (!retryable(rc))
			break;
		resync(ld);
	}
	if (rc < 0)
		ed_error_prefix(err, "writing register 0x%08x", addr);
	return rc;
}

/* esptool: timeout_per_mb(ERASE_REGION_TIMEOUT_PER_MB, size), 40 s per 1e6 bytes (v5). */
static uint64_t erase_timeout_us(uint32_t size)
{
	uint64_t t = (uint64_t)size * 40u; /* 40 s per 1e6 B = 40 us per byte */
	return t < LOADER_DEFAULT_TIMEOUT_US ? LOADER_DEFAULT_TIMEOUT_US : t;
}

/* esptool scales the timeout with the data size; the ROM's real erase (§6.1) can reach
 * the whole data even when the erase size asked is smaller. */
static uint64_t begin_timeout_us(const uint8_t payload[16])
{
	uint64_t erase = get_le32(payload);
	uint64_t data = (uint64_t)get_le32(payload + 4) * get_le32(payload + 8);
	uint64_t n = data > erase ? data : erase;
	return erase_timeout_us(n > UINT32_MAX ? UINT32_MAX : (uint32_t)n);
}

int loader_flash_begin(struct loader *ld, uint32_t erase_size, uint32_t block_count,
		       uint32_t block_size, uint32_t offset, struct ed_error *err)
{
	uint8_t d[16];
	ld->flash_begun = true;
	put_le32(d, erase_size);
	put_le32(d + 4, block_count);
	put_le32(d + 8, block_size);
	put_le32(d + 12, offset);
	uint64_t timeout = begin_timeout_us(d);
	memcpy(ld->begin, d, sizeof d);
	ld->begin_valid = block_count > 0;
	int rc = loader_command(ld, PKT_FLASH_BEGIN, d, 16, 0, timeout, NULL, err);
	if (retryable(rc)) {
		/* FLASH_BEGIN only erases and sets up the write: asking again is safe, but the
		 * lost one may have run with a corrupted offset. */
		if (block_count > 0)
			loader_note_hazard(ld, LOADER_HAZARD_BEGIN, 0);
		resync(ld);
		rc = loader_command(ld, PKT_FLASH_BEGIN, d, 16, 0, timeout, NULL, err);
	}
	if (rc < 0)
		ed_error_prefix(err, "starting a flash write at 0x%06x", offset);
	else
		ld->attached = true;
	return rc;
}

/* The longest and the shortest recent register round trip (less its request's wire
 * time); READ_REGs of the chip magic measure them when fewer than two are known. */
static int yardstick_us(struct loader *ld, uint64_t *max, uint64_t *min, struct ed_error *err)
{
	while (ld->rtt_count < 2) {
		uint32_t v;
		unsigned before = ld->rtt_count;
		int rc = loader_read_reg(ld, PKT_CHIP_MAGIC_ADDR, &v, err);
		if (rc < 0)
			return rc;
		if (ld->rtt_count == before)
			break; /* answered only after a retry: no sample */
	}
	*max = 0;
	*min = UINT64_MAX;
	for (unsigned i = 0; i < ld->rtt_count; i++) {
		*max = ld->rtt_us[i] > *max ? ld->rtt_us[i] : *max;
		*min = ld->rtt_us[i] < *min ? ld->rtt_us[i] : *min;
	}
	if (*min > *max)
		*min = *max;
	return ED_OK;
}

int loader_attach_flash(struct loader *ld, struct ed_error *err)
{
	if (ld->attached)
		return ED_OK;
	uint64_t base = 0, fastest = 0;
	int rc = yardstick_us(ld, &base, &fastest, err);
	if (rc < 0)
		return rc;
	uint64_t before = ld->anomalies, t0 = link_now_us(ld->link);
	rc = loader_flash_begin(ld, 0, 0, PKT_ROM_FLASH_BLOCK, 0, err);
	uint64_t took = link_now_us(ld->link) - t0, wire = request_wire_us(ld, 16);
	took = took > wire ? took - wire : 0;
	/* Its erase size has no checksum: one flipped bit erases 2^k bytes from 0x0 (with
	 * the ROM's erase bug at least two sectors) and the ROM still answers, after the
	 * erase. A sector erase takes milliseconds (tens on most chips); a plain attach
	 * costs one round trip. So an answer later than the slowest recent round trip by
	 * 3 ms, by half of it (a bridge that buffers) or by twice the spread of the recent
	 * round trips (a network port's jitter), whichever is most, is taken as an erase. */
	uint64_t slack = base / 2 > 3000 ? base / 2 : 3000;
	if (2 * (base - fastest) > slack)
		slack = 2 * (base - fastest);
	if (rc == ED_OK && ld->anomalies == before && took > base + slack) {
		ld->attach_hazard = true;
		ld->attach_late_us = took - base;
		ed_log(&ld->cfg.log, ED_LOG_WARN,
		       "the ROM's flash attach (FLASH_BEGIN 0, 0) answered %.1f ms later than a "
		       "register read: it erased something (a bit of its erase size flipped on "
		       "the wire?), so flash from 0x000000 may have been erased",
		       (double)(took - base) / 1000.0);
	} else if (ld->anomalies != before || rc < 0) {
		ld->attach_hazard = true;
		ed_log(&ld->cfg.log, ED_LOG_WARN,
		       "the ROM's flash attach (FLASH_BEGIN 0, 0) met a garbled or lost frame: "
		       "flash from 0x000000 may have been erased");
	}
	return rc;
}

bool loader_flash_begun(const struct loader *ld)
{
	return ld->flash_begun;
}

bool loader_attach_hazard(const struct loader *ld)
{
	return ld->attach_hazard;
}

uint64_t loader_attach_late_us(const struct loader *ld)
{
	return ld->attach_late_us;
}

/* FLASH_DATA's reply comes once the block is on the wire, programmed (4 pages, a few ms)
 * and read back: 3 x the worst-case wire time (every byte SLIP-escaped) plus 20 ms, at
 * least 1 s. A dropped byte then costs about a second, not esptool's fixed 3 s. */
static uint64_t block_timeout_us(const struct loader *ld, size_t len)
{
	uint64_t baud = ld->link->baud ? ld->link->baud : 115200;
	uint64_t wire = (2 * (len + 16 + 8) + 2 + 12) * 10 * 1000000u / baud;
	uint64_t t = 3 * (wire + 20000);
	return t < LOADER_BLOCK_MIN_TIMEOUT_US ? LOADER_BLOCK_MIN_TIMEOUT_US : t;
}

/* Whether a failed FLASH_DATA attempt may still have been acted on. Only a clean refusal
 * under FLASH_DATA's own opcode says the ROM dropped the frame before writing: 0x05 (a
 * length that does not match, or a block past the flash) and 0x07 (bad data checksum).
 * A timeout or a garbled reply may hide a frame that ran as another command, and 0x08 or
 * any other code is a frame the ROM wrote somewhere, perhaps at another block. */
static bool maybe_executed(const struct loader *ld, int rc)
{
	if (rc != ED_ERR_DEVICE)
		return true;
	return ld->last_rom_error != PKT_ROM_INVALID_MESSAGE &&
	       ld->last_rom_error != PKT_ROM_BAD_CHECKSUM;
}

/* After an attempt whose reply was lost or garbled, the frame may have run as FLASH_BEGIN
 * (opcode 0x03 -> 0x02): the ROM's write would then continue at offset 0 with block size 0
 * and every later block would land on sector 0. FLASH_BEGIN again with erase size 0 puts
 * the write back where it belongs without erasing anything. */
static int restore_write(struct loader *ld, struct ed_error *err)
{
	if (!ld->begin_valid)
		return ED_OK;
	uint8_t d[16];
	memcpy(d, ld->begin, sizeof d);
	put_le32(d, 0);
	int rc =
	    loader_command(ld, PKT_FLASH_BEGIN, d, 16, 0, LOADER_DEFAULT_TIMEOUT_US, NULL, err);
	if (rc < 0)
		ed_error_prefix(err, "restoring the ROM's write state at 0x%06x",
				get_le32(ld->begin + 12));
	return rc;
}

/* Sends the block prepared in ld->data until the ROM accepts it: up to
 * LOADER_BLOCK_ATTEMPTS for lost frames, lost replies and refusals (checksum, invalid
 * message, 0x06 and any other code: one flipped bit turns 0x07 into 0x06), up to
 * LOADER_WRITE_ATTEMPTS for error 0x08. Every attempt that may have been acted on is
 * noted as a hazard for the flasher to prove. *attempts gets the number made. */
/* FLASH_DATA and MEM_DATA share one frame (reference §2.1): size, sequence number, two
 * zero words, then the data, in ld->data. Returns the ROM's checksum of the data. */
static uint32_t put_data_frame(struct loader *ld, const uint8_t *block, size_t len, uint32_t seq)
{
	uint8_t *d = ld->data;
	put_le32(d, (uint32_t)len);
	put_le32(d + 4, seq);
	put_le32(d + 8, 0);
	put_le32(d + 12, 0);
	memcpy(d + 16, block, len);
	return pkt_checksum(block, len);
}

static int send_block(struct loader *ld, size_t len, uint32_t seq, uint32_t chk, int *attempts,
		      struct ed_error *err)
{
	uint64_t timeout = block_timeout_us(ld, len);
	int rc = ED_ERR_TIMEOUT, write_errors = 0;
	*attempts = 0;
	for (int attempt = 0; attempt < LOADER_BLOCK_ATTEMPTS; attempt++) {
		if (attempt > 0) {
			ed_log(&ld->cfg.log, ED_LOG_DEBUG, "block %u: %s; sending it again", seq,
			       err->msg);
			/* A late reply to the failed attempt must not answer the next one. */
			resync(ld);
			if (rc != ED_ERR_DEVICE && (rc = restore_write(ld, err)) < 0)
				return rc;
		}
		(*attempts)++;
		rc =
		    loader_command(ld, PKT_FLASH_DATA, ld->data, len + 16, chk, timeout, NULL, err);
		if (rc != ED_OK && maybe_executed(ld, rc))
			loader_note_hazard(ld, LOADER_HAZARD_BLOCK, seq); /* also a frame in flight
									     * when the port went */
		if (rc == ED_OK || !retryable(rc))
			break;
		if (rc == ED_ERR_DEVICE && ld->last_rom_error == PKT_ROM_FLASH_WRITE_ERR &&
		    ++write_errors >= LOADER_WRITE_ATTEMPTS)
			break;
	}
	return rc;
}

int loader_flash_data(struct loader *ld, const uint8_t *block, size_t len, uint32_t seq,
		      struct ed_error *err)
{
	if (len + 16 > LOADER_MAX_PAYLOAD)
		return ed_fail(err, ED_ERR_ARG, "flash block of %zu bytes is too large", len);
	uint32_t chk = put_data_frame(ld, block, len, seq);
	int attempts = 0, more = 0;
	int rc = send_block(ld, len, seq, chk, &attempts, err);
	bool again = false;
	if (rc == ED_ERR_DEVICE && ld->last_rom_error == PKT_ROM_FLASH_WRITE_ERR && seq == 0 &&
	    ld->begin_valid) {
		/* FLASH_BEGIN carries no checksum: an offset corrupted on the wire starts the
		 * write elsewhere, usually over old data, and every block 0 then fails the
		 * ROM's read-back. Starting the write once more costs one erase. */
		ed_log(&ld->cfg.log, ED_LOG_WARN,
		       "block 0 failed the ROM's read-back check %d times: starting the write at "
		       "0x%06x again (a FLASH_BEGIN corrupted on the wire may have put it at "
		       "another address)",
		       LOADER_WRITE_ATTEMPTS, get_le32(ld->begin + 12));
		loader_note_hazard(ld, LOADER_HAZARD_BEGIN, 0);
		again = true;
		resync(ld);
		rc = loader_command(ld, PKT_FLASH_BEGIN, ld->begin, 16, 0,
				    begin_timeout_us(ld->begin), NULL, err);
		if (rc == ED_OK)
			rc = send_block(ld, len, seq, chk, &more, err);
		attempts += more;
	}
	if (rc == ED_ERR_DEVICE && ld->last_rom_error == PKT_ROM_FLASH_WRITE_ERR)
		return ed_fail(
		    err, ED_ERR_VERIFY,
		    "the ROM's read-back check of block %u failed %d times (error 0x08)%s: "
		    "the flash did not take the data, or a header corrupted on the wire "
		    "put the write at another address (whose sectors may now be erased or "
		    "overwritten); try a lower --baud, and check the flash chip and its "
		    "power supply",
		    seq, LOADER_WRITE_ATTEMPTS,
		    again ? ", also after starting the write again" : "");
	if (retryable(rc))
		ed_error_prefix(err, "block %u after %d attempt%s", seq, attempts,
				attempts == 1 ? "" : "s");
	return rc;
}

int loader_spi_set_params(struct loader *ld, uint32_t flash_id, uint32_t size_bytes,
			  struct ed_error *err)
{
	uint8_t d[24];
	put_le32(d, flash_id);
	put_le32(d + 4, size_bytes);
	put_le32(d + 8, 0x10000); /* block */
	put_le32(d + 12, 0x1000); /* sector */
	put_le32(d + 16, 0x100);  /* page */
	put_le32(d + 20, 0xFFFF); /* status mask */
	return loader_command(ld, PKT_SPI_SET_PARAMS, d, sizeof d, 0, LOADER_DEFAULT_TIMEOUT_US,
			      NULL, err);
}

int loader_mem_begin(struct loader *ld, uint32_t size, uint32_t blocks, uint32_t block_size,
		     uint32_t offset, struct ed_error *err)
{
	uint8_t d[16];
	put_le32(d, size);
	put_le32(d + 4, blocks);
	put_le32(d + 8, block_size);
	put_le32(d + 12, offset);
	int rc = loader_command(ld, PKT_MEM_BEGIN, d, 16, 0, LOADER_DEFAULT_TIMEOUT_US, NULL, err);
	if (retryable(rc)) {
		resync(ld);
		rc = loader_command(ld, PKT_MEM_BEGIN, d, 16, 0, LOADER_DEFAULT_TIMEOUT_US, NULL,
				    err);
	}
	if (rc < 0)
		ed_error_prefix(err, "starting a RAM upload at 0x%08x", offset);
	return rc;
}

int loader_mem_data(struct loader *ld, const uint8_t *block, size_t len, uint32_t seq,
		    struct ed_error *err)
{
	if (len + 16 > LOADER_MAX_PAYLOAD)
		return ed_fail(err, ED_ERR_ARG, "RAM block of %zu bytes is too large", len);
	uint32_t chk = put_data_frame(ld, block, len, seq);
	uint64_t timeout = block_timeout_us(ld, len);
	int rc = ED_ERR_TIMEOUT;
	for (int attempt = 0; attempt < LOADER_BLOCK_ATTEMPTS; attempt++) {
		if (attempt > 0) {
			ed_log(&ld->cfg.log, ED_LOG_DEBUG, "RAM block %u: %s; sending it again",
			       seq, err->msg);
			resync(ld);
		}
		rc = loader_command(ld, PKT_MEM_DATA, ld->data, len + 16, chk, timeout, NULL, err);
		if (rc == ED_OK || !retryable(rc))
			break;
	}
	if (rc < 0)
		ed_error_prefix(err, "RAM block %u", seq);
	return rc;
}

int loader_mem_end(struct loader *ld, uint32_t entry, struct ed_error *err)
{
	uint8_t d[8];
	put_le32(d, entry == 0);
	put_le32(d + 4, entry);
	int rc = loader_command(ld, PKT_MEM_END, d, 8, 0, LOADER_DEFAULT_TIMEOUT_US, NULL, err);
	if (rc < 0)
		ed_error_prefix(err, "starting the code at 0x%08x", entry);
	return rc;
}

int loader_command_result(struct loader *ld, uint8_t op, const uint8_t *data, size_t len,
			  uint64_t timeout_us, uint8_t *result, size_t result_len,
			  struct ed_error *err)
{
	ld->result = result;
	ld->result_len = result_len;
	int rc = loader_command(ld, op, data, len, 0, timeout_us, NULL, err);
	ld->result = NULL;
	ld->result_len = 0;
	return rc;
}

int loader_send_raw(struct loader *ld, const uint8_t *body, size_t len, struct ed_error *err)
{
	size_t wlen = slip_encode(body, len, ld->tx);
	if (ld->cfg.trace.fn)
		ed_log_hex(&ld->cfg.trace, "TX", body, len);
	ld->stats.bytes_out += wlen;
	int rc = link_write(ld->link, ld->tx, wlen, err);
	return rc < 0 ? rc : ED_OK;
}
