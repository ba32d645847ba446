/* SPDX-License-Identifier: MIT
 * Preset parser: INI text (inih) into struct layout, with every problem kept as a
 * file:line diagnostic rather than stopping at the first one, so a technician fixes a
 * broken preset in one pass. Pure: no files are touched here except by layout_load(). */
#include "layout/layout.h"
#include "layout/layout_int.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bootlog/bootlog.h"
#include "core/flash_params.h"
#include "core/util.h"

/* Parser state shared by the line reader and the key handler. inih does not pass line
 * numbers to the handler (INI_HANDLER_LINENO is off in the distribution's build), so the
 * reader counts lines itself: inih reads exactly one line before each handler call. */
struct parse {
	const char *text;
	size_t len, pos;
	int line;
	struct layout *l;
	struct layout_report *rep;
	enum { SEC_NONE, SEC_PRESET, SEC_REGION, SEC_UNKNOWN } sec;
	bool seen_preset;
	unsigned preset_keys;  /* bit per preset key, for duplicates */
	bool boot_check_given; /* boot_check = ... seen: expect does not turn it on */
	unsigned region_keys;
	bool has_offset[LAYOUT_MAX_REGIONS];
	bool region_overflow;
	int name_line;
	char name_value[LAYOUT_NAME_MAX];
};

void layout_diag(struct layout_report *rep, enum layout_severity sev, int line, const char *fmt,
		 ...)
{
	if (sev == LAYOUT_ERROR)
		rep->errors++;
	if (rep->count == LAYOUT_MAX_DIAGS) {
		rep->dropped++;
		return;
	}
	struct layout_diag *d = &rep->items[rep->count++];
	d->severity = sev;
	d->line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof d->msg, fmt, ap);
	va_end(ap);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src);
}

/* A section header seen by the reader: [preset] or [region NAME]. */
static void section_header(struct parse *p, const char *line)
{
	char buf[256];
	copy_str(buf, sizeof buf, line + 1);
	char *close = strchr(buf, ']');
	if (!close) {
		p->sec = SEC_UNKNOWN; /* inih reports the syntax error; skip the keys below */
		return;
	}
	*close = '\0';
	char *name = trim(buf);
	p->region_keys = 0;
	if (!strcasecmp(name, "preset")) {
		if (p->seen_preset)
			layout_diag(p->rep, LAYOUT_ERROR, p->line, "second [preset] section");
		p->seen_preset = true;
		p->sec = SEC_PRESET;
		return;
	}
	if (!strncasecmp(name, "region", 6) &&
	    (name[6] == '\0' || isspace((unsigned char)name[6]))) {
		char *rname = trim(name + 6);
		p->sec = SEC_REGION;
		if (!*rname) {
			layout_diag(p->rep, LAYOUT_ERROR, p->line,
				    "region without a name: write [region NAME], for example "
				    "[region user1]");
			rname = "?";
		}
		for (size_t i = 0; i < p->l->region_count; i++)
			if (!strcmp(p->l->regions[i].name, rname))
				layout_diag(p->rep, LAYOUT_ERROR, p->line,
					    "region '%s' is defined twice (first on line %d)",
					    rname, p->l->regions[i].line);
		if (p->l->region_count == LAYOUT_MAX_REGIONS) {
			if (!p->region_overflow)
				layout_diag(p->rep, LAYOUT_ERROR, p->line, "more than %d regions",
					    LAYOUT_MAX_REGIONS);
			p->region_overflow = true;
			p->sec = SEC_UNKNOWN;
			return;
		}
		struct layout_region *r = &p->l->regions[p->l->region_count++];
		memset(r, 0, sizeof *r);
		copy_str(r->name, sizeof r->name, rname);
		r->required = true;
		r->line = p->line;
		return;
	}
	p->sec = SEC_UNKNOWN;
	layout_diag(p->rep, LAYOUT_ERROR, p->line,
		    "unknown section [%s]: a preset has one [preset] and [region NAME] sections",
		    name);
}

/* fgets() over the text, counting lines and noticing section headers. */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	if (p->pos >= p->len)
		return NULL;
	size_t start = p->pos, end = start;
	while (end < p->len && p->text[end] != '\n')
		end++;
	size_t n = end - start;
	p->pos = end < p->len ? end + 1 : end;
	p->line++;
	size_t cap = (size_t)num - 2; /* room for '\n' and NUL */
	if (n > cap) {
		layout_diag(p->rep, LAYOUT_ERROR, p->line, "line longer than %zu characters", cap);
		n = 0; /* drop it: half a line would parse into nonsense */
	}
	memcpy(str, p->text + start, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	for (size_t i = 0; i < n; i++)
		if (str[i] == '\0')
			str[i] = ' '; /* NUL bytes would end the line early */
	char *t = str;
	while (*t == ' ' || *t == '\t')
		t++;
	if (*t == '[')
		section_header(p, t);
	return str;
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

static void norm_key(char *dst, size_t cap, const char *key)
{
	size_t i = 0;
	for (; key[i] && i + 1 < cap; i++)
		dst[i] = key[i] == '-' ? '_' : (char)tolower((unsigned char)key[i]);
	dst[i] = '\0';
}

static bool once(struct parse *p, unsigned *seen, unsigned bit, const char *key)
{
	if (*seen & bit) {
		layout_diag(p->rep, LAYOUT_ERROR, p->line, "'%s' is given twice in this section",
			    key);
		return false;
	}
	*seen |= bit;
	return true;
}

/* The boot check's keys; true when key was one of them. */
static bool boot_key(struct parse *p, const char *key, const char *value)
{
	struct layout *l = p->l;
	if (!strcmp(key, "expect")) {
		struct bootlog_rules rules = {0};
		struct ed_error err;
		size_t len = strlen(l->expect);
		if (bootlog_rules_add(&rules, value, &err) < 0)
			layout_diag(p->rep, LAYOUT_ERROR, p->line, "expect: %s", err.msg);
		else if (len + strlen(value) + 2 > sizeof l->expect)
			layout_diag(p->rep, LAYOUT_ERROR, p->line,
				    "expect: too many rules (at most %zu "
				    "characters in all)",
				    sizeof l->expect - 1);
		else {
			snprintf(l->expect + len, sizeof l->expect - len, "%s%s", len ? ";" : "",
				 value);
			if (!p->boot_check_given)
				l->boot_check = true;
		}
		return true;
	}
	if (!strcmp(key, "boot_check")) {
		if (!parse_bool(value, &l->boot_check))
			layout_diag(p->rep, LAYOUT_ERROR, p->line,
				    "boot_check '%s' is not yes or no", value);
		p->boot_check_given = true;
		return true;
	}
	bool time = !strcmp(key, "boot_time_ms");
	if (!time && strcmp(key, "app_baud"))
		return false;
	uint32_t v;
	if (!ed_parse_u32(value, &v) || v == 0 || v > (time ? 600000u : 4000000u))
		layout_diag(p->rep, LAYOUT_ERROR, p->line,
			    time ? "boot_time_ms '%s' is not a time in "
				   "milliseconds (1 to 600000, for example 3000)"
				 : "app_baud '%s' is not a baud "
				   "rate (for example 115200)",
			    value);
	else if (time)
		l->boot_time_ms = v;
	else
		l->app_baud = v;
	return true;
}

static void preset_key(struct parse *p, const char *key, const char *value)
{
	static const char *const keys[] = {"name",	 "description", "flash_size",
					   "flash_mode", "flash_freq",	"erase"};
	struct layout *l = p->l;
	size_t k = 0;
	if (boot_key(p, key, value))
		return;
	while (k < 6 && strcmp(key, keys[k]))
		k++;
	if (k == 6) {
		layout_diag(
		    p->rep, LAYOUT_ERROR, p->line,
		    "unknown key '%s' in [preset] (known: name, description, flash_size, "
		    "flash_mode, flash_freq, erase, expect, boot_check, boot_time_ms, app_baud)",
		    key);
		return;
	}
	if (!once(p, &p->preset_keys, 1u << k, key))
		return;
	switch (k) {
	case 0:
		copy_str(p->name_value, sizeof p->name_value, value);
		p->name_line = p->line;
		break;
	case 1:
		copy_str(l->description, sizeof l->description, value);
		break;
	case 2: {
		char why[512];
		const struct flash_size_info *fs = flash_size_parse(value, why, sizeof why);
		l->flash_size_line = p->line;
		if (!fs) {
			layout_diag(p->rep, LAYOUT_ERROR, p->line, "flash_size: %s", why);
			return;
		}
		copy_str(l->flash_size, sizeof l->flash_size, value);
		l->flash_bytes = fs->bytes;
		l->size_map = fs->size_map;
		break;
	}
	case 3:
		if (flash_mode_by_name(value) < 0 && strcasecmp(value, "keep"))
			layout_diag(p->rep, LAYOUT_ERROR, p->line,
				    "flash_mode '%s' is not a mode (qio, qout, dio, dout or keep)",
				    value);
		else
			copy_str(l->flash_mode, sizeof l->flash_mode, value);
		break;
	case 4:
		if (!flash_freq_by_name(value) && strcasecmp(value, "keep"))
			layout_diag(p->rep, LAYOUT_ERROR, p->line,
				    "flash_freq '%s' is not a frequency (%s or keep)", value,
				    flash_freq_names());
		else
			copy_str(l->flash_freq, sizeof l->flash_freq, value);
		break;
	default:
		if (!strcasecmp(value, "none"))
			l->erase = LAYOUT_ERASE_NONE;
		else if (!strcasecmp(value, "regions"))
			l->erase = LAYOUT_ERASE_REGIONS;
		else if (!strcasecmp(value, "chip"))
			l->erase = LAYOUT_ERASE_CHIP;
		else
			layout_diag(p->rep, LAYOUT_ERROR, p->line,
				    "erase '%s' is not a policy (none, regions or chip)", value);
		break;
	}
}

static bool region_number(struct parse *p, const char *key, const char *value, bool size_ok,
			  uint32_t *out)
{
	bool ok = size_ok ? ed_parse_size(value, out) : ed_parse_u32(value, out);
	if (ok)
		return true;
	layout_diag(p->rep, LAYOUT_ERROR, p->line, "%s '%s' is not a number (write 0x1000, 4096%s)",
		    key, value, size_ok ? " or 4k" : "");
	return false;
}

static void region_key(struct parse *p, const char *key, const char *value)
{
	static const char *const keys[] = {"offset", "file",	 "fill",
					   "size",   "max_size", "required"};
	struct layout_region *r = &p->l->regions[p->l->region_count - 1];
	size_t k = 0;
	while (k < 6 && strcmp(key, keys[k]))
		k++;
	if (k == 6) {
		layout_diag(
		    p->rep, LAYOUT_ERROR, p->line,
		    "unknown key '%s' in [region %s] (known: offset, file, fill, size, max_size, "
		    "required)",
		    key, r->name);
		return;
	}
	if (!once(p, &p->region_keys, 1u << k, key))
		return;
	uint32_t v = 0;
	switch (k) {
	case 0:
		region_number(p, key, value, false, &r->offset);
		r->offset_line = p->line;
		p->has_offset[p->l->region_count - 1] = true;
		break;
	case 1:
		if (!*value)
			layout_diag(p->rep, LAYOUT_ERROR, p->line, "file is empty: name a file");
		copy_str(r->file, sizeof r->file, value);
		r->file_line = p->line;
		break;
	case 2:
		region_number(p, key, value, false, &v);
		if (v > 0xFF)
			layout_diag(p->rep, LAYOUT_ERROR, p->line,
				    "fill '%s' is not a byte (0x00 to 0xFF)", value);
		r->fill = (uint8_t)v;
		r->is_fill = true;
		break;
	case 3:
		r->size_line = p->line;
		if (region_number(p, key, value, true, &r->size) && r->size == 0)
			layout_diag(p->rep, LAYOUT_ERROR, p->line, "size must be more than 0");
		break;
	case 4:
		if (region_number(p, key, value, true, &r->max_size) && r->max_size == 0)
			layout_diag(p->rep, LAYOUT_ERROR, p->line, "max_size must be more than 0");
		break;
	default:
		if (!parse_bool(value, &r->required))
			layout_diag(p->rep, LAYOUT_ERROR, p->line, "required '%s' is not yes or no",
				    value);
		break;
	}
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	char key[64];
	norm_key(key, sizeof key, name);
	switch (p->sec) {
	case SEC_NONE:
		layout_diag(p->rep, LAYOUT_ERROR, p->line,
			    "'%s' comes before any section: put it under [preset]", name);
		break;
	case SEC_PRESET:
		preset_key(p, key, value);
		break;
	case SEC_REGION:
		region_key(p, key, value);
		break;
	case SEC_UNKNOWN:
		break; /* the section was already reported */
	}
	(void)section;
	return 1; /* keep going: every problem in one pass */
}

static void check_region(struct parse *p, size_t i)
{
	struct layout *l = p->l;
	struct layout_region *r = &l->regions[i];
	struct layout_report *rep = p->rep;
	if (!p->has_offset[i])
		layout_diag(rep, LAYOUT_ERROR, r->line, "region '%s' has no offset", r->name);
	else if (r->offset % LAYOUT_SECTOR)
		layout_diag(
		    rep, LAYOUT_ERROR, r->offset_line,
		    "region '%s': offset 0x%x is not a multiple of 0x1000 (the flash erases "
		    "4 KiB sectors); use 0x%x or 0x%x",
		    r->name, r->offset, r->offset & ~(LAYOUT_SECTOR - 1),
		    (r->offset | (LAYOUT_SECTOR - 1)) + 1);
	if (r->is_fill && r->file[0])
		layout_diag(rep, LAYOUT_ERROR, r->file_line,
			    "region '%s' has both file and fill: keep one", r->name);
	else if (!r->is_fill && !r->file[0])
		layout_diag(rep, LAYOUT_ERROR, r->line,
			    "region '%s' has neither file nor fill: add file = NAME or fill = 0xFF "
			    "with size = N",
			    r->name);
	else if (r->is_fill && r->size == 0)
		layout_diag(rep, LAYOUT_ERROR, r->line, "region '%s': fill needs a size", r->name);
	else if (!r->is_fill && r->size_line)
		layout_diag(
		    rep, LAYOUT_ERROR, r->size_line,
		    "region '%s': size applies to fill regions; use max_size to limit a file",
		    r->name);
	if (r->is_fill && r->max_size && r->size > r->max_size)
		layout_diag(rep, LAYOUT_ERROR, r->size_line,
			    "region '%s': size 0x%x is larger than max_size 0x%x", r->name, r->size,
			    r->max_size);
	if (!l->flash_bytes || !p->has_offset[i])
		return;
	uint64_t end = (uint64_t)r->offset + layout_region_extent(r, 0);
	if (r->offset >= l->flash_bytes && end == r->offset)
		/* a file region without max_size has no extent yet: name the start only (an
		 * end of offset - 1 read as a range ending below its start) */
		layout_diag(
		    rep, LAYOUT_ERROR, r->offset_line,
		    "region '%s' at 0x%x starts past the end of the %s flash (0x%x bytes): the "
		    "last sector starts at 0x%x",
		    r->name, r->offset, l->flash_size, l->flash_bytes,
		    l->flash_bytes - LAYOUT_SECTOR);
	else if (r->offset >= l->flash_bytes || end > l->flash_bytes)
		layout_diag(
		    rep, LAYOUT_ERROR, r->offset_line,
		    "region '%s' (0x%x-0x%llx) goes past the end of the %s flash (0x%x bytes)",
		    r->name, r->offset, (unsigned long long)(end ? end - 1 : 0), l->flash_size,
		    l->flash_bytes);
}

/* Overlaps of what regions reserve (max_size or fill size); files are checked again
 * with their real sizes in layout_resolve(). */
static void check_overlaps(struct parse *p)
{
	struct layout *l = p->l;
	for (size_t i = 0; i < l->region_count; i++) {
		const struct layout_region *a = &l->regions[i];
		uint64_t a_end = (uint64_t)a->offset + layout_region_extent(a, 0);
		for (size_t j = 0; j < i; j++) {
			const struct layout_region *b = &l->regions[j];
			uint64_t b_end = (uint64_t)b->offset + layout_region_extent(b, 0);
			bool a_in_b = a->offset >= b->offset && a->offset < b_end;
			bool b_in_a = b->offset >= a->offset && b->offset < a_end;
			if (!p->has_offset[i] || !p->has_offset[j] || (!a_in_b && !b_in_a))
				continue;
			layout_diag(
			    p->rep, LAYOUT_ERROR, a->offset_line ? a->offset_line : a->line,
			    "region '%s' at 0x%x overlaps region '%s' (0x%x-0x%llx, line %d)",
			    a->name, a->offset, b->name, b->offset,
			    (unsigned long long)(b_end > b->offset ? b_end - 1 : b->offset),
			    b->line);
		}
	}
}

static void check_preset(struct parse *p, const char *stem)
{
	struct layout *l = p->l;
	if (!p->seen_preset)
		layout_diag(
		    p->rep, LAYOUT_ERROR, 0,
		    "no [preset] section: start the file with [preset] and flash_size = ...");
	else if (!l->flash_size[0] && !l->flash_size_line)
		layout_diag(p->rep, LAYOUT_ERROR, 0,
			    "[preset] has no flash_size (for example 32m-c1 or 4MB)");
	if (p->name_line && stem && strcmp(p->name_value, stem))
		layout_diag(p->rep, LAYOUT_ERROR, p->name_line,
			    "name '%s' differs from the file name '%s.ini': rename one of them",
			    p->name_value, stem);
	copy_str(l->name, sizeof l->name, p->name_line ? p->name_value : (stem ? stem : ""));
	if (l->region_count == 0 && !p->region_overflow)
		layout_diag(p->rep, LAYOUT_ERROR, 0, "no [region NAME] sections: nothing to write");
	for (size_t i = 0; i < l->region_count; i++)
		check_region(p, i);
	check_overlaps(p);
}

int layout_parse(const char *text, size_t len, const char *path, const char *stem,
		 struct layout *out, struct layout_report *rep)
{
	memset(out, 0, sizeof *out);
	copy_str(out->path, sizeof out->path, path ? path : "preset");
	copy_str(out->flash_mode, sizeof out->flash_mode, "qio");
	copy_str(out->flash_freq, sizeof out->flash_freq, "40m");
	out->erase = LAYOUT_ERASE_REGIONS;
	size_t errors_before = rep->errors;
	/* Editors on Windows save UTF-8 with a byte order mark; without this the first line
	 * ("[preset]" behind the mark) was not seen as a section and every key after it was
	 * reported as coming before any section. */
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
		text += 3;
		len -= 3;
	}
	if (len >= 2 && (!memcmp(text, "\xFF\xFE", 2) || !memcmp(text, "\xFE\xFF", 2))) {
		layout_diag(
		    rep, LAYOUT_ERROR, 1,
		    "the file is UTF-16 text: save it as UTF-8 (or plain ASCII) and try again");
		return ED_ERR_FORMAT;
	}
	struct parse p = {.text = text, .len = len, .l = out, .rep = rep};
	int rc = ini_parse_stream(reader, &p, handler, &p);
	if (rc > 0)
		layout_diag(rep, LAYOUT_ERROR, rc,
			    "not a 'key = value' line or a [section] (unclosed bracket?)");
	check_preset(&p, stem);
	return rep->errors > errors_before ? ED_ERR_FORMAT : ED_OK;
}

int layout_load(const char *path, struct layout *out, struct layout_report *rep,
		struct ed_error *err)
{
	uint8_t *data = NULL;
	size_t size = 0;
	memset(out, 0, sizeof *out);
	/* A preset is a few hundred bytes; 1 MiB means it is not a preset. */
	int rc = ed_read_file(path, &data, &size, 1u << 20, err);
	if (rc < 0)
		return rc;
	char stem[LAYOUT_NAME_MAX];
	copy_str(stem, sizeof stem, ed_basename(path));
	char *dot = strrchr(stem, '.');
	if (dot && !strcmp(dot, ".ini"))
		*dot = '\0';
	rc = layout_parse((const char *)data, size, path, stem, out, rep);
	free(data);
	if (rc < 0)
		layout_report_to_error(out, rep, err);
	return rc;
}

const char *layout_diag_format(const struct layout *l, const struct layout_diag *d, char *buf,
			       size_t cap)
{
	const char *sev = d->severity == LAYOUT_ERROR ? "error" : "warning";
	if (d->line > 0)
		snprintf(buf, cap, "%s:%d: %s: %s", l->path, d->line, sev, d->msg);
	else
		snprintf(buf, cap, "%s: %s: %s", l->path, sev, d->msg);
	return buf;
}

int layout_report_to_error(const struct layout *l, const struct layout_report *rep,
			   struct ed_error *err)
{
	if (!rep->errors)
		return ED_OK;
	if (!err)
		return ED_ERR_FORMAT;
	err->code = ED_ERR_FORMAT;
	err->msg[0] = '\0';
	size_t used = 0;
	for (size_t i = 0; i < rep->count; i++) {
		char line[400];
		layout_diag_format(l, &rep->items[i], line, sizeof line);
		int n = snprintf(err->msg + used, sizeof err->msg - used, "%s%s", used ? "\n" : "",
				 line);
		if (n < 0 || (size_t)n >= sizeof err->msg - used)
			break;
		used += (size_t)n;
	}
	return ED_ERR_FORMAT;
}

const char *layout_status_name(enum layout_status st)
{
	switch (st) {
	case LAYOUT_ST_OK:
		return "ok";
	case LAYOUT_ST_OPTIONAL:
		return "optional";
	case LAYOUT_ST_MISSING:
		return "missing";
	case LAYOUT_ST_TOO_BIG:
		return "too big";
	case LAYOUT_ST_BAD:
		return "bad";
	}
	return "?";
}

const char *layout_erase_name(enum layout_erase e)
{
	switch (e) {
	case LAYOUT_ERASE_NONE:
		return "none";
	case LAYOUT_ERASE_REGIONS:
		return "regions";
	case LAYOUT_ERASE_CHIP:
		return "chip";
	}
	return "?";
}

uint32_t layout_region_extent(const struct layout_region *r, uint32_t file_size)
{
	if (r->max_size)
		return r->max_size;
	if (r->is_fill)
		return r->size;
	return file_size;
}
