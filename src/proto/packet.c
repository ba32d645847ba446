/* SPDX-License-Identifier: MIT
 * Packet codec for the ESP8266 serial boot protocol (see packet.h). */
#include "proto/packet.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"

const char *pkt_op_name(uint8_t op)
{
	switch (op) {
	case PKT_FLASH_BEGIN:
		return "FLASH_BEGIN";
	case PKT_FLASH_DATA:
		return "FLASH_DATA";
	case PKT_FLASH_END:
		return "FLASH_END";
	case PKT_MEM_BEGIN:
		return "MEM_BEGIN";
	case PKT_MEM_END:
		return "MEM_END";
	case PKT_MEM_DATA:
		return "MEM_DATA";
	case PKT_SYNC:
		return "SYNC";
	case PKT_WRITE_REG:
		return "WRITE_REG";
	case PKT_READ_REG:
		return "READ_REG";
	case PKT_SPI_SET_PARAMS:
		return "SPI_SET_PARAMS";
	case PKT_SPI_ATTACH:
		return "SPI_ATTACH";
	case PKT_CHANGE_BAUDRATE:
		return "CHANGE_BAUDRATE";
	case PKT_FLASH_DEFL_BEGIN:
		return "FLASH_DEFL_BEGIN";
	case PKT_FLASH_DEFL_DATA:
		return "FLASH_DEFL_DATA";
	case PKT_FLASH_DEFL_END:
		return "FLASH_DEFL_END";
	case PKT_SPI_FLASH_MD5:
		return "SPI_FLASH_MD5";
	case PKT_GET_SECURITY_INFO:
		return "GET_SECURITY_INFO";
	case PKT_ERASE_FLASH:
		return "ERASE_FLASH";
	case PKT_ERASE_REGION:
		return "ERASE_REGION";
	case PKT_READ_FLASH:
		return "READ_FLASH";
	case PKT_RUN_USER_CODE:
		return "RUN_USER_CODE";
	default: {
		static char unknown[8];
		snprintf(unknown, sizeof unknown, "0x%02x", op);
		return unknown;
	}
	}
}

uint8_t pkt_checksum(const uint8_t *data, size_t len)
{
	uint8_t c = PKT_CHECKSUM_SEED;
	for (size_t i = 0; i < len; i++)
		c ^= data[i];
	return c;
}

size_t pkt_build_request(uint8_t *out, uint8_t op, const uint8_t *data, uint16_t len,
			 uint32_t checksum)
{
	out[0] = 0x00;
	out[1] = op;
	put_le16(out + 2, len);
	put_le32(out + 4, checksum);
	if (len)
		memcpy(out + PKT_HEADER_LEN, data, len);
	return PKT_HEADER_LEN + (size_t)len;
}

void pkt_sync_payload(uint8_t out[36])
{
	out[0] = 0x07;
	out[1] = 0x07;
	out[2] = 0x12;
	out[3] = 0x20;
	memset(out + 4, 0x55, 32);
}

bool pkt_parse_request(const uint8_t *frame, size_t len, struct pkt_request *req)
{
	if (len < PKT_HEADER_LEN || frame[0] != 0x00)
		return false;
	uint16_t dlen = get_le16(frame + 2);
	if ((size_t)dlen != len - PKT_HEADER_LEN)
		return false;
	req->op = frame[1];
	req->len = dlen;
	req->checksum = get_le32(frame + 4);
	req->data = frame + PKT_HEADER_LEN;
	return true;
}

bool pkt_parse_response(const uint8_t *frame, size_t len, size_t expected_data,
			struct pkt_response *resp)
{
	if (len < PKT_HEADER_LEN || frame[0] != 0x01)
		return false;
	uint16_t dlen = get_le16(frame + 2);
	if ((size_t)dlen != len - PKT_HEADER_LEN || dlen < expected_data + 2)
		return false;
	resp->op = frame[1];
	resp->len = dlen;
	resp->value = get_le32(frame + 4);
	resp->data = frame + PKT_HEADER_LEN;
	resp->status = resp->data[expected_data];
	resp->error = resp->data[expected_data + 1];
	return true;
}

size_t pkt_build_response(uint8_t *out, uint8_t op, uint32_t value, const uint8_t *result,
			  uint16_t result_len, uint8_t status, uint8_t error)
{
	out[0] = 0x01;
	out[1] = op;
	put_le16(out + 2, (uint16_t)(result_len + 2));
	put_le32(out + 4, value);
	if (result_len)
		memcpy(out + PKT_HEADER_LEN, result, result_len);
	out[PKT_HEADER_LEN + result_len] = status;
	out[PKT_HEADER_LEN + result_len + 1] = error;
	return PKT_HEADER_LEN + (size_t)result_len + 2;
}

const char *pkt_rom_error_text(uint8_t code)
{
	switch (code) {
	case 0x05:
		return "received message is invalid";
	case 0x06:
		return "failed to act on received message";
	case 0x07:
		return "invalid CRC in message";
	case 0x08:
		return "flash write error (read-back check failed)";
	case 0x09:
		return "flash read error";
	case 0x0A:
		return "flash read length error";
	case 0x0B:
		return "deflate error";
	default:
		return "unknown error code";
	}
}
