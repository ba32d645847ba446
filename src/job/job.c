/* SPDX-License-Identifier: MIT
 * Jobs: the worker thread, the event FIFO, the latest-progress slot and the wake fd
 * (design.md "Threading and events"). The steps themselves are in job_run.c. */
#include "job/job_priv.h"

#include "bootlog/bootlog.h"
#include "core/outfile.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *dup_or_null(const char *s, bool *ok)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*ok = false;
	return d;
}

static void free_copy(struct job *job)
{
	for (size_t i = 0; job->steps && i < job->spec.step_count; i++) {
		free((void *)job->steps[i].data);
		free((void *)job->steps[i].name);
		free((void *)job->steps[i].path);
	}
	free(job->steps);
	free(job->flash_md5);
	free((void *)job->spec.port);
	free((void *)job->spec.flash_mode);
	free((void *)job->spec.flash_size);
	free((void *)job->spec.flash_freq);
	free((void *)job->spec.trace_path);
	free((void *)job->spec.boot_expect);
	free((void *)job->spec.journal_path);
	free((void *)job->spec.preset_name);
	free((void *)job->spec.reset_sequence);
	free((void *)job->spec.slot);
	free((void *)job->spec.skip_mac);
}

static bool copy_spec(struct job *job, const struct job_spec *spec)
{
	bool ok = true;
	job->spec = *spec;
	job->spec.port = dup_or_null(spec->port, &ok);
	job->spec.flash_mode = dup_or_null(spec->flash_mode, &ok);
	job->spec.flash_size = dup_or_null(spec->flash_size, &ok);
	job->spec.flash_freq = dup_or_null(spec->flash_freq, &ok);
	job->spec.trace_path = dup_or_null(spec->trace_path, &ok);
	job->spec.boot_expect = dup_or_null(spec->boot_expect, &ok);
	job->spec.journal_path = dup_or_null(spec->journal_path, &ok);
	job->spec.preset_name = dup_or_null(spec->preset_name, &ok);
	job->spec.reset_sequence = dup_or_null(spec->reset_sequence, &ok);
	job->spec.slot = dup_or_null(spec->slot, &ok);
	job->spec.skip_mac = dup_or_null(spec->skip_mac, &ok);
	job->steps = calloc(spec->step_count ? spec->step_count : 1, sizeof *job->steps);
	job->flash_md5 = calloc(spec->step_count ? spec->step_count : 1, sizeof *job->flash_md5);
	if (!job->steps || !job->flash_md5)
		return false;
	for (size_t i = 0; i < spec->step_count; i++) {
		const struct job_step *s = &spec->steps[i];
		struct job_step *d = &job->steps[i];
		*d = *s;
		d->name = dup_or_null(s->name, &ok);
		d->path = dup_or_null(s->path, &ok);
		d->data = NULL;
		if (s->data && s->size) {
			uint8_t *copy = malloc(s->size);
			if (copy)
				memcpy(copy, s->data, s->size);
			else
				ok = false;
			d->data = copy;
		}
	}
	job->spec.steps = job->steps;
	return ok;
}

static void wake(struct job *job)
{
	if (!atomic_exchange(&job->wake_pending, true)) {
		ssize_t n;
		do
			n = write(job->wake_w, "!", 1);
		while (n < 0 && errno == EINTR);
	}
}

/* Appends a copy of ev to the FIFO (never drops unless memory runs out). */
static void job_push_ev(struct job *job, const struct job_event *src)
{
	pthread_mutex_lock(&job->mu);
	if (job->head > 0 && job->head == job->count)
		job->head = job->count = 0;
	if (job->count == job->cap) {
		size_t cap = job->cap ? job->cap * 2 : 16;
		struct job_event *ev = realloc(job->events, cap * sizeof *ev);
		if (!ev) { /* out of memory: the event is lost, the job goes on */
			pthread_mutex_unlock(&job->mu);
			return;
		}
		job->events = ev;
		job->cap = cap;
	}
	struct job_event *ev = &job->events[job->count++];
	*ev = *src;
	ev->sectors_total = job->sectors_total;
	ev->sectors_skipped = job->sectors_skipped;
	pthread_mutex_unlock(&job->mu);
	wake(job);
}

void job_push_event(struct job *job, enum job_event_kind kind, enum ed_log_level level, int result,
		    const char *fmt, ...)
{
	struct job_event ev;
	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.stage = job->stage;
	ev.step_index = job->step_index;
	ev.level = level;
	ev.result = result;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ev.text, sizeof ev.text, fmt, ap);
	va_end(ap);
	job_push_ev(job, &ev);
}

void job_push_bootlog(struct job *job, int kind, const char *text, const char *explain)
{
	job_push_event(job, JOB_EVENT_BOOTLOG, ED_LOG_INFO, 0, "%s", text);
	pthread_mutex_lock(&job->mu);
	/* The event just pushed is the last one; nobody else pushes from another thread. */
	if (job->count > 0 && job->events[job->count - 1].kind == JOB_EVENT_BOOTLOG) {
		job->events[job->count - 1].boot_kind = kind;
		snprintf(job->events[job->count - 1].explain, sizeof job->events[0].explain, "%s",
			 explain ? explain : "");
	}
	pthread_mutex_unlock(&job->mu);
}

void job_store_boot_verdict(struct job *job, enum job_boot_verdict v, const char *reason)
{
	pthread_mutex_lock(&job->mu);
	job->boot_verdict = v;
	snprintf(job->boot_reason, sizeof job->boot_reason, "%s", reason ? reason : "");
	pthread_mutex_unlock(&job->mu);
}

enum job_boot_verdict job_get_boot_verdict(struct job *job, char *reason, size_t cap)
{
	pthread_mutex_lock(&job->mu);
	enum job_boot_verdict v = job->boot_verdict;
	if (reason && cap)
		snprintf(reason, cap, "%s", job->boot_reason);
	pthread_mutex_unlock(&job->mu);
	return v;
}

const char *job_boot_verdict_name(enum job_boot_verdict v)
{
	switch (v) {
	case JOB_BOOT_BOOTED:
		return "booted";
	case JOB_BOOT_NOT_BOOTED:
		return "not booted";
	case JOB_BOOT_UNKNOWN:
		return "unknown";
	case JOB_BOOT_NOT_CHECKED:
		break;
	}
	return "not checked";
}

void job_set_stage(struct job *job, enum job_stage stage, size_t step_index, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&job->mu);
	if (stage != JOB_STAGE_VERIFY) /* a write's own verify keeps its counts */
		job->sectors_total = job->sectors_skipped = 0;
	job->stage = stage;
	job->step_index = step_index;
	job->step_start_us = job->link ? link_now_us(job->link) : ed_monotonic_us();
	job->progress = (struct job_progress){.stage = stage,
					      .step_index = step_index,
					      .step_count = job->spec.step_count,
					      .eta_s = -1,
					      .stub = job->stub_on,
					      .baud = job->line_baud,
					      .sectors_total = job->sectors_total,
					      .sectors_skipped = job->sectors_skipped};
	pthread_mutex_unlock(&job->mu);
	job_push_event(job, JOB_EVENT_STAGE, ED_LOG_INFO, 0, "%s", text);
}

void job_set_progress(struct job *job, uint64_t done, uint64_t total)
{
	uint64_t now = job->link ? link_now_us(job->link) : ed_monotonic_us();
	uint64_t elapsed = now - job->step_start_us;
	pthread_mutex_lock(&job->mu);
	struct job_progress *p = &job->progress;
	p->done = done;
	p->total = total;
	p->elapsed_us = elapsed;
	p->rate_bps = elapsed ? (double)done * 1e6 / (double)elapsed : 0;
	p->eta_s = p->rate_bps > 0 && total >= done ? (double)(total - done) / p->rate_bps : -1;
	pthread_mutex_unlock(&job->mu);
	wake(job);
}

void job_set_wire(struct job *job, uint64_t sent, uint64_t total)
{
	uint64_t now = job->link ? link_now_us(job->link) : ed_monotonic_us();
	uint64_t elapsed = now - job->step_start_us;
	pthread_mutex_lock(&job->mu);
	job->progress.wire_done = sent;
	job->progress.wire_total = total;
	job->progress.wire_rate_bps = elapsed ? (double)sent * 1e6 / (double)elapsed : 0;
	pthread_mutex_unlock(&job->mu);
	wake(job);
}

void job_set_sectors(struct job *job, uint32_t total, uint32_t skipped)
{
	pthread_mutex_lock(&job->mu);
	job->sectors_total = total;
	job->sectors_skipped = skipped;
	job->progress.sectors_total = total;
	job->progress.sectors_skipped = skipped;
	pthread_mutex_unlock(&job->mu);
	wake(job);
}

void job_set_engine(struct job *job, bool stub, uint32_t baud)
{
	pthread_mutex_lock(&job->mu);
	job->stub_on = stub;
	job->line_baud = baud;
	job->progress.stub = stub;
	job->progress.baud = baud;
	pthread_mutex_unlock(&job->mu);
	wake(job);
}

void job_push_file(struct job *job, size_t step_index, const struct job_file_result *file,
		   const char *fmt, ...)
{
	struct job_event ev = {.kind = JOB_EVENT_FILE,
			       .stage = job->stage,
			       .step_index = step_index,
			       .level = ED_LOG_INFO,
			       .file = *file};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ev.text, sizeof ev.text, fmt, ap);
	va_end(ap);
	if (step_index < job->spec.step_count)
		snprintf(job->flash_md5[step_index], sizeof job->flash_md5[step_index], "%s",
			 file->flash_md5);
	job_push_ev(job, &ev);
}

void job_store_info(struct job *job, const struct chip_info *info)
{
	pthread_mutex_lock(&job->mu);
	job->info = *info;
	job->have_info = true;
	pthread_mutex_unlock(&job->mu);
}

static void *worker(void *arg)
{
	struct job *job = arg;
	struct ed_error err;
	ed_error_clear(&err);
	int rc = job_run(job, &err);
	job->result = rc;
	job->err = err;
	job->stage = JOB_STAGE_DONE;
	job_push_event(job, JOB_EVENT_RESULT, rc == ED_OK ? ED_LOG_INFO : ED_LOG_ERROR, rc, "%s",
		       rc == ED_OK ? (err.msg[0] ? err.msg : "done") : err.msg);
	atomic_store(&job->finished, true);
	wake(job);
	return NULL;
}

int job_start(const struct job_spec *spec, struct job **out, struct ed_error *err)
{
	*out = NULL;
	/* Bad boot rules fail here, before anything touches the board. */
	struct bootlog_rules rules = {0};
	if (spec->boot_check && spec->boot_expect &&
	    bootlog_rules_add(&rules, spec->boot_expect, err) < 0) {
		ed_error_prefix(err, "boot check");
		return ED_ERR_ARG;
	}
	/* An output that cannot be written (a folder, a missing folder) fails before a read
	 * spends minutes on the board. */
	for (size_t i = 0; i < spec->step_count; i++)
		if (spec->steps[i].kind == JOB_STEP_READ && spec->steps[i].path &&
		    ed_output_check(spec->steps[i].path, err) < 0)
			return ED_ERR_ARG;
	struct job *job = calloc(1, sizeof *job);
	if (!job)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory starting a job");
	job->wake_r = job->wake_w = -1;
	pthread_mutex_init(&job->mu, NULL);
	atomic_init(&job->wake_pending, false);
	atomic_init(&job->cancel, false);
	atomic_init(&job->finished, false);
	if (!copy_spec(job, spec)) {
		job->joined = true;
		job_destroy(job);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory copying the job");
	}
	int fds[2];
	if (pipe(fds) != 0) {
		job->joined = true;
		job_destroy(job);
		return ed_fail(err, ED_ERR_IO, "cannot create the job's wake pipe: %s",
			       strerror(errno));
	}
	job->wake_r = fds[0];
	job->wake_w = fds[1];
	for (int i = 0; i < 2; i++) {
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	}
	/* Signals belong to the UI thread: block them all in the worker. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&job->thread, NULL, worker, job);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		job->joined = true;
		job_destroy(job);
		return ed_fail(err, ED_ERR_NOMEM, "cannot start the job's thread: %s",
			       strerror(rc));
	}
	*out = job;
	return ED_OK;
}

int job_wake_fd(const struct job *job)
{
	return job->wake_r;
}

void job_drain_wake(struct job *job)
{
	char buf[64];
	while (read(job->wake_r, buf, sizeof buf) > 0) {
	}
	/* Cleared before the caller takes events, so a later event wakes again. */
	atomic_store(&job->wake_pending, false);
}

bool job_next_event(struct job *job, struct job_event *ev)
{
	pthread_mutex_lock(&job->mu);
	bool any = job->head < job->count;
	if (any)
		*ev = job->events[job->head++];
	pthread_mutex_unlock(&job->mu);
	return any;
}

void job_get_progress(struct job *job, struct job_progress *p)
{
	pthread_mutex_lock(&job->mu);
	*p = job->progress;
	pthread_mutex_unlock(&job->mu);
}

int job_get_history(struct job *job, struct journal_history *out, struct ed_error *err)
{
	pthread_mutex_lock(&job->mu);
	int rc = job->history_rc;
	if (rc > 0)
		*out = job->history;
	else if (rc < 0)
		ed_fail(err, rc, "%s", job->history_err);
	pthread_mutex_unlock(&job->mu);
	return rc;
}

int job_get_skipped(struct job *job, char *reason, size_t cap)
{
	pthread_mutex_lock(&job->mu);
	int skipped = job->skipped;
	if (reason && cap)
		snprintf(reason, cap, "%s", skipped ? job->skip_reason : "");
	pthread_mutex_unlock(&job->mu);
	return skipped;
}

bool job_get_chip_info(struct job *job, struct chip_info *info)
{
	pthread_mutex_lock(&job->mu);
	bool have = job->have_info;
	if (have)
		*info = job->info;
	pthread_mutex_unlock(&job->mu);
	return have;
}

void job_cancel(struct job *job)
{
	atomic_store(&job->cancel, true);
}

bool job_is_finished(struct job *job)
{
	return atomic_load(&job->finished);
}

int job_wait(struct job *job, struct ed_error *err)
{
	if (!job->joined) {
		pthread_join(job->thread, NULL);
		job->joined = true;
	}
	if (err)
		*err = job->err;
	return job->result;
}

void job_destroy(struct job *job)
{
	if (!job)
		return;
	if (!job->joined)
		job_wait(job, NULL);
	if (job->wake_r >= 0)
		close(job->wake_r);
	if (job->wake_w >= 0)
		close(job->wake_w);
	free_copy(job);
	free(job->events);
	pthread_mutex_destroy(&job->mu);
	free(job);
}

const char *job_stage_name(enum job_stage stage)
{
	static const char *const names[] = {"queued", "connect", "detect",	"erase",
					    "write",  "verify",	 "read",	"reset",
					    "done",   "boot",	 "upload stub", "baud"};
	return (unsigned)stage < sizeof names / sizeof names[0] ? names[stage] : "?";
}
