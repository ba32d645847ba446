/* SPDX-License-Identifier: MIT
 * merge_bin: esptool's command, same syntax, same output bytes (image/merge.h):
 *   merge_bin -o OUT [--format raw|hex] [--target-offset ADDR] [--fill-flash-size SIZE]
 *             [-fm MODE] [-ff FREQ] [-fs SIZE] ADDR FILE [ADDR FILE...] */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_opt_int.h"
#include "core/util.h"
#include "image/ihex.h"
#include "image/image.h"
#include "image/merge.h"

#define MERGE_MAX_FILES	     64
#define MERGE_MAX_FILE_BYTES (256u * 1024u * 1024u)

struct merge_args {
	const char *output, *format, *target, *fill;
	const char *mode, *size, *freq;
	const char *pos[2 * MERGE_MAX_FILES];
	size_t npos;
};

static int merge_usage(const char *cmd, const char *what)
{
	fprintf(stderr,
		"espdeck %s: %s\n"
		"usage: espdeck merge_bin -o OUT [--format raw|hex] [--target-offset ADDR] "
		"[--fill-flash-size SIZE] [-fm MODE] [-ff FREQ] [-fs SIZE] ADDR FILE...\n",
		cmd, what);
	return CLI_EXIT_USAGE;
}

static int parse_merge_args(int argc, char **argv, struct merge_args *a)
{
	/* esptool's defaults: keep, or its ESPTOOL_FM/FF/FS environment */
	a->mode = getenv("ESPTOOL_FM") ? getenv("ESPTOOL_FM") : "keep";
	a->freq = getenv("ESPTOOL_FF") ? getenv("ESPTOOL_FF") : "keep";
	a->size = getenv("ESPTOOL_FS") ? getenv("ESPTOOL_FS") : "keep";
	a->format = "raw";
	const char *ignored = NULL;
	for (int i = 1; i < argc; i++) {
		int r;
		if ((r = cli_opt_take(argc, argv, &i, "output", "-o", &a->output)) ||
		    (r = cli_opt_take(argc, argv, &i, "format", "-f", &a->format)) ||
		    (r = cli_opt_take(argc, argv, &i, "target_offset", "-t", &a->target)) ||
		    (r = cli_opt_take(argc, argv, &i, "fill_flash_size", NULL, &a->fill)) ||
		    (r = cli_opt_take(argc, argv, &i, "flash_mode", "-fm", &a->mode)) ||
		    (r = cli_opt_take(argc, argv, &i, "flash_freq", "-ff", &a->freq)) ||
		    (r = cli_opt_take(argc, argv, &i, "flash_size", "-fs", &a->size)) ||
		    (r = cli_opt_take(argc, argv, &i, "chunk_size", NULL, &ignored))) {
			if (r < 0)
				return CLI_EXIT_USAGE;
			continue;
		}
		if (cli_opt_flag(argv[i], "md5_disable"))
			continue; /* UF2 only, like --chunk-size */
		if (argv[i][0] == '-' && argv[i][1]) {
			static const char *const names[] = {
			    "output",	   "format",	 "target_offset", "fill_flash_size",
			    "flash_mode",  "flash_freq", "flash_size",	  "chunk_size",
			    "md5_disable", NULL};
			const char *hint = cli_opt_suggest(argv[i], names);
			char what[160];
			snprintf(what, sizeof what, "unknown option '%s'%s%s%s", argv[i],
				 hint ? "; did you mean --" : "", hint ? hint : "",
				 hint ? "?" : "");
			return merge_usage(argv[0], what);
		}
		if (a->npos == sizeof a->pos / sizeof a->pos[0])
			return merge_usage(argv[0], "too many files");
		a->pos[a->npos++] = argv[i];
	}
	if (!a->output)
		return merge_usage(argv[0], "the output file is required (-o OUT)");
	if (a->npos == 0 || a->npos % 2)
		return merge_usage(argv[0], "give pairs of an address and the file to put there");
	if (!strcmp(a->size, "detect"))
		return merge_usage(argv[0], "--flash_size detect needs a board: name the size, or "
					    "keep");
	struct ed_error err = {0};
	if (img_patch_flash_params(NULL, 0, a->mode, a->size, a->freq, 0, &err) < 0)
		return merge_usage(argv[0], err.msg); /* checked even with no file at 0x0 */
	if (strcmp(a->format, "raw") && strcmp(a->format, "hex")) {
		if (!strcmp(a->format, "uf2"))
			return merge_usage(argv[0], "--format uf2 is for the USB bridges of newer "
						    "chips and not supported here: use raw or hex");
		return merge_usage(argv[0], "--format must be raw or hex");
	}
	return CLI_EXIT_OK;
}

/* Reads the files; the one at 0x0 gets the flash-parameter patch (esptool's rule). */
static int load_inputs(const char *cmd, const struct merge_args *a, struct merge_input *in,
		       uint8_t **owned)
{
	for (size_t k = 0; k < a->npos / 2; k++) {
		uint32_t addr;
		if (!cli_opt_u32(cmd, "address", a->pos[2 * k], &addr))
			return CLI_EXIT_USAGE;
		struct ed_error err = {0};
		size_t len = 0;
		if (ed_read_file(a->pos[2 * k + 1], &owned[k], &len, MERGE_MAX_FILE_BYTES, &err) <
		    0) {
			fprintf(stderr, "espdeck %s: %s\n", cmd, err.msg);
			return CLI_EXIT_FAIL;
		}
		/* an Intel HEX input becomes its bytes from addr on, as esptool converts it */
		uint8_t *bin;
		size_t bin_len;
		int hex = ihex_to_bin(owned[k], len, addr, &bin, &bin_len, &err);
		if (hex < 0) {
			fprintf(stderr, "espdeck %s: %s: %s\n", cmd, a->pos[2 * k + 1], err.msg);
			return CLI_EXIT_FAIL;
		}
		if (hex == 1) {
			free(owned[k]);
			owned[k] = bin;
			len = bin_len;
		}
		in[k] = (struct merge_input){addr, owned[k], len, a->pos[2 * k + 1]};
		if (addr != 0)
			continue;
		int rc = img_patch_flash_params(owned[k], len, a->mode, a->size, a->freq, 0, &err);
		if (rc < 0) {
			fprintf(stderr, "espdeck %s: %s\n", cmd, err.msg);
			return CLI_EXIT_USAGE;
		}
		if (rc == 1)
			printf("Flash params set to 0x%02x%02x\n", owned[k][2], owned[k][3]);
		else if (err.msg[0])
			printf("Warning: %s\n", err.msg);
	}
	return CLI_EXIT_OK;
}

static int write_output(const char *cmd, const struct merge_args *a, struct merge_input *in,
			size_t n, uint32_t target)
{
	struct ed_error err = {0};
	struct img_output out;
	uint32_t fill = 0;
	if (a->fill && !(fill = merge_fill_size(a->fill)))
		return merge_usage(cmd, "--fill-flash-size must be one of 256KB, 512KB, 1MB, 2MB, "
					"4MB, 8MB, 16MB, 32MB, 64MB, 128MB");
	if (merge_check(in, n, target, &err) < 0) {
		fprintf(stderr, "espdeck %s: %s\n", cmd, err.msg);
		return CLI_EXIT_USAGE;
	}
	bool hex = !strcmp(a->format, "hex");
	if (hex && n == 1)
		printf("Warning: only one input file: if it was merged before, the HEX output also "
		       "holds its 0xFF padding (as esptool's does)\n");
	int rc = hex ? merge_hex(in, n, &out, &err) : merge_raw(in, n, target, fill, &out, &err);
	if (rc == ED_OK)
		rc = ed_write_file_atomic(a->output, out.data, out.len, &err);
	if (rc < 0) {
		img_output_free(&out);
		fprintf(stderr, "espdeck %s: %s\n", cmd, err.msg);
		return CLI_EXIT_FAIL;
	}
	printf("Wrote 0x%zx bytes to file %s, ready to flash to offset 0x%x\n", out.len, a->output,
	       target);
	img_output_free(&out);
	return CLI_EXIT_OK;
}

int cmd_merge_bin(const struct config *cfg, int argc, char **argv)
{
	struct merge_args a = {0};
	int rc = parse_merge_args(argc, argv, &a);
	if (rc != CLI_EXIT_OK)
		return rc;
	uint32_t target = 0;
	if (a.target && !cli_opt_u32(argv[0], "--target-offset", a.target, &target))
		return CLI_EXIT_USAGE;
	struct merge_input in[MERGE_MAX_FILES];
	uint8_t *owned[MERGE_MAX_FILES] = {0};
	size_t n = a.npos / 2;
	rc = load_inputs(argv[0], &a, in, owned);
	if (rc == CLI_EXIT_OK)
		rc = write_output(argv[0], &a, in, n, target);
	for (size_t k = 0; k < n; k++)
		free(owned[k]);
	return rc;
}
