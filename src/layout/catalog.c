/* SPDX-License-Identifier: MIT
 * The preset catalog: every *.ini in the user's folder and the system folder, by name,
 * user over system (design.md "Layout presets"). */
#include "layout/layout.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

struct layout_catalog {
	struct layout_entry *items;
	size_t count, cap;
	char dirs[2 * LAYOUT_PATH_MAX + 8];
};

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The running binary's path into exe (NUL-terminated); false when unknown. */
static bool self_exe(char *exe, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", exe, cap - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	return true;
}

bool layout_build_tree(char *build_root, size_t cap)
{
	char exe[PATH_MAX];
	size_t root_len = strlen(ESPDECK_BUILD_ROOT);
	if (!self_exe(exe, sizeof exe) || strncmp(exe, ESPDECK_BUILD_ROOT, root_len) ||
	    exe[root_len] != '/')
		return false;
	if (build_root)
		snprintf(build_root, cap, "%s", ESPDECK_BUILD_ROOT);
	return true;
}

const char *layout_data_dir(char *buf, size_t cap)
{
	/* The folder beside the binary first: it is DATADIR for an install at its prefix,
	 * and the right one for an install elsewhere (meson install --destdir, a moved
	 * tree), even when another espdeck is installed at the prefix. */
	char exe[PATH_MAX];
	char *slash;
	if (ESPDECK_BIN_TO_DATADIR[0] != '/' && self_exe(exe, sizeof exe) &&
	    (slash = strrchr(exe, '/'))) {
		*slash = '\0';
		char alt[PATH_MAX + 64];
		snprintf(alt, sizeof alt, "%s/%s", exe, ESPDECK_BIN_TO_DATADIR);
		char real[PATH_MAX];
		if (is_dir(alt) && realpath(alt, real)) {
			snprintf(buf, cap, "%s", real);
			return buf;
		}
	}
	snprintf(buf, cap, "%s", ESPDECK_DATADIR);
	return buf;
}

/* When the running binary sits in the build tree, the presets are the source tree's
 * data/layouts (nothing is installed yet); otherwise the installed datadir. */
static void system_dir(char *buf, size_t cap)
{
	if (layout_build_tree(NULL, 0)) {
		snprintf(buf, cap, "%s/data/layouts", ESPDECK_SOURCE_ROOT);
		return;
	}
	char data[LAYOUT_PATH_MAX];
	snprintf(buf, cap, "%s/layouts", layout_data_dir(data, sizeof data));
}

static void user_dir(char *buf, size_t cap)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(buf, cap, "%s/espdeck/layouts", xdg);
	else if (home && *home)
		snprintf(buf, cap, "%s/.config/espdeck/layouts", home);
	else
		buf[0] = '\0';
}

static int add_entry(struct layout_catalog *c, const char *dir, const char *file, bool user,
		     struct ed_error *err)
{
	char stem[LAYOUT_NAME_MAX];
	size_t len = strlen(file);
	if (len < 5 || len - 4 >= sizeof stem || strcmp(file + len - 4, ".ini"))
		return ED_OK;
	memcpy(stem, file, len - 4);
	stem[len - 4] = '\0';
	for (size_t i = 0; i < c->count; i++)
		if (!strcmp(c->items[i].name, stem))
			return ED_OK; /* the user's file of that name came first */
	if (c->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct layout_entry *n = realloc(c->items, cap * sizeof *n);
		if (!n)
			return ed_fail(err, ED_ERR_NOMEM, "out of memory listing presets");
		c->items = n;
		c->cap = cap;
	}
	struct layout_entry *e = &c->items[c->count++];
	memset(e, 0, sizeof *e);
	snprintf(e->name, sizeof e->name, "%s", stem);
	snprintf(e->path, sizeof e->path, "%s/%s", dir, file);
	e->user = user;
	/* Parsing here gives the list its descriptions and marks broken files early. */
	struct layout *l = malloc(sizeof *l);
	struct layout_report *rep = calloc(1, sizeof *rep);
	if (l && rep) {
		struct ed_error perr = {0};
		e->parse_ok = layout_load(e->path, l, rep, &perr) == ED_OK;
		snprintf(e->description, sizeof e->description, "%s", l->description);
	}
	free(l);
	free(rep);
	return ED_OK;
}

static int scan(struct layout_catalog *c, const char *dir, bool user, struct ed_error *err)
{
	if (!*dir)
		return ED_OK;
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return ED_OK; /* a folder that does not exist holds no presets */
	int rc = ED_OK;
	for (int i = 0; i < n; i++) {
		if (rc == ED_OK && names[i]->d_name[0] != '.')
			rc = add_entry(c, dir, names[i]->d_name, user, err);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct layout_entry *)a)->name,
		      ((const struct layout_entry *)b)->name);
}

int layout_catalog_create(struct layout_catalog **out, struct ed_error *err)
{
	*out = NULL;
	struct layout_catalog *c = calloc(1, sizeof *c);
	if (!c)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory listing presets");
	char udir[LAYOUT_PATH_MAX], sdir[LAYOUT_PATH_MAX];
	user_dir(udir, sizeof udir);
	system_dir(sdir, sizeof sdir);
	snprintf(c->dirs, sizeof c->dirs, "%s%s%s", udir, *udir ? ", " : "", sdir);
	int rc = scan(c, udir, true, err);
	if (rc == ED_OK)
		rc = scan(c, sdir, false, err);
	if (rc < 0) {
		layout_catalog_destroy(c);
		return rc;
	}
	if (c->count)
		qsort(c->items, c->count, sizeof *c->items, by_name);
	*out = c;
	return ED_OK;
}

void layout_catalog_destroy(struct layout_catalog *c)
{
	if (!c)
		return;
	free(c->items);
	free(c);
}

size_t layout_catalog_count(const struct layout_catalog *c)
{
	return c->count;
}

const struct layout_entry *layout_catalog_get(const struct layout_catalog *c, size_t i)
{
	return i < c->count ? &c->items[i] : NULL;
}

long layout_catalog_find(const struct layout_catalog *c, const char *name)
{
	for (size_t i = 0; i < c->count; i++)
		if (!strcmp(c->items[i].name, name))
			return (long)i;
	return -1;
}

const char *layout_catalog_dirs(const struct layout_catalog *c)
{
	return c->dirs;
}

int layout_open(const char *name_or_path, struct layout *out, struct layout_report *rep,
		struct ed_error *err)
{
	size_t len = strlen(name_or_path);
	memset(out, 0, sizeof *out);
	if (strchr(name_or_path, '/') || (len > 4 && !strcmp(name_or_path + len - 4, ".ini")))
		return layout_load(name_or_path, out, rep, err);
	struct layout_catalog *c = NULL;
	int rc = layout_catalog_create(&c, err);
	if (rc < 0)
		return rc;
	long i = layout_catalog_find(c, name_or_path);
	if (i < 0) {
		rc = ed_fail(err, ED_ERR_NOTFOUND,
			     "no preset named '%s' (searched %s); 'espdeck layouts' lists them",
			     name_or_path, c->dirs);
		layout_catalog_destroy(c);
		return rc;
	}
	char path[LAYOUT_PATH_MAX];
	snprintf(path, sizeof path, "%s", c->items[i].path);
	layout_catalog_destroy(c);
	return layout_load(path, out, rep, err);
}
