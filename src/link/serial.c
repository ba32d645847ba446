/* SPDX-License-Identifier: MIT
 * Serial link through libserialport. (Placeholder until the engine work lands.) */
#include "link/link.h"

int link_serial_open(const char *path, const struct link_options *opts, struct link **out,
		     struct ed_error *err)
{
	*out = NULL;
	return ed_fail(err, ED_ERR_UNSUPPORTED, "serial ports are not implemented yet (%s)", path);
}
