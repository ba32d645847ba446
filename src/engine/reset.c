/* SPDX-License-Identifier: MIT
 * Getting into and out of the ROM loader: esptool's reset sequences written as data
 * (style.md §8), the SYNC handshake and the bounded connect loop (reference §2.3, §3). */
#include "engine/loader_priv.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "proto/packet.h"

/* esptool's sequences (reference §3.3) in its custom_reset_sequence notation.
 * UnixTight sets both lines in one ioctl; Classic re-writes DTR after each RTS change
 * (esptool's usbser workaround, harmless elsewhere). On POSIX esptool cycles through
 * UnixTight(0.05), UnixTight(0.55), Classic(0.05), Classic(0.55). */
static const char *const reset_sequences[] = {
    "U0,0|U1,1|U0,1|W0.1|U1,0|W0.05|U0,0|D0",
    "U0,0|U1,1|U0,1|W0.1|U1,0|W0.55|U0,0|D0",
    "D0|R1|D0|W0.1|D1|R0|D1|W0.05|D0",
    "D0|R1|D0|W0.1|D1|R0|D1|W0.55|D0",
};
#define HARD_RESET_SEQUENCE "R1|W0.1|R0"

/* Runs a sequence like "D0|R1|W0.1|D1|R0|W0.05|D0" on the link's modem lines. */
static int run_sequence(struct loader *ld, const char *seq, struct ed_error *err)
{
	struct link *l = ld->link;
	const char *p = seq;
	while (*p) {
		char step[16];
		size_t n = strcspn(p, "|");
		if (n == 0 || n >= sizeof step)
			return ed_fail(err, ED_ERR_ARG, "bad reset step in '%s'", seq);
		memcpy(step, p, n);
		step[n] = '\0';
		p += n + (p[n] == '|');
		int rc = ED_OK;
		switch (step[0]) {
		case 'D':
			rc = l->ops->set_lines(l, step[1] == '1', -1, err);
			break;
		case 'R':
			rc = l->ops->set_lines(l, -1, step[1] == '1', err);
			break;
		case 'U':
			rc = l->ops->set_lines(l, step[1] == '1', step[3] == '1', err);
			break;
		case 'W':
			link_sleep_us(l, (uint64_t)(strtod(step + 1, NULL) * 1e6));
			break;
		default:
			return ed_fail(err, ED_ERR_ARG, "bad reset step '%s'", step);
		}
		if (rc < 0 && rc != ED_ERR_UNSUPPORTED)
			return rc;
	}
	return ED_OK;
}

/* One SYNC: 1 = synced, 0 = no answer, < 0 = error (cancel, disconnect). */
static int sync_once(struct loader *ld, struct ed_error *err)
{
	uint8_t payload[36];
	pkt_sync_payload(payload);
	loader_discard_input(ld);
	int rc = loader_send(ld, PKT_SYNC, payload, sizeof payload, 0, err);
	if (rc < 0)
		return rc;
	/* esptool: the first reply within 0.1 s (§2.2). */
	uint32_t value = 0;
	rc = loader_wait_reply(ld, PKT_SYNC, LOADER_SYNC_TIMEOUT_US, &value, err);
	if (rc == ED_OK)
		ld->sync_value = value;
	if (rc == ED_ERR_TIMEOUT || rc == ED_ERR_DEVICE)
		return 0;
	if (rc < 0)
		return rc;
	/* The ROM answers eight times; take the other seven (or stop after a quiet spell) so
	 * none of them is mistaken for the reply to the next command. */
	for (int i = 0; i < 7; i++) {
		const uint8_t *frame;
		size_t len;
		rc = loader_read_frame(ld, link_now_us(ld->link) + 100000, &frame, &len, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			break;
	}
	return 1;
}

static const char *before_name(enum loader_before b)
{
	switch (b) {
	case LOADER_BEFORE_DEFAULT_RESET:
		return "default_reset";
	case LOADER_BEFORE_NO_RESET:
		return "no_reset";
	case LOADER_BEFORE_MANUAL:
		return "manual";
	case LOADER_BEFORE_NO_RESET_NO_SYNC:
		return "no_reset_no_sync";
	}
	return "?";
}

int loader_connect(struct loader *ld, enum loader_before before, struct ed_error *err)
{
	struct link *l = ld->link;
	if (before == LOADER_BEFORE_NO_RESET_NO_SYNC)
		return ED_OK;
	bool manual = before == LOADER_BEFORE_MANUAL;
	if (manual)
		ed_log(&ld->cfg.log, ED_LOG_WARN,
		       "manual reset: hold GPIO0 (FLASH/BOOT) low, tap RESET (or power-cycle), "
		       "then release GPIO0; espdeck keeps trying until cancelled");
	int attempts = ld->cfg.connect_attempts;
	uint32_t asked_baud = l->baud;
	bool forever = manual || attempts < 0;
	for (int attempt = 0; forever || attempt < attempts; attempt++) {
		/* The ROM locks onto the baud rate of the first SYNC (reference §1.1), so espdeck
		 * syncs at the requested rate directly. If that keeps failing, try esptool's
		 * 115200 for the later attempts: some bridges or boards do not lock higher. */
		if (attempt == 3 && l->baud > 115200) {
			struct ed_error e;
			if (l->ops->set_baud(l, 115200, &e) == ED_OK)
				ed_log(&ld->cfg.log, ED_LOG_WARN,
				       "no answer at %u baud; trying 115200 (the ROM loader cannot "
				       "change "
				       "speed later)",
				       asked_baud);
		}
		if (before == LOADER_BEFORE_DEFAULT_RESET && l->has_lines) {
			const char *seq = ld->cfg.reset_sequence ? ld->cfg.reset_sequence
								 : reset_sequences[attempt % 4];
			int rc = run_sequence(ld, seq, err);
			if (rc < 0)
				return rc;
		}
		/* Whatever the ROM printed after the reset (boot log at 74880 baud) is noise. */
		loader_discard_input(ld);
		for (int tries = 0; tries < 5; tries++) {
			int rc = sync_once(ld, err);
			if (rc < 0)
				return rc;
			if (rc == 1) {
				ed_log(&ld->cfg.log, ED_LOG_DEBUG, "synced on attempt %d",
				       attempt + 1);
				ed_error_clear(err);
				return ED_OK;
			}
			/* esptool sleeps 50 ms between SYNC tries. */
			link_sleep_us(l, 50000);
			if (loader_cancelled(ld))
				return loader_fail_cancelled(err, "connecting");
		}
		if (!forever)
			ed_log(&ld->cfg.log, ED_LOG_INFO, "no SYNC reply on attempt %d",
			       attempt + 1);
		else if (!manual && attempt % 10 == 9)
			ed_log(&ld->cfg.log, ED_LOG_INFO,
			       "still no SYNC reply after %d attempts (--connect-attempts 0 tries "
			       "until Ctrl-C)",
			       attempt + 1);
		else if (attempt % 10 == 9) /* about every 8 s: still waiting, not stuck */
			ed_log(&ld->cfg.log, ED_LOG_INFO,
			       "still no SYNC reply: waiting for GPIO0 low and a RESET tap "
			       "(Ctrl-C to stop)");
	}
	const char *hint =
	    before == LOADER_BEFORE_DEFAULT_RESET && l->has_lines
		? "is GPIO0 held low during reset (FLASH/BOOT button), is the USB bridge "
		  "wired for auto-reset, and is the baud rate right? Try --before manual"
	    : before == LOADER_BEFORE_DEFAULT_RESET
		? "this link carries no DTR/RTS, so put the board into download mode by hand "
		  "(GPIO0 low, tap RESET)"
		: "put the board into download mode (GPIO0 low, tap RESET) or use "
		  "--before default_reset";
	if (l->baud != asked_baud)
		return ed_fail(err, ED_ERR_TIMEOUT,
			       "no reply to SYNC after %d attempts on %s at %u and 115200 baud "
			       "(--before %s): %s",
			       attempts, l->name, asked_baud, before_name(before), hint);
	return ed_fail(err, ED_ERR_TIMEOUT,
		       "no reply to SYNC after %d attempts on %s at %u baud (--before %s): %s",
		       attempts, l->name, l->baud, before_name(before), hint);
}

int loader_finish(struct loader *ld, enum loader_after after, struct ed_error *err)
{
	switch (after) {
	case LOADER_AFTER_NO_RESET:
		return ED_OK;
	case LOADER_AFTER_HARD_RESET:
		/* GPIO0 is released, so the board boots from flash (rst cause 2). */
		if (!ld->link->has_lines) {
			ed_log(&ld->cfg.log, ED_LOG_WARN,
			       "%s carries no RTS line: press RESET to start the new firmware",
			       ld->link->name);
			return ED_OK;
		}
		return run_sequence(ld, HARD_RESET_SEQUENCE, err);
	case LOADER_AFTER_SOFT_RESET: {
		/* ROM: FLASH_BEGIN(0,0) then FLASH_END(1) leaves the loader and boots (§3.4). */
		int rc = loader_flash_begin(ld, 0, 0, PKT_ROM_FLASH_BLOCK, 0, err);
		if (rc < 0)
			return rc;
		uint8_t d[4];
		put_le32(d, 1);
		rc = loader_command(ld, PKT_FLASH_END, d, 4, 0, LOADER_DEFAULT_TIMEOUT_US, NULL,
				    err);
		if (rc == ED_ERR_TIMEOUT) /* the ROM may be gone before its reply is out */
			rc = ED_OK;
		return rc;
	}
	}
	return ED_OK;
}
