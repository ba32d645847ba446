/* SPDX-License-Identifier: MIT
 * esptool's flasher stub, emulated. The board cannot execute Xtensa code, so when MEM_END
 * jumps into the stub area where esptool loads its stubs, the board does what that code
 * does (reference §9): "OHAI", replies with value 0 and the error code in the first status
 * byte, lazy erase while writing, zlib-compressed writes, MD5, reads with acks, erase
 * commands, baud change. Everything else a RAM program might do is out of scope. */
#include "sim/board.h"

#include <string.h>

#include "core/util.h"
#include "proto/packet.h"

enum {
	STUB_OK = 0x00, STUB_BAD_DATA_LEN = 0xC0, STUB_BAD_CHECKSUM = 0xC1,
	STUB_BAD_BLOCKSIZE = 0xC2, STUB_NOT_IN_FLASH_MODE = 0xC6, STUB_INFLATE = 0xC7,
	STUB_NOT_ENOUGH_DATA = 0xC8, STUB_TOO_MUCH_DATA = 0xC9, STUB_FAIL = 0x01,
	STUB_NOT_IMPLEMENTED = 0xFF,
};

struct sreq {
	uint8_t op;
	uint16_t len;
	uint32_t checksum;
	const uint8_t *data;
	uint64_t t;
};

/* esptool's stubs run from 0x4010C500 (esp-flasher-stub) or 0x4010D000 (legacy). */
bool sim_stub_entry(uint32_t entry)
{
	return entry >= 0x4010C000u && entry < 0x40110000u;
}

void sim_stub_reset(struct sim_board *b)
{
	if (b->stub.inflate_live)
		inflateEnd(&b->stub.zs);
	memset(&b->stub, 0, sizeof b->stub);
}

void sim_stub_start(struct sim_board *b, uint64_t t)
{
	static const uint8_t ohai[] = {0xC0, 'O', 'H', 'A', 'I', 0xC0};
	sim_stub_reset(b);
	b->state = SIM_STATE_STUB;
	b->flashchip_size = 0x1000000; /* the stub sets 16 MB flash parameters */
	sim_emit(b, ohai, sizeof ohai, b->uart_baud, t);
	sim_trace(b, t, "STUB running (emulated), sent OHAI");
}

static void reply(struct sim_board *b, const struct sreq *r, uint32_t value,
		  const uint8_t *res, uint16_t n, uint8_t err, uint64_t t)
{
	b->last_value = value;
	sim_reply(b, r->op, res, n, err, 0, t);
	if (t > b->cpu_free_ns)
		b->cpu_free_ns = t;
	b->stats.commands++;
}

static uint64_t idle_from(struct sim_board *b, uint64_t t)
{
	uint64_t busy = nor_busy_until(b->nor);
	return t > busy ? t : busy;
}

static uint64_t erase_unit(struct sim_board *b, uint32_t addr, uint32_t len, uint64_t t)
{
	t = idle_from(b, t);
	nor_write_enable(b->nor, t);
	nor_erase(b->nor, addr, len, t);
	b->stats.sectors_erased += len / NOR_SECTOR;
	return idle_from(b, t);
}

/* Erases, as the stub does before each write, up to the sector the write ends in:
 * 64 KiB blocks when aligned with at least 16 sectors to go, else 4 KiB sectors. */
static uint64_t lazy_erase(struct sim_board *b, uint32_t upto, uint64_t t)
{
	uint32_t end = upto < b->stub.erase_end ? upto : b->stub.erase_end;
	while (b->stub.erase_next < end) {
		uint32_t a = b->stub.erase_next;
		bool block = !(a % NOR_BLOCK64) && b->stub.erase_end - a >= NOR_BLOCK64;
		t = erase_unit(b, a, block ? NOR_BLOCK64 : NOR_SECTOR, t);
		b->stub.erase_next += block ? NOR_BLOCK64 : NOR_SECTOR;
	}
	return t;
}

static uint64_t stub_write(struct sim_board *b, const uint8_t *data, uint32_t len, uint64_t t)
{
	if (len > b->stub.size_left)
		len = b->stub.size_left; /* the stub writes only the announced size */
	uint32_t pos = b->stub.write_pos;
	t = lazy_erase(b, (pos + len + NOR_SECTOR - 1) & ~(NOR_SECTOR - 1), t);
	while (len) {
		uint32_t n = NOR_PAGE - pos % NOR_PAGE;
		if (n > len)
			n = len;
		t = idle_from(b, t);
		nor_write_enable(b->nor, t);
		nor_page_program(b->nor, pos, data, n, t);
		b->stats.pages_programmed++;
		t = idle_from(b, t);
		b->stats.flash_data_bytes += n;
		pos += n;
		data += n;
		len -= n;
		b->stub.size_left -= n;
	}
	b->stub.write_pos = pos;
	return t;
}

static void do_begin(struct sim_board *b, const struct sreq *r)
{
	if (r->len != 16 && r->len != 20) {
		reply(b, r, 0, NULL, 0, STUB_FAIL, r->t);
		return;
	}
	uint32_t size = get_le32(r->data), bsize = get_le32(r->data + 8);
	uint32_t off = get_le32(r->data + 12);
	if (bsize > 0x4000) {
		reply(b, r, 0, NULL, 0, STUB_BAD_BLOCKSIZE, r->t);
		return;
	}
	if (b->stub.inflate_live)
		inflateEnd(&b->stub.zs);
	b->stub.inflate_live = false;
	b->stub.flash_mode = true;
	b->stub.deflate = r->op == PKT_FLASH_DEFL_BEGIN;
	b->stub.write_pos = off;
	b->stub.size_left = size;
	b->stub.erase_next = off & ~(NOR_SECTOR - 1);
	b->stub.erase_end = (off + size + NOR_SECTOR - 1) & ~(NOR_SECTOR - 1);
	b->stub.late_error = 0;
	if (b->stub.deflate) {
		memset(&b->stub.zs, 0, sizeof b->stub.zs);
		b->stub.inflate_live = inflateInit(&b->stub.zs) == Z_OK;
	}
	sim_trace(b, r->t, "%s size=0x%x blocks=%u block_size=0x%x offset=0x%x -> 00 00 (stub)",
		  pkt_op_name(r->op), size, get_le32(r->data + 4), bsize, off);
	reply(b, r, 0, NULL, 0, STUB_OK, r->t);
}

/* Inflates one chunk and writes what comes out; returns the end time, sets late_error. */
static uint64_t inflate_chunk(struct sim_board *b, const uint8_t *p, uint32_t len, uint64_t t)
{
	uint8_t out[32768]; /* the stub's inflate buffer; on the stack: boards may run in threads */
	z_stream *zs = &b->stub.zs;
	if (!b->stub.inflate_live) {
		b->stub.late_error = STUB_INFLATE;
		return t;
	}
	zs->next_in = (Bytef *)(uintptr_t)p;
	zs->avail_in = len;
	while (zs->avail_in) {
		zs->next_out = out;
		zs->avail_out = sizeof out;
		int rc = inflate(zs, Z_NO_FLUSH);
		t = stub_write(b, out, (uint32_t)(sizeof out - zs->avail_out), t);
		if (rc == Z_STREAM_END) {
			if (zs->avail_in)
				b->stub.late_error = STUB_TOO_MUCH_DATA;
			break;
		}
		if (rc != Z_OK) {
			b->stub.late_error = STUB_INFLATE;
			break;
		}
	}
	return t;
}

static void do_data(struct sim_board *b, const struct sreq *r)
{
	uint8_t err = STUB_OK;
	uint32_t len = r->len >= 16 ? get_le32(r->data) : 0;
	if (!b->stub.flash_mode || b->stub.deflate != (r->op == PKT_FLASH_DEFL_DATA))
		err = STUB_NOT_IN_FLASH_MODE;
	else if (r->len < 16 || len != (uint32_t)r->len - 16)
		err = STUB_BAD_DATA_LEN;
	else if (pkt_checksum(r->data + 16, len) != r->checksum)
		err = STUB_BAD_CHECKSUM;
	else if (b->stub.late_error)
		err = b->stub.late_error;
	sim_trace(b, r->t, "%s len=%u seq=%u -> %02x 00 (stub)", pkt_op_name(r->op), len,
		  r->len >= 8 ? get_le32(r->data + 4) : 0, err);
	/* The stub replies first and writes while the next block arrives. */
	reply(b, r, 0, NULL, 0, err, r->t);
	if (err)
		return;
	b->cpu_free_ns = b->stub.deflate ? inflate_chunk(b, r->data + 16, len, r->t) :
					   stub_write(b, r->data + 16, len, r->t);
}

static void do_end(struct sim_board *b, const struct sreq *r)
{
	uint32_t flag = r->len >= 4 ? get_le32(r->data) : 1;
	uint8_t err = !b->stub.flash_mode ? STUB_NOT_IN_FLASH_MODE :
		      b->stub.size_left      ? STUB_NOT_ENOUGH_DATA :
					       b->stub.late_error;
	uint64_t t = idle_from(b, r->t > b->cpu_free_ns ? r->t : b->cpu_free_ns);
	sim_trace(b, r->t, "%s %s -> %02x 00 (stub)", pkt_op_name(r->op),
		  flag ? "stay" : "reboot", err);
	b->stub.flash_mode = false;
	reply(b, r, 0, NULL, 0, err, t);
	if (!flag) {
		/* Software reset 10 ms later: the latched straps bring back the ROM loader. */
		uint64_t after = (b->tx_free_ns > t ? b->tx_free_ns : t) + 10000000ull;
		sim_stub_reset(b);
		sim_boot(b, true, 2, after);
	}
}

static void do_md5(struct sim_board *b, const struct sreq *r)
{
	if (r->len < 8) {
		reply(b, r, 0, NULL, 0, STUB_FAIL, r->t);
		return;
	}
	uint32_t addr = get_le32(r->data), size = get_le32(r->data + 4);
	if (size > 0x1000000) { /* more than the largest flash: refuse, do not spin */
		reply(b, r, 0, NULL, 0, STUB_FAIL, r->t);
		return;
	}
	struct md5 m;
	uint8_t chunk[4096], digest[16];
	md5_init(&m);
	for (uint32_t done = 0; done < size;) {
		uint32_t n = size - done < sizeof chunk ? size - done : (uint32_t)sizeof chunk;
		nor_read(b->nor, addr + done, chunk, n);
		md5_update(&m, chunk, n);
		done += n;
	}
	md5_final(&m, digest);
	sim_trace(b, r->t, "SPI_FLASH_MD5 addr=0x%x size=0x%x -> 00 00 (stub)", addr, size);
	reply(b, r, 0, digest, 16, STUB_OK, idle_from(b, r->t));
}

static void do_erase(struct sim_board *b, const struct sreq *r)
{
	uint64_t t = idle_from(b, r->t);
	if (r->op == PKT_ERASE_FLASH) {
		nor_write_enable(b->nor, t);
		nor_chip_erase(b->nor, t);
		b->stats.sectors_erased += nor_size(b->nor) / NOR_SECTOR;
		sim_trace(b, r->t, "ERASE_FLASH -> 00 00 (stub)");
		reply(b, r, 0, NULL, 0, STUB_OK, idle_from(b, t));
		return;
	}
	uint32_t off = r->len >= 8 ? get_le32(r->data) : 1, size = get_le32(r->data + 4);
	if (r->len < 8 || off % NOR_SECTOR || size % NOR_SECTOR || size > 0x1000000) {
		sim_trace(b, r->t, "ERASE_REGION -> 01 00 (stub: not sector aligned)");
		reply(b, r, 0, NULL, 0, STUB_FAIL, r->t);
		return;
	}
	/* Sectors up to a 64 KiB boundary, blocks while more than 64 KiB remain, sectors. */
	while (size && off % NOR_BLOCK64) {
		t = erase_unit(b, off, NOR_SECTOR, t);
		off += NOR_SECTOR;
		size -= NOR_SECTOR;
	}
	for (; size > NOR_BLOCK64; off += NOR_BLOCK64, size -= NOR_BLOCK64)
		t = erase_unit(b, off, NOR_BLOCK64, t);
	for (; size; off += NOR_SECTOR, size -= NOR_SECTOR)
		t = erase_unit(b, off, NOR_SECTOR, t);
	sim_trace(b, r->t, "ERASE_REGION offset=0x%x size=0x%x -> 00 00 (stub)",
		  get_le32(r->data), get_le32(r->data + 4));
	reply(b, r, 0, NULL, 0, STUB_OK, t);
}

/* READ_FLASH: one raw frame per ack (the legacy stub waits for each), then the MD5. */
static void read_next(struct sim_board *b, uint64_t t)
{
	uint8_t data[4096], wire[2 * 4096 + 2];
	if (!b->stub.read_left) {
		uint8_t digest[16];
		md5_final(&b->stub.md5, digest);
		sim_emit(b, wire, slip_encode(digest, 16, wire), b->uart_baud, t);
		b->stub.reading = false;
		return;
	}
	uint32_t n = b->stub.read_left < b->stub.read_packet ? b->stub.read_left :
							       b->stub.read_packet;
	nor_read(b->nor, b->stub.read_pos, data, n);
	md5_update(&b->stub.md5, data, n);
	b->stub.read_pos += n;
	b->stub.read_left -= n;
	b->stub.read_sent += n;
	sim_emit(b, wire, slip_encode(data, n, wire), b->uart_baud, t);
}

static void do_read(struct sim_board *b, const struct sreq *r)
{
	uint32_t packet = r->len >= 16 ? get_le32(r->data + 8) : 0;
	if (r->len < 16 || !packet || packet > 4096) {
		reply(b, r, 0, NULL, 0, STUB_FAIL, r->t);
		return;
	}
	b->stub.read_pos = get_le32(r->data);
	b->stub.read_left = get_le32(r->data + 4);
	b->stub.read_packet = packet;
	b->stub.read_sent = 0;
	b->stub.reading = true;
	md5_init(&b->stub.md5);
	sim_trace(b, r->t, "READ_FLASH offset=0x%x length=0x%x packet=%u -> 00 00 (stub)",
		  b->stub.read_pos, b->stub.read_left, packet);
	reply(b, r, 0, NULL, 0, STUB_OK, r->t);
	read_next(b, r->t);
}

static void do_write_reg(struct sim_board *b, const struct sreq *r)
{
	if (!r->len || r->len % 16) {
		reply(b, r, 0, NULL, 0, STUB_BAD_DATA_LEN, r->t);
		return;
	}
	uint64_t t = r->t;
	for (uint16_t i = 0; i < r->len; i += 16) {
		const uint8_t *e = r->data + i;
		uint32_t addr = get_le32(e), value = get_le32(e + 4), mask = get_le32(e + 8);
		t += b->cfg.fast ? 0 : (uint64_t)get_le32(e + 12) * 1000;
		if (mask != 0xFFFFFFFFu)
			value = (value & mask) | (sim_reg_read(b, addr, t) & ~mask);
		sim_reg_write(b, addr, value, t);
	}
	sim_trace(b, r->t, "WRITE_REG %u entries, first addr=0x%08x value=0x%08x -> 00 00 (stub)",
		  r->len / 16, get_le32(r->data), get_le32(r->data + 4));
	reply(b, r, 0, NULL, 0, STUB_OK, t);
}

static void do_misc(struct sim_board *b, const struct sreq *r)
{
	switch (r->op) {
	case PKT_SYNC:
		b->last_value = 0; /* value 0 tells esptool a stub is already running */
		for (int i = 0; i < 7; i++)
			sim_reply(b, r->op, NULL, 0, 0, 0, r->t);
		reply(b, r, 0, NULL, 0, STUB_OK, r->t);
		return;
	case PKT_READ_REG:
		if (r->len != 4) {
			reply(b, r, 0, NULL, 0, STUB_BAD_DATA_LEN, r->t);
			return;
		}
		b->last_value = sim_reg_read(b, get_le32(r->data), r->t);
		sim_trace(b, r->t, "READ_REG addr=0x%08x -> 0x%08x 00 00 (stub)", get_le32(r->data),
			  b->last_value);
		reply(b, r, b->last_value, NULL, 0, STUB_OK, r->t);
		return;
	case PKT_SPI_SET_PARAMS:
		if (r->len == 24)
			b->flashchip_size = get_le32(r->data + 4) > 0x1000000 ?
						    0x1000000 : get_le32(r->data + 4);
		reply(b, r, 0, NULL, 0, r->len == 24 ? STUB_OK : STUB_FAIL, r->t);
		return;
	case PKT_SPI_ATTACH:
		reply(b, r, 0, NULL, 0, STUB_OK, r->t);
		return;
	case PKT_CHANGE_BAUDRATE: {
		uint32_t baud = r->len >= 4 ? get_le32(r->data) : 0;
		reply(b, r, 0, NULL, 0, baud ? STUB_OK : STUB_FAIL, r->t);
		/* Replies at the old rate, then switches (the host follows after 50 ms). */
		if (baud)
			b->uart_baud = baud;
		sim_trace(b, r->t, "CHANGE_BAUDRATE %u -> 00 00 (stub)", baud);
		return;
	}
	case PKT_RUN_USER_CODE:
		sim_trace(b, r->t, "RUN_USER_CODE (stub): the firmware boots");
		sim_stub_reset(b);
		b->state = SIM_STATE_FIRMWARE;
		return;
	default:
		sim_trace(b, r->t, "%s (0x%02x) -> ff 00 (stub: not implemented)",
			  pkt_op_name(r->op), r->op);
		reply(b, r, 0, NULL, 0, STUB_NOT_IMPLEMENTED, r->t);
		return;
	}
}

void sim_stub_request(struct sim_board *b, const uint8_t *frame, size_t len, uint64_t t)
{
	t = t > b->cpu_free_ns ? t : b->cpu_free_ns;
	/* Each command draws its own stall, as in the ROM; without this the stub kept the
	 * draw of the ROM's last command (MEM_END) and stalled every reply or none. */
	b->stall_ns = 0;
	if (b->stub.reading) {
		if (len == 4 && get_le32(frame) == b->stub.read_sent)
			read_next(b, t);
		return;
	}
	if (len < PKT_HEADER_LEN || frame[0] != 0 || get_le16(frame + 2) != len - PKT_HEADER_LEN) {
		b->stats.bad_frames++;
		return;
	}
	struct sreq r = {.op = frame[1], .len = get_le16(frame + 2),
			 .checksum = get_le32(frame + 4), .data = frame + PKT_HEADER_LEN, .t = t};
	sim_draw_stall(b);
	switch (r.op) {
	case PKT_FLASH_BEGIN: case PKT_FLASH_DEFL_BEGIN: do_begin(b, &r); break;
	case PKT_FLASH_DATA: case PKT_FLASH_DEFL_DATA: do_data(b, &r); break;
	case PKT_FLASH_END: case PKT_FLASH_DEFL_END: do_end(b, &r); break;
	case PKT_SPI_FLASH_MD5: do_md5(b, &r); break;
	case PKT_ERASE_FLASH: case PKT_ERASE_REGION: do_erase(b, &r); break;
	case PKT_READ_FLASH: do_read(b, &r); break;
	case PKT_WRITE_REG: do_write_reg(b, &r); break;
	default: do_misc(b, &r); break;
	}
}
