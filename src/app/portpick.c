/* SPDX-License-Identifier: MIT
 * The default port: the one ESP USB bridge plugged in (app/portpick.h). */
#include "app/portpick.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "app/exit.h"

bool app_command_needs_board(const char *word)
{
	static const char *const board[] = {
	    "chip_id",	   "read_mac",		"flash_id",
	    "erase_flash", "erase_region",	"write_flash",
	    "read_flash",  "verify_flash",	"read_mem",
	    "write_mem",   "dump_mem",		"load_ram",
	    "run",	   "read_flash_sfdp",	"write_layout",
	    "monitor",	   "read_flash_status", "write_flash_status",
	};
	for (size_t i = 0; i < sizeof board / sizeof board[0]; i++)
		if (config_word_is(word, board[i]))
			return true;
	return false;
}

int app_port_choice(const struct port_info *list, size_t count)
{
	(void)list;
	return count == 1 ? 0 : count == 0 ? -1 : -2;
}

static void describe(const struct port_info *p, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s (%s %04x:%04x%s%s)", p->path, p->bridge ? p->bridge : "?", p->vid,
		 p->pid, p->serial[0] ? ", serial " : "", p->serial);
}

/* Appends printf text to buf (cap bytes, *len used so far), truncating quietly. */
static void add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	if (*len >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + (size_t)n < cap ? *len + (size_t)n : cap - 1;
}

/* How to name a port, the last lines of every "no port" message. */
static void add_how_to_name(const struct config *cfg, char *buf, size_t cap, size_t *len)
{
	add(buf, cap, len,
	    "  name the board's port with --port PORT (a device such as /dev/ttyUSB0, "
	    "socket://HOST:PORT, rfc2217://HOST:PORT or sim:// for the virtual board),\n"
	    "  or set ESPTOOL_PORT=PORT, or put a line 'port = PORT' in %s\n"
	    "  ('espdeck ports' lists the serial ports; 'espdeck config' shows where each "
	    "setting comes from)\n",
	    cfg->file_path[0] ? cfg->file_path : "espdeck.conf (espdeck.conf(5))");
}

void app_no_port_text(const struct config *cfg, const char *command, const struct port_info *list,
		      size_t count, const char *list_error, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	add(buf, cap, &len,
	    "espdeck%s%s: no port given and none found: no --port, no ESPTOOL_PORT, no "
	    "port in %s%s\n",
	    command ? " " : "", command ? command : "",
	    cfg->file_path[0] ? cfg->file_path : "a configuration file",
	    cfg->file_path[0] && !cfg->file_read ? " (no such file)" : "");
	if (list_error) {
		add(buf, cap, &len, "  could not list the serial ports to look for one: %s\n",
		    list_error);
	} else if (!count) {
		add(buf, cap, &len,
		    "  looked for an ESP USB bridge (CP210x, CH340, CH9102, FTDI): this "
		    "machine has no serial port at all (is the board plugged in?)\n");
	} else {
		add(buf, cap, &len,
		    "  looked for an ESP USB bridge (CP210x, CH340, CH9102, FTDI) among %zu "
		    "serial port%s, none is one:",
		    count, count == 1 ? "" : "s");
		enum { SHOWN = 8 };
		for (size_t i = 0; i < count && i < SHOWN; i++) {
			if (list[i].vid || list[i].pid)
				add(buf, cap, &len, "%s %s (USB %04x:%04x)", i ? "," : "",
				    list[i].path, list[i].vid, list[i].pid);
			else
				add(buf, cap, &len, "%s %s (not USB)", i ? "," : "", list[i].path);
		}
		if (count > SHOWN)
			add(buf, cap, &len, " and %zu more", count - SHOWN);
		add(buf, cap, &len, "\n");
	}
	add_how_to_name(cfg, buf, cap, &len);
}

/* A port given as "" (--port '' ...): says so rather than "Opening ". */
static int empty_port(const struct config *cfg, const char *command)
{
	char from[128], text[1024];
	size_t len = 0;
	add(text, sizeof text, &len, "espdeck%s%s: the port given (from %s) is empty\n",
	    command ? " " : "", command ? command : "",
	    config_source_text(cfg, CONFIG_PORT, from, sizeof from));
	add_how_to_name(cfg, text, sizeof text, &len);
	fputs(text, stderr);
	return APP_EXIT_USAGE;
}

int app_require_port(const struct config *cfg, const char *command)
{
	for (size_t i = 0; i < cfg->port_count; i++)
		if (!cfg->ports[i] || !cfg->ports[i][0])
			return empty_port(cfg, command);
	if (cfg->port_count)
		return APP_EXIT_OK;
	struct port_info *list = NULL;
	size_t count = 0;
	struct ed_error err;
	char text[2048];
	if (ports_list(&list, &count, &err) < 0)
		app_no_port_text(cfg, command, NULL, 0, err.msg, text, sizeof text);
	else
		app_no_port_text(cfg, command, list, count, NULL, text, sizeof text);
	fputs(text, stderr);
	ports_list_free(list);
	return APP_EXIT_USAGE;
}

int app_pick_port(struct config *cfg)
{
	if (cfg->port_count)
		return APP_EXIT_OK;
	struct port_info *list = NULL;
	size_t count = 0;
	struct ed_error err;
	if (ports_list(&list, &count, &err) < 0) {
		/* no listing: app_require_port() says so once the command has its options */
		return APP_EXIT_OK;
	}
	count = ports_keep_esp_bridges(list, count);
	int choice = app_port_choice(list, count);
	char line[512];
	int rc = APP_EXIT_OK;
	if (choice >= 0) {
		size_t n = strlen(list[choice].path) + 1;
		if (n <= sizeof cfg->arena - cfg->arena_used) {
			char *path = cfg->arena + cfg->arena_used;
			memcpy(path, list[choice].path, n);
			cfg->arena_used += n;
			cfg->ports[0] = path;
			cfg->port_count = 1;
			describe(&list[choice], line, sizeof line);
			fprintf(stderr,
				"espdeck: no --port given: using %s, the only ESP USB bridge "
				"plugged in\n",
				line);
		}
	} else if (choice == -2) {
		fprintf(stderr,
			"espdeck: no --port given and %zu ESP USB bridges are plugged in; "
			"pick one with --port:\n",
			count);
		for (size_t i = 0; i < count; i++) {
			describe(&list[i], line, sizeof line);
			fprintf(stderr, "  %s\n", line);
		}
		fprintf(stderr, "(or --port all for every one of them)\n");
		rc = APP_EXIT_USAGE;
	}
	ports_list_free(list);
	return rc;
}
