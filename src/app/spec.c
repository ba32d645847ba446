/* SPDX-License-Identifier: MIT
 * The run configuration turned into a job spec (app/spec.h). */
#include "app/spec.h"

#include <string.h>

#include "journal/journal.h"

bool app_before_of(const char *name, enum job_before *out)
{
	static const struct {
		const char *name;
		enum job_before v;
	} t[] = {
	    {"default_reset", JOB_BEFORE_DEFAULT_RESET},
	    {"no_reset", JOB_BEFORE_NO_RESET},
	    {"manual", JOB_BEFORE_MANUAL},
	    {"no_reset_no_sync", JOB_BEFORE_NO_RESET_NO_SYNC},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (config_word_is(name, t[i].name)) {
			*out = t[i].v;
			return true;
		}
	return false;
}

bool app_after_of(const char *name, enum job_after *out)
{
	static const struct {
		const char *name;
		enum job_after v;
	} t[] = {
	    {"hard_reset", JOB_AFTER_HARD_RESET},
	    {"soft_reset", JOB_AFTER_SOFT_RESET},
	    {"no_reset", JOB_AFTER_NO_RESET},
	    {"no_reset_stub", JOB_AFTER_NO_RESET_STUB}, /* the stub stays running */
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (config_word_is(name, t[i].name)) {
			*out = t[i].v;
			return true;
		}
	return false;
}

void app_job_spec(const struct config *cfg, struct job_spec *spec)
{
	memset(spec, 0, sizeof *spec);
	spec->port = cfg->port_count ? cfg->ports[0] : NULL;
	spec->baud = cfg->baud;
	app_before_of(cfg->before, &spec->before); /* validated by config_parse() */
	app_after_of(cfg->after, &spec->after);
	spec->flash_mode = spec->flash_size = spec->flash_freq = "keep";
	spec->trace_path = cfg->trace_path;
	spec->trace_stderr = cfg->trace_stderr;
	spec->verbose = cfg->verbose;
	spec->connect_attempts = cfg->connect_attempts;
	spec->stub = !cfg->no_stub;
	spec->baud_memory = true; /* link/baudmem.h: per bridge, in the XDG state dir */
	spec->reset_sequence = cfg->reset_sequence;
	spec->boot_check = cfg->boot_check;
	spec->boot_expect = cfg->expect[0] ? cfg->expect : NULL;
	spec->boot_listen_ms = cfg->boot_time_ms;
	spec->boot_app_baud = cfg->app_baud;
	spec->preset_name = cfg->preset;
	spec->chip_check = app_is_multi(cfg); /* a board of many gets the whole-chip check */
}

bool app_is_multi(const struct config *cfg)
{
	return cfg->port_count > 1 || (cfg->port_count == 1 && !strcmp(cfg->ports[0], "all"));
}

const char *app_journal_for(const struct config *cfg, const struct job_spec *spec, char *buf,
			    size_t cap)
{
	if (cfg->no_journal)
		return NULL;
	if (cfg->journal_path)
		return cfg->journal_path;
	bool writes = false;
	for (size_t i = 0; i < spec->step_count; i++)
		writes |= spec->steps[i].kind == JOB_STEP_WRITE;
	struct ed_error err;
	if (!writes || journal_default_path(buf, cap, &err) < 0)
		return NULL;
	return buf;
}
