/* SPDX-License-Identifier: MIT
 * ESP8266 serial boot protocol packets (reference §1.3–§1.7, §2.1): pure, no I/O.
 * Frames here are unescaped SLIP bodies; slip.h does the framing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pkt_op {
	PKT_FLASH_BEGIN = 0x02,
	PKT_FLASH_DATA = 0x03,
	PKT_FLASH_END = 0x04,
	PKT_MEM_BEGIN = 0x05,
	PKT_MEM_END = 0x06,
	PKT_MEM_DATA = 0x07,
	PKT_SYNC = 0x08,
	PKT_WRITE_REG = 0x09,
	PKT_READ_REG = 0x0A,
	PKT_SPI_SET_PARAMS = 0x0B,
	PKT_SPI_ATTACH = 0x0D,
	PKT_CHANGE_BAUDRATE = 0x0F,
	PKT_FLASH_DEFL_BEGIN = 0x10,
	PKT_FLASH_DEFL_DATA = 0x11,
	PKT_FLASH_DEFL_END = 0x12,
	PKT_SPI_FLASH_MD5 = 0x13,
	PKT_GET_SECURITY_INFO = 0x14,
	PKT_ERASE_FLASH = 0xD0,
	PKT_ERASE_REGION = 0xD1,
	PKT_READ_FLASH = 0xD2,
	PKT_RUN_USER_CODE = 0xD3,
};

/* ROM error codes: second status byte when the first is 1 (reference §1.7). */
enum pkt_rom_error {
	PKT_ROM_INVALID_MESSAGE = 0x05,
	PKT_ROM_FAILED_TO_ACT = 0x06,
	PKT_ROM_BAD_CHECKSUM = 0x07,
	PKT_ROM_FLASH_WRITE_ERR = 0x08,
	PKT_ROM_FLASH_READ_ERR = 0x09,
	PKT_ROM_FLASH_READ_LEN_ERR = 0x0A,
	PKT_ROM_DEFLATE_ERR = 0x0B,
};

#define PKT_HEADER_LEN	    8
#define PKT_CHECKSUM_SEED   0xEF
#define PKT_ROM_FLASH_BLOCK 0x400
#define PKT_ROM_MEM_BLOCK   0x1800
#define PKT_SYNC_VALUE	    0x20120707u
#define PKT_CHIP_MAGIC_ADDR 0x40001000u
#define PKT_ESP8266_MAGIC   0xFFF0C101u

/* "FLASH_BEGIN", or "0x3c" for unknown opcodes (static storage per call; not thread safe
 * for unknown codes, which only matters for log text). */
const char *pkt_op_name(uint8_t op);

/* XOR of data starting from 0xEF (§1.5). */
uint8_t pkt_checksum(const uint8_t *data, size_t len);

/* Builds a request body into out (capacity PKT_HEADER_LEN + len). Returns its length. */
size_t pkt_build_request(uint8_t *out, uint8_t op, const uint8_t *data, uint16_t len,
			 uint32_t checksum);

/* The 36-byte SYNC payload: 07 07 12 20 then 32 x 55. */
void pkt_sync_payload(uint8_t out[36]);

/* A parsed request (host to chip). data points into the frame. */
struct pkt_request {
	uint8_t op;
	uint16_t len;
	uint32_t checksum;
	const uint8_t *data;
};

/* false when the frame is shorter than 8 bytes, direction is not 0, or the length field
 * does not match the frame length. */
bool pkt_parse_request(const uint8_t *frame, size_t len, struct pkt_request *req);

/* A parsed response (chip to host). */
struct pkt_response {
	uint8_t op;
	uint16_t len;
	uint32_t value;
	const uint8_t *data; /* len bytes: result bytes then status bytes */
	uint8_t status;	     /* first status byte (ROM: 0 ok / 1 failure; stub: error code) */
	uint8_t error;	     /* second status byte */
};

/* Parses a response frame; status bytes are taken after expected_data result bytes as
 * esptool v5 does (first two when expected_data is 0). false when not a response frame
 * (direction != 1, < 8 bytes, length mismatch, or too short for the status bytes). */
bool pkt_parse_response(const uint8_t *frame, size_t len, size_t expected_data,
			struct pkt_response *resp);

/* Builds an ESP8266 ROM-style response: header, result bytes, then two status bytes. */
size_t pkt_build_response(uint8_t *out, uint8_t op, uint32_t value, const uint8_t *result,
			  uint16_t result_len, uint8_t status, uint8_t error);

/* A short text for a ROM error code ("invalid checksum"). */
const char *pkt_rom_error_text(uint8_t code);
