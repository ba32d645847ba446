/* SPDX-License-Identifier: MIT
 * The bench screen's state, shared by its files: bench.c (create, keys, actions),
 * bench_draw.c (drawing only: reads state, never changes it), bench_job.c (the log, and
 * jobs through the runner), bench_progress.c (the one progress screen for one board or
 * several), bench_ports.c (the ports pane and hot-plug) and bench_ota.c (OTA bins). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "app/config.h"
#include "job/job.h"
#include "job/job_group.h"
#include "layout/layout.h"
#include "link/baudmem.h"
#include "tui/screen.h"

#define BENCH_MAX_PORTS 32
#define BENCH_LOG_MAX	4000
#define BENCH_MAX_STEPS (2 * LAYOUT_MAX_REGIONS + 2)

enum bench_pane { PANE_PORTS = 0, PANE_PRESETS, PANE_REGIONS, PANE_SETTINGS, PANE_COUNT };

enum bench_setting {
	SET_BAUD = 0,
	SET_MODE,
	SET_SIZE,
	SET_FREQ,
	SET_BEFORE,
	SET_AFTER,
	SET_VERIFY,
	SET_BOOT,
	SET_BOOT_TIME,
	SET_COUNT
};

enum bench_action { ACT_NONE = 0, ACT_WRITE, ACT_ERASE, ACT_READ, ACT_VERIFY, ACT_INFO };

struct bench_port {
	char spec[256];	 /* what link_open() takes */
	char label[160]; /* what the pane shows */
	bool is_virtual;
	bool bridge;  /* a known ESP USB-serial bridge */
	bool checked; /* Space: part of the next write on several boards */
};

#define BENCH_MAX_BOARDS BENCH_MAX_PORTS

struct bench {
	const struct config *cfg;
	struct config run_cfg; /* cfg with the port and settings applied, for job specs */
	struct tui *ui;
	char *summary; /* tui_main's one-line summary, filled on destroy */
	size_t summary_cap;
	int *exit_code; /* tui_main's status: CANCELLED when quitting stopped a job */

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
	char load_error[768]; /* preset could not be read at all */
	bool checked[LAYOUT_MAX_REGIONS];
	size_t region_sel;

	size_t setting[SET_COUNT];  /* index into each setting's value list */
	struct baudmem_entry bauds; /* what the selected port's bridge managed before */
	size_t set_sel;
	enum bench_pane focus;

	char *log[BENCH_LOG_MAX];
	int log_level[BENCH_LOG_MAX];
	size_t log_first, log_count;
	FILE *tee;

	/* The running or last job, on one board or the checked ports (bench_job.c). */
	struct job_group *group; /* NULL before the first job */
	struct job_spec spec;	 /* what the group runs; its steps are steps[] */
	bool multi;		 /* on the checked ports: the rows view */
	enum bench_action action;
	char job_title[160];
	struct job_step steps[BENCH_MAX_STEPS];
	char step_label[BENCH_MAX_STEPS][96];
	size_t nsteps;
	int watched[BENCH_MAX_BOARDS];	     /* boards' wake fds the loop watches, -1 none */
	char history[BENCH_MAX_BOARDS][128]; /* "flashed before: ..." per board (writes) */
	size_t board_sel;
	unsigned stage_seconds; /* whole seconds of a stage without bytes, shown */
	bool quit_after_job, summarised;
	char job_summary[512];	 /* what was and was not written */
	char multi_summary[256]; /* several boards: the counts */
	char last_job[1024];	 /* the last job's outcome, for the summary on exit */
	char chip[2][160];	 /* chip info of the last job that detected one */
	char read_path[512];
	char read_default[64]; /* the dump name the read dialog proposed */
	char last_dump[512];
	unsigned virtual_added; /* boards added with '+' (sim://?mac=...) */
	char journal[512];	/* where jobs append their line; "" = none */
	char ota_dir[512];	/* the folder of the last OTA bins, for publishing */
	/* A preset check the user overrode in the warning dialog (issue 15): "user1.bin
	 * built for 2MB-c1", "" = none; cleared when the preset is selected again. */
	char force_note[512];
	char journal_preset[700];	 /* "demo (forced: ...)" for the journal line */
	char ota_elf[256], ota_out[256]; /* the OTA form's values while "create the folder?" */
};

/* bench.c */
const char *bench_setting_value(const struct bench *b, enum bench_setting s);
const char *bench_setting_name(enum bench_setting s);
/* Reads the baud memory for the selected port into b->bauds (after a port change and after
 * every job, which may have recorded a baud change). */
void bench_refresh_bauds(struct bench *b);
/* " (worked here last time)", " (failed here last time)" or "" for a baud value on the
 * selected port's bridge; *failed says which. */
const char *bench_baud_note(const struct bench *b, const char *value, bool *failed);
void bench_select_preset(struct bench *b, size_t i);
bool bench_job_running(const struct bench *b);

/* bench_draw.c */
void bench_draw(struct screen *s, struct tui *ui);

/* bench_job.c: the log pane */
void bench_log(struct bench *b, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void bench_log_free(struct bench *b);
/* The i-th most recent-first line counting from the oldest kept one; NULL past the end. */
const char *bench_log_line(const struct bench *b, size_t i, int *level);

/* bench_job.c: jobs through the runner. bench_job_start() runs the steps in b->steps /
 * b->nsteps on the selected port, or on every checked port when on_checked, and pushes
 * the progress screen; logs and returns false when it cannot start. */
bool bench_job_start(struct bench *b, enum bench_action action, const char *title, bool on_checked);
/* Takes the boards' events into the log and the progress state; returns screen flags. */
int bench_job_tick(struct bench *b);
void bench_job_cancel(struct bench *b);
void bench_job_cancel_board(struct bench *b, size_t i);
/* Cancels what runs, follows it to its end, frees the group. */
void bench_job_finish(struct bench *b);
size_t bench_checked_ports(const struct bench *b);
/* The boot check and journal of a write, from the settings and the preset, into spec. */
void bench_write_extras(struct bench *b, struct job_spec *spec);

/* bench_station.c: S, the station view (the preset on every board that appears). */
void bench_station_open(struct bench *b);
/* What the journal knew of a board's MAC before its job ("flashed before: DATE, RESULT
 * (N times)", "new board (not in the journal)", "journal off") into out. */
void bench_history(const struct bench *b, const struct job_board *bd, char *out, size_t cap);

/* bench_progress.c: the progress screen of the job in b->group (one board or rows). */
struct screen *bench_progress_screen(struct bench *b);

/* bench.c: pushes the hex viewer on path (logs why not when it cannot). */
void bench_open_dump(struct bench *b, const char *path);

/* bench_ota.c: user1.bin and user2.bin from an ELF into out_dir; error filled on failure. */
int bench_make_ota(struct bench *b, const char *elf_path, const char *out_dir, char *error,
		   size_t cap);

/* bench_ota.c: creates dir and its missing parents (mode 0755); error filled on failure. */
int bench_mkdir_p(const char *dir, char *error, size_t cap);

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
