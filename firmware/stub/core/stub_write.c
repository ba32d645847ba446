/* SPDX-License-Identifier: MIT
 * Flash writes: FLASH_BEGIN/DATA/END and the FLASH_DEFL_* variants with a zlib stream.
 *
 * The session is strict (issue 12): only the next sequence number, a length field that
 * matches the frame and a correct checksum are written; a block that fails a check is
 * answered and dropped, never written at another offset. A resend of the block just
 * accepted (its reply was lost) is answered again without writing it twice.
 *
 * Erase is lazy and exact: before data lands, the sectors it ends in are erased, 64 KiB
 * at a time where a whole aligned block lies inside the data. A sector the data covers only
 * in part is read first and the bytes outside the data are programmed back after the
 * erase, so a write at an unaligned offset keeps its neighbours.
 *
 * Replies go out before the write (esptool's order): a write error shows in the reply to
 * the next block or to END. */
#include "stub_int.h"

#define SECTOR_MASK (STUB_SECTOR - 1)
/* Bytes outside the data in a partially covered sector are staged in s->sector. */

static uint8_t flash_write(struct stub *s, uint32_t addr, const uint32_t *src, uint32_t len)
{
	return stub_hal(s)->flash_write(stub_hal(s)->ctx, addr, src, len) ? STUB_ERR_FAILED_SPI_OP
									  : 0;
}

static int all_erased(const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != 0xFF)
			return 0;
	return 1;
}

/* Puts back [from, to) of the saved sector at base (word-aligned outward; the data's own
 * bytes in the saved copy were set to 0xFF, which programs nothing). */
static uint8_t restore(struct stub *s, uint32_t base, uint32_t from, uint32_t to)
{
	from &= ~3u;
	to = (to + 3) & ~3u;
	if (from >= to)
		return 0;
	const uint8_t *saved = (const uint8_t *)s->sector;
	if (all_erased(saved + (from - base), to - from))
		return 0;
	return flash_write(s, from, s->sector + (from - base) / 4, to - from);
}

/* Erases the sector at base keeping the bytes outside [offset, end). */
static uint8_t erase_partial(struct stub *s, uint32_t base, uint32_t offset, uint32_t end)
{
	const struct stub_hal *h = stub_hal(s);
	if (h->flash_read(h->ctx, base, s->sector, STUB_SECTOR))
		return STUB_ERR_FAILED_SPI_OP;
	uint32_t lo = offset > base ? offset : base;
	uint32_t hi = end < base + STUB_SECTOR ? end : base + STUB_SECTOR;
	stub_memset((uint8_t *)s->sector + (lo - base), 0xFF, hi - lo);
	if (h->flash_erase_sector(h->ctx, base / STUB_SECTOR))
		return STUB_ERR_FAILED_SPI_OP;
	uint8_t err = restore(s, base, base, lo);
	if (!err)
		err = restore(s, base, hi, base + STUB_SECTOR);
	return err;
}

/* Erases every sector of the data below upto that is not erased yet. */
static uint8_t erase_upto(struct stub *s, uint32_t upto)
{
	const struct stub_hal *h = stub_hal(s);
	struct stub_write *w = &s->wr;
	uint32_t end = w->offset + w->size;
	while (w->erased_to < upto && w->erased_to < end) {
		uint32_t a = w->erased_to;
		uint8_t err = 0;
		if (!(a % STUB_BLOCK64) && a >= w->offset && end - a >= STUB_BLOCK64) {
			err = h->flash_erase_block(h->ctx, a / STUB_BLOCK64)
				  ? STUB_ERR_FAILED_SPI_OP
				  : 0;
			w->erased_to = a + STUB_BLOCK64;
		} else if (a >= w->offset && end - a >= STUB_SECTOR) {
			err = h->flash_erase_sector(h->ctx, a / STUB_SECTOR)
				  ? STUB_ERR_FAILED_SPI_OP
				  : 0;
			w->erased_to = a + STUB_SECTOR;
		} else {
			err = erase_partial(s, a, w->offset, end);
			w->erased_to = a + STUB_SECTOR;
		}
		if (err)
			return err;
	}
	return 0;
}

/* Programs len bytes at the write position, erasing first where needed. */
static uint8_t flash_out(struct stub *s, const uint8_t *data, uint32_t len)
{
	struct stub_write *w = &s->wr;
	while (len) {
		uint32_t head = w->pos & 3;
		uint32_t n = len < STUB_SECTOR - 4 ? len : STUB_SECTOR - 4;
		uint8_t err = erase_upto(s, w->pos + n);
		if (err)
			return err;
		if (!head && !((uintptr_t)data & 3) && n >= 4) {
			n &= ~3u;
			err = flash_write(s, w->pos, (const uint32_t *)(const void *)data, n);
		} else {
			/* Unaligned: stage with 0xFF around the bytes (0xFF programs nothing, so
			 * a word written twice keeps both halves). */
			uint8_t *buf = (uint8_t *)s->sector;
			uint32_t total = (head + n + 3) & ~3u;
			stub_memset(buf, 0xFF, total);
			stub_memcpy(buf + head, data, n);
			err = flash_write(s, w->pos - head, s->sector, total);
		}
		if (err)
			return err;
		w->pos += n;
		data += n;
		len -= n;
	}
	return 0;
}

static int inflate_sink(void *ctx, const uint8_t *data, uint32_t len)
{
	struct stub *s = ctx;
	stub_work(s, STUB_WORK_INFLATE, len);
	return flash_out(s, data, len);
}

void stub_write_reset(struct stub *s)
{
	stub_memset(&s->wr, 0, sizeof s->wr);
}

static uint32_t checksum(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0xEF;
	for (uint32_t i = 0; i < len; i++)
		sum ^= p[i];
	return sum;
}

void stub_cmd_begin(struct stub *s, const struct stub_req *r)
{
	/* esptool v5 adds an "encrypted" word (0 for the ESP8266): accept 16 or 20 bytes. */
	if (r->len != 16 && r->len != 20) {
		stub_status(s, r, STUB_FAIL);
		return;
	}
	uint32_t size = stub_le32(r->data), blocks = stub_le32(r->data + 4);
	uint32_t block_size = stub_le32(r->data + 8), offset = stub_le32(r->data + 12);
	stub_write_reset(s); /* a new BEGIN abandons any earlier session */
	if (block_size > STUB_BLOCK_MAX) {
		stub_status(s, r, STUB_ERR_BAD_BLOCKSIZE);
		return;
	}
	if (!stub_range_ok(s, offset, size)) {
		stub_status(s, r, STUB_ERR_OUT_OF_RANGE);
		return;
	}
	uint8_t note = stub_unlock(s);
	if (note >= STUB_ERR_BAD_DATA_LEN) {
		stub_status(s, r, note);
		return;
	}
	struct stub_write *w = &s->wr;
	w->open = 1;
	w->active = size > 0;
	w->deflate = r->op == OP_FLASH_DEFL_BEGIN;
	w->offset = w->pos = offset;
	w->size = size;
	w->erased_to = offset & ~SECTOR_MASK;
	w->block_size = block_size;
	w->budget = stub_mul_sat(blocks, block_size);
	w->note = note;
	if (w->deflate)
		inflate_init(&s->inf, size, inflate_sink, s);
	stub_reply(s, r->op, 0, 0, 0, STUB_OK, note);
}

/* Checks a data block against the session; 0 when it is the next one. */
static uint8_t check_data(struct stub *s, const struct stub_req *r, int *resend)
{
	struct stub_write *w = &s->wr;
	int deflate = r->op == OP_FLASH_DEFL_DATA;
	*resend = 0;
	if (!w->open || w->deflate != (uint32_t)deflate)
		return STUB_ERR_NOT_IN_FLASH_MODE;
	if (r->len < 16 || stub_le32(r->data) != r->len - 16)
		return STUB_ERR_BAD_DATA_LEN;
	uint32_t len = r->len - 16, seq = stub_le32(r->data + 4);
	if (checksum(r->data + 16, len) != r->checksum)
		return STUB_ERR_BAD_CHECKSUM;
	if (seq != w->seq) {
		if (w->seq && seq == w->seq - 1 && len == w->last_len &&
		    r->checksum == w->last_sum) {
			*resend = 1;
			return w->late_error;
		}
		return STUB_ERR_BAD_SEQUENCE;
	}
	if (w->late_error)
		return w->late_error;
	if (!w->active)
		return STUB_ERR_TOO_MUCH_DATA;
	if (deflate && len > w->budget)
		return STUB_ERR_TOO_MUCH_DATA;
	if (!deflate && len > w->offset + w->size - w->pos) {
		/* esptool pads the last block with 0xFF; anything else is too much. */
		uint32_t keep = w->offset + w->size - w->pos;
		if (!all_erased(r->data + 16 + keep, len - keep))
			return STUB_ERR_TOO_MUCH_DATA;
	}
	return 0;
}

static uint8_t inflate_status(int rc, const struct inflater *inf)
{
	switch (rc) {
	case INFLATE_MORE:
	case INFLATE_DONE:
		return 0;
	case INFLATE_ERR_TRAILING:
	case INFLATE_ERR_TOO_LONG:
		return STUB_ERR_TOO_MUCH_DATA;
	case INFLATE_ERR_SINK:
		return (uint8_t)inflate_sink_error(inf);
	default:
		return STUB_ERR_INFLATE;
	}
}

void stub_cmd_data(struct stub *s, const struct stub_req *r)
{
	struct stub_write *w = &s->wr;
	int resend;
	uint8_t err = check_data(s, r, &resend);
	stub_reply(s, r->op, 0, 0, 0, err, 0);
	if (err || resend)
		return;
	uint32_t len = r->len - 16;
	const uint8_t *p = r->data + 16;
	w->seq++;
	w->last_len = len;
	w->last_sum = r->checksum;
	if (w->deflate) {
		w->budget -= len;
		int rc = inflate_feed(&s->inf, p, len);
		w->late_error = inflate_status(rc, &s->inf);
		if (rc == INFLATE_DONE) {
			w->active = 0;
			if (!w->late_error && w->pos != w->offset + w->size)
				w->late_error =
				    STUB_ERR_NOT_ENOUGH_DATA; /* the stream ended early */
		} else if (rc < 0) {
			w->active = 0;
		}
		return;
	}
	uint32_t left = w->offset + w->size - w->pos;
	w->late_error = flash_out(s, p, len < left ? len : left);
	if (w->pos == w->offset + w->size || w->late_error)
		w->active = 0;
}

void stub_cmd_end(struct stub *s, const struct stub_req *r)
{
	struct stub_write *w = &s->wr;
	if (r->len != 4) {
		stub_status(s, r, STUB_ERR_BAD_DATA_LEN);
		return;
	}
	/* The reboot flag is honoured even outside flash mode (esptool's stub does too). */
	uint8_t err = !w->open	      ? STUB_ERR_NOT_IN_FLASH_MODE
		      : w->late_error ? w->late_error
		      : w->active     ? STUB_ERR_NOT_ENOUGH_DATA
				      : 0;
	int reboot = stub_le32(r->data) == 0;
	stub_write_reset(s);
	stub_status(s, r, err);
	if (reboot) {
		stub_hal(s)->delay_us(stub_hal(s)->ctx, 10000);
		s->running = 0;
		stub_hal(s)->leave(stub_hal(s)->ctx, STUB_LEAVE_RESET);
	}
}
