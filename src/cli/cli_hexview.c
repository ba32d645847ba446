/* SPDX-License-Identifier: MIT
 * `espdeck hexview FILE [--base ADDR] [--compare FILE2] [--dump] [--structure]
 * [--width 8|16|32] [--offsets]`: the dump inspector. --dump prints the xxd-like text
 * (src/dump/dump_view.h) and --structure the annotations, for pipes and tests; otherwise
 * the interactive viewer runs on the terminal. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "dump/dump_addr.h"
#include "dump/dump_annot.h"
#include "dump/dump_diff.h"
#include "dump/dump_file.h"
#include "dump/dump_view.h"

struct hexview_args {
	const char *path, *compare;
	uint32_t base;
	bool base_given, dump, offsets, structure;
	unsigned width;
};

static int usage(const char *fmt, const char *what)
{
	fprintf(stderr, "espdeck hexview: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\nusage: espdeck hexview FILE [--base ADDR] [--compare FILE2] [--dump] "
			"[--structure] [--width 8|16|32] [--offsets]\n");
	return CLI_EXIT_USAGE;
}

static bool option_is(const char *arg, const char *name, const char **inline_value)
{
	size_t n = strlen(name);
	*inline_value = NULL;
	if (strncmp(arg, "--", 2))
		return false;
	const char *eq = strchr(arg, '=');
	char word[32];
	size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
	if (len >= sizeof word || len != n)
		return false;
	memcpy(word, arg + 2, len);
	word[len] = '\0';
	if (!cli_word_is(word, name))
		return false;
	if (eq)
		*inline_value = eq + 1;
	return true;
}

static int take(int argc, char **argv, int *i, const char *inline_value, const char **out)
{
	if (inline_value) {
		*out = inline_value;
		return 0;
	}
	if (*i + 1 >= argc)
		return usage("option '%s' needs a value", argv[*i]);
	*out = argv[++*i];
	return 0;
}

static int parse_args(int argc, char **argv, struct hexview_args *a)
{
	memset(a, 0, sizeof *a);
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *iv, *val;
		int rc;
		if (option_is(arg, "base", &iv)) {
			if ((rc = take(argc, argv, &i, iv, &val)) != 0)
				return rc;
			if (!ed_parse_u32(val, &a->base))
				return usage("--base '%s' is not an address (for example 0x3fe000)",
					     val);
			a->base_given = true;
		} else if (option_is(arg, "compare", &iv)) {
			if ((rc = take(argc, argv, &i, iv, &a->compare)) != 0)
				return rc;
		} else if (option_is(arg, "width", &iv)) {
			if ((rc = take(argc, argv, &i, iv, &val)) != 0)
				return rc;
			uint32_t w;
			if (!ed_parse_u32(val, &w) || (w != 8 && w != 16 && w != 32))
				return usage("--width '%s' must be 8, 16 or 32", val);
			a->width = w;
		} else if (option_is(arg, "dump", &iv) && !iv) {
			a->dump = true;
		} else if (option_is(arg, "structure", &iv) && !iv) {
			a->structure = true;
		} else if (option_is(arg, "offsets", &iv) && !iv) {
			a->offsets = true;
		} else if (arg[0] == '-' && arg[1]) {
			return usage("unknown option '%s'", arg);
		} else if (!a->path) {
			a->path = arg;
		} else {
			return usage("unexpected argument '%s' (one FILE; use --compare FILE2)",
				     arg);
		}
	}
	if (!a->path)
		return usage("%s", "no FILE given");
	return 0;
}

static int write_stdout(void *user, const char *text, size_t len)
{
	return fwrite(text, 1, len, (FILE *)user) == len ? 0 : -1;
}

/* --dump --compare: the rows that differ, as "-" (FILE) / "+" (FILE2) pairs, then a
 * summary line. */
static int print_diff(const struct dump_view *va, const struct dump_view *vb,
		      const struct dump_diff *d)
{
	char line_a[DUMP_LINE_MAX], line_b[DUMP_LINE_MAX];
	unsigned w = dump_view_width(va);
	size_t sa = dump_view_size(va), sb = dump_view_size(vb);
	long long at = dump_diff_next(d, 0, false);
	while (at >= 0) {
		size_t row = (size_t)at / w * w;
		struct dump_line la = {row, sa > row ? (sa - row < w ? sa - row : w) : 0, false};
		struct dump_line lb = {row, sb > row ? (sb - row < w ? sb - row : w) : 0, false};
		dump_view_render_line(va, &la, line_a, sizeof line_a);
		dump_view_render_line(vb, &lb, line_b, sizeof line_b);
		printf("-%s\n+%s\n", la.len ? line_a : "(no data)", lb.len ? line_b : "(no data)");
		at = dump_diff_next(d, row + w, false);
	}
	printf("%llu differing byte%s in %zu sector%s\n", (unsigned long long)dump_diff_bytes(d),
	       dump_diff_bytes(d) == 1 ? "" : "s", dump_diff_sectors(d),
	       dump_diff_sectors(d) == 1 ? "" : "s");
	return ferror(stdout) ? CLI_EXIT_FAIL : dump_diff_bytes(d) ? CLI_EXIT_VERIFY : CLI_EXIT_OK;
}

static int open_view(const char *path, const struct hexview_args *a, uint32_t base,
		     struct dump_file **f, struct dump_view **v)
{
	struct ed_error err = {0};
	if (dump_file_open(path, f, &err) < 0 ||
	    dump_view_create(dump_file_data(*f), dump_file_size(*f), base, a->width ? a->width : 16,
			     v, &err) < 0) {
		fprintf(stderr, "espdeck hexview: %s\n", err.msg);
		return CLI_EXIT_FAIL;
	}
	dump_view_set_file_offsets(*v, a->offsets);
	return CLI_EXIT_OK;
}

static int run_dump(const struct hexview_args *a, uint32_t base)
{
	struct dump_file *fa = NULL, *fb = NULL;
	struct dump_view *va = NULL, *vb = NULL;
	struct dump_diff *d = NULL;
	struct ed_error err = {0};
	int rc = open_view(a->path, a, base, &fa, &va);
	if (rc == CLI_EXIT_OK && a->compare)
		rc = open_view(a->compare, a, base, &fb, &vb);
	if (rc == CLI_EXIT_OK && a->compare) {
		if (dump_diff_create(dump_file_data(fa), dump_file_size(fa), dump_file_data(fb),
				     dump_file_size(fb), base, &d, &err) < 0) {
			fprintf(stderr, "espdeck hexview: %s\n", err.msg);
			rc = CLI_EXIT_FAIL;
		} else {
			rc = print_diff(va, vb, d);
		}
	} else if (rc == CLI_EXIT_OK) {
		if (dump_view_render_all(va, write_stdout, stdout) != 0 || fflush(stdout) != 0) {
			fprintf(stderr, "espdeck hexview: cannot write the text to stdout\n");
			rc = CLI_EXIT_FAIL;
		}
	}
	dump_diff_destroy(d);
	dump_view_destroy(vb);
	dump_view_destroy(va);
	dump_file_destroy(fb);
	dump_file_destroy(fa);
	return rc;
}

/* --structure: what the structure pane lists, one line each: address, status, text. */
static int run_structure(const struct config *cfg, const struct hexview_args *a, uint32_t base)
{
	static const char *const status[] = {"    ", "ok  ", "warn", "BAD "};
	struct dump_file *f = NULL;
	struct dump_annots an = {0};
	struct ed_error err = {0};
	if (dump_file_open(a->path, &f, &err) < 0 ||
	    dump_annotate_with_preset(dump_file_data(f), dump_file_size(f), base, 0, cfg->preset,
				      &an, &err) < 0) {
		fprintf(stderr, "espdeck hexview: %s\n", err.msg);
		dump_annots_free(&an);
		dump_file_destroy(f);
		return CLI_EXIT_FAIL;
	}
	for (size_t i = 0; i < an.count; i++) {
		const struct dump_annot *x = &an.items[i];
		uint64_t addr = a->offsets ? x->off : (uint64_t)base + x->off;
		printf("%08llx  %s  %s%s\n", (unsigned long long)addr, status[x->status],
		       x->depth ? "  " : "", x->text);
	}
	if (an.count == 0)
		printf("nothing recognised\n");
	dump_annots_free(&an);
	dump_file_destroy(f);
	return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int cli_hexview(const struct config *cfg, int argc, char **argv, struct cli_hexview_request *req)
{
	memset(req, 0, sizeof *req);
	struct hexview_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	uint32_t base = a.base;
	if (!a.base_given && dump_base_from_name(a.path, &base) && cfg->verbose)
		fprintf(stderr, "espdeck hexview: base 0x%x from the file name %s\n", base,
			ed_basename(a.path));
	if (a.structure)
		return run_structure(cfg, &a, base);
	if (a.dump)
		return run_dump(&a, base);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr,
			"espdeck hexview: not a terminal; use --dump for a text rendering\n");
		return CLI_EXIT_USAGE;
	}
	*req = (struct cli_hexview_request){.interactive = true,
					    .path = a.path,
					    .compare = a.compare,
					    .base_given = a.base_given,
					    .base = a.base,
					    .width = a.width,
					    .file_offsets = a.offsets};
	return CLI_EXIT_OK;
}
