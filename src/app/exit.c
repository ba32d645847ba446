/* SPDX-License-Identifier: MIT
 * A job's result as an exit code (app/exit.h). */
#include "app/exit.h"

#include "core/error.h"

int app_exit_of(int result, enum job_stage failed_stage)
{
	switch (result) {
	case ED_OK:
		return APP_EXIT_OK;
	case ED_ERR_CANCELLED:
		return APP_EXIT_CANCELLED;
	case ED_ERR_VERIFY:
		return APP_EXIT_VERIFY;
	case ED_ERR_ARG:
		return APP_EXIT_USAGE;
	default:
		return failed_stage <= JOB_STAGE_CONNECT ? APP_EXIT_CONNECT : APP_EXIT_FAIL;
	}
}
