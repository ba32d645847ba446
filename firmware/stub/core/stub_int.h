/* SPDX-License-Identifier: MIT
 * Internals shared by the files of the stub core (not a public header): the parsed
 * request, the reply and SLIP output helpers (stub.c), and the command handlers of
 * stub_write.c (flash writes), stub_read.c (reads and digests) and stub_cmds.c (the rest). */
#ifndef STUB_CORE_STUB_INT_H
#define STUB_CORE_STUB_INT_H

#include <stdint.h>

#include "stub.h"

/* No libc headers on the chip: the compiler's builtins become calls to the ROM's. */
#define stub_memcpy __builtin_memcpy
#define stub_memset __builtin_memset

/* esptool's opcodes (reference §2.1 and §9.2). */
enum {
	OP_FLASH_BEGIN = 0x02,
	OP_FLASH_DATA = 0x03,
	OP_FLASH_END = 0x04,
	OP_MEM_BEGIN = 0x05,
	OP_MEM_END = 0x06,
	OP_MEM_DATA = 0x07,
	OP_SYNC = 0x08,
	OP_WRITE_REG = 0x09,
	OP_READ_REG = 0x0A,
	OP_SPI_SET_PARAMS = 0x0B,
	OP_SPI_ATTACH = 0x0D,
	OP_CHANGE_BAUDRATE = 0x0F,
	OP_FLASH_DEFL_BEGIN = 0x10,
	OP_FLASH_DEFL_DATA = 0x11,
	OP_FLASH_DEFL_END = 0x12,
	OP_SPI_FLASH_MD5 = 0x13,
	OP_ERASE_FLASH = 0xD0,
	OP_ERASE_REGION = 0xD1,
	OP_READ_FLASH = 0xD2,
	OP_RUN_USER_CODE = 0xD3,
};

/* The HAL the core calls. A build that links exactly one HAL may define STUB_HAL_FIXED and
 * provide it as the constant stub_hal_fixed (the blob: hal_esp8266.c): with link-time
 * optimisation every call through the table then becomes a direct call, mostly inlined,
 * and the table itself is dropped (about 0.5 KiB less to upload). stub_init must be given
 * that table. Everything else (the host build, the QEMU replay) goes through s->hal. */
#ifdef STUB_HAL_FIXED
extern const struct stub_hal stub_hal_fixed;
#endif

static inline const struct stub_hal *stub_hal(const struct stub *s)
{
#ifdef STUB_HAL_FIXED
	(void)s;
	return &stub_hal_fixed;
#else
	return s->hal;
#endif
}

/* One request, as it came (data points into the frame buffer, 4-byte aligned). */
struct stub_req {
	uint8_t op;
	uint32_t len; /* bytes of data */
	uint32_t checksum;
	const uint8_t *data;
};

static inline uint32_t stub_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void stub_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* a * b, or UINT32_MAX where the product does not fit: one 64-bit multiply (a ROM helper
 * on the chip), no division. */
static inline uint32_t stub_mul_sat(uint32_t a, uint32_t b)
{
	uint64_t p = (uint64_t)a * b;
	return p >> 32 ? 0xFFFFFFFFu : (uint32_t)p;
}

/* stub.c: output. A reply is header (value), result bytes, then the two status bytes. */
void stub_reply(struct stub *s, uint8_t op, uint32_t value, const uint8_t *result,
		uint32_t result_len, uint8_t status, uint8_t extra);
void stub_status(struct stub *s, const struct stub_req *r, uint8_t status);
/* A frame sent in pieces: begin, any number of body parts, end. */
void stub_frame_begin(struct stub *s);
void stub_frame_body(struct stub *s, const uint8_t *data, uint32_t len);
void stub_frame_end(struct stub *s);
void stub_work(struct stub *s, enum stub_work kind, uint32_t bytes);
/* Bytes of flash the stub may address (SPI_SET_PARAMS and the JEDEC capacity). */
int stub_range_ok(const struct stub *s, uint32_t addr, uint32_t size);
/* MD5 of flash [addr, addr + size) into digest; 0 or a status code. */
uint8_t stub_flash_md5(struct stub *s, uint32_t addr, uint32_t size, uint8_t digest[16]);
/* Clears the flash's write protection if set; 0, STUB_NOTE_UNLOCKED or a status code
 * (>= 0xC0). */
uint8_t stub_unlock(struct stub *s);

/* stub_write.c */
void stub_write_reset(struct stub *s);
void stub_cmd_begin(struct stub *s, const struct stub_req *r);
void stub_cmd_data(struct stub *s, const struct stub_req *r);
void stub_cmd_end(struct stub *s, const struct stub_req *r);

/* stub_read.c */
void stub_cmd_read(struct stub *s, const struct stub_req *r);
/* A frame that arrived while a read runs: an ack, or (returns 0) a command. */
int stub_read_frame(struct stub *s, const uint8_t *frame, uint32_t len);
void stub_cmd_md5(struct stub *s, const struct stub_req *r);
void stub_cmd_sector_md5(struct stub *s, const struct stub_req *r);

/* stub_cmds.c */
void stub_cmd_sync(struct stub *s, const struct stub_req *r);
void stub_cmd_regs(struct stub *s, const struct stub_req *r);
void stub_cmd_erase(struct stub *s, const struct stub_req *r);
void stub_cmd_params(struct stub *s, const struct stub_req *r);
void stub_cmd_baud(struct stub *s, const struct stub_req *r);
void stub_cmd_mem(struct stub *s, const struct stub_req *r);
void stub_cmd_info(struct stub *s, const struct stub_req *r);
void stub_baud_confirmed(struct stub *s);

#endif
