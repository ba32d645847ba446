/* SPDX-License-Identifier: MIT
 * A job's state, shared by job.c (thread, events, wake fd) and job_run.c (the steps). */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "job/job.h"
#include "journal/journal.h"
#include "link/link.h"

struct job {
	struct job_spec spec; /* deep copy: steps, data and strings owned here */
	struct job_step *steps;
	pthread_t thread;
	bool joined;
	pthread_mutex_t mu;	  /* guards events, progress, info */
	struct job_event *events; /* FIFO: events[head..count) pending */
	size_t head, count, cap;
	struct job_progress progress;
	uint32_t sectors_total, sectors_skipped; /* the current write step's (job_set_sectors) */
	bool have_info;
	struct chip_info info;
	int wake_r, wake_w;
	atomic_bool wake_pending;
	atomic_bool cancel;
	atomic_bool finished;
	int result;
	struct ed_error err;
	int history_rc; /* under mu: 1 looked up, 0 not, < 0 journal error */
	struct journal_history history;
	char history_err[256];
	int skipped; /* under mu: job_get_skipped() */
	char skip_reason[600];
	enum job_boot_verdict boot_verdict; /* under mu */
	char boot_reason[512];
	/* worker only */
	struct link *link;
	FILE *trace;
	uint64_t step_start_us;
	enum job_stage stage;
	size_t step_index;
	bool stub_on;	       /* under mu: copied into every progress snapshot */
	uint32_t line_baud;    /* likewise */
	char (*flash_md5)[33]; /* per step: the MD5 the board reported ("" none) */
};

/* Worker side (job.c). */
void job_push_event(struct job *job, enum job_event_kind kind, enum ed_log_level level, int result,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void job_set_stage(struct job *job, enum job_stage stage, size_t step_index, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void job_set_progress(struct job *job, uint64_t done, uint64_t total);
/* The bytes on the wire of a stub write so far (compressed), beside job_set_progress(). */
void job_set_wire(struct job *job, uint64_t sent, uint64_t total);
/* The engine under the job changed: the stub runs (or not), the line's rate. */
void job_set_engine(struct job *job, bool stub, uint32_t baud);
/* A write step's data is proven on the flash: the FILE event (and the journal's MD5). */
void job_push_file(struct job *job, size_t step_index, const struct job_file_result *file,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The current write step's sector counts (struct job_progress). */
void job_set_sectors(struct job *job, uint32_t total, uint32_t skipped);
void job_store_info(struct job *job, const struct chip_info *info);
void job_push_bootlog(struct job *job, int kind, const char *text, const char *explain);
void job_store_boot_verdict(struct job *job, enum job_boot_verdict v, const char *reason);

/* Production bench (job_prod.c): the boot check on job->link after the hard reset, and
 * the journal line at the very end of the job. */
int job_reset_and_boot_check(struct job *job, struct ed_error *err);
void job_write_journal(struct job *job, int rc, const struct ed_error *err, double duration_s);
/* Right after DETECT: what the journal knows of the board's MAC, before this job's own
 * line exists (so a fast job cannot find itself). No-op without a journal. */
void job_lookup_history(struct job *job, const struct chip_info *info);

/* Right after DETECT: the station's guards (spec.skip_written, skip_mac). Returns true
 * (and records why) when the board must not be written. */
bool job_check_skip(struct job *job, const struct chip_info *info);
/* The whole-chip check (job_chip.c, job.h chip_check): the map before the first step
 * (*taken says whether one was taken: the check is on, the stub runs, the job does not erase
 * the whole chip), and after the last step the verdict folded into rc/err: a change outside
 * the files fails a job that was fine and is named in the error of one that failed. */
struct chipmap;
struct loader;
int job_chip_before(struct job *job, struct loader *ld, uint32_t flash_size, struct chipmap *map,
		    bool *taken, struct ed_error *err);
int job_chip_after(struct job *job, struct loader *ld, struct chipmap *before, int rc,
		   struct ed_error *err);
/* After the steps: when the loader's flash attach met an anomaly (loader_attach_hazard(), or
 * hazard: an earlier loader of the job's did, before a reconnect)
 * a failed job's error names the flash from 0x000000 that may be erased, and a job that
 * went well must prove sector 0 was not erased (a byte that is not 0xFF) or fail. */
int job_attach_verdict(struct job *job, struct loader *ld, bool hazard, int rc,
		       struct ed_error *err);

/* The worker's body (job_run.c): runs every step, returns the result. */
int job_run(struct job *job, struct ed_error *err);
