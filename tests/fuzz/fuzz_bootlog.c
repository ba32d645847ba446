/* SPDX-License-Identifier: MIT
 * Boot logs and boot rules: the input up to the first NUL is a rule text (a preset's
 * "expect = ..."), the rest a boot log as received, fed in small pieces. */
#include "fuzz.h"

#include "bootlog/bootlog.h"

static void on_line(void *user, const struct bootlog_line *line)
{
	(void)user;
	(void)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t rules_len = nul ? (size_t)(nul - data) : 0;
	char *text = fuzz_cstr(data, rules_len);
	struct bootlog_rules rules = {0};
	struct ed_error err = {0};
	if (bootlog_rules_add(&rules, text, &err) != ED_OK)
		memset(&rules, 0, sizeof rules);
	free(text);
	const uint8_t *log_bytes = nul ? nul + 1 : data;
	size_t log_len = size - (size_t)(log_bytes - data);
	struct bootlog *log = NULL;
	if (bootlog_create(&log, on_line, NULL, &err) != ED_OK)
		return 0;
	for (size_t at = 0; at < log_len; at += 7)
		bootlog_feed(log, log_bytes + at, log_len - at < 7 ? log_len - at : 7);
	bootlog_finish(log);
	char reason[512];
	enum bootlog_verdict v = bootlog_judge(bootlog_facts(log), &rules, reason, sizeof reason);
	FUZZ_CHECK(strlen(bootlog_verdict_name(v)) > 0, "a verdict without a name");
	bootlog_destroy(log);
	return 0;
}
