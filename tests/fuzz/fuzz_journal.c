/* SPDX-License-Identifier: MIT
 * The journal reader (CSV lines, torn tails, damaged lines) over a file holding the
 * input, and the MAC history lookup the bench shows. Oracle: the counts add up. */
#define _GNU_SOURCE
#include "fuzz.h"

#include <sys/mman.h>
#include <unistd.h>

#include "journal/journal.h"

static int count(void *user, const struct journal_entry *e)
{
	(void)e;
	(*(size_t *)user)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("journal", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	size_t seen = 0;
	struct journal_stats st = {0};
	struct ed_error err = {0};
	if (journal_read(path, count, &seen, &st, &err) == ED_OK)
		FUZZ_CHECK(seen == st.entries, "%zu entries seen, %zu counted", seen, st.entries);
	struct journal_history h;
	(void)journal_lookup_mac(path, "18:fe:34:a1:b2:c3", &h, &err);
	close(fd);
	return 0;
}
