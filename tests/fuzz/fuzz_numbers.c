/* SPDX-License-Identifier: MIT
 * Number and option parsing: addresses and sizes (ed_parse_u32 / ed_parse_size, as
 * --flash_size, write_flash ADDR and read_flash SIZE take them), flash size / mode /
 * frequency names, sim:// options, fault:// options, journal dates and MAC spellings.
 * Oracle: a number that parses prints back to itself through its decimal form. */
#include "fuzz.h"

#include "core/flash_params.h"
#include "core/util.h"
#include "journal/journal.h"
#include "link/faultgen.h"
#include "sim/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	uint32_t v = 0;
	if (ed_parse_u32(text, &v)) {
		char again[16];
		uint32_t w = 0;
		snprintf(again, sizeof again, "%u", v);
		FUZZ_CHECK(ed_parse_u32(again, &w) && w == v, "'%s' -> %u does not round-trip",
			   again, v);
	}
	(void)ed_parse_size(text, &v);
	(void)flash_size_by_name(text);
	(void)flash_freq_by_name(text);
	(void)flash_mode_by_name(text);
	struct sim_config cfg = SIM_CONFIG_DEFAULT;
	struct ed_error err = {0};
	(void)sim_config_parse_query(&cfg, text, &err);
	struct faultgen_plan plan = {0};
	(void)faultgen_plan_parse(&plan, text, &err);
	time_t t;
	(void)journal_parse_date(text, true, &t, &err);
	char mac[13];
	if (journal_mac_normalize(text, mac))
		FUZZ_CHECK(strlen(mac) == 12, "a MAC of %zu digits", strlen(mac));
	free(text);
	return 0;
}
