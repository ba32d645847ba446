/* SPDX-License-Identifier: MIT
 * Layout presets: the corpus of broken files (each names the errors it must produce with
 * their line numbers), every shipped preset, file resolution against a firmware folder,
 * the flash-map bar, table rows, the catalog's user-over-system rule and the job steps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/preset.h"
#include "job/job.h"
#include "layout/layout.h"
#include "layout/layout_fmt.h"

static const char *source_root(void)
{
	const char *root = getenv("ESPDECK_SOURCE_ROOT");
	assert_non_null(root);
	return root;
}

static void dump_report(const struct layout *l, const struct layout_report *rep)
{
	for (size_t i = 0; i < rep->count; i++) {
		char buf[512];
		print_message("  %s\n", layout_diag_format(l, &rep->items[i], buf, sizeof buf));
	}
}

static bool has_diag(const struct layout_report *rep, int line, const char *text)
{
	for (size_t i = 0; i < rep->count; i++)
		if (rep->items[i].line == line && strstr(rep->items[i].msg, text))
			return true;
	return false;
}

/* Each file in tests/layout/bad starts with "; expect LINE: TEXT" lines. */
static void check_bad_file(const char *path)
{
	struct layout *l = calloc(1, sizeof *l);
	struct layout_report *rep = calloc(1, sizeof *rep);
	struct ed_error err = {0};
	int rc = layout_load(path, l, rep, &err);
	if (rc != ED_ERR_FORMAT)
		print_message("%s: expected a format error, got %d\n", path, rc);
	assert_int_equal(rc, ED_ERR_FORMAT);
	assert_int_equal(err.code, ED_ERR_FORMAT);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[512];
	int expects = 0;
	while (fgets(line, sizeof line, f)) {
		int n = 0, at = 0;
		if (sscanf(line, "; expect %d: %n", &n, &at) != 1 || !at)
			continue;
		line[strcspn(line, "\n")] = '\0';
		expects++;
		if (!has_diag(rep, n, line + at)) {
			print_message("%s: missing \"%d: %s\"; got:\n", path, n, line + at);
			dump_report(l, rep);
			fail();
		}
		/* The joined error names the file and the line, as a user reads it. */
		char where[1600];
		snprintf(where, sizeof where, "%s:%d: error: ", path, n);
		if (n > 0)
			assert_non_null(strstr(err.msg, where));
	}
	fclose(f);
	assert_true(expects > 0);
	free(rep);
	free(l);
}

static void test_bad_corpus(void **state)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/tests/layout/bad", source_root());
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);
	assert_true(n > 0);
	int files = 0;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name);
		if (len > 4 && !strcmp(name + len - 4, ".ini")) {
			char path[1400];
			snprintf(path, sizeof path, "%s/%s", dir, name);
			check_bad_file(path);
			files++;
		}
		free(names[i]);
	}
	free(names);
	assert_true(files >= 15);
}

static void parse_text(const char *text, const char *stem, struct layout *l,
		       struct layout_report *rep, int expect_rc)
{
	memset(rep, 0, sizeof *rep);
	int rc = layout_parse(text, strlen(text), "t.ini", stem, l, rep);
	if (rc != expect_rc)
		dump_report(l, rep);
	assert_int_equal(rc, expect_rc);
}

static void test_shipped_presets(void **state)
{
	static const char *const names[] = {
	    "256KB",	  "512KB",	"1MB",	"2MB",		"2MB-c1",     "4MB",
	    "32m-c1",	  "8MB",	"16MB", "nonota-512KB", "nonota-1MB", "nonota-4MB",
	    "single-1MB", "single-4MB", "demo", "demo-nonota"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/data/layouts/%s.ini", source_root(), names[i]);
		struct layout l;
		struct layout_report rep = {0};
		struct ed_error err = {0};
		int rc = layout_load(path, &l, &rep, &err);
		if (rc != ED_OK || rep.count)
			dump_report(&l, &rep);
		assert_int_equal(rc, ED_OK);
		assert_int_equal(rep.count, 0);
		assert_string_equal(l.name, names[i]);
		assert_true(l.description[0] != '\0');
		assert_true(l.region_count >= 1);
	}
}

static void test_seed_preset(void **state)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/data/layouts/32m-c1.ini", source_root());
	struct layout l;
	struct layout_report rep = {0};
	assert_int_equal(layout_load(path, &l, &rep, NULL), ED_OK);
	assert_int_equal(l.flash_bytes, 4u << 20);
	assert_int_equal(l.size_map, 6);
	assert_string_equal(l.flash_mode, "qio");
	assert_int_equal(l.erase, LAYOUT_ERASE_CHIP);
	/* The seed's order: boot, init data, blank, user1, user2 (optional). */
	static const struct {
		const char *file;
		uint32_t offset;
		bool required;
	} seed[] = {
	    {"boot_v1.6.bin", 0x0, true},   {"esp_init_data_default.bin", 0x3FC000, true},
	    {"blank.bin", 0x3FE000, true},  {"user1.bin", 0x1000, true},
	    {"user2.bin", 0x101000, false},
	};
	assert_int_equal(l.region_count, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(l.regions[i].file, seed[i].file);
		assert_int_equal(l.regions[i].offset, seed[i].offset);
		assert_int_equal(l.regions[i].required, seed[i].required);
	}
}

static void write_bytes(const char *dir, const char *name, const uint8_t *data, size_t n)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

static const char resolve_preset[] =
    "[preset]\nflash_size = 4MB-c1\n"
    "[region boot]\noffset = 0\nfile = boot.bin\nmax_size = 0x1000\n"	     /* 3 */
    "[region user1]\noffset = 0x1000\nfile = user1.bin\nmax_size = 0x2000\n" /* 7 */
    "[region big]\noffset = 0x10000\nfile = big.bin\nmax_size = 0x1000\n"    /* 11 */
    "[region gone]\noffset = 0x20000\nfile = gone.bin\n"		     /* 15 */
    "[region maybe]\noffset = 0x30000\nfile = maybe.bin\nrequired = no\n"    /* 18 */
    "[region wrongmap]\noffset = 0x40000\nfile = v2.bin\n"		     /* 22 */
    "[region runs]\noffset = 0x50000\nfile = runs.bin\n"		     /* 25 */
    "[region next]\noffset = 0x51000\nfill = 0xA5\nsize = 16\n";	     /* 28 */

static void test_resolve(void **state)
{
	char dir[] = "/tmp/espdeck-layout-XXXXXX";
	assert_non_null(mkdtemp(dir));
	uint8_t buf[0x3000];
	memset(buf, 0, sizeof buf);
	/* A v1 image at 0x0 built for 512KB: fine, the write patches the header there. */
	buf[0] = 0xE9, buf[1] = 1, buf[2] = 0, buf[3] = 0x00;
	write_bytes(dir, "boot.bin", buf, 0x800);
	memset(buf, 0x11, sizeof buf);
	write_bytes(dir, "user1.bin", buf, 0x1800);
	write_bytes(dir, "big.bin", buf, 0x1001);
	/* A v1 image with one IRAM segment whose header says size_map 4 (4MB, 512+512). */
	static const uint8_t v1[32] = {
	    0xE9, 1, 0,	   0x40, 0,    0,    0x10,
	    0x40, 0, 0,	   0x10, 0x40, 4,    0,
	    0,	  0, 0xAA, 0xBB, 0xCC, 0xDD, [31] = 0xEF ^ 0xAA ^ 0xBB ^ 0xCC ^ 0xDD};
	write_bytes(dir, "v2.bin", v1, sizeof v1);
	memset(buf, 0x22, sizeof buf);
	write_bytes(dir, "runs.bin", buf, 0x1800);

	struct layout l;
	struct layout_report rep;
	parse_text(resolve_preset, NULL, &l, &rep, ED_OK);
	struct layout_files files;
	assert_int_equal(layout_resolve(&l, dir, &files, &rep), ED_ERR_FORMAT);
	dump_report(&l, &rep);
	static const enum layout_status want[] = {
	    LAYOUT_ST_OK,	LAYOUT_ST_OK,  LAYOUT_ST_TOO_BIG, LAYOUT_ST_MISSING,
	    LAYOUT_ST_OPTIONAL, LAYOUT_ST_BAD, LAYOUT_ST_TOO_BIG, LAYOUT_ST_OK};
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(files.regions[i].status, want[i]);
	assert_true(has_diag(&rep, 13, "big.bin is 4097 bytes but the region holds at most 4096"));
	assert_true(has_diag(&rep, 17, "required file"));
	assert_true(has_diag(&rep, 17, "gone.bin is missing"));
	assert_true(has_diag(&rep, 20, "optional file"));
	assert_true(has_diag(&rep, 24,
			     "was built for flash size 4MB (size_map 4) but the preset "
			     "is 4MB-c1 (size_map 6)"));
	assert_true(has_diag(&rep, 27, "runs into region 'next' at 0x51000 (line 28)"));
	assert_int_equal(rep.errors, 4);
	/* Fills are materialised; skipped regions have no data. */
	assert_int_equal(files.regions[7].size, 16);
	assert_int_equal(files.regions[7].data[15], 0xA5);
	assert_null(files.regions[4].data);
	layout_files_finish(&files);

	char cmd[1100];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void load_shipped(const char *name, struct layout *l)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/data/layouts/%s.ini", source_root(), name);
	struct layout_report rep = {0};
	assert_int_equal(layout_load(path, l, &rep, NULL), ED_OK);
}

static void test_map_bar(void **state)
{
	struct layout l;
	load_shipped("32m-c1", &l);
	char bar[65];
	/* boot squeezed into cell 0, user1 and user2 to scale (1 MiB = 16 cells), init data
	 * and blank each keep a cell at the end although both fall in the last 64 KiB. */
	assert_string_equal(layout_map_text(&l, NULL, bar, 64),
			    "03333333333333334444444444444444..............................12");
	/* As many cells as regions: each region still shows, in address order. */
	assert_string_equal(layout_map_text(&l, NULL, bar, 5), "03412");
	assert_string_equal(layout_map_text(&l, NULL, bar, 3), "034");
}

static void test_rows(void **state)
{
	struct layout l;
	load_shipped("32m-c1", &l);
	char row[256];
	assert_string_equal(layout_format_header(row, sizeof row, 12),
			    "  region      offset         size  file         status");
	assert_string_equal(layout_format_row(&l, 1, NULL, row, sizeof row, 12),
			    "1 init_data   0x3fc000    4.0 KiB  esp_init_da~ -");
	assert_string_equal(layout_format_row(&l, 4, NULL, row, sizeof row, 12),
			    "4 user2       0x101000 1020.0 KiB  user2.bin    optional");
	struct layout_files files = {0};
	files.regions[3].status = LAYOUT_ST_MISSING;
	assert_string_equal(layout_format_row(&l, 3, &files, row, sizeof row, 12),
			    "3 user1       0x001000 1020.0 KiB  user1.bin    missing");
}

static void test_catalog_user_wins(void **state)
{
	char dir[] = "/tmp/espdeck-xdg-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[1024];
	snprintf(path, sizeof path, "%s/espdeck", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/espdeck/layouts", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	const char *mine = "[preset]\ndescription = my own demo\nflash_size = 1MB\n"
			   "[region a]\noffset = 0\nfile = a.bin\n";
	write_bytes(path, "demo.ini", (const uint8_t *)mine, strlen(mine));
	write_bytes(path, "broken.ini", (const uint8_t *)"[preset\n", 8);
	setenv("XDG_CONFIG_HOME", dir, 1);

	struct layout_catalog *c = NULL;
	assert_int_equal(layout_catalog_create(&c, NULL), ED_OK);
	long i = layout_catalog_find(c, "demo");
	assert_true(i >= 0);
	const struct layout_entry *e = layout_catalog_get(c, (size_t)i);
	assert_true(e->user);
	assert_string_equal(e->description, "my own demo");
	e = layout_catalog_get(c, (size_t)layout_catalog_find(c, "broken"));
	assert_false(e->parse_ok);
	e = layout_catalog_get(c, (size_t)layout_catalog_find(c, "32m-c1"));
	assert_false(e->user);
	assert_true(e->parse_ok);
	layout_catalog_destroy(c);

	struct layout l;
	struct layout_report rep = {0};
	struct ed_error err = {0};
	assert_int_equal(layout_open("demo", &l, &rep, &err), ED_OK);
	assert_string_equal(l.description, "my own demo");
	assert_int_equal(layout_open("nosuch", &l, &rep, &err), ED_ERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "no preset named 'nosuch'"));
	assert_non_null(strstr(err.msg, "'espdeck layouts' lists them"));

	unsetenv("XDG_CONFIG_HOME");
	char cmd[1100];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_job_steps(void **state)
{
	struct layout l;
	load_shipped("demo", &l);
	struct layout_files files = {0};
	static uint8_t a[10], b[20], c[30], d[40];
	uint8_t *data[] = {a, b, c, d, NULL};
	uint32_t sizes[] = {10, 20, 30, 40, 0};
	for (size_t i = 0; i < 5; i++) {
		files.regions[i].data = data[i];
		files.regions[i].size = sizes[i];
	}
	struct job_step steps[2 * LAYOUT_MAX_REGIONS + 1];
	/* erase = chip: one chip erase, then the present regions in preset order. */
	size_t n = app_preset_steps(&l, &files, NULL, steps);
	assert_int_equal(n, 5);
	assert_int_equal(steps[0].kind, JOB_STEP_ERASE_CHIP);
	assert_int_equal(steps[1].kind, JOB_STEP_WRITE);
	assert_int_equal(steps[1].offset, 0);
	assert_int_equal(steps[2].offset, 0x3FB000);
	assert_int_equal(steps[4].offset, 0x1000);
	assert_int_equal(steps[4].size, 40);
	assert_ptr_equal(steps[4].data, d);
	/* Checked regions only: no chip erase, each region's sectors erased first. */
	bool only[LAYOUT_MAX_REGIONS] = {false, false, true};
	n = app_preset_steps(&l, &files, only, steps);
	assert_int_equal(n, 2);
	assert_int_equal(steps[0].kind, JOB_STEP_ERASE_REGION);
	assert_int_equal(steps[0].offset, 0x3FE000);
	assert_int_equal(steps[0].size, 0x1000);
	assert_int_equal(steps[1].kind, JOB_STEP_WRITE);
	/* Nothing present: nothing to do. */
	bool none[LAYOUT_MAX_REGIONS] = {false, false, false, false, true};
	assert_int_equal(app_preset_steps(&l, &files, none, steps), 0);
}

/* A preset saved by an editor that writes a UTF-8 byte order mark parses like one
 * without; UTF-16 gets one error that says so (not one per line). */
static void test_byte_order_marks(void **state)
{
	(void)state;
	struct layout l;
	struct layout_report rep;
	parse_text("\xEF\xBB\xBF[preset]\nflash_size = 4MB\n[region app]\noffset = 0x1000\n"
		   "file = user1.bin\n",
		   NULL, &l, &rep, ED_OK);
	assert_int_equal(rep.count, 0);
	assert_string_equal(l.flash_size, "4MB");
	assert_int_equal(l.region_count, 1);
	assert_int_equal(l.regions[0].offset, 0x1000);
	static const char utf16[] = "\xFF\xFE[\0p\0r\0e\0s\0e\0t\0]\0\n\0";
	memset(&rep, 0, sizeof rep);
	assert_int_equal(layout_parse(utf16, sizeof utf16 - 1, "t.ini", NULL, &l, &rep),
			 ED_ERR_FORMAT);
	assert_int_equal(rep.count, 1);
	assert_int_equal(rep.items[0].line, 1);
	assert_string_equal(
	    rep.items[0].msg,
	    "the file is UTF-16 text: save it as UTF-8 (or plain ASCII) and try again");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_corpus),	      cmocka_unit_test(test_shipped_presets),
	    cmocka_unit_test(test_seed_preset),	      cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_map_bar),	      cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_catalog_user_wins), cmocka_unit_test(test_job_steps),
	    cmocka_unit_test(test_byte_order_marks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
