/* SPDX-License-Identifier: MIT
 * Modal dialogs: confirm, form, text viewer (see dialog.h). */
#include "tui/dialog.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "tui/draw.h"
#include "tui/format.h"
#include "tui/tui_int.h"

#define KEY_ESC	   27
#define KEY_CTRL_U 21

/* --- confirm ----------------------------------------------------------------------- */

struct confirm {
	char title[64];
	char text[512];
	dialog_yes_fn fn;
	void *ctx;
};

static void confirm_draw(struct screen *s, struct tui *ui)
{
	struct confirm *c = s->state;
	size_t starts[8], lens[8];
	int w = COLS < 64 ? COLS : 64;
	size_t n = tui_wrap(c->text, (size_t)(w - 4), starts, lens, 8);
	if (n > 8)
		n = 8;
	int y, x;
	tui_dialog_frame((int)n + 4, w, c->title, &y, &x);
	for (size_t i = 0; i < n; i++) {
		char line[128];
		size_t len = lens[i] < sizeof line - 1 ? lens[i] : sizeof line - 1;
		memcpy(line, c->text + starts[i], len);
		line[len] = '\0';
		tui_put(y + 1 + (int)i, x + 2, w - 4, tui_attr(ROLE_NORMAL), line);
	}
	tui_put(y + (int)n + 2, x + 2, w - 4, tui_attr(ROLE_WARN), "y = yes    n / Esc = no");
}

static int confirm_key(struct screen *s, struct tui *ui, int key)
{
	struct confirm *c = s->state;
	if (key == 'y' || key == 'Y') {
		c->fn(c->ctx, ui);
		return SCREEN_POP | SCREEN_REDRAW;
	}
	if (key == 'n' || key == 'N' || key == KEY_ESC || key == 'q' || key == '\n' ||
	    key == '\r' || key == KEY_ENTER || key == TUI_KEY_INTERRUPT)
		return SCREEN_POP | SCREEN_REDRAW;
	return SCREEN_NONE;
}

static void plain_destroy(struct screen *s)
{
	if (!s)
		return;
	free(s->state);
	free(s);
}

struct screen *dialog_confirm(const char *title, const char *text, dialog_yes_fn fn, void *ctx)
{
	struct screen *s = calloc(1, sizeof *s);
	struct confirm *c = calloc(1, sizeof *c);
	if (!s || !c) {
		free(s);
		free(c);
		return NULL;
	}
	snprintf(c->title, sizeof c->title, "%s", title);
	snprintf(c->text, sizeof c->text, "%s", text);
	c->fn = fn;
	c->ctx = ctx;
	*s = (struct screen){.name = "confirm",
			     .draw = confirm_draw,
			     .key = confirm_key,
			     .destroy = plain_destroy,
			     .state = c};
	return s;
}

/* --- form -------------------------------------------------------------------------- */

struct form {
	char title[64];
	struct dialog_field fields[DIALOG_MAX_FIELDS];
	size_t n, cur;
	char error[1024];
	dialog_form_fn fn;
	dialog_change_fn change;
	void *ctx;
};

/* At most this many lines of a message under the fields: a whole path and its reason. */
#define FORM_ERROR_LINES 5

static void form_draw(struct screen *s, struct tui *ui)
{
	struct form *f = s->state;
	int w = COLS < 70 ? COLS : 70;
	size_t starts[FORM_ERROR_LINES], lens[FORM_ERROR_LINES];
	size_t elines = tui_wrap(f->error, (size_t)(w - 4), starts, lens, FORM_ERROR_LINES);
	if (elines > FORM_ERROR_LINES)
		elines = FORM_ERROR_LINES;
	int extra = elines > 1 ? (int)elines - 1 : 0;
	int h = (int)f->n + 6 + extra;
	int y, x;
	tui_dialog_frame(h, w, f->title, &y, &x);
	for (size_t i = 0; i < f->n; i++) {
		int row = y + 1 + (int)i;
		tui_put(row, x + 2, 12, tui_attr(ROLE_NORMAL), f->fields[i].label);
		char shown[300];
		snprintf(shown, sizeof shown, "%s%s", f->fields[i].value, i == f->cur ? "_" : "");
		size_t len = strlen(shown);
		int fw = w - 17;
		const char *tail = (int)len > fw ? shown + len - (size_t)fw : shown;
		tui_put_pad(row, x + 15, fw, tui_attr(i == f->cur ? ROLE_SELECTED : ROLE_NORMAL),
			    tail);
	}
	for (size_t k = 0; k < elines && f->error[0]; k++) {
		char part[128];
		size_t len = lens[k] < sizeof part - 1 ? lens[k] : sizeof part - 1;
		memcpy(part, f->error + starts[k], len);
		part[len] = '\0';
		tui_put(y + (int)f->n + 2 + (int)k, x + 2, w - 4, tui_attr(ROLE_ERROR), part);
	}
	tui_put(y + (int)f->n + 3 + extra, x + 2, w - 4, tui_attr(ROLE_DIM),
		"Enter OK   Tab/arrows next field   Ctrl-U clear   Esc cancel");
}

static int form_key(struct screen *s, struct tui *ui, int key)
{
	struct form *f = s->state;
	char *v = f->fields[f->cur].value;
	size_t len = strlen(v);
	switch (key) {
	case KEY_ESC:
	case TUI_KEY_INTERRUPT:
		return SCREEN_POP | SCREEN_REDRAW;
	case '\n':
	case '\r':
	case KEY_ENTER:
		f->error[0] = '\0';
		if (f->fn(f->ctx, ui, f->fields, f->n, f->error, sizeof f->error))
			return SCREEN_POP | SCREEN_REDRAW;
		return SCREEN_REDRAW;
	case '\t':
	case KEY_DOWN:
		f->cur = (f->cur + 1) % f->n;
		return SCREEN_REDRAW;
	case KEY_BTAB:
	case KEY_UP:
		f->cur = (f->cur + f->n - 1) % f->n;
		return SCREEN_REDRAW;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (len)
			v[len - 1] = '\0';
		break;
	case KEY_CTRL_U:
		v[0] = '\0';
		break;
	default:
		if (key < 32 || key >= 127 || len + 1 >= sizeof f->fields[0].value)
			return SCREEN_NONE;
		v[len] = (char)key;
		v[len + 1] = '\0';
		break;
	}
	if (f->change)
		f->change(f->ctx, f->fields, f->n, f->cur);
	return SCREEN_REDRAW;
}

void dialog_form_on_change(struct screen *form, dialog_change_fn fn)
{
	if (form)
		((struct form *)form->state)->change = fn;
}

void dialog_form_set_error(struct screen *form, const char *error)
{
	if (form)
		snprintf(((struct form *)form->state)->error,
			 sizeof((struct form *)form->state)->error, "%s", error);
}

struct screen *dialog_form(const char *title, const struct dialog_field *fields, size_t n,
			   dialog_form_fn fn, void *ctx)
{
	struct screen *s = calloc(1, sizeof *s);
	struct form *f = calloc(1, sizeof *f);
	if (!s || !f || n == 0 || n > DIALOG_MAX_FIELDS) {
		free(s);
		free(f);
		return NULL;
	}
	snprintf(f->title, sizeof f->title, "%s", title);
	memcpy(f->fields, fields, n * sizeof *fields);
	f->n = n;
	f->fn = fn;
	f->ctx = ctx;
	*s = (struct screen){.name = "form",
			     .draw = form_draw,
			     .key = form_key,
			     .destroy = plain_destroy,
			     .state = f};
	return s;
}

/* --- text viewer ------------------------------------------------------------------- */

struct viewer {
	char title[64];
	char **lines;
	size_t n, top;
};

static void viewer_draw(struct screen *s, struct tui *ui)
{
	struct viewer *v = s->state;
	tui_box(0, 0, LINES - 1, COLS, v->title, true);
	int rows = LINES - 3;
	/* Long lines wrap so every error is readable in full. */
	int row = 0;
	for (size_t i = v->top; i < v->n && row < rows; i++) {
		size_t starts[32], lens[32];
		size_t k = tui_wrap(v->lines[i], (size_t)(COLS - 4), starts, lens, 32);
		for (size_t j = 0; j < k && j < 32 && row < rows; j++, row++) {
			char line[512];
			size_t len = lens[j] < sizeof line - 1 ? lens[j] : sizeof line - 1;
			memcpy(line, v->lines[i] + starts[j], len);
			line[len] = '\0';
			tui_put(1 + row, j ? 4 : 2, COLS - 4, tui_attr(ROLE_NORMAL), line);
		}
	}
	char foot[128];
	snprintf(foot, sizeof foot,
		 " lines %zu-%zu of %zu   arrows/PgUp/PgDn/Home/End scroll   "
		 "Esc/q close ",
		 v->n ? v->top + 1 : 0, v->top + (size_t)row < v->n ? v->top + (size_t)row : v->n,
		 v->n);
	tui_put_pad(LINES - 1, 0, COLS, tui_attr(ROLE_FOOTER), foot);
}

static int viewer_key(struct screen *s, struct tui *ui, int key)
{
	struct viewer *v = s->state;
	size_t page = LINES > 6 ? (size_t)LINES - 4 : 1;
	size_t last = v->n ? v->n - 1 : 0;
	switch (key) {
	case KEY_ESC:
	case 'q':
	case '?':
	case TUI_KEY_INTERRUPT:
		return SCREEN_POP | SCREEN_REDRAW;
	case KEY_DOWN:
	case 'j':
		v->top = v->top < last ? v->top + 1 : last;
		return SCREEN_REDRAW;
	case KEY_UP:
	case 'k':
		v->top = v->top ? v->top - 1 : 0;
		return SCREEN_REDRAW;
	case KEY_NPAGE:
	case ' ':
		v->top = v->top + page < last ? v->top + page : last;
		return SCREEN_REDRAW;
	case KEY_PPAGE:
		v->top = v->top > page ? v->top - page : 0;
		return SCREEN_REDRAW;
	case KEY_HOME:
	case 'g':
		v->top = 0;
		return SCREEN_REDRAW;
	case KEY_END:
	case 'G':
		v->top = v->n > page ? v->n - page : 0;
		return SCREEN_REDRAW;
	}
	return SCREEN_NONE;
}

static void viewer_destroy(struct screen *s)
{
	if (!s)
		return;
	struct viewer *v = s->state;
	if (v) {
		for (size_t i = 0; i < v->n; i++)
			free(v->lines[i]);
		free(v->lines);
		free(v);
	}
	free(s);
}

struct screen *dialog_text(const char *title, const char *const *lines, size_t n)
{
	struct screen *s = calloc(1, sizeof *s);
	struct viewer *v = calloc(1, sizeof *v);
	char **copy = calloc(n ? n : 1, sizeof *copy);
	if (!s || !v || !copy) {
		free(s);
		free(v);
		free(copy);
		return NULL;
	}
	snprintf(v->title, sizeof v->title, "%s", title);
	v->lines = copy;
	for (size_t i = 0; i < n; i++) {
		copy[i] = strdup(lines[i] ? lines[i] : "");
		if (!copy[i])
			break;
		v->n = i + 1;
	}
	*s = (struct screen){.name = "text",
			     .draw = viewer_draw,
			     .key = viewer_key,
			     .destroy = viewer_destroy,
			     .state = v};
	return s;
}
