/* SPDX-License-Identifier: MIT
 * termios2 baud rates (tty_baud.h). */
#include "core/tty_baud.h"

#include <errno.h>

#if defined(__linux__)
#include <asm/termbits.h>
#include <sys/ioctl.h>

int tty_set_any_baud(int fd, uint32_t baud)
{
	struct termios2 t;
	if (ioctl(fd, TCGETS2, &t) != 0)
		return -1;
	t.c_cflag &= ~(tcflag_t)(CBAUD | (CBAUD << IBSHIFT));
	t.c_cflag |= BOTHER | (BOTHER << IBSHIFT);
	t.c_ispeed = baud;
	t.c_ospeed = baud;
	return ioctl(fd, TCSETS2, &t) != 0 ? -1 : 0;
}

uint32_t tty_get_baud(int fd)
{
	struct termios2 t;
	if (ioctl(fd, TCGETS2, &t) != 0)
		return 0;
	return t.c_ospeed;
}
#else
int tty_set_any_baud(int fd, uint32_t baud)
{
	(void)fd;
	(void)baud;
	errno = ENOTSUP;
	return -1;
}

uint32_t tty_get_baud(int fd)
{
	(void)fd;
	return 0;
}
#endif
