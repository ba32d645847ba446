/* SPDX-License-Identifier: MIT
 * The hex viewer's typed input: search patterns (then searched forwards, backwards and
 * counted over a fixed dump), go-to addresses, and dump file names that imply a base.
 * Oracle: a match is a real match inside the dump; a go-to lands inside its range. */
#include "fuzz.h"

#include "dump/dump_addr.h"
#include "dump/dump_search.h"

static const uint8_t dump[] = "\xe9\x03\x02\x20\x04\x10\x10\x40rf_cal\xff\xff\xff\x00\x00"
			      "\xea\x04\x00\x00\x30\x10\x20\x40 user1 user2 \xe9\x01";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	struct dump_pattern p;
	struct ed_error err = {0};
	if (dump_pattern_parse(text, &p, &err) == ED_OK) {
		char desc[256];
		(void)dump_pattern_describe(&p, desc, sizeof desc);
		size_t n = sizeof dump - 1;
		long long at = dump_search(dump, n, &p, 0, false);
		FUZZ_CHECK(at < (long long)n, "forward match past the end");
		long long back = dump_search(dump, n, &p, n - 1, true);
		FUZZ_CHECK(back < (long long)n, "backward match past the end");
		FUZZ_CHECK((at < 0) == (back < 0), "forward and backward disagree");
		FUZZ_CHECK((at < 0) == (dump_search_count(dump, n, &p) == 0), "count disagrees");
	}
	uint64_t target = 0;
	if (dump_parse_goto(text, 0x3fe000, 0x3fe000, 0x400000, &target, &err) == ED_OK)
		FUZZ_CHECK(target >= 0x3fe000 && target < 0x400000, "go-to 0x%llx outside",
			   (unsigned long long)target);
	uint32_t base = 0;
	(void)dump_base_from_name(text, &base);
	free(text);
	return 0;
}
