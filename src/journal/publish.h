/* SPDX-License-Identifier: MIT
 * Publishing OTA files where the update server serves them (the seed's last step,
 * `scp firmware/user2.bin root@host:/.../firmware`): each file is checked with the image
 * verifier first, then copied keeping its name, either into a local folder atomically
 * (temporary name in that folder, fsync, rename, fsync of the folder) or by running scp as
 * a program with an argument list (posix_spawnp; never a shell, so names with spaces,
 * quotes or `$` stay names). Lives beside the journal: both are the bench's records of
 * what left it. Call order: publish_target_parse -> publish_check_file (each file) ->
 * publish_copy_local or publish_copy_scp (each file). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "image/image.h"

enum publish_kind { PUBLISH_LOCAL, PUBLISH_SCP };

struct publish_target {
	enum publish_kind kind;
	const char *spec; /* borrowed: the folder, or "[user@]host:path" */
};

/* scp's own rule: a colon before the first slash makes a remote destination; anything else
 * is a local folder. ED_ERR_ARG for an empty spec or an empty host ("[user@]:path"). */
int publish_target_parse(const char *spec, struct publish_target *out, struct ed_error *err);

/* Reads path and verifies it as an ESP8266 image (checksum, CRC, no trailing bytes).
 * info (may be NULL) gets the description. The error names the file. */
int publish_check_file(const char *path, struct img_info *info, struct ed_error *err);

/* Copies file into the existing folder dir under its own name, atomically, verifying the
 * bytes it copies once more. The folder is never created (a typo in a web root should
 * fail, not publish to a new folder). */
int publish_copy_local(const char *file, const char *dir, struct ed_error *err);

/* Runs `program -- FILE DEST` (program found on PATH) and waits; ED_ERR_NOTFOUND when the
 * program cannot be run, ED_ERR_IO with the exit status when it fails. A relative FILE
 * with a colon is passed as ./FILE so scp does not take it for a host. */
int publish_copy_scp(const char *program, const char *file, const char *dest, struct ed_error *err);
