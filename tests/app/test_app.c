/* SPDX-License-Identifier: MIT
 * The application layer: global options into struct config with where each setting came
 * from (command line > environment > defaults), config -> job spec, exit codes, the
 * command table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/commands.h"
#include "app/config.h"
#include "app/exit.h"
#include "app/portpick.h"
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

/* The file fills what the command line and the environment left; [remote NAME] lists. */
static void test_config_file(void **state)
{
	char dir[] = "/tmp/espdeck-test-app-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/espdeck.conf", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("baud = 460800\nafter = no_reset\nfirmware_dir = fw\n[remote lab]\n"
	      "ports = sim://?a, sim://?b,sim://?c\n",
	      f);
	fclose(f);
	setenv("ESPDECK_CONFIG", path, 1);
	setenv("ESPTOOL_AFTER", "soft_reset", 1);
	struct config cfg;
	char *argv[] = {"espdeck", "--port", "@lab", "--port", "sim://?d", "chip_id", NULL};
	assert_int_equal(parse(&cfg, 6, argv), 5);
	assert_int_equal(cfg.baud, 460800);
	assert_int_equal(cfg.source[CONFIG_BAUD], CONFIG_FROM_FILE);
	assert_int_equal(cfg.source_line[CONFIG_BAUD], 1);
	assert_string_equal(cfg.after, "soft_reset");
	assert_int_equal(cfg.source[CONFIG_AFTER], CONFIG_FROM_ENV);
	char where[64];
	assert_string_equal(config_source_text(&cfg, CONFIG_AFTER, where, sizeof where),
			    "ESPTOOL_AFTER");
	assert_string_equal(config_source_text(&cfg, CONFIG_BAUD, where, sizeof where),
			    "espdeck.conf:1");
	char fw[300];
	snprintf(fw, sizeof fw, "%s/fw", dir);
	assert_string_equal(cfg.firmware_dir, fw);
	assert_int_equal(strncmp(cfg.firmware_path, fw, strlen(fw)), 0);
	/* @lab expanded in place, the next --port kept after it */
	assert_int_equal(cfg.port_count, 4);
	assert_string_equal(cfg.ports[0], "sim://?a");
	assert_string_equal(cfg.ports[2], "sim://?c");
	assert_string_equal(cfg.ports[3], "sim://?d");
	const char *list[2];
	size_t n = 0;
	assert_true(config_remote_list(&cfg, "lab", list, 2, &n));
	assert_int_equal(n, 3);
	assert_string_equal(list[1], "sim://?b");
	assert_false(config_remote_list(&cfg, "nope", list, 2, &n));
	assert_int_equal(n, 0);
	/* a copy of the struct still reads the original's strings */
	struct config copy = cfg;
	assert_string_equal(copy.ports[1], "sim://?b");
	unsetenv("ESPTOOL_AFTER");
	unsetenv("ESPDECK_CONFIG");
	unlink(path);
	rmdir(dir);
}

/* The default port: one ESP bridge is taken, none or several are not. */
static void test_port_choice(void **state)
{
	struct port_info ports[2];
	memset(ports, 0, sizeof ports);
	assert_int_equal(app_port_choice(ports, 0), -1);
	assert_int_equal(app_port_choice(ports, 1), 0);
	assert_int_equal(app_port_choice(ports, 2), -2);
	assert_true(app_command_needs_board("write-flash"));
	assert_true(app_command_needs_board("chip_id"));
	assert_false(app_command_needs_board("elf2image"));
	assert_false(app_command_needs_board("config"));
	/* they used to reach the job with no port and print "Opening " */
	assert_true(app_command_needs_board("read_flash_status"));
	assert_true(app_command_needs_board("write-flash-status"));
}

/* No port given and none found: the message says what was looked at and how to name one. */
static void test_no_port_text(void **state)
{
	struct config cfg;
	config_init(&cfg);
	snprintf(cfg.file_path, sizeof cfg.file_path, "%s", "/home/u/.config/espdeck/espdeck.conf");
	struct port_info ports[10];
	memset(ports, 0, sizeof ports);
	snprintf(ports[0].path, sizeof ports[0].path, "/dev/ttyS0");
	snprintf(ports[1].path, sizeof ports[1].path, "/dev/ttyACM0");
	ports[1].vid = 0x2341;
	ports[1].pid = 0x0043;
	char text[2048];
	app_no_port_text(&cfg, "chip_id", ports, 2, NULL, text, sizeof text);
	assert_non_null(strstr(text, "espdeck chip_id: no port given and none found"));
	assert_non_null(strstr(text, "espdeck.conf (no such file)"));
	assert_non_null(strstr(text, "among 2 serial ports"));
	assert_non_null(strstr(text, "/dev/ttyS0 (not USB), /dev/ttyACM0 (USB 2341:0043)"));
	assert_non_null(strstr(text, "--port PORT"));
	assert_non_null(strstr(text, "ESPTOOL_PORT=PORT"));
	assert_non_null(strstr(text, "'port = PORT' in /home/u/.config/espdeck/espdeck.conf"));
	assert_null(strstr(text, "Opening"));

	for (int i = 0; i < 10; i++)
		snprintf(ports[i].path, sizeof ports[i].path, "/dev/ttyS%d", i);
	app_no_port_text(&cfg, "read_mac", ports, 10, NULL, text, sizeof text);
	assert_non_null(strstr(text, "/dev/ttyS7 (not USB) and 2 more"));
	app_no_port_text(&cfg, "read_mac", NULL, 0, NULL, text, sizeof text);
	assert_non_null(strstr(text, "no serial port at all"));
	app_no_port_text(&cfg, "read_mac", NULL, 0, "no /dev", text, sizeof text);
	assert_non_null(strstr(text, "could not list the serial ports to look for one: no /dev"));
	/* a small buffer truncates, still terminated */
	char small[40];
	app_no_port_text(&cfg, "read_mac", ports, 10, NULL, small, sizeof small);
	assert_int_equal(strlen(small), sizeof small - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_and_sources),
	    cmocka_unit_test(test_precedence),
	    cmocka_unit_test(test_bad_options),
	    cmocka_unit_test(test_job_spec),
	    cmocka_unit_test(test_exit_codes_and_commands),
	    cmocka_unit_test(test_config_file),
	    cmocka_unit_test(test_port_choice),
	    cmocka_unit_test(test_no_port_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
