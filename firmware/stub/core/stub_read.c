/* SPDX-License-Identifier: MIT
 * Reading: READ_FLASH (reference §9.3) with its acks and final MD5, SPI_FLASH_MD5, and our
 * STUB_OP_SECTOR_MD5 (one digest per 4 KiB sector, so a host finds the changed sectors).
 *
 * READ_FLASH's fourth word, "max in flight", is honoured as a number of data packets the
 * host may have unacknowledged (esptool sends 64; esptool's own stubs wait for every ack).
 * A frame that is not a 4-byte ack ends the read and is handled as a command, so a host
 * that gave up is heard at once. */
#include "stub_int.h"

/* Reads [addr, addr + len) (len <= STUB_SECTOR + 4) into s->sector; *out points at addr's
 * byte. The HAL needs aligned addresses and lengths, so the read is widened to words. */
static uint8_t read_span(struct stub *s, uint32_t addr, uint32_t len, const uint8_t **out)
{
	uint32_t from = addr & ~3u, to = (addr + len + 3) & ~3u;
	*out = (const uint8_t *)s->sector + (addr & 3);
	if (from == to)
		return 0;
	return stub_hal(s)->flash_read(stub_hal(s)->ctx, from, s->sector, to - from)
		   ? STUB_ERR_FAILED_SPI_OP
		   : 0;
}

static uint8_t md5_range(struct stub *s, struct md5 *m, uint32_t addr, uint32_t size)
{
	while (size) {
		uint32_t n = size < STUB_SECTOR ? size : STUB_SECTOR;
		const uint8_t *p;
		uint8_t err = read_span(s, addr, n, &p);
		if (err)
			return err;
		md5_update(m, p, n);
		stub_work(s, STUB_WORK_MD5, n);
		addr += n;
		size -= n;
	}
	return 0;
}

uint8_t stub_flash_md5(struct stub *s, uint32_t addr, uint32_t size, uint8_t digest[16])
{
	struct md5 m;
	md5_init(&m);
	uint8_t err = md5_range(s, &m, addr, size);
	md5_final(&m, digest);
	return err;
}

void stub_cmd_md5(struct stub *s, const struct stub_req *r)
{
	/* addr, size, 0, 0; esptool's stub answers a bad request with 0x01. */
	if (r->len != 16) {
		stub_status(s, r, STUB_FAIL);
		return;
	}
	uint32_t addr = stub_le32(r->data), size = stub_le32(r->data + 4);
	if (!stub_range_ok(s, addr, size)) {
		stub_status(s, r, STUB_ERR_OUT_OF_RANGE);
		return;
	}
	uint8_t digest[16];
	uint8_t err = stub_flash_md5(s, addr, size, digest);
	if (err)
		stub_status(s, r, err);
	else
		stub_reply(s, r->op, 0, digest, 16, STUB_OK, 0);
}

/* Most sectors one reply can carry: 16 bytes each plus the status in a 16-bit length. */
#define SECTOR_MD5_MAX ((0xFFFFu - 2) / 16)

void stub_cmd_sector_md5(struct stub *s, const struct stub_req *r)
{
	if (r->len != 8) {
		stub_status(s, r, STUB_ERR_BAD_DATA_LEN);
		return;
	}
	uint32_t addr = stub_le32(r->data), size = stub_le32(r->data + 4);
	uint32_t n = size / STUB_SECTOR;
	if (addr % STUB_SECTOR || size % STUB_SECTOR || n > SECTOR_MD5_MAX) {
		stub_status(s, r, STUB_ERR_BAD_PARAM);
		return;
	}
	if (!stub_range_ok(s, addr, size)) {
		stub_status(s, r, STUB_ERR_OUT_OF_RANGE);
		return;
	}
	/* Streamed: the header announces every digest, each is sent when computed. */
	uint32_t len = n * 16 + 2;
	uint8_t head[8] = {1, r->op, (uint8_t)len, (uint8_t)(len >> 8), 0, 0, 0, 0};
	uint8_t err = 0;
	stub_frame_begin(s);
	stub_frame_body(s, head, sizeof head);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t digest[16];
		if (!err)
			err = stub_flash_md5(s, addr + i * STUB_SECTOR, STUB_SECTOR, digest);
		if (err)
			stub_memset(digest, 0, sizeof digest);
		stub_frame_body(s, digest, sizeof digest);
	}
	uint8_t tail[2] = {err, 0};
	stub_frame_body(s, tail, sizeof tail);
	stub_frame_end(s);
}

static void read_finish(struct stub *s)
{
	uint8_t digest[16];
	md5_final(&s->md5, digest);
	stub_frame_begin(s);
	stub_frame_body(s, digest, sizeof digest);
	stub_frame_end(s);
	s->rd.active = 0;
}

/* Sends packets while the window allows. A failing flash read ends the read early: the
 * host sees a short stream and no digest (esptool: "Corrupt data"). */
static void read_pump(struct stub *s)
{
	struct stub_read *rd = &s->rd;
	while (rd->sent < rd->total && rd->sent - rd->acked < rd->in_flight) {
		uint32_t n = rd->total - rd->sent < rd->packet ? rd->total - rd->sent : rd->packet;
		const uint8_t *p;
		if (read_span(s, rd->pos, n, &p)) {
			rd->active = 0;
			return;
		}
		md5_update(&s->md5, p, n);
		stub_work(s, STUB_WORK_MD5, n);
		stub_frame_begin(s);
		stub_frame_body(s, p, n);
		stub_frame_end(s);
		rd->pos += n;
		rd->sent += n;
	}
}

void stub_cmd_read(struct stub *s, const struct stub_req *r)
{
	if (r->len != 16) {
		stub_status(s, r, STUB_ERR_BAD_DATA_LEN);
		return;
	}
	uint32_t addr = stub_le32(r->data), size = stub_le32(r->data + 4);
	uint32_t packet = stub_le32(r->data + 8), in_flight = stub_le32(r->data + 12);
	if (!packet || packet > STUB_READ_PACKET_MAX) {
		stub_status(s, r, STUB_FAIL);
		return;
	}
	if (!stub_range_ok(s, addr, size)) {
		stub_status(s, r, STUB_ERR_OUT_OF_RANGE);
		return;
	}
	struct stub_read *rd = &s->rd;
	stub_memset(rd, 0, sizeof *rd);
	rd->pos = addr;
	rd->total = size;
	rd->packet = packet;
	/* In bytes from here on; 0 would never send anything: take 1. */
	in_flight = in_flight ? in_flight : 1;
	if (s->in_flight_bytes)
		rd->in_flight = in_flight;
	else
		rd->in_flight = stub_mul_sat(in_flight, packet);
	md5_init(&s->md5);
	stub_status(s, r, STUB_OK);
	rd->active = 1;
	if (!size) {
		read_finish(s);
		return;
	}
	read_pump(s);
}

int stub_read_frame(struct stub *s, const uint8_t *frame, uint32_t len)
{
	struct stub_read *rd = &s->rd;
	if (len != 4) {
		rd->active = 0; /* the host moved on: this is a command */
		return 0;
	}
	uint32_t acked = stub_le32(frame);
	/* An ack for bytes never sent, or going backwards, is line noise: ignore it. */
	if (acked > rd->sent || acked < rd->acked)
		return 1;
	rd->acked = acked;
	if (acked == rd->total)
		read_finish(s);
	else
		read_pump(s);
	return 1;
}
