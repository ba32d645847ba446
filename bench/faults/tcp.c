/* SPDX-License-Identifier: MIT
 * Fault campaign, TCP mode: real processes. espdeck --port socket://127.0.0.1:P talks to
 * a fault proxy (a forked child of this program, the same faultgen as fault://) that
 * talks to espdeck-sim --tcp --fast (without --fast under --timing real) with the flash in
 * a file. A disconnect fault closes both sockets; espdeck's reconnect opens a new
 * connection, whose faults come from the run's seed and the connection's number. */
#include "faults.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "link/faultgen.h"

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int connect_local(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static bool send_all(int fd, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		b += w;
		n -= (size_t)w;
	}
	return true;
}

/* Moves what is due from g to fd; false when the connection is over. */
static bool drain(struct faultgen *g, int fd)
{
	uint8_t buf[4096];
	size_t n;
	while ((n = faultgen_take(g, buf, sizeof buf, now_us())) > 0)
		if (!send_all(fd, buf, n))
			return false;
	return !faultgen_broken(g);
}

/* One client connection through the faults until either side closes or breaks. */
static void shuttle(int client, int board, struct faultgen *tx, struct faultgen *rx)
{
	uint8_t buf[4096];
	for (;;) {
		uint64_t next = faultgen_next_us(tx) < faultgen_next_us(rx) ? faultgen_next_us(tx)
									    : faultgen_next_us(rx);
		uint64_t now = now_us();
		int timeout = next == UINT64_MAX ? 1000
			      : next <= now	 ? 0
						 : (int)((next - now) / 1000 + 1);
		struct pollfd pf[2] = {{client, POLLIN, 0}, {board, POLLIN, 0}};
		if (poll(pf, 2, timeout) < 0 && errno != EINTR)
			return;
		for (int i = 0; i < 2; i++) {
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(pf[i].fd, buf, sizeof buf);
			if (n <= 0)
				return;
			faultgen_feed(i == 0 ? tx : rx, buf, (size_t)n, now_us());
		}
		if (!drain(tx, board) || !drain(rx, client))
			return;
	}
}

static int listen_local(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

/* The proxy process: never returns. */
static void proxy(int lfd, int board_port, const char *faults)
{
	struct faultgen_plan plan = {.seed = 1, .rate = 0.01};
	plan.kinds_tx = plan.kinds_rx = (1u << FAULT_KIND_COUNT) - 1;
	if (faultgen_plan_parse(&plan, faults, NULL) < 0)
		_exit(2);
	struct faultgen *tx = malloc(sizeof *tx), *rx = malloc(sizeof *rx);
	if (!tx || !rx)
		_exit(3);
	uint64_t base = plan.seed;
	for (unsigned conn = 0;; conn++) {
		int client = accept(lfd, NULL, NULL);
		if (client < 0)
			_exit(4);
		int board = connect_local(board_port);
		if (board >= 0) {
			plan.seed = base + conn * 1000003ull;
			faultgen_init(tx, &plan, true);
			faultgen_init(rx, &plan, false);
			shuttle(client, board, tx, rx);
			close(board);
		}
		close(client);
	}
}

/* Starts a program with stdout/stderr to files; returns its pid. */
static pid_t spawn(char *const argv[], const char *out_path)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int read_port_file(const char *path)
{
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(path, "r");
		int port = 0;
		if (f) {
			if (fscanf(f, "%d", &port) != 1)
				port = 0;
			fclose(f);
		}
		if (port > 0)
			return port;
		pause_ms(10);
	}
	return -1;
}

/* Waits for pid up to watchdog_s; kills it when late. Returns the wait status or -1. */
static int wait_bounded(pid_t pid, unsigned watchdog_s)
{
	uint64_t deadline = now_us() + (uint64_t)watchdog_s * 1000000u;
	int status;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_us() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		pause_ms(5);
	}
	return status;
}

static void build_args(const struct campaign *c, const struct run_plan *p, const char *port,
		       const char *dir, char store[8][600], char *argv[16])
{
	int n = 0;
	argv[n++] = (char *)c->espdeck;
	if (!c->stub)
		argv[n++] = "--no-stub";
	argv[n++] = "--port";
	snprintf(store[0], 600, "socket://127.0.0.1:%s", port);
	argv[n++] = store[0];
	snprintf(store[1], 600, "0x%x", p->offset);
	snprintf(store[2], 600, "%u", p->size);
	snprintf(store[3], 600, "%s/data.bin", dir);
	snprintf(store[4], 600, "%s/dump.bin", dir);
	switch (p->op) {
	case OP_WRITE:
		argv[n++] = "write_flash";
		if (p->verify_flag)
			argv[n++] = "--verify";
		if (p->check_blocks)
			argv[n++] = "--check-blocks";
		if (p->preserve)
			argv[n++] = "--erase-strategy=preserve";
		if (c->check_chip)
			argv[n++] = "--check-chip";
		argv[n++] = store[1];
		argv[n++] = store[3];
		break;
	case OP_VERIFY:
		argv[n++] = "verify_flash";
		argv[n++] = store[1];
		argv[n++] = store[3];
		break;
	case OP_READ:
		argv[n++] = "read_flash";
		argv[n++] = store[1];
		argv[n++] = store[2];
		argv[n++] = store[4];
		break;
	default:
		argv[n++] = "erase_region";
		if (c->check_chip)
			argv[n++] = "--check-chip";
		argv[n++] = store[1];
		argv[n++] = store[2];
		break;
	}
	argv[n] = NULL;
}

/* The last line of espdeck's output that names an error, for the report. */
static bool error_line(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	bool found = false;
	out[0] = '\0';
	while (f && fgets(line, sizeof line, f)) {
		if (strstr(line, "error")) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, cap, "%.*s", (int)(cap - 1), line);
			found = true;
		}
	}
	if (f)
		fclose(f);
	return found;
}

static void run_in(const struct campaign *c, const struct run_plan *p, const char *dir,
		   uint8_t *before, uint8_t *after, uint8_t *data, uint8_t *dump,
		   struct run_result *r)
{
	char path[600], port[32];
	plan_flash(p, before);
	plan_data(p, before, data);
	snprintf(path, sizeof path, "%s/flash.img", dir);
	write_whole(path, before, FLASH_BYTES);
	snprintf(path, sizeof path, "%s/data.bin", dir);
	write_whole(path, data, p->size);
	char sim_port_file[600], flash[600], log[600];
	snprintf(sim_port_file, sizeof sim_port_file, "%s/sim.port", dir);
	snprintf(flash, sizeof flash, "%s/flash.img", dir);
	snprintf(log, sizeof log, "%s/sim.log", dir);
	/* --timing real: the board's erase and wire times, in real time here */
	char *sim_argv[] = {(char *)c->sim,
			    "--tcp",
			    "127.0.0.1:0",
			    "--port-file",
			    sim_port_file,
			    "--flash",
			    flash,
			    c->timing == 1 ? NULL : "--fast",
			    NULL};
	pid_t sim = spawn(sim_argv, log);
	int board_port = read_port_file(sim_port_file), proxy_port = 0;
	int lfd = board_port > 0 ? listen_local(&proxy_port) : -1;
	pid_t px = -1;
	if (lfd >= 0) {
		fflush(NULL);
		px = fork();
		if (px == 0)
			proxy(lfd, board_port, p->faults);
		close(lfd);
	}
	if (px < 0) {
		r->verdict = V_CRASH;
		snprintf(r->detail, sizeof r->detail, "cannot start the board or the proxy");
	} else {
		char store[8][600], *argv[16], out[600];
		snprintf(port, sizeof port, "%d", proxy_port);
		build_args(c, p, port, dir, store, argv);
		snprintf(out, sizeof out, "%s/espdeck.log", dir);
		int status = wait_bounded(spawn(argv, out), c->watchdog_s);
		kill(px, SIGKILL);
		waitpid(px, NULL, 0);
		kill(sim, SIGTERM);
		waitpid(sim, NULL, 0);
		char msg[800];
		error_line(out, msg, sizeof msg);
		size_t got = 0, dump_len = 0;
		read_whole(flash, after, FLASH_BYTES, &got);
		bool has_dump =
		    p->op == OP_READ && read_whole(store[4], dump, p->size + 1, &dump_len);
		if (status == -1) {
			r->verdict = V_HANG;
			snprintf(r->detail, sizeof r->detail, "no exit after %u s (watchdog)",
				 c->watchdog_s);
		} else if (WIFSIGNALED(status)) {
			r->verdict = V_CRASH;
			snprintf(r->detail, sizeof r->detail, "espdeck killed by signal %d",
				 WTERMSIG(status));
		} else {
			judge(p, WEXITSTATUS(status), msg, before, after, data,
			      has_dump ? dump : NULL, dump_len, r);
			if (!r->detail[0])
				snprintf(r->detail, sizeof r->detail, "%s", msg);
		}
		return;
	}
	if (sim > 0) {
		kill(sim, SIGTERM);
		waitpid(sim, NULL, 0);
	}
}

void run_tcp(const struct campaign *c, const struct run_plan *p, struct run_result *r)
{
	memset(r, 0, sizeof *r);
	char dir[256];
	uint8_t *before = malloc(FLASH_BYTES), *after = malloc(FLASH_BYTES);
	uint8_t *data = malloc(p->size + 1), *dump = malloc(p->size + 1);
	if (!before || !after || !data || !dump || make_workdir(dir, sizeof dir) < 0) {
		r->verdict = V_CRASH;
		snprintf(r->detail, sizeof r->detail, "cannot set up the run");
	} else {
		run_in(c, p, dir, before, after, data, dump, r);
		remove_workdir(dir);
	}
	free(before);
	free(after);
	free(data);
	free(dump);
}
