/* SPDX-License-Identifier: MIT
 * Starting a flasher-stub session (stubclient.h): reuse a running stub or upload ours
 * through the ROM loader's RAM commands and wait for its OHAI. */
#include "engine/stubclient.h"

#include <string.h>

#include "engine/loader_priv.h"
#include "stub/core/stub.h"
#include "core/util.h"
#include "proto/packet.h"

static int upload_segment(struct loader *ld, const struct stub_segment *seg, uint64_t *done,
			  uint64_t total, const struct flasher_progress *progress,
			  struct ed_error *err)
{
	uint32_t bs = PKT_ROM_MEM_BLOCK;
	uint32_t blocks = (seg->size + bs - 1) / bs;
	int rc = loader_mem_begin(ld, seg->size, blocks, bs, seg->addr, err);
	for (uint32_t seq = 0; rc == ED_OK && seq < blocks; seq++) {
		if (loader_cancelled(ld))
			return loader_fail_cancelled(err, "the stub upload");
		uint32_t off = seq * bs;
		uint32_t len = seg->size - off < bs ? seg->size - off : bs;
		rc = loader_mem_data(ld, seg->data + off, len, seq, err);
		*done += len;
		if (rc == ED_OK && progress && progress->fn)
			progress->fn(progress->user, *done, total);
	}
	return rc;
}

/* Who listens after a MEM_END that brought no OHAI: the stub (it answers SPI_FLASH_MD5 of
 * 16 bytes at 0x0, a read that changes nothing), the ROM loader (it refuses that command:
 * the jump never happened) or nobody (code that runs silently). Asked a few times, since
 * the line that lost the OHAI may lose a probe too. Returns 0 for the stub, 1 for the ROM,
 * ED_ERR_TIMEOUT for nobody (err says so). */
static int who_answers(struct loader *ld, struct ed_error *err)
{
	uint8_t d[16], md5[16];
	put_le32(d, 0);
	put_le32(d + 4, 16);
	put_le32(d + 8, 0);
	put_le32(d + 12, 0);
	uint64_t anomalies = ld->anomalies;
	for (int attempt = 0; attempt < LOADER_WRITE_ATTEMPTS; attempt++) {
		struct ed_error e;
		loader_set_stub(ld, true);
		loader_discard_input(ld);
		int rc = loader_command_result(ld, PKT_SPI_FLASH_MD5, d, 16,
					       STUBCLIENT_PROBE_TIMEOUT_US, md5, 16, &e);
		loader_set_stub(ld, false);
		if (rc == ED_OK)
			return 0;
		/* the ROM's "01 05" (not a command it knows), read as a stub's failure */
		if (rc == ED_ERR_DEVICE && loader_last_rom_error(ld) == 0x01)
			return 1;
		if (loader_cancelled(ld))
			return loader_fail_cancelled(err, "the stub upload");
	}
	/* Code that runs silently (an upload damaged past the ROM's checksum) is not a noisy
	 * line: the probes it left unanswered do not count as garbled frames. */
	ld->anomalies = anomalies;
	return ed_fail(err, ED_ERR_TIMEOUT,
		       "the flasher stub did not say OHAI within %.1f s of starting, and neither "
		       "it nor the ROM loader answers on %s",
		       STUBCLIENT_OHAI_TIMEOUT_US / 1e6, loader_link(ld)->name);
}

/* MEM_END at the stub's entry, then its raw frame "OHAI". The ROM answers MEM_END and
 * then jumps, so the stub may run although that reply was lost or garbled on the wire,
 * and an OHAI may be lost as well: the OHAI alone proves the start, and without it (or
 * after a failure reply, which noise can fake) who_answers() decides. Returns ED_OK when
 * the stub runs, 1 when the ROM loader is still there (upload again), else an error. */
static int start_stub(struct loader *ld, uint32_t entry, struct ed_error *err)
{
	uint8_t d[8];
	put_le32(d, 0); /* 0: jump to the entry */
	put_le32(d + 4, entry);
	loader_discard_input(ld);
	int rc = loader_send(ld, PKT_MEM_END, d, 8, 0, err);
	if (rc < 0)
		return rc;
	uint64_t now = link_now_us(ld->link);
	uint64_t deadline = now + LOADER_DEFAULT_TIMEOUT_US + STUBCLIENT_OHAI_TIMEOUT_US;
	bool replied = false;
	for (;;) {
		const uint8_t *frame;
		size_t len;
		rc = loader_read_frame(ld, deadline, &frame, &len, err);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (!replied)
				loader_note_anomaly(ld, "no reply to MEM_END and no OHAI");
			break;
		}
		if (len == 4 && !memcmp(frame, "OHAI", 4)) {
			if (!replied)
				loader_note_anomaly(ld, "the OHAI without MEM_END's reply");
			return ED_OK;
		}
		struct pkt_response resp;
		if (!replied && pkt_parse_response(frame, len, 0, &resp) &&
		    resp.op == PKT_MEM_END) {
			if (resp.status != 0 || resp.error != 0) {
				/* "01 xx" is the ROM refusing; anything else a garbled reply */
				if (resp.status != 1 || !resp.error)
					loader_note_anomaly(ld, "a garbled reply to MEM_END");
				break;
			}
			/* the stub needs a few ms to say OHAI once the ROM has answered */
			replied = true;
			now = link_now_us(ld->link);
			if (deadline > now + STUBCLIENT_OHAI_TIMEOUT_US)
				deadline = now + STUBCLIENT_OHAI_TIMEOUT_US;
			continue;
		}
		loader_note_anomaly(ld, "a frame before the stub's OHAI");
	}
	rc = who_answers(ld, err);
	if (rc == 0)
		ed_log(loader_log(ld), ED_LOG_INFO,
		       "no OHAI from the flasher stub on %s (MEM_END's reply or the OHAI lost or "
		       "garbled on the wire), but the stub answers: going on",
		       loader_link(ld)->name);
	return rc;
}

bool stubclient_answers(struct loader *ld)
{
	if (loader_sync_value(ld) != UINT32_MAX)
		return loader_sync_value(ld) == 0;
	uint8_t d[16], md5[16];
	put_le32(d, 0);
	put_le32(d + 4, 16);
	put_le32(d + 8, 0);
	put_le32(d + 12, 0);
	struct ed_error e;
	loader_set_stub(ld, true);
	loader_discard_input(ld);
	int rc = loader_command_result(ld, PKT_SPI_FLASH_MD5, d, 16, STUBCLIENT_PROBE_TIMEOUT_US,
				       md5, 16, &e);
	loader_set_stub(ld, rc == ED_OK);
	loader_discard_input(ld);
	return rc == ED_OK;
}

/* Our STUB_OP_STRICT: from here on every request's header carries a checksum the stub
 * checks, so a parameter or opcode garbled on the wire (a READ_FLASH at another offset,
 * an ERASE_REGION elsewhere, a READ_FLASH turned into ERASE_FLASH) is refused, not run.
 * A stub without it (esptool's) answers 0xFF and the session goes on without. */
static int go_strict(struct loader *ld, struct ed_error *err)
{
	uint8_t d[4];
	put_le32(d, 1);
	int rc = ED_ERR_TIMEOUT;
	for (int attempt = 0; attempt < LOADER_WRITE_ATTEMPTS; attempt++) {
		if (attempt > 0)
			loader_discard_input(ld);
		/* checksummed already: a stub that was strict from an earlier session takes it */
		loader_set_strict(ld, true);
		rc = loader_command(ld, STUB_OP_STRICT, d, 4, 0, LOADER_DEFAULT_TIMEOUT_US, NULL,
				    err);
		if (rc == ED_OK)
			return ED_OK;
		loader_set_strict(ld, false);
		if (rc == ED_ERR_DEVICE && loader_last_rom_error(ld) == STUB_ERR_NOT_IMPLEMENTED)
			return ED_OK;
		if (rc != ED_ERR_TIMEOUT && rc != ED_ERR_PROTO && rc != ED_ERR_DEVICE)
			break;
	}
	ed_error_prefix(err, "turning on the stub's checked requests");
	return rc;
}

int stubclient_start(struct loader *ld, const struct stub_blob *blob,
		     const struct flasher_progress *progress, bool *reused, struct ed_error *err)
{
	*reused = false;
	if (stubclient_answers(ld)) {
		/* esptool's test: only a stub answers SYNC with 0. */
		loader_set_stub(ld, true);
		*reused = true;
		return go_strict(ld, err);
	}
	if (!blob)
		return ed_fail(err, ED_ERR_UNSUPPORTED,
			       "this espdeck was built without the flasher stub (no xtensa cross "
			       "compiler)");
	uint64_t total = 0, done = 0;
	for (size_t i = 0; i < blob->n_segments; i++)
		total += blob->segments[i].size;
	int rc = ED_OK;
	for (int attempt = 1;; attempt++) {
		done = 0;
		for (size_t i = 0; rc == ED_OK && i < blob->n_segments; i++)
			rc = upload_segment(ld, &blob->segments[i], &done, total, progress, err);
		if (rc == ED_OK)
			rc = start_stub(ld, blob->entry, err);
		if (rc != 1)
			break;
		/* The ROM loader still answers: MEM_END was lost or refused before the jump. */
		if (attempt == LOADER_WRITE_ATTEMPTS) {
			rc = ed_fail(err, ED_ERR_PROTO,
				     "the flasher stub did not start on %s: after %d uploads the "
				     "ROM loader still answers instead",
				     loader_link(ld)->name, attempt);
			break;
		}
		ld->stats.retries++;
		ed_log(loader_log(ld), ED_LOG_INFO,
		       "the flasher stub did not start on %s (the ROM loader still answers): "
		       "uploading it again",
		       loader_link(ld)->name);
		rc = ED_OK;
	}
	if (rc < 0)
		ed_error_prefix(err, "starting the flasher stub at 0x%08x", blob->entry);
	if (rc == ED_OK)
		loader_set_stub(ld, true);
	if (rc == ED_OK)
		rc = go_strict(ld, err);
	return rc;
}

int stubclient_end_strict(struct loader *ld, struct ed_error *err)
{
	uint8_t d[4];
	put_le32(d, 0);
	int rc = loader_command(ld, STUB_OP_STRICT, d, 4, 0, LOADER_DEFAULT_TIMEOUT_US, NULL, err);
	if (rc == ED_ERR_DEVICE && loader_last_rom_error(ld) == STUB_ERR_NOT_IMPLEMENTED)
		rc = ED_OK; /* a stub without checked requests (esptool's) */
	loader_set_strict(ld, false);
	if (rc < 0)
		ed_error_prefix(err, "turning off the stub's checked requests");
	return rc;
}

int stubclient_leave_to_rom(struct loader *ld, struct ed_error *err)
{
	int rc = loader_flash_begin(ld, 0, 0, STUBCLIENT_WRITE_BLOCK, 0, err);
	uint8_t d[4];
	put_le32(d, 0); /* 0 = reboot (esptool's flash_finish(reboot=True)) */
	if (rc == ED_OK)
		rc = loader_command(ld, PKT_FLASH_END, d, 4, 0, LOADER_DEFAULT_TIMEOUT_US, NULL,
				    err);
	if (rc < 0)
		ed_error_prefix(err, "leaving the flasher stub for the ROM loader");
	loader_set_stub(ld, false);
	return rc;
}

int stubclient_run_user_code(struct loader *ld, struct ed_error *err)
{
	return loader_send(ld, PKT_RUN_USER_CODE, NULL, 0, 0, err);
}

/* Lets time pass on the link's clock, dropping whatever arrives. */
static int idle(struct loader *ld, uint64_t us, struct ed_error *err)
{
	uint64_t deadline = link_now_us(ld->link) + us;
	for (;;) {
		const uint8_t *frame;
		size_t len;
		int rc = loader_read_frame(ld, deadline, &frame, &len, err);
		if (rc <= 0)
			return rc;
	}
}

static int answers(struct loader *ld, uint64_t timeout_us, struct ed_error *err)
{
	uint8_t d[4];
	put_le32(d, PKT_CHIP_MAGIC_ADDR);
	uint32_t v = 0;
	loader_discard_input(ld);
	int rc = loader_command(ld, PKT_READ_REG, d, 4, 0, timeout_us, &v, err);
	if (rc == ED_OK && v != PKT_ESP8266_MAGIC)
		rc = ed_fail(err, ED_ERR_PROTO, "READ_REG of the chip magic gave 0x%08x", v);
	return rc;
}

int stubclient_change_baud(struct loader *ld, uint32_t new_baud, uint32_t *used,
			   struct ed_error *err)
{
	struct link *l = ld->link;
	uint32_t old = l->baud;
	*used = old;
	if (new_baud == old)
		return ED_OK;
	struct ed_error probe;
	if (l->ops->set_baud(l, old, &probe) == ED_ERR_UNSUPPORTED) {
		/* TCP: the far end owns the line speed; nothing to change from here */
		ed_log(loader_log(ld), ED_LOG_DEBUG,
		       "%s cannot change its baud rate: staying at %u", l->name, old);
		return ED_OK;
	}
	uint8_t d[8];
	put_le32(d, new_baud);
	put_le32(d + 4, old);
	int rc =
	    loader_command(ld, PKT_CHANGE_BAUDRATE, d, 8, 0, LOADER_DEFAULT_TIMEOUT_US, NULL, err);
	if (rc == ED_ERR_DEVICE)
		return ED_OK; /* refused: the stub stays at the old rate */
	if (rc < 0 && rc != ED_ERR_TIMEOUT && rc != ED_ERR_PROTO)
		return rc;
	/* The stub switches 10 ms after its answer. */
	if ((rc = idle(ld, 20000, err)) < 0)
		return rc;
	if ((rc = l->ops->set_baud(l, new_baud, err)) < 0)
		return rc;
	struct ed_error e;
	if (answers(ld, 200000, &e) == ED_OK) {
		*used = new_baud;
		return ED_OK;
	}
	if (loader_cancelled(ld))
		return loader_fail_cancelled(err, "a baud rate change");
	loader_note_anomaly(ld, "no answer at the new baud rate");
	if ((rc = l->ops->set_baud(l, old, err)) < 0)
		return rc;
	if ((rc = idle(ld, STUBCLIENT_BAUD_REVERT_US, err)) < 0)
		return rc;
	rc = answers(ld, LOADER_DEFAULT_TIMEOUT_US, err);
	if (rc < 0)
		ed_error_prefix(err, "no answer at %u baud after changing to %u failed", old,
				new_baud);
	return rc;
}

int stubclient_flash_info(struct loader *ld, uint32_t *flash_id, uint32_t *status,
			  struct ed_error *err)
{
	uint8_t out[4 * STUB_INFO_WORDS];
	int rc = ED_ERR_TIMEOUT;
	for (int attempt = 0; attempt < LOADER_WRITE_ATTEMPTS; attempt++) {
		if (attempt > 0)
			loader_discard_input(ld);
		rc = loader_command_result(ld, STUB_OP_INFO, NULL, 0, LOADER_DEFAULT_TIMEOUT_US,
					   out, sizeof out, err);
		if (rc != ED_ERR_TIMEOUT && rc != ED_ERR_PROTO)
			break;
	}
	if (rc == ED_ERR_DEVICE && loader_last_rom_error(ld) == STUB_ERR_NOT_IMPLEMENTED)
		return ed_fail(err, ED_ERR_UNSUPPORTED,
			       "the stub on %s has no flash information command",
			       loader_link(ld)->name);
	if (rc < 0) {
		ed_error_prefix(err, "asking the stub for the flash id");
		return rc;
	}
	*flash_id = get_le32(out + 4 * STUB_INFO_FLASH_ID);
	if (status)
		*status = get_le32(out + 4 * STUB_INFO_FLASH_STATUS);
	return ED_OK;
}
