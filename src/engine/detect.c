/* SPDX-License-Identifier: MIT
 * Chip detection (reference §4): magic 0x40001000, OTP R0..R3, crystal, MAC, flash id. */
#include "engine/detect.h"

#include <stdio.h>
#include <string.h>

#include "core/flash_params.h"
#include "engine/spiflash.h"
#include "proto/packet.h"

#define OTP_R0	    0x3FF00050u
#define UART_CLKDIV 0x60000014u

int detect_mac(const uint32_t otp[4], uint8_t mac[6], struct ed_error *err)
{
	uint32_t r0 = otp[0], r1 = otp[1], r3 = otp[3];
	if (r3 != 0) {
		mac[0] = (uint8_t)(r3 >> 16);
		mac[1] = (uint8_t)(r3 >> 8);
		mac[2] = (uint8_t)r3;
	} else if (((r1 >> 16) & 0xFF) == 0) {
		mac[0] = 0x18, mac[1] = 0xFE, mac[2] = 0x34;
	} else if (((r1 >> 16) & 0xFF) == 1) {
		mac[0] = 0xAC, mac[1] = 0xD0, mac[2] = 0x74;
	} else {
		return ed_fail(err, ED_ERR_DEVICE,
			       "unknown OUI in the chip's OTP (R1 = 0x%08x): cannot derive the MAC",
			       r1);
	}
	mac[3] = (uint8_t)(r1 >> 8);
	mac[4] = (uint8_t)r1;
	mac[5] = (uint8_t)(r0 >> 24);
	return ED_OK;
}

void detect_name(const uint32_t otp[4], char *name, size_t cap, bool *esp8285)
{
	/* ESP8285 when bit 4 (R0.4) or bit 80 (R2.16) of the 128-bit OTP value is set. */
	*esp8285 = (otp[0] & (1u << 4)) || (otp[2] & (1u << 16));
	if (!*esp8285) {
		snprintf(name, cap, "ESP8266EX");
		return;
	}
	bool r0_4 = otp[0] & (1u << 4);
	bool r3_25 = otp[3] & (1u << 25), r3_26 = otp[3] & (1u << 26), r3_27 = otp[3] & (1u << 27);
	unsigned mb = 0;
	if (r0_4 && !r3_25)
		mb = !r3_27 && !r3_26 ? 1 : !r3_27 && r3_26 ? 2 : 0;
	else if (!r0_4 && r3_25)
		mb = !r3_27 && !r3_26 ? 2 : !r3_27 && r3_26 ? 4 : 0;
	bool high_temp = otp[0] & (1u << 5);
	if (mb == 1 || mb == 2)
		snprintf(name, cap, "ESP8285%c%02u", high_temp ? 'H' : 'N', mb * 8);
	else
		snprintf(name, cap, "ESP8285");
}

unsigned detect_crystal_mhz(uint32_t uart_clkdiv, uint32_t baud)
{
	/* esptool: baud x divider / 2 / 1e6 (UART clock = 2 x crystal in the ROM), rounded
	 * to the nearest known crystal: above 33 is 40 MHz. */
	double est = (double)baud * (double)(uart_clkdiv & 0xFFFFF) / 2.0 / 1e6;
	return est > 33.0 ? 40 : 26;
}

int detect_chip(struct loader *ld, struct chip_info *info, struct ed_error *err)
{
	int rc = detect_chip_only(ld, info, err);
	return rc < 0 ? rc : detect_flash_regs(ld, info, err);
}

int detect_chip_only(struct loader *ld, struct chip_info *info, struct ed_error *err)
{
	memset(info, 0, sizeof *info);
	uint32_t magic = 0;
	int rc = loader_read_reg(ld, PKT_CHIP_MAGIC_ADDR, &magic, err);
	if (rc < 0)
		return rc;
	if (magic != PKT_ESP8266_MAGIC)
		return ed_fail(err, ED_ERR_UNSUPPORTED,
			       "the chip on %s is not an ESP8266 (magic word 0x%08x, expected "
			       "0x%08x): espdeck only drives the ESP8266 family",
			       loader_link(ld)->name, magic, PKT_ESP8266_MAGIC);
	/* esptool's order: R3, R2, R1, R0. */
	for (int i = 3; i >= 0; i--)
		if ((rc = loader_read_reg(ld, OTP_R0 + 4u * (unsigned)i, &info->otp[i], err)) < 0)
			return rc;
	uint32_t div = 0;
	if ((rc = loader_read_reg(ld, UART_CLKDIV, &div, err)) < 0)
		return rc;
	info->crystal_mhz = detect_crystal_mhz(div, loader_link(ld)->baud);
	detect_name(info->otp, info->name, sizeof info->name, &info->esp8285);
	snprintf(info->features, sizeof info->features, "Wi-Fi, 160MHz%s",
		 info->esp8285 ? ", Embedded Flash" : "");
	if ((rc = detect_mac(info->otp, info->mac, err)) < 0)
		return rc;
	info->chip_id = (info->otp[0] >> 24) | ((info->otp[1] & 0xFFFFFFu) << 8);
	return ED_OK;
}

void detect_flash_size(struct loader *ld, struct chip_info *info)
{
	if (info->flash_id == 0 || info->flash_id == 0xFFFFFF)
		ed_log(loader_log(ld), ED_LOG_WARN,
		       "the flash chip does not answer (JEDEC id 0x%06x): check its wiring and "
		       "power",
		       info->flash_id);
	info->flash_size = flash_size_from_jedec(info->flash_id);
}

int detect_flash_regs(struct loader *ld, struct chip_info *info, struct ed_error *err)
{
	struct spiflash sf;
	int rc = spiflash_begin(&sf, ld, err);
	if (rc == ED_OK)
		rc = spiflash_read_id(&sf, &info->flash_id, err);
	int rc2 = spiflash_end(&sf, rc == ED_OK ? err : NULL);
	if (rc == ED_OK)
		rc = rc2;
	if (rc < 0)
		return rc;
	detect_flash_size(ld, info);
	return ED_OK;
}
