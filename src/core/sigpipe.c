/* SPDX-License-Identifier: MIT
 * The self-pipe for signals (core/sigpipe.h). */
#include "core/sigpipe.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* The write end, for the handler: the one process-wide variable of this module. */
static volatile sig_atomic_t pipe_wr = -1;

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	if (pipe_wr >= 0 && write(pipe_wr, &b, 1) < 0) {
		/* pipe full: a signal of each kind is already pending */
	}
	errno = saved;
}

int sigpipe_open(struct sigpipe *sp, const int *signals, size_t count, struct ed_error *err)
{
	memset(sp, 0, sizeof *sp);
	sp->rd = sp->wr = -1;
	if (count > SIGPIPE_MAX_SIGNALS)
		return ed_fail(err, ED_ERR_ARG, "at most %d signals", SIGPIPE_MAX_SIGNALS);
	int fds[2];
	if (pipe(fds) != 0)
		return ed_fail(err, ED_ERR_IO, "cannot create a pipe: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	}
	sp->rd = fds[0];
	sp->wr = fds[1];
	pipe_wr = sp->wr;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sp->count = count;
	for (size_t i = 0; i < count; i++) {
		sp->signals[i] = signals[i];
		sigaction(signals[i], &sa, &sp->old[i]);
	}
	return ED_OK;
}

int sigpipe_fd(const struct sigpipe *sp)
{
	return sp->rd;
}

int sigpipe_take(struct sigpipe *sp)
{
	unsigned char b;
	return sp->rd >= 0 && read(sp->rd, &b, 1) == 1 ? b : 0;
}

void sigpipe_close(struct sigpipe *sp)
{
	for (size_t i = 0; i < sp->count; i++)
		sigaction(sp->signals[i], &sp->old[i], NULL);
	pipe_wr = -1;
	if (sp->rd >= 0)
		close(sp->rd);
	if (sp->wr >= 0)
		close(sp->wr);
	sp->rd = sp->wr = -1;
	sp->count = 0;
}
