/* SPDX-License-Identifier: MIT
 * The SDK's second-stage boot loader (boot_v1.x) as the virtual board's console shows
 * it: when the ROM has loaded a boot-loader-shaped image from 0x0 and the slot the boot
 * configuration selects holds a user image, the board prints boot_v1.x's banner and
 * "jump to run user1 @ 1000" at the ROM's baud (reference §2.4, §8.3).
 *
 * What counts as a boot loader (the virtual board cannot run Xtensa code, and the tests
 * must not need Espressif's binary): a v1 image at 0x0 with 1-16 segments, every one in
 * IRAM (0x40100000-0x40107FFF) or DRAM (0x3FFE8000-0x3FFFFFFF), that ends inside the
 * first 4 KiB sector (user1 starts at 0x1000 in every OTA map) and whose checksum is good
 * (the ROM stops at "csum err" otherwise). A non-OTA application at 0x0 is larger than a
 * sector or has its code in irom0, so it does not qualify.
 *
 * The banner text follows public captures of boot_v1.5-1.7 (the indentation of the SPI
 * lines, a blank line before and after); the size string, speed and mode come from the
 * header of the image at 0x0, as the reference says boot_v1.x takes them. The version is
 * that of the vendor image when its size and entry match a known one (1.2, 1.6, 1.7),
 * else "1.7". The slot choice reads the boot parameters as §8.3 documents them. */
#include "sim/board.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"

#define SECTOR 4096u

static bool in_ram(uint32_t addr, uint32_t len)
{
	uint64_t end = (uint64_t)addr + len;
	return (addr >= 0x40100000u && end <= 0x40108000u) ||
	       (addr >= 0x3FFE8000u && end <= 0x40000000u);
}

/* True when flash[0..] is a boot-loader-shaped v1 image (see above). */
static bool is_boot_loader(const uint8_t *f, size_t size)
{
	if (size < SECTOR || f[0] != 0xE9 || f[1] == 0 || f[1] > 16)
		return false;
	uint32_t pos = 8;
	uint8_t csum = 0xEF;
	for (unsigned i = 0; i < f[1]; i++) {
		if (pos + 8 > SECTOR)
			return false;
		uint32_t addr = get_le32(f + pos), len = get_le32(f + pos + 4);
		if (len > SECTOR - pos - 8 || !in_ram(addr, len))
			return false;
		for (uint32_t k = 0; k < len; k++)
			csum ^= f[pos + 8 + k];
		pos += 8 + len;
	}
	uint32_t csum_pos = pos | 15u;
	return csum_pos < SECTOR && f[csum_pos] == csum;
}

/* "32Mbit(1024KB+1024KB)" per size_map; NULL for maps boot_v1.x has no OTA split for. */
static const char *size_and_map(unsigned size_map, uint32_t *user2)
{
	static const struct {
		const char *text;
		uint32_t user2;
	} maps[10] = {
	    [0] = {"4Mbit(256KB+256KB)", 0x41000},     [2] = {"8Mbit(512KB+512KB)", 0x81000},
	    [3] = {"16Mbit(512KB+512KB)", 0x81000},    [4] = {"32Mbit(512KB+512KB)", 0x81000},
	    [5] = {"16Mbit(1024KB+1024KB)", 0x101000}, [6] = {"32Mbit(1024KB+1024KB)", 0x101000},
	    [8] = {"64Mbit(1024KB+1024KB)", 0x101000}, [9] = {"128Mbit(1024KB+1024KB)", 0x101000},
	};
	if (size_map >= 10 || !maps[size_map].text)
		return NULL;
	*user2 = maps[size_map].user2;
	return maps[size_map].text;
}

static uint32_t map_bytes(unsigned size_map)
{
	static const uint32_t bytes[10] = {512u << 10, 256u << 10, 1u << 20, 2u << 20, 4u << 20,
					   2u << 20,   4u << 20,   0,	     8u << 20, 16u << 20};
	return size_map < 10 ? bytes[size_map] : 0;
}

/* Reference §8.3: flag byte in sector base + 2 picks the parameter sector; user2 when
 * usr_bin = 1 and boot_status = 1, or usr_bin != 1, boot_status = 0 and version != 4. */
static int chosen_user(const uint8_t *f, size_t size, uint32_t flash_bytes)
{
	uint32_t base = flash_bytes / SECTOR - 3;
	if ((uint64_t)(base + 3) * SECTOR > size)
		return 1; /* configuration past the end of the chip: reads as erased */
	uint32_t params = f[(base + 2) * SECTOR] ? base + 1 : base;
	uint8_t b0 = f[params * SECTOR], b1 = f[params * SECTOR + 1];
	unsigned usr_bin = b0 & 3u, boot_status = (b0 >> 2) & 1u, version = b1 & 0x1Fu;
	if ((usr_bin == 1 && boot_status == 1) ||
	    (usr_bin != 1 && boot_status == 0 && version != 4))
		return 2;
	return 1;
}

static const char *boot_version(const uint8_t *f)
{
	uint32_t entry = get_le32(f + 4);
	/* the vendor images' lengths (reference §8.3) end where the checksum line ends */
	uint32_t pos = 8;
	for (unsigned i = 0; i < f[1]; i++)
		pos += 8 + get_le32(f + pos + 4);
	uint32_t len = (pos | 15u) + 1;
	if (len == 3856 && entry == 0x40100438u)
		return "1.6";
	if (len == 4080 && entry == 0x4010057Cu)
		return "1.7";
	if (len == 1936)
		return "1.2";
	return "1.7";
}

size_t sim_boot2_lines(const uint8_t *f, size_t size, char *out, size_t cap)
{
	if (cap == 0 || !is_boot_loader(f, size))
		return 0;
	uint32_t user2 = 0;
	const char *map = size_and_map(f[3] >> 4, &user2);
	if (!map)
		return 0;
	int user = chosen_user(f, size, map_bytes(f[3] >> 4));
	uint32_t slot = user == 1 ? 0x1000 : user2;
	if (slot + 8u > size || (f[slot] != 0xEA && f[slot] != 0xE9))
		return 0; /* no user image where the configuration points */
	static const char *const modes[] = {"QIO", "QOUT", "DIO", "DOUT"};
	unsigned clk = f[3] & 15u;
	const char *speed = clk == 0	? "40MHz"
			    : clk == 1	? "26.7MHz"
			    : clk == 2	? "20MHz"
			    : clk == 15 ? "80MHz"
					: "unknown";
	int n =
	    snprintf(out, cap,
		     "\r\n2nd boot version : %s\r\n"
		     "  SPI Speed      : %s\r\n"
		     "  SPI Mode       : %s\r\n"
		     "  SPI Flash Size & Map: %s\r\n"
		     "jump to run user%d @ %x\r\n\r\n",
		     boot_version(f), speed, f[2] < 4 ? modes[f[2]] : "unknown", map, user, slot);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}
