/* SPDX-License-Identifier: MIT
 * espdeck-sim: the virtual ESP8266 as a program. (Placeholder until the board lands.) */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "espdeck-sim: not implemented yet\n");
	return 1;
}
