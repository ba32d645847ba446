/* SPDX-License-Identifier: MIT
 * Helpers shared by the link implementations (private to src/link/). */
#pragma once

#include "core/error.h"

/* Resolves and connects "HOST:PORT" ("[v6]:PORT" too) with a 5 s connect timeout and
 * TCP_NODELAY; scheme ("socket", "rfc2217") only names the URL in messages. On success
 * *fd_out is the connected socket, owned by the caller; -1 on failure. */
int link_tcp_connect(const char *scheme, const char *hostport, int *fd_out, struct ed_error *err);
