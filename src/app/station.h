/* SPDX-License-Identifier: MIT
 * The flashing station: runs one preset on every board that appears, one slot per place
 * a board can sit, through the one job runner (job/job_group.h). Shared by `espdeck
 * station` (cli/cli_station.c) and the bench screen's station view (tui/). No curses,
 * no printing: the front end hears notes and job events through station_ops.
 *
 * Slots and boards:
 *   local:  the entries of a watched folder (default /dev/serial/by-path, else the ESP
 *           bridges' ttyUSB* / ttyACM* in /dev), seen with inotify. An entry that
 *           appears is a new board (after a short settle time); one that disappears
 *           leaves its slot empty. The slot is named by the entry's name (by-path is
 *           stable across plugs: it names the hub port, not the board).
 *   remote: every --port URL (socket://, rfc2217://, another device path), polled. A
 *           port is probed by the preset's job itself: no answer before DETECT means no
 *           board (the slot waits, nothing is said); a board whose MAC is the one
 *           already in the slot is left alone (the job stops after DETECT); another MAC
 *           is a new board and is written. A probe resets the board it finds, so a
 *           slot with a board is looked at only every fifth period.
 *
 * Never written twice without asking: with a journal, a board whose MAC has an ok line
 * with exactly these files (names and MD5s) is skipped and said so, unless rewrite.
 *
 * Call order: station_create(); then loop: poll station_pollfds() with
 * station_timeout_ms(), call station_tick(); station_retry_failed() on request;
 * station_stop() on q / Ctrl-C, until station_done(); station_destroy(). */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "job/job.h"
#include "job/job_group.h"

#define STATION_DEFAULT_DIR  "/dev/serial/by-path"
#define STATION_FALLBACK_DIR "/dev"

enum station_state {
	STATION_EMPTY,	   /* no board: remote waiting for one, local unplugged */
	STATION_SETTLING,  /* local: appeared, starts after the settle time */
	STATION_RUNNING,   /* the preset's job runs on a new board */
	STATION_PASSED,	   /* written and proven */
	STATION_SKIPPED,   /* already written with these files (the reason says when) */
	STATION_FAILED,	   /* r retries */
	STATION_CANCELLED, /* stopped by q / Ctrl-C */
};

struct station_slot {
	char name[96];	/* by-path name, or the URL */
	char port[256]; /* what is opened: the watched path, or the URL */
	bool remote;	/* polled, not watched */
	bool present;	/* local: the entry exists; remote: a board answered last time */
	bool probing;	/* remote: a job runs that has not found a new board (yet) */
	enum station_state state;
	char mac[18];	 /* the board last found in the slot, "" before */
	char text[800];	 /* the last result's sentence ("" while none) */
	uint64_t due_us; /* settling / the next probe, ed_monotonic_us() */
	unsigned boards; /* boards this slot ran the preset on */
	bool replugged;	 /* local: a board came while the last one's job still ran */
	char said[256];	 /* remote: the last reason for "no board" said (said once) */
};

struct station_options {
	const char *watch_dir;	  /* NULL = STATION_DEFAULT_DIR, else STATION_FALLBACK_DIR */
	bool watch_given;	  /* watch_dir was asked for: every entry is a board's port */
	bool no_local;		  /* only the remote ports (no folder is watched) */
	const char *const *ports; /* remote ports, polled */
	size_t port_count;
	bool rewrite;	    /* write boards the journal already has with these files */
	uint32_t poll_ms;   /* remote probe period; 0 = 2000 */
	uint32_t settle_ms; /* local: from appearing to the first packet; 0 = 300 */
};

struct station;

/* What a front end hears; every callback may be NULL, all run inside station_tick(). */
struct station_ops {
	/* The station's own lines: a board appeared, left, is new in a remote slot, ... */
	void (*note)(void *user, struct station *st, size_t slot, const char *text);
	/* A job event of a board being written (a probe that finds nothing is quiet). */
	void (*event)(void *user, struct station *st, size_t slot, const struct job_event *ev);
	/* A board's run ended: the slot's state and text are final for it. */
	void (*finished)(void *user, struct station *st, size_t slot);
};

struct station_counts {
	size_t passed, skipped, failed, cancelled, running;
};

/* A station for spec (borrowed: it and its steps must outlive the station; its port is
 * ignored). Watches the folder and lists the ports; ED_ERR_ARG for a bad option,
 * ED_ERR_NOTFOUND for a watch folder that does not exist, ED_ERR_IO when inotify fails.
 * ops (copied; may be NULL) and user go to the callbacks. */
int station_create(const struct job_spec *spec, const struct station_options *opt,
		   const struct station_ops *ops, void *user, struct station **out,
		   struct ed_error *err);
/* Cancels and joins what runs; accepts NULL. */
void station_destroy(struct station *st);

/* The folder watched ("" with no_local); borrowed. */
const char *station_watch_dir(const struct station *st);
/* Fills fds (room for cap, at least JOB_GROUP_MAX + 1) with what to poll; returns the
 * count. */
size_t station_pollfds(const struct station *st, struct pollfd *fds, size_t cap);
/* How long poll() may sleep: until the next settle or probe, -1 for ever. */
int station_timeout_ms(const struct station *st);
/* Takes inotify events, starts due boards, follows the running ones. Returns true when
 * anything a renderer shows changed. Never blocks (beyond a folder scan). */
bool station_tick(struct station *st);

/* Starts every failed board that is still in its slot once more; returns how many. */
size_t station_retry_failed(struct station *st);
/* Stops taking new boards; probes are cancelled, boards being written finish (cancel:
 * are cancelled cleanly). Call again with cancel to cancel what still runs. */
void station_stop(struct station *st, bool cancel);
bool station_stopping(const struct station *st);
/* Stopping and nothing runs any more. */
bool station_done(const struct station *st);

size_t station_slot_count(const struct station *st);
/* Slot i (borrowed, valid until station_destroy()). */
const struct station_slot *station_slot(const struct station *st, size_t i);
/* The runner's board of slot i (progress, stage; borrowed). */
const struct job_board *station_board(const struct station *st, size_t i);
/* Boards over the whole session. */
void station_counts(const struct station *st, struct station_counts *c);

/* "empty", "settling", "running", "passed", "skipped", "FAILED", "cancelled". */
const char *station_state_name(enum station_state s);
