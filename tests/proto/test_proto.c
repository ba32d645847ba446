/* SPDX-License-Identifier: MIT
 * Unit tests: SLIP framing and packets, against the wire bytes of reference §2.3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "proto/packet.h"
#include "proto/slip.h"
#include "proto/telnet.h"

static void test_sync_wire_bytes(void **state)
{
	uint8_t payload[36], body[64], wire[160];
	pkt_sync_payload(payload);
	size_t blen = pkt_build_request(body, PKT_SYNC, payload, 36, 0);
	size_t wlen = slip_encode(body, blen, wire);
	assert_int_equal(wlen, 46);
	static const uint8_t head[] = {0xC0, 0x00, 0x08, 0x24, 0x00, 0x00, 0x00,
				       0x00, 0x00, 0x07, 0x07, 0x12, 0x20, 0x55};
	assert_memory_equal(wire, head, sizeof head);
	assert_int_equal(wire[44], 0x55);
	assert_int_equal(wire[45], 0xC0);
}

static void test_rom_reply(void **state)
{
	uint8_t body[32], wire[80];
	size_t blen = pkt_build_response(body, PKT_SYNC, PKT_SYNC_VALUE, NULL, 0, 0, 0);
	size_t wlen = slip_encode(body, blen, wire);
	static const uint8_t expect[] = {0xC0, 0x01, 0x08, 0x02, 0x00, 0x07,
					 0x07, 0x12, 0x20, 0x00, 0x00, 0xC0};
	assert_int_equal(wlen, sizeof expect);
	assert_memory_equal(wire, expect, sizeof expect);

	struct pkt_response r;
	assert_true(pkt_parse_response(body, blen, 0, &r));
	assert_int_equal(r.op, PKT_SYNC);
	assert_int_equal(r.value, PKT_SYNC_VALUE);
	assert_int_equal(r.status, 0);
	/* a failure with error 0x05 */
	blen = pkt_build_response(body, 0x14, 0, NULL, 0, 1, 5);
	assert_true(pkt_parse_response(body, blen, 0, &r));
	assert_int_equal(r.status, 1);
	assert_int_equal(r.error, 5);
	/* wrong direction, short frames and bad lengths are not responses */
	body[0] = 0;
	assert_false(pkt_parse_response(body, blen, 0, &r));
	assert_false(pkt_parse_response(body, 5, 0, &r));
	body[0] = 1;
	assert_false(pkt_parse_response(body, blen - 1, 0, &r));
	assert_false(pkt_parse_response(body, blen, 4, &r));
}

static void test_slip_escapes_and_chunking(void **state)
{
	const uint8_t body[] = {0x01, 0xC0, 0xDB, 0x02, 0xC0, 0xC0};
	uint8_t wire[32];
	size_t wlen = slip_encode(body, sizeof body, wire);
	static const uint8_t expect[] = {0xC0, 0x01, 0xDB, 0xDC, 0xDB, 0xDD,
					 0x02, 0xDB, 0xDC, 0xDB, 0xDC, 0xC0};
	assert_memory_equal(wire, expect, sizeof expect);
	assert_int_equal(wlen, sizeof expect);

	/* boot-log noise, then the frame fed one byte at a time, then C0 C0 and again */
	uint8_t stream[128];
	size_t n = 0;
	const char *noise = "ets Jan  8 2013,rst cause:2";
	memcpy(stream, noise, strlen(noise));
	n += strlen(noise);
	memcpy(stream + n, wire, wlen);
	n += wlen;
	memcpy(stream + n, wire, wlen);
	n += wlen;

	uint8_t buf[64];
	struct slip_decoder d;
	slip_decoder_init(&d, buf, sizeof buf);
	int frames = 0;
	for (size_t i = 0; i < n; i++) {
		size_t used;
		enum slip_event ev = slip_decoder_feed(&d, stream + i, 1, &used);
		assert_int_equal(used, 1);
		if (ev == SLIP_FRAME) {
			size_t flen;
			const uint8_t *f = slip_decoder_frame(&d, &flen);
			assert_int_equal(flen, sizeof body);
			assert_memory_equal(f, body, flen);
			frames++;
		} else {
			assert_int_equal(ev, SLIP_NONE);
		}
	}
	assert_int_equal(frames, 2);
	assert_int_equal(d.noise, strlen(noise));
	assert_memory_equal(d.noise_tail, noise, strlen(noise));

	/* whole stream at once: the decoder stops after each frame */
	slip_decoder_init(&d, buf, sizeof buf);
	size_t off = 0, used;
	frames = 0;
	while (off < n) {
		if (slip_decoder_feed(&d, stream + off, n - off, &used) == SLIP_FRAME)
			frames++;
		off += used;
	}
	assert_int_equal(frames, 2);
}

static void test_slip_errors(void **state)
{
	uint8_t buf[4];
	struct slip_decoder d;
	slip_decoder_init(&d, buf, sizeof buf);
	const uint8_t bad[] = {0xC0, 0x01, 0xDB, 0x41, 0x02, 0xC0, 0xC0, 0x05, 0xC0};
	size_t used;
	assert_int_equal(slip_decoder_feed(&d, bad, sizeof bad, &used), SLIP_BAD_ESCAPE);
	assert_int_equal(used, 4);
	/* recovers: the rest holds one good frame {05} after the junk 02 C0 */
	size_t off = used;
	int frames = 0;
	while (off < sizeof bad) {
		enum slip_event ev = slip_decoder_feed(&d, bad + off, sizeof bad - off, &used);
		if (ev == SLIP_FRAME) {
			size_t flen;
			const uint8_t *f = slip_decoder_frame(&d, &flen);
			assert_int_equal(flen, 1);
			assert_int_equal(f[0], 0x05);
			frames++;
		}
		off += used;
	}
	assert_int_equal(frames, 1);

	const uint8_t longf[] = {0xC0, 1, 2, 3, 4, 5, 0xC0};
	slip_decoder_init(&d, buf, sizeof buf);
	assert_int_equal(slip_decoder_feed(&d, longf, sizeof longf, &used), SLIP_OVERFLOW);
}

static void test_request_and_checksum(void **state)
{
	uint8_t data[16 + 4] = {0};
	data[16] = 0x01;
	data[17] = 0x02;
	data[18] = 0xEF;
	data[19] = 0x00;
	assert_int_equal(pkt_checksum(data + 16, 4), 0xEF ^ 0x01 ^ 0x02 ^ 0xEF);
	uint8_t body[64];
	size_t blen =
	    pkt_build_request(body, PKT_FLASH_DATA, data, sizeof data, pkt_checksum(data + 16, 4));
	struct pkt_request req;
	assert_true(pkt_parse_request(body, blen, &req));
	assert_int_equal(req.op, PKT_FLASH_DATA);
	assert_int_equal(req.len, 20);
	assert_int_equal(req.checksum, 0x03);
	assert_false(pkt_parse_request(body, blen - 1, &req));
	assert_string_equal(pkt_op_name(PKT_FLASH_BEGIN), "FLASH_BEGIN");
	assert_string_equal(pkt_op_name(0x3c), "0x3c");
}

/* Telnet events recorded as text, in stream order, with the data around them. */
struct tn_log {
	char text[512];
};

static void tn_record(void *ctx, const struct telnet_event *ev)
{
	struct tn_log *log = ctx;
	size_t n = strlen(log->text);
	int w = snprintf(log->text + n, sizeof log->text - n, "[%u %u", ev->verb, ev->option);
	n += (size_t)w;
	for (size_t i = 0; i < ev->sub_len; i++)
		n += (size_t)snprintf(log->text + n, sizeof log->text - n, " %u", ev->sub[i]);
	snprintf(log->text + n, sizeof log->text - n, "%s]", ev->truncated ? " cut" : "");
}

static void test_telnet_decode(void **state)
{
	(void)state;
	/* data, IAC IAC, a negotiation, data, an SB with an escaped 0xFF, a NOP, data */
	const uint8_t in[] = {'a', 0xFF, 0xFF, 'b',  0xFF, 251,	 0,   'c',  0xFF, 250, 44,
			      101, 0,	 0,    0xFF, 0xFF, 0xFF, 240, 0xFF, 241,  'd'};
	/* every split point: the decoder keeps its state between chunks */
	for (size_t cut = 0; cut <= sizeof in; cut++) {
		struct telnet_decoder d;
		struct tn_log log = {{0}};
		uint8_t out[sizeof in];
		telnet_decoder_init(&d);
		size_t n = telnet_decode(&d, in, cut, out, tn_record, &log);
		n += telnet_decode(&d, in + cut, sizeof in - cut, out + n, tn_record, &log);
		assert_int_equal(n, 5);
		assert_memory_equal(out,
				    "a\xff"
				    "bcd",
				    5);
		assert_string_equal(log.text, "[251 0][250 44 101 0 0 255][241 0]");
	}
	/* in place, as the link decodes its receive buffer */
	uint8_t buf[] = {0xFF, 0xFF, 0xFF, 253, 44, 0x10, 0xFF, 0xFF};
	struct telnet_decoder d;
	struct tn_log log = {{0}};
	telnet_decoder_init(&d);
	assert_int_equal(telnet_decode(&d, buf, sizeof buf, buf, tn_record, &log), 3);
	assert_memory_equal(buf, "\xff\x10\xff", 3);
	assert_string_equal(log.text, "[253 44]");
}

static void test_telnet_encode(void **state)
{
	(void)state;
	uint8_t out[32];
	const uint8_t data[] = {1, 0xFF, 2, 0xFF};
	assert_int_equal(telnet_escape(data, 4, out), 6);
	assert_memory_equal(out, "\x01\xff\xff\x02\xff\xff", 6);
	/* SET-BAUDRATE 921600, network order */
	const uint8_t baud[] = {0x00, 0x0E, 0x10, 0x00};
	size_t n = telnet_comport(out, RFC2217_SET_BAUDRATE, baud, 4);
	const uint8_t want[] = {0xFF, 250, 44, 1, 0x00, 0x0E, 0x10, 0x00, 0xFF, 240};
	assert_int_equal(n, sizeof want);
	assert_memory_equal(out, want, sizeof want);
	/* a value byte 0xFF is doubled inside the SB */
	const uint8_t ff[] = {0xFF};
	n = telnet_comport(out, RFC2217_SET_CONTROL, ff, 1);
	const uint8_t want2[] = {0xFF, 250, 44, 5, 0xFF, 0xFF, 0xFF, 240};
	assert_int_equal(n, sizeof want2);
	assert_memory_equal(out, want2, sizeof want2);
	assert_int_equal(telnet_negotiate(out, TELNET_WILL, TELNET_OPT_COM_PORT), 3);
	assert_memory_equal(out, "\xff\xfb\x2c", 3);
}

static void test_telnet_broken_sb(void **state)
{
	(void)state;
	/* an SB longer than the decoder keeps, then IAC x inside an SB: both end the SB with
	 * "cut", and the stream goes on */
	uint8_t in[TELNET_SB_MAX + 20];
	size_t n = 0;
	in[n++] = 0xFF, in[n++] = 250, in[n++] = 44;
	for (int i = 0; i < TELNET_SB_MAX + 4; i++)
		in[n++] = 7;
	in[n++] = 0xFF, in[n++] = 240;
	size_t big = n;
	struct telnet_decoder d;
	struct tn_log log = {{0}};
	uint8_t out[sizeof in];
	telnet_decoder_init(&d);
	assert_int_equal(telnet_decode(&d, in, big, out, tn_record, &log), 0);
	assert_non_null(strstr(log.text, " cut]"));
	const uint8_t broken[] = {0xFF, 250, 44, 1, 0xFF, 251, 3, 'z'};
	memset(&log, 0, sizeof log);
	assert_int_equal(telnet_decode(&d, broken, sizeof broken, out, tn_record, &log), 1);
	assert_int_equal(out[0], 'z');
	assert_string_equal(log.text, "[250 44 1 cut][251 3]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sync_wire_bytes),
	    cmocka_unit_test(test_rom_reply),
	    cmocka_unit_test(test_slip_escapes_and_chunking),
	    cmocka_unit_test(test_slip_errors),
	    cmocka_unit_test(test_request_and_checksum),
	    cmocka_unit_test(test_telnet_decode),
	    cmocka_unit_test(test_telnet_encode),
	    cmocka_unit_test(test_telnet_broken_sb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
