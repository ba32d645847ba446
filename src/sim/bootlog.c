/* SPDX-License-Identifier: MIT
 * The ROM's boot messages (reference §2.4): printed at 74880 baud with a 26 MHz crystal
 * (the ROM assumes 40 MHz and programs 115200), so a host at another rate reads garbage,
 * exactly what esptool flushes away before its first SYNC. */
#include "sim/board.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"

/* A flash boot also lists the segments of the v1 image at 0x0 as the ROM loads them. */
static size_t flash_boot_lines(struct sim_board *b, char *out, size_t cap)
{
	size_t size;
	const uint8_t *f = sim_board_flash(b, &size);
	size_t n = 0;
	if (f[0] != 0xE9 || f[1] == 0 || f[1] > 16) {
		n += (size_t)snprintf(out, cap, "\r\nflash read err, 0\r\n");
		return n;
	}
	uint32_t pos = 8;
	uint8_t csum = 0xEF;
	for (unsigned i = 0; i < f[1] && pos + 8 <= size && n < cap; i++) {
		uint32_t addr = get_le32(f + pos), len = get_le32(f + pos + 4);
		if (len > size - pos - 8)
			break;
		for (uint32_t k = 0; k < len; k++)
			csum ^= f[pos + 8 + k];
		n += (size_t)snprintf(out + n, cap - n, "load 0x%08x, len %u, room 16 \r\n", addr,
				      len);
		pos += 8 + len;
	}
	uint32_t csum_pos = (pos | 15u);
	if (n < cap && csum_pos < size) {
		if (f[csum_pos] == csum)
			n += (size_t)snprintf(out + n, cap - n, "csum 0x%02x\r\n", csum);
		else
			n += (size_t)snprintf(out + n, cap - n, "csum err\r\nets_main.c \r\n");
	}
	return n < cap ? n : cap - 1;
}

void sim_boot_log(struct sim_board *b, bool download, int rst_cause, uint64_t t)
{
	char text[1024];
	size_t n = (size_t)snprintf(text, sizeof text,
				    "\r\n ets Jan  8 2013,rst cause:%d, boot mode:(%d,6)\r\n\r\n",
				    rst_cause, download ? 1 : 3);
	if (download)
		n += (size_t)snprintf(text + n, sizeof text - n, "waiting for host\r\n");
	else
		n += flash_boot_lines(b, text + n, sizeof text - n);
	uint32_t baud = b->cfg.crystal_mhz == 40 ? 115200 : 74880;
	sim_emit(b, (const uint8_t *)text, n, baud, t);
}
