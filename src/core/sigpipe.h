/* SPDX-License-Identifier: MIT
 * Signals as bytes on a file descriptor (the self-pipe pattern): the one way espdeck's
 * loops see Ctrl-C, SIGTERM and SIGWINCH, so a poll() loop waits on signals, job wake
 * fds and the keyboard alike. The handler only writes the signal number; one sigpipe is
 * open at a time in a process (the handler has no context pointer: the write end is the
 * only process-wide state). Workers never see these signals (job_start blocks them). */
#pragma once

#include <signal.h>
#include <stddef.h>

#include "core/error.h"

#define SIGPIPE_MAX_SIGNALS 8

struct sigpipe {
	int rd, wr;
	size_t count;
	int signals[SIGPIPE_MAX_SIGNALS];
	struct sigaction old[SIGPIPE_MAX_SIGNALS];
};

/* Creates the pipe and routes the count signals into it (SA_RESTART). On failure nothing
 * is installed and a negative ed_err is returned. */
int sigpipe_open(struct sigpipe *sp, const int *signals, size_t count, struct ed_error *err);
/* The read end for poll(): readable when a signal arrived. */
int sigpipe_fd(const struct sigpipe *sp);
/* The next signal that arrived, or 0 when none is pending (never blocks). */
int sigpipe_take(struct sigpipe *sp);
/* Puts the previous handlers back and closes the pipe; pending bytes are dropped. */
void sigpipe_close(struct sigpipe *sp);
