/* SPDX-License-Identifier: MIT
 * Internal to src/layout: the one way the parser and the file checks add a diagnostic. */
#pragma once

#include "layout/layout.h"

/* Appends a diagnostic for line (0 = the preset as a whole); counts errors even when
 * the list is full (then the diagnostic is counted as dropped). */
void layout_diag(struct layout_report *rep, enum layout_severity sev, int line, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));
