/* SPDX-License-Identifier: MIT
 * The default port: the one ESP USB bridge plugged in (app/portpick.h). */
#include "app/portpick.h"

#include <stdio.h>
#include <string.h>

#include "app/exit.h"

bool app_command_needs_board(const char *word)
{
	static const char *const board[] = {
	    "chip_id",	    "read_mac",	       "flash_id",     "erase_flash",
	    "erase_region", "write_flash",     "read_flash",   "verify_flash",
	    "read_mem",	    "write_mem",       "dump_mem",     "load_ram",
	    "run",	    "read_flash_sfdp", "write_layout", "monitor",
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

int app_pick_port(struct config *cfg)
{
	if (cfg->port_count)
		return APP_EXIT_OK;
	struct port_info *list = NULL;
	size_t count = 0;
	struct ed_error err;
	if (ports_list(&list, &count, &err) < 0) {
		/* no listing: the command's own "give --port" error follows */
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
