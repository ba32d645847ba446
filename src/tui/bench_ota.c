/* SPDX-License-Identifier: MIT
 * "Make OTA bins" from the bench: the SDK's gen_appbin user1.bin and user2.bin (boot
 * mode 2, reference §7.6) from an application ELF, through the image module, with the
 * flash parameters of the selected preset, written atomically into the firmware folder;
 * then "publish" them (journal/publish.h): to a local folder or [user@]host:path with scp,
 * run as a program with an argument list, never through a shell. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/outfile.h"
#include "core/util.h"
#include "image/image.h"
#include "journal/publish.h"
#include "tui/bench.h"
#include "tui/dialog.h"
#include "tui/tui_int.h"

/* ELFs of ESP8266 applications are a few MiB at most. */
#define MAX_ELF_BYTES (64u << 20)

static const char *param(const struct bench *b, enum bench_setting s, const char *fallback)
{
	const char *v = bench_setting_value(b, s);
	return strcmp(v, "keep") && strcmp(v, "detect") ? v : fallback;
}

int bench_mkdir_p(const char *dir, char *error, size_t cap)
{
	char path[1024];
	if (!dir[0] || strlen(dir) >= sizeof path) {
		snprintf(error, cap, "give a folder for the OTA bins");
		return -1;
	}
	snprintf(path, sizeof path, "%s", dir);
	for (char *p = path + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			snprintf(error, cap, "cannot create the folder %s: %s", path,
				 strerror(errno));
			return -1;
		}
		if (!c)
			return 0;
		*p = c;
	}
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
		rc = ed_output_write(path, out.data, out.len, &err);
		if (rc == ED_OK)
			bench_log(b, 2,
				  "OTA: wrote %s (%zu bytes, gen_appbin boot mode 2, app %d) "
				  "from %s",
				  path, out.len, app, elf_path);
		img_output_free(&out);
	}
	free(elf);
	if (rc < 0) {
		snprintf(error, cap, "%s", err.msg);
		bench_log(b, 0, "OTA: %s", err.msg);
	}
	return rc;
}

/* One file to the target; the error names the file. */
static int publish_one(const struct publish_target *t, const char *file, struct ed_error *err)
{
	struct img_info info;
	int rc = publish_check_file(file, &info, err);
	if (rc < 0)
		return rc;
	if (t->kind == PUBLISH_LOCAL)
		return publish_copy_local(file, t->spec, err);
	return publish_copy_scp("scp", file, t->spec, err);
}

static bool publish_ok(void *ctx, struct tui *ui, const struct dialog_field *f, size_t n,
		       char *error, size_t cap)
{
	struct bench *b = ctx;
	struct publish_target t;
	struct ed_error err = {0};
	if (!f[0].value[0]) {
		snprintf(error, cap, "give a folder or [user@]host:path to publish to");
		return false;
	}
	if (publish_target_parse(f[0].value, &t, &err) < 0) {
		snprintf(error, cap, "%s", err.msg);
		return false;
	}
	for (int app = 1; app <= 2; app++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/user%d.bin", b->ota_dir, app);
		if (publish_one(&t, path, &err) < 0) {
			snprintf(error, cap, "%s", err.msg);
			bench_log(b, 0, "publish: %s", err.msg);
			return false;
		}
		bench_log(b, 2, "published %s to %s%s", path, f[0].value,
			  t.kind == PUBLISH_SCP ? " (scp)" : "");
	}
	bench_log(b, 2, "publish: user1.bin and user2.bin are on %s", f[0].value);
	(void)ui;
	(void)n;
	return true;
}

void bench_ask_publish(struct bench *b)
{
	if (!b->ota_dir[0]) {
		bench_log(b, 1, "publish: make the OTA bins first (o)");
		return;
	}
	struct dialog_field f[1] = {{"to", ""}};
	tui_push(b->ui,
		 dialog_form("Publish user1.bin + user2.bin (Esc: not now)", f, 1, publish_ok, b));
}
