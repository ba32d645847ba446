/* SPDX-License-Identifier: MIT
 * "Make OTA bins" from the bench: the SDK's gen_appbin user1.bin and user2.bin (boot
 * mode 2, reference §7.6) from an application ELF, through the image module, with the
 * flash parameters of the selected preset, written atomically into the firmware folder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "image/image.h"
#include "tui/bench.h"

/* ELFs of ESP8266 applications are a few MiB at most. */
#define MAX_ELF_BYTES (64u << 20)

static const char *param(const struct bench *b, enum bench_setting s, const char *fallback)
{
	const char *v = bench_setting_value(b, s);
	return strcmp(v, "keep") && strcmp(v, "detect") ? v : fallback;
}

int bench_make_ota(struct bench *b, const char *elf_path, const char *out_dir, char *error,
		   size_t cap)
{
	struct ed_error err = {0};
	uint8_t *elf = NULL;
	size_t elf_len = 0;
	if (ed_read_file(elf_path, &elf, &elf_len, MAX_ELF_BYTES, &err) < 0) {
		snprintf(error, cap, "%s", err.msg);
		return err.code;
	}
	struct img_params p = IMG_PARAMS_DEFAULT;
	int rc = img_params_from_names(param(b, SET_MODE, "qio"), param(b, SET_SIZE, "4MB-c1"),
				       param(b, SET_FREQ, "40m"), &p, &err);
	for (int app = 1; rc == ED_OK && app <= 2; app++) {
		struct img_output out = {0};
		rc = img_make_ota(elf, elf_len, 2, app, &p, &out, NULL, &err);
		if (rc < 0)
			break;
		char path[1024];
		snprintf(path, sizeof path, "%s/user%d.bin", out_dir, app);
		rc = ed_write_file_atomic(path, out.data, out.len, &err);
		if (rc == ED_OK)
			bench_log(b, 2, "OTA: wrote %s (%zu bytes, gen_appbin boot mode 2, app %d) "
				  "from %s", path, out.len, app, elf_path);
		img_output_free(&out);
	}
	free(elf);
	if (rc < 0) {
		snprintf(error, cap, "%s", err.msg);
		bench_log(b, 0, "OTA: %s", err.msg);
	}
	return rc;
}
