/* SPDX-License-Identifier: MIT
 * The stub's other commands: SYNC, registers, flash parameters, erase, the baud change on
 * trial, RAM loads (MEM_*), the flash unlock, and our STUB_OP_INFO. */
#include "stub_int.h"

/* Status register protection bits: BP0-BP2, TB, SEC in status-1, CMP in status-2 (Winbond
 * W25Q; the same places on the GigaDevice and XMC parts of ESP modules). QE (bit 9) and
 * the rest are kept: clearing QE would stop a QIO firmware from booting. */
#define STATUS_PROTECT 0x407Cu

uint8_t stub_unlock(struct stub *s)
{
	const struct stub_hal *h = stub_hal(s);
	uint32_t st;
	if (h->flash_read_status(h->ctx, &st))
		return STUB_ERR_FAILED_SPI_OP;
	if (!(st & STATUS_PROTECT))
		return 0;
	if (h->flash_write_status(h->ctx, st & ~STATUS_PROTECT & 0xFFFFu) ||
	    h->flash_read_status(h->ctx, &st) || (st & STATUS_PROTECT))
		return STUB_ERR_FAILED_SPI_UNLOCK;
	return STUB_NOTE_UNLOCKED;
}

void stub_cmd_sync(struct stub *s, const struct stub_req *r)
{
	/* A SYNC is a host starting over: a write it left unfinished is abandoned. Eight
	 * replies with value 0, which tells esptool that a stub is running (reference §2.3). */
	stub_write_reset(s);
	s->mem_active = 0;
	/* Only a whole SYNC (36 bytes: 07 07 12 20, then 32 x 0x55) is a new host: a request
	 * garbled into SYNC's opcode must not end STUB_OP_STRICT. */
	int intact = r->len == 36 && r->data[0] == 0x07 && r->data[1] == 0x07 &&
		     r->data[2] == 0x12 && r->data[3] == 0x20;
	for (uint32_t i = 4; intact && i < 36; i++)
		intact = r->data[i] == 0x55;
	if (intact)
		s->strict = 0;
	for (int i = 0; i < 8; i++)
		stub_status(s, r, STUB_OK);
}

void stub_cmd_regs(struct stub *s, const struct stub_req *r)
{
	const struct stub_hal *h = stub_hal(s);
	if (r->op == OP_READ_REG) {
		if (r->len != 4) {
			stub_status(s, r, STUB_ERR_BAD_DATA_LEN);
			return;
		}
		uint32_t value = h->read_reg(h->ctx, stub_le32(r->data));
		stub_reply(s, r->op, value, 0, 0, STUB_OK, 0);
		return;
	}
	if (!r->len || r->len % 16) {
		stub_status(s, r, STUB_ERR_BAD_DATA_LEN);
		return;
	}
	/* addr, value, mask, delay: wait, then write (value & mask) | (old & ~mask). */
	for (uint32_t i = 0; i < r->len; i += 16) {
		const uint8_t *e = r->data + i;
		uint32_t addr = stub_le32(e), value = stub_le32(e + 4), mask = stub_le32(e + 8);
		uint32_t delay = stub_le32(e + 12);
		if (delay)
			h->delay_us(h->ctx, delay);
		if (mask != 0xFFFFFFFFu)
			value = (value & mask) | (h->read_reg(h->ctx, addr) & ~mask);
		h->write_reg(h->ctx, addr, value);
	}
	stub_status(s, r, STUB_OK);
}

void stub_cmd_params(struct stub *s, const struct stub_req *r)
{
	const struct stub_hal *h = stub_hal(s);
	if (r->op == OP_SPI_ATTACH) {
		h->flash_attach(h->ctx, r->len >= 4 ? stub_le32(r->data) : 0);
		stub_status(s, r, STUB_OK);
		return;
	}
	/* id, total size, block, sector, page, status mask. */
	if (r->len != 24 || !stub_le32(r->data + 4)) {
		stub_status(s, r, STUB_FAIL);
		return;
	}
	uint32_t params[6];
	for (int i = 0; i < 6; i++)
		params[i] = stub_le32(r->data + 4 * i);
	if (h->flash_set_params(h->ctx, params)) {
		stub_status(s, r, STUB_FAIL);
		return;
	}
	/* Ranges are checked against what the host says, but never past what the chip is. */
	uint32_t cap = (s->flash_id >> 16) & 0xFF;
	uint32_t chip = cap >= 18 && cap <= 24 ? 1u << cap : 0x1000000u;
	s->flash_size = params[1] < chip ? params[1] : chip;
	stub_status(s, r, STUB_OK);
}

static uint8_t erase_region(struct stub *s, uint32_t off, uint32_t size)
{
	const struct stub_hal *h = stub_hal(s);
	/* esptool's stub: sectors up to a 64 KiB boundary, then blocks while more than
	 * 64 KiB remain, then sectors (reference §9.2). Ours takes a last whole block as a
	 * block too (16 sector erases take up to 3x as long); the virtual board keeps
	 * esptool's way when it runs esptool's stub (in_flight_bytes), for its timing. */
	uint32_t last_block = s->in_flight_bytes ? 1 : 0;
	while (size && off % STUB_BLOCK64) {
		if (h->flash_erase_sector(h->ctx, off / STUB_SECTOR))
			return STUB_ERR_FAILED_SPI_OP;
		off += STUB_SECTOR;
		size -= STUB_SECTOR;
	}
	for (; size >= STUB_BLOCK64 + last_block; off += STUB_BLOCK64, size -= STUB_BLOCK64)
		if (h->flash_erase_block(h->ctx, off / STUB_BLOCK64))
			return STUB_ERR_FAILED_SPI_OP;
	for (; size; off += STUB_SECTOR, size -= STUB_SECTOR)
		if (h->flash_erase_sector(h->ctx, off / STUB_SECTOR))
			return STUB_ERR_FAILED_SPI_OP;
	return 0;
}

void stub_cmd_erase(struct stub *s, const struct stub_req *r)
{
	uint32_t off = 0, size = 0;
	if (r->op == OP_ERASE_REGION) {
		/* Unaligned or malformed: 0x01, as esptool's stub reports it (reference §1.7). */
		if (r->len != 8 || stub_le32(r->data) % STUB_SECTOR ||
		    stub_le32(r->data + 4) % STUB_SECTOR) {
			stub_status(s, r, STUB_FAIL);
			return;
		}
		off = stub_le32(r->data);
		size = stub_le32(r->data + 4);
		if (!stub_range_ok(s, off, size)) {
			stub_status(s, r, STUB_ERR_OUT_OF_RANGE);
			return;
		}
	}
	uint8_t note = stub_unlock(s);
	if (note >= STUB_ERR_BAD_DATA_LEN) {
		stub_status(s, r, note);
		return;
	}
	uint8_t err;
	if (r->op == OP_ERASE_FLASH)
		err = stub_hal(s)->flash_erase_chip(stub_hal(s)->ctx) ? STUB_ERR_FAILED_SPI_OP : 0;
	else
		err = erase_region(s, off, size);
	stub_reply(s, r->op, 0, 0, 0, err, err ? 0 : note);
}

void stub_cmd_baud(struct stub *s, const struct stub_req *r)
{
	const struct stub_hal *h = stub_hal(s);
	if (r->len != 8) {
		stub_status(s, r, STUB_ERR_BAD_DATA_LEN);
		return;
	}
	uint32_t baud = stub_le32(r->data), old = stub_le32(r->data + 4);
	uint32_t div = h->uart_divider(h->ctx);
	/* divider = old divider x old rate / new rate (reference §9.2); refuse what would
	 * overflow or give no usable divider, rather than lose the host. */
	uint64_t scaled = (uint64_t)div * old;
	uint32_t new_div = baud && !(scaled >> 32) ? (uint32_t)scaled / baud : 0;
	if (!old || !new_div || new_div > 0xFFFFFu) {
		stub_status(s, r, STUB_FAIL);
		return;
	}
	stub_status(s, r, STUB_OK);
	h->delay_us(h->ctx, 10000); /* the reply leaves at the old rate */
	h->set_uart_divider(h->ctx, new_div);
	h->delay_us(h->ctx, 1000);
	/* On trial: a good frame at the new rate confirms it, silence brings back div. */
	s->baud_old_div = div;
	s->baud_pending = 1;
	s->baud_since_us = h->time_us(h->ctx);
}

static uint32_t xor_sum(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0xEF;
	for (uint32_t i = 0; i < len; i++)
		sum ^= p[i];
	return sum;
}

static uint8_t mem_data(struct stub *s, const struct stub_req *r)
{
	if (!s->mem_active)
		return STUB_ERR_NOT_IN_FLASH_MODE;
	uint32_t len = r->len >= 16 ? stub_le32(r->data) : 0;
	if (r->len < 16 || len != r->len - 16 || len % 4)
		return STUB_ERR_BAD_DATA_LEN;
	if (xor_sum(r->data + 16, len) != r->checksum)
		return STUB_ERR_BAD_CHECKSUM;
	if (len > s->mem_left)
		return STUB_ERR_TOO_MUCH_DATA;
	for (uint32_t i = 0; i < len; i += 4)
		stub_hal(s)->write_reg(stub_hal(s)->ctx, s->mem_addr + i,
				       stub_le32(r->data + 16 + i));
	s->mem_addr += len;
	s->mem_left -= len;
	return 0;
}

void stub_cmd_mem(struct stub *s, const struct stub_req *r)
{
	if (r->op == OP_MEM_DATA) {
		stub_status(s, r, mem_data(s, r));
		return;
	}
	if (r->op == OP_MEM_BEGIN) {
		/* size, blocks, block size, address */
		if (r->len != 16) {
			stub_status(s, r, STUB_FAIL);
			return;
		}
		s->mem_left = stub_le32(r->data);
		s->mem_addr = stub_le32(r->data + 12);
		s->mem_active = 1;
		stub_status(s, r, STUB_OK);
		return;
	}
	/* MEM_END: flag (0 = run), entry; bytes still missing fail with 0x01. */
	if (r->len != 8 || !s->mem_active || s->mem_left) {
		stub_status(s, r, STUB_FAIL);
		return;
	}
	s->mem_active = 0;
	stub_status(s, r, STUB_OK);
	if (stub_le32(r->data) == 0) {
		stub_hal(s)->delay_us(stub_hal(s)->ctx, 10000);
		s->running = 0;
		stub_hal(s)->jump(stub_hal(s)->ctx, stub_le32(r->data + 4));
	}
}

void stub_cmd_info(struct stub *s, const struct stub_req *r)
{
	uint8_t out[4 * STUB_INFO_WORDS];
	uint32_t status = 0;
	if (stub_hal(s)->flash_read_status(stub_hal(s)->ctx, &status))
		status = 0xFFFFFFFFu;
	stub_put_le32(out + 4 * STUB_INFO_VERSION, STUB_EXT_VERSION);
	stub_put_le32(out + 4 * STUB_INFO_FRAME_MAX, STUB_FRAME_MAX);
	stub_put_le32(out + 4 * STUB_INFO_FLASH_ID, s->flash_id);
	stub_put_le32(out + 4 * STUB_INFO_FLASH_SIZE, s->flash_size);
	stub_put_le32(out + 4 * STUB_INFO_FLASH_STATUS, status);
	stub_reply(s, r->op, 0, out, sizeof out, STUB_OK, 0);
}
