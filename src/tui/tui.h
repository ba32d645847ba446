/* SPDX-License-Identifier: MIT
 * The bench screen (ncurses). Entered from main() when no command is given. */
#pragma once

#include "app/config.h"

/* Runs the TUI until the user quits; returns a cli_exit code. */
int tui_main(const struct config *cfg);
