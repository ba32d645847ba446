/* SPDX-License-Identifier: MIT
 * Publishing OTA files (publish.h): verify, then a local atomic copy or scp run as a
 * program. */
#include "journal/publish.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/outfile.h"
#include "core/util.h"

extern char **environ;

/* OTA slots are at most 1 MiB (reference §8.1); anything far larger is not an OTA file. */
#define PUBLISH_MAX_BYTES (16u << 20)

int publish_target_parse(const char *spec, struct publish_target *out, struct ed_error *err)
{
	out->kind = PUBLISH_LOCAL;
	out->spec = spec;
	if (!spec || !*spec)
		return ed_fail(err, ED_ERR_ARG,
			       "no destination: give --to DIR or --to [user@]host:path");
	const char *colon = strchr(spec, ':');
	const char *slash = strchr(spec, '/');
	if (!colon || (slash && slash < colon))
		return ED_OK;
	const char *at = memchr(spec, '@', (size_t)(colon - spec));
	const char *host = at ? at + 1 : spec;
	if (host == colon)
		return ed_fail(err, ED_ERR_ARG,
			       "'%s' names no host before the ':': use [user@]host:path", spec);
	out->kind = PUBLISH_SCP;
	return ED_OK;
}

static int verify_buffer(const char *path, const uint8_t *data, size_t len, struct img_info *info,
			 struct ed_error *err)
{
	int rc = img_parse(data, len, info, err);
	if (rc == ED_OK)
		rc = img_verify(info, true, err);
	if (rc < 0)
		ed_error_prefix(err, "%s is not a good image, not published", path);
	return rc;
}

int publish_check_file(const char *path, struct img_info *info, struct ed_error *err)
{
	struct img_info local;
	if (!info)
		info = &local;
	uint8_t *data = NULL;
	size_t len = 0;
	int rc = ed_read_file(path, &data, &len, PUBLISH_MAX_BYTES, err);
	if (rc < 0)
		return rc;
	rc = verify_buffer(path, data, len, info, err);
	free(data);
	return rc;
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd); /* the rename must survive a power loss too */
		close(fd);
	}
}

int publish_copy_local(const char *file, const char *dir, struct ed_error *err)
{
	struct stat st;
	if (stat(dir, &st) != 0)
		return ed_fail(err, ED_ERR_NOTFOUND,
			       "the folder %s does not exist: %s (create it "
			       "first, or check --to)",
			       dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return ed_fail(err, ED_ERR_ARG,
			       "%s is not a folder: --to takes the folder the "
			       "files go into",
			       dir);
	uint8_t *data = NULL;
	size_t len = 0;
	int rc = ed_read_file(file, &data, &len, PUBLISH_MAX_BYTES, err);
	if (rc < 0)
		return rc;
	/* Verify the very bytes that get copied: the file may have changed since the check. */
	struct img_info info;
	rc = verify_buffer(file, data, len, &info, err);
	if (rc < 0) {
		free(data);
		return rc;
	}
	size_t need = strlen(dir) + strlen(file) + 2;
	char *dest = malloc(need);
	if (!dest) {
		free(data);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory publishing %s", file);
	}
	snprintf(dest, need, "%s/%s", dir, ed_basename(file));
	rc = ed_output_write(dest, data, len, err);
	if (rc == ED_OK)
		sync_dir(dir);
	else
		ed_error_prefix(err, "publishing %s", file);
	free(dest);
	free(data);
	return rc;
}

int publish_copy_scp(const char *program, const char *file, const char *dest, struct ed_error *err)
{
	/* scp reads "a:b.bin" as host a; "./a:b.bin" is unambiguous. */
	char *local = NULL;
	const char *colon = strchr(file, ':'), *slash = strchr(file, '/');
	if (colon && file[0] != '/' && (!slash || colon < slash)) {
		size_t need = strlen(file) + 3;
		local = malloc(need);
		if (!local)
			return ed_fail(err, ED_ERR_NOMEM, "out of memory running %s", program);
		snprintf(local, need, "./%s", file);
	}
	char *argv[] = {(char *)program, (char *)"--", local ? local : (char *)file, (char *)dest,
			NULL};
	pid_t pid;
	int e = posix_spawnp(&pid, program, NULL, NULL, argv, environ);
	free(local);
	if (e != 0)
		return ed_fail(err, ED_ERR_NOTFOUND,
			       "cannot run '%s': %s (install openssh-client, or name another "
			       "program with --scp or ESPDECK_SCP)",
			       program, strerror(e));
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return ed_fail(err, ED_ERR_IO, "lost track of '%s': %s", program,
				       strerror(errno));
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return ED_OK;
	if (WIFEXITED(status))
		return ed_fail(err, ED_ERR_IO, "'%s' failed with exit status %d copying %s to %s",
			       program, WEXITSTATUS(status), file, dest);
	return ed_fail(err, ED_ERR_IO, "'%s' was killed by signal %d copying %s to %s", program,
		       WTERMSIG(status), file, dest);
}
