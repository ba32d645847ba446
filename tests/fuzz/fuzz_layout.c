/* SPDX-License-Identifier: MIT
 * Layout preset files (INI through inih, then the checks). Oracle: a file that parses
 * has regions inside the flash it names and every diagnostic has a message. */
#include "fuzz.h"

#include "layout/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct layout *l = malloc(sizeof *l);
	struct layout_report *rep = calloc(1, sizeof *rep);
	if (!l || !rep)
		abort();
	int rc = layout_parse((const char *)data, size, "fuzz.ini", "fuzz", l, rep);
	for (size_t i = 0; i < rep->count; i++)
		FUZZ_CHECK(rep->items[i].msg[0], "an empty diagnostic");
	if (rc == ED_OK && l->flash_bytes)
		for (size_t i = 0; i < l->region_count; i++)
			FUZZ_CHECK((uint64_t)l->regions[i].offset +
					   layout_region_extent(&l->regions[i], 0) <=
				       l->flash_bytes,
				   "region %zu past the end of the flash", i);
	struct ed_error err = {0};
	(void)layout_report_to_error(l, rep, &err);
	free(rep);
	free(l);
	return 0;
}
