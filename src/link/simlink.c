/* SPDX-License-Identifier: MIT
 * In-process virtual board link ("sim://?key=value&flag"): the peer is a struct sim_board.
 * With clock=virtual the link's own clock drives the board, so reads that time out, slow
 * erases and faults cost no real time; with clock=real (default, the demo) the board's
 * timing model runs against the monotonic clock.
 *
 * A virtual board stands for a board on the bench, and a real board keeps its flash when
 * its port is closed: the flash of every sim:// board this process opened is kept by its
 * options, so the next job on the same port finds what the previous one wrote (write,
 * then verify or read). That is the default on the real clock (the bench, the demo); a
 * board on the virtual clock (tests) starts erased at every open unless keep=1, so tests
 * that open the same options do not depend on each other's order. With flash=state it
 * is also kept between runs, in $XDG_STATE_HOME/espdeck/sim-flash.bin, replaced
 * atomically when a job closes the port (a kill leaves the previous image whole).
 * flash=FILE is espdeck-sim's mmap'd file, its own keeping. */
#include "link/link.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/outfile.h"
#include "core/util.h"
#include "sim/sim.h"

/* One board's flash as its last job left it. One list for the process (jobs open boards
 * on their own threads, hence the lock); freed never: it lives as long as the bench. */
struct kept_flash {
	struct kept_flash *next;
	char key[256]; /* the sim:// options */
	uint8_t *data;
	size_t size;
};
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kept_flash *kept_list;

static struct kept_flash *kept_find(const char *key)
{
	for (struct kept_flash *k = kept_list; k; k = k->next)
		if (!strcmp(k->key, key))
			return k;
	return NULL;
}

struct simlink {
	struct link link;
	struct sim_board *board;
	bool keep;	      /* flash kept under link.name's options at close */
	char state_path[512]; /* flash=state: the file, else "" */
	bool virtual_clock;
	uint64_t vnow_ns; /* virtual clock */
	uint64_t base_us; /* real clock: link time 0 */
};

static struct simlink *sl(struct link *l)
{
	return l->priv;
}

static uint64_t now_ns(struct simlink *s)
{
	if (s->virtual_clock)
		return s->vnow_ns;
	return (ed_monotonic_us() - s->base_us) * 1000ull;
}

static void wait_until(struct simlink *s, uint64_t t_ns)
{
	if (s->virtual_clock) {
		if (t_ns > s->vnow_ns)
			s->vnow_ns = t_ns;
		return;
	}
	uint64_t now = now_ns(s);
	if (t_ns <= now)
		return;
	uint64_t d = t_ns - now;
	struct timespec ts = {(time_t)(d / 1000000000ull), (long)(d % 1000000000ull)};
	nanosleep(&ts, NULL);
}

static int sim_read(struct link *l, uint8_t *buf, size_t cap, uint64_t timeout_us,
		    struct ed_error *err)
{
	struct simlink *s = sl(l);
	uint64_t deadline = now_ns(s) + timeout_us * 1000ull;
	for (;;) {
		uint64_t now = now_ns(s);
		size_t n = sim_board_output(s->board, buf, cap, now);
		if (n)
			return (int)n;
		uint64_t next = sim_board_next_output_ns(s->board);
		if (next == UINT64_MAX && sim_board_gone(s->board))
			return ed_fail(err, ED_ERR_DISCONNECTED,
				       "%s: the virtual board went away (fault disconnect-after)",
				       l->name);
		if (now >= deadline)
			return 0;
		if (next > deadline) {
			wait_until(s, deadline);
			continue;
		}
		/* Take a whole back-to-back reply at once on the virtual clock. */
		uint64_t end =
		    s->virtual_clock ? sim_board_burst_end_ns(s->board, cap, deadline) : next;
		wait_until(s, end != UINT64_MAX ? end : next);
	}
}

static int sim_write(struct link *l, const uint8_t *buf, size_t len, struct ed_error *err)
{
	struct simlink *s = sl(l);
	int64_t end = sim_board_input(s->board, buf, len, now_ns(s), err);
	if (end < 0) {
		ed_error_prefix(err, "%s", l->name);
		return (int)end;
	}
	/* A blocking write returns when the bytes are on the wire (virtual clock only; a real
	 * UART driver buffers them and returns at once). */
	if (s->virtual_clock)
		wait_until(s, (uint64_t)end);
	return (int)len;
}

static int sim_set_baud(struct link *l, uint32_t baud, struct ed_error *err)
{
	if (!baud)
		return ed_fail(err, ED_ERR_ARG, "%s: baud rate 0 is not a line speed", l->name);
	sim_board_set_baud(sl(l)->board, baud, now_ns(sl(l)));
	l->baud = baud;
	return 0;
}

static int sim_set_lines(struct link *l, int dtr, int rts, struct ed_error *err)
{
	sim_board_set_lines(sl(l)->board, dtr, rts, now_ns(sl(l)));
	return 0;
}

static int sim_flush_input(struct link *l, struct ed_error *err)
{
	struct simlink *s = sl(l);
	uint8_t junk[256];
	while (sim_board_output(s->board, junk, sizeof junk, now_ns(s)) > 0) {
	}
	return 0;
}

static uint64_t sim_now_us(struct link *l)
{
	return now_ns(sl(l)) / 1000ull;
}

static void sim_sleep_us(struct link *l, uint64_t us)
{
	struct simlink *s = sl(l);
	wait_until(s, now_ns(s) + us * 1000ull);
}

/* Saves the board's flash for the next job on the same options (and, with flash=state,
 * in the state file). The link's close cannot fail, so a state file that cannot be
 * written keeps the flash for this session only. */
static void keep_flash(struct simlink *s)
{
	size_t size = 0;
	const uint8_t *flash = sim_board_flash(s->board, &size);
	pthread_mutex_lock(&kept_lock);
	struct kept_flash *k = kept_find(s->link.name);
	bool changed = !k || k->size != size || memcmp(k->data, flash, size);
	if (!k && (k = calloc(1, sizeof *k)) != NULL) {
		snprintf(k->key, sizeof k->key, "%s", s->link.name);
		k->next = kept_list;
		kept_list = k;
	}
	if (k && changed) {
		uint8_t *copy = k->size == size ? k->data : realloc(k->data, size);
		if (copy) {
			memcpy(copy, flash, size);
			k->data = copy;
			k->size = size;
		}
	}
	pthread_mutex_unlock(&kept_lock);
	if (s->state_path[0] && changed) {
		struct ed_error err = {0};
		(void)ed_output_write(s->state_path, flash, size, &err);
	}
}

static void sim_close(struct link *l)
{
	struct simlink *s = sl(l);
	if (s->keep)
		keep_flash(s);
	sim_board_destroy(s->board);
	free(s);
}

static const struct link_ops simlink_ops = {
    .read = sim_read,
    .write = sim_write,
    .set_baud = sim_set_baud,
    .set_lines = sim_set_lines,
    .flush_input = sim_flush_input,
    .now_us = sim_now_us,
    .sleep_us = sim_sleep_us,
    .close = sim_close,
};

struct sim_board *link_sim_board(struct link *l)
{
	return l && l->ops == &simlink_ops ? sl(l)->board : NULL;
}

/* $XDG_STATE_HOME/espdeck/sim-flash.bin (XDG base directories: ~/.local/state when the
 * variable is unset or not an absolute path). */
static int state_file(char *out, size_t cap, struct ed_error *err)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int n;
	if (xdg && xdg[0] == '/')
		n = snprintf(out, cap, "%s/espdeck/sim-flash.bin", xdg);
	else if (home && home[0])
		n = snprintf(out, cap, "%s/.local/state/espdeck/sim-flash.bin", home);
	else
		return ed_fail(err, ED_ERR_ARG,
			       "flash=state: neither XDG_STATE_HOME nor HOME is set; give a file "
			       "with flash=FILE");
	if (n < 0 || (size_t)n >= cap)
		return ed_fail(err, ED_ERR_ARG, "flash=state: the state folder's path is too long");
	return 0;
}

/* mkdir -p of the folder that holds path. */
static int make_parent(const char *path, struct ed_error *err)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return ed_fail(err, ED_ERR_IO,
				       "flash=state: cannot create the folder %s: %s", dir,
				       strerror(errno));
		if (!c)
			return 0;
		*p = c;
	}
}

/* The flash a sim:// board starts with: the last job's on the same options, else (with
 * flash=state) the state file, else erased. *own is what the caller frees. */
static int initial_flash(struct simlink *s, struct sim_config *cfg, uint8_t **own,
			 struct ed_error *err)
{
	*own = NULL;
	struct kept_flash *k = kept_find(s->link.name);
	if (k && (!cfg->flash_size || cfg->flash_size == k->size)) {
		cfg->flash_init = k->data;
		cfg->flash_init_size = k->size;
		return 0;
	}
	if (!cfg->flash_state)
		return 0;
	int rc = state_file(s->state_path, sizeof s->state_path, err);
	if (rc < 0)
		return rc;
	if ((rc = make_parent(s->state_path, err)) < 0)
		return rc;
	size_t size = 0;
	rc = ed_read_file(s->state_path, own, &size, 16u << 20, err);
	if (rc == ED_ERR_NOTFOUND) {
		ed_error_clear(err);
		return 0; /* first run: an erased board */
	}
	if (rc < 0)
		return rc;
	uint32_t want = cfg->flash_size ? cfg->flash_size : (uint32_t)size;
	if (size != want || want < 0x40000 || (want & (want - 1))) {
		free(*own);
		*own = NULL;
		return ed_fail(
		    err, ED_ERR_FORMAT,
		    "flash=state: %s holds %zu bytes, not a flash of %u bytes; delete it "
		    "for an erased board, or give flash-size= to match",
		    s->state_path, size, want);
	}
	cfg->flash_init = *own;
	cfg->flash_init_size = size;
	return 0;
}

int link_sim_open(const char *options, const struct link_options *opts, struct link **out,
		  struct ed_error *err)
{
	*out = NULL;
	struct sim_config cfg = SIM_CONFIG_DEFAULT;
	cfg.baud = opts && opts->baud ? opts->baud : 115200;
	int rc = sim_config_parse_query(&cfg, options, err);
	if (rc < 0) {
		ed_error_prefix(err, "sim://");
		return rc;
	}
	struct simlink *s = calloc(1, sizeof *s);
	if (!s)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory for sim://");
	snprintf(s->link.name, sizeof s->link.name, "sim://%s", options ? options : "");
	/* An mmap'd flash=FILE is its own keeping; flash=state keeps by its nature. */
	s->keep = !cfg.flash_path[0] && (cfg.flash_state || cfg.keep == 1 ||
					 (cfg.keep < 0 && cfg.clock == SIM_CLOCK_REAL));
	uint8_t *own = NULL;
	pthread_mutex_lock(&kept_lock);
	rc = s->keep ? initial_flash(s, &cfg, &own, err) : 0;
	if (rc == 0)
		rc = sim_board_create(&cfg, &s->board, err);
	pthread_mutex_unlock(&kept_lock);
	free(own);
	if (rc < 0) {
		free(s);
		ed_error_prefix(err, "sim://");
		return rc;
	}
	s->virtual_clock = cfg.clock == SIM_CLOCK_VIRTUAL;
	s->base_us = ed_monotonic_us();
	s->link.ops = &simlink_ops;
	s->link.priv = s;
	s->link.baud = cfg.baud;
	s->link.has_lines = true;
	*out = &s->link;
	return 0;
}

int link_sim_flash_note(const char *spec, char *out, size_t cap)
{
	out[0] = '\0';
	if (!spec || strncmp(spec, "sim://", 6))
		return -1;
	struct sim_config cfg = SIM_CONFIG_DEFAULT;
	struct ed_error err = {0};
	if (sim_config_parse_query(&cfg, spec + 6, &err) < 0)
		return -1;
	char path[512];
	if (cfg.flash_path[0]) {
		snprintf(out, cap, "flash in %s", cfg.flash_path);
		return 0;
	}
	bool keep = cfg.keep == 1 || (cfg.keep < 0 && cfg.clock == SIM_CLOCK_REAL);
	if (!cfg.flash_state || state_file(path, sizeof path, &err) < 0) {
		snprintf(out, cap,
			 keep ? "flash kept while espdeck runs" : "flash erased every job");
		return 0;
	}
	const char *home = getenv("HOME");
	size_t hl = home ? strlen(home) : 0;
	if (hl > 1 && !strncmp(path, home, hl) && path[hl] == '/')
		snprintf(out, cap, "flash kept in ~%s", path + hl);
	else
		snprintf(out, cap, "flash kept in %s", path);
	return 0;
}
