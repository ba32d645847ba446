/* SPDX-License-Identifier: MIT
 * The ports pane: the virtual board, the ports given with --port, and the serial ports
 * link/ports.h lists (with their USB bridge), rescanned when /dev changes (inotify), so a
 * board plugged in shows up without a key press. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "core/util.h"
#include "link/link.h"
#include "link/ports.h"
#include "tui/bench.h"
#include "tui/tui_int.h"

/* Without inotify, look again this often (a plugged board shows up within it). */
#define RESCAN_US 3000000u

static struct bench_port *add_port(struct bench *b, const char *spec, const char *label,
				   bool is_virtual)
{
	for (size_t i = 0; i < b->nports; i++)
		if (!strcmp(b->ports[i].spec, spec))
			return NULL;
	if (b->nports == BENCH_MAX_PORTS)
		return NULL;
	struct bench_port *p = &b->ports[b->nports++];
	*p = (struct bench_port){.is_virtual = is_virtual};
	snprintf(p->spec, sizeof p->spec, "%s", spec);
	snprintf(p->label, sizeof p->label, "%s", label);
	return p;
}

/* The timing options of the first sim:// port given with --port ("clock=virtual&fast"),
 * for the '+' boards: a bench started on a virtual clock adds boards on the same clock. */
static void inherited_timing(const struct bench *b, char *out, size_t cap)
{
	static const char *const keys[] = {"clock", "fast", "latency-ms", "page-us",
					   "sector-erase-us"};
	out[0] = '\0';
	const char *spec = NULL;
	for (size_t i = 0; i < b->cfg->port_count && !spec; i++)
		if (!strncmp(b->cfg->ports[i], "sim://?", 7))
			spec = b->cfg->ports[i] + 7;
	for (const char *p = spec; p && *p;) {
		size_t len = strcspn(p, "&");
		size_t key = strcspn(p, "=&");
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
			if (key == strlen(keys[k]) && !strncmp(p, keys[k], key)) {
				size_t used = strlen(out);
				snprintf(out + used, cap - used, "&%.*s", (int)len, p);
			}
		p += len + (p[len] == '&');
	}
}

/* The '+' boards: sim:// with a MAC of their own, so the journal tells them apart and
 * knows each again on the next run. */
static void virtual_spec(const struct bench *b, unsigned n, char *spec, size_t cap, char *label,
			 size_t lcap)
{
	char timing[128];
	inherited_timing(b, timing, sizeof timing);
	snprintf(spec, cap, "sim://?mac=5c:cf:7f:b0:00:%02x&boot-log=1%s", (n + 1) & 0xFF, timing);
	snprintf(label, lcap, "virtual board %u", n + 2);
}

void bench_ports_add_virtual(struct bench *b)
{
	if (b->nports == BENCH_MAX_PORTS) {
		bench_log(b, 1, "ports: %d ports at most; no virtual board added", BENCH_MAX_PORTS);
		return;
	}
	char spec[256], label[96];
	virtual_spec(b, b->virtual_added, spec, sizeof spec, label, sizeof label);
	b->virtual_added++;
	bench_ports_scan(b);
	for (size_t i = 0; i < b->nports; i++)
		if (!strcmp(b->ports[i].spec, spec)) {
			b->ports[i].checked = true;
			b->port_sel = i;
		}
	bench_log(b, 2, "added %s (%s), checked", label, spec);
}

int bench_ports_check_bridges(struct bench *b)
{
	bool all = true;
	size_t n = 0;
	for (size_t i = 0; i < b->nports; i++)
		if (b->ports[i].bridge) {
			n++;
			all = all && b->ports[i].checked;
		}
	if (!n) {
		bench_log(b, 1, "ports: %s; plug a board in or check ports with Space",
			  PORTS_NO_ESP_BRIDGE);
		return SCREEN_REDRAW;
	}
	for (size_t i = 0; i < b->nports; i++)
		if (b->ports[i].bridge)
			b->ports[i].checked = !all;
	bench_log(b, 2, "%s %zu ESP bridge port%s", all ? "unchecked" : "checked", n,
		  n == 1 ? "" : "s");
	return SCREEN_REDRAW;
}

/* "virtual board, flash kept in ~/.local/state/espdeck/sim-flash.bin": the board and
 * whether its flash outlives a job (issue 15: the demo looked as if writes did not
 * stick). A URL with other options is shown as given ("virtual ?clock=virtual&fast");
 * the log says where its flash is kept. */
static void sim_label(const char *spec, char *out, size_t cap)
{
	char note[80];
	link_sim_flash_note(spec, note, sizeof note);
	const char *opts = spec + 6;
	if (*opts && strcmp(opts, "?flash=state"))
		snprintf(out, cap, "virtual %.80s", opts);
	else /* "(saved)" first: the pane is narrow, and sim:// is listed beside it */
		snprintf(out, cap, "virtual board%s%s%s", *opts ? " (saved)" : "",
			 note[0] ? ", " : "", note);
}

void bench_ports_scan(struct bench *b)
{
	char selected[256];
	snprintf(selected, sizeof selected, "%s", b->nports ? b->ports[b->port_sel].spec : "");
	/* Checks survive a rescan: remember them by spec. */
	char checked[BENCH_MAX_PORTS][256];
	size_t nchecked = 0;
	for (size_t i = 0; i < b->nports; i++)
		if (b->ports[i].checked)
			snprintf(checked[nchecked++], sizeof checked[0], "%s", b->ports[i].spec);
	b->nports = 0;
	/* The ports named on the command line first, then the virtual board. */
	for (size_t i = 0; i < b->cfg->port_count; i++) {
		const char *spec = b->cfg->ports[i];
		bool sim = !strncmp(spec, "sim://", 6);
		char label[160];
		snprintf(label, sizeof label, "%s", spec);
		if (sim)
			sim_label(spec, label, sizeof label);
		add_port(b, spec, label, sim);
	}
	char sim_default[160];
	sim_label("sim://", sim_default, sizeof sim_default);
	add_port(b, "sim://", sim_default, true);
	for (unsigned v = 0; v < b->virtual_added; v++) {
		char spec[256], label[96];
		virtual_spec(b, v, spec, sizeof spec, label, sizeof label);
		add_port(b, spec, label, true);
	}
	struct port_info *found = NULL;
	size_t n = 0;
	struct ed_error err = {0};
	if (ports_list(&found, &n, &err) < 0)
		n = 0; /* the pane keeps the virtual and named ports; a rescan tries again */
	for (size_t i = 0; i < n; i++) {
		char label[96];
		const char *id = found[i].bridge ? found[i].bridge
						 : (found[i].product[0] ? found[i].product : "");
		snprintf(label, sizeof label, "%.40s %.50s", ed_basename(found[i].path), id);
		struct bench_port *p = add_port(b, found[i].path, label, false);
		if (p)
			p->bridge = found[i].bridge != NULL;
	}
	ports_list_free(found);
	for (size_t i = 0; i < b->nports; i++)
		for (size_t k = 0; k < nchecked; k++)
			if (!strcmp(b->ports[i].spec, checked[k]))
				b->ports[i].checked = true;
	b->port_sel = 0;
	for (size_t i = 0; i < b->nports; i++)
		if (!strcmp(b->ports[i].spec, selected))
			b->port_sel = i;
	b->next_scan_us = ed_monotonic_us() + RESCAN_US;
}

void bench_ports_init(struct bench *b)
{
	b->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (b->inotify_fd >= 0 &&
	    inotify_add_watch(b->inotify_fd, "/dev", IN_CREATE | IN_DELETE) < 0) {
		close(b->inotify_fd);
		b->inotify_fd = -1;
	}
	if (b->inotify_fd >= 0)
		tui_watch_fd(b->ui, b->inotify_fd);
	bench_ports_scan(b);
}

int bench_ports_tick(struct bench *b)
{
	bool changed = false;
	if (b->inotify_fd >= 0) {
		char buf[4096];
		ssize_t n;
		while ((n = read(b->inotify_fd, buf, sizeof buf)) > 0) {
			for (ssize_t off = 0; off < n;) {
				const struct inotify_event *ev = (const void *)(buf + off);
				if (ev->len && !strncmp(ev->name, "tty", 3))
					changed = true;
				off += (ssize_t)(sizeof *ev + ev->len);
			}
		}
	} else if (ed_monotonic_us() >= b->next_scan_us) {
		changed = true;
	}
	if (b->inotify_fd < 0)
		tui_tick_within(b->ui, (int)(RESCAN_US / 1000));
	if (!changed)
		return SCREEN_NONE;
	size_t before = b->nports;
	char first_new[256] = "";
	bench_ports_scan(b);
	if (b->nports > before)
		snprintf(first_new, sizeof first_new, "%s", b->ports[b->nports - 1].spec);
	bench_log(b, 2, "ports changed: %zu port%s now%s%s", b->nports, b->nports == 1 ? "" : "s",
		  first_new[0] ? ", new: " : "", first_new);
	return SCREEN_REDRAW;
}

void bench_ports_finish(struct bench *b)
{
	if (b->inotify_fd >= 0) {
		tui_unwatch_fd(b->ui, b->inotify_fd);
		close(b->inotify_fd);
		b->inotify_fd = -1;
	}
}
