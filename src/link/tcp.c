/* SPDX-License-Identifier: MIT
 * Raw TCP link ("socket://host:port"). (Placeholder until the engine work lands.) */
#include "link/link.h"

int link_tcp_open(const char *hostport, const struct link_options *opts, struct link **out,
		  struct ed_error *err)
{
	*out = NULL;
	return ed_fail(err, ED_ERR_UNSUPPORTED, "socket:// is not implemented yet (%s)", hostport);
}
