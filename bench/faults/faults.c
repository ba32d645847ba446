/* SPDX-License-Identifier: MIT
 * bench/faults: the seeded fault campaign (issue 11 item 5). Not a timed test: it prints
 * a table per mode and operation, the seed of every bad run and how to re-run it.
 *
 *   faults [--mode inproc|tcp|both] [--runs N] [--tcp-runs N] [--seed S] [--kinds K]
 *          [--only-seed S] [--watchdog SECONDS] [--espdeck PATH --sim PATH]
 *          [--engine rom|stub] [--check-chip on|off] [--timing real|fast] [--names] [-v]
 *
 * Run i uses seed S + i; everything about the run follows from its seed (faults.h).
 * Exit status: 0 when no run was silent, hung or crashed (with --names: nor failed with
 * damage outside the files that its message does not name), 1 otherwise, 2 on bad usage. */
#include "faults.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const verdict_names[V_COUNT] = {"ok",     "fail", "fail+outside", "unnamed",
						   "SILENT", "HANG", "CRASH"};

struct options {
	struct campaign c;
	int mode; /* -1 = both */
	unsigned runs, tcp_runs;
	uint64_t seed;
	bool only;
	bool names; /* --names: a failure that changed flash outside without naming it is bad */
};

int make_workdir(char *buf, size_t cap)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(buf, cap, "%s/espdeck-faults-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(buf) ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void remove_workdir(const char *dir)
{
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

bool write_whole(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(data, 1, len, f) == len;
	if (f && fclose(f) != 0)
		ok = false;
	return ok;
}

bool read_whole(const char *path, uint8_t *data, size_t len, size_t *got)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	*got = fread(data, 1, len, f);
	fclose(f);
	return true;
}

static int usage(const char *msg)
{
	fprintf(stderr,
		"faults: %s\nusage: faults [--mode inproc|tcp|both] [--runs N] "
		"[--tcp-runs N] [--seed S] [--kinds K] [--only-seed S] [--watchdog S] "
		"[--espdeck PATH --sim PATH] [--engine rom|stub] [--check-chip on|off] "
		"[--timing real|fast] [--names] [-v]\n",
		msg);
	return 2;
}

static bool num(const char *s, uint64_t *v)
{
	char *end;
	*v = strtoull(s ? s : "", &end, 0);
	return s && *s && !*end;
}

static int parse(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n;
		if (!strcmp(a, "-v")) {
			o->c.verbose = true;
			continue;
		}
		if (!strcmp(a, "--names")) {
			o->names = true;
			continue;
		}
		if (!v)
			return usage("an option needs a value");
		i++;
		if (!strcmp(a, "--mode"))
			o->mode = !strcmp(v, "inproc") ? MODE_INPROC
				  : !strcmp(v, "tcp")  ? MODE_TCP
				  : !strcmp(v, "both") ? -1
						       : -2;
		else if (!strcmp(a, "--runs") && num(v, &n))
			o->runs = (unsigned)n;
		else if (!strcmp(a, "--tcp-runs") && num(v, &n))
			o->tcp_runs = (unsigned)n;
		else if (!strcmp(a, "--seed") && num(v, &n))
			o->seed = n;
		else if (!strcmp(a, "--only-seed") && num(v, &n)) {
			o->seed = n;
			o->only = true;
		} else if (!strcmp(a, "--watchdog") && num(v, &n))
			o->c.watchdog_s = (unsigned)n;
		else if (!strcmp(a, "--kinds"))
			o->c.kinds = v;
		else if (!strcmp(a, "--espdeck"))
			o->c.espdeck = v;
		else if (!strcmp(a, "--check-chip") && (!strcmp(v, "on") || !strcmp(v, "off")))
			o->c.check_chip = !strcmp(v, "on");
		else if (!strcmp(a, "--engine") && (!strcmp(v, "rom") || !strcmp(v, "stub")))
			o->c.stub = !strcmp(v, "stub");
		else if (!strcmp(a, "--timing") && (!strcmp(v, "real") || !strcmp(v, "fast")))
			o->c.timing = !strcmp(v, "real");
		else if (!strcmp(a, "--sim"))
			o->c.sim = v;
		else
			return usage("unknown option or bad value");
		if (o->mode == -2)
			return usage("--mode is inproc, tcp or both");
	}
	if (o->only) {
		o->runs = 1;
		o->tcp_runs = 1;
	}
	return 0;
}

struct tally {
	unsigned n[MODE_COUNT][OP_COUNT][V_COUNT];
	unsigned bad;
};

static bool is_bad(enum verdict v)
{
	return v == V_SILENT || v == V_HANG || v == V_CRASH;
}

static void one(const struct options *o, enum mode m, uint64_t seed, struct tally *t)
{
	struct run_plan p;
	struct run_result r;
	plan_draw(seed, o->c.kinds, m == MODE_TCP ? 0.1 : 1.0, &p);
	if (m == MODE_INPROC)
		run_inproc(&o->c, &p, &r);
	else
		run_tcp(&o->c, &p, &r);
	t->n[m][p.op][r.verdict]++;
	char text[300];
	if (is_bad(r.verdict) || (o->names && r.verdict == V_FAIL_UNNAMED)) {
		t->bad++;
		printf("BAD %s seed %llu: %s: %s\n    re-run: faults --mode %s --only-seed "
		       "%llu%s%s%s%s%s -v\n",
		       verdict_names[r.verdict], (unsigned long long)seed,
		       plan_text(&p, text, sizeof text), r.detail,
		       m == MODE_INPROC ? "inproc" : "tcp", (unsigned long long)seed,
		       o->c.kinds ? " --kinds " : "", o->c.kinds ? o->c.kinds : "",
		       o->c.stub ? " --engine stub" : "", o->c.check_chip ? " --check-chip on" : "",
		       o->c.timing == 0	  ? " --timing fast"
		       : o->c.timing == 1 ? " --timing real"
					  : "");
	} else if (o->c.verbose || r.verdict == V_FAIL_OUTSIDE || r.verdict == V_FAIL_UNNAMED) {
		printf("%s %s seed %llu: %s: exit %d: %s\n", m == MODE_INPROC ? "inproc" : "tcp",
		       verdict_names[r.verdict], (unsigned long long)seed,
		       plan_text(&p, text, sizeof text), r.exit_code, r.detail);
	}
	fflush(stdout);
}

static void table(const struct tally *t, enum mode m, unsigned runs, double seconds)
{
	printf("\n%s mode: %u runs in %.1f s\n", m == MODE_INPROC ? "in-process" : "TCP", runs,
	       seconds);
	printf("%-8s %6s", "op", "runs");
	for (int v = 0; v < V_COUNT; v++)
		printf(" %12s", verdict_names[v]);
	printf("\n");
	unsigned col[V_COUNT] = {0}, all = 0;
	for (int op = 0; op < OP_COUNT; op++) {
		unsigned sum = 0;
		for (int v = 0; v < V_COUNT; v++)
			sum += t->n[m][op][v];
		printf("%-8s %6u", op_name((enum op)op), sum);
		for (int v = 0; v < V_COUNT; v++) {
			printf(" %12u", t->n[m][op][v]);
			col[v] += t->n[m][op][v];
		}
		all += sum;
		printf("\n");
	}
	printf("%-8s %6u", "total", all);
	for (int v = 0; v < V_COUNT; v++)
		printf(" %12u", col[v]);
	printf("\n");
}

static double seconds_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct options o = {.c = {.watchdog_s = 120, .timing = -1},
			    .mode = -1,
			    .runs = 200,
			    .tcp_runs = 20,
			    .seed = 1};
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc;
	if (o.mode != MODE_INPROC && (!o.c.espdeck || !o.c.sim)) {
		if (o.mode == MODE_TCP)
			return usage("TCP mode needs --espdeck and --sim");
		o.mode = MODE_INPROC;
		printf("(no --espdeck/--sim: in-process mode only)\n");
	}
	/* espdeck journals board writes by default: keep the campaign's out of the user's. */
	char state[256];
	if (make_workdir(state, sizeof state) == 0)
		setenv("XDG_STATE_HOME", state, 1);
	struct tally *t = calloc(1, sizeof *t);
	if (!t)
		return 2;
	unsigned most = o.mode == MODE_INPROC ? o.runs
			: o.mode == MODE_TCP  ? o.tcp_runs
			: o.runs > o.tcp_runs ? o.runs
					      : o.tcp_runs;
	printf("fault campaign (%s): seeds %llu..%llu%s%s\n",
	       o.c.stub ? "engine on the flasher stub" : "ROM mode", (unsigned long long)o.seed,
	       (unsigned long long)(o.seed + most - 1), o.c.kinds ? ", kinds " : "",
	       o.c.kinds ? o.c.kinds : " (kinds drawn per run)");
	for (int m = 0; m < MODE_COUNT; m++) {
		if (o.mode >= 0 && o.mode != m)
			continue;
		unsigned runs = m == MODE_INPROC ? o.runs : o.tcp_runs;
		double t0 = seconds_now();
		for (unsigned i = 0; i < runs; i++)
			one(&o, (enum mode)m, o.seed + i, t);
		table(t, (enum mode)m, runs, seconds_now() - t0);
	}
	printf("\n%u bad run(s) (silent corruption, hang or crash)\n", t->bad);
	unsigned bad = t->bad;
	free(t);
	remove_workdir(state);
	return bad ? 1 : 0;
}
