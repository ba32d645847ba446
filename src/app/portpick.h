/* SPDX-License-Identifier: MIT
 * The port a board command uses when none is given (no --port, ESPTOOL_PORT nor port in
 * the configuration file): the one ESP USB bridge plugged in, as esptool does when it
 * scans; with several it lists them and stops rather than guess; with none it says what
 * it looked at and how to name a port. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "app/config.h"
#include "link/ports.h"

/* True for the commands that talk to a board (chip_id, write_flash, monitor, ...). */
bool app_command_needs_board(const char *word);

/* The choice among the ESP bridges of list (count entries, already filtered): returns the
 * index to use when there is exactly one, -1 when there is none, -2 when there are
 * several. Pure, for tests. */
int app_port_choice(const struct port_info *list, size_t count);

/* The message for a board command (command, e.g. "chip_id") with no port given and
 * no ESP bridge found: what was looked at (list, count: every serial port of the machine,
 * unfiltered; or list_error when they could not be listed) and how to name a port
 * (--port, ESPTOOL_PORT, the configuration file); command may be NULL. Written into buf (cap bytes), one or
 * more lines each ending in '\n'. Pure, for tests. */
void app_no_port_text(const struct config *cfg, const char *command, const struct port_info *list,
		      size_t count, const char *list_error, char *buf, size_t cap);

/* Fills cfg->ports with the one ESP bridge present when cfg has no port, saying which on
 * stderr. With several it lists them on stderr and returns APP_EXIT_USAGE; with none it
 * leaves cfg alone (the command then calls app_require_port(), after its own options, so
 * a typo in them is reported first). The chosen path is kept in cfg's arena. Returns an
 * app_exit code. */
int app_pick_port(struct config *cfg);

/* For a command about to open its board: APP_EXIT_OK when cfg names a port. Otherwise
 * (none given nor found, or one given as "") says so on stderr, what was looked at and
 * how to name one (app_no_port_text()), and returns APP_EXIT_USAGE. command names the
 * command in the message ("chip_id"); NULL for none. */
int app_require_port(const struct config *cfg, const char *command);
