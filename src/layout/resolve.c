/* SPDX-License-Identifier: MIT
 * A preset against the firmware folder: which files are there, whether they fit, whether
 * their image headers were built for the preset's flash size. Loads the bytes to write. */
#include "layout/layout.h"
#include "layout/layout_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/flash_params.h"
#include "core/util.h"
#include "image/image.h"

/* No ESP8266 flash is larger than 16 MiB, so neither is a file written to one. */
#define MAX_FILE_BYTES (16u << 20)

static int region_line(const struct layout_region *r)
{
	return r->file_line ? r->file_line : r->line;
}

static void check_header(const struct layout *l, const struct layout_region *r,
			 struct layout_file *f, struct layout_report *rep)
{
	/* At 0x0 the write patches a v1 header with the preset's size (esptool's rule,
	 * reference §7.3), so the SDK's boot.bin carrying 512KB is fine there. */
	if (!l->flash_size[0] || (r->offset == 0 && f->data[0] == IMG_MAGIC_V1))
		return;
	const struct flash_size_info *fs = NULL;
	struct ed_error err = {0};
	int rc = img_header_flash_size(f->data, f->size, &fs, &err);
	if (rc == ED_ERR_FORMAT)
		return; /* not an image: init data, raw irom0 code, a fill */
	if (rc < 0) {
		/* Boot mode 1 bins keep the slot there: nothing to compare. An unknown code
		 * is worth saying, but it is the image's business, not the layout's. */
		if (!strstr(err.msg, "boot mode 1"))
			layout_diag(rep, LAYOUT_WARNING, region_line(r), "region '%s': %s: %s",
				    r->name, f->path, err.msg);
		return;
	}
	if (fs->size_map == l->size_map)
		return;
	/* An error, but one the user may override: a vendor's bin (the SDK's AT firmware)
	 * cannot be rebuilt by the technician, and plain write_flash takes it (issue 15). */
	size_t at = rep->count;
	layout_diag(
	    rep, LAYOUT_ERROR, region_line(r),
	    "region '%s': %s was built for flash size %s (size_map %d) but the preset is %s "
	    "(size_map %d): rebuild it for %s or pick the matching preset",
	    r->name, f->path, fs->name, fs->size_map, l->flash_size, l->size_map, l->flash_size);
	if (rep->count > at)
		rep->items[at].overridable = true;
	rep->overridable++;
	snprintf(f->built_for, sizeof f->built_for, "%s", fs->name);
	f->status = LAYOUT_ST_BAD;
}

/* The first folder of the ':'-separated search list that holds name; f->path is set to
 * it, or to the name under the first folder when none does. Returns whether one did. */
static bool find_file(const char *firmware_dir, const char *name, struct layout_file *f,
		      char *skipped, size_t skipped_cap)
{
	skipped[0] = '\0';
	if (name[0] == '/' || !firmware_dir || !*firmware_dir) {
		snprintf(f->path, sizeof f->path, "%s", name);
		struct stat st;
		return stat(f->path, &st) == 0 || errno != ENOENT;
	}
	bool first = true;
	for (const char *s = firmware_dir; *s;) {
		const char *e = strchr(s, ':');
		int len = e ? (int)(e - s) : (int)strlen(s);
		char path[sizeof f->path];
		snprintf(path, sizeof path, "%.*s/%s", len, s, name);
		if (first)
			snprintf(f->path, sizeof f->path, "%s", path);
		first = false;
		struct stat st;
		if (stat(path, &st) == 0 || errno != ENOENT) {
			snprintf(f->path, sizeof f->path, "%s", path);
			return true;
		}
		/* the first folder (the one named, when one is) exists but lacks the file:
		 * taking it from a later one mixes folders, which the caller says */
		snprintf(path, sizeof path, "%.*s", len, s);
		if (s == firmware_dir && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			snprintf(skipped, skipped_cap, "%s", path);
		s += len + (e != NULL);
	}
	return false;
}

/* "the/dir, other/dir" from the search list, for the message of a missing file. */
static const char *places(const char *firmware_dir, char *buf, size_t cap)
{
	buf[0] = '\0';
	for (const char *s = firmware_dir; s && *s;) {
		const char *e = strchr(s, ':');
		int len = e ? (int)(e - s) : (int)strlen(s);
		size_t used = strlen(buf);
		snprintf(buf + used, cap - used, "%s%.*s", used ? ", " : "", len, s);
		s += len + (e != NULL);
	}
	return buf;
}

static void load_file(const struct layout *l, const struct layout_region *r,
		      const char *firmware_dir, struct layout_file *f, struct layout_report *rep)
{
	char skipped[sizeof f->path];
	bool found = find_file(firmware_dir, r->file, f, skipped, sizeof skipped);
	if (found && skipped[0])
		layout_diag(rep, LAYOUT_WARNING, region_line(r),
			    "region '%s': %s is not in %s; taking %s (the next firmware folder "
			    "that has it)",
			    r->name, r->file, skipped, f->path);
	if (!found) {
		bool several = firmware_dir && strchr(firmware_dir, ':') && r->file[0] != '/';
		char where[2048];
		if (r->required && several) {
			f->status = LAYOUT_ST_MISSING;
			layout_diag(rep, LAYOUT_ERROR, region_line(r),
				    "region '%s': required file %s is in none of the firmware "
				    "folders (looked in %s): put it in one or point "
				    "--firmware-dir at the folder that holds it",
				    r->name, r->file, places(firmware_dir, where, sizeof where));
		} else if (r->required) {
			f->status = LAYOUT_ST_MISSING;
			layout_diag(
			    rep, LAYOUT_ERROR, region_line(r),
			    "region '%s': required file %s is missing: put it there or point "
			    "--firmware-dir at the folder that holds it",
			    r->name, f->path);
		} else {
			f->status = LAYOUT_ST_OPTIONAL;
			layout_diag(rep, LAYOUT_WARNING, region_line(r),
				    "region '%s': optional file %s is absent and will be skipped",
				    r->name, several ? r->file : f->path);
		}
		return;
	}
	struct ed_error err = {0};
	uint8_t *data = NULL;
	size_t size = 0;
	if (ed_read_file(f->path, &data, &size, MAX_FILE_BYTES, &err) < 0) {
		f->status = LAYOUT_ST_BAD;
		layout_diag(rep, LAYOUT_ERROR, region_line(r), "region '%s': %s", r->name, err.msg);
		return;
	}
	if (size == 0) {
		free(data);
		f->status = LAYOUT_ST_BAD;
		layout_diag(rep, LAYOUT_ERROR, region_line(r), "region '%s': %s is empty", r->name,
			    f->path);
		return;
	}
	f->data = data;
	f->size = (uint32_t)size;
	if (r->max_size && f->size > r->max_size) {
		f->status = LAYOUT_ST_TOO_BIG;
		layout_diag(rep, LAYOUT_ERROR, region_line(r),
			    "region '%s': %s is %u bytes but the region holds at most %u (0x%x)",
			    r->name, f->path, f->size, r->max_size, r->max_size);
		return;
	}
	check_header(l, r, f, rep);
}

/* What will really be written must not overlap nor pass the end of flash. */
static void check_written(const struct layout *l, struct layout_files *files,
			  struct layout_report *rep)
{
	for (size_t i = 0; i < l->region_count; i++) {
		const struct layout_region *a = &l->regions[i];
		struct layout_file *fa = &files->regions[i];
		if (!fa->data)
			continue;
		uint64_t a_end = (uint64_t)a->offset + fa->size;
		if (l->flash_bytes && a_end > l->flash_bytes && fa->status == LAYOUT_ST_OK) {
			fa->status = LAYOUT_ST_TOO_BIG;
			layout_diag(
			    rep, LAYOUT_ERROR, region_line(a),
			    "region '%s': %s (%u bytes at 0x%x) goes past the end of the %s flash",
			    a->name, fa->path, fa->size, a->offset, l->flash_size);
		}
		for (size_t j = 0; j < l->region_count; j++) {
			const struct layout_region *b = &l->regions[j];
			if (j == i || !files->regions[j].data)
				continue;
			/* Report each pair once, on the region that runs into the other. */
			if (!(b->offset > a->offset && b->offset < a_end) &&
			    !(b->offset == a->offset && j < i))
				continue;
			if (fa->status == LAYOUT_ST_OK)
				fa->status = LAYOUT_ST_TOO_BIG;
			layout_diag(
			    rep, LAYOUT_ERROR, region_line(a),
			    "region '%s': %s (%u bytes at 0x%x) runs into region '%s' at 0x%x "
			    "(line %d)",
			    a->name, fa->path, fa->size, a->offset, b->name, b->offset, b->line);
		}
	}
}

int layout_resolve(const struct layout *l, const char *firmware_dir, struct layout_files *files,
		   struct layout_report *rep)
{
	memset(files, 0, sizeof *files);
	size_t errors_before = rep->errors;
	files->count = l->region_count;
	for (size_t i = 0; i < l->region_count; i++) {
		const struct layout_region *r = &l->regions[i];
		struct layout_file *f = &files->regions[i];
		if (r->is_fill) {
			snprintf(f->path, sizeof f->path, "fill 0x%02x", r->fill);
			f->data = malloc(r->size ? r->size : 1);
			if (!f->data) {
				f->status = LAYOUT_ST_BAD;
				layout_diag(rep, LAYOUT_ERROR, r->line,
					    "region '%s': out of memory", r->name);
				continue;
			}
			memset(f->data, r->fill, r->size);
			f->size = r->size;
		} else {
			load_file(l, r, firmware_dir, f, rep);
		}
	}
	check_written(l, files, rep);
	for (size_t i = 0; i < files->count; i++)
		if (files->regions[i].data)
			files->total_bytes += files->regions[i].size;
	return rep->errors > errors_before ? ED_ERR_FORMAT : ED_OK;
}

void layout_files_finish(struct layout_files *files)
{
	if (!files)
		return;
	for (size_t i = 0; i < LAYOUT_MAX_REGIONS; i++) {
		free(files->regions[i].data);
		files->regions[i].data = NULL;
	}
	files->count = 0;
}
