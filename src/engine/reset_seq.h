/* SPDX-License-Identifier: MIT
 * esptool's custom_reset_sequence notation, checked before a port is opened: steps
 * separated by '|'; D0/D1 set DTR, R0/R1 set RTS, U followed by two comma-separated 0/1
 * values sets DTR and RTS at once, W followed by seconds (decimals allowed) waits.
 * Classic reset reads "D0|R1|W0.1|D1|R0|W0.05|D0" (reference §3.3). The loader runs a
 * checked sequence (loader_config.reset_sequence). */
#pragma once

#include "core/error.h"

/* ED_OK, or ED_ERR_ARG naming the bad step, its position and what steps look like. */
int reset_seq_check(const char *seq, struct ed_error *err);
