/* SPDX-License-Identifier: MIT
 * espdeck publish FILE... --to DIR|[user@]host:path [--scp PROGRAM]
 * Checks every OTA file first (src/journal/publish.h), then copies them. */
#include "cli/cli.h"
#include "cli/cli_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "image/image.h"
#include "journal/publish.h"

#define PUBLISH_USAGE	  "espdeck publish FILE... --to DIR|[user@]host:path [--scp PROGRAM]"
#define PUBLISH_MAX_FILES 64

static int check_all(const char **files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < i; k++)
			if (!strcmp(ed_basename(files[i]), ed_basename(files[k]))) {
				fprintf(stderr,
					"espdeck publish: %s and %s have the same name; "
					"nothing was published\n",
					files[k], files[i]);
				return CLI_EXIT_USAGE;
			}
		struct img_info info;
		struct ed_error err;
		if (publish_check_file(files[i], &info, &err) < 0) {
			fprintf(stderr, "espdeck publish: %s; nothing was published\n", err.msg);
			return CLI_EXIT_FAIL;
		}
		char size[32];
		ed_format_size(size, sizeof size, info.buf_len);
		if (info.app_slot)
			printf("checked %s: %s, user%d, %s\n", files[i], img_kind_name(info.kind),
			       info.app_slot, size);
		else
			printf("checked %s: %s, %s\n", files[i], img_kind_name(info.kind), size);
	}
	return CLI_EXIT_OK;
}

int cmd_publish(const struct config *cfg, int argc, char **argv)
{
	const char *to = NULL, *scp = NULL, *files[PUBLISH_MAX_FILES];
	const struct cli_opt opts[] = {{"to", &to, NULL}, {"scp", &scp, NULL}};
	size_t n;
	int rc = cli_parse_opts(argc, argv, opts, 2, files, PUBLISH_MAX_FILES, &n, PUBLISH_USAGE);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (!n || !to) {
		fprintf(stderr, "espdeck publish: %s\nusage: %s\n",
			n ? "no destination: give --to DIR or --to [user@]host:path"
			  : "no files to publish",
			PUBLISH_USAGE);
		return CLI_EXIT_USAGE;
	}
	struct publish_target target;
	struct ed_error err;
	if (publish_target_parse(to, &target, &err) < 0)
		return cli_report("publish", &err);
	if (!scp)
		scp = getenv("ESPDECK_SCP");
	if (!scp || !*scp)
		scp = "scp";
	rc = check_all(files, n);
	if (rc != CLI_EXIT_OK)
		return rc;
	size_t failed = 0, published = 0;
	for (size_t i = 0; i < n; i++) {
		if (target.kind == PUBLISH_LOCAL)
			rc = publish_copy_local(files[i], to, &err);
		else
			rc = publish_copy_scp(scp, files[i], to, &err);
		if (rc < 0) {
			failed++;
			fprintf(stderr, "espdeck publish: %s\n", err.msg);
			if (rc == ED_ERR_NOTFOUND)
				break; /* no folder, or no scp: the other files would fail alike */
			continue;
		}
		published++;
		if (target.kind == PUBLISH_LOCAL)
			printf("published %s -> %s/%s\n", files[i], to, ed_basename(files[i]));
		else
			printf("published %s -> %s (via %s)\n", files[i], to, scp);
	}
	if (failed)
		fprintf(stderr, "espdeck publish: %zu of %zu files published\n", published, n);
	return failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
