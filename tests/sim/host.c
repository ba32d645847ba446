/* SPDX-License-Identifier: MIT
 * Test host for the virtual board (see host.h). */
#include "host.h"

#include <string.h>

#include "core/util.h"
#include "proto/packet.h"
#include "proto/slip.h"

int host_send(struct link *l, uint8_t op, const uint8_t *data, uint16_t len, uint32_t checksum)
{
	static uint8_t body[PKT_HEADER_LEN + 0x4100];
	static uint8_t wire[2 * sizeof body + 2];
	size_t n = pkt_build_request(body, op, data, len, checksum);
	size_t w = slip_encode(body, n, wire);
	struct ed_error err;
	return link_write(l, wire, w, &err);
}

bool host_recv(struct link *l, struct host_reply *r, uint64_t timeout_us)
{
	static uint8_t fbuf[512];
	struct slip_decoder d;
	slip_decoder_init(&d, fbuf, sizeof fbuf);
	uint64_t deadline = link_now_us(l) + timeout_us;
	for (;;) {
		uint8_t c;
		uint64_t now = link_now_us(l);
		if (now >= deadline)
			return false;
		struct ed_error err;
		int n = link_read(l, &c, 1, deadline - now, &err);
		if (n <= 0)
			return false;
		size_t used;
		if (slip_decoder_feed(&d, &c, 1, &used) != SLIP_FRAME)
			continue;
		size_t flen;
		const uint8_t *f = slip_decoder_frame(&d, &flen);
		if (flen < 10 || f[0] != 1)
			continue;
		r->op = f[1];
		r->len = get_le16(f + 2);
		r->value = get_le32(f + 4);
		memset(r->data, 0, sizeof r->data);
		memcpy(r->data, f + 8, flen - 8 < sizeof r->data ? flen - 8 : sizeof r->data);
		r->status = f[flen - 2];
		r->error = f[flen - 1];
		return true;
	}
}

bool host_cmd(struct link *l, uint8_t op, const uint8_t *data, uint16_t len, uint32_t checksum,
	      struct host_reply *r, uint64_t timeout_us)
{
	if (host_send(l, op, data, len, checksum) < 0)
		return false;
	for (int i = 0; i < 100; i++) {
		if (!host_recv(l, r, timeout_us))
			return false;
		if (r->op == op)
			return true;
	}
	return false;
}

int host_sync(struct link *l)
{
	uint8_t p[36];
	pkt_sync_payload(p);
	struct ed_error err;
	l->ops->flush_input(l, &err);
	if (host_send(l, PKT_SYNC, p, 36, 0) < 0)
		return 0;
	struct host_reply r;
	int n = 0;
	if (!host_recv(l, &r, 100000))
		return 0;
	n++;
	while (host_recv(l, &r, 20000))
		n++;
	return n;
}

bool host_read_reg(struct link *l, uint32_t addr, uint32_t *value)
{
	uint8_t d[4];
	put_le32(d, addr);
	struct host_reply r;
	if (!host_cmd(l, PKT_READ_REG, d, 4, 0, &r, 3000000) || r.status)
		return false;
	*value = r.value;
	return true;
}

bool host_write_reg(struct link *l, uint32_t addr, uint32_t value)
{
	uint8_t d[16];
	put_le32(d, addr);
	put_le32(d + 4, value);
	put_le32(d + 8, 0xFFFFFFFFu);
	put_le32(d + 12, 0);
	struct host_reply r;
	return host_cmd(l, PKT_WRITE_REG, d, 16, 0, &r, 3000000) && !r.status;
}

uint16_t host_flash_begin(struct link *l, uint32_t erase_size, uint32_t blocks, uint32_t block_size,
			  uint32_t offset, uint64_t timeout_us)
{
	uint8_t d[16];
	put_le32(d, erase_size);
	put_le32(d + 4, blocks);
	put_le32(d + 8, block_size);
	put_le32(d + 12, offset);
	struct host_reply r;
	if (!host_cmd(l, PKT_FLASH_BEGIN, d, 16, 0, &r, timeout_us))
		return 0xFFFF;
	return (uint16_t)(r.status << 8 | r.error);
}

uint16_t host_flash_data(struct link *l, const uint8_t *block, uint32_t len, uint32_t seq)
{
	static uint8_t d[16 + 0x4000];
	put_le32(d, len);
	put_le32(d + 4, seq);
	put_le32(d + 8, 0);
	put_le32(d + 12, 0);
	memcpy(d + 16, block, len);
	struct host_reply r;
	if (!host_cmd(l, PKT_FLASH_DATA, d, (uint16_t)(16 + len), pkt_checksum(block, len), &r,
		      3000000))
		return 0xFFFF;
	return (uint16_t)(r.status << 8 | r.error);
}

uint32_t host_spi_command(struct link *l, uint8_t cmd, const uint8_t *mosi, size_t mosi_len,
			  unsigned miso_bits, uint32_t addr, unsigned addr_len, unsigned dummy)
{
	const uint32_t base = 0x60000200;
	uint32_t old_user = 0, old_user2 = 0, v = 0;
	host_read_reg(l, base + 0x1C, &old_user);
	host_read_reg(l, base + 0x24, &old_user2);
	unsigned mosi_bits = (unsigned)mosi_len * 8;
	uint32_t user1 =
	    ((miso_bits ? miso_bits - 1 : 0) << 8) | ((mosi_bits ? mosi_bits - 1 : 0) << 17);
	if (dummy)
		user1 |= dummy - 1;
	if (addr_len)
		user1 |= (addr_len - 1) << 26;
	host_write_reg(l, base + 0x20, user1);
	uint32_t user = 1u << 31;
	if (miso_bits)
		user |= 1u << 28;
	if (mosi_bits)
		user |= 1u << 27;
	if (addr_len)
		user |= 1u << 30;
	if (dummy)
		user |= 1u << 29;
	host_write_reg(l, base + 0x1C, user);
	host_write_reg(l, base + 0x24, (7u << 28) | cmd);
	if (addr_len)
		host_write_reg(l, base + 0x04, addr << (32 - addr_len));
	if (!mosi_len) {
		host_write_reg(l, base + 0x40, 0);
	} else {
		uint8_t pad[64] = {0};
		memcpy(pad, mosi, mosi_len);
		for (size_t i = 0; i < (mosi_len + 3) / 4; i++)
			host_write_reg(l, base + 0x40 + 4 * (uint32_t)i, get_le32(pad + 4 * i));
	}
	host_write_reg(l, base, 1u << 18);
	for (int i = 0; i < 10; i++) {
		uint32_t c = 0;
		host_read_reg(l, base, &c);
		if (!(c & (1u << 18)))
			break;
	}
	host_read_reg(l, base + 0x40, &v);
	host_write_reg(l, base + 0x1C, old_user);
	host_write_reg(l, base + 0x24, old_user2);
	return v;
}
