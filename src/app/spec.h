/* SPDX-License-Identifier: MIT
 * From the run configuration to a job: esptool's --before/--after names, the job spec a
 * command or the bench starts from, the journal a job writes to, and whether a command
 * runs on several boards. Pure functions of struct config; no I/O but the journal's
 * default path. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "app/config.h"
#include "job/job.h"

/* esptool's --before/--after names (dashes or underscores); false when unknown. */
bool app_before_of(const char *name, enum job_before *out);
bool app_after_of(const char *name, enum job_after *out);

/* A job spec filled from the global options: the first port, baud, before/after, trace,
 * verbose, connect attempts, boot check; flash params "keep"; no steps. The spec borrows
 * cfg's strings. */
void app_job_spec(const struct config *cfg, struct job_spec *spec);

/* True when a command runs on several boards (--port given twice, or --port all). */
bool app_is_multi(const struct config *cfg);

/* The journal a job of these steps writes to: --journal, or the default path for jobs
 * that write; NULL for none (--no-journal, read-only jobs, no default path). The result
 * is cfg's string or buf. */
const char *app_journal_for(const struct config *cfg, const struct job_spec *spec, char *buf,
			    size_t cap);
