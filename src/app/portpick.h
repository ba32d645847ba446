/* SPDX-License-Identifier: MIT
 * The port a board command uses when none is given (no --port, ESPTOOL_PORT nor port in
 * the configuration file): the one ESP USB bridge plugged in, as esptool does when it
 * scans; with several it lists them and stops rather than guess. */
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

/* Fills cfg->ports with the one ESP bridge present when cfg has no port, saying which on
 * stderr. With several it lists them on stderr and returns APP_EXIT_USAGE; with none it
 * leaves cfg alone (the command then says it needs --port). The chosen path is kept in
 * cfg's arena. Returns an app_exit code. */
int app_pick_port(struct config *cfg);
