/* SPDX-License-Identifier: MIT
 * The one main loop of the UI (style.md "The main loop (TUI)"): a stack of screens,
 * signals through a self-pipe, poll() on {signal pipe, watched fds, stdin}, non-blocking
 * getch(), redraw of the stack from state when something changed at a capped frame rate,
 * and a terminal that is put back on exit, on Ctrl-C and on a crash. */
#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "app/exit.h"
#include "core/sigpipe.h"
#include "core/util.h"
#include "tui/screen.h"
#include "tui/tui_int.h"

#define STACK_MAX 16
/* ~30 frames per second for job-driven redraws (ncdu's update delay idea); a key press
 * is drawn at once so the UI answers within a frame. */
#define FRAME_US 33000
/* Idle wake-up so tick() can run periodic work even when nothing happens. */
#define IDLE_MS 1000

struct tui {
	const struct config *cfg;
	struct screen *stack[STACK_MAX];
	size_t depth;
	int watch[TUI_MAX_WATCH];
	size_t nwatch;
	int tick_ms;
	bool dirty;
	bool quit;
};

/* A crash handler gets no context pointer, so the terminal state to restore is the only
 * process-wide state here (SIGWINCH, SIGINT, SIGTERM, SIGHUP come through core/sigpipe). */
static struct termios saved_tio;
static volatile sig_atomic_t have_tio;

/* Only async-signal-safe calls: put the tty modes back, leave the alternate screen, show
 * the cursor, then die of the same signal so the shell sees what happened. */
static void on_crash(int sig)
{
	static const char reset[] = "\033[0m\033[?1049l\033[?25h\r\n";
	if (have_tio)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	if (write(STDOUT_FILENO, reset, sizeof reset - 1) < 0) {
		/* nothing more can be done */
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_handlers(bool on)
{
	static const int hard[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on ? on_crash : SIG_DFL;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof hard / sizeof hard[0]; i++)
		sigaction(hard[i], &sa, NULL);
}

static void free_screen_only(struct screen *s)
{
	free(s);
}

struct screen *screen_new(const struct screen *tmpl)
{
	struct screen *s = malloc(sizeof *s);
	if (!s)
		return NULL;
	*s = *tmpl;
	if (!s->destroy)
		s->destroy = free_screen_only;
	return s;
}

void tui_push(struct tui *ui, struct screen *s)
{
	if (!s)
		return;
	if (ui->depth == STACK_MAX) {
		s->destroy(s); /* a runaway of dialogs; refuse rather than overflow */
		return;
	}
	ui->stack[ui->depth++] = s;
	ui->dirty = true;
}

const struct config *tui_config(struct tui *ui)
{
	return ui->cfg;
}

struct screen *tui_top(struct tui *ui)
{
	return ui->depth ? ui->stack[ui->depth - 1] : NULL;
}

void tui_watch_fd(struct tui *ui, int fd)
{
	for (size_t i = 0; i < ui->nwatch; i++)
		if (ui->watch[i] == fd)
			return;
	if (fd >= 0 && ui->nwatch < TUI_MAX_WATCH)
		ui->watch[ui->nwatch++] = fd;
}

void tui_unwatch_fd(struct tui *ui, int fd)
{
	for (size_t i = 0; i < ui->nwatch; i++)
		if (ui->watch[i] == fd) {
			ui->watch[i] = ui->watch[--ui->nwatch];
			return;
		}
}

void tui_tick_within(struct tui *ui, int ms)
{
	if (ui->tick_ms < 0 || ms < ui->tick_ms)
		ui->tick_ms = ms;
}

/* Removes s wherever it is: a key handler may have pushed a new screen above itself
 * before asking to be closed (a dialog that starts a job). */
static void remove_screen(struct tui *ui, struct screen *s)
{
	for (size_t i = 0; i < ui->depth; i++) {
		if (ui->stack[i] != s)
			continue;
		memmove(&ui->stack[i], &ui->stack[i + 1], (ui->depth - i - 1) * sizeof s);
		ui->depth--;
		s->destroy(s);
		ui->dirty = true;
		return;
	}
}

static void react(struct tui *ui, struct screen *s, int flags)
{
	if (flags & SCREEN_REDRAW)
		ui->dirty = true;
	if (flags & SCREEN_QUIT)
		ui->quit = true;
	if (flags & SCREEN_POP)
		remove_screen(ui, s);
	if (ui->depth == 0)
		ui->quit = true;
}

static void resize(struct tui *ui)
{
	struct winsize ws;
	/* resizeterm() queues a KEY_RESIZE of its own; only call it when the size really
	 * changed, or that key would bring us back here forever. */
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col &&
	    (ws.ws_row != LINES || ws.ws_col != COLS))
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE); /* a resize may leave garbage the diff does not know of */
	ui->dirty = true;
}

static void draw(struct tui *ui)
{
	erase();
	for (size_t i = 0; i < ui->depth; i++)
		ui->stack[i]->draw(ui->stack[i], ui);
	wnoutrefresh(stdscr);
	doupdate();
	ui->dirty = false;
}

static void handle_signals(struct tui *ui, struct sigpipe *sp)
{
	int sig;
	while ((sig = sigpipe_take(sp)) != 0) {
		struct screen *top = tui_top(ui);
		if (sig == SIGWINCH)
			resize(ui);
		else if (sig == SIGINT && top)
			react(ui, top, top->key(top, ui, TUI_KEY_INTERRUPT));
		else
			ui->quit = true; /* SIGTERM, SIGHUP: screens cancel jobs as they go */
	}
}

/* Returns true when a key was handled (drawn at once, not at the frame cap). */
static bool handle_keys(struct tui *ui)
{
	bool any = false;
	int ch;
	while (!ui->quit && (ch = getch()) != ERR) {
		any = true;
		if (ch == KEY_RESIZE) {
			resize(ui);
			continue;
		}
		struct screen *top = tui_top(ui);
		if (top)
			react(ui, top, top->key(top, ui, ch));
	}
	return any;
}

static void tick_all(struct tui *ui)
{
	/* Bottom to top; a tick may pop its own screen, so walk by identity. */
	struct screen *copy[STACK_MAX];
	size_t n = ui->depth;
	memcpy(copy, ui->stack, n * sizeof copy[0]);
	for (size_t i = 0; i < n && !ui->quit; i++) {
		bool present = false;
		for (size_t k = 0; k < ui->depth; k++)
			present |= ui->stack[k] == copy[i];
		if (present && copy[i]->tick)
			react(ui, copy[i], copy[i]->tick(copy[i], ui));
	}
}

static void loop(struct tui *ui, struct sigpipe *sp)
{
	uint64_t last_draw = 0;
	while (!ui->quit) {
		uint64_t now = ed_monotonic_us();
		int timeout = ui->tick_ms >= 0 ? ui->tick_ms : IDLE_MS;
		if (ui->dirty) {
			if (now - last_draw >= FRAME_US) {
				draw(ui);
				last_draw = now;
			} else {
				int left = (int)((FRAME_US - (now - last_draw)) / 1000) + 1;
				timeout = left < timeout ? left : timeout;
			}
		}
		ui->tick_ms = -1;
		struct pollfd pfd[2 + TUI_MAX_WATCH];
		nfds_t n = 0;
		pfd[n++] = (struct pollfd){.fd = sigpipe_fd(sp), .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
		for (size_t i = 0; i < ui->nwatch; i++)
			pfd[n++] = (struct pollfd){.fd = ui->watch[i], .events = POLLIN};
		int r = poll(pfd, n, timeout);
		if (r < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			handle_signals(ui, sp);
		if (pfd[1].revents & (POLLHUP | POLLERR | POLLNVAL))
			ui->quit = true; /* the terminal went away */
		bool keyed = handle_keys(ui);
		tick_all(ui);
		if (keyed && ui->dirty && !ui->quit) {
			draw(ui);
			last_draw = ed_monotonic_us();
		}
	}
}

static int start_curses(SCREEN **scr)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "espdeck: the bench screen needs a terminal; run a command instead "
				"(espdeck help lists them)\n");
		return APP_EXIT_USAGE;
	}
	if (tcgetattr(STDIN_FILENO, &saved_tio) == 0)
		have_tio = 1;
	/* ESC must answer fast (it cancels a job): 25 ms is enough to tell it from the start
	 * of an escape sequence on any local terminal. */
	setenv("ESCDELAY", "25", 0);
	*scr = newterm(NULL, stdout, stdin);
	if (!*scr) {
		fprintf(stderr, "espdeck: cannot start the screen on this terminal (TERM=%s)\n",
			getenv("TERM") ? getenv("TERM") : "unset");
		return APP_EXIT_FAIL;
	}
	set_escdelay(25);
	cbreak(); /* not raw(): Ctrl-C stays a signal, handled through the self-pipe */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	tui_colors_init();
	return APP_EXIT_OK;
}

int tui_run(const struct config *cfg, struct screen *first)
{
	static const int soft[] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP};
	struct sigpipe sp;
	struct ed_error err;
	if (!first)
		return APP_EXIT_FAIL;
	if (sigpipe_open(&sp, soft, sizeof soft / sizeof soft[0], &err) < 0) {
		fprintf(stderr, "espdeck: %s\n", err.msg);
		first->destroy(first);
		return APP_EXIT_FAIL;
	}
	install_handlers(true);
	SCREEN *scr = NULL;
	int rc = start_curses(&scr);
	bool started = rc == APP_EXIT_OK;
	struct tui *ui = started ? calloc(1, sizeof *ui) : NULL;
	if (ui) {
		ui->cfg = cfg;
		ui->tick_ms = 0;
		tui_push(ui, first);
		first = NULL;
		tick_all(ui); /* the first frame shows loaded state, not an empty one */
		loop(ui, &sp);
		while (ui->depth)
			remove_screen(ui, ui->stack[ui->depth - 1]);
		free(ui);
	} else if (started) {
		rc = APP_EXIT_FAIL;
	}
	if (started) {
		endwin();
		delscreen(scr);
	}
	if (first)
		first->destroy(first);
	install_handlers(false);
	sigpipe_close(&sp);
	have_tio = 0;
	return rc;
}
