/* SPDX-License-Identifier: MIT
 * The application layer: global options into struct config with where each setting came
 * from (command line > environment > defaults), config -> job spec, exit codes, the
 * command table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "app/commands.h"
#include "app/config.h"
#include "app/exit.h"
#include "app/spec.h"
#include "core/error.h"

static int parse(struct config *cfg, int argc, char **argv)
{
	int cmd = 0;
	int rc = config_parse(argc, argv, cfg, &cmd);
	return rc == APP_EXIT_OK ? cmd : -100 - rc;
}

static void test_defaults_and_sources(void **state)
{
	unsetenv("ESPTOOL_PORT");
	struct config cfg;
	char *argv[] = {"espdeck", "--baud", "921600", "-v", "chip_id", NULL};
	assert_int_equal(parse(&cfg, 5, argv), 4);
	assert_int_equal(cfg.baud, 921600);
	assert_int_equal(cfg.source[CONFIG_BAUD], CONFIG_FROM_CMDLINE);
	assert_int_equal(cfg.source[CONFIG_VERBOSE], CONFIG_FROM_CMDLINE);
	assert_int_equal(cfg.source[CONFIG_BEFORE], CONFIG_FROM_DEFAULT);
	assert_string_equal(cfg.before, "default_reset");
	assert_int_equal(cfg.port_count, 0);
	assert_string_equal(config_source_name(cfg.source[CONFIG_BAUD]), "command line");
	assert_string_equal(config_key_name(CONFIG_FIRMWARE_DIR), "--firmware-dir");
}

static void test_precedence(void **state)
{
	struct config cfg;
	setenv("ESPTOOL_PORT", "/dev/ttyENV", 1);
	char *plain[] = {"espdeck", "chip_id", NULL};
	assert_int_equal(parse(&cfg, 2, plain), 1);
	assert_int_equal(cfg.port_count, 1);
	assert_string_equal(cfg.ports[0], "/dev/ttyENV");
	assert_int_equal(cfg.source[CONFIG_PORT], CONFIG_FROM_ENV);
	char *given[] = {"espdeck", "--port", "sim://", "chip_id", NULL};
	assert_int_equal(parse(&cfg, 4, given), 3);
	assert_int_equal(cfg.port_count, 1);
	assert_string_equal(cfg.ports[0], "sim://");
	assert_int_equal(cfg.source[CONFIG_PORT], CONFIG_FROM_CMDLINE);
	unsetenv("ESPTOOL_PORT");
}

static void test_bad_options(void **state)
{
	struct config cfg;
	char *bad_after[] = {"espdeck", "--after", "sideways", "chip_id", NULL};
	assert_int_equal(parse(&cfg, 4, bad_after), -100 - APP_EXIT_USAGE);
	char *missing[] = {"espdeck", "--baud", NULL};
	assert_int_equal(parse(&cfg, 2, missing), -100 - APP_EXIT_USAGE);
}

static void test_job_spec(void **state)
{
	unsetenv("ESPTOOL_PORT");
	struct config cfg;
	char *argv[] = {"espdeck",  "-p",	   "a",	      "--port",	       "b",
			"--before", "no-reset",	   "--after", "no_reset_stub", "--boot-time",
			"1500",	    "write_flash", NULL};
	assert_int_equal(parse(&cfg, 12, argv), 11);
	struct job_spec spec;
	app_job_spec(&cfg, &spec);
	assert_string_equal(spec.port, "a");
	assert_int_equal(spec.before, JOB_BEFORE_NO_RESET);
	assert_int_equal(spec.after, JOB_AFTER_NO_RESET_STUB); /* esptool: not no_reset */
	assert_int_equal(spec.boot_listen_ms, 1500);
	assert_string_equal(spec.flash_mode, "keep");
	assert_true(app_is_multi(&cfg));
	cfg.no_journal = true;
	char buf[64];
	assert_null(app_journal_for(&cfg, &spec, buf, sizeof buf));
}

static void test_exit_codes_and_commands(void **state)
{
	assert_int_equal(app_exit_of(ED_OK, JOB_STAGE_DONE), APP_EXIT_OK);
	assert_int_equal(app_exit_of(ED_ERR_TIMEOUT, JOB_STAGE_CONNECT), APP_EXIT_CONNECT);
	assert_int_equal(app_exit_of(ED_ERR_TIMEOUT, JOB_STAGE_WRITE), APP_EXIT_FAIL);
	assert_int_equal(app_exit_of(ED_ERR_VERIFY, JOB_STAGE_VERIFY), APP_EXIT_VERIFY);
	assert_int_equal(app_exit_of(ED_ERR_CANCELLED, JOB_STAGE_WRITE), APP_EXIT_CANCELLED);
	assert_non_null(app_command_find("write-flash"));
	assert_string_equal(app_command_find("read_flash")->name, "read_flash");
	assert_null(app_command_find("write_flashx"));
	assert_ptr_equal(app_command_get(app_command_count()), NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_and_sources),
	    cmocka_unit_test(test_precedence),
	    cmocka_unit_test(test_bad_options),
	    cmocka_unit_test(test_job_spec),
	    cmocka_unit_test(test_exit_codes_and_commands),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
