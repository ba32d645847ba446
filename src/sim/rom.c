/* SPDX-License-Identifier: MIT
 * The ESP8266 ROM loader's commands (reference §1-§2, §6): two status bytes, the sticky
 * value field, checksums seeded 0xEF, eight SYNC replies, nothing before the first SYNC,
 * FLASH_BEGIN's erase-size bug, MEM_* into the RAM model, and 01 05 for everything the
 * ROM does not know. */
#include "sim/board.h"

#include <string.h>

#include "core/util.h"
#include "proto/packet.h"

enum { ST_OK = 0, ST_FAIL = 1 };

struct req {
	uint8_t op;
	uint16_t len;
	uint32_t checksum;
	const uint8_t *data;
	uint64_t t; /* when the ROM starts on it */
};

static uint32_t word(const struct req *r, int i)
{
	return get_le32(r->data + 4 * i);
}

static void ok(struct sim_board *b, const struct req *r, uint64_t done)
{
	sim_reply(b, r->op, NULL, 0, ST_OK, 0, done);
	b->cpu_free_ns = done;
}

static void fail(struct sim_board *b, const struct req *r, uint8_t code, uint64_t done)
{
	sim_reply(b, r->op, NULL, 0, ST_FAIL, code, done);
	b->cpu_free_ns = done;
}

static void do_sync(struct sim_board *b, const struct req *r)
{
	static const uint8_t head[4] = {0x07, 0x07, 0x12, 0x20};
	bool good = r->len == 36 && !memcmp(r->data, head, 4);
	for (int i = 4; good && i < 36; i++)
		good = r->data[i] == 0x55;
	if (!good) {
		sim_trace(b, r->t, "SYNC malformed (%u bytes) -> ignored", r->len);
		return;
	}
	if (b->syncs_seen++ < b->cfg.sync_after) {
		sim_trace(b, r->t, "SYNC -> ignored (sync-after=%u)", b->cfg.sync_after);
		return;
	}
	/* The ROM's autobaud locks on the 0x55 run of the first SYNC. */
	if (!b->synced)
		b->uart_baud = b->host_baud;
	b->synced = true;
	b->last_value = PKT_SYNC_VALUE;
	for (int i = 0; i < 8; i++)
		sim_reply(b, r->op, NULL, 0, ST_OK, 0, r->t);
	b->cpu_free_ns = r->t;
	b->stats.commands++;
	sim_trace(b, r->t, "SYNC -> 8 replies 00 00");
}

static void do_read_reg(struct sim_board *b, const struct req *r)
{
	if (r->len != 4) {
		sim_trace(b, r->t, "READ_REG len=%u -> 01 05", r->len);
		fail(b, r, PKT_ROM_INVALID_MESSAGE, r->t);
		return;
	}
	uint32_t addr = word(r, 0);
	b->last_value = sim_reg_read(b, addr, r->t);
	b->stats.commands++;
	sim_trace(b, r->t, "READ_REG addr=0x%08x -> 0x%08x 00 00", addr, b->last_value);
	ok(b, r, r->t);
}

static void do_write_reg(struct sim_board *b, const struct req *r)
{
	if (r->len != 16) {
		sim_trace(b, r->t, "WRITE_REG len=%u -> 01 05", r->len);
		fail(b, r, PKT_ROM_INVALID_MESSAGE, r->t);
		return;
	}
	uint32_t addr = word(r, 0), value = word(r, 1), mask = word(r, 2), delay = word(r, 3);
	uint64_t t = r->t + (b->cfg.fast ? 0 : (uint64_t)delay * 1000);
	if (mask != 0xFFFFFFFFu)
		value = (value & mask) | (sim_reg_read(b, addr, t) & ~mask);
	sim_reg_write(b, addr, value, t);
	b->stats.commands++;
	sim_trace(b, r->t, "WRITE_REG addr=0x%08x value=0x%08x mask=0x%08x delay=%u -> 00 00", addr,
		  word(r, 1), mask, delay);
	ok(b, r, t);
}

/* One ROM erase step: WREN, the erase, wait for WIP to clear. */
static uint64_t rom_erase(struct sim_board *b, uint32_t addr, uint32_t len, uint64_t t)
{
	uint64_t start = t > nor_busy_until(b->nor) ? t : nor_busy_until(b->nor);
	/* A NOR decodes only the address bits of its size: the erase bug's extra sector
	 * past the last one lands on sector 0 (reference §6.2, inferred; norflash.c). */
	if (addr >= nor_size(b->nor))
		sim_trace(b, start,
			  "erase 0x%06x past the end of the %u KB chip -> wraps to 0x%06x", addr,
			  nor_size(b->nor) / 1024, addr & (nor_size(b->nor) - 1));
	nor_write_enable(b->nor, start);
	nor_erase(b->nor, addr, len, start);
	b->stats.sectors_erased += len / NOR_SECTOR;
	return nor_busy_until(b->nor) > start ? nor_busy_until(b->nor) : start;
}

/* The ROM's SPIEraseArea as Cesanta reverse-engineered it (reference §6.1): min(t, x)
 * single sectors up to the 64 KiB boundary, then the counter is reloaded with the full x:
 * 64 KiB blocks while more than 16 sectors remain, then single sectors. */
static uint64_t rom_erase_area(struct sim_board *b, uint32_t offset, uint32_t size, uint64_t t)
{
	uint32_t x = (uint32_t)(((uint64_t)size + NOR_SECTOR - 1) / NOR_SECTOR);
	uint32_t s = offset / NOR_SECTOR;
	uint32_t head = 16 - (s % 16);
	if (head > x)
		head = x;
	for (uint32_t i = 0; i < head; i++)
		t = rom_erase(b, (s++) * NOR_SECTOR, NOR_SECTOR, t);
	uint32_t left = x; /* the bug: should be x - head */
	while (left > 16) {
		t = rom_erase(b, s * NOR_SECTOR, NOR_BLOCK64, t);
		s += 16;
		left -= 16;
	}
	while (left--)
		t = rom_erase(b, (s++) * NOR_SECTOR, NOR_SECTOR, t);
	return t;
}

static void do_flash_begin(struct sim_board *b, const struct req *r)
{
	/* The ROM reads its four words from whatever request carries at least 16 bytes: a
	 * FLASH_DATA whose opcode bit 0 was lost on the wire runs as FLASH_BEGIN(0x400 bytes,
	 * seq blocks, block size 0, offset 0) and erases sectors 0 and 1 (issue 11, defect 1;
	 * the independent ROM model that found it behaves so). */
	if (r->len < 16) {
		sim_trace(b, r->t, "FLASH_BEGIN len=%u -> 01 05", r->len);
		fail(b, r, PKT_ROM_INVALID_MESSAGE, r->t);
		return;
	}
	uint32_t size = word(r, 0), blocks = word(r, 1), bsize = word(r, 2), off = word(r, 3);
	const char *why = NULL;
	if (off % NOR_SECTOR)
		why = "offset not sector aligned";
	else if ((uint64_t)off + size > b->flashchip_size)
		why = "beyond the ROM's flash size";
	if (why) {
		sim_trace(b, r->t,
			  "FLASH_BEGIN size=0x%x blocks=%u block_size=0x%x offset=0x%x "
			  "-> 01 05 (%s)",
			  size, blocks, bsize, off, why);
		fail(b, r, PKT_ROM_INVALID_MESSAGE, r->t);
		return;
	}
	uint64_t done = size ? rom_erase_area(b, off, size, r->t) : r->t;
	b->flash_mode = true;
	b->fl_offset = off;
	b->fl_blocks = blocks;
	b->fl_block_size = bsize;
	b->stats.commands++;
	sim_trace(b, r->t,
		  "FLASH_BEGIN size=0x%x blocks=%u block_size=0x%x offset=0x%x -> "
		  "00 00 (erase %.3f ms)",
		  size, blocks, bsize, off, (double)(done - r->t) / 1e6);
	ok(b, r, done);
}

/* Programs len bytes page by page as the ROM's SPIWrite does; returns the end time. */
static uint64_t rom_program(struct sim_board *b, uint32_t addr, const uint8_t *data, uint32_t len,
			    uint64_t t)
{
	while (len) {
		uint32_t room = NOR_PAGE - (addr % NOR_PAGE);
		uint32_t n = len < room ? len : room;
		uint64_t start = t > nor_busy_until(b->nor) ? t : nor_busy_until(b->nor);
		nor_write_enable(b->nor, start);
		nor_page_program(b->nor, addr, data, n, start);
		b->stats.pages_programmed++;
		t = nor_busy_until(b->nor) > start ? nor_busy_until(b->nor) : start;
		addr += n;
		data += n;
		len -= n;
	}
	return t;
}

/* FLASH_DATA / MEM_DATA header checks shared by both; returns the error code or 0. */
static uint8_t check_data(const struct req *r, uint32_t *len, uint32_t *seq)
{
	if (r->len < 16)
		return PKT_ROM_INVALID_MESSAGE;
	*len = word(r, 0);
	*seq = word(r, 1);
	if (*len != (uint32_t)r->len - 16)
		return PKT_ROM_INVALID_MESSAGE;
	if (pkt_checksum(r->data + 16, *len) != r->checksum)
		return PKT_ROM_BAD_CHECKSUM;
	return 0;
}

static void do_flash_data(struct sim_board *b, const struct req *r)
{
	uint32_t len = 0, seq = 0;
	uint8_t code = b->flash_mode ? check_data(r, &len, &seq) : PKT_ROM_INVALID_MESSAGE;
	uint64_t addr = (uint64_t)b->fl_offset + (uint64_t)seq * b->fl_block_size;
	if (!code && addr + len > b->flashchip_size)
		code = PKT_ROM_INVALID_MESSAGE;
	if (code) {
		sim_trace(b, r->t, "FLASH_DATA len=%u seq=%u -> 01 %02x", len, seq, code);
		fail(b, r, code, r->t);
		return;
	}
	const uint8_t *p = r->data + 16;
	uint64_t done = rom_program(b, (uint32_t)addr, p, len, r->t);
	/* The ROM reads the block back and compares an 8-bit sum (reference §1.7, 0x08):
	 * programming over unerased bits leaves different bytes. */
	uint8_t back = PKT_CHECKSUM_SEED;
	const uint8_t *flash = nor_data(b->nor);
	uint32_t mask = nor_size(b->nor) - 1;
	for (uint32_t i = 0; i < len; i++)
		back ^= flash[((uint32_t)addr + i) & mask];
	b->stats.commands++;
	if (back != r->checksum) {
		sim_trace(b, r->t,
			  "FLASH_DATA len=%u seq=%u addr=0x%x -> 01 08 (read-back differs)", len,
			  seq, (uint32_t)addr);
		fail(b, r, PKT_ROM_FLASH_WRITE_ERR, done);
		return;
	}
	b->stats.flash_data_bytes += len;
	sim_trace(b, r->t, "FLASH_DATA len=%u seq=%u addr=0x%x -> 00 00", len, seq, (uint32_t)addr);
	ok(b, r, done);
}

static void do_flash_end(struct sim_board *b, const struct req *r)
{
	if (r->len < 4) {
		sim_trace(b, r->t, "FLASH_END len=%u -> 01 05", r->len);
		fail(b, r, PKT_ROM_INVALID_MESSAGE, r->t);
		return;
	}
	uint32_t run = word(r, 0);
	b->stats.commands++;
	sim_trace(b, r->t, "FLASH_END %s -> 00 00", run ? "run" : "reboot");
	ok(b, r, r->t);
	/* The reply leaves first; then the ROM acts. A reboot is a software reset, so the
	 * latched straps bring the chip back into the loader (reference §3.1). */
	uint64_t after = b->tx_free_ns > r->t ? b->tx_free_ns : r->t;
	sim_boot(b, run == 0, 2, after);
}

static void do_mem_begin(struct sim_board *b, const struct req *r)
{
	if (r->len != 16) {
		sim_trace(b, r->t, "MEM_BEGIN len=%u -> 01 05", r->len);
		fail(b, r, PKT_ROM_INVALID_MESSAGE, r->t);
		return;
	}
	b->mem_size = word(r, 0);
	b->mem_blocks = word(r, 1);
	b->mem_block_size = word(r, 2);
	b->mem_addr = word(r, 3);
	b->mem_mode = true;
	sim_stub_note_segment(b, b->mem_addr, b->mem_size);
	b->stats.commands++;
	sim_trace(b, r->t, "MEM_BEGIN size=0x%x blocks=%u block_size=0x%x addr=0x%08x -> 00 00",
		  b->mem_size, b->mem_blocks, b->mem_block_size, b->mem_addr);
	ok(b, r, r->t);
}

static void do_mem_data(struct sim_board *b, const struct req *r)
{
	uint32_t len = 0, seq = 0;
	uint8_t code = b->mem_mode ? check_data(r, &len, &seq) : PKT_ROM_INVALID_MESSAGE;
	if (code) {
		sim_trace(b, r->t, "MEM_DATA len=%u seq=%u -> 01 %02x", len, seq, code);
		fail(b, r, code, r->t);
		return;
	}
	uint32_t addr = b->mem_addr + seq * b->mem_block_size;
	uint8_t *p;
	/* Outside the RAM model the bytes go nowhere, as on a chip without memory there. */
	if (sim_ram_ptr(b, addr, len, &p))
		memcpy(p, r->data + 16, len);
	b->stats.commands++;
	sim_trace(b, r->t, "MEM_DATA len=%u seq=%u addr=0x%08x -> 00 00", len, seq, addr);
	ok(b, r, r->t);
}

static void do_mem_end(struct sim_board *b, const struct req *r)
{
	if (r->len != 8) {
		sim_trace(b, r->t, "MEM_END len=%u -> 01 05", r->len);
		fail(b, r, PKT_ROM_INVALID_MESSAGE, r->t);
		return;
	}
	uint32_t flag = word(r, 0), entry = word(r, 1);
	b->stats.commands++;
	sim_trace(b, r->t, "MEM_END flag=%u entry=0x%08x -> 00 00%s", flag, entry,
		  flag ? "" : " (jumps)");
	ok(b, r, r->t);
	b->mem_mode = false;
	if (flag == 0) {
		/* The ROM jumps to the entry: the loader is gone, whatever was loaded runs.
		 * A flasher stub (ours or esptool's) runs the stub core; any other code just
		 * runs silently. */
		uint64_t after = b->tx_free_ns > r->t ? b->tx_free_ns : r->t;
		if (sim_stub_start(b, entry, after))
			return;
		b->state = SIM_STATE_FIRMWARE;
		sim_trace(b, after, "RUN RAM code at 0x%08x", entry);
	}
}

static void do_spi_set_params(struct sim_board *b, const struct req *r)
{
	if (r->len != 24) {
		sim_trace(b, r->t, "SPI_SET_PARAMS len=%u -> 01 05", r->len);
		fail(b, r, PKT_ROM_INVALID_MESSAGE, r->t);
		return;
	}
	/* SPIParamCfg fills the ROM's flashchip; only the total size matters here. */
	/* Capped at the largest part the board models (16 MB), which also bounds the work
	 * of a later FLASH_BEGIN. */
	b->flashchip_size = word(r, 1) > 0x1000000 ? 0x1000000 : word(r, 1);
	b->stats.commands++;
	sim_trace(b, r->t,
		  "SPI_SET_PARAMS id=0x%x size=0x%x block=0x%x sector=0x%x page=0x%x "
		  "mask=0x%x -> 00 00",
		  word(r, 0), word(r, 1), word(r, 2), word(r, 3), word(r, 4), word(r, 5));
	ok(b, r, r->t);
}

static void run_request(struct sim_board *b, const uint8_t *frame, size_t len, uint64_t t);

void sim_rom_request(struct sim_board *b, const uint8_t *frame, size_t len, uint64_t t)
{
	if (b->state != SIM_STATE_LOADER)
		return;
	int times = 1;
	if (len >= PKT_HEADER_LEN && len <= sizeof b->fault_frame && frame[0] == 0x00 &&
	    sim_faults_any(&b->cfg.faults)) {
		memcpy(b->fault_frame, frame, len);
		frame = b->fault_frame;
		times = sim_faults_apply(b, b->fault_frame, len, t);
	}
	if (times > 0) /* 0: lost on the wire (fault lose) */
		run_request(b, frame, len, t);
	if (times == 2) {
		/* The copy arrives right behind the original, without a fault of its own. */
		b->late_ns = 0;
		b->dup_reply = false;
		b->reply_flip = false;
		b->rom_error = 0;
		run_request(b, frame, len, t);
	}
	b->late_ns = 0;
	b->dup_reply = false;
	b->reply_flip = false;
	b->rom_error = 0;
}

static void run_request(struct sim_board *b, const uint8_t *frame, size_t len, uint64_t t)
{
	if (len < PKT_HEADER_LEN || frame[0] != 0x00 ||
	    get_le16(frame + 2) != len - PKT_HEADER_LEN) {
		b->stats.bad_frames++;
		sim_trace(b, t, "bad frame (%zu bytes) -> ignored", len);
		return;
	}
	struct req r = {.op = frame[1],
			.len = get_le16(frame + 2),
			.checksum = get_le32(frame + 4),
			.data = frame + PKT_HEADER_LEN,
			.t = t > b->cpu_free_ns ? t : b->cpu_free_ns};
	/* A stall fault holds back every reply of one command (all eight SYNC replies). */
	sim_draw_stall(b);
	if (b->rom_error && b->synced) {
		sim_trace(b, r.t, "%s -> 01 %02x (fault rom-error)", pkt_op_name(r.op),
			  b->rom_error);
		fail(b, &r, b->rom_error, r.t);
		b->rom_error = 0;
		return;
	}
	if (!b->synced && r.op != PKT_SYNC) {
		/* The ROM only starts the protocol once its autobaud has locked. */
		sim_trace(b, r.t, "%s before SYNC -> ignored", pkt_op_name(r.op));
		return;
	}
	switch (r.op) {
	case PKT_SYNC:
		do_sync(b, &r);
		break;
	case PKT_READ_REG:
		do_read_reg(b, &r);
		break;
	case PKT_WRITE_REG:
		do_write_reg(b, &r);
		break;
	case PKT_FLASH_BEGIN:
		do_flash_begin(b, &r);
		break;
	case PKT_FLASH_DATA:
		do_flash_data(b, &r);
		break;
	case PKT_FLASH_END:
		do_flash_end(b, &r);
		break;
	case PKT_MEM_BEGIN:
		do_mem_begin(b, &r);
		break;
	case PKT_MEM_DATA:
		do_mem_data(b, &r);
		break;
	case PKT_MEM_END:
		do_mem_end(b, &r);
		break;
	case PKT_SPI_SET_PARAMS:
		do_spi_set_params(b, &r);
		break;
	default:
		/* Unknown to the ESP8266 ROM: failure, "invalid message", opcode echoed. */
		sim_trace(b, r.t, "%s (0x%02x, %u bytes) -> 01 05 (not in the ROM)",
			  pkt_op_name(r.op), r.op, r.len);
		fail(b, &r, PKT_ROM_INVALID_MESSAGE, r.t);
		break;
	}
}
