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

/* Whether a write step of the job rewrites the sector at sector index i (so data there now
 * says nothing about an erase before the step). */
static bool rewritten(const struct job *job, uint32_t i)
{
	uint64_t at = (uint64_t)i * 0x1000;
	for (size_t k = 0; k < job->spec.step_count; k++) {
		const struct job_step *s = &job->steps[k];
		uint64_t lo = s->offset / 0x1000 * 0x1000, hi = (uint64_t)s->offset + s->size;
		if (s->kind == JOB_STEP_WRITE && s->size && lo <= at && at < hi)
			return true;
	}
	return false;
}

/* How many sectors from 0x0 an attach FLASH_BEGIN(2^k, 0) erases, for every k the ROM takes
 * (offset + size up to its flash size, 4 MB unless told more): x = ceil(2^k / 4 KiB)
 * sectors asked, x + min(16, x) with the ROM's erase bug (reference §6.1), x without it,
 * so the proof holds for either. Sorted, unique; returns the count. */
static size_t attach_extents(uint32_t rom_limit, uint32_t out[64])
{
	size_t n = 0;
	for (unsigned k = 0; k < 32 && (1ull << k) <= rom_limit; k++) {
		uint32_t x = (uint32_t)(((1ull << k) + 0xFFF) / 0x1000);
		uint32_t both[2] = {x, x + (x < 16 ? x : 16)};
		for (int j = 0; j < 2; j++) {
			size_t at = 0;
			while (at < n && out[at] < both[j])
				at++;
			if (at < n && out[at] == both[j])
				continue;
			memmove(out + at + 1, out + at, (n - at) * sizeof *out);
			out[at] = both[j];
			n++;
		}
	}
	return n;
}

/* Reads 64 bytes at the start of sector i: 1 = holds data (a byte that is not 0xFF), 0 = reads
 * as erased, < 0 = error. */
static int sector_holds_data(struct loader *ld, uint32_t i, struct ed_error *err)
{
	uint8_t head[64];
	int rc = loader_is_stub(ld) ? stubflash_read(ld, i * 0x1000, head, sizeof head, NULL, err)
				    : flasher_read(ld, i * 0x1000, head, sizeof head, NULL, err);
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < sizeof head; k++)
		if (head[k] != 0xFF)
			return 1;
	return 0;
}

/* Bounds an erase from 0x0 by the attach: it is contiguous from sector 0 and ends at one of
 * the extents of attach_extents(), so a sector that the job did not rewrite and that still
 * holds data rules out every extent that reaches it. Probes the first sector the job did
 * not rewrite, then, for each extent past it, the last sector below the extent's end that
 * the job did not rewrite. *from and *to get the sectors [from, to) that may have been
 * erased (to = the chip's sector count when every probe read as erased); ED_OK with
 * *from == *to when nothing outside the job's files can have been erased. */
static int bound_attach_erase(struct job *job, struct loader *ld, uint32_t chip_sectors,
			      uint32_t *from, uint32_t *to, struct ed_error *err)
{
	uint32_t first = 0;
	while (first < chip_sectors && rewritten(job, first))
		first++;
	*from = *to = first;
	if (first == chip_sectors)
		return ED_OK;
	int rc = sector_holds_data(ld, first, err);
	if (rc != 0)
		return rc < 0 ? rc : ED_OK;
	uint32_t ext[64], probed = first, possible = first + 1;
	size_t n = attach_extents(
	    chip_sectors * 0x1000u > (4u << 20) ? chip_sectors * 0x1000u : 4u << 20, ext);
	for (size_t k = 0; k < n; k++) {
		uint32_t end = ext[k] > chip_sectors ? chip_sectors : ext[k];
		uint32_t p = end;
		while (p > probed + 1 && rewritten(job, p - 1))
			p--;
		if (p <= probed + 1) {
			possible = end > possible ? end : possible;
			continue; /* nothing new to probe below this end */
		}
		probed = --p;
		if ((rc = sector_holds_data(ld, p, err)) < 0)
			return rc;
		if (rc == 1) {
			*to = possible; /* this extent and every longer one are ruled out */
			return ED_OK;
		}
		possible = end > possible ? end : possible;
	}
	*to = chip_sectors;
	return ED_OK;
}

int job_attach_verdict(struct job *job, struct loader *ld, bool hazard, int rc,
		       struct ed_error *err)
{
	if (!(hazard || (ld && loader_attach_hazard(ld))) || rc == ED_ERR_CANCELLED)
		return rc;
	for (size_t i = 0; i < job->spec.step_count; i++)
		if (job->steps[i].kind == JOB_STEP_ERASE_CHIP)
			return rc; /* the job erased everything itself */
	uint32_t chip = job->have_info && job->info.flash_size ? job->info.flash_size : 4u << 20;
	char why[96];
	if (ld && loader_attach_late_us(ld))
		snprintf(why, sizeof why,
			 "answered %.1f ms later than a register read, as after an erase",
			 (double)loader_attach_late_us(ld) / 1000.0);
	else
		snprintf(why, sizeof why, "went over a line that garbled frames");
	uint32_t from = 0, to = chip / 0x1000;
	struct ed_error e;
	ed_error_clear(&e);
	int prc = ED_ERR_DISCONNECTED;
	if (ld && rc != ED_ERR_DISCONNECTED)
		prc = bound_attach_erase(job, ld, chip / 0x1000, &from, &to, &e);
	if (prc != ED_OK)
		to = chip / 0x1000; /* unbounded: from the first sector the job did not write */
	if (prc == ED_OK && from == to) {
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0,
			       "the ROM's flash attach %s, but sector 0x%06x still holds data: no "
			       "erase from 0x000000 reached past what the job wrote",
			       why, from * 0x1000);
		return rc;
	}
	char what[1024], unbounded[300] = "";
	if (prc != ED_OK)
		snprintf(unbounded, sizeof unbounded, " (reading flash to bound it failed: %.200s)",
			 e.msg[0] ? e.msg : "no connection");
	snprintf(what, sizeof what,
		 "flash 0x%06x..0x%06x may have been erased%s: the ROM's flash attach "
		 "(FLASH_BEGIN 0, 0, whose erase size has no checksum) %s. Sectors there that "
		 "held data and now read as 0xFF were erased; check with 'espdeck read_flash "
		 "0x%06x 0x%x FILE' (or verify_flash each file that belongs there) or write "
		 "what belongs there again%s",
		 from * 0x1000, to * 0x1000 - 1, unbounded, why, from * 0x1000,
		 (to - from) * 0x1000, from == 0 ? ", starting with the boot loader" : "");
	if (rc < 0) {
		ed_error_prefix(err, "%s", what);
		return rc;
	}
	return ed_fail(err, ED_ERR_VERIFY, "the work is done and proven, but %s", what);
}
