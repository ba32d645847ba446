/* SPDX-License-Identifier: MIT
 * Modal dialogs as screens on the one stack (style.md §11: never a nested getch loop):
 * a yes/no question, a small form of text fields, and a scrollable text viewer (help,
 * the full log). Callbacks run inside the dialog's key(); they may push screens. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "tui/screen.h"

/* Called when the user answers yes ('y'). Anything else closes the dialog. */
typedef void (*dialog_yes_fn)(void *ctx, struct tui *ui);
struct screen *dialog_confirm(const char *title, const char *text, dialog_yes_fn fn, void *ctx);

#define DIALOG_MAX_FIELDS 4
struct dialog_field {
	char label[24];
	char value[256];
};
/* Called on Enter with the edited fields. Returns true to close the dialog, or false
 * with a message in error (shown in the dialog, which stays open). */
typedef bool (*dialog_form_fn)(void *ctx, struct tui *ui, const struct dialog_field *fields,
			       size_t n, char *error, size_t cap);
struct screen *dialog_form(const char *title, const struct dialog_field *fields, size_t n,
			   dialog_form_fn fn, void *ctx);
/* Called after every edit of field `edited`, with the fields to adjust (the read dialog's
 * file name follows the address as it is typed). */
typedef void (*dialog_change_fn)(void *ctx, struct dialog_field *fields, size_t n, size_t edited);
/* On a screen dialog_form() made (NULL accepted): the change hook, a message shown from
 * the start (as a failed Enter shows it; wrapped, never cut). */
void dialog_form_on_change(struct screen *form, dialog_change_fn fn);
void dialog_form_set_error(struct screen *form, const char *error);

/* A read-only viewer of lines (copied), scrolled with the arrows, closed with Esc/q. */
struct screen *dialog_text(const char *title, const char *const *lines, size_t n);
