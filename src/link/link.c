/* SPDX-License-Identifier: MIT
 * Link factory: picks the implementation from the port spec. */
#include "link/link.h"

#include <string.h>

int link_open(const char *spec, const struct link_options *opts, struct link **out,
	      struct ed_error *err)
{
	*out = NULL;
	struct link_options def = LINK_OPTIONS_DEFAULT;
	if (!opts)
		opts = &def;
	if (!spec || !*spec)
		return ed_fail(err, ED_ERR_ARG,
			       "no port given: name one with --port (/dev/ttyUSB0, "
			       "socket://HOST:PORT, rfc2217://HOST:PORT or sim://), ESPTOOL_PORT "
			       "or 'port =' in espdeck.conf");
	if (!strncmp(spec, "sim://", 6))
		return link_sim_open(spec + 6, opts, out, err);
	if (!strncmp(spec, "fault://", 8))
		return link_fault_open(spec + 8, opts, out, err);
	if (!strncmp(spec, "socket://", 9))
		return link_tcp_open(spec + 9, opts, out, err);
	if (!strncmp(spec, "rfc2217://", 10))
		return link_rfc2217_open(spec + 10, opts, out, err);
	if (strstr(spec, "://"))
		return ed_fail(
		    err, ED_ERR_ARG,
		    "unknown port scheme in '%s': use a device path, socket://HOST:PORT, "
		    "rfc2217://HOST:PORT or sim://",
		    spec);
	return link_serial_open(spec, opts, out, err);
}

void link_close(struct link *l)
{
	if (l)
		l->ops->close(l);
}
