/* SPDX-License-Identifier: MIT
 * The bench screen. (Placeholder while the screen is written.) */
#include "tui/tui.h"

#include <stdio.h>

int tui_main(const struct config *cfg)
{
	fprintf(stderr, "espdeck: the bench screen is not implemented yet; "
			"run 'espdeck help' for the commands\n");
	return CLI_EXIT_FAIL;
}
