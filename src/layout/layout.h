/* SPDX-License-Identifier: MIT
 * Flash-layout presets (espdeck-layout(5)): INI files naming a flash size / mode /
 * frequency, an erase policy and ordered regions. Everything is checked before anything
 * touches a board; every problem is reported as "file:line: what, what to do".
 *
 * Call order: layout_parse() (pure, from text) or layout_load() (reads a file) fills a
 * caller-owned struct layout and a struct layout_report; then layout_resolve() looks at
 * the files on disk and fills a struct layout_files (caller memory, released with
 * layout_files_finish()). The catalog (layout_catalog_*) finds presets by name in the
 * user's folder and the system folder, user first. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define LAYOUT_MAX_REGIONS 16
#define LAYOUT_MAX_DIAGS   64
#define LAYOUT_NAME_MAX	   64
#define LAYOUT_PATH_MAX	   512
/* The ROM erases whole 4 KiB sectors, so regions start on a sector boundary. */
#define LAYOUT_SECTOR 0x1000u

enum layout_erase { LAYOUT_ERASE_NONE = 0, LAYOUT_ERASE_REGIONS, LAYOUT_ERASE_CHIP };

struct layout_region {
	char name[LAYOUT_NAME_MAX];
	uint32_t offset;
	char file[LAYOUT_PATH_MAX]; /* relative to the firmware folder; "" for a fill */
	bool is_fill;		    /* fill = BYTE with size = N instead of a file */
	uint8_t fill;
	uint32_t size;	   /* fill size (0 for files) */
	uint32_t max_size; /* 0 = no limit of its own */
	bool required;
	int line; /* line of the [region NAME] header */
	int offset_line, file_line, size_line;
};

struct layout {
	char name[LAYOUT_NAME_MAX];
	char description[256];
	char path[LAYOUT_PATH_MAX]; /* where it was read from, for messages */
	char flash_size[16];	    /* as written ("32m-c1"); validated */
	char flash_mode[8];
	char flash_freq[8];
	uint32_t flash_bytes; /* from flash_size */
	uint8_t size_map;     /* SDK size_map of flash_size (header nibble) */
	enum layout_erase erase;
	int flash_size_line;
	/* Boot check after writing (issue 7): expect = RULE (repeatable, ';' separated),
	 * boot_check = yes|no (default: yes when expect is given), boot_time_ms, app_baud. */
	bool boot_check;
	char expect[512];      /* rules joined with ';', "" = the default verdict */
	uint32_t boot_time_ms; /* 0 = the job's default */
	uint32_t app_baud;     /* 0 = 115200 */
	struct layout_region regions[LAYOUT_MAX_REGIONS];
	size_t region_count;
};

enum layout_severity { LAYOUT_ERROR = 0, LAYOUT_WARNING };

struct layout_diag {
	enum layout_severity severity;
	int line;	  /* 0 when it concerns the whole file */
	bool overridable; /* an error the user may override after a warning (--force, the
			   * bench's confirm): an image built for another flash size */
	char msg[768];	  /* room for a missing file and every folder looked in */
};

struct layout_report {
	struct layout_diag items[LAYOUT_MAX_DIAGS];
	size_t count;
	size_t errors;
	size_t overridable; /* of the errors, how many are overridable */
	size_t dropped;	    /* diagnostics past LAYOUT_MAX_DIAGS */
};

/* Parses a preset from text (len bytes, need not be NUL-terminated). path names the file
 * in messages; stem is the name the file is known by (its name without ".ini"). Checks
 * everything that needs no files: syntax, unknown keys, numbers, flash parameters,
 * alignment, overlaps and regions past the end of flash. Fills *out and appends to *rep.
 * Returns ED_OK, or ED_ERR_FORMAT when rep holds at least one error. */
int layout_parse(const char *text, size_t len, const char *path, const char *stem,
		 struct layout *out, struct layout_report *rep);

/* Reads path and parses it (stem taken from the file name). ED_ERR_IO/NOTFOUND when the
 * file cannot be read (detail in err), else as layout_parse(). */
int layout_load(const char *path, struct layout *out, struct layout_report *rep,
		struct ed_error *err);

/* Formats diagnostic i as "path:line: error: msg" into buf; returns buf. */
const char *layout_diag_format(const struct layout *l, const struct layout_diag *d, char *buf,
			       size_t cap);

/* Joins every error (and warning) of a report into err's message, one per line, and sets
 * err->code to ED_ERR_FORMAT. Returns ED_ERR_FORMAT when the report has errors, else ED_OK. */
int layout_report_to_error(const struct layout *l, const struct layout_report *rep,
			   struct ed_error *err);

/* What the firmware folder holds for one region. */
enum layout_status {
	LAYOUT_ST_OK = 0,   /* file present and fits (or a fill) */
	LAYOUT_ST_OPTIONAL, /* optional file absent: skipped */
	LAYOUT_ST_MISSING,  /* required file absent */
	LAYOUT_ST_TOO_BIG,  /* larger than its region */
	LAYOUT_ST_BAD,	    /* unreadable, empty, or a header that disagrees */
};

struct layout_file {
	enum layout_status status;
	char built_for[16]; /* the image header's flash size when it disagrees with the
			     * preset ("2MB-c1"; status bad, overridable), else "" */
	uint8_t *data;	    /* file contents or the fill (owned); NULL when skipped */
	uint32_t size;
	char path[LAYOUT_PATH_MAX + 256];
};

struct layout_files {
	struct layout_file regions[LAYOUT_MAX_REGIONS];
	size_t count;
	uint64_t total_bytes; /* what a write of every present region sends */
};

/* Looks at the preset's files under firmware_dir (one folder, or a search list of folders
 * separated by ':' where each file is taken from the first folder that holds it): present, size against max_size and the
 * next region, overlaps of what will really be written, image headers (v1/v2 at any offset)
 * whose flash size disagrees with the preset. Loads the data of every present region.
 * Appends to *rep (lines of the preset) and fills *files (release with layout_files_finish
 * even on failure). Returns ED_OK or ED_ERR_FORMAT when rep holds errors. */
int layout_resolve(const struct layout *l, const char *firmware_dir, struct layout_files *files,
		   struct layout_report *rep);
void layout_files_finish(struct layout_files *files);

/* "ok", "optional", "missing", "too big", "bad". */
const char *layout_status_name(enum layout_status st);
/* "none", "regions", "chip". */
const char *layout_erase_name(enum layout_erase e);
/* Bytes a region reserves on flash: max_size, else its fill size, else the file size
 * (file_size, 0 when unknown). */
uint32_t layout_region_extent(const struct layout_region *r, uint32_t file_size);

/* ---- where espdeck's data is (presets, firmware) ---- */

/* True when the running binary sits in espdeck's build tree (not installed); then the
 * build folder is copied into build_root (may be NULL). */
bool layout_build_tree(char *build_root, size_t cap);
/* The installed data folder: the one beside the binary (BINDIR/../share/espdeck) when it
 * exists, which also covers an install elsewhere than the prefix (meson install
 * --destdir), else DATADIR/espdeck. Written into buf; returns buf. */
const char *layout_data_dir(char *buf, size_t cap);

/* ---- catalog: every preset by name, user folder over system folder ---- */

struct layout_entry {
	char name[LAYOUT_NAME_MAX]; /* file stem */
	char path[LAYOUT_PATH_MAX];
	char description[256]; /* "" when the file does not parse */
	bool user;	       /* from the user's folder */
	bool parse_ok;
};

struct layout_catalog;

/* Scans the folders: $XDG_CONFIG_HOME/espdeck/layouts (else ~/.config/...), then the
 * system folder (the source tree's data/layouts when running from the build tree, else
 * the installed datadir). A user file hides a system file of the same name. Folders that
 * do not exist are skipped. *out owns the catalog (free with layout_catalog_destroy). */
int layout_catalog_create(struct layout_catalog **out, struct ed_error *err);
void layout_catalog_destroy(struct layout_catalog *c);
size_t layout_catalog_count(const struct layout_catalog *c);
/* Borrowed; sorted by name. NULL past the end. */
const struct layout_entry *layout_catalog_get(const struct layout_catalog *c, size_t i);
/* Index of name or -1. */
long layout_catalog_find(const struct layout_catalog *c, const char *name);
/* The folders searched, for messages ("searched: A, B"); borrowed. */
const char *layout_catalog_dirs(const struct layout_catalog *c);

/* Loads a preset by name (through a fresh catalog) or by path (when name_or_path holds
 * a '/' or ends in ".ini"). ED_ERR_NOTFOUND with the folders searched when there is no
 * such preset; else as layout_load(). */
int layout_open(const char *name_or_path, struct layout *out, struct layout_report *rep,
		struct ed_error *err);
