/* SPDX-License-Identifier: MIT
 * In-process virtual board link ("sim://"). (Placeholder until the virtual board lands.) */
#include "link/link.h"

int link_sim_open(const char *options, const struct link_options *opts, struct link **out,
		  struct ed_error *err)
{
	*out = NULL;
	return ed_fail(err, ED_ERR_UNSUPPORTED, "sim:// is not implemented yet");
}
