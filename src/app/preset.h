/* SPDX-License-Identifier: MIT
 * A flash-layout preset as a job: the erase and write steps of its regions and the spec
 * with the preset's flash parameters and boot check. Shared by `write_layout` and the
 * bench screen. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "app/config.h"
#include "job/job.h"
#include "layout/layout.h"

/* Room app_preset_steps() may need. */
#define APP_PRESET_MAX_STEPS (2 * LAYOUT_MAX_REGIONS + 1)

/* Fills steps (room for APP_PRESET_MAX_STEPS) with the erase and write steps of every
 * region that has data, or only those with only[i] set (only may be NULL); returns the
 * count. The steps borrow l's names and files' data. */
size_t app_preset_steps(const struct layout *l, const struct layout_files *files, const bool *only,
			struct job_step *steps);

/* Fills spec from the global options and the preset's flash parameters and boot check
 * (the command line's rules win over the preset's). No steps. Borrows cfg and l. */
void app_preset_spec(const struct config *cfg, const struct layout *l, bool verify,
		     struct job_spec *spec);

/* A preset whose only errors are images built for another flash size (layout_resolve()'s
 * overridable errors: a vendor bin the technician cannot rebuild) may be written after the
 * user confirmed a warning (CLI --force, the bench's dialog). True in that case, with
 * "user1.bin built for 2MB-c1" (every such file) in note, for the warning and the
 * journal's preset column ("demo (forced: ...)"); false (note "") when there is nothing
 * to override or another error. Borrows files and rep. */
bool app_preset_can_force(const struct layout_files *files, const struct layout_report *rep,
			  char *note, size_t cap);
