/* SPDX-License-Identifier: MIT
 * Command packets: requests and responses from any frame. Oracle: a parsed request built
 * again from its fields gives the same bytes. */
#include "fuzz.h"

#include "proto/packet.h"

static uint8_t out[0x10000 + 64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_request req;
	if (pkt_parse_request(data, size, &req)) {
		size_t n = pkt_build_request(out, req.op, req.data, req.len, req.checksum);
		FUZZ_CHECK(n <= size && !memcmp(out, data, n), "request rebuilt differently");
		(void)pkt_op_name(req.op);
	}
	for (size_t expected = 0; expected <= 16; expected += 4) {
		struct pkt_response resp;
		if (pkt_parse_response(data, size, expected, &resp))
			(void)pkt_rom_error_text(resp.error);
	}
	return 0;
}
