/* SPDX-License-Identifier: MIT
 * The job runner: the same job on a group of boards at once (one board is a group of
 * one), one worker each (job.h), followed from one thread. Both front ends run every
 * board job through it: the command line with its renderers (cli/cli_render.c), the
 * bench screen with its progress view (tui/bench_progress.c).
 *
 * Call order: job_group_create() with the spec; job_group_add() / job_group_add_ports()
 * for each board; job_group_start(); then either job_group_run() (a foreground loop
 * with Ctrl-C) or, from a loop of one's own, poll every job_group_wake_fd() and call
 * job_group_tick(); job_group_destroy() cancels and joins what still runs.
 *
 * Per board the group keeps what a renderer shows (struct job_board): its stage by
 * name (any stage the job reports, so new stages need no change here), the latest
 * progress, the steps begun, chip and MAC once detected, the result with its cause, and
 * the boot verdict. The journal line is the worker's (job.h); a board that fails never
 * stops the others. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "engine/detect.h"
#include "job/job.h"
#include "journal/journal.h"

#define JOB_GROUP_MAX 64

struct job_board {
	char port[256]; /* the link spec */
	char label[96]; /* what to show for it ("" = the port) */
	bool started, done, cancel_sent;
	bool start_failed;	       /* its worker could not start (result_text says why) */
	enum job_stage stage;	       /* the latest STAGE event */
	const char *stage_name;	       /* job_stage_name(stage), static */
	uint64_t stage_since_us;       /* when that stage began (ed_monotonic_us) */
	size_t step_cur;	       /* the highest step begun */
	bool *step_started;	       /* per step of the spec: began */
	struct job_file_result *files; /* per step: a written file's cost and board MD5 */
	bool *file_done;	       /* per step: files[i] is filled (FILE event) */
	struct job_progress prog; /* latest progress (kept full through reset, and when done) */
	bool have_chip;
	struct chip_info chip;
	char mac[18];	/* "aa:bb:..", "" before DETECT */
	int history_rc; /* with the chip: 1 history below, 0 no journal, < 0 error */
	struct journal_history history; /* the journal's entries of this MAC before the job */
	char history_err[256];
	int result;	       /* when done: ED_OK or the job's error */
	char result_text[800]; /* the result event's text: summary or error detail */
	char cause[800];       /* the error detail from job_wait(), "" when none */
	enum job_boot_verdict verdict;
	char verdict_reason[160];
	int skipped;   /* when done: job_get_skipped() (result ED_OK, result_text says why) */
	unsigned runs; /* jobs started on this board (job_group_start_board() again) */
};

struct job_group;

/* What a renderer wants to hear; every callback may be NULL. Called from
 * job_group_tick()/job_group_run() on the caller's thread. */
struct job_group_ops {
	/* Every event of every board, in each board's order (after the group's state is
	 * updated for it). */
	void (*event)(void *user, struct job_group *g, size_t board, const struct job_event *ev);
	/* A board's chip became known (after DETECT): the time to look up its history. */
	void (*chip)(void *user, struct job_group *g, size_t board);
	/* A board finished: result, cause and verdict are final, its worker is joined. */
	void (*finished)(void *user, struct job_group *g, size_t board);
	/* job_group_run(): once per turn of the loop (progress may have moved). */
	void (*progress)(void *user, struct job_group *g);
	/* job_group_run(): Ctrl-C or SIGTERM arrived; every board is being cancelled. */
	void (*interrupted)(void *user, struct job_group *g);
};

/* A group for spec (borrowed: it and what it points to must outlive the group; each
 * board's job copies it at start). ops (copied; may be NULL) and user go to the
 * callbacks. */
int job_group_create(const struct job_spec *spec, const struct job_group_ops *ops, void *user,
		     struct job_group **out, struct ed_error *err);
/* Adds a board on port (copied); label NULL = the port. ED_ERR_ARG when the port is
 * already in the group (two workers would garble each other's packets) or the group
 * is full. Before job_group_start(), or after it for a board that job_group_start_board()
 * starts (the flashing station adds boards as they appear). */
int job_group_add(struct job_group *g, const char *port, const char *label, struct ed_error *err);
/* Adds every port of ports[]; "all" stands for every serial port on a known ESP USB
 * bridge (link/ports.h), ED_ERR_NOTFOUND when there is none. */
int job_group_add_ports(struct job_group *g, const char *const *ports, size_t count,
			struct ed_error *err);
/* Starts one worker per board; a board whose job cannot start is finished at once with
 * the reason (the others run). With several boards no board writes the spec's trace
 * (one file cannot hold several boards). */
void job_group_start(struct job_group *g);

/* Starts (again) one board that is not running: its state is reset to a fresh board's
 * and a job of spec (NULL = the group's spec; borrowed until this returns) runs on the
 * board's port. A job that cannot start finishes the board at once with the reason and
 * the finished callback; returns that error, else ED_OK. */
int job_group_start_board(struct job_group *g, size_t i, const struct job_spec *spec);

size_t job_group_count(const struct job_group *g);
/* Board i (borrowed, valid until job_group_destroy()). */
const struct job_board *job_group_board(const struct job_group *g, size_t i);
/* The spec the group runs (borrowed). */
const struct job_spec *job_group_spec(const struct job_group *g);
/* Board i's wake fd, -1 once it finished. */
int job_group_wake_fd(const struct job_group *g, size_t i);
bool job_group_running(const struct job_group *g);
/* Board i has a job that has not finished. */
bool job_group_board_running(const struct job_group *g, size_t i);

struct job_group_counts {
	size_t boards, running, passed, failed, cancelled;
};
void job_group_counts(const struct job_group *g, struct job_group_counts *c);

/* Takes every board's events and progress, calling the ops; returns true when anything
 * changed (a renderer redraws). Never blocks. */
bool job_group_tick(struct job_group *g);
void job_group_cancel(struct job_group *g, size_t i);
void job_group_cancel_all(struct job_group *g);

/* The foreground loop: polls the boards' wake fds and a signal pipe (core/sigpipe.h:
 * SIGINT, SIGTERM cancel every board) until every board finished, calling the ops;
 * wakes at least every tick_ms for progress. Returns ED_OK or a negative ed_err when
 * the loop itself could not run (the boards' results are in their job_board). */
int job_group_run(struct job_group *g, int tick_ms, struct ed_error *err);

/* Cancels and joins what still runs, frees everything; accepts NULL. */
void job_group_destroy(struct job_group *g);

/* "passed", "FAILED", "cancelled" for a board's result. */
const char *job_group_result_word(int result);
