/* SPDX-License-Identifier: MIT
 * The flashing station (app/station.h): slots from a watched folder and a port list, one
 * preset job per new board on the one runner, the guards against writing a board twice. */
#include "app/station.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "link/ports.h"

struct station {
	const struct job_spec *spec;
	struct station_options opt;
	struct station_ops ops;
	void *user;
	struct job_group *g;
	struct station_slot slots[JOB_GROUP_MAX];
	size_t count;
	int inotify_fd; /* -1 without a watched folder */
	char dir[PATH_MAX];
	bool esp_only; /* the default folders: only ports on a known ESP bridge are boards */
	bool stopping;
	bool full_said; /* "too many slots" said once */
	bool scanned;	/* the folder's first look (boards already plugged in) is done */
	struct station_counts counts;
};

const char *station_state_name(enum station_state s)
{
	static const char *const names[] = {"empty",   "settling", "running",  "passed",
					    "skipped", "FAILED",   "cancelled"};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static void note(struct station *st, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(struct station *st, size_t i, const char *fmt, ...)
{
	if (!st->ops.note)
		return;
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	st->ops.note(st->user, st, i, text);
}

/* --- the runner's callbacks ---------------------------------------------------------- */

static void on_event(void *user, struct job_group *g, size_t i, const struct job_event *ev)
{
	(void)g;
	struct station *st = user;
	if (!st->slots[i].probing && st->ops.event)
		st->ops.event(st->user, st, i, ev);
}

static void on_chip(void *user, struct job_group *g, size_t i)
{
	struct station *st = user;
	struct station_slot *s = &st->slots[i];
	const struct job_board *b = job_group_board(g, i);
	if (s->probing && !strcmp(s->mac, b->mac))
		return;	  /* the board already in the slot: its job stops by itself */
	if (s->probing) { /* a new board in a remote slot: its job goes on with the preset */
		s->probing = false;
		s->state = STATION_RUNNING;
		note(st, i, "board %s (%s) answers", b->mac, b->chip.name);
	}
	s->present = true;
	snprintf(s->mac, sizeof s->mac, "%s", b->mac);
}

/* A probe ended without finding a new board. */
static void probe_finished(struct station *st, size_t i, const struct job_board *b)
{
	struct station_slot *s = &st->slots[i];
	s->probing = false;
	bool same = b->have_chip && b->skipped == 2;
	if (same || st->stopping) {
		s->present = s->present || same;
		s->said[0] = '\0';
		return;
	}
	if (s->present)
		note(st, i, "board %s no longer answers: the slot is empty",
		     s->mac[0] ? s->mac : "");
	else if (strncmp(s->said, b->result_text, sizeof s->said - 1))
		note(st, i, "no board yet (%.600s); probing every %.1f s", b->result_text,
		     (st->opt.poll_ms ? st->opt.poll_ms : 2000) / 1000.0);
	snprintf(s->said, sizeof s->said, "%.255s", b->result_text);
	s->present = false;
	s->mac[0] = '\0';
	if (s->state != STATION_FAILED)
		s->state = STATION_EMPTY;
}

static void settle(struct station *st, struct station_slot *s);

static void on_finished(void *user, struct job_group *g, size_t i)
{
	struct station *st = user;
	struct station_slot *s = &st->slots[i];
	const struct job_board *b = job_group_board(g, i);
	uint32_t poll_ms = st->opt.poll_ms ? st->opt.poll_ms : 2000;
	s->due_us = ed_monotonic_us() + (uint64_t)poll_ms * 1000;
	if (s->probing) {
		probe_finished(st, i, b);
		if (s->present) /* checked less often: each look resets the board */
			s->due_us += 4 * (uint64_t)poll_ms * 1000;
		return;
	}
	if (b->result == ED_OK && b->skipped) {
		s->state = STATION_SKIPPED;
		st->counts.skipped++;
	} else if (b->result == ED_OK) {
		s->state = STATION_PASSED;
		st->counts.passed++;
	} else if (b->result == ED_ERR_CANCELLED) {
		s->state = STATION_CANCELLED;
		st->counts.cancelled++;
	} else {
		s->state = STATION_FAILED;
		st->counts.failed++;
	}
	if (s->state == STATION_PASSED && !strcmp(b->result_text, "done"))
		snprintf(s->text, sizeof s->text, "written");
	else
		snprintf(s->text, sizeof s->text, "%s", b->result_text);
	if (s->remote)
		s->present = b->have_chip;
	if (s->present)
		s->due_us += 4 * (uint64_t)poll_ms * 1000;
	if (st->ops.finished)
		st->ops.finished(st->user, st, i);
	if (!s->remote && s->replugged && s->present && !st->stopping)
		settle(st, s);
}

/* --- slots --------------------------------------------------------------------------- */

static int add_slot(struct station *st, const char *name, const char *port, bool remote,
		    struct ed_error *err)
{
	int rc = job_group_add(st->g, port, name, err);
	if (rc < 0)
		return rc;
	struct station_slot *s = &st->slots[st->count++];
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "%s", name);
	snprintf(s->port, sizeof s->port, "%s", port);
	s->remote = remote;
	s->state = STATION_EMPTY;
	return (int)(st->count - 1);
}

static void start_slot(struct station *st, size_t i, bool probe)
{
	struct station_slot *s = &st->slots[i];
	struct job_spec one = *st->spec;
	one.slot = s->name;
	one.skip_written = !st->opt.rewrite;
	one.skip_mac = probe && s->mac[0] ? s->mac : NULL;
	if (s->remote && one.connect_attempts == 0)
		one.connect_attempts = 2; /* a probe of an empty port should be short */
	s->probing = probe;
	if (!probe) {
		s->state = STATION_RUNNING;
		s->text[0] = '\0';
	}
	job_group_start_board(st->g, i, &one);
}

/* Is this entry of the watched folder a board's port? */
static bool wanted(const struct station *st, const char *name)
{
	if (name[0] == '.')
		return false;
	char path[PATH_MAX + 256], real[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", st->dir, name);
	bool resolved = realpath(path, real) != NULL;
	/* A device that is also a --port slot: one worker per port. */
	for (size_t k = 0; resolved && k < st->count; k++) {
		char r2[PATH_MAX];
		const struct station_slot *s = &st->slots[k];
		if (s->remote && s->port[0] == '/' && realpath(s->port, r2) && !strcmp(r2, real))
			return false;
	}
	if (!st->esp_only)
		return true;
	if (!strcmp(st->dir, STATION_FALLBACK_DIR) && strncmp(name, "ttyUSB", 6) &&
	    strncmp(name, "ttyACM", 6))
		return false;
	if (!resolved)
		return false;
	struct port_info *ports = NULL;
	size_t n = 0;
	struct ed_error err;
	if (ports_list(&ports, &n, &err) < 0)
		return true; /* cannot tell: the name was good enough */
	n = ports_keep_esp_bridges(ports, n);
	bool esp = false;
	for (size_t k = 0; k < n && !esp; k++) {
		char r2[PATH_MAX];
		esp = realpath(ports[k].path, r2) && !strcmp(r2, real);
	}
	ports_list_free(ports);
	return esp;
}

/* A local board arrived: written after the settle time. */
static void settle(struct station *st, struct station_slot *s)
{
	uint32_t ms = st->opt.settle_ms ? st->opt.settle_ms : 300;
	s->state = STATION_SETTLING;
	s->mac[0] = '\0';
	s->text[0] = '\0';
	s->replugged = false;
	s->due_us = ed_monotonic_us() + (uint64_t)ms * 1000;
}

static void appeared(struct station *st, const char *name)
{
	if (!wanted(st, name))
		return;
	int i = -1;
	for (size_t k = 0; k < st->count; k++)
		if (!st->slots[k].remote && !strcmp(st->slots[k].name, name))
			i = (int)k;
	if (i < 0) {
		char port[PATH_MAX + 256];
		snprintf(port, sizeof port, "%s/%s", st->dir, name);
		struct ed_error err;
		i = add_slot(st, name, port, false, &err);
		if (i < 0) {
			if (!st->full_said)
				note(st, SIZE_MAX, "%s: %s", name, err.msg);
			st->full_said = true;
			return;
		}
	}
	struct station_slot *s = &st->slots[i];
	if (s->present && (s->state == STATION_SETTLING || s->state == STATION_RUNNING))
		return;
	s->present = true;
	if (st->stopping)
		return;
	note(st, (size_t)i, "board plugged in");
	if (job_group_board_running(st->g, (size_t)i)) {
		/* Plugged in again while the last board's job still fails on the old port:
		 * the new board settles once that job ended (on_finished). */
		s->replugged = true;
		return;
	}
	settle(st, s);
}

static void vanished(struct station *st, const char *name)
{
	for (size_t k = 0; k < st->count; k++) {
		struct station_slot *s = &st->slots[k];
		if (s->remote || strcmp(s->name, name) || !s->present)
			continue;
		s->present = false;
		if (s->state == STATION_SETTLING)
			s->state = STATION_EMPTY;
		note(st, k, "board unplugged");
	}
}

static void scan(struct station *st)
{
	DIR *d = opendir(st->dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		appeared(st, e->d_name);
	closedir(d);
}

static bool take_inotify(struct station *st)
{
	if (st->inotify_fd < 0)
		return false;
	bool any = false;
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	while ((n = read(st->inotify_fd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			any = true;
			if (ev->mask & IN_Q_OVERFLOW)
				scan(st);
			else if (!ev->len)
				continue;
			else if (ev->mask & (IN_CREATE | IN_MOVED_TO))
				appeared(st, ev->name);
			else if (ev->mask & (IN_DELETE | IN_MOVED_FROM))
				vanished(st, ev->name);
		}
	}
	return any;
}

/* --- the station --------------------------------------------------------------------- */

static int open_watch(struct station *st, struct ed_error *err)
{
	const char *dir = st->opt.watch_dir;
	struct stat sb;
	if (!dir) {
		dir = stat(STATION_DEFAULT_DIR, &sb) == 0 ? STATION_DEFAULT_DIR
							  : STATION_FALLBACK_DIR;
		st->esp_only = true;
	} else {
		st->esp_only = !st->opt.watch_given;
	}
	snprintf(st->dir, sizeof st->dir, "%s", dir);
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return ed_fail(err, ED_ERR_NOTFOUND,
			       "the folder to watch for boards, %s, %s; give --watch DIR", dir,
			       stat(dir, &sb) != 0 ? "does not exist" : "is not a folder");
	st->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (st->inotify_fd < 0)
		return ed_fail(err, ED_ERR_IO, "cannot watch for boards (inotify): %s",
			       strerror(errno));
	if (inotify_add_watch(st->inotify_fd, dir,
			      IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM) < 0)
		return ed_fail(err, ED_ERR_IO, "cannot watch %s for boards: %s", dir,
			       strerror(errno));
	return ED_OK;
}

int station_create(const struct job_spec *spec, const struct station_options *opt,
		   const struct station_ops *ops, void *user, struct station **out,
		   struct ed_error *err)
{
	*out = NULL;
	struct station *st = calloc(1, sizeof *st);
	if (!st)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory");
	st->spec = spec;
	st->opt = *opt;
	if (ops)
		st->ops = *ops;
	st->user = user;
	st->inotify_fd = -1;
	const struct job_group_ops gops = {
	    .event = on_event, .chip = on_chip, .finished = on_finished};
	int rc = job_group_create(spec, &gops, st, &st->g, err);
	for (size_t i = 0; rc == ED_OK && i < opt->port_count; i++) {
		const char *url = opt->ports[i];
		if (!strcmp(url, "all")) {
			rc = ed_fail(err, ED_ERR_ARG,
				     "--port all: the station watches the ESP bridges by itself; "
				     "--port is for remote ports (socket://HOST:PORT, "
				     "rfc2217://HOST:PORT)");
			break;
		}
		rc = add_slot(st, url, url, true, err);
		if (rc >= 0)
			rc = ED_OK;
	}
	if (rc == ED_OK && !opt->no_local)
		rc = open_watch(st, err);
	if (rc < 0) {
		station_destroy(st);
		return rc;
	}
	*out = st; /* the folder is scanned on the first tick, when the front end listens */
	return ED_OK;
}

void station_destroy(struct station *st)
{
	if (!st)
		return;
	job_group_destroy(st->g);
	if (st->inotify_fd >= 0)
		close(st->inotify_fd);
	free(st);
}

const char *station_watch_dir(const struct station *st)
{
	return st->inotify_fd >= 0 ? st->dir : "";
}

size_t station_pollfds(const struct station *st, struct pollfd *fds, size_t cap)
{
	size_t n = 0;
	if (st->inotify_fd >= 0 && n < cap)
		fds[n++] = (struct pollfd){st->inotify_fd, POLLIN, 0};
	for (size_t i = 0; i < st->count && n < cap; i++) {
		int fd = job_group_wake_fd(st->g, i);
		if (fd >= 0)
			fds[n++] = (struct pollfd){fd, POLLIN, 0};
	}
	return n;
}

/* A slot whose next job waits for its time. */
static bool waiting(const struct station *st, const struct station_slot *s, size_t i)
{
	if (st->stopping || job_group_board_running(st->g, i))
		return false;
	return s->remote ? true : s->present && s->state == STATION_SETTLING;
}

int station_timeout_ms(const struct station *st)
{
	uint64_t now = ed_monotonic_us();
	int64_t best = -1;
	for (size_t i = 0; i < st->count; i++) {
		const struct station_slot *s = &st->slots[i];
		if (!waiting(st, s, i))
			continue;
		int64_t ms = s->due_us > now ? (int64_t)((s->due_us - now + 999) / 1000) : 0;
		if (best < 0 || ms < best)
			best = ms;
	}
	return best > INT32_MAX ? INT32_MAX : (int)best;
}

bool station_tick(struct station *st)
{
	bool changed = false;
	if (!st->scanned && st->inotify_fd >= 0) {
		scan(st);
		changed = true;
	}
	st->scanned = true;
	changed |= take_inotify(st);
	uint64_t now = ed_monotonic_us();
	for (size_t i = 0; i < st->count; i++) {
		struct station_slot *s = &st->slots[i];
		if (!waiting(st, s, i) || s->due_us > now)
			continue;
		start_slot(st, i, s->remote);
		changed = true;
	}
	changed |= job_group_tick(st->g);
	return changed;
}

size_t station_retry_failed(struct station *st)
{
	size_t n = 0;
	for (size_t i = 0; i < st->count && !st->stopping; i++) {
		struct station_slot *s = &st->slots[i];
		if (s->state != STATION_FAILED || job_group_board_running(st->g, i) ||
		    (!s->remote && !s->present))
			continue;
		note(st, i, "retrying the failed board%s%s", s->mac[0] ? " " : "", s->mac);
		s->mac[0] = '\0'; /* a remote retry must not take it for the board that stayed */
		start_slot(st, i, false);
		n++;
	}
	return n;
}

void station_stop(struct station *st, bool cancel)
{
	st->stopping = true;
	for (size_t i = 0; i < st->count; i++) {
		struct station_slot *s = &st->slots[i];
		if (s->probing || cancel)
			job_group_cancel(st->g, i);
		if (s->state == STATION_SETTLING)
			s->state = STATION_EMPTY;
	}
}

bool station_stopping(const struct station *st)
{
	return st->stopping;
}

bool station_done(const struct station *st)
{
	return st->stopping && !job_group_running(st->g);
}

size_t station_slot_count(const struct station *st)
{
	return st->count;
}

const struct station_slot *station_slot(const struct station *st, size_t i)
{
	return i < st->count ? &st->slots[i] : NULL;
}

const struct job_board *station_board(const struct station *st, size_t i)
{
	return job_group_board(st->g, i);
}

void station_counts(const struct station *st, struct station_counts *c)
{
	*c = st->counts;
	c->running = 0;
	for (size_t i = 0; i < st->count; i++)
		c->running += job_group_board_running(st->g, i) && !st->slots[i].probing;
}
