/* SPDX-License-Identifier: MIT
 * A preset's regions as job steps, and its job spec (app/preset.h). */
#include "app/preset.h"

#include "app/spec.h"

#include <stdio.h>

#include "core/util.h"

size_t app_preset_steps(const struct layout *l, const struct layout_files *files, const bool *only,
			struct job_step *steps)
{
	size_t n = 0;
	bool any = false;
	for (size_t i = 0; i < l->region_count; i++)
		any |= files->regions[i].data && (!only || only[i]);
	if (!any)
		return 0;
	if (l->erase == LAYOUT_ERASE_CHIP && !only)
		steps[n++] = (struct job_step){.kind = JOB_STEP_ERASE_CHIP, .name = "chip"};
	for (size_t i = 0; i < l->region_count; i++) {
		const struct layout_region *r = &l->regions[i];
		const struct layout_file *f = &files->regions[i];
		if (!f->data || (only && !only[i]))
			continue;
		/* "regions" clears the whole reserved area, so an older, longer firmware leaves
		 * no tail behind; FLASH_BEGIN alone erases only what it writes. Writing checked
		 * regions only never erases the chip. */
		uint32_t extent = layout_region_extent(r, f->size);
		if (l->erase == LAYOUT_ERASE_REGIONS || (l->erase == LAYOUT_ERASE_CHIP && only))
			steps[n++] = (struct job_step){
			    .kind = JOB_STEP_ERASE_REGION,
			    .offset = r->offset,
			    .size = (extent + LAYOUT_SECTOR - 1) & ~(LAYOUT_SECTOR - 1),
			    .name = r->name,
			};
		steps[n++] = (struct job_step){
		    .kind = JOB_STEP_WRITE,
		    .offset = r->offset,
		    .size = f->size,
		    .data = f->data,
		    .name = r->file[0] ? r->file : r->name,
		};
	}
	return n;
}

void app_preset_spec(const struct config *cfg, const struct layout *l, bool verify,
		     struct job_spec *spec)
{
	app_job_spec(cfg, spec);
	/* The preset's flash parameters go into the header of the image at 0x0, as the
	 * seed's write_flash --flash_mode qio --flash_size 32m-c1 does. */
	spec->flash_mode = l->flash_mode[0] ? l->flash_mode : "keep";
	spec->flash_size = l->flash_size[0] ? l->flash_size : "keep";
	spec->flash_freq = l->flash_freq[0] ? l->flash_freq : "keep";
	spec->verify = verify;
	/* The boot check: the preset's, unless the command line states its own rules. */
	spec->preset_name = l->name;
	spec->boot_check = cfg->boot_check || l->boot_check;
	if (!cfg->expect[0] && l->expect[0])
		spec->boot_expect = l->expect;
	if (!cfg->boot_time_ms && l->boot_time_ms)
		spec->boot_listen_ms = l->boot_time_ms;
	if (!cfg->app_baud && l->app_baud)
		spec->boot_app_baud = l->app_baud;
}

bool app_preset_can_force(const struct layout_files *files, const struct layout_report *rep,
			  char *note, size_t cap)
{
	note[0] = '\0';
	if (!rep->errors || rep->errors != rep->overridable)
		return false;
	size_t used = 0;
	for (size_t i = 0; i < files->count; i++) {
		const struct layout_file *f = &files->regions[i];
		if (!f->built_for[0] || used >= cap)
			continue;
		int n = snprintf(note + used, cap - used, "%s%s built for %s", used ? ", " : "",
				 ed_basename(f->path), f->built_for);
		if (n > 0)
			used += (size_t)n;
	}
	return true;
}
