/* SPDX-License-Identifier: MIT
 * Intel HEX input (image/ihex.h) as merge_bin and write_flash read it. Oracle: a converted
 * file is non-empty, within the 64 MiB bound, and starts at the given address when that
 * address is below the data; HEX that merge_bin writes reads back to the same bytes. */
#include "fuzz.h"

#include "image/ihex.h"
#include "image/merge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ed_error err = {0};
	uint8_t *bin = NULL;
	size_t len = 0;
	uint32_t start = size ? (uint32_t)(data[size - 1] & 0x0F) << 12 : 0;
	int rc = ihex_to_bin(data, size, start, &bin, &len, &err);
	FUZZ_CHECK(rc >= -11 && rc <= 1, "unexpected result %d", rc);
	if (rc == 1)
		FUZZ_CHECK(len > 0 && len <= (64u << 20) + 1, "converted length %zu", len);
	free(bin);
	/* round trip: the input as raw bytes at 0x1000, written as HEX, read back */
	if (size == 0 || size > 4096)
		return 0;
	struct merge_input in = {0x1000, data, size, "fuzz"};
	struct img_output hex;
	if (merge_hex(&in, 1, &hex, &err) != ED_OK)
		return 0;
	rc = ihex_to_bin(hex.data, hex.len, 0x1000, &bin, &len, &err);
	FUZZ_CHECK(rc == 1 && len == size && !memcmp(bin, data, size),
		   "merge_bin's HEX does not read back (rc %d, %zu bytes)", rc, len);
	free(bin);
	img_output_free(&hex);
	return 0;
}
