/* SPDX-License-Identifier: MIT
 * Flash jobs: one job = an ordered list of steps (connect, erase, write region i of n,
 * verify, read, reset) run on a worker thread against one board (design.md "Threading").
 *
 * Contract with the UI (the TUI and the CLI's progress bar are both clients):
 *   job_start()  copies the spec and starts the worker; the caller keeps nothing alive.
 *   job_wake_fd() becomes readable when events or progress are pending; the UI polls it,
 *                then calls job_drain_wake() and takes everything with job_next_event()
 *                (a FIFO that never drops: stage changes, log lines, info, the result)
 *                and job_get_progress() (a single latest-progress slot, overwritten).
 *   job_cancel() is safe from any thread; the worker stops between packets, leaves the
 *                board in a known state and says what was and was not written.
 *   job_wait()   joins the worker; job_destroy() frees (accepts NULL, waits if needed).
 * The worker never calls curses and never prints; it only fills events.
 *
 * Production bench (issue 7), in the worker's order after the last step:
 *   after=hard_reset and boot_check: the BOOT stage listens on the same link
 *     (bootlog_listen: 74880 baud, then boot_app_baud after the jump) for boot_listen_ms,
 *     one JOB_EVENT_BOOTLOG per decoded line, then judges with boot_expect's rules; "not
 *     booted" makes the job fail with the reason. job_get_boot_verdict() has the verdict
 *     (readable once the result event arrived, or after job_wait()).
 *   journal_path: the worker appends exactly one journal line (journal/journal.h) at the
 *     end of every job that got as far as opening the port, failures and cancels too,
 *     before the result event; a journal that cannot be written is a LOG warning, not a
 *     failure of the board. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/log.h"
#include "engine/detect.h"

enum job_stage {
	JOB_STAGE_QUEUED = 0,
	JOB_STAGE_CONNECT,
	JOB_STAGE_DETECT,
	JOB_STAGE_ERASE,
	JOB_STAGE_WRITE,
	JOB_STAGE_VERIFY,
	JOB_STAGE_READ,
	JOB_STAGE_RESET,
	JOB_STAGE_DONE,
	JOB_STAGE_BOOT, /* listening to the boot log after the hard reset; runs after RESET
			 * and before DONE, but is numbered last so older values keep theirs */
	JOB_STAGE_STUB, /* uploading and starting the flasher stub; runs after DETECT */
	JOB_STAGE_BAUD, /* moving the running stub to --baud; runs after STUB */
};

enum job_step_kind {
	JOB_STEP_INFO, /* connect + detect only (chip, MAC, flash id/size) */
	JOB_STEP_ERASE_CHIP,
	JOB_STEP_ERASE_REGION, /* offset, size */
	JOB_STEP_WRITE,	       /* offset, data/size (copied by job_start), name */
	JOB_STEP_VERIFY,       /* offset, data/size: read back and compare */
	JOB_STEP_READ,	       /* offset, size, path: dump written atomically */
	JOB_STEP_READ_STATUS,  /* size = bytes (1-3): esptool's read_flash_status, an INFO
				* event "Flash memory status: 0x...." */
	JOB_STEP_WRITE_STATUS, /* offset = value, size = bytes (1-3), non_volatile:
				* esptool's write_flash_status, three INFO events */
};

/* READ and ERASE_REGION size: to the end of the detected flash (esptool's ALL). */
#define JOB_SIZE_TO_END UINT32_MAX

struct job_step {
	enum job_step_kind kind;
	uint32_t offset;
	uint32_t size;
	const uint8_t *data; /* borrowed until job_start() returns */
	const char *name;    /* region or file name for messages; borrowed likewise */
	const char *path;    /* READ: output file; borrowed likewise */
	bool non_volatile;   /* WRITE_STATUS: WREN instead of WEVSR (survives power-off) */
};

/* Reset before connecting / after finishing (esptool's --before / --after names). */
enum job_before {
	JOB_BEFORE_DEFAULT_RESET,
	JOB_BEFORE_NO_RESET,
	JOB_BEFORE_MANUAL,
	JOB_BEFORE_NO_RESET_NO_SYNC
};
/* esptool's --after: NO_RESET leaves a running stub for the ROM loader (as esptool does),
 * NO_RESET_STUB keeps the stub running for the next command (which then skips the upload). */
enum job_after {
	JOB_AFTER_HARD_RESET,
	JOB_AFTER_SOFT_RESET,
	JOB_AFTER_NO_RESET,
	JOB_AFTER_NO_RESET_STUB
};

struct job_spec {
	const char *port; /* link spec: device path, socket://, sim://?... */
	uint32_t baud;
	enum job_before before;
	enum job_after after;
	const char *flash_mode;	    /* "keep" or a mode name: patch of an image at 0x0 */
	const char *flash_size;	    /* "keep", "detect" or a size name */
	const char *flash_freq;	    /* "keep" or a frequency name */
	bool verify;		    /* read back every written region and compare */
	bool check_blocks;	    /* read one word of every written block back (catches a block
				  * a corrupted FLASH_DATA header put elsewhere); the first and
				  * last block of each file are always checked */
	const char *trace_path;	    /* NULL or a file for a protocol trace */
	bool trace_stderr;	    /* the protocol trace on stderr (when trace_path is NULL) */
	bool trace_names_port;	    /* each stderr trace line names the port (several boards) */
	bool erase_preserve;	    /* erase-bug strategy: false = exact (SPI erase + erase size
				  * 0 where needed), true = esptool's size + save/restore of the
				  * one collateral sector (engine/erase_plan.h) */
	int verbose;		    /* 0: info log events, 1: debug, 2: debug + engine detail */
	int connect_attempts;	    /* 0 = esptool's 7, < 0 = until cancelled */
	const char *reset_sequence; /* custom reset (engine/reset_seq.h), NULL = esptool's */
	bool stub;		    /* run the flasher stub after DETECT (esptool's default; the
				  * application sets it unless --no-stub); false = ROM mode. A stub
				  * that does not start leaves the job in ROM mode, said in a warning */
	bool baud_memory;	    /* warn when --baud failed on this bridge before and record
				  * each stub baud change's outcome (link/baudmem.h) */
	bool no_compress;	    /* on the stub: write uncompressed (-u); the default is zlib
				  * level 9 per file, as esptool */
	bool diff;		    /* on the stub: write only the sectors whose flash MD5 differs
				  * (--diff; stubflash_write_opts); ROM mode writes whole files
				  * and says so once */
	bool chip_check;	    /* on the stub: per-sector MD5 map of the whole flash before and
				  * after the steps (engine/chipmap.h); a change outside the files
				  * fails the job naming the sectors. The application sets it for
				  * multi-board jobs unless --no-check-chip; the station sets it */
	const struct job_step *steps;
	size_t step_count;
	/* Boot check (ignored unless after == JOB_AFTER_HARD_RESET). */
	bool boot_check;
	const char *boot_expect; /* rules for bootlog_rules_add(), ';' or newline separated;
				   * NULL/"" = the default verdict (jumped or csum good) */
	uint32_t boot_app_baud;	 /* the application's baud after the jump; 0 = 115200 */
	uint32_t boot_listen_ms; /* how long to listen; 0 = 3000 */
	/* Journal: NULL = none. */
	const char *journal_path;
	const char *preset_name; /* the preset column; NULL = "" */
	const char *slot;	 /* the slot column (the flashing station); NULL = "" */
	/* The flashing station's guards, checked right after DETECT, before anything is
	 * written: the job then ends with ED_OK and job_get_skipped() says why; the board is
	 * reset as spec.after says and no journal line is written (nothing happened). */
	bool skip_written;    /* skip a board the journal has written (ok) with exactly the
			       * files of this job (same names and MD5s) */
	const char *skip_mac; /* skip a board with this MAC ("aa:bb:cc:dd:ee:ff"): the board
			       * that was already in the slot; NULL = none */
};

enum job_event_kind {
	JOB_EVENT_STAGE,   /* stage, step_index, text = what starts ("write user1.bin @0x1000") */
	JOB_EVENT_LOG,	   /* level, text */
	JOB_EVENT_INFO,	   /* text = one "key: value" line of chip information */
	JOB_EVENT_RESULT,  /* result (ED_OK or error), text = the summary or the error detail */
	JOB_EVENT_BOOTLOG, /* text = one boot-log line as received (printable), explain = what
			    * it means ("" when nothing to add), boot_kind = its class */
	JOB_EVENT_FILE,	   /* a write step's data is on the flash and proven: step_index,
			    * file (below), text = one line for a log */
};

/* What one written file cost and how it was proven (JOB_EVENT_FILE). */
struct job_file_result {
	uint64_t bytes;		  /* the file's size */
	uint64_t wire_bytes;	  /* data bytes sent (compressed or not); 0 when none */
	double seconds;		  /* from the write's start to its proof */
	uint32_t sectors_skipped; /* already right on the flash, not written (--diff) */
	bool compressed;
	char flash_md5[33]; /* the MD5 the board reported for the written range ("" in ROM
			     * mode: the ROM has no MD5 command) */
};

struct job_event {
	enum job_event_kind kind;
	enum job_stage stage;
	size_t step_index;
	enum ed_log_level level;
	int result;
	char text[768];
	int boot_kind;		     /* BOOTLOG: an enum bootlog_kind */
	struct job_file_result file; /* FILE only */
	/* The step's sectors and those skipped as unchanged, once a WRITE with spec.diff on
	 * the stub compared them (its "Wrote" summary and every later event of the step);
	 * 0 otherwise. */
	uint32_t sectors_total, sectors_skipped;
	char explain[256]; /* BOOTLOG only */
};

/* The boot check's outcome. */
enum job_boot_verdict {
	JOB_BOOT_NOT_CHECKED = 0, /* no boot check, or the job failed before it */
	JOB_BOOT_BOOTED,
	JOB_BOOT_NOT_BOOTED,
	JOB_BOOT_UNKNOWN, /* nothing decisive heard (counts as a failure) */
};

struct job_progress {
	enum job_stage stage;
	size_t step_index; /* 0-based index into the spec's steps */
	size_t step_count;
	uint64_t done; /* bytes of the current step */
	uint64_t total;
	double rate_bps; /* bytes per second over the current step */
	double eta_s;	 /* seconds left in the current step, < 0 when unknown */
	uint64_t elapsed_us;
	/* The engine under the current step: kept across steps. */
	bool stub;     /* the flasher stub runs the flash commands (else the ROM loader) */
	uint32_t baud; /* the line's rate now (after the stub's baud change) */
	/* A stub write: bytes on the wire so far (compressed when compressing) of wire_total,
	 * and their rate; 0 otherwise. done/total/rate_bps count the file's own bytes. */
	uint64_t wire_done, wire_total;
	double wire_rate_bps;
	/* WRITE with spec.diff on the stub, once the flash was compared: sectors of the
	 * step's range, and those already right and skipped. Both 0 otherwise. */
	uint32_t sectors_total;
	uint32_t sectors_skipped;
};

struct job;

/* Starts a worker. On success *out owns the job. */
int job_start(const struct job_spec *spec, struct job **out, struct ed_error *err);
int job_wake_fd(const struct job *job);
void job_drain_wake(struct job *job);
/* Takes the oldest pending event; false when none is pending. */
bool job_next_event(struct job *job, struct job_event *ev);
void job_get_progress(struct job *job, struct job_progress *p);
void job_cancel(struct job *job);
bool job_is_finished(struct job *job);
/* Joins the worker; returns the job's result and copies its error detail. */
int job_wait(struct job *job, struct ed_error *err);
void job_destroy(struct job *job);

/* The chip found by the DETECT stage; false before it ran or when it failed. */
bool job_get_chip_info(struct job *job, struct chip_info *info);

/* What the journal knew of the board's MAC before this job: looked up by the worker right
 * after DETECT, before the job's own line is written. Returns 1 and fills out when looked
 * up, 0 before DETECT or without a journal, a negative ed_err (err filled) when the
 * journal could not be read. */
struct journal_history;
int job_get_history(struct job *job, struct journal_history *out, struct ed_error *err);

/* Why the job skipped the board (spec.skip_written / skip_mac), once it finished: 0 when
 * it did not, 1 for a board written before (reason names when and where), 2 for the
 * board given as skip_mac. reason (may be NULL) gets the sentence. */
int job_get_skipped(struct job *job, char *reason, size_t cap);

/* The boot check's verdict; reason (may be NULL) gets the deciding sentence ("" when not
 * checked). */
enum job_boot_verdict job_get_boot_verdict(struct job *job, char *reason, size_t cap);
/* "booted", "not booted", "unknown", "not checked". */
const char *job_boot_verdict_name(enum job_boot_verdict v);

/* "connect", "erase", "write", "upload stub", "baud", ... for display. */
const char *job_stage_name(enum job_stage stage);
