/* SPDX-License-Identifier: MIT
 * Layout-preset commands: `layouts` (list), `layout show NAME` (table and flash map) and
 * `write_layout NAME` (the same job the bench screen runs, through job.h). */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/portpick.h"
#include "app/preset.h"
#include "cli/cli_int.h"
#include "core/flash_params.h"
#include "core/util.h"
#include "job/job.h"
#include "layout/layout.h"
#include "layout/layout_fmt.h"

/* The map bar's width in `layout show`: fits an 80-column terminal with its frame. */
#define SHOW_MAP_WIDTH	64
#define SHOW_FILE_WIDTH 26

int cmd_layouts(const struct config *cfg, int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "espdeck: layouts takes no arguments (got '%s')\n", argv[1]);
		return CLI_EXIT_USAGE;
	}
	struct layout_catalog *c = NULL;
	struct ed_error err = {0};
	if (layout_catalog_create(&c, &err) < 0) {
		fprintf(stderr, "espdeck: %s\n", err.msg);
		return CLI_EXIT_FAIL;
	}
	size_t n = layout_catalog_count(c);
	if (n == 0) {
		fprintf(stderr, "espdeck: no presets found (searched %s)\n",
			layout_catalog_dirs(c));
		layout_catalog_destroy(c);
		return CLI_EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct layout_entry *e = layout_catalog_get(c, i);
		printf("%-14s %s%s%s\n", e->name,
		       e->parse_ok ? e->description : "BROKEN: run 'espdeck layout show ",
		       e->parse_ok ? "" : e->name, e->parse_ok ? (e->user ? " (user)" : "") : "'");
	}
	if (!cfg->quiet)
		printf("\n%zu presets (searched %s; user presets hide system ones of the same "
		       "name)\n",
		       n, layout_catalog_dirs(c));
	layout_catalog_destroy(c);
	return CLI_EXIT_OK;
}

void cli_layout_print_diags(FILE *out, const struct layout *l, const struct layout_report *rep)
{
	for (size_t i = 0; i < rep->count; i++) {
		char line[512];
		fprintf(out, "%s\n", layout_diag_format(l, &rep->items[i], line, sizeof line));
	}
	if (rep->dropped)
		fprintf(out, "%s: ... and %zu more problems\n", l->path, rep->dropped);
}

static void print_map(const struct layout *l, const struct layout_files *files)
{
	char bar[SHOW_MAP_WIDTH + 1], size[24], cell[24];
	layout_map_text(l, files, bar, SHOW_MAP_WIDTH);
	printf("\nflash map (0x000000-0x%06x, %s, one cell ~ %s):\n|%s|\n", l->flash_bytes - 1,
	       ed_format_size(size, sizeof size, l->flash_bytes),
	       ed_format_size(cell, sizeof cell, l->flash_bytes / SHOW_MAP_WIDTH), bar);
	printf("legend:");
	for (size_t i = 0; i < l->region_count; i++)
		printf(" %c=%s", layout_map_char(i), l->regions[i].name);
	printf("  .=free\n");
}

static void print_table(const struct layout *l, const struct layout_files *files,
			const char *firmware_dir)
{
	char line[512];
	printf("preset %s: %s\n", l->name, l->description);
	printf("file:  %s\n", l->path);
	char size_label[48];
	printf("flash: size %s (%u bytes), mode %s, freq %s; erase %s\n",
	       flash_size_label(l->flash_size, size_label, sizeof size_label), l->flash_bytes,
	       l->flash_mode, l->flash_freq, layout_erase_name(l->erase));
	if (strchr(firmware_dir, ':')) {
		/* a search list: each file comes from the first folder that holds it */
		printf("files: from the first of");
		for (const char *s = firmware_dir; *s;) {
			const char *e = strchr(s, ':');
			int len = e ? (int)(e - s) : (int)strlen(s);
			printf(" %.*s/", len, s);
			s += len + (e != NULL);
		}
		printf("\n\n");
	} else {
		printf("files: %s/\n\n", firmware_dir);
	}
	printf("%s\n", layout_format_header(line, sizeof line, SHOW_FILE_WIDTH));
	for (size_t i = 0; i < l->region_count; i++)
		printf("%s\n", layout_format_row(l, i, files, line, sizeof line, SHOW_FILE_WIDTH));
}

/* Parses "[NAME] [--firmware-dir D] [flags]" shared by `layout show` and `write_layout`.
 * Returns a cli_exit code. */
static int parse_args(int argc, char **argv, int first, const char **name, const char **fwdir,
		      bool *dry_run, bool *no_verify, bool *force)
{
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--firmware-dir") || !strcmp(a, "--firmware_dir")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "espdeck: %s needs a folder\n", a);
				return CLI_EXIT_USAGE;
			}
			*fwdir = argv[++i];
		} else if (!strncmp(a, "--firmware-dir=", 15) ||
			   !strncmp(a, "--firmware_dir=", 15)) {
			*fwdir = a + 15;
		} else if (dry_run && (!strcmp(a, "--dry-run") || !strcmp(a, "--dry_run"))) {
			*dry_run = true;
		} else if (no_verify && (!strcmp(a, "--no-verify") || !strcmp(a, "--no_verify"))) {
			*no_verify = true;
		} else if (force && (!strcmp(a, "--force") || !strcmp(a, "-f"))) {
			*force = true;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "espdeck: %s: unknown option '%s'\n", argv[0], a);
			return CLI_EXIT_USAGE;
		} else if (*name) {
			fprintf(stderr, "espdeck: %s: one preset at a time ('%s' and '%s')\n",
				argv[0], *name, a);
			return CLI_EXIT_USAGE;
		} else {
			*name = a;
		}
	}
	if (!*name) {
		fprintf(stderr, "espdeck: %s needs a preset name; 'espdeck layouts' lists them\n",
			argv[0]);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

/* Loads a preset and resolves its files; on a broken preset prints the problems and
 * returns false. The structs are big, so the caller gives heap memory. */
bool cli_layout_load(const char *name, const char *fwdir, struct layout *l,
		     struct layout_report *rep, struct layout_files *files, bool *files_ok)
{
	struct ed_error err = {0};
	int rc = layout_open(name, l, rep, &err);
	if (rc == ED_ERR_FORMAT) {
		cli_layout_print_diags(stderr, l, rep);
		fprintf(stderr, "espdeck: preset %s has %zu error%s: fix them before writing\n",
			l->path, rep->errors, rep->errors == 1 ? "" : "s");
		return false;
	}
	if (rc < 0) {
		fprintf(stderr, "espdeck: %s\n", err.msg);
		return false;
	}
	size_t before = rep->count;
	*files_ok = layout_resolve(l, fwdir, files, rep) == ED_OK;
	(void)before;
	return true;
}

int cmd_layout(const struct config *cfg, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "show")) {
		fprintf(stderr, "espdeck: usage: espdeck layout show NAME [--firmware-dir D]\n");
		return CLI_EXIT_USAGE;
	}
	const char *name = NULL, *fwdir = cfg->firmware_path;
	int rc = parse_args(argc, argv, 2, &name, &fwdir, NULL, NULL, NULL);
	if (rc != CLI_EXIT_OK)
		return rc;
	char path[sizeof cfg->firmware_path];
	if (fwdir != cfg->firmware_path) /* its own --firmware-dir: first, then the rest */
		fwdir = config_firmware_path_for(cfg, fwdir, path, sizeof path);
	struct layout *l = calloc(1, sizeof *l);
	struct layout_report *rep = calloc(1, sizeof *rep);
	struct layout_files *files = calloc(1, sizeof *files);
	bool files_ok = false;
	rc = CLI_EXIT_FAIL;
	if (l && rep && files && cli_layout_load(name, fwdir, l, rep, files, &files_ok)) {
		print_table(l, files, fwdir);
		print_map(l, files);
		if (rep->count) {
			printf("\n");
			fflush(stdout);
			cli_layout_print_diags(stdout, l, rep);
		}
		char note[512];
		if (!files_ok)
			printf("\nnot ready to write: %zu problem%s above%s\n", rep->errors,
			       rep->errors == 1 ? "" : "s",
			       app_preset_can_force(files, rep, note, sizeof note)
				   ? " (write_layout --force writes it anyway)"
				   : "");
		rc = CLI_EXIT_OK;
	}
	if (files)
		layout_files_finish(files);
	free(files);
	free(rep);
	free(l);
	return rc;
}

int cli_layout_run_job(const struct config *cfg, const struct layout *l,
		       const struct layout_files *files, const bool *only, bool verify,
		       const char *journal_preset)
{
	if (app_require_port(cfg, "write_layout") != APP_EXIT_OK)
		return CLI_EXIT_USAGE;
	struct job_step steps[APP_PRESET_MAX_STEPS];
	struct job_spec spec;
	app_preset_spec(cfg, l, verify, &spec);
	if (journal_preset)
		spec.preset_name = journal_preset;
	spec.steps = steps;
	spec.step_count = app_preset_steps(l, files, only, steps);
	if (!spec.step_count) {
		fprintf(stderr, "espdeck: preset %s has nothing to write\n", l->name);
		return CLI_EXIT_FAIL;
	}
	int rc = cli_run_job(cfg, &spec, NULL);
	if (rc == CLI_EXIT_OK && !cfg->quiet && !app_is_multi(cfg))
		printf("preset %s written%s to %s\n", l->name, verify ? " and verified" : "",
		       spec.port);
	return rc;
}

static void print_plan(const struct layout *l, const struct layout_files *files, bool verify)
{
	char size[24], size_label[48];
	printf("plan for %s (flash %s, mode %s, freq %s):\n", l->name,
	       flash_size_label(l->flash_size, size_label, sizeof size_label), l->flash_mode,
	       l->flash_freq);
	if (l->erase == LAYOUT_ERASE_CHIP)
		printf("  erase the whole chip\n");
	for (size_t i = 0; i < l->region_count; i++) {
		const struct layout_file *f = &files->regions[i];
		const struct layout_region *r = &l->regions[i];
		if (!f->data) {
			printf("  skip %s (%s absent, optional)\n", r->name, f->path);
			continue;
		}
		if (l->erase == LAYOUT_ERASE_REGIONS)
			printf("  erase 0x%06x-0x%06x (%s)\n", r->offset,
			       r->offset + layout_region_extent(r, f->size) - 1, r->name);
		printf("  write %s @0x%06x (%s)\n", f->path, r->offset,
		       ed_format_size(size, sizeof size, f->size));
	}
	printf("  %s\n", verify ? "verify every written region" : "no verification");
	printf("  %s in total\n", ed_format_size(size, sizeof size, files->total_bytes));
}

int cmd_write_layout(const struct config *cfg, int argc, char **argv)
{
	const char *name = NULL, *fwdir = cfg->firmware_path;
	bool dry_run = false, no_verify = false, force = false;
	int rc = parse_args(argc, argv, 1, &name, &fwdir, &dry_run, &no_verify, &force);
	if (rc != CLI_EXIT_OK)
		return rc;
	char path[sizeof cfg->firmware_path];
	if (fwdir != cfg->firmware_path) /* its own --firmware-dir: first, then the rest */
		fwdir = config_firmware_path_for(cfg, fwdir, path, sizeof path);
	struct layout *l = calloc(1, sizeof *l);
	struct layout_report *rep = calloc(1, sizeof *rep);
	struct layout_files *files = calloc(1, sizeof *files);
	bool files_ok = false;
	rc = CLI_EXIT_FAIL;
	if (!l || !rep || !files || !cli_layout_load(name, fwdir, l, rep, files, &files_ok))
		goto out;
	char note[512], column[700];
	bool can_force = !files_ok && app_preset_can_force(files, rep, note, sizeof note);
	if (!files_ok && !(can_force && force)) {
		cli_layout_print_diags(stderr, l, rep);
		fprintf(stderr,
			"espdeck: nothing was written: preset %s is not ready (%zu "
			"problem%s above)%s\n",
			l->name, rep->errors, rep->errors == 1 ? "" : "s",
			can_force ? "; if the file is right for this board (a vendor's bin you "
				    "cannot rebuild), add --force to write it anyway"
				  : "");
		goto out;
	}
	if (can_force) {
		/* The user confirmed: the refusal is a warning now, said and journalled. */
		for (size_t i = 0; i < rep->count; i++)
			if (rep->items[i].overridable)
				rep->items[i].severity = LAYOUT_WARNING;
		cli_layout_print_diags(stderr, l, rep);
		fprintf(stderr, "espdeck: warning: writing anyway (--force): %s\n", note);
		snprintf(column, sizeof column, "%s (forced: %s)", l->name, note);
	} else if (rep->count && !cfg->quiet) {
		cli_layout_print_diags(stderr, l, rep);
	}
	if (dry_run) {
		print_plan(l, files, !no_verify);
		rc = CLI_EXIT_OK;
		goto out;
	}
	rc = cli_layout_run_job(cfg, l, files, NULL, !no_verify, can_force ? column : NULL);
out:
	if (files)
		layout_files_finish(files);
	free(files);
	free(rep);
	free(l);
	return rc;
}
