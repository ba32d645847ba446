/* SPDX-License-Identifier: MIT
 * The production bench's commands:
 *   espdeck journal [--journal FILE] [--mac M] [--result ok|failed|cancelled]
 *                   [--since DATE] [--until DATE] [--file F] [--csv]
 *   espdeck publish FILE... --to DIR|[user@]host:path [--scp PROGRAM]
 *   espdeck --port P monitor [--baud B] [--boot-baud 74880] [--time S] [--expect RULES]
 * The work is in src/journal (journal, publish) and src/bootlog (decoder, listening);
 * this file parses arguments and prints. */
#include "cli/cli.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "bootlog/bootlog.h"
#include "bootlog/listen.h"
#include "core/util.h"
#include "link/ports.h"
#include "journal/journal.h"
#include "journal/publish.h"
#include "link/link.h"

/* ---- shared option parsing -------------------------------------------------------------- */

struct opt {
	const char *name;   /* long name without dashes; '-' and '_' alike */
	const char **value; /* for options with a value (the last one given wins) */
	bool *flag;	    /* for flags */
};

/* Parses argv[1..] into opts and positional arguments (after "--" everything is
 * positional). Prints its own error with usage_line; returns a cli_exit code. */
static int parse_opts(int argc, char **argv, const struct opt *opts, size_t nopts, const char **pos,
		      size_t maxpos, size_t *npos, const char *usage_line)
{
	bool only_pos = false;
	*npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!only_pos && !strcmp(arg, "--")) {
			only_pos = true;
			continue;
		}
		if (only_pos || strncmp(arg, "--", 2)) {
			if (*npos == maxpos) {
				fprintf(stderr,
					"espdeck %s: too many arguments ('%s')\nusage: %s\n",
					argv[0], arg, usage_line);
				return CLI_EXIT_USAGE;
			}
			pos[(*npos)++] = arg;
			continue;
		}
		const char *eq = strchr(arg, '=');
		char name[32];
		size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		const struct opt *o = NULL;
		if (len < sizeof name) {
			memcpy(name, arg + 2, len);
			name[len] = '\0';
			for (size_t k = 0; k < nopts && !o; k++)
				if (cli_word_is(name, opts[k].name))
					o = &opts[k];
		}
		if (!o) {
			fprintf(stderr, "espdeck %s: unknown option '%s'\nusage: %s\n", argv[0],
				arg, usage_line);
			return CLI_EXIT_USAGE;
		}
		if (o->flag) {
			*o->flag = true;
			continue;
		}
		if (!eq && i + 1 >= argc) {
			fprintf(stderr, "espdeck %s: option '%s' needs a value\nusage: %s\n",
				argv[0], arg, usage_line);
			return CLI_EXIT_USAGE;
		}
		*o->value = eq ? eq + 1 : argv[++i];
	}
	return CLI_EXIT_OK;
}

static int report(const char *cmd, const struct ed_error *err)
{
	fprintf(stderr, "espdeck %s: %s\n", cmd, err->msg);
	return err->code == ED_ERR_ARG ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
}

/* ---- journal ------------------------------------------------------------------------------ */

#define JOURNAL_USAGE                                                                              \
	"espdeck journal [--journal FILE] [--mac M] [--result ok|failed|cancelled] "               \
	"[--since DATE] [--until DATE] [--file F] [--csv]"

struct journal_listing {
	struct journal_filter filter;
	bool csv;
	size_t shown, ok, failed, cancelled;
};

/* The files column without the MD5s, for the table ("boot_v1.6.bin user1.bin"). */
static void file_names(const char *files, char *out, size_t cap)
{
	size_t o = 0;
	bool skipping = false;
	for (const char *p = files; *p && o + 1 < cap; p++) {
		if (*p == '=')
			skipping = true;
		else if (*p == ';') {
			skipping = false;
			out[o++] = ' ';
		} else if (!skipping)
			out[o++] = *p;
	}
	out[o] = '\0';
}

static void print_csv_field(const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n") || (*s && (s[0] == ' ' || s[strlen(s) - 1] == ' '))) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
	fputs(last ? "\r\n" : ",", stdout);
}

static int list_entry(void *user, const struct journal_entry *e)
{
	struct journal_listing *l = user;
	if (!journal_entry_matches(e, &l->filter))
		return 0;
	l->shown++;
	l->ok += !strcmp(e->result, "ok");
	l->failed += !strcmp(e->result, "failed");
	l->cancelled += !strcmp(e->result, "cancelled");
	if (l->csv) {
		const char *cols[JOURNAL_COLUMNS] = {e->time,	    e->port,   e->chip,	 e->mac,
						     e->flash_id,   e->preset, e->files, e->result,
						     e->duration_s, e->error};
		for (size_t i = 0; i < JOURNAL_COLUMNS; i++)
			print_csv_field(cols[i], i + 1 == JOURNAL_COLUMNS);
		return 0;
	}
	char names[1024], error[sizeof e->error];
	file_names(e->files, names, sizeof names);
	snprintf(error, sizeof error, "%s", e->error);
	for (char *p = error; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	printf("%-20s  %-14s  %-17s  %-9s  %6s s  %-10s  %s%s%s\n", e->time, e->port, e->mac,
	       e->result, e->duration_s, e->preset, names, *error ? "  error: " : "", error);
	return 0;
}

int cmd_journal(const struct config *cfg, int argc, char **argv)
{
	const char *path = NULL, *mac = NULL, *result = NULL, *since = NULL, *until = NULL,
		   *file = NULL, *pos[1];
	bool csv = false;
	const struct opt opts[] = {
	    {"journal", &path, NULL}, {"mac", &mac, NULL},     {"result", &result, NULL},
	    {"since", &since, NULL},  {"until", &until, NULL}, {"file", &file, NULL},
	    {"csv", NULL, &csv},
	};
	size_t npos;
	int rc = parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &npos,
			    JOURNAL_USAGE);
	if (rc != CLI_EXIT_OK)
		return rc;
	struct ed_error err;
	char default_path[4096];
	if (!path)
		path = cfg->journal_path; /* the global --journal FILE */
	if (!path) {
		if (journal_default_path(default_path, sizeof default_path, &err) < 0)
			return report("journal", &err);
		path = default_path;
	}
	struct journal_listing l = {.csv = csv};
	l.filter = (struct journal_filter){.mac = mac, .result = result, .file = file};
	if ((since && journal_parse_date(since, false, &l.filter.since, &err) < 0) ||
	    (until && journal_parse_date(until, true, &l.filter.until, &err) < 0) ||
	    journal_filter_check(&l.filter, &err) < 0)
		return report("journal", &err);

	if (csv)
		printf("%s\r\n", JOURNAL_HEADER);
	struct journal_stats st;
	rc = journal_read(path, list_entry, &l, &st, &err);
	if (rc == ED_ERR_NOTFOUND) {
		fprintf(stderr,
			"espdeck journal: no journal yet at %s (no board has been flashed "
			"with it)\n",
			path);
		return CLI_EXIT_OK;
	}
	if (rc < 0)
		return report("journal", &err);
	if (st.damaged)
		fprintf(stderr,
			"espdeck journal: %zu damaged line%s skipped in %s (first at line "
			"%zu)\n",
			st.damaged, st.damaged == 1 ? "" : "s", path, st.first_damaged_line);
	if (st.torn_tail)
		fprintf(stderr,
			"espdeck journal: the last line of %s is incomplete (a write was "
			"interrupted); it is ignored\n",
			path);
	if (!csv)
		printf("%zu of %zu entries (%zu ok, %zu failed, %zu cancelled) in %s\n", l.shown,
		       st.entries, l.ok, l.failed, l.cancelled, path);
	return CLI_EXIT_OK;
}

/* ---- publish ------------------------------------------------------------------------------ */

#define PUBLISH_USAGE	  "espdeck publish FILE... --to DIR|[user@]host:path [--scp PROGRAM]"
#define PUBLISH_MAX_FILES 64

static int check_all(const char **files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < i; k++)
			if (!strcmp(ed_basename(files[i]), ed_basename(files[k]))) {
				fprintf(stderr,
					"espdeck publish: %s and %s have the same name; "
					"nothing was published\n",
					files[k], files[i]);
				return CLI_EXIT_USAGE;
			}
		struct img_info info;
		struct ed_error err;
		if (publish_check_file(files[i], &info, &err) < 0) {
			fprintf(stderr, "espdeck publish: %s; nothing was published\n", err.msg);
			return CLI_EXIT_FAIL;
		}
		char size[32];
		ed_format_size(size, sizeof size, info.buf_len);
		if (info.app_slot)
			printf("checked %s: %s, user%d, %s\n", files[i], img_kind_name(info.kind),
			       info.app_slot, size);
		else
			printf("checked %s: %s, %s\n", files[i], img_kind_name(info.kind), size);
	}
	return CLI_EXIT_OK;
}

int cmd_publish(const struct config *cfg, int argc, char **argv)
{
	const char *to = NULL, *scp = NULL, *files[PUBLISH_MAX_FILES];
	const struct opt opts[] = {{"to", &to, NULL}, {"scp", &scp, NULL}};
	size_t n;
	int rc = parse_opts(argc, argv, opts, 2, files, PUBLISH_MAX_FILES, &n, PUBLISH_USAGE);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (!n || !to) {
		fprintf(stderr, "espdeck publish: %s\nusage: %s\n",
			n ? "no destination: give --to DIR or --to [user@]host:path"
			  : "no files to publish",
			PUBLISH_USAGE);
		return CLI_EXIT_USAGE;
	}
	struct publish_target target;
	struct ed_error err;
	if (publish_target_parse(to, &target, &err) < 0)
		return report("publish", &err);
	if (!scp)
		scp = getenv("ESPDECK_SCP");
	if (!scp || !*scp)
		scp = "scp";
	rc = check_all(files, n);
	if (rc != CLI_EXIT_OK)
		return rc;
	size_t failed = 0, published = 0;
	for (size_t i = 0; i < n; i++) {
		if (target.kind == PUBLISH_LOCAL)
			rc = publish_copy_local(files[i], to, &err);
		else
			rc = publish_copy_scp(scp, files[i], to, &err);
		if (rc < 0) {
			failed++;
			fprintf(stderr, "espdeck publish: %s\n", err.msg);
			if (rc == ED_ERR_NOTFOUND)
				break; /* no folder, or no scp: the other files would fail alike */
			continue;
		}
		published++;
		if (target.kind == PUBLISH_LOCAL)
			printf("published %s -> %s/%s\n", files[i], to, ed_basename(files[i]));
		else
			printf("published %s -> %s (via %s)\n", files[i], to, scp);
	}
	if (failed)
		fprintf(stderr, "espdeck publish: %zu of %zu files published\n", published, n);
	return failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* ---- monitor ------------------------------------------------------------------------------ */

#define MONITOR_USAGE                                                                              \
	"espdeck --port PORT monitor [--reset] [--baud B] [--boot-baud 74880] [--time S] "         \
	"[--expect RULES]"

struct monitor {
	bool verbose;
	bool reset;
	sigset_t stop_signals;
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

/* Ctrl-C and SIGTERM are blocked during the capture and polled here: no handler, no
 * global flag, and the verdict is still printed. */
static bool stop_requested(void *user, const struct bootlog_facts *facts)
{
	const struct monitor *m = user;
	sigset_t pending;
	if (sigpending(&pending))
		return false;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&m->stop_signals, sig) == 1 && sigismember(&pending, sig) == 1)
			return true;
	return false;
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
		return report("monitor", &err);
	}
	if (m->reset && bootlog_hard_reset(l, &err) < 0)
		fprintf(stderr, "espdeck monitor: %s\n", err.msg); /* listen anyway */
	sigset_t old;
	sigprocmask(SIG_BLOCK, &m->stop_signals, &old);
	int rc = bootlog_listen(l, log, lo, &err);
	bool interrupted = stop_requested(m, NULL);
	if (interrupted) {
		/* Consume the pending signal so unblocking does not kill us before the verdict. */
		int sig;
		sigwait(&m->stop_signals, &sig);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
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
	const struct opt opts[] = {
	    {"reset", NULL, &reset}, {"baud", &baud, NULL},	{"boot-baud", &boot_baud, NULL},
	    {"time", &time_s, NULL}, {"expect", &expect, NULL}, {"verbose", NULL, &verbose},
	};
	size_t npos;
	int rc = parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &npos,
			    MONITOR_USAGE);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (cfg->port_count != 1 || app_is_multi(cfg)) {
		fprintf(stderr, "espdeck monitor: %s\nusage: %s\n",
			cfg->port_count
			    ? "monitor watches one port; give --port once"
			    : "no port given: use --port /dev/ttyUSB0 or socket://HOST:PORT",
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
		return report("monitor", &err);
	struct monitor m = {.verbose = verbose || cfg->verbose > 0, .reset = reset};
	sigemptyset(&m.stop_signals);
	sigaddset(&m.stop_signals, SIGINT);
	sigaddset(&m.stop_signals, SIGTERM);
	lo.stop = stop_requested;
	lo.user = &m;
	return run_monitor(cfg, &lo, &rules, &m);
}

/* ---- several boards at once (--port given twice, or --port all) ---------------------- */

#define MULTI_MAX 64

struct board {
	char port[256];
	struct job *job;
	bool done;
	int result;
	enum job_stage stage;
	char error[768];
	int last_decile;
	struct job_progress prog;
};

/* The ports of --port, "all" standing for every port on a known ESP USB bridge. */
static int expand_ports(const struct config *cfg, struct board *b, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < cfg->port_count; i++) {
		if (strcmp(cfg->ports[i], "all")) {
			if (*n == MULTI_MAX)
				break;
			snprintf(b[(*n)++].port, sizeof b->port, "%s", cfg->ports[i]);
			continue;
		}
		struct port_info *ports = NULL;
		size_t found = 0;
		struct ed_error err;
		if (ports_list(&ports, &found, &err) < 0)
			return report("--port all", &err);
		found = ports_keep_esp_bridges(ports, found);
		for (size_t k = 0; k < found && *n < MULTI_MAX; k++)
			snprintf(b[(*n)++].port, sizeof b->port, "%.255s", ports[k].path);
		ports_list_free(ports);
		if (found == 0) {
			fprintf(stderr, "espdeck: --port all: %s; see 'espdeck ports'\n",
				PORTS_NO_ESP_BRIDGE);
			return CLI_EXIT_CONNECT;
		}
	}
	/* Two workers on one port would garble each other's packets. */
	for (size_t i = 0; i < *n; i++)
		for (size_t k = i + 1; k < *n; k++)
			if (!strcmp(b[i].port, b[k].port)) {
				fprintf(stderr, "espdeck: port %s is given twice (--port all already "
					"includes every ESP bridge)\n", b[i].port);
				return CLI_EXIT_USAGE;
			}
	return CLI_EXIT_OK;
}

static void multi_event(const struct config *cfg, struct board *b, const struct job_event *ev,
			bool tty)
{
	switch (ev->kind) {
	case JOB_EVENT_STAGE:
		b->stage = ev->stage;
		b->last_decile = -1;
		/* fall through */
	case JOB_EVENT_INFO:
		if (!tty && !cfg->quiet)
			printf("[%s] %s\n", b->port, ev->text);
		break;
	case JOB_EVENT_BOOTLOG:
		if (!tty && !cfg->quiet)
			printf("[%s] boot: %s%s%s\n", b->port, ev->text, ev->explain[0] ? "    # " : "",
			       ev->explain);
		break;
	case JOB_EVENT_LOG:
		if (ev->level <= ED_LOG_WARN)
			fprintf(stderr, "[%s] %s: %s\n", b->port,
				ev->level == ED_LOG_ERROR ? "error" : "warning", ev->text);
		else if (ev->level == ED_LOG_INFO && !tty && !cfg->quiet)
			printf("[%s] %s\n", b->port, ev->text);
		break;
	case JOB_EVENT_RESULT:
		b->done = true;
		b->result = ev->result;
		snprintf(b->error, sizeof b->error, "%s", ev->result == ED_OK ? "" : ev->text);
		if (!tty)
			printf("[%s] %s%s\n", b->port,
			       ev->result == ED_OK		 ? "passed"
			       : ev->result == ED_ERR_CANCELLED ? "CANCELLED: "
								: "FAILED: ",
			       ev->result == ED_OK ? "" : ev->text);
		break;
	}
}

/* Plain output: a line per board at every tenth of a step. */
static void multi_progress_line(struct board *b)
{
	const struct job_progress *p = &b->prog;
	if (p->total == 0 || p->done >= p->total)
		return;
	int decile = (int)(p->done * 10 / p->total);
	if (decile == b->last_decile)
		return;
	b->last_decile = decile;
	printf("[%s] %s %d %%\n", b->port, job_stage_name(p->stage), decile * 10);
}

/* Terminal output: one row per board, redrawn in place. */
static void multi_rows(const struct board *b, size_t n, bool redraw)
{
	if (redraw)
		printf("\033[%zuA", n);
	for (size_t i = 0; i < n; i++) {
		const struct job_progress *p = &b[i].prog;
		char bar[21];
		unsigned fill = p->total ? (unsigned)(p->done * 20 / p->total) : 0;
		for (unsigned k = 0; k < 20; k++)
			bar[k] = k < fill ? '#' : '.';
		bar[20] = '\0';
		char rate[24];
		ed_format_size(rate, sizeof rate, (uint64_t)p->rate_bps);
		if (b[i].done)
			printf("\r\033[K%-24.24s %s %.50s\n", b[i].port,
			       b[i].result == ED_OK		   ? "passed"
			       : b[i].result == ED_ERR_CANCELLED ? "CANCELLED"
								   : "FAILED",
			       b[i].error);
		else
			printf("\r\033[K%-24.24s %-7s [%s] %3u%% %s/s ETA %.0fs\n", b[i].port,
			       job_stage_name(b[i].stage), bar,
			       p->total ? (unsigned)(p->done * 100 / p->total) : 0, rate,
			       p->eta_s < 0 ? 0.0 : p->eta_s);
	}
	fflush(stdout);
}

static int multi_summary(const struct board *b, size_t n)
{
	size_t passed = 0, failed = 0, cancelled = 0;
	for (size_t i = 0; i < n; i++) {
		passed += b[i].result == ED_OK;
		cancelled += b[i].result == ED_ERR_CANCELLED;
		failed += b[i].result != ED_OK && b[i].result != ED_ERR_CANCELLED;
	}
	printf("Summary: %zu passed, %zu failed, %zu cancelled (of %zu boards)\n", passed, failed,
	       cancelled, n);
	for (size_t i = 0; i < n; i++)
		if (b[i].result != ED_OK)
			printf("  %s: %s: %s\n", b[i].port,
			       b[i].result == ED_ERR_CANCELLED ? "cancelled" : "failed", b[i].error);
	return failed ? CLI_EXIT_FAIL : cancelled ? CLI_EXIT_CANCELLED : CLI_EXIT_OK;
}

/* Starts one job per board; a board whose job cannot start is failed at once. */
static void multi_start(const struct config *cfg, const struct job_spec *spec, struct board *b,
			size_t n)
{
	char jpath[4096];
	struct job_spec one = *spec;
	one.journal_path = app_journal_for(cfg, spec, jpath, sizeof jpath);
	for (size_t i = 0; i < n; i++) {
		struct ed_error err;
		b[i].last_decile = -1;
		one.port = b[i].port;
		one.trace_path = NULL; /* one trace file cannot hold several boards */
		if (job_start(&one, &b[i].job, &err) < 0) {
			b[i].done = true;
			b[i].result = ED_ERR_IO;
			snprintf(b[i].error, sizeof b[i].error, "%s", err.msg);
		}
	}
}

int cli_run_multi(const struct config *cfg, const struct job_spec *spec)
{
	struct board *b = calloc(MULTI_MAX, sizeof *b);
	if (!b)
		return CLI_EXIT_FAIL;
	size_t n = 0;
	int rc = expand_ports(cfg, b, &n);
	if (rc != CLI_EXIT_OK) {
		free(b);
		return rc;
	}
	bool tty = isatty(STDOUT_FILENO) && !cfg->quiet;
	if (!cfg->quiet)
		printf("Running on %zu boards at once\n", n);
	/* Ctrl-C cancels every board; the signals are taken with sigpending, as monitor does. */
	sigset_t stop, old;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &old);
	multi_start(cfg, spec, b, n);
	if (tty)
		multi_rows(b, n, false);
	bool cancelled = false;
	for (size_t left = n; left > 0;) {
		struct pollfd pfd[MULTI_MAX];
		nfds_t np = 0;
		for (size_t i = 0; i < n; i++)
			if (b[i].job && !b[i].done)
				pfd[np++] = (struct pollfd){job_wake_fd(b[i].job), POLLIN, 0};
		poll(pfd, np, 200);
		sigset_t pending;
		if (!cancelled && sigpending(&pending) == 0 &&
		    (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1)) {
			int sig;
			sigwait(&stop, &sig);
			cancelled = true;
			fprintf(stderr, "espdeck: interrupted, stopping every board after its current "
				"packet...\n");
			for (size_t i = 0; i < n; i++)
				if (b[i].job)
					job_cancel(b[i].job);
		}
		left = 0;
		for (size_t i = 0; i < n; i++) {
			if (!b[i].job || b[i].done)
				continue;
			job_drain_wake(b[i].job);
			struct job_event ev;
			while (!b[i].done && job_next_event(b[i].job, &ev))
				multi_event(cfg, &b[i], &ev, tty);
			job_get_progress(b[i].job, &b[i].prog);
			if (!tty && !cfg->quiet && !b[i].done)
				multi_progress_line(&b[i]);
			left += !b[i].done;
		}
		if (tty)
			multi_rows(b, n, true);
		fflush(stdout);
	}
	for (size_t i = 0; i < n; i++)
		job_destroy(b[i].job);
	sigprocmask(SIG_SETMASK, &old, NULL);
	rc = multi_summary(b, n);
	free(b);
	return rc;
}
