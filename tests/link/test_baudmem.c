/* SPDX-License-Identifier: MIT
 * Baud memory (link/baudmem.h) in a fake state folder: the newest outcome wins, the
 * warning names the failed rate, the table survives many bridges and parallel writers,
 * non-USB ports are keyed by their spec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "link/baudmem.h"

static char dir[] = "/tmp/espdeck-baudmem-XXXXXX";

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	setenv("XDG_STATE_HOME", dir, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_update(void **state)
{
	(void)state;
	struct baudmem_entry e = {0};
	e = baudmem_update(e, 921600, false);
	assert_int_equal(e.failed, 921600);
	assert_int_equal(e.worked, 0);
	e = baudmem_update(e, 460800, true);
	assert_int_equal(e.worked, 460800);
	assert_int_equal(e.failed, 921600);
	e = baudmem_update(e, 1500000, false); /* a higher failure keeps the lower one */
	assert_int_equal(e.failed, 921600);
	e = baudmem_update(e, 921600, true); /* it works now: the old failure is stale */
	assert_int_equal(e.worked, 921600);
	assert_int_equal(e.failed, 0);
	e = baudmem_update(e, 460800, false); /* newest wins: 921600 no longer counts */
	assert_int_equal(e.worked, 0);
	assert_int_equal(e.failed, 460800);
}

static void test_warning(void **state)
{
	(void)state;
	char line[160];
	struct baudmem_entry e = {.worked = 460800, .failed = 921600};
	baudmem_warning(&e, 921600, line, sizeof line);
	assert_string_equal(line, "921600 baud failed on this bridge last time; 460800 worked");
	baudmem_warning(&e, 1500000, line, sizeof line);
	assert_string_equal(line, "921600 baud failed on this bridge last time, so 1500000 may "
				  "too; 460800 worked");
	baudmem_warning(&e, 460800, line, sizeof line);
	assert_string_equal(line, "");
}

static void test_record_lookup(void **state)
{
	(void)state;
	struct ed_error err;
	struct baudmem_entry e;
	assert_int_equal(baudmem_lookup("port:socket://a:1", &e, &err), 0);
	assert_int_equal(baudmem_record("port:socket://a:1", 921600, false, &err), ED_OK);
	assert_int_equal(baudmem_record("usb:1a86:7523:", 460800, true, &err), ED_OK);
	assert_int_equal(baudmem_record("port:socket://a:1", 460800, true, &err), ED_OK);
	assert_int_equal(baudmem_lookup("port:socket://a:1", &e, &err), 1);
	assert_int_equal(e.worked, 460800);
	assert_int_equal(e.failed, 921600);
	assert_int_equal(baudmem_lookup("usb:1a86:7523:", &e, &err), 1);
	assert_int_equal(e.worked, 460800);
	assert_int_equal(e.failed, 0);
	char path[4096];
	assert_int_equal(baudmem_path(path, sizeof path, &err), ED_OK);
	char want[4096];
	snprintf(want, sizeof want, "%s/espdeck/bauds", dir);
	assert_string_equal(path, want);
	/* one line per bridge: the second record replaced the first line */
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[256];
	int lines = 0;
	while (fgets(line, sizeof line, f))
		lines += line[0] != '#';
	fclose(f);
	assert_int_equal(lines, 2);
}

/* Parallel jobs of the production bench record at once: nothing is lost. */
static void test_parallel_writers(void **state)
{
	(void)state;
	enum { N = 8 };
	for (int i = 0; i < N; i++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			char key[32];
			struct ed_error err;
			snprintf(key, sizeof key, "port:/dev/ttyX%d", i);
			for (int k = 0; k < 20; k++)
				if (baudmem_record(key, 115200u * (uint32_t)(k % 8 + 1), true,
						   &err) < 0)
					_exit(1);
			_exit(0);
		}
	}
	for (int i = 0; i < N; i++) {
		int st;
		wait(&st);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	for (int i = 0; i < N; i++) {
		char key[32];
		struct baudmem_entry e;
		struct ed_error err;
		snprintf(key, sizeof key, "port:/dev/ttyX%d", i);
		assert_int_equal(baudmem_lookup(key, &e, &err), 1);
		assert_int_equal(e.worked, 921600);
	}
}

static void test_keys(void **state)
{
	(void)state;
	char key[320];
	baudmem_bridge_key("socket://host:4000", key, sizeof key);
	assert_string_equal(key, "port:socket://host:4000");
	baudmem_bridge_key("/nonexistent/ttyUSB9", key, sizeof key);
	assert_string_equal(key, "port:/nonexistent/ttyUSB9");
	baudmem_bridge_key("sim://?a=1\tb", key, sizeof key);
	assert_string_equal(key, "port:sim://?a=1_b");
}

static void test_no_state_dir(void **state)
{
	(void)state;
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	struct ed_error err;
	struct baudmem_entry e;
	assert_int_equal(baudmem_lookup("port:x", &e, &err), ED_ERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "neither XDG_STATE_HOME nor HOME"));
	setenv("XDG_STATE_HOME", dir, 1);
	if (home)
		setenv("HOME", home, 1);
	free(home);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_update),	  cmocka_unit_test(test_warning),
	    cmocka_unit_test(test_record_lookup), cmocka_unit_test(test_parallel_writers),
	    cmocka_unit_test(test_keys),	  cmocka_unit_test(test_no_state_dir),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
