/* SPDX-License-Identifier: MIT
 * Fault campaign, in-process mode: the job API (job_start with a spec, job_wait) over
 * "fault://...|sim://?clock=virtual&flash=FILE" (the board's real erase and wire times on
 * the virtual clock; "fast" with --timing fast), one forked child per run so a
 * crash or a hang is seen and bounded by the parent's watchdog. */
#include "faults.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "job/job.h"

/* Runs the job in this (child) process; returns the CLI-style exit code. */
static int run_job(const struct campaign *c, const struct run_plan *p, const char *flash_path,
		   const char *dump_path, const uint8_t *data, char *msg, size_t cap)
{
	char port[1024];
	/* FAULTS_SIM_TRACE=FILE: the board's own trace (what it received, after the faults) */
	const char *sim_trace = getenv("FAULTS_SIM_TRACE");
	snprintf(port, sizeof port, "fault://%s|sim://?%sclock=virtual&flash=%s%s%s", p->faults,
		 c->timing == 0 ? "fast&" : "", flash_path, sim_trace ? "&trace=" : "",
		 sim_trace ? sim_trace : "");
	struct job_step step = {.offset = p->offset, .size = p->size, .name = "data.bin"};
	switch (p->op) {
	case OP_WRITE:
		step.kind = JOB_STEP_WRITE;
		step.data = data;
		break;
	case OP_VERIFY:
		step.kind = JOB_STEP_VERIFY;
		step.data = data;
		break;
	case OP_READ:
		step.kind = JOB_STEP_READ;
		step.path = dump_path;
		break;
	default:
		step.kind = JOB_STEP_ERASE_REGION;
		break;
	}
	struct job_spec spec = {
	    .port = port,
	    .baud = 115200,
	    .before = JOB_BEFORE_DEFAULT_RESET,
	    .after = JOB_AFTER_NO_RESET,
	    .flash_mode = "keep",
	    .flash_size = "keep",
	    .flash_freq = "keep",
	    .verify = p->op == OP_WRITE && p->verify_flag,
	    .check_blocks = p->check_blocks,
	    .erase_preserve = p->preserve,
	    .steps = &step,
	    .step_count = 1,
	    .stub = c->stub,
	    .chip_check = c->check_chip,
	    .trace_path = getenv("FAULTS_TRACE"), /* a protocol trace of the run (-v) */
	};
	struct ed_error err = {0};
	struct job *job = NULL;
	int rc = job_start(&spec, &job, &err);
	if (rc == ED_OK)
		rc = job_wait(job, &err);
	job_destroy(job);
	snprintf(msg, cap, "%s", err.msg);
	if (rc == ED_OK)
		return 0;
	return rc == ED_ERR_VERIFY ? 4 : 1;
}

/* The child: sets up the board, runs, judges, and reports "verdict exit detail". */
static void child(const struct campaign *c, const struct run_plan *p, const char *dir, int out_fd)
{
	char flash_path[600], dump_path[600];
	snprintf(flash_path, sizeof flash_path, "%s/flash.img", dir);
	snprintf(dump_path, sizeof dump_path, "%s/dump.bin", dir);
	uint8_t *before = malloc(FLASH_BYTES), *after = malloc(FLASH_BYTES);
	uint8_t *data = malloc(p->size + 1), *dump = malloc(p->size + 1);
	if (!before || !after || !data || !dump)
		_exit(90);
	plan_flash(p, before);
	plan_data(p, before, data);
	if (!write_whole(flash_path, before, FLASH_BYTES))
		_exit(91);
	char msg[800];
	int code = run_job(c, p, flash_path, dump_path, data, msg, sizeof msg);
	size_t got = 0, dump_len = 0;
	if (!read_whole(flash_path, after, FLASH_BYTES, &got) || got != FLASH_BYTES)
		_exit(92);
	bool has_dump = p->op == OP_READ && read_whole(dump_path, dump, p->size + 1, &dump_len);
	struct run_result r = {0};
	judge(p, code, msg, before, after, data, has_dump ? dump : NULL, dump_len, &r);
	char line[1200];
	int n =
	    snprintf(line, sizeof line, "%d %d %s | %.500s\n", (int)r.verdict, code, r.detail, msg);
	if (write(out_fd, line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1)) < 0)
		_exit(93);
	_exit(0);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Reads the child's report after it exited; false when there is none. */
static bool take_report(int fd, struct run_result *r)
{
	char line[1200];
	ssize_t n = read(fd, line, sizeof line - 1);
	if (n <= 0)
		return false;
	line[n] = '\0';
	int v, code, used = 0;
	if (sscanf(line, "%d %d %n", &v, &code, &used) != 2 || v < 0 || v >= V_COUNT)
		return false;
	r->verdict = (enum verdict)v;
	r->exit_code = code;
	char *nl = strchr(line + used, '\n');
	if (nl)
		*nl = '\0';
	snprintf(r->detail, sizeof r->detail, "%s", line + used);
	return true;
}

void run_inproc(const struct campaign *c, const struct run_plan *p, struct run_result *r)
{
	memset(r, 0, sizeof *r);
	char dir[256];
	int fds[2];
	if (make_workdir(dir, sizeof dir) < 0 || pipe(fds) != 0) {
		r->verdict = V_CRASH;
		snprintf(r->detail, sizeof r->detail, "cannot set up the run: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		child(c, p, dir, fds[1]);
	}
	close(fds[1]);
	uint64_t deadline = now_ms() + (uint64_t)c->watchdog_s * 1000u;
	int status = 0;
	bool hung = false;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			hung = true;
			break;
		}
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL);
	}
	if (hung) {
		r->verdict = V_HANG;
		snprintf(r->detail, sizeof r->detail, "no result after %u s (watchdog)",
			 c->watchdog_s);
	} else if (WIFSIGNALED(status)) {
		r->verdict = V_CRASH;
		r->exit_code = WTERMSIG(status);
		snprintf(r->detail, sizeof r->detail, "killed by signal %d", WTERMSIG(status));
	} else if (WEXITSTATUS(status) != 0 || !take_report(fds[0], r)) {
		r->verdict = V_CRASH;
		snprintf(r->detail, sizeof r->detail,
			 "the run's process exited %d without a report", WEXITSTATUS(status));
	}
	close(fds[0]);
	remove_workdir(dir);
}
