/* SPDX-License-Identifier: MIT
 * The job's whole-chip check (job.h chip_check, engine/chipmap.h): the MD5 map of every
 * sector before the first step and after the last, and the verdict on what changed
 * outside the job's files. */
#include "job/job_priv.h"

#include <stdlib.h>
#include <string.h>

#include "engine/chipmap.h"
#include "engine/flasher.h"
#include "engine/stubclient.h"

#define MAX_ALLOWED 64

/* What the steps may change: written files, erased regions. false when they may change
 * everything (a chip erase): then there is nothing to check. */
static bool allowed_ranges(const struct job *job, struct flasher_range *out, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < job->spec.step_count; i++) {
		const struct job_step *s = &job->steps[i];
		if (s->kind == JOB_STEP_ERASE_CHIP)
			return false;
		if ((s->kind == JOB_STEP_WRITE || s->kind == JOB_STEP_ERASE_REGION) && s->size &&
		    *n < MAX_ALLOWED)
			out[(*n)++] = (struct flasher_range){s->offset, s->size};
	}
	return true;
}

static void progress_cb(void *user, uint64_t done, uint64_t total)
{
	job_set_progress(user, done, total);
}

int job_chip_before(struct job *job, struct loader *ld, uint32_t flash_size, struct chipmap *map,
		    bool *taken, struct ed_error *err)
{
	*taken = false;
	if (!job->spec.chip_check)
		return ED_OK;
	struct flasher_range allowed[MAX_ALLOWED];
	size_t n;
	if (!allowed_ranges(job, allowed, &n)) {
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0,
			       "Whole-chip check skipped: the job erases the whole flash");
		return ED_OK;
	}
	if (!loader_is_stub(ld) || !flash_size) {
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_WARN, 0,
			       "the whole-chip check needs the flasher stub and a detected flash "
			       "size: flash outside the files is not checked in this job");
		return ED_OK;
	}
	job_set_stage(job, JOB_STAGE_VERIFY, 0, "Mapping the whole flash by MD5 (%u sectors)",
		      flash_size / CHIPMAP_SECTOR);
	struct flasher_progress p = {progress_cb, job, NULL};
	uint64_t t0 = link_now_us(job->link);
	int rc = chipmap_take(ld, flash_size, allowed, n, &p, map, err);
	if (rc < 0) {
		chipmap_free(map);
		ed_error_prefix(err, "whole-chip check before the job (nothing was written)");
		return rc;
	}
	*taken = true;
	job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0,
		       "Mapped %u KiB of flash by per-sector MD5 in %.1f seconds",
		       flash_size / 1024, (double)(link_now_us(job->link) - t0) / 1e6);
	return ED_OK;
}

int job_chip_after(struct job *job, struct loader *ld, struct chipmap *before, int rc,
		   struct ed_error *err)
{
	if (rc == ED_ERR_CANCELLED || rc == ED_ERR_DISCONNECTED)
		return rc;
	struct flasher_range allowed[MAX_ALLOWED];
	size_t n;
	allowed_ranges(job, allowed, &n);
	struct ed_error merr;
	ed_error_clear(&merr);
	struct chipmap after = {0};
	int mrc = ED_ERR_PROTO;
	if (!ld || !loader_is_stub(ld))
		ed_fail(&merr, ED_ERR_PROTO, "the flasher stub no longer runs");
	else {
		job_set_stage(job, JOB_STAGE_VERIFY, job->spec.step_count,
			      "Checking the whole flash by MD5 (%u sectors)", before->sectors);
		struct flasher_progress p = {progress_cb, job, NULL};
		mrc = chipmap_take(ld, before->flash_size, allowed, n, &p, &after, &merr);
	}
	if (mrc < 0) {
		chipmap_free(&after);
		if (rc < 0) {
			ed_error_prefix(err, "flash outside the files not checked (%.200s)",
					merr.msg);
			return rc;
		}
		return ed_fail(err, ED_ERR_VERIFY,
			       "every file is written and proven, but the whole-chip check after "
			       "the job failed (%.300s): flash outside the files is not proven "
			       "unchanged; run the job again",
			       merr.msg);
	}
	char list[400];
	uint32_t changed = chipmap_compare(before, &after, allowed, n, list, sizeof list);
	chipmap_free(&after);
	if (!changed) {
		if (rc < 0) {
			ed_error_prefix(err,
					"nothing outside the files changed (whole-chip check)");
			return rc;
		}
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0,
			       "Whole-chip check: nothing outside the files changed (MD5 of every "
			       "sector before and after)");
		return ED_OK;
	}
	if (rc < 0) {
		ed_error_prefix(err,
				"flash OUTSIDE the job's files and regions changed in %u sector%s: "
				"%s (write what "
				"belongs there again)",
				changed, changed == 1 ? "" : "s", list);
		return rc;
	}
	return ed_fail(err, ED_ERR_VERIFY,
		       "every file is written and proven by MD5, but flash OUTSIDE the job's files "
		       "and regions "
		       "changed in %u sector%s: %s; a damaged frame wrote or erased there: write "
		       "what belongs in those sectors again (or erase_flash and write every file)",
		       changed, changed == 1 ? "" : "s", list);
}

/* The first sector from 0x0 on that no write step of the job rewrites: an erase from 0x0
 * that reached past the rewritten sectors always took it. */
static uint32_t first_kept_sector(const struct job *job)
{
	uint64_t at = 0;
	for (bool moved = true; moved;) {
		moved = false;
		for (size_t i = 0; i < job->spec.step_count; i++) {
			const struct job_step *s = &job->steps[i];
			uint64_t end = ((uint64_t)s->offset + s->size + 0xFFF) / 0x1000 * 0x1000;
			if (s->kind == JOB_STEP_WRITE && s->size && s->offset <= at && end > at) {
				at = end;
				moved = true;
			}
		}
	}
	return at > UINT32_MAX - 0x1000 ? UINT32_MAX : (uint32_t)at;
}

int job_attach_verdict(struct job *job, struct loader *ld, bool hazard, int rc,
		       struct ed_error *err)
{
	if (!(hazard || (ld && loader_attach_hazard(ld))) || rc == ED_ERR_CANCELLED)
		return rc;
	static const char what[] =
	    "flash from 0x000000 (the boot loader) may have been erased: the ROM's flash attach "
	    "(FLASH_BEGIN 0, 0, whose erase size has no checksum) went over a line that garbled "
	    "frames; check it with 'espdeck verify_flash 0x0 BOOTLOADER.bin' (or read_flash 0x0 "
	    "0x10000) "
	    "or write the boot loader again";
	if (rc < 0 || !ld) {
		ed_error_prefix(err, "%s", what);
		return rc;
	}
	/* An erase from 0x0 takes every sector up to its size: one byte that is not 0xFF in
	 * the first sector the job did not write itself proves it reached no further. */
	uint8_t head[64];
	struct ed_error e;
	ed_error_clear(&e);
	uint32_t probe = first_kept_sector(job);
	int prc = probe == UINT32_MAX  ? ED_ERR_VERIFY
		  : loader_is_stub(ld) ? stubflash_read(ld, probe, head, sizeof head, NULL, &e)
				       : flasher_read(ld, probe, head, sizeof head, NULL, &e);
	bool kept = false;
	for (size_t i = 0; prc == ED_OK && i < sizeof head; i++)
		kept |= head[i] != 0xFF;
	if (kept) {
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0,
			       "sector 0x%06x still holds data: no erase from 0x000000 reached it "
			       "(the line garbled frames while the ROM's flash attach was in use)",
			       probe);
		return ED_OK;
	}
	return ed_fail(err, ED_ERR_VERIFY, "the work is done and proven, but %s", what);
}
