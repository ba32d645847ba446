/* SPDX-License-Identifier: MIT
 * The stub tests' protocol host (client.h). */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "core/md5.h"
#include "core/util.h"
#include "proto/packet.h"
#include "proto/slip.h"
#include "stub/stub_blob.h"

const char *client_flash_file(uint32_t size, uint8_t fill)
{
	static char path[1024];
	const char *root = getenv("ESPDECK_BUILD_ROOT");
	snprintf(path, sizeof path, "%s/stub-test-flash-%ld.bin", root ? root : ".",
		 (long)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		return NULL;
	uint8_t *buf = malloc(size);
	memset(buf, fill, size);
	size_t n = fwrite(buf, 1, size, f);
	free(buf);
	fclose(f);
	return n == size ? path : NULL;
}

uint32_t client_checksum(const uint8_t *data, uint32_t len)
{
	uint8_t sum = 0xEF;
	for (uint32_t i = 0; i < len; i++)
		sum ^= data[i];
	return sum;
}

int client_send_raw(struct link *l, const uint8_t *bytes, size_t len)
{
	struct ed_error err;
	return link_write(l, bytes, len, &err);
}

int client_send(struct link *l, uint8_t op, const uint8_t *data, uint32_t len, uint32_t checksum)
{
	static uint8_t body[8 + 0x10100];
	static uint8_t wire[2 * sizeof body + 2];
	body[0] = 0;
	body[1] = op;
	put_le16(body + 2, (uint16_t)len);
	put_le32(body + 4, checksum);
	if (len)
		memcpy(body + 8, data, len);
	return client_send_raw(l, wire, slip_encode(body, 8 + len, wire));
}

int client_frame(struct link *l, uint8_t *buf, size_t cap, uint64_t timeout_us)
{
	struct slip_decoder d;
	slip_decoder_init(&d, buf, cap);
	uint64_t deadline = link_now_us(l) + timeout_us;
	for (;;) {
		uint8_t c[256];
		uint64_t now = link_now_us(l);
		if (now >= deadline)
			return -1;
		struct ed_error err;
		/* one byte at a time: a frame must not swallow the start of the next */
		int n = link_read(l, c, 1, deadline - now, &err);
		if (n <= 0)
			return -1;
		size_t used;
		enum slip_event ev = slip_decoder_feed(&d, c, 1, &used);
		if (ev == SLIP_FRAME) {
			size_t flen;
			slip_decoder_frame(&d, &flen);
			return (int)flen;
		}
	}
}

bool client_cmd(struct link *l, uint8_t op, const uint8_t *data, uint32_t len, uint32_t checksum,
		struct reply *r)
{
	static uint8_t f[8 + 65536 + 16];
	if (client_send(l, op, data, len, checksum) < 0)
		return false;
	for (int i = 0; i < 100; i++) {
		int n = client_frame(l, f, sizeof f, 3000000);
		if (n < 0)
			return false;
		if (n < 10 || f[0] != 1 || f[1] != op)
			continue;
		r->op = f[1];
		r->len = get_le16(f + 2);
		r->value = get_le32(f + 4);
		memcpy(r->data, f + 8, (size_t)n - 8);
		r->status = f[n - 2];
		r->extra = f[n - 1];
		return true;
	}
	return false;
}

int client_status(struct link *l, uint8_t op, const uint8_t *data, uint32_t len)
{
	static struct reply r;
	if (!client_cmd(l, op, data, len, 0, &r))
		return -1;
	return r.status;
}

static bool rom_cmd(struct link *l, uint8_t op, const uint8_t *data, uint32_t len,
		    uint32_t checksum)
{
	static struct reply r;
	return client_cmd(l, op, data, len, checksum, &r) && r.status == 0;
}

static bool mem_segment(struct link *l, uint32_t addr, const uint8_t *data, uint32_t size)
{
	uint8_t d[16 + 0x1800];
	uint32_t blocks = (size + 0x17FF) / 0x1800;
	put_le32(d, size);
	put_le32(d + 4, blocks);
	put_le32(d + 8, 0x1800);
	put_le32(d + 12, addr);
	if (!rom_cmd(l, PKT_MEM_BEGIN, d, 16, 0))
		return false;
	for (uint32_t seq = 0; seq < blocks; seq++) {
		uint32_t n = size - seq * 0x1800 < 0x1800 ? size - seq * 0x1800 : 0x1800;
		put_le32(d, n);
		put_le32(d + 4, seq);
		put_le32(d + 8, 0);
		put_le32(d + 12, 0);
		memcpy(d + 16, data + seq * 0x1800, n);
		if (!rom_cmd(l, PKT_MEM_DATA, d, 16 + n, client_checksum(d + 16, n)))
			return false;
	}
	return true;
}

bool client_upload(struct link *l, enum client_upload what)
{
	static uint8_t text[8248], data[768];
	uint32_t entry;
	memset(text, 0x5A, sizeof text); /* no real code needed: the board recognises the place */
	if (what == UPLOAD_OURS) {
		const struct stub_blob *blob = stub_blob_builtin();
		if (!blob)
			return false;
		for (size_t i = 0; i < blob->n_segments; i++)
			if (!mem_segment(l, blob->segments[i].addr, blob->segments[i].data,
					 blob->segments[i].size))
				return false;
		entry = blob->entry;
	} else if (what == UPLOAD_ESPTOOL_LAYOUT) {
		if (!mem_segment(l, 0x4010D000u, text, sizeof text) ||
		    !mem_segment(l, 0x3FFFACA8u, data, sizeof data))
			return false;
		entry = 0x4010D004u;
	} else {
		if (!mem_segment(l, 0x40100000u, text, 256))
			return false;
		entry = 0x40100004u;
	}
	uint8_t d[8];
	put_le32(d, 0);
	put_le32(d + 4, entry);
	if (!rom_cmd(l, PKT_MEM_END, d, 8, 0))
		return false;
	uint8_t f[64];
	int n = client_frame(l, f, sizeof f, 200000);
	return n == 4 && !memcmp(f, "OHAI", 4);
}

struct link *client_open(const char *opts, enum client_upload what, bool expect_ohai)
{
	char spec[1024];
	snprintf(spec, sizeof spec, "sim://?clock=virtual%s%s", *opts ? "&" : "", opts);
	return client_open_spec(spec, what, expect_ohai);
}

struct link *client_open_spec(const char *spec, enum client_upload what, bool expect_ohai)
{
	struct link *l = NULL;
	struct ed_error err;
	if (link_open(spec, NULL, &l, &err) < 0) {
		fprintf(stderr, "cannot open %s: %s\n", spec, err.msg);
		return NULL;
	}
	uint8_t p[36];
	pkt_sync_payload(p);
	static struct reply r;
	if (!client_cmd(l, PKT_SYNC, p, 36, 0, &r)) {
		link_close(l);
		return NULL;
	}
	link_sleep_us(l, 50000);
	l->ops->flush_input(l, &err);
	if (client_upload(l, what) != expect_ohai) {
		link_close(l);
		return NULL;
	}
	return l;
}

int client_begin(struct link *l, bool deflate, uint32_t size, uint32_t blocks, uint32_t block_size,
		 uint32_t offset)
{
	uint8_t d[16];
	put_le32(d, size);
	put_le32(d + 4, blocks);
	put_le32(d + 8, block_size);
	put_le32(d + 12, offset);
	return client_status(l, deflate ? PKT_FLASH_DEFL_BEGIN : PKT_FLASH_BEGIN, d, 16);
}

int client_data(struct link *l, bool deflate, const uint8_t *block, uint32_t len, uint32_t seq)
{
	static uint8_t d[16 + 0x10000];
	static struct reply r;
	put_le32(d, len);
	put_le32(d + 4, seq);
	put_le32(d + 8, 0);
	put_le32(d + 12, 0);
	memcpy(d + 16, block, len);
	if (!client_cmd(l, deflate ? PKT_FLASH_DEFL_DATA : PKT_FLASH_DATA, d, 16 + len,
			client_checksum(block, len), &r))
		return -1;
	return r.status;
}

int client_end(struct link *l, bool deflate, uint32_t flag)
{
	uint8_t d[4];
	put_le32(d, flag);
	return client_status(l, deflate ? PKT_FLASH_DEFL_END : PKT_FLASH_END, d, 4);
}

int client_md5(struct link *l, uint32_t addr, uint32_t size, uint8_t digest[16])
{
	uint8_t d[16] = {0};
	static struct reply r;
	put_le32(d, addr);
	put_le32(d + 4, size);
	if (!client_cmd(l, PKT_SPI_FLASH_MD5, d, 16, 0, &r))
		return -1;
	if (!r.status && r.len == 18)
		memcpy(digest, r.data, 16);
	return r.status;
}

void client_md5_of(const uint8_t *data, size_t len, uint8_t digest[16])
{
	struct md5 m;
	md5_init(&m);
	md5_update(&m, data, len);
	md5_final(&m, digest);
}

int client_read(struct link *l, uint32_t addr, uint32_t size, uint32_t packet, uint32_t in_flight,
		uint8_t *out)
{
	uint8_t d[16];
	static struct reply r;
	static uint8_t f[8192];
	put_le32(d, addr);
	put_le32(d + 4, size);
	put_le32(d + 8, packet);
	put_le32(d + 12, in_flight);
	if (!client_cmd(l, PKT_READ_FLASH, d, 16, 0, &r))
		return -1;
	if (r.status)
		return r.status;
	uint32_t got = 0;
	while (got < size) {
		int n = client_frame(l, f, sizeof f, 3000000);
		if (n <= 0 || (uint32_t)n > size - got)
			return -2;
		memcpy(out + got, f, (size_t)n);
		got += (uint32_t)n;
		uint8_t ack[4], wire[10];
		put_le32(ack, got);
		client_send_raw(l, wire, slip_encode(ack, 4, wire));
	}
	uint8_t digest[16];
	client_md5_of(out, size, digest);
	int n = client_frame(l, f, sizeof f, 3000000);
	return n == 16 && !memcmp(f, digest, 16) ? 0 : -2;
}

int client_write(struct link *l, bool deflate, uint32_t offset, const uint8_t *data, uint32_t size)
{
	const uint32_t bs = 0x4000;
	uint8_t *src = (uint8_t *)data;
	uLongf clen = compressBound(size);
	uint8_t *z = NULL;
	uint32_t total = size;
	if (deflate) {
		z = malloc(clen);
		if (compress2(z, &clen, data, size, 9) != Z_OK)
			return -3;
		src = z;
		total = (uint32_t)clen;
	}
	uint32_t blocks = (total + bs - 1) / bs;
	int st = client_begin(l, deflate, size, blocks, bs, offset);
	static uint8_t block[0x4000];
	for (uint32_t seq = 0; !st && seq < blocks; seq++) {
		uint32_t n = total - seq * bs < bs ? total - seq * bs : bs;
		memcpy(block, src + seq * bs, n);
		if (!deflate && n < bs) {
			memset(block + n, 0xFF, bs - n); /* esptool pads plain blocks */
			n = bs;
		}
		st = client_data(l, deflate, block, n, seq);
	}
	free(z);
	return st;
}
