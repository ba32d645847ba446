/* SPDX-License-Identifier: MIT
 * image_info --version 2: esptool's extended listing (image/esptool_info.h) for scripts
 * that parse it. Unlike esptool, the exit status says whether the checksum holds. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "image/esptool_info.h"

#define MAX_IMAGE_BYTES (16u * 1024u * 1024u)

int cli_image_info_esptool(const struct config *cfg, const char *cmd, const char *path)
{
	struct ed_error err = {0};
	uint8_t *data = NULL;
	size_t len = 0;
	if (ed_read_file(path, &data, &len, MAX_IMAGE_BYTES, &err) < 0) {
		fprintf(stderr, "espdeck %s: %s\n", cmd, err.msg);
		return CLI_EXIT_FAIL;
	}
	struct esptool_listing l;
	/* esptool prints "Detected image type" when it guessed the chip (--chip auto) */
	int rc = esptool_listing(data, len, !strcmp(cfg->chip, "auto"), &l, &err);
	free(data);
	if (rc < 0) {
		fprintf(stderr, "espdeck %s: %s: %s\n", cmd, path, err.msg);
		return CLI_EXIT_FAIL;
	}
	fwrite(l.text, 1, l.len, stdout);
	rc = l.checksum_ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	if (!l.checksum_ok)
		fprintf(stderr,
			"espdeck %s: %s: the checksum does not match (esptool would still "
			"exit 0)\n",
			cmd, path);
	esptool_listing_free(&l);
	return rc;
}
