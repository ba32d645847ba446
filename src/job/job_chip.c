/* SPDX-License-Identifier: MIT
 * The job's whole-chip check (job.h chip_check, engine/chipmap.h): the MD5 map of every
 * sector before the first step and after the last, and the verdict on what changed
 * outside the job's files. */
#include "job/job_priv.h"

#include <stdlib.h>
#include <string.h>

#include "engine/chipmap.h"
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
	struct flasher_progress p = {progress_cb, job};
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
		struct flasher_progress p = {progress_cb, job};
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
