/* SPDX-License-Identifier: MIT
 * SLIP decoder: any bytes, fed in chunks the first byte chooses. Oracle: every frame
 * decoded, encoded again and decoded again is the same frame. */
#include "fuzz.h"

#include "proto/slip.h"

static uint8_t frame[0x4400], again[0x4400], wire[2 * 0x4400 + 2];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t chunk = 1 + data[0] % 64;
	data++;
	size--;
	struct slip_decoder d;
	slip_decoder_init(&d, frame, sizeof frame);
	for (size_t at = 0; at < size;) {
		size_t n = size - at < chunk ? size - at : chunk, used = 0;
		enum slip_event ev = slip_decoder_feed(&d, data + at, n, &used);
		FUZZ_CHECK(used <= n, "consumed %zu of %zu", used, n);
		at += used ? used : n;
		if (ev != SLIP_FRAME)
			continue;
		size_t len;
		const uint8_t *f = slip_decoder_frame(&d, &len);
		size_t wlen = slip_encode(f, len, wire);
		FUZZ_CHECK(wlen <= slip_encoded_max(len), "encoded %zu > max", wlen);
		struct slip_decoder d2;
		slip_decoder_init(&d2, again, sizeof again);
		size_t used2 = 0;
		FUZZ_CHECK(slip_decoder_feed(&d2, wire, wlen, &used2) == SLIP_FRAME, "re-decode");
		size_t len2;
		const uint8_t *f2 = slip_decoder_frame(&d2, &len2);
		FUZZ_CHECK(len2 == len && !memcmp(f, f2, len), "round trip differs");
	}
	return 0;
}
