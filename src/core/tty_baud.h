/* SPDX-License-Identifier: MIT
 * Any baud rate on a Linux tty, through termios2 (BOTHER): the ESP8266 ROM prints its
 * boot log at 74880 baud, which POSIX termios has no B-constant for. Apart in its own
 * file because <asm/termbits.h> and <termios.h> cannot be included together. */
#pragma once

#include <stdint.h>

/* Sets input and output speed of the tty fd to baud. 0 on success; -1 with errno set
 * (ENOTSUP where termios2 does not exist). */
int tty_set_any_baud(int fd, uint32_t baud);

/* The output speed of the tty fd in baud, whatever way it was set; 0 when unknown. */
uint32_t tty_get_baud(int fd);
