/* SPDX-License-Identifier: MIT
 * The bench screen's state, shared by its files: bench.c (create, keys, actions),
 * bench_draw.c (drawing only: reads state, never changes it), bench_job.c (jobs, their
 * events, the progress screen, the log) and bench_ports.c (the ports pane and hot-plug). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "app/config.h"
#include "job/job.h"
#include "layout/layout.h"
#include "tui/screen.h"

#define BENCH_MAX_PORTS 32
#define BENCH_LOG_MAX 4000
#define BENCH_MAX_STEPS (2 * LAYOUT_MAX_REGIONS + 2)

enum bench_pane { PANE_PORTS = 0, PANE_PRESETS, PANE_REGIONS, PANE_SETTINGS, PANE_COUNT };

enum bench_setting { SET_BAUD = 0, SET_MODE, SET_SIZE, SET_FREQ, SET_BEFORE, SET_AFTER,
		     SET_VERIFY, SET_BOOT, SET_BOOT_TIME, SET_COUNT };

enum bench_action { ACT_NONE = 0, ACT_WRITE, ACT_ERASE, ACT_READ, ACT_VERIFY, ACT_INFO };

struct bench_port {
	char spec[256];  /* what link_open() takes */
	char label[96];  /* what the pane shows */
	bool is_virtual;
	bool bridge;     /* a known ESP USB-serial bridge */
	bool checked;    /* Space: part of the next write on several boards */
};

#define BENCH_MAX_BOARDS BENCH_MAX_PORTS

/* One board of a write on several boards at once (bench_multi.c). */
struct bench_board {
	char port[256];
	char label[96];
	struct job *job;       /* NULL once finished and freed */
	struct job_progress prog;
	bool done, cancel_sent;
	int result;
	char result_text[800];
	char chip[40];
	char mac[20];
	char history[128];     /* "flashed before: <date>, <result>" or "new board" */
	enum job_boot_verdict verdict;
	char verdict_reason[160];
};

struct bench {
	const struct config *cfg;
	struct config run_cfg;   /* cfg with the port and settings applied, for job specs */
	struct tui *ui;
	char *summary;           /* tui_main's one-line summary, filled on destroy */
	size_t summary_cap;
	int *exit_code;          /* tui_main's status: CANCELLED when quitting stopped a job */

	struct bench_port ports[BENCH_MAX_PORTS];
	size_t nports, port_sel;
	int inotify_fd;
	uint64_t next_scan_us;

	struct layout_catalog *cat;
	size_t preset_sel;
	struct layout layout;
	struct layout_report rep;
	struct layout_files files;
	bool loaded, parse_ok, files_ok;
	char load_error[768];    /* preset could not be read at all */
	bool checked[LAYOUT_MAX_REGIONS];
	size_t region_sel;

	size_t setting[SET_COUNT]; /* index into each setting's value list */
	size_t set_sel;
	enum bench_pane focus;

	char *log[BENCH_LOG_MAX];
	int log_level[BENCH_LOG_MAX];
	size_t log_first, log_count;
	FILE *tee;

	struct job *job;
	enum bench_action action;
	char job_title[160];
	struct job_step steps[BENCH_MAX_STEPS];
	char step_label[BENCH_MAX_STEPS][96];
	size_t nsteps, step_cur;
	bool step_started[BENCH_MAX_STEPS];
	struct job_progress prog;
	bool job_done, cancel_sent, quit_after_job;
	bool job_verify;         /* the job reads back what it wrote */
	uint64_t stage_since_us; /* when the current stage began (for stages without bytes) */
	unsigned stage_seconds;  /* whole seconds shown for it */
	int job_result;
	char job_result_text[768];
	char job_summary[512];   /* what was and was not written */
	char last_job[1024];     /* the last job's outcome, for the summary on exit */
	char chip[2][160];       /* chip info of the last job that detected one */
	bool history_seen;       /* the running job's MAC was looked up in the journal */
	char read_path[512];
	char read_default[64];   /* the dump name the read dialog proposed */
	char last_dump[512];

	/* Several boards at once (bench_multi.c). */
	struct bench_board boards[BENCH_MAX_BOARDS];
	size_t nboards, board_sel;
	bool multi_active;      /* a multi-board write ran and its view is still wanted */
	unsigned virtual_added; /* boards added with '+' (sim://?mac=...) */
	char journal[512];      /* where jobs append their line; "" = none */
	char multi_summary[256];
	char ota_dir[512];      /* the folder of the last OTA bins, for publishing */
};

/* bench.c */
const char *bench_setting_value(const struct bench *b, enum bench_setting s);
const char *bench_setting_name(enum bench_setting s);
void bench_select_preset(struct bench *b, size_t i);
bool bench_job_running(const struct bench *b);

/* bench_draw.c */
void bench_draw(struct screen *s, struct tui *ui);

/* bench_job.c */
void bench_log(struct bench *b, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void bench_log_free(struct bench *b);
/* The i-th most recent-first line counting from the oldest kept one; NULL past the end. */
const char *bench_log_line(const struct bench *b, size_t i, int *level);
/* Starts a job of kind action with steps already in b->steps / b->nsteps, pushes the
 * progress screen. Logs and returns false when it cannot start. */
bool bench_start_job(struct bench *b, enum bench_action action, const char *title);
/* Drains the job's events into the log and the progress state; returns screen flags. */
int bench_job_tick(struct bench *b);
void bench_job_cancel(struct bench *b);
/* Joins and frees a job (cancelling it first when it still runs). */
void bench_job_finish(struct bench *b);
struct screen *bench_progress_screen(struct bench *b);

/* bench.c: pushes the hex viewer on path (logs why not when it cannot). */
void bench_open_dump(struct bench *b, const char *path);

/* bench_ota.c: user1.bin and user2.bin from an ELF into out_dir; error filled on failure. */
int bench_make_ota(struct bench *b, const char *elf_path, const char *out_dir, char *error,
		   size_t cap);

/* bench_multi.c: the write of the current preset on every checked port, one job each. */
bool bench_multi_start(struct bench *b, const struct job_step *steps, size_t n,
		       const char *title);
int bench_multi_tick(struct bench *b);
bool bench_multi_running(const struct bench *b);
void bench_multi_cancel(struct bench *b);
void bench_multi_finish(struct bench *b);
struct screen *bench_multi_screen(struct bench *b);
size_t bench_checked_ports(const struct bench *b);
/* What the journal knows of a MAC ("flashed before: DATE, RESULT (N times)", "new board
 * (not in the journal)", "journal off") into out. Call before the job's own line is in. */
void bench_history(struct bench *b, const char *mac, char *out, size_t cap);

/* Fills the boot-check and journal fields of spec from the settings and the preset. */
void bench_spec_extras(struct bench *b, struct job_spec *spec);

/* bench_ota.c: publish dialog for the last OTA bins. */
void bench_ask_publish(struct bench *b);

/* bench_ports.c */
/* '+': one more in-process virtual board with its own flash and MAC. */
void bench_ports_add_virtual(struct bench *b);
/* 'a': check every port with a known ESP USB bridge (and uncheck when all are). */
int bench_ports_check_bridges(struct bench *b);
void bench_ports_init(struct bench *b);
void bench_ports_scan(struct bench *b);
/* Call from tick: rescans on hot-plug (inotify) or every few seconds; returns flags. */
int bench_ports_tick(struct bench *b);
void bench_ports_finish(struct bench *b);
