/* SPDX-License-Identifier: MIT
 * Telnet decoder (RFC 2217's framing): any bytes, fed in chunks the first byte chooses.
 * Oracles: chunked decoding gives the same data and the same events as one pass; the
 * data, escaped again and decoded, comes back unchanged with no events. */
#include "fuzz.h"

#include "proto/telnet.h"

#define MAX_IN 8192

struct log {
	uint8_t bytes[4 * MAX_IN];
	size_t len;
};

static void record(void *ctx, const struct telnet_event *ev)
{
	struct log *l = ctx;
	uint8_t head[4] = {ev->verb, ev->option, (uint8_t)ev->sub_len, ev->truncated};
	FUZZ_CHECK(ev->sub_len <= TELNET_SB_MAX, "SB payload of %zu bytes", ev->sub_len);
	if (l->len + 4 + ev->sub_len > sizeof l->bytes)
		return;
	memcpy(l->bytes + l->len, head, 4);
	if (ev->sub_len) /* a verb without payload has no sub buffer (NULL) */
		memcpy(l->bytes + l->len + 4, ev->sub, ev->sub_len);
	l->len += 4 + ev->sub_len;
}

static uint8_t one[MAX_IN], chunked[MAX_IN], esc[2 * MAX_IN], again[2 * MAX_IN];
static struct log log1, log2, log3;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > MAX_IN + 1)
		return 0;
	size_t chunk = 1 + data[0] % 32;
	data++;
	size--;
	struct telnet_decoder d;
	log1.len = log2.len = log3.len = 0;
	telnet_decoder_init(&d);
	size_t n1 = telnet_decode(&d, data, size, one, record, &log1);
	FUZZ_CHECK(n1 <= size, "%zu data bytes from %zu", n1, size);
	telnet_decoder_init(&d);
	size_t n2 = 0;
	for (size_t at = 0; at < size; at += chunk) {
		size_t n = size - at < chunk ? size - at : chunk;
		n2 += telnet_decode(&d, data + at, n, chunked + n2, record, &log2);
	}
	FUZZ_CHECK(n1 == n2 && !memcmp(one, chunked, n1), "chunked data differs");
	FUZZ_CHECK(log1.len == log2.len && !memcmp(log1.bytes, log2.bytes, log1.len),
		   "chunked events differ");
	size_t e = telnet_escape(one, n1, esc);
	telnet_decoder_init(&d);
	size_t n3 = telnet_decode(&d, esc, e, again, record, &log3);
	FUZZ_CHECK(n3 == n1 && !memcmp(again, one, n1) && log3.len == 0, "escape round trip");
	return 0;
}
