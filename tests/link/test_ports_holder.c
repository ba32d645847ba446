/* SPDX-License-Identifier: MIT
 * ports_holder(): who has a serial port, as "port ... in use by" and `espdeck ports` say,
 * on a real pseudo-terminal held with flock() by another process, by this one, and by
 * nobody. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "link/ports.h"

static void test_holder(void **state)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	char slave[128];
	snprintf(slave, sizeof slave, "%s", ptsname(master));
	char who[256];

	/* nobody has the slave open */
	assert_false(ports_holder(slave, who, sizeof who));
	assert_string_equal(who, "another program");

	/* another process opens it and takes its lock, as pyserial's exclusive open does */
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int fd = open(slave, O_RDWR | O_NOCTTY);
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_true(ports_holder(slave, who, sizeof who));
	char want[64];
	snprintf(want, sizeof want, "PID %ld (", (long)child);
	assert_non_null(strstr(who, want));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_false(ports_holder(slave, who, sizeof who));

	/* this process holds it: said so (a port given twice) */
	int fd = open(slave, O_RDWR | O_NOCTTY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	assert_true(ports_holder(slave, who, sizeof who));
	assert_non_null(strstr(who, "this process"));
	close(fd);
	close(ready[0]);
	close(ready[1]);
	close(master);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_holder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
