/* SPDX-License-Identifier: MIT
 * image_info --version 2 (image/esptool_info.h) over any bytes. Oracle: a listing is one
 * NUL-terminated text of the stated length that starts with the file size line. */
#include "fuzz.h"

#include "image/esptool_info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct esptool_listing l;
	struct ed_error err = {0};
	if (esptool_listing(data, size, size & 1, &l, &err) != ED_OK)
		return 0;
	FUZZ_CHECK(strlen(l.text) == l.len, "listing length %zu, text %zu", l.len, strlen(l.text));
	FUZZ_CHECK(!strncmp(l.text, "File size: ", 11), "listing starts with '%.20s'", l.text);
	esptool_listing_free(&l);
	return 0;
}
