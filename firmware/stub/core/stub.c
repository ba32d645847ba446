/* SPDX-License-Identifier: MIT
 * The stub core's input and output: SLIP decoding one byte at a time into the request
 * buffer, the checks every request passes (direction, length, session state), dispatch,
 * and replies SLIP-encoded straight to the UART. */
#include "stub_int.h"

#define SLIP_END     0xC0
#define SLIP_ESC     0xDB
#define SLIP_ESC_END 0xDC
#define SLIP_ESC_ESC 0xDD
#define HEADER_LEN   8u

/* The flasher stub sets the ROM's flash parameters to 16 MB (reference §9.1). */
#define FLASH_SIZE_DEFAULT 0x1000000u

void stub_init(struct stub *s, const struct stub_hal *hal)
{
	stub_memset(s, 0, sizeof *s);
#ifdef STUB_HAL_FIXED
	(void)hal; /* stub_hal_fixed: stub_hal() knows it at compile time */
#else
	s->hal = hal;
#endif
	s->running = 1;
	s->flash_size = FLASH_SIZE_DEFAULT;
}

void stub_start(struct stub *s)
{
	static const uint8_t ohai[] = {SLIP_END, 'O', 'H', 'A', 'I', SLIP_END};
	s->flash_id = stub_hal(s)->flash_id(stub_hal(s)->ctx);
	unsigned cap = (s->flash_id >> 16) & 0xFF;
	/* RDID's capacity byte is log2 of the size: believe 256 KiB .. 16 MiB only. */
	if (cap >= 18 && cap <= 24)
		s->flash_size = 1u << cap;
	stub_hal(s)->tx(stub_hal(s)->ctx, ohai, sizeof ohai);
}

int stub_running(const struct stub *s)
{
	return s->running != 0;
}

void stub_work(struct stub *s, enum stub_work kind, uint32_t bytes)
{
	if (stub_hal(s)->work)
		stub_hal(s)->work(stub_hal(s)->ctx, kind, bytes);
}

int stub_range_ok(const struct stub *s, uint32_t addr, uint32_t size)
{
	return size <= s->flash_size && addr <= s->flash_size - size;
}

void stub_frame_begin(struct stub *s)
{
	static const uint8_t end = SLIP_END;
	stub_hal(s)->tx(stub_hal(s)->ctx, &end, 1);
}

void stub_frame_body(struct stub *s, const uint8_t *data, uint32_t len)
{
	uint8_t out[64];
	uint32_t n = 0;
	for (uint32_t i = 0; i < len; i++) {
		uint8_t c = data[i];
		if (c == SLIP_END || c == SLIP_ESC) {
			out[n++] = SLIP_ESC;
			out[n++] = c == SLIP_END ? SLIP_ESC_END : SLIP_ESC_ESC;
		} else {
			out[n++] = c;
		}
		if (n >= sizeof out - 1) {
			stub_hal(s)->tx(stub_hal(s)->ctx, out, n);
			n = 0;
		}
	}
	if (n)
		stub_hal(s)->tx(stub_hal(s)->ctx, out, n);
}

void stub_frame_end(struct stub *s)
{
	stub_frame_begin(s);
}

void stub_reply(struct stub *s, uint8_t op, uint32_t value, const uint8_t *result,
		uint32_t result_len, uint8_t status, uint8_t extra)
{
	uint8_t head[HEADER_LEN] = {1, op, (uint8_t)(result_len + 2),
				    (uint8_t)((result_len + 2) >> 8)};
	uint8_t tail[2] = {status, extra};
	stub_put_le32(head + 4, value);
	stub_frame_begin(s);
	stub_frame_body(s, head, sizeof head);
	if (result_len)
		stub_frame_body(s, result, result_len);
	stub_frame_body(s, tail, sizeof tail);
	stub_frame_end(s);
}

void stub_status(struct stub *s, const struct stub_req *r, uint8_t status)
{
	stub_reply(s, r->op, 0, 0, 0, status, 0);
}

void stub_baud_confirmed(struct stub *s)
{
	s->baud_pending = 0;
}

void stub_poll(struct stub *s)
{
	if (!s->running || !s->baud_pending)
		return;
	uint32_t now = stub_hal(s)->time_us(stub_hal(s)->ctx);
	if (now - s->baud_since_us >= STUB_BAUD_CONFIRM_US) {
		/* No good frame at the new rate: the host could not follow; go back. */
		stub_hal(s)->set_uart_divider(stub_hal(s)->ctx, s->baud_old_div);
		s->baud_pending = 0;
	}
}

/* During a write (bytes still expected) only the write's own commands are taken, and a
 * SYNC (a new host) or a new BEGIN abandon it; anything else is refused, not executed. */
static int allowed_in_write(const struct stub *s, uint8_t op)
{
	switch (op) {
	case OP_FLASH_DATA:
	case OP_FLASH_END:
	case OP_FLASH_DEFL_DATA:
	case OP_FLASH_DEFL_END:
	case OP_FLASH_BEGIN:
	case OP_FLASH_DEFL_BEGIN:
	case OP_SYNC:
		return 1;
	default:
		(void)s;
		return 0;
	}
}

/* STUB_OP_STRICT's check: data commands carry their own checksum, SYNC must always get
 * through (a new host). */
static int header_ok(const struct stub *s, const struct stub_req *r)
{
	if (!s->strict || r->op == OP_FLASH_DATA || r->op == OP_FLASH_DEFL_DATA ||
	    r->op == OP_MEM_DATA || r->op == OP_SYNC)
		return 1;
	uint8_t sum = 0xEF ^ r->op;
	for (uint32_t i = 0; i < r->len; i++)
		sum ^= r->data[i];
	return r->checksum == sum;
}

static void dispatch(struct stub *s, const struct stub_req *r)
{
	if (!header_ok(s, r)) {
		stub_status(s, r, STUB_ERR_BAD_CHECKSUM);
		return;
	}
	if (s->wr.active && !allowed_in_write(s, r->op)) {
		stub_status(s, r, STUB_ERR_NOT_NOW);
		return;
	}
	switch (r->op) {
	case OP_FLASH_BEGIN:
	case OP_FLASH_DEFL_BEGIN:
		stub_cmd_begin(s, r);
		break;
	case OP_FLASH_DATA:
	case OP_FLASH_DEFL_DATA:
		stub_cmd_data(s, r);
		break;
	case OP_FLASH_END:
	case OP_FLASH_DEFL_END:
		stub_cmd_end(s, r);
		break;
	case OP_SYNC:
		stub_cmd_sync(s, r);
		break;
	case OP_READ_REG:
	case OP_WRITE_REG:
		stub_cmd_regs(s, r);
		break;
	case OP_SPI_SET_PARAMS:
	case OP_SPI_ATTACH:
		stub_cmd_params(s, r);
		break;
	case OP_CHANGE_BAUDRATE:
		stub_cmd_baud(s, r);
		break;
	case OP_SPI_FLASH_MD5:
		stub_cmd_md5(s, r);
		break;
	case OP_ERASE_FLASH:
	case OP_ERASE_REGION:
		stub_cmd_erase(s, r);
		break;
	case OP_READ_FLASH:
		stub_cmd_read(s, r);
		break;
	case OP_MEM_BEGIN:
	case OP_MEM_DATA:
	case OP_MEM_END:
		stub_cmd_mem(s, r);
		break;
	case OP_RUN_USER_CODE:
		/* No reply: the firmware boots (reference §9.2). */
		s->running = 0;
		stub_hal(s)->leave(stub_hal(s)->ctx, STUB_LEAVE_RUN_USER);
		break;
	case STUB_OP_SECTOR_MD5:
		stub_cmd_sector_md5(s, r);
		break;
	case STUB_OP_INFO:
		stub_cmd_info(s, r);
		break;
	case STUB_OP_STRICT:
		if (r->len != 4) {
			stub_status(s, r, STUB_ERR_BAD_DATA_LEN);
			break;
		}
		s->strict = stub_le32(r->data) != 0;
		stub_status(s, r, STUB_OK);
		break;
	default:
		stub_status(s, r, STUB_ERR_NOT_IMPLEMENTED);
		break;
	}
}

/* A complete SLIP frame of len bytes in s->frame. */
static void handle_frame(struct stub *s, uint32_t len)
{
	const uint8_t *f = (const uint8_t *)s->frame;
	if (s->rd.active && stub_read_frame(s, f, len))
		return;
	/* Too short to name a command, or not a request (line noise read as zero bytes
	 * included: opcode 0 is no command): nothing to answer. */
	if (len < HEADER_LEN || f[0] != 0 || f[1] == 0)
		return;
	struct stub_req r = {.op = f[1],
			     .len = (uint32_t)f[2] | (uint32_t)f[3] << 8,
			     .checksum = stub_le32(f + 4),
			     .data = f + HEADER_LEN};
	if (s->overflow || r.len != len - HEADER_LEN) {
		/* Longer than any request, or the length field disagrees with the frame. */
		stub_status(s, &r, STUB_ERR_BAD_DATA_LEN);
		return;
	}
	/* A well-formed request proves the host talks at our rate. */
	if (s->baud_pending)
		stub_baud_confirmed(s);
	dispatch(s, &r);
}

static void frame_byte(struct stub *s, uint8_t c)
{
	if (s->frame_len < STUB_FRAME_MAX)
		((uint8_t *)s->frame)[s->frame_len++] = c;
	else
		s->overflow = 1;
}

void stub_feed(struct stub *s, const uint8_t *data, uint32_t len)
{
	for (uint32_t i = 0; i < len && s->running; i++) {
		uint8_t c = data[i];
		if (c == SLIP_END) {
			uint32_t n = s->frame_len;
			int complete = s->in_frame && n && !s->bad;
			if (complete)
				handle_frame(s, n);
			/* An END closes a frame and may open the next one (C0 C0 is fine). */
			s->in_frame = 1;
			s->frame_len = 0;
			s->escape = s->overflow = s->bad = 0;
			continue;
		}
		if (!s->in_frame)
			continue; /* noise between frames */
		if (s->escape) {
			s->escape = 0;
			if (c == SLIP_ESC_END)
				frame_byte(s, SLIP_END);
			else if (c == SLIP_ESC_ESC)
				frame_byte(s, SLIP_ESC);
			else
				s->bad = 1; /* broken escape: the frame is dropped */
			continue;
		}
		if (c == SLIP_ESC)
			s->escape = 1;
		else
			frame_byte(s, c);
	}
}
