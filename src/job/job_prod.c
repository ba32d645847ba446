/* SPDX-License-Identifier: MIT
 * The production bench's part of a job (issue 7): the boot check after a hard reset and
 * the one journal line per board per job. Called by job_run.c in that order. */
#include "job/job_priv.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bootlog/listen.h"
#include "core/md5.h"
#include "core/util.h"
#include "journal/journal.h"

/* 3 s covers the ROM's log (about 0.1 s at 74880 baud) and boot_v1.x's banner with room
 * for a slow application line; the preset can say otherwise (boot_time_ms). */
#define BOOT_LISTEN_DEFAULT_MS 3000u

static void on_line(void *user, const struct bootlog_line *line)
{
	if (line->kind == BOOTLOG_BLANK)
		return;
	job_push_bootlog(user, (int)line->kind, line->text, line->explain);
}

struct boot_stop {
	struct job *job;
	const struct bootlog_rules *rules;
	bool wants_text; /* a "text" rule needs the application's lines: listen to the end */
};

/* Ends the capture early once the outcome cannot change: the ROM gave up, or the rules
 * already hold (unless they wait for application text). */
static bool boot_stop(void *user, const struct bootlog_facts *f)
{
	struct boot_stop *s = user;
	if (atomic_load(&s->job->cancel))
		return true;
	if (f->rom_stopped || f->flash_read_err)
		return true;
	if (s->wants_text || f->banners == 0)
		return false;
	/* A jump (or, without a boot loader, a good checksum) ends the boot log proper. */
	if (f->jump_user <= 0 && !(s->rules->count == 0 && f->csum_state == BOOTLOG_CSUM_OK))
		return false;
	return bootlog_judge(f, s->rules, NULL, 0) == BOOTLOG_BOOTED;
}

static int boot_check(struct job *job, struct ed_error *err)
{
	struct bootlog_rules rules = {0};
	if (job->spec.boot_expect && bootlog_rules_add(&rules, job->spec.boot_expect, err) < 0) {
		ed_error_prefix(err, "boot check");
		return ED_ERR_ARG;
	}
	uint32_t ms = job->spec.boot_listen_ms ? job->spec.boot_listen_ms : BOOT_LISTEN_DEFAULT_MS;
	job_set_stage(job, JOB_STAGE_BOOT, job->spec.step_count,
		      "Listening to the boot log at 74880 baud for %.1f s", ms / 1000.0);
	struct bootlog *log = NULL;
	int rc = bootlog_create(&log, on_line, job, err);
	if (rc < 0)
		return rc;
	struct boot_stop st = {job, &rules, false};
	for (size_t i = 0; i < rules.count; i++)
		st.wants_text |= rules.rule[i].kind == BOOTLOG_RULE_TEXT;
	struct bootlog_listen_options o = BOOTLOG_LISTEN_DEFAULT;
	o.app_baud = job->spec.boot_app_baud ? job->spec.boot_app_baud : 115200;
	o.duration_us = (uint64_t)ms * 1000;
	o.stop = boot_stop;
	o.user = &st;
	rc = bootlog_listen(job->link, log, &o, err);
	if (rc == ED_OK && atomic_load(&job->cancel))
		rc = ed_fail(err, ED_ERR_CANCELLED, "cancelled while listening to the boot log");
	const struct bootlog_facts *f = bootlog_facts(log);
	char reason[400];
	enum bootlog_verdict v = bootlog_judge(f, &rules, reason, sizeof reason);
	enum job_boot_verdict jv = v == BOOTLOG_BOOTED	     ? JOB_BOOT_BOOTED
				   : v == BOOTLOG_NOT_BOOTED ? JOB_BOOT_NOT_BOOTED
							     : JOB_BOOT_UNKNOWN;
	if (f->total_bytes == 0) {
		jv = JOB_BOOT_UNKNOWN;
		snprintf(
		    reason, sizeof reason,
		    "the board printed nothing within %.1f s of the reset (is it reset by RTS? "
		    "check the wiring, or raise boot_time_ms)",
		    ms / 1000.0);
	}
	if (rc == ED_OK) {
		job_store_boot_verdict(job, jv, reason);
		if (jv == JOB_BOOT_BOOTED)
			job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0,
				       "Boot check: booted (%s)", reason);
		else
			rc = ed_fail(err, ED_ERR_DEVICE, "boot check: %s within %.1f s: %s",
				     jv == JOB_BOOT_NOT_BOOTED ? "not booted" : "no verdict",
				     ms / 1000.0, reason);
	}
	bootlog_destroy(log);
	return rc;
}

/* The ROM prints its log the moment EN is released, so the line runs at 74880 baud before
 * the reset (a reset at the loader's baud would turn the first lines into garbage). */
int job_reset_and_boot_check(struct job *job, struct ed_error *err)
{
	struct link *l = job->link;
	if (l->ops->set_baud) {
		struct ed_error e;
		int rc = l->ops->set_baud(l, 74880, &e);
		if (rc < 0 && rc != ED_ERR_UNSUPPORTED) {
			*err = e;
			return rc;
		}
	}
	int rc = bootlog_hard_reset(l, err);
	if (rc == ED_ERR_UNSUPPORTED) {
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_WARN, 0,
			       "%s: press RESET on the board now to check its boot", err->msg);
		ed_error_clear(err);
	} else if (rc < 0) {
		return rc;
	}
	return boot_check(job, err);
}

static const char *result_word(int rc)
{
	return rc == ED_OK ? "ok" : rc == ED_ERR_CANCELLED ? "cancelled" : "failed";
}

void job_write_journal(struct job *job, int rc, const struct ed_error *jerr, double duration_s)
{
	if (!job->spec.journal_path)
		return;
	size_t n = 0;
	for (size_t i = 0; i < job->spec.step_count; i++)
		n += job->steps[i].kind == JOB_STEP_WRITE;
	struct journal_file *files = calloc(n ? n : 1, sizeof *files);
	if (!files) {
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_WARN, 0,
			       "out of memory: no journal line for this board");
		return;
	}
	n = 0;
	for (size_t i = 0; i < job->spec.step_count; i++) {
		const struct job_step *s = &job->steps[i];
		if (s->kind != JOB_STEP_WRITE)
			continue;
		files[n].name = s->name ? ed_basename(s->name) : "data";
		md5_buffer_hex(s->data ? s->data : (const uint8_t *)"", s->data ? s->size : 0,
			       files[n].md5);
		snprintf(files[n].board_md5, sizeof files[n].board_md5, "%s", job->flash_md5[i]);
		n++;
	}
	struct chip_info info;
	char mac[18] = "", flash_id[16] = "";
	bool have = job_get_chip_info(job, &info);
	if (have) {
		snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", info.mac[0], info.mac[1],
			 info.mac[2], info.mac[3], info.mac[4], info.mac[5]);
		snprintf(flash_id, sizeof flash_id, "0x%06x", (unsigned)info.flash_id);
	}
	struct journal_record rec = {
	    .port = job->spec.port,
	    .chip = have ? info.name : "",
	    .mac = mac,
	    .flash_id = flash_id,
	    .preset = job->spec.preset_name,
	    .files = files,
	    .file_count = n,
	    .result = result_word(rc),
	    .duration_s = duration_s,
	    .error = rc == ED_OK ? "" : jerr->msg,
	    .slot = job->spec.slot,
	};
	struct ed_error e;
	ed_error_clear(&e);
	if (journal_append(job->spec.journal_path, &rec, &e) < 0)
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_WARN, 0, "journal: %s", e.msg);
	free(files);
}

void job_lookup_history(struct job *job, const struct chip_info *info)
{
	if (!job->spec.journal_path)
		return;
	char mac[18];
	const uint8_t *m = info->mac;
	snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
	struct journal_history h;
	struct ed_error err = {0};
	int rc = journal_lookup_mac(job->spec.journal_path, mac, &h, &err);
	pthread_mutex_lock(&job->mu);
	job->history_rc = rc < 0 ? rc : 1;
	if (rc < 0)
		snprintf(job->history_err, sizeof job->history_err, "%.250s", err.msg);
	else
		job->history = h;
	pthread_mutex_unlock(&job->mu);
}

/* The files column this job would write (names and MD5s of its write steps). */
static char *files_text(const struct job *job)
{
	size_t n = 0;
	for (size_t i = 0; i < job->spec.step_count; i++)
		n += job->steps[i].kind == JOB_STEP_WRITE;
	struct journal_file *files = calloc(n ? n : 1, sizeof *files);
	size_t cap = 64 * n + 512;
	char *text = malloc(cap);
	if (!files || !text) {
		free(files);
		free(text);
		return NULL;
	}
	n = 0;
	for (size_t i = 0; i < job->spec.step_count; i++) {
		const struct job_step *s = &job->steps[i];
		if (s->kind != JOB_STEP_WRITE)
			continue;
		files[n].name = s->name ? ed_basename(s->name) : "data";
		md5_buffer_hex(s->data ? s->data : (const uint8_t *)"", s->data ? s->size : 0,
			       files[n].md5);
		n++;
	}
	size_t names = 0;
	for (size_t i = 0; i < n; i++)
		names += strlen(files[i].name);
	char *bigger = realloc(text, cap + names);
	if (bigger) {
		text = bigger;
		journal_files_text(files, n, text, cap + names);
	} else {
		free(text);
		text = NULL;
	}
	free(files);
	return text;
}

static void skip_because(struct job *job, int why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void skip_because(struct job *job, int why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&job->mu);
	job->skipped = why;
	vsnprintf(job->skip_reason, sizeof job->skip_reason, fmt, ap);
	pthread_mutex_unlock(&job->mu);
	va_end(ap);
}

bool job_check_skip(struct job *job, const struct chip_info *info)
{
	char mac[18];
	const uint8_t *m = info->mac;
	snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
	char want[13], have[13];
	if (job->spec.skip_mac && journal_mac_normalize(job->spec.skip_mac, want) &&
	    journal_mac_normalize(mac, have) && !strcmp(want, have)) {
		skip_because(job, 2, "board %s is still in its slot: not written again", mac);
		return true;
	}
	if (!job->spec.skip_written || !job->spec.journal_path)
		return false;
	char *text = files_text(job);
	if (!text) {
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_WARN, 0,
			       "out of memory: cannot look the board up in the journal");
		return false;
	}
	struct journal_entry *e = malloc(sizeof *e);
	struct ed_error err = {0};
	int rc = e ? journal_find_written(job->spec.journal_path, mac, text, e, &err) : 0;
	if (rc < 0)
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_WARN, 0,
			       "journal: %s (cannot tell whether board %s was written before)",
			       err.msg, mac);
	if (rc > 0)
		skip_because(job, 1,
			     "skipped: board %s already has these files (written %s%s%.250s); "
			     "--rewrite writes it again",
			     mac, e->time, e->slot[0] || e->port[0] ? " at " : "",
			     e->slot[0] ? e->slot : e->port);
	free(e);
	free(text);
	return rc > 0;
}
