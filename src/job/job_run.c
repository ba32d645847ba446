/* SPDX-License-Identifier: MIT
 * The worker's body: open the link, connect, detect, run every step, leave the board.
 * Messages follow esptool's wording where a user would compare them. */
#include "job/job_priv.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/flash_params.h"
#include "core/outfile.h"
#include "core/util.h"
#include "engine/chipmap.h"
#include "engine/flasher.h"
#include "engine/spiflash.h"
#include "engine/stubclient.h"
#include "image/image.h"
#include "link/baudmem.h"

struct run {
	struct job *job;
	struct loader *ld;
	struct link_options lo;
	struct loader_config cfg;
	bool reconnected; /* the one reconnect-and-resume was used */
	size_t written;	  /* write steps whose data is completely on the flash (step index + 1
			    * of the last one): a drop during --verify leaves it written */
	uint8_t preserved[4096]; /* the sector --erase-strategy preserve keeps, saved once */
	bool preserved_saved;
	struct chip_info info;
	uint32_t flash_size;  /* bounds for steps: detected, else 16 MB */
	char stub_proof[256]; /* the last stub write's proof for its summary line */
	struct {
		unsigned files;			   /* write steps done */
		uint64_t bytes;			   /* their sizes */
		double seconds;			   /* their erase + write (+ verify) time */
		unsigned md5, read_back, checksum; /* how each was proven */
	} wrote;				   /* for the summary line of a multi-file write */
	bool diff_warned;			   /* "--diff needs the stub" said once */
	uint32_t flash_status; /* status-1 | status-2 << 8 as the stub read it */
	bool unlock_said;
	bool rom_unlock_checked; /* ROM mode: the status was checked for protection */
	bool fell_back;		 /* the stub did not start: ROM mode after a reset */
	uint64_t anomalies0;	 /* the loader's anomalies once connected */
	bool attach_hazard;	 /* a loader destroyed by the reconnect met one (loader.h) */
	uint64_t rom_noise;	 /* anomalies that may have changed flash outside the files: SPI
			       * register access to a stub without STUB_OP_INFO, or the ROM phase
			       * of a ROM loader left from an earlier session (detect's SPI
			       * register commands: one damaged in the right bits erases or
			       * programs flash, which the stub's MD5 checks do not cover) */
};

static const enum loader_before before_map[] = {
    [JOB_BEFORE_DEFAULT_RESET] = LOADER_BEFORE_DEFAULT_RESET,
    [JOB_BEFORE_NO_RESET] = LOADER_BEFORE_NO_RESET,
    [JOB_BEFORE_MANUAL] = LOADER_BEFORE_MANUAL,
    [JOB_BEFORE_NO_RESET_NO_SYNC] = LOADER_BEFORE_NO_RESET_NO_SYNC,
};

static void log_sink(void *user, enum ed_log_level level, const char *line)
{
	job_push_event(user, JOB_EVENT_LOG, level, 0, "%s", line);
}

static void trace_sink(void *user, enum ed_log_level level, const char *line)
{
	struct job *job = user;
	double t = (double)(job->link ? link_now_us(job->link) : ed_monotonic_us()) / 1e6;
	if (job->trace != stderr)
		fprintf(job->trace, "%.6f %s\n", t, line);
	else if (job->spec.trace_names_port)
		fprintf(stderr, "TRACE [%s] %.6f %s\n", job->spec.port, t, line);
	else
		fprintf(stderr, "TRACE %.6f %s\n", t, line); /* esptool's word for its trace */
}

static void progress_cb(void *user, uint64_t done, uint64_t total)
{
	job_set_progress(user, done, total);
}

static void wire_cb(void *user, uint64_t sent, uint64_t total)
{
	job_set_wire(user, sent, total);
}

static int check_range(struct run *r, const char *what, uint32_t offset, uint32_t size,
		       struct ed_error *err)
{
	if ((uint64_t)offset + size > r->flash_size)
		return ed_fail(
		    err, ED_ERR_ARG, "%s 0x%06x..0x%06x goes past the end of the %u KiB flash",
		    what, offset, (unsigned)((uint64_t)offset + size - 1), r->flash_size / 1024);
	return ED_OK;
}

static double seconds_since(struct run *r)
{
	return (double)(link_now_us(r->job->link) - r->job->step_start_us) / 1e6;
}

static int connect_and_detect(struct run *r, struct ed_error *err)
{
	struct job *job = r->job;
	job_set_stage(job, JOB_STAGE_CONNECT, 0, "Connecting to %s at %u baud", job->spec.port,
		      job->link->baud);
	job_set_engine(job, false, job->link->baud);
	int rc = loader_connect(r->ld, before_map[job->spec.before], err);
	if (rc < 0)
		return rc;
	r->anomalies0 = loader_anomalies(r->ld);
	job_set_stage(job, JOB_STAGE_DETECT, 0, "Detecting chip type");
	rc = detect_chip_only(r->ld, &r->info, err);
	if (rc < 0)
		return rc;
	job_lookup_history(job, &r->info); /* before the chip is visible: then both are */
	job_store_info(job, &r->info);
	const struct chip_info *in = &r->info;
	job_push_event(job, JOB_EVENT_INFO, ED_LOG_INFO, 0, "Chip is %s", in->name);
	job_push_event(job, JOB_EVENT_INFO, ED_LOG_INFO, 0, "Features: %s", in->features);
	job_push_event(job, JOB_EVENT_INFO, ED_LOG_INFO, 0, "Crystal is %uMHz", in->crystal_mhz);
	job_push_event(job, JOB_EVENT_INFO, ED_LOG_INFO, 0, "MAC: %02x:%02x:%02x:%02x:%02x:%02x",
		       in->mac[0], in->mac[1], in->mac[2], in->mac[3], in->mac[4], in->mac[5]);
	return ED_OK;
}

/* The flash id, once the stub runs or ROM mode is settled: from the stub's own reading
 * (STUB_OP_INFO), so no SPI register write goes over the line (one garbled in the right
 * bits erases or programs flash, which the stub's MD5 checks of the files do not cover);
 * through the SPI registers in ROM mode, or on a stub without that command (esptool's
 * way), where a garbled frame then keeps the job from exiting 0 (rom_noise). */
static int detect_flash(struct run *r, struct ed_error *err)
{
	struct job *job = r->job;
	int rc = ED_ERR_UNSUPPORTED;
	if (loader_is_stub(r->ld)) {
		struct ed_error e;
		ed_error_clear(&e);
		rc = stubclient_flash_info(r->ld, &r->info.flash_id, &r->flash_status, &e);
		if (rc == ED_OK)
			detect_flash_size(r->ld, &r->info);
		else if (rc != ED_ERR_UNSUPPORTED)
			*err = e;
	}
	if (rc == ED_ERR_UNSUPPORTED) {
		uint64_t a0 = r->fell_back ? r->anomalies0 : loader_anomalies(r->ld);
		rc = detect_flash_regs(r->ld, &r->info, err);
		/* After a stub that did not start, the line is known to be noisy and the ROM
		 * phase had the upload and now the attach (FLASH_BEGIN(0,0)) and the register
		 * writes: any anomaly since connect counts. */
		if (loader_is_stub(r->ld) || r->fell_back)
			r->rom_noise += loader_anomalies(r->ld) - a0;
	}
	if (rc < 0)
		return rc;
	job_store_info(job, &r->info);
	const struct chip_info *in = &r->info;
	r->flash_size = in->flash_size ? in->flash_size : 16u << 20;
	if (in->flash_size > (4u << 20)) {
		struct ed_error e;
		if (loader_spi_set_params(r->ld, in->flash_id, in->flash_size, &e) < 0)
			job_push_event(
			    job, JOB_EVENT_LOG, ED_LOG_WARN, 0,
			    "the %s did not take the %u MB flash size (%s): writes above 4 MB "
			    "will fail",
			    loader_is_stub(r->ld) ? "stub" : "ROM", in->flash_size >> 20, e.msg);
	}
	return ED_OK;
}

/* esptool's order with the stub: connect at 115200, then the stub moves to --baud (the
 * ROM cannot change its rate, so ROM mode connects at --baud). A link whose far end owns
 * the line speed (TCP) keeps --baud as its nominal rate. */
static void connect_rate(struct run *r)
{
	struct link *l = r->job->link;
	uint32_t want = l->baud;
	struct ed_error e;
	if (!r->job->spec.stub || want <= 115200)
		return;
	if (l->ops->set_baud(l, 115200, &e) != ED_OK)
		l->baud = want;
}

/* What the baud memory says against want on this bridge, said before trying (the user's
 * rate is still tried: the failure may have been a bad cable since replaced). */
static void warn_remembered(struct run *r, const char *key, uint32_t want)
{
	struct baudmem_entry e;
	struct ed_error lerr;
	if (baudmem_lookup(key, &e, &lerr) < 0) {
		job_push_event(r->job, JOB_EVENT_LOG, ED_LOG_DEBUG, 0, "%s", lerr.msg);
		return;
	}
	char line[160];
	baudmem_warning(&e, want, line, sizeof line);
	if (line[0])
		job_push_event(r->job, JOB_EVENT_LOG, ED_LOG_WARN, 0,
			       "%s; trying %u as asked (a lower --baud avoids the fallback)", line,
			       want);
}

/* Moves the running stub to --baud (stubclient_change_baud), says which rate is used and
 * remembers the outcome for this bridge (link/baudmem.h). */
static int change_baud(struct run *r, struct ed_error *err)
{
	struct job *job = r->job;
	struct link *l = job->link;
	uint32_t want = job->spec.baud ? job->spec.baud : 115200, used = 0;
	if (l->baud == want)
		return ED_OK;
	struct ed_error probe;
	bool settable = l->ops->set_baud(l, l->baud, &probe) != ED_ERR_UNSUPPORTED;
	char key[320];
	baudmem_bridge_key(job->spec.port, key, sizeof key);
	if (settable && job->spec.baud_memory)
		warn_remembered(r, key, want);
	job_set_stage(job, JOB_STAGE_BAUD, 0, "Changing baud rate to %u", want);
	int rc = stubclient_change_baud(r->ld, want, &used, err);
	if (rc < 0)
		return rc;
	job_set_engine(job, true, used);
	if (used == want)
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0, "Changed baud rate to %u", want);
	else
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_WARN, 0,
			       "no answer at %u baud: carrying on at %u (try a lower --baud)", want,
			       used);
	struct ed_error merr;
	if (settable && job->spec.baud_memory && baudmem_record(key, want, used == want, &merr) < 0)
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_WARN, 0, "%s", merr.msg);
	return ED_OK;
}

/* Esptool's normal mode: the flasher stub runs the flash commands. A stub that does not
 * start costs one warning line and a reset back into the ROM loader. */
static int start_stub(struct run *r, struct ed_error *err)
{
	struct job *job = r->job;
	bool running = stubclient_answers(r->ld);
	if (!job->spec.stub && !running)
		return ED_OK;
	if (!job->spec.stub)
		job_push_event(
		    job, JOB_EVENT_LOG, ED_LOG_WARN, 0,
		    "a flasher stub already runs on the board: using it (--no-stub needs "
		    "the board reset into its ROM loader)");
	job_set_stage(job, JOB_STAGE_STUB, 0,
		      running ? "Stub is already running" : "Uploading stub...");
	struct flasher_progress p = {progress_cb, job, NULL};
	bool reused = false;
	struct ed_error e;
	ed_error_clear(&e);
	int rc = stubclient_start(r->ld, stub_blob_builtin(), &p, &reused, &e);
	if (rc == ED_OK) {
		job_set_engine(job, true, job->link->baud);
		/* Before the stub, the ROM saw only READ_REG, SYNC and the upload: no FLASH_BEGIN,
		 * so a MEM_DATA garbled into FLASH_DATA is refused. A ROM left from an earlier
		 * session (--before no_reset) may still be in flash mode: noise then counts. */
		if (job->spec.before == JOB_BEFORE_NO_RESET ||
		    job->spec.before == JOB_BEFORE_NO_RESET_NO_SYNC)
			r->rom_noise += loader_anomalies(r->ld) - r->anomalies0;
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0, "%s",
			       reused ? "Stub is already running. No upload is necessary."
				      : "Stub running...");
		return change_baud(r, err);
	}
	if (rc == ED_ERR_CANCELLED || rc == ED_ERR_DISCONNECTED) {
		*err = e;
		return rc;
	}
	job_push_event(job, JOB_EVENT_LOG, ED_LOG_WARN, 0,
		       "flasher stub not started (%s); continuing in ROM mode", e.msg);
	loader_set_stub(r->ld, false);
	job_set_engine(job, false, job->link->baud);
	r->fell_back = true;
	job_set_stage(job, JOB_STAGE_CONNECT, 0, "Connecting to %s at %u baud again (ROM mode)",
		      job->spec.port, job->link->baud);
	rc = loader_connect(r->ld, before_map[job->spec.before], err);
	if (rc == ED_OK && r->info.flash_size > (4u << 20))
		rc = loader_spi_set_params(r->ld, r->info.flash_id, r->info.flash_size, err);
	if (rc < 0)
		ed_error_prefix(err, "back to the ROM loader after the stub did not start");
	return rc;
}

/* True when a later write step of this job starts at the sector right after s's data:
 * the ROM's collateral erase of that sector is then harmless. */
static bool next_sector_written_later(const struct job *job, size_t index, const struct job_step *s)
{
	uint64_t next = ((uint64_t)s->offset + s->size + 4095) / 4096 * 4096;
	for (size_t k = index + 1; k < job->spec.step_count; k++) {
		const struct job_step *t = &job->steps[k];
		if (t->kind == JOB_STEP_WRITE && t->offset <= next &&
		    (uint64_t)t->offset + t->size >= next + 1)
			return true;
	}
	return false;
}

/* The ranges later write steps of the job erase, write and prove (at most cap). */
static size_t later_writes(const struct job *job, size_t index, struct flasher_range *out,
			   size_t cap)
{
	size_t n = 0;
	for (size_t k = index + 1; k < job->spec.step_count && n < cap; k++)
		if (job->steps[k].kind == JOB_STEP_WRITE)
			out[n++] = (struct flasher_range){job->steps[k].offset, job->steps[k].size};
	return n;
}

/* esptool's rule (reference §7.3): an image written at 0x0 gets bytes 2-3 from
 * --flash_mode/--flash_size/--flash_freq; the image module decides what qualifies. */
static int patch_at_zero(struct run *r, const struct job_step *s, uint8_t *data,
			 struct ed_error *err)
{
	struct job *job = r->job;
	if (s->offset != 0)
		return ED_OK;
	struct ed_error perr;
	ed_error_clear(&perr);
	int rc = img_patch_flash_params(data, s->size, job->spec.flash_mode, job->spec.flash_size,
					job->spec.flash_freq, r->info.flash_size, &perr);
	if (rc < 0) {
		*err = perr;
		return rc;
	}
	if (rc == 1)
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0, "Flash params set to 0x%02x%02x",
			       data[2], data[3]);
	else if (perr.msg[0])
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_WARN, 0, "%s", perr.msg);
	return ED_OK;
}

/* ROM mode on a line that garbled frames since the connection: the flash attach
 * (FLASH_BEGIN 0, 0) may have been one of them, undetected (job_attach_verdict()). */
static bool rom_line_noisy(const struct run *r)
{
	return r->ld && !loader_is_stub(r->ld) && loader_flash_begun(r->ld) &&
	       loader_anomalies(r->ld) > r->anomalies0;
}

/* esptool's one reconnect-and-resume after a lost port (reference §2.2): reopen (a USB
 * port may need a moment to come back), reset into the loader, sync. */
static int reconnect(struct run *r, struct ed_error *err)
{
	struct job *job = r->job;
	r->attach_hazard |= loader_attach_hazard(r->ld) || rom_line_noisy(r);
	loader_destroy(r->ld);
	r->ld = NULL;
	link_close(job->link);
	job->link = NULL;
	int rc = ED_ERR_DISCONNECTED;
	for (int i = 0; i < 3 && !atomic_load(&job->cancel); i++) {
		if (i > 0) {
			struct timespec ts = {1, 0};
			nanosleep(&ts, NULL);
		}
		if ((rc = link_open(job->spec.port, &r->lo, &job->link, err)) == ED_OK) {
			connect_rate(r);
			break;
		}
	}
	if (rc == ED_OK)
		rc = loader_create(job->link, &r->cfg, &r->ld, err);
	if (rc == ED_OK)
		rc = loader_connect(r->ld, before_map[job->spec.before], err);
	if (rc == ED_OK)
		r->anomalies0 = loader_anomalies(r->ld);
	if (rc == ED_OK && r->info.flash_size > (4u << 20))
		rc = loader_spi_set_params(r->ld, r->info.flash_id, r->info.flash_size, err);
	if (rc == ED_OK)
		rc = start_stub(r, err);
	return rc;
}

/* The bytes a write or verify step puts on the flash: range-checked, copied, and with an
 * image at 0x0 patched as esptool does. Caller frees *out. */
static int step_bytes(struct run *r, const struct job_step *s, const char *name, uint8_t **out,
		      struct ed_error *err)
{
	*out = NULL;
	int rc = check_range(r, name, s->offset, s->size, err);
	if (rc < 0)
		return rc;
	uint8_t *data = malloc(s->size ? s->size : 1);
	if (!data)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory for %s", name);
	memcpy(data, s->data, s->size);
	if ((rc = patch_at_zero(r, s, data, err)) < 0) {
		free(data);
		return rc;
	}
	*out = data;
	return ED_OK;
}

/* The status registers before a write or erase on the stub, for report_unlock() (the
 * stub clears protection by itself; this says what it was). */
static void note_status(struct run *r)
{
	uint32_t id;
	struct ed_error e;
	if (!r->unlock_said && stubclient_flash_info(r->ld, &id, &r->flash_status, &e) < 0)
		loader_discard_input(r->ld);
}

/* The stub cleared the flash's write protection before writing or erasing. */
static void report_unlock(struct run *r)
{
	if (r->unlock_said)
		return;
	r->unlock_said = true;
	job_push_event(r->job, JOB_EVENT_LOG, ED_LOG_WARN, 0,
		       "flash was write-protected (status 0x%04x); unlocked", r->flash_status);
}

/* ROM mode has no unlock of its own (it would fail block after block): before the first
 * write or erase the status register is read and, when block-protect bits are set,
 * cleared and proven clear, as the stub does; said the same way. Once per job: the
 * register keeps the change (a status write step asks again). */
static int rom_unlock(struct run *r, struct ed_error *err)
{
	if (loader_is_stub(r->ld) || r->rom_unlock_checked)
		return ED_OK;
	bool unlocked = false;
	uint32_t status = 0;
	int rc = flasher_unlock(r->ld, &status, &unlocked, err);
	if (rc < 0) {
		ed_error_prefix(err, "checking the flash's write protection (ROM mode)");
		return rc;
	}
	r->rom_unlock_checked = true;
	if (unlocked) {
		r->flash_status = status;
		r->unlock_said = false;
		report_unlock(r);
	}
	return ED_OK;
}

static void sectors_planned(void *user, uint32_t sectors, uint32_t skipped)
{
	job_set_sectors(user, sectors, skipped);
}

/* One write of a step's data, by the stub when it runs (proof: MD5), else by the ROM. */
static int write_once(struct run *r, const struct job_step *s, const uint8_t *data,
		      const struct flasher_write_opts *wo, const struct flasher_progress *p,
		      struct stubflash_write_result *out, struct ed_error *err)
{
	r->stub_proof[0] = 0;
	memset(out, 0, sizeof *out);
	if (!loader_is_stub(r->ld)) {
		if (r->job->spec.diff && !r->diff_warned) {
			r->diff_warned = true;
			job_push_event(r->job, JOB_EVENT_LOG, ED_LOG_WARN, 0,
				       "--diff needs the flasher stub (per-sector MD5): writing "
				       "every file whole in ROM mode");
		}
		int rc = rom_unlock(r, err);
		if (rc < 0)
			return rc;
		return flasher_write(r->ld, s->offset, data, s->size, wo, p, err);
	}
	struct stubflash_write_result res;
	struct stubflash_write_opts so = {.compress = !r->job->spec.no_compress,
					  .diff = r->job->spec.diff,
					  .planned = sectors_planned,
					  .user = r->job};
	note_status(r);
	int rc = stubflash_write_opts(r->ld, s->offset, data, s->size, &so, p, &res, err);
	if (res.unlocked)
		report_unlock(r);
	if (rc != ED_OK)
		return rc;
	*out = res;
	char zipped[48] = "", skipped[80] = "";
	if (so.compress && res.sent)
		snprintf(zipped, sizeof zipped, "%u compressed bytes, ", res.sent);
	if (so.diff)
		snprintf(skipped, sizeof skipped, "%u of %u sector%s unchanged and skipped, ",
			 res.skipped, res.sectors, res.sectors == 1 ? "" : "s");
	const char *how = res.per_sector ? "verified by the board's MD5 of every sector, file MD5"
					 : "verified by MD5";
	if (res.rewritten)
		snprintf(r->stub_proof, sizeof r->stub_proof,
			 "%s%s%s %s after writing %u sector%s again", skipped, zipped, how,
			 res.flash_md5, res.rewritten, res.rewritten == 1 ? "" : "s");
	else
		snprintf(r->stub_proof, sizeof r->stub_proof, "%s%s%s %s", skipped, zipped, how,
			 res.flash_md5);
	return rc;
}

/* The FILE event of a proven write: what it cost and the MD5 the board reported. */
static void push_file(struct run *r, const struct job_step *s, const char *name,
		      const struct stubflash_write_result *res, double seconds)
{
	struct job_file_result f = {
	    .bytes = s->size,
	    .wire_bytes = res->sent,
	    .seconds = seconds,
	    .compressed = loader_is_stub(r->ld) && !r->job->spec.no_compress,
	};
	snprintf(f.flash_md5, sizeof f.flash_md5, "%s", res->flash_md5);
	double kib = seconds > 0 ? s->size / 1024.0 / seconds : 0;
	double wire = seconds > 0 ? res->sent / 1024.0 / seconds : 0;
	char rates[128];
	if (f.compressed)
		snprintf(rates, sizeof rates, "%.1f KiB/s, %.1f KiB/s of zlib data on the wire",
			 kib, wire);
	else
		snprintf(rates, sizeof rates, "%.1f KiB/s", kib);
	char skipped[48] = "";
	if (f.sectors_skipped)
		snprintf(skipped, sizeof skipped, ", %u sectors unchanged", f.sectors_skipped);
	job_push_file(r->job, r->job->step_index, &f, "%s @0x%06x: %u bytes in %.1f s (%s)%s; %s%s",
		      ed_basename(name), s->offset, s->size, seconds, rates, skipped,
		      f.flash_md5[0] ? "MD5 on the board " : "ROM mode, no MD5 on the board",
		      f.flash_md5);
}

static int step_write(struct run *r, const struct job_step *s, struct ed_error *err)
{
	struct job *job = r->job;
	const char *name = s->name ? s->name : "data";
	uint8_t *data;
	int rc = step_bytes(r, s, name, &data, err);
	if (rc < 0)
		return rc;
	job_set_stage(job, JOB_STAGE_WRITE, r->job->step_index, "Writing %s at 0x%08x (%u bytes)",
		      name, s->offset, s->size);
	struct flasher_progress p = {progress_cb, job, wire_cb};
	struct stubflash_write_result res;
	struct flasher_range later[16];
	enum flasher_proof proof = FLASHER_PROOF_ROM_CHECKSUM;
	struct flasher_resume resume = {0};
	r->preserved_saved = false;
	struct flasher_write_opts wo = {
	    .strategy = job->spec.erase_preserve ? ERASE_STRATEGY_PRESERVE : ERASE_STRATEGY_EXACT,
	    .flash_size = r->info.flash_size,
	    .next_free = next_sector_written_later(job, r->job->step_index, s),
	    .check_blocks = job->spec.check_blocks,
	    .later = later,
	    .nlater = later_writes(job, job->step_index, later, 16),
	    .preserve_copy = r->preserved,
	    .preserve_saved = &r->preserved_saved,
	    .proof = &proof,
	    .resume = &resume,
	};
	bool on_stub = loader_is_stub(r->ld);
	rc = write_once(r, s, data, &wo, &p, &res, err);
	/* A stub that stopped answering (the board reset or crashed under it) is reset into
	 * the ROM loader and started again, as a lost port is reopened: once per job. */
	bool silent_stub = on_stub && rc == ED_ERR_TIMEOUT;
	if ((rc == ED_ERR_DISCONNECTED || silent_stub) && !r->reconnected) {
		r->reconnected = true;
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_WARN, 0, "%s; %s once to write %s again",
			       err->msg,
			       silent_stub ? "the stub stopped answering: resetting the board"
					   : "reconnecting",
			       name);
		struct ed_error rerr;
		if (reconnect(r, &rerr) == ED_OK) {
			job_set_stage(job, JOB_STAGE_WRITE, job->step_index,
				      "Writing %s at 0x%08x (%u bytes) again", name, s->offset,
				      s->size);
			rc = write_once(r, s, data, &wo, &p, &res, err);
		} else {
			job_push_event(job, JOB_EVENT_LOG, ED_LOG_WARN, 0,
				       "reconnecting failed: %s", rerr.msg);
		}
	}
	if (rc == ED_OK) {
		double t = seconds_since(r);
		r->written = job->step_index + 1;
		/* What exit 0 rests on (espdeck(1), "What exit 0 means"). */
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0,
			       "Wrote %u bytes at 0x%08x in %.1f seconds (%.1f kbit/s); %s",
			       s->size, s->offset, t, t > 0 ? s->size * 8 / t / 1000 : 0.0,
			       r->stub_proof[0] ? r->stub_proof
			       : proof == FLASHER_PROOF_READ_BACK
				   ? "verified by read-back"
				   : "checked by the ROM's 8-bit checksum only (every block's "
				     "place read back)");
		push_file(r, s, name, &res, t);
	}
	if (rc == ED_OK) {
		r->wrote.files++;
		r->wrote.bytes += s->size;
		if (r->stub_proof[0] || (job->spec.verify && loader_is_stub(r->ld)))
			r->wrote.md5++;
		else if (proof == FLASHER_PROOF_READ_BACK || job->spec.verify)
			r->wrote.read_back++;
		else
			r->wrote.checksum++;
	}
	if (rc == ED_OK && job->spec.verify && res.flash_md5[0]) {
		/* The stub write ends with the board's MD5 of the range, taken after the last
		 * block was on the flash: that is the verification (esptool's "Hash of data
		 * verified"); a second MD5 would cost as long again and prove nothing more. */
		job_set_stage(job, JOB_STAGE_VERIFY, job->step_index,
			      "Verifying %s at 0x%08x (%u bytes) by MD5", name, s->offset, s->size);
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0,
			       "Verified %u bytes at 0x%08x by the board's MD5 %s", s->size,
			       s->offset, res.flash_md5);
	} else if (rc == ED_OK && job->spec.verify && loader_is_stub(r->ld)) {
		job_set_stage(job, JOB_STAGE_VERIFY, job->step_index,
			      "Verifying %s at 0x%08x (%u bytes) by MD5", name, s->offset, s->size);
		rc = stubflash_verify(r->ld, s->offset, data, s->size, err);
		if (rc == ED_OK)
			job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0,
				       "Verified %u bytes at 0x%08x by MD5", s->size, s->offset);
	} else if (rc == ED_OK && job->spec.verify) {
		job_set_stage(job, JOB_STAGE_VERIFY, job->step_index,
			      "Verifying %s at 0x%08x (%u bytes) by reading it back", name,
			      s->offset, s->size);
		rc = flasher_verify(r->ld, s->offset, data, s->size, &p, NULL, err);
		if (rc == ED_OK)
			job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0,
				       "Verified %u bytes at 0x%08x by read-back in %.1f seconds",
				       s->size, s->offset, seconds_since(r));
	}
	r->wrote.seconds += seconds_since(r);
	free(data);
	if (rc < 0)
		ed_error_prefix(err, "%s", name);
	return rc;
}

/* The last line of a write of several files: "4 files, 1.20 MiB written in 12.3 s
 * (98.0 KiB/s), verified by MD5", after every warning (the reset's, the journal's). */
static void write_summary(struct run *r)
{
	if (r->wrote.files < 2)
		return;
	char size[24], speed[24], rate[40] = "", how[128];
	ed_format_size(size, sizeof size, r->wrote.bytes);
	double s = r->wrote.seconds;
	if (s >= 0.05) /* a rate over less time says nothing */
		snprintf(rate, sizeof rate, " (%s/s)",
			 ed_format_size(speed, sizeof speed, (uint64_t)(r->wrote.bytes / s)));
	unsigned n = r->wrote.files;
	if (r->wrote.md5 == n)
		snprintf(how, sizeof how, "verified by MD5");
	else if (r->wrote.read_back == n)
		snprintf(how, sizeof how, "verified by read-back");
	else if (r->wrote.checksum == n)
		snprintf(how, sizeof how, "checked by the ROM's 8-bit checksum only");
	else
		snprintf(how, sizeof how,
			 "%u verified by MD5, %u by read-back, %u checked by the ROM's 8-bit "
			 "checksum only",
			 r->wrote.md5, r->wrote.read_back, r->wrote.checksum);
	job_push_event(r->job, JOB_EVENT_INFO, ED_LOG_INFO, 0,
		       "%u files, %s written in %.1f s%s, %s", n, size, s, rate, how);
}

static int step_read(struct run *r, const struct job_step *s, struct ed_error *err)
{
	struct job *job = r->job;
	int rc = check_range(r, "read", s->offset, s->size, err);
	if (rc < 0)
		return rc;
	uint8_t *buf = malloc(s->size ? s->size : 1);
	if (!buf)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory for a %u-byte read", s->size);
	job_set_stage(job, JOB_STAGE_READ, job->step_index, "Reading %u bytes at 0x%08x", s->size,
		      s->offset);
	struct flasher_progress p = {progress_cb, job, NULL};
	bool stub = loader_is_stub(r->ld);
	rc = stub ? stubflash_read(r->ld, s->offset, buf, s->size, &p, err)
		  : flasher_read(r->ld, s->offset, buf, s->size, &p, err);
	/* Only a complete read reaches the file, and then atomically (core/outfile.h). */
	if (rc == ED_OK && s->path)
		rc = ed_output_write(s->path, buf, s->size, err);
	if (rc == ED_OK)
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0,
			       "Read %u bytes at 0x%08x in %.1f seconds%s%s; %s", s->size,
			       s->offset, seconds_since(r), s->path ? " into " : "",
			       s->path ? s->path : "",
			       stub ? "checked against the stub's MD5 of the range"
				    : "checked by reading every 64-byte piece at least twice with "
				      "matching results");
	free(buf);
	return rc;
}

static int step_verify(struct run *r, const struct job_step *s, struct ed_error *err)
{
	struct job *job = r->job;
	const char *name = s->name ? s->name : "data";
	uint8_t *data;
	int rc = step_bytes(r, s, name, &data, err);
	if (rc < 0)
		return rc;
	job_set_stage(job, JOB_STAGE_VERIFY, job->step_index,
		      "Verifying 0x%x (%u) bytes @ 0x%08x in flash against %s%s", s->size, s->size,
		      s->offset, name, loader_is_stub(r->ld) ? " by MD5" : "");
	struct flasher_progress p = {progress_cb, job, NULL};
	rc = loader_is_stub(r->ld) ? stubflash_verify(r->ld, s->offset, data, s->size, err)
				   : flasher_verify(r->ld, s->offset, data, s->size, &p, NULL, err);
	free(data);
	if (rc == ED_OK)
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0, "-- verify OK (%s matches)",
			       name);
	else if (rc == ED_ERR_VERIFY)
		ed_error_prefix(err, "%s", name);
	return rc;
}

static int step_erase(struct run *r, const struct job_step *s, const struct flasher_progress *p,
		      struct ed_error *err)
{
	struct job *job = r->job;
	size_t i = job->step_index;
	int rc;
	if (s->kind == JOB_STEP_ERASE_CHIP) {
		job_set_stage(job, JOB_STAGE_ERASE, i, "Erasing flash (this may take a while)");
		rc = loader_is_stub(r->ld) ? stubflash_erase_chip(r->ld, r->info.flash_size, p, err)
					   : flasher_erase_chip(r->ld, r->info.flash_size, err);
		if (rc == ED_OK)
			job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0,
				       "Chip erase completed successfully in %.1fs",
				       seconds_since(r));
		return rc;
	}
	if ((rc = check_range(r, "erase region", s->offset, s->size, err)) < 0)
		return rc;
	job_set_stage(job, JOB_STAGE_ERASE, i, "Erasing region 0x%08x-0x%08x", s->offset,
		      s->offset + s->size);
	rc = loader_is_stub(r->ld) ? stubflash_erase_region(r->ld, s->offset, s->size, p, err)
				   : flasher_erase_region_sized(r->ld, s->offset, s->size,
								r->info.flash_size, p, err);
	if (rc == ED_OK)
		job_push_event(job, JOB_EVENT_LOG, ED_LOG_INFO, 0,
			       "Erase completed successfully in %.1f seconds", seconds_since(r));
	return rc;
}

/* esptool's read_flash_status / write_flash_status, through the SPI registers in both
 * modes as esptool does; on the stub a garbled register write could change flash, so
 * anomalies then keep the job from exiting 0 (rom_noise). */
static int step_status(struct run *r, const struct job_step *s, struct ed_error *err)
{
	struct job *job = r->job;
	int n = (int)s->size;
	if (n < 1 || n > 3)
		return ed_fail(err, ED_ERR_ARG, "--bytes %d: the status register has 1 to 3 bytes",
			       n);
	bool writing = s->kind == JOB_STEP_WRITE_STATUS;
	job_set_stage(job, writing ? JOB_STAGE_WRITE : JOB_STAGE_READ, job->step_index,
		      "%s the flash status register", writing ? "Writing" : "Reading");
	uint64_t a0 = loader_anomalies(r->ld);
	struct spiflash sf;
	uint32_t before = 0, value = s->offset & ((1u << (8 * n)) - 1), after = 0;
	int rc = spiflash_begin(&sf, r->ld, err);
	if (rc == ED_OK)
		rc = spiflash_read_status(&sf, n, &before, err);
	if (rc == ED_OK && writing) {
		job_push_event(job, JOB_EVENT_INFO, ED_LOG_INFO, 0,
			       "Initial flash memory status: 0x%0*x", 2 * n, before);
		job_push_event(job, JOB_EVENT_INFO, ED_LOG_INFO, 0,
			       "Setting flash memory status: 0x%0*x", 2 * n, value);
		rc = spiflash_write_status(&sf, value, n, s->non_volatile, err);
		if (rc == ED_OK)
			rc = spiflash_read_status(&sf, n, &after, err);
		if (rc == ED_OK)
			job_push_event(job, JOB_EVENT_INFO, ED_LOG_INFO, 0,
				       "After flash memory status:   0x%0*x", 2 * n, after);
	} else if (rc == ED_OK) {
		job_push_event(job, JOB_EVENT_INFO, ED_LOG_INFO, 0, "Flash memory status: 0x%04x",
			       before);
	}
	int rc2 = spiflash_end(&sf, rc == ED_OK ? err : NULL);
	if (rc == ED_OK)
		rc = rc2;
	if (loader_is_stub(r->ld))
		r->rom_noise += loader_anomalies(r->ld) - a0;
	if (rc < 0)
		ed_error_prefix(err, "%s the flash status", writing ? "writing" : "reading");
	return rc;
}

static int run_step(struct run *r, size_t i, struct ed_error *err)
{
	struct job *job = r->job;
	const struct job_step *s = &job->steps[i];
	job->step_index = i;
	struct flasher_progress p = {progress_cb, job, NULL};
	int rc;
	switch (s->kind) {
	case JOB_STEP_INFO:
		return ED_OK;
	case JOB_STEP_ERASE_CHIP:
	case JOB_STEP_ERASE_REGION:
		if (loader_is_stub(r->ld)) {
			uint32_t n0 = loader_unlock_notes(r->ld);
			note_status(r);
			rc = step_erase(r, s, &p, err);
			if (loader_unlock_notes(r->ld) != n0)
				report_unlock(r);
			return rc;
		}
		if ((rc = rom_unlock(r, err)) < 0)
			return rc;
		return step_erase(r, s, &p, err);
	case JOB_STEP_WRITE:
		return step_write(r, s, err);
	case JOB_STEP_VERIFY:
		return step_verify(r, s, err);
	case JOB_STEP_READ:
		return step_read(r, s, err);
	case JOB_STEP_READ_STATUS:
		return step_status(r, s, err);
	case JOB_STEP_WRITE_STATUS:
		r->rom_unlock_checked = false; /* it may have set protection again */
		return step_status(r, s, err);
	}
	return ed_fail(err, ED_ERR_ARG, "unknown job step %d", (int)s->kind);
}

/* A file written at 0x0 is what the ROM boots: when it starts with an image magic
 * (0xE9 / 0xEA) its header must describe a whole image (reference §7: segment count and
 * lengths within the file), or the board would be left with a boot sector it cannot start. Other files are data and are not judged. */
static int check_boot_image(const struct job_step *s, struct ed_error *err)
{
	if (s->kind != JOB_STEP_WRITE || s->offset != 0 || s->size == 0 ||
	    (s->data[0] != IMG_MAGIC_V1 && s->data[0] != IMG_MAGIC_V2))
		return ED_OK;
	struct img_info info;
	struct ed_error ierr;
	ed_error_clear(&ierr);
	/* The header and segment structure only: a wrong checksum is the boot check's
	 * business (a production test may write one on purpose to see the board refuse it). */
	int rc = img_parse(s->data, s->size, &info, &ierr);
	if (rc == ED_OK)
		return ED_OK;
	return ed_fail(err, ED_ERR_ARG,
		       "%s at 0x0 starts like an ESP8266 image but its header is damaged (%.400s): "
		       "the board could not boot it; check the file with 'espdeck image_info'",
		       s->name ? s->name : "the file", ierr.msg);
}

/* The whole job is checked once the flash size is known and before anything is erased
 * or written: every region must fit and a boot image at 0x0 must be whole, so one bad file
 * means nothing is written. */
static int check_steps(struct run *r, struct ed_error *err)
{
	const struct job *job = r->job;
	for (size_t i = 0; i < job->spec.step_count; i++) {
		const struct job_step *s = &job->steps[i];
		const char *what = s->kind == JOB_STEP_READ	      ? "read"
				   : s->kind == JOB_STEP_ERASE_REGION ? "erase region"
				   : s->name			      ? s->name
								      : "data";
		if (s->kind == JOB_STEP_INFO || s->kind == JOB_STEP_ERASE_CHIP ||
		    s->kind == JOB_STEP_READ_STATUS || s->kind == JOB_STEP_WRITE_STATUS)
			continue;
		int rc = check_range(r, what, s->offset, s->size, err);
		if (rc == ED_OK)
			rc = check_boot_image(s, err);
		if (rc < 0) {
			bool changes = false;
			for (size_t k = 0; k < job->spec.step_count; k++)
				changes |= job->steps[k].kind != JOB_STEP_INFO &&
					   job->steps[k].kind != JOB_STEP_VERIFY &&
					   job->steps[k].kind != JOB_STEP_READ;
			if (changes) {
				char first[sizeof err->msg];
				snprintf(first, sizeof first, "%s", err->msg);
				ed_fail(err, rc, "%.700s; nothing was erased or written", first);
			}
			return rc;
		}
	}
	return ED_OK;
}

/* esptool's ALL: a read or erase to the end of the detected flash. */
static void resolve_sizes(struct run *r)
{
	for (size_t i = 0; i < r->job->spec.step_count; i++) {
		struct job_step *s = &r->job->steps[i];
		if ((s->kind == JOB_STEP_READ || s->kind == JOB_STEP_ERASE_REGION) &&
		    s->size == JOB_SIZE_TO_END && s->offset < r->flash_size)
			s->size = r->flash_size - s->offset;
	}
}

static const enum loader_after after_map[] = {
    [JOB_AFTER_HARD_RESET] = LOADER_AFTER_HARD_RESET,
    [JOB_AFTER_SOFT_RESET] = LOADER_AFTER_SOFT_RESET,
    [JOB_AFTER_NO_RESET] = LOADER_AFTER_NO_RESET,
    [JOB_AFTER_NO_RESET_STUB] = LOADER_AFTER_NO_RESET,
};

static int run_all(struct run *r, struct ed_error *err)
{
	struct job *job = r->job;
	int rc = connect_and_detect(r, err);
	if (rc == ED_OK && job_check_skip(job, &r->info)) {
		/* Nothing written: the board goes back to what it ran (a reset as asked). */
		rc = loader_finish(r->ld, after_map[job->spec.after], err);
		return rc;
	}
	if (rc == ED_OK)
		rc = start_stub(r, err);
	if (rc == ED_OK)
		rc = detect_flash(r, err);
	if (rc == ED_OK)
		resolve_sizes(r);
	if (rc == ED_OK)
		rc = check_steps(r, err);
	struct chipmap before;
	bool mapped = false;
	if (rc == ED_OK)
		rc = job_chip_before(job, r->ld, r->info.flash_size, &before, &mapped, err);
	size_t i = 0;
	for (; rc == ED_OK && i < job->spec.step_count; i++)
		rc = run_step(r, i, err);
	bool steps_ok = rc == ED_OK; /* a check after the steps may still fail the job */
	if (mapped) {
		rc = job_chip_after(job, r->ld, &before, rc, err);
		chipmap_free(&before);
	}
	rc = job_attach_verdict(job, r->ld, r->attach_hazard || rom_line_noisy(r), rc, err);
	if (rc == ED_ERR_VERIFY)
		return rc; /* a check that failed says itself what is written and what is wrong */
	if (rc != ED_OK) {
		/* Say what was and was not written (after a cancel or a lost port the board
		 * stays in its ROM loader). */
		char done[256] = "", pending[256] = "";
		for (size_t k = 0; k < job->spec.step_count; k++) {
			const struct job_step *s = &job->steps[k];
			if (s->kind != JOB_STEP_WRITE)
				continue;
			/* i is one past the step that failed; its data may be complete already
			 * (a drop during --verify). */
			bool unverified = !steps_ok && k + 1 == i && r->written == i;
			char *dst = k + 1 < i || unverified ? done : pending;
			size_t len = strlen(dst);
			snprintf(dst + len, 256 - len, "%s%s@0x%x%s", len ? ", " : "",
				 s->name ? ed_basename(s->name) : "data", s->offset,
				 unverified ? " (not verified)" : "");
		}
		if (done[0] || pending[0])
			ed_error_prefix(err, "written: %s; not written or incomplete: %s",
					done[0] ? done : "nothing",
					pending[0] ? pending : "nothing");
		return rc;
	}
	if (r->rom_noise)
		return ed_fail(
		    err, ED_ERR_VERIFY,
		    "the work is done and proven, but the line garbled %llu frame%s "
		    "while espdeck read the flash id through SPI registers (or talked to a "
		    "ROM loader left from an earlier session, or fell back to ROM mode): a "
		    "register write damaged in the "
		    "right bits erases or programs "
		    "flash elsewhere (the flash attach an erase from 0x000000), which espdeck "
		    "cannot check; run the command again "
		    "(or verify_flash every file the board needs)",
		    (unsigned long long)r->rom_noise, r->rom_noise == 1 ? "" : "s");
	if (job->spec.after == JOB_AFTER_NO_RESET_STUB) {
		job_push_event(job, JOB_EVENT_INFO, ED_LOG_INFO, 0, "%s",
			       loader_is_stub(r->ld) ? "Staying in flasher stub."
						     : "Staying in bootloader.");
		return loader_is_stub(r->ld) ? stubclient_end_strict(r->ld, err) : ED_OK;
	}
	if (job->spec.after == JOB_AFTER_NO_RESET) {
		/* as esptool: "Staying in bootloader." and, from the stub, back to the ROM */
		job_push_event(job, JOB_EVENT_INFO, ED_LOG_INFO, 0, "Staying in bootloader.");
		return loader_is_stub(r->ld) ? stubclient_leave_to_rom(r->ld, err) : ED_OK;
	}
	job_set_stage(job, JOB_STAGE_RESET, job->spec.step_count, "%s",
		      job->spec.after == JOB_AFTER_HARD_RESET ? "Hard resetting via RTS pin..."
							      : "Soft resetting...");
	if (job->spec.boot_check && job->spec.after == JOB_AFTER_HARD_RESET)
		return job_reset_and_boot_check(job, err);
	if (job->spec.after == JOB_AFTER_SOFT_RESET && loader_is_stub(r->ld))
		return stubclient_run_user_code(r->ld, err); /* as esptool's stub mode */
	return loader_finish(r->ld, after_map[job->spec.after], err);
}

int job_run(struct job *job, struct ed_error *err)
{
	struct run r = {.job = job, .lo = LINK_OPTIONS_DEFAULT};
	r.lo.baud = job->spec.baud ? job->spec.baud : 115200;
	if (job->spec.trace_path) {
		job->trace = fopen(job->spec.trace_path, "w");
		if (!job->trace)
			return ed_fail(err, ED_ERR_IO, "cannot open the trace file %s",
				       job->spec.trace_path);
	} else if (job->spec.trace_stderr) {
		job->trace = stderr;
	}
	if (!job->spec.port || !*job->spec.port) /* no "Opening " with an empty name */
		job_set_stage(job, JOB_STAGE_CONNECT, 0, "No port to open");
	else
		job_set_stage(job, JOB_STAGE_CONNECT, 0, "Opening %s", job->spec.port);
	uint64_t t0 = ed_monotonic_us();
	int rc = link_open(job->spec.port, &r.lo, &job->link, err);
	bool opened = rc == ED_OK;
	if (opened)
		connect_rate(&r);
	r.cfg = (struct loader_config){
	    .log = {log_sink, job, job->spec.verbose > 0 ? ED_LOG_DEBUG : ED_LOG_INFO},
	    .trace = {job->trace ? trace_sink : NULL, job, ED_LOG_TRACE},
	    .cancel = &job->cancel,
	    .connect_attempts = job->spec.connect_attempts,
	    .reset_sequence = job->spec.reset_sequence,
	};
	if (rc == ED_OK)
		rc = loader_create(job->link, &r.cfg, &r.ld, err);
	if (rc == ED_OK)
		rc = run_all(&r, err);
	if (rc == ED_OK)
		ed_error_clear(err);
	char why[600];
	if (rc == ED_OK && job_get_skipped(job, why, sizeof why))
		ed_fail(err, ED_OK, "%s", why); /* the result event's text */
	loader_destroy(r.ld);
	link_close(job->link);
	job->link = NULL;
	if (job->trace && job->trace != stderr)
		fclose(job->trace);
	job->trace = NULL;
	if (opened && !job_get_skipped(job, NULL, 0))
		job_write_journal(job, rc, err, (double)(ed_monotonic_us() - t0) / 1e6);
	if (rc == ED_OK)
		write_summary(&r);
	return rc;
}
