/* SPDX-License-Identifier: MIT
 * The production journal: one CSV line per board per job, appended to a file a
 * spreadsheet can open (RFC 4180, CRLF, a header line), so a technician can answer "which
 * board got which image, and did it work".
 *
 * Durability: each line is one write() on an O_APPEND descriptor under flock(), followed by
 * fsync(), before journal_append() returns; a line reported as written survives a crash or
 * a power loss. A line torn by a power loss mid-write is closed off by the next append
 * (which starts on a fresh line) and skipped, with a count, by the reader.
 *
 * Columns: time (ISO 8601 UTC), port, chip, mac, flash_id, preset, files ("name=md5"
 * joined by ';', where the board proved the write "name=md5/board:MD5" with the MD5 the
 * board reported for the written range: the same as the file's unless espdeck patched
 * the image header at 0x0), result (ok, failed, cancelled), duration_s, error, slot (the flashing
 * station's stable name of where the board sat: a by-path name or a URL; "" elsewhere).
 * Lines of ten columns (journals written before the slot column) read with slot "". */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/error.h"

#define JOURNAL_HEADER	   "time,port,chip,mac,flash_id,preset,files,result,duration_s,error,slot"
#define JOURNAL_COLUMNS	   11
#define JOURNAL_COLUMNS_V1 10 /* before the slot column */

/* The default journal: $XDG_STATE_HOME/espdeck/journal.csv, else
 * $HOME/.local/state/espdeck/journal.csv. ED_ERR_NOTFOUND when neither variable is set. */
int journal_default_path(char *out, size_t cap, struct ed_error *err);

/* One file that went to the board. */
struct journal_file {
	const char *name;   /* as the preset names it, e.g. "user1.bin" */
	char md5[33];	    /* hex; fill with md5_file_hex() */
	char board_md5[33]; /* hex: what the board's SPI_FLASH_MD5 said of the written range,
			     * "" when it did not (ROM mode, not written) */
};

/* What a finished job reports; every string may be NULL (written empty). */
struct journal_record {
	time_t time; /* when the job ended; 0 = now */
	const char *port;
	const char *chip;
	const char *mac;
	const char *flash_id;
	const char *preset;
	const struct journal_file *files;
	size_t file_count;
	const char *result; /* "ok", "failed", "cancelled" */
	double duration_s;
	const char *error;
	const char *slot;
};

/* Appends one line (creating the file with its header line, and the folders, when
 * missing) and fsyncs it. Safe from several threads and processes at once. */
int journal_append(const char *path, const struct journal_record *rec, struct ed_error *err);

/* One line as read back. */
struct journal_entry {
	char time[32];
	char port[256];
	char chip[32];
	char mac[32];
	char flash_id[32];
	char preset[128];
	char files[2048];
	char result[16];
	char duration_s[24];
	char error[768];
	char slot[256];
	time_t when;	/* time parsed, -1 when unreadable */
	size_t line_no; /* physical line number in the file, 1-based */
};

struct journal_stats {
	size_t entries; /* complete, well-formed lines (header excluded) */
	size_t damaged; /* lines skipped because they could not be read */
	size_t first_damaged_line;
	bool torn_tail; /* the file ends inside a line (an interrupted write) */
};

/* Called for every entry in file order; return non-zero to stop (journal_read then returns
 * that value). */
typedef int (*journal_entry_fn)(void *user, const struct journal_entry *entry);

/* Reads the whole journal. A missing file is ED_ERR_NOTFOUND (a fresh bench has none). */
int journal_read(const char *path, journal_entry_fn fn, void *user, struct journal_stats *stats,
		 struct ed_error *err);

/* Filters for `espdeck journal`; NULL/0 fields match everything. */
struct journal_filter {
	const char *mac;    /* any spelling: 5C:CF:7F:01:02:03, 5ccf7f010203, 5c-cf-... */
	const char *result; /* "ok", "failed", "cancelled" */
	time_t since;	    /* entries at or after (0 = no bound) */
	time_t until;	    /* entries before (0 = no bound) */
	const char *file;   /* a file name contained in the files column */
};

/* Parses DATE as "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC). With end_of_day, a
 * bare date means the end of that day (for --until, so the day is included). */
int journal_parse_date(const char *text, bool end_of_day, time_t *out, struct ed_error *err);

/* Validates filter values (result spelling, MAC digits). */
int journal_filter_check(const struct journal_filter *f, struct ed_error *err);

bool journal_entry_matches(const struct journal_entry *e, const struct journal_filter *f);

/* Writes the 12 lower-case hex digits of a MAC in any common spelling into out; false when
 * it is not a MAC. */
bool journal_mac_normalize(const char *mac, char out[13]);

/* What the bench shows for a board it sees: was this MAC flashed before? */
struct journal_history {
	size_t times;		   /* entries with this MAC */
	size_t ok;		   /* of which result ok */
	struct journal_entry last; /* the latest one (valid when times > 0) */
};

/* Looks a MAC up in the journal; a missing journal means "never" (ED_OK, times 0). */
int journal_lookup_mac(const char *path, const char *mac, struct journal_history *out,
		       struct ed_error *err);

/* The files column for files[0..count): "name=md5" joined by ';' into out (truncated to
 * cap). */
void journal_files_text(const struct journal_file *files, size_t count, char *out, size_t cap);

/* Was this board written with exactly these files before? Looks for the latest line with
 * result ok, the MAC (any spelling) and a files column equal to files_text. Returns 1 and
 * fills out (may be NULL) when found, 0 when not (a missing journal is "not"), a negative
 * ed_err when the journal cannot be read. */
int journal_find_written(const char *path, const char *mac, const char *files_text,
			 struct journal_entry *out, struct ed_error *err);
