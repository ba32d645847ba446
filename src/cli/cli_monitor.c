/* SPDX-License-Identifier: MIT
 * espdeck --port P monitor [--reset] [--baud B] [--boot-baud 74880] [--time S]
 *                          [--expect RULES] [--verbose]
 * A board's output with its boot log decoded (src/bootlog), then the verdict. */
#include "cli/cli.h"
#include "cli/cli_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/portpick.h"
#include "bootlog/bootlog.h"
#include "bootlog/listen.h"
#include "core/sigpipe.h"
#include "core/util.h"
#include "link/link.h"

#define MONITOR_USAGE                                                                              \
	"espdeck --port PORT monitor [--reset] [--baud B] [--boot-baud 74880] [--time S] "         \
	"[--expect RULES]"

struct monitor {
	bool verbose;
	bool reset;
	struct sigpipe stop; /* Ctrl-C and SIGTERM end the capture; the verdict still follows */
	bool stopped;
};

static void print_line(void *user, const struct bootlog_line *line)
{
	struct monitor *m = user;
	if (line->kind == BOOTLOG_GARBAGE && !m->verbose)
		printf("[%s]\n", line->explain);
	else
		printf("%s\n", line->text);
	if (*line->explain && line->kind != BOOTLOG_GARBAGE)
		printf("    = %s\n", line->explain);
	fflush(stdout);
}

/* Polled by the listener between reads: a signal arrived through the signal pipe. */
static bool stop_requested(void *user, const struct bootlog_facts *facts)
{
	struct monitor *m = user;
	if (!m->stopped && sigpipe_take(&m->stop))
		m->stopped = true;
	return m->stopped;
}

static bool parse_baud(const char *text, const char *what, uint32_t *out)
{
	if (ed_parse_u32(text, out) && *out >= 300 && *out <= 5000000)
		return true;
	fprintf(stderr, "espdeck monitor: %s '%s' is not a baud rate (300 to 5000000)\n", what,
		text);
	return false;
}

static void print_facts(const struct bootlog_facts *f)
{
	if (!f->banners)
		return;
	printf("boot: rst cause %d (%s), boot mode %d (%s), %zu segment%s", f->rst_cause,
	       bootlog_rst_cause_name(f->rst_cause), f->boot_mode,
	       bootlog_boot_mode_name(f->boot_mode), f->segment_count,
	       f->segment_count == 1 ? "" : "s");
	if (f->csum_state != BOOTLOG_CSUM_UNSEEN)
		printf(", csum %s", f->csum_state == BOOTLOG_CSUM_OK ? "ok" : "err");
	if (f->boot_version[0])
		printf(", boot loader %s (%s %s %s)", f->boot_version, f->spi_speed, f->spi_mode,
		       f->spi_size);
	if (f->jump_user > 0)
		printf(", user%d", f->jump_user);
	if (f->banners > 1)
		printf(", %u resets", f->banners - 1);
	printf("\n");
}

static int run_monitor(const struct config *cfg, struct bootlog_listen_options *lo,
		       const struct bootlog_rules *rules, struct monitor *m)
{
	struct link_options lopts = LINK_OPTIONS_DEFAULT;
	lopts.baud = lo->boot_baud;
	struct link *l = NULL;
	struct ed_error err;
	if (link_open(cfg->ports[0], &lopts, &l, &err) < 0) {
		fprintf(stderr, "espdeck monitor: %s\n", err.msg);
		return CLI_EXIT_CONNECT;
	}
	struct bootlog *log = NULL;
	if (bootlog_create(&log, print_line, m, &err) < 0) {
		link_close(l);
		return cli_report("monitor", &err);
	}
	if (m->reset && bootlog_hard_reset(l, &err) < 0)
		fprintf(stderr, "espdeck monitor: %s\n", err.msg); /* listen anyway */
	static const int stop[] = {SIGINT, SIGTERM};
	int rc = sigpipe_open(&m->stop, stop, 2, &err);
	if (rc == ED_OK) {
		rc = bootlog_listen(l, log, lo, &err);
		sigpipe_close(&m->stop);
	}
	link_close(l);
	if (rc < 0)
		fprintf(stderr, "espdeck monitor: %s\n", err.msg);

	char reason[512];
	enum bootlog_verdict v = bootlog_judge(bootlog_facts(log), rules, reason, sizeof reason);
	print_facts(bootlog_facts(log));
	printf("verdict: %s: %s\n", bootlog_verdict_name(v), reason);
	bootlog_destroy(log);
	if (v == BOOTLOG_NOT_BOOTED || (v == BOOTLOG_UNKNOWN && rules->count))
		return CLI_EXIT_FAIL;
	return CLI_EXIT_OK;
}

int cmd_monitor(const struct config *cfg, int argc, char **argv)
{
	const char *baud = NULL, *boot_baud = NULL, *time_s = NULL, *expect = NULL, *pos[1];
	bool verbose = false, reset = false;
	const struct cli_opt opts[] = {
	    {"reset", NULL, &reset}, {"baud", &baud, NULL},	{"boot-baud", &boot_baud, NULL},
	    {"time", &time_s, NULL}, {"expect", &expect, NULL}, {"verbose", NULL, &verbose},
	};
	size_t npos;
	int rc = cli_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &npos,
				MONITOR_USAGE);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (app_require_port(cfg, "monitor") != APP_EXIT_OK)
		return CLI_EXIT_USAGE;
	if (cfg->port_count != 1 || app_is_multi(cfg)) {
		fprintf(stderr,
			"espdeck monitor: monitor watches one port; give --port once\nusage: %s\n",
			MONITOR_USAGE);
		return CLI_EXIT_USAGE;
	}
	struct bootlog_listen_options lo = BOOTLOG_LISTEN_DEFAULT;
	lo.app_baud = cfg->baud_given ? cfg->baud : 115200;
	if ((baud && !parse_baud(baud, "--baud", &lo.app_baud)) ||
	    (boot_baud && !parse_baud(boot_baud, "--boot-baud", &lo.boot_baud)))
		return CLI_EXIT_USAGE;
	if (time_s) {
		char *end;
		double s = strtod(time_s, &end);
		if (end == time_s || *end || !isfinite(s) || s <= 0 || s > 86400) {
			fprintf(stderr,
				"espdeck monitor: --time '%s' is not a number of seconds "
				"(up to 86400)\n",
				time_s);
			return CLI_EXIT_USAGE;
		}
		lo.duration_us = (uint64_t)(s * 1e6);
	}
	struct bootlog_rules rules = {0};
	struct ed_error err;
	if (expect && bootlog_rules_add(&rules, expect, &err) < 0)
		return cli_report("monitor", &err);
	struct monitor m = {.verbose = verbose || cfg->verbose > 0, .reset = reset};
	lo.stop = stop_requested;
	lo.user = &m;
	return run_monitor(cfg, &lo, &rules, &m);
}
