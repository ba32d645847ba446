/* SPDX-License-Identifier: MIT
 * The configuration file (espdeck.conf(5)): an INI file read with inih into the settings
 * the command line and the environment left at their defaults; named remote port lists
 * ([remote NAME], "--port @NAME"); the firmware search path; `espdeck config`. */
#include "app/config.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/exit.h"
#include "app/spec.h"
#include "core/util.h"
#include "engine/reset_seq.h"
#include "journal/journal.h"
#include "layout/layout.h"

/* Parser state: inih gives no line numbers, so the reader counts them (it reads exactly
 * one line before each handler call, as layout/layout.c relies on too). */
struct file_parse {
	struct config *cfg;
	FILE *f;
	int line;
	int errors;
	char dir[CONFIG_PATH_MAX];    /* the file's folder, for relative paths */
	struct config_remote *remote; /* the [remote NAME] being read, NULL at top level */
	bool bad_section;	      /* inside an unknown section (reported once) */
	bool arena_full;	      /* reported once */
	bool continued;		      /* the line read starts with a blank: inih's continuation */
	bool have_key;		      /* a key was read in this section (continuations follow it) */
	const char *ports[CONFIG_MAX_PORTS]; /* the file's port = list */
	size_t port_count;
	char section[128];
};

static void file_error(struct file_parse *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s:%d: error: ", p->cfg->file_path, p->line);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	p->errors++;
}

/* A copy of s in the config's arena, or NULL when the arena is full. */
static const char *keep(struct config *cfg, const char *s)
{
	size_t n = strlen(s) + 1;
	if (n > sizeof cfg->arena - cfg->arena_used)
		return NULL;
	char *d = cfg->arena + cfg->arena_used;
	memcpy(d, s, n);
	cfg->arena_used += n;
	return d;
}

/* keep() for a value of the file: a full arena is reported once (the run then stops with
 * exit status 2, so a NULL is never used); never returns NULL otherwise. */
static const char *keep_value(struct file_parse *p, const char *v)
{
	const char *k = keep(p->cfg, v);
	if (!k && !p->arena_full) {
		p->arena_full = true;
		file_error(p, "the file's values are too long together (%d bytes at most)",
			   CONFIG_ARENA_BYTES);
	}
	return k ? k : "";
}

/* A path from the file: relative ones are relative to the file's folder. */
static const char *keep_path(struct file_parse *p, const char *v)
{
	char buf[CONFIG_PATH_MAX * 2];
	if (v[0] == '/' || !p->dir[0])
		snprintf(buf, sizeof buf, "%s", v);
	else if (v[0] == '~' && v[1] == '/' && getenv("HOME"))
		snprintf(buf, sizeof buf, "%s%s", getenv("HOME"), v + 1);
	else
		snprintf(buf, sizeof buf, "%s/%s", p->dir, v);
	return keep_value(p, buf);
}

/* True when s (after blanks) starts a port: SCHEME://, /dev/..., @NAME, "all", or ends. */
static bool starts_port(const char *s)
{
	s += strspn(s, " \t");
	if (!*s || *s == '/' || *s == '@' || *s == ',')
		return true;
	if (!strncmp(s, "all", 3) && strchr(" \t,", s[3]))
		return true;
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
	return n && !strncmp(s + n, "://", 3);
}

/* Splits "a, b c" into items kept in the arena; false (reported) on too many or no room. */
static bool split_list(struct file_parse *p, const char *key, const char *v, const char **out,
		       size_t *count)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", v);
	if (!p->continued)
		*count = 0; /* an indented next line adds to the list */
	/* Blanks separate ports; a comma does where a port starts after it, so the commas
	 * inside one (fault://seed=7,rate=0.01|sim://) stay. */
	for (char *c = buf; *c; c++)
		if (*c == ',' && starts_port(c + 1))
			*c = ' ';
	for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		size_t len = strlen(t);
		if (t[len - 1] == ',')
			t[len - 1] = '\0'; /* "a, b": the comma before a blank */
		if (!*t)
			continue;
		if (*count == CONFIG_MAX_PORTS) {
			file_error(p, "%s: more than %d ports", key, CONFIG_MAX_PORTS);
			return false;
		}
		out[(*count)++] = keep_value(p, t);
	}
	if (*count == 0) {
		file_error(p,
			   "%s is empty: give one or more ports separated by commas "
			   "(/dev/ttyUSB0, rfc2217://host:4000, socket://host:4001, sim://)",
			   key);
		return false;
	}
	return true;
}

/* True when the file may set key (nothing of higher precedence did); records the line. */
static bool takes(struct file_parse *p, enum config_key key)
{
	if (p->cfg->source[key] > CONFIG_FROM_FILE)
		return false;
	p->cfg->source[key] = CONFIG_FROM_FILE;
	p->cfg->source_line[key] = p->line;
	return true;
}

static bool parse_baud(const char *v, uint32_t *baud)
{
	return ed_parse_u32(v, baud) && *baud >= 300;
}

static const char *const top_keys =
    "port, baud, before, after, chip, connect_attempts, custom_reset_sequence, "
    "firmware_dir, preset, journal, log";

/* Keys outside any section. Values are checked even when a higher source wins. */
static void top_key(struct file_parse *p, const char *key, const char *v)
{
	struct config *cfg = p->cfg;
	if (!strcmp(key, "port")) {
		bool mine = p->continued ? cfg->source[CONFIG_PORT] == CONFIG_FROM_FILE
					 : cfg->source[CONFIG_PORT] <= CONFIG_FROM_FILE;
		if (split_list(p, key, v, p->ports, &p->port_count) && mine) {
			if (!p->continued)
				takes(p, CONFIG_PORT);
			memcpy(cfg->ports, p->ports, p->port_count * sizeof *p->ports);
			cfg->port_count = p->port_count;
		}
	} else if (!strcmp(key, "baud")) {
		uint32_t baud;
		if (!parse_baud(v, &baud))
			file_error(p, "baud '%s' is not a baud rate (for example 115200, 460800)",
				   v);
		else if (takes(p, CONFIG_BAUD))
			cfg->baud = baud;
	} else if (!strcmp(key, "before") || !strcmp(key, "after")) {
		bool before = key[0] == 'b';
		enum job_before b;
		enum job_after a;
		if (before ? !app_before_of(v, &b) : !app_after_of(v, &a))
			file_error(p, "%s '%s' is not one of %s", key, v,
				   before ? "default_reset, no_reset, manual, no_reset_no_sync"
					  : "hard_reset, soft_reset, no_reset, no_reset_stub");
		else if (takes(p, before ? CONFIG_BEFORE : CONFIG_AFTER))
			*(before ? &cfg->before : &cfg->after) = keep_value(p, v);
	} else if (!strcmp(key, "chip")) {
		if (strcmp(v, "auto") && strcmp(v, "esp8266"))
			file_error(p, "chip '%s' is not one of auto, esp8266", v);
		else if (takes(p, CONFIG_CHIP))
			cfg->chip = keep_value(p, v);
	} else if (!strcmp(key, "connect_attempts")) {
		int n;
		char what[CONFIG_PATH_MAX + 64];
		snprintf(what, sizeof what, "%s:%d: connect_attempts", cfg->file_path, p->line);
		if (!config_parse_attempts(v, &n, what))
			p->errors++;
		else if (takes(p, CONFIG_CONNECT_ATTEMPTS))
			cfg->connect_attempts = n;
	} else if (!strcmp(key, "custom_reset_sequence")) {
		struct ed_error err;
		if (reset_seq_check(v, &err) < 0)
			file_error(p, "custom_reset_sequence: %s", err.msg);
		else if (takes(p, CONFIG_RESET_SEQUENCE))
			cfg->reset_sequence = keep_value(p, v);
	} else if (!strcmp(key, "firmware_dir")) {
		/* kept even under --firmware-dir: the search goes on here */
		cfg->file_firmware_dir = keep_path(p, v);
		cfg->file_firmware_line = p->line;
		if (takes(p, CONFIG_FIRMWARE_DIR))
			cfg->firmware_dir = cfg->file_firmware_dir;
	} else if (!strcmp(key, "preset")) {
		if (takes(p, CONFIG_PRESET))
			cfg->preset = keep_value(p, v);
	} else if (!strcmp(key, "journal")) {
		bool off = !strcmp(v, "none") || !strcmp(v, "off");
		if (takes(p, CONFIG_JOURNAL)) {
			cfg->no_journal = off;
			cfg->journal_path = off ? NULL : keep_path(p, v);
		}
	} else if (!strcmp(key, "log")) {
		if (takes(p, CONFIG_LOG))
			cfg->log_path = keep_path(p, v);
	} else {
		file_error(p,
			   "unknown key '%s' (the keys are %s; remote port lists go in a "
			   "[remote NAME] section)",
			   key, top_keys);
	}
}

/* A [remote NAME] section header, on its first key. */
static void start_section(struct file_parse *p, const char *section)
{
	struct config *cfg = p->cfg;
	snprintf(p->section, sizeof p->section, "%s", section);
	p->remote = NULL;
	p->have_key = false;
	p->bad_section = false;
	if (!*section)
		return;
	const char *name = NULL;
	if (!strncmp(section, "remote", 6) && (section[6] == ' ' || section[6] == '\t')) {
		name = section + 7;
		while (*name == ' ' || *name == '\t')
			name++;
	}
	if (!name || !*name || strpbrk(name, " \t,@/:")) {
		p->bad_section = true;
		file_error(p,
			   "unknown section [%s]: the file has settings at the top and "
			   "[remote NAME] sections (NAME without spaces, ',', '@', '/', ':')",
			   section);
		return;
	}
	for (size_t i = 0; i < cfg->remote_count; i++)
		if (!strcmp(cfg->remotes[i].name, name)) {
			p->bad_section = true;
			file_error(p, "[remote %s] is defined twice (first on line %d)", name,
				   cfg->remotes[i].line);
			return;
		}
	if (cfg->remote_count == CONFIG_MAX_REMOTES) {
		p->bad_section = true;
		file_error(p, "more than %d [remote] sections", CONFIG_MAX_REMOTES);
		return;
	}
	p->remote = &cfg->remotes[cfg->remote_count++];
	memset(p->remote, 0, sizeof *p->remote);
	p->remote->name = keep_value(p, name);
	p->remote->line = p->line;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct file_parse *p = user;
	if (strcmp(section, p->section))
		start_section(p, section); /* not seen by the reader: should not happen */
	if (p->bad_section)
		return 1;
	bool list = !strcmp(key, p->remote ? "ports" : "port");
	if (p->continued && !list) {
		file_error(p,
			   "an indented line continues '%s', and only port lists continue: "
			   "start the line at the left margin",
			   key);
		return 1;
	}
	p->have_key = true;
	if (!*value) {
		file_error(p, "%s has no value: write %s = VALUE or remove the line", key, key);
		return 1;
	}
	if (!p->remote) {
		top_key(p, key, value);
		return 1;
	}
	if (strcmp(key, "ports")) {
		file_error(p, "unknown key '%s' in [remote %s] (the only key is ports = URL, ...)",
			   key, p->remote->name);
		return 1;
	}
	if (p->remote->port_count && !p->continued) {
		file_error(p, "ports is given twice in [remote %s]", p->remote->name);
		return 1;
	}
	split_list(p, "ports", value, p->remote->ports, &p->remote->port_count);
	return 1;
}

static char *reader(char *str, int num, void *stream)
{
	struct file_parse *p = stream;
	if (!fgets(str, num, p->f))
		return NULL;
	p->line++;
	size_t n = strlen(str);
	if (n == (size_t)num - 1 && str[n - 1] != '\n') {
		file_error(p, "line longer than %d characters", num - 2);
		int c;
		while ((c = fgetc(p->f)) != EOF && c != '\n')
			;
		str[0] = '\n';
		str[1] = '\0';
	}
	p->continued = p->have_key && (str[0] == ' ' || str[0] == '\t') &&
		       str[strspn(str, " \t\r\n")] != '\0' &&
		       !strchr(";#[", str[strspn(str, " \t")]);
	/* Section headers are taken here, on their own line (inih reports them only with
	 * the next key, and not at all when the section is empty). */
	const char *t = str;
	while (*t == ' ' || *t == '\t')
		t++;
	const char *end = *t == '[' ? strchr(t, ']') : NULL;
	if (end) {
		char name[sizeof p->section];
		t++;
		while (*t == ' ' || *t == '\t')
			t++;
		size_t len = (size_t)(end - t);
		while (len && (t[len - 1] == ' ' || t[len - 1] == '\t'))
			len--;
		snprintf(name, sizeof name, "%.*s", (int)len, t);
		start_section(p, name);
	}
	return str;
}

static void default_file_path(struct config *cfg)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(cfg->file_path, sizeof cfg->file_path, "%s/espdeck/espdeck.conf", xdg);
	else if (home && *home)
		snprintf(cfg->file_path, sizeof cfg->file_path, "%s/.config/espdeck/espdeck.conf",
			 home);
	else
		cfg->file_path[0] = '\0';
}

static int read_file(struct config *cfg)
{
	const char *env = getenv("ESPDECK_CONFIG");
	if (cfg->config_arg || (env && *env)) {
		snprintf(cfg->file_path, sizeof cfg->file_path, "%s",
			 cfg->config_arg ? cfg->config_arg : env);
		cfg->file_named = true;
	} else {
		default_file_path(cfg);
	}
	if (!cfg->file_path[0])
		return APP_EXIT_OK;
	struct file_parse p = {.cfg = cfg};
	p.f = fopen(cfg->file_path, "r");
	if (!p.f) {
		if (errno == ENOENT && !cfg->file_named)
			return APP_EXIT_OK; /* no file is the usual case */
		fprintf(stderr,
			"espdeck: cannot read the configuration file %s (named by %s): %s\n",
			cfg->file_path, cfg->config_arg ? "--config" : "ESPDECK_CONFIG",
			strerror(errno));
		return APP_EXIT_USAGE;
	}
	struct stat st;
	if (fstat(fileno(p.f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(p.f);
		fprintf(stderr, "espdeck: the configuration file %s is a folder: name a file\n",
			cfg->file_path);
		return APP_EXIT_USAGE;
	}
	cfg->file_read = true;
	const char *slash = strrchr(cfg->file_path, '/');
	if (!slash)
		snprintf(p.dir, sizeof p.dir, ".");
	else if (slash == cfg->file_path)
		snprintf(p.dir, sizeof p.dir, "/");
	else
		snprintf(p.dir, sizeof p.dir, "%.*s", (int)(slash - cfg->file_path),
			 cfg->file_path);
	int rc = ini_parse_stream(reader, &p, handler, &p);
	fclose(p.f);
	if (rc > 0) {
		/* inih's own complaint: a line that is neither a section, a key nor a comment */
		p.line = rc;
		file_error(&p, "not a setting: write KEY = VALUE, [remote NAME] or a ; comment");
	}
	for (size_t i = 0; i < cfg->remote_count; i++)
		if (!cfg->remotes[i].port_count && !p.errors) {
			p.line = cfg->remotes[i].line;
			file_error(&p, "[remote %s] has no ports = URL, ... line",
				   cfg->remotes[i].name);
		}
	if (p.errors) {
		fprintf(stderr, "espdeck: fix the configuration file (espdeck.conf(5)), or name "
				"another with --config\n");
		return APP_EXIT_USAGE;
	}
	return APP_EXIT_OK;
}

bool config_remote_list(const struct config *cfg, const char *name, const char **ports, size_t cap,
			size_t *count)
{
	*count = 0;
	for (size_t i = 0; i < cfg->remote_count; i++) {
		const struct config_remote *r = &cfg->remotes[i];
		if (strcmp(r->name, name))
			continue;
		for (size_t k = 0; k < r->port_count && k < cap; k++)
			ports[k] = r->ports[k];
		*count = r->port_count;
		return true;
	}
	return false;
}

/* "--port @NAME" (from any source) becomes that remote list's ports. */
static int expand_remotes(struct config *cfg)
{
	const char *out[CONFIG_MAX_PORTS];
	size_t n = 0;
	bool any = false;
	for (size_t i = 0; i < cfg->port_count; i++) {
		const char *port = cfg->ports[i];
		if (port[0] != '@') {
			if (n == CONFIG_MAX_PORTS)
				goto too_many;
			out[n++] = port;
			continue;
		}
		const char *list[CONFIG_MAX_PORTS];
		size_t count = 0;
		if (!config_remote_list(cfg, port + 1, list, CONFIG_MAX_PORTS, &count)) {
			fprintf(stderr, "espdeck: port %s: no [remote %s] in %s", port, port + 1,
				cfg->file_read ? cfg->file_path : "the configuration file");
			if (!cfg->file_read)
				fprintf(stderr, " (there is none: %s)",
					cfg->file_path[0] ? cfg->file_path : "HOME is not set");
			if (cfg->remote_count) {
				fprintf(stderr, "; the lists are:");
				for (size_t k = 0; k < cfg->remote_count; k++)
					fprintf(stderr, " @%s", cfg->remotes[k].name);
			}
			fprintf(stderr, "\n");
			return APP_EXIT_USAGE;
		}
		if (n + count > CONFIG_MAX_PORTS)
			goto too_many;
		memcpy(out + n, list, count * sizeof *list);
		n += count;
		cfg->port_remote = port + 1;
		any = true;
	}
	if (any) {
		memcpy(cfg->ports, out, n * sizeof *out);
		cfg->port_count = n;
	}
	return APP_EXIT_OK;
too_many:
	fprintf(stderr, "espdeck: more than %d ports once the @lists are expanded\n",
		CONFIG_MAX_PORTS);
	return APP_EXIT_USAGE;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void add_dir(struct config *cfg, const char *dir, const char **first)
{
	size_t len = strlen(cfg->firmware_path);
	if (!*dir || len + strlen(dir) + 2 > sizeof cfg->firmware_path)
		return;
	/* the same folder twice says nothing new */
	const char *s = cfg->firmware_path;
	size_t dl = strlen(dir);
	while (*s) {
		const char *e = strchr(s, ':');
		size_t l = e ? (size_t)(e - s) : strlen(s);
		if (l == dl && !strncmp(s, dir, l))
			return;
		s += l + (e != NULL);
	}
	snprintf(cfg->firmware_path + len, sizeof cfg->firmware_path - len, "%s%s", len ? ":" : "",
		 dir);
	if (!*first)
		*first = cfg->firmware_path + len + (len ? 1 : 0);
}

/* The firmware search path (espdeck(1) FILES). */
static void build_firmware_path(struct config *cfg)
{
	char buf[CONFIG_PATH_MAX * 2];
	const char *given =
	    cfg->source[CONFIG_FIRMWARE_DIR] != CONFIG_FROM_DEFAULT ? cfg->firmware_dir : NULL;
	const char *first = NULL;
	cfg->firmware_path[0] = '\0';
	if (given)
		add_dir(cfg, given, &first);
	if (cfg->file_firmware_dir)
		add_dir(cfg, cfg->file_firmware_dir, &first);
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(buf, sizeof buf, "%s/espdeck/firmware", xdg);
	else if (home && *home)
		snprintf(buf, sizeof buf, "%s/.local/share/espdeck/firmware", home);
	else
		buf[0] = '\0';
	add_dir(cfg, buf, &first);
	char root[CONFIG_PATH_MAX], data[CONFIG_PATH_MAX];
	bool build_tree = layout_build_tree(root, sizeof root);
	if (build_tree) {
		/* Not installed: what the build made stands for the installed data folder (as
		 * the presets come from the source tree), after ./firmware, the default of old;
		 * a folder given by name replaces both, as it replaced ./firmware before. */
		if (!given && !cfg->file_firmware_dir) {
			add_dir(cfg, "firmware", &first);
			snprintf(buf, sizeof buf, "%s/firmware", root);
			add_dir(cfg, buf, &first);
		}
	} else {
		snprintf(buf, sizeof buf, "%s/firmware", layout_data_dir(data, sizeof data));
		add_dir(cfg, buf, &first);
	}
	if (!given) {
		/* the first folder that exists, for what shows "files: DIR" */
		const char *s = cfg->firmware_path;
		while (*s) {
			const char *e = strchr(s, ':');
			size_t l = e ? (size_t)(e - s) : strlen(s);
			snprintf(buf, sizeof buf, "%.*s", (int)l, s);
			if (is_dir(buf)) {
				cfg->firmware_dir = keep(cfg, buf);
				break;
			}
			s += l + (e != NULL);
		}
		if (!cfg->firmware_dir)
			cfg->firmware_dir = first ? keep(cfg, first) : "firmware";
		if (!cfg->firmware_dir)
			cfg->firmware_dir = "firmware";
	}
}

const char *config_firmware_path_for(const struct config *cfg, const char *dir, char *buf,
				     size_t cap)
{
	struct config *c = malloc(sizeof *c);
	if (!c) {
		snprintf(buf, cap, "%s", dir);
		return buf;
	}
	*c = *cfg;
	c->firmware_dir = dir;
	c->source[CONFIG_FIRMWARE_DIR] = CONFIG_FROM_CMDLINE;
	build_firmware_path(c);
	snprintf(buf, cap, "%s", c->firmware_path);
	free(c);
	return buf;
}

int config_apply_file(struct config *cfg)
{
	int rc = read_file(cfg);
	if (rc == APP_EXIT_OK)
		rc = expand_remotes(cfg);
	if (cfg->source[CONFIG_FIRMWARE_DIR] == CONFIG_FROM_DEFAULT)
		cfg->firmware_dir = NULL;
	build_firmware_path(cfg);
	return rc;
}

const char *config_source_text(const struct config *cfg, enum config_key key, char *buf, size_t cap)
{
	switch (cfg->source[key]) {
	case CONFIG_FROM_ENV:
		snprintf(buf, cap, "%s",
			 cfg->source_env[key] ? cfg->source_env[key] : "environment");
		break;
	case CONFIG_FROM_FILE: {
		const char *base = strrchr(cfg->file_path, '/');
		snprintf(buf, cap, "%s:%d", base ? base + 1 : cfg->file_path,
			 cfg->source_line[key]);
		break;
	}
	default:
		snprintf(buf, cap, "%s", config_source_name(cfg->source[key]));
	}
	return buf;
}

static void print_setting(const struct config *cfg, const char *name, enum config_key key,
			  const char *fmt, ...)
{
	char value[CONFIG_PATH_MAX * 4], where[CONFIG_PATH_MAX + 16];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(value, sizeof value, fmt, ap);
	va_end(ap);
	printf("%s = %s  (%s)\n", name, value, config_source_text(cfg, key, where, sizeof where));
}

int config_print(const struct config *cfg)
{
	if (cfg->file_read)
		printf("config file: %s%s\n", cfg->file_path,
		       !cfg->file_named	 ? ""
		       : cfg->config_arg ? " (named by --config)"
					 : " (named by ESPDECK_CONFIG)");
	else if (cfg->file_path[0])
		printf("config file: none (%s does not exist)\n", cfg->file_path);
	else
		printf("config file: none (HOME and XDG_CONFIG_HOME are not set)\n");
	char ports[CONFIG_MAX_PORTS * 64] = "";
	for (size_t i = 0; i < cfg->port_count; i++) {
		size_t len = strlen(ports);
		snprintf(ports + len, sizeof ports - len, "%s%s", i ? ", " : "", cfg->ports[i]);
	}
	if (cfg->port_remote) {
		size_t len = strlen(ports);
		snprintf(ports + len, sizeof ports - len, " (@%s)", cfg->port_remote);
	}
	print_setting(cfg, "port", CONFIG_PORT, "%s",
		      cfg->port_count ? ports : "(none: the one ESP USB bridge plugged in)");
	print_setting(cfg, "baud", CONFIG_BAUD, "%u", cfg->baud);
	print_setting(cfg, "before", CONFIG_BEFORE, "%s", cfg->before);
	print_setting(cfg, "after", CONFIG_AFTER, "%s", cfg->after);
	print_setting(cfg, "chip", CONFIG_CHIP, "%s", cfg->chip);
	if (cfg->connect_attempts < 0)
		print_setting(cfg, "connect_attempts", CONFIG_CONNECT_ATTEMPTS,
			      "0 (until interrupted)");
	else
		print_setting(cfg, "connect_attempts", CONFIG_CONNECT_ATTEMPTS, "%d",
			      cfg->connect_attempts ? cfg->connect_attempts : 7);
	print_setting(cfg, "custom_reset_sequence", CONFIG_RESET_SEQUENCE, "%s",
		      cfg->reset_sequence ? cfg->reset_sequence : "(none: --before decides)");
	print_setting(cfg, "firmware_dir", CONFIG_FIRMWARE_DIR, "%s", cfg->firmware_dir);
	print_setting(cfg, "preset", CONFIG_PRESET, "%s", cfg->preset ? cfg->preset : "(none)");
	char jbuf[CONFIG_PATH_MAX];
	struct ed_error err;
	if (cfg->no_journal)
		print_setting(cfg, "journal", CONFIG_JOURNAL, "none");
	else if (cfg->journal_path)
		print_setting(cfg, "journal", CONFIG_JOURNAL, "%s", cfg->journal_path);
	else if (journal_default_path(jbuf, sizeof jbuf, &err) == 0)
		print_setting(cfg, "journal", CONFIG_JOURNAL, "%s (for writes)", jbuf);
	else
		print_setting(cfg, "journal", CONFIG_JOURNAL, "(none: %s)", err.msg);
	print_setting(cfg, "log", CONFIG_LOG, "%s", cfg->log_path ? cfg->log_path : "(none)");
	/* the command line's other global options, for completeness */
	print_setting(cfg, "trace", CONFIG_TRACE, "%s",
		      cfg->trace_path ? cfg->trace_path : "(none)");
	print_setting(cfg, "boot_check", CONFIG_BOOT_CHECK, "%s", cfg->boot_check ? "on" : "off");
	print_setting(cfg, "expect", CONFIG_EXPECT, "%s", cfg->expect[0] ? cfg->expect : "(none)");
	print_setting(cfg, "boot_time", CONFIG_BOOT_TIME, "%u ms",
		      cfg->boot_time_ms ? cfg->boot_time_ms : 3000);
	print_setting(cfg, "app_baud", CONFIG_APP_BAUD, "%u",
		      cfg->app_baud ? cfg->app_baud : 115200);
	print_setting(cfg, "verbose", CONFIG_VERBOSE, "%d", cfg->verbose);
	print_setting(cfg, "timestamps", CONFIG_TIMESTAMPS, "%s", cfg->timestamps ? "on" : "off");
	for (size_t i = 0; i < cfg->remote_count; i++) {
		const struct config_remote *r = &cfg->remotes[i];
		const char *base = strrchr(cfg->file_path, '/');
		printf("remote %s = ", r->name);
		for (size_t k = 0; k < r->port_count; k++)
			printf("%s%s", k ? ", " : "", r->ports[k]);
		printf("  (%s:%d)\n", base ? base + 1 : cfg->file_path, r->line);
	}
	printf("firmware search path:");
	const char *s = cfg->firmware_path;
	while (*s) {
		const char *e = strchr(s, ':');
		size_t l = e ? (size_t)(e - s) : strlen(s);
		printf(" %.*s", (int)l, s);
		s += l + (e != NULL);
	}
	printf("\n");
	return APP_EXIT_OK;
}
