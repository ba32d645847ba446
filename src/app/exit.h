/* SPDX-License-Identifier: MIT
 * espdeck's exit codes (documented in espdeck(1)), the same for the command line, the
 * bench screen and the hex viewer, and how a job's result maps onto them. */
#pragma once

#include "job/job.h"

enum app_exit {
	APP_EXIT_OK = 0,
	APP_EXIT_FAIL = 1,	/* the operation failed (bad file, board error, ...) */
	APP_EXIT_USAGE = 2,	/* bad command line */
	APP_EXIT_CONNECT = 3,	/* could not open the port or reach the board */
	APP_EXIT_VERIFY = 4,	/* a verification found different data */
	APP_EXIT_CANCELLED = 5, /* interrupted (Ctrl-C) */
};

/* The exit code for a job's result (an ed_err), given the stage it failed in. */
int app_exit_of(int result, enum job_stage failed_stage);
