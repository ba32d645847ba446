/* SPDX-License-Identifier: MIT
 * esptool's elf2image --version 3 for the ESP8266 (the image the ESP8266 RTOS SDK v3
 * boot loader reads), byte for byte as esptool 4.x's ESP8266V3FirmwareImage writes it:
 *   - an 8-byte 0xE9 header (no ESP32 extended header): count, mode, size/clock, entry;
 *     the size nibble uses the ESP32 codes (1MB = 0, 2MB = 1, 4MB = 2 ... 128MB = 7),
 *     because esptool takes the V3 class's size table from the ESP32;
 *   - sections merged by the ESP32 memory map (the V3 class inherits it too) and the
 *     exec bit;
 *   - the flash-mapped segments (address above 0x40200000) first, sorted by address, no
 *     two in one 64 KiB page, a ".flash.rodata" segment without its first 8 bytes; then
 *     the RAM segments sorted by address;
 *   - the checksum over every segment's bytes after 0-15 zero bytes (file length a
 *     multiple of 16), then the SHA-256 of everything before it. */
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "core/util.h"
#include "image/image.h"
#include "image/segments_int.h"

#define V3_FLASH_START 0x40200000u /* esptool: is_flash_addr(addr) = addr > IROM_MAP_START */
#define V3_PAGE	       0x10000u	   /* esptool's IROM_ALIGN */

/* esptool's ESP32 MEMORY_MAP; a bit per distinct name, so equal masks = equal name lists
 * (the two IROM ranges share a bit, as they share a name). */
static uint32_t region_esp32(uint32_t addr)
{
	static const struct {
		uint32_t start, end;
		uint32_t bit;
	} map[] = {
	    {0x00000000u, 0x00010000u, 1u << 0},  /* PADDING */
	    {0x3F400000u, 0x3F800000u, 1u << 1},  /* DROM */
	    {0x3F800000u, 0x3FC00000u, 1u << 2},  /* EXTRAM_DATA */
	    {0x3FF80000u, 0x3FF82000u, 1u << 3},  /* RTC_DRAM */
	    {0x3FF90000u, 0x40000000u, 1u << 4},  /* BYTE_ACCESSIBLE */
	    {0x3FFAE000u, 0x40000000u, 1u << 5},  /* DRAM */
	    {0x3FFE0000u, 0x3FFFFFFCu, 1u << 6},  /* DIRAM_DRAM */
	    {0x40000000u, 0x40070000u, 1u << 7},  /* IROM */
	    {0x40070000u, 0x40078000u, 1u << 8},  /* CACHE_PRO */
	    {0x40078000u, 0x40080000u, 1u << 9},  /* CACHE_APP */
	    {0x40080000u, 0x400A0000u, 1u << 10}, /* IRAM */
	    {0x400A0000u, 0x400BFFFCu, 1u << 11}, /* DIRAM_IRAM */
	    {0x400C0000u, 0x400C2000u, 1u << 12}, /* RTC_IRAM */
	    {0x400D0000u, 0x40400000u, 1u << 7},  /* IROM */
	    {0x50000000u, 0x50002000u, 1u << 13}, /* RTC_DATA */
	};
	uint32_t mask = 0;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (addr >= map[i].start && addr < map[i].end)
			mask |= map[i].bit;
	return mask;
}

int img_v3_size_code(const char *name, uint8_t *code, struct ed_error *err)
{
	static const char *const names[] = {"1MB",  "2MB",  "4MB",  "8MB",
					    "16MB", "32MB", "64MB", "128MB"};
	if (!name) {
		*code = 0; /* esptool's default, 1MB */
		return ED_OK;
	}
	for (uint8_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(name, names[i])) {
			*code = i;
			return ED_OK;
		}
	return ed_fail(err, ED_ERR_ARG,
		       "flash size '%s' is not one of the version 3 image's sizes: 1MB, 2MB, 4MB, "
		       "8MB, 16MB, 32MB, 64MB, 128MB (esptool gives these images the ESP32's size "
		       "codes, so there is no 512KB, 256KB or -c1 map)",
		       name);
}

static bool is_flash(uint32_t addr)
{
	return addr > V3_FLASH_START;
}

/* Segment indices, flash-mapped ones first, each group sorted by address (stable, as
 * Python's sorted). */
static void order_segments(const struct seglist *l, size_t *order)
{
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++) {
		size_t first = n;
		for (size_t i = 0; i < l->n; i++)
			if (is_flash(l->v[i].addr) == (pass == 0))
				order[n++] = i;
		for (size_t i = first + 1; i < n; i++) { /* insertion sort: stable */
			size_t cur = order[i], j = i;
			while (j > first && l->v[order[j - 1]].addr > l->v[cur].addr) {
				order[j] = order[j - 1];
				j--;
			}
			order[j] = cur;
		}
	}
}

static int check_v3(const struct seglist *l, const size_t *order, struct ed_error *err)
{
	if (l->n > IMG_MAX_SEGMENTS)
		return ed_fail(err, ED_ERR_FORMAT,
			       "%zu segments after merging, more than the %d an image may hold: "
			       "check the linker script",
			       l->n, IMG_MAX_SEGMENTS);
	int rc = seglist_check_overlap(l, err);
	if (rc < 0)
		return rc;
	for (size_t i = 1; i < l->n && is_flash(l->v[order[i]].addr); i++) {
		uint32_t a = l->v[order[i - 1]].addr, b = l->v[order[i]].addr;
		if (a / V3_PAGE == b / V3_PAGE)
			return ed_fail(
			    err, ED_ERR_FORMAT,
			    "segment %s at 0x%08x lands in the same 64 KiB flash page as %s "
			    "at 0x%08x, which a version 3 image cannot map: change the "
			    "linker script or merge the sections",
			    l->v[order[i]].name, b, l->v[order[i - 1]].name, a);
	}
	return ED_OK;
}

/* esptool drops the first 8 bytes of a flash segment named .flash.rodata (the RTOS SDK's
 * linker script reserves them for the segment header). */
static size_t skipped(const struct seg *g)
{
	if (!is_flash(g->addr) || strcmp(g->name, ".flash.rodata"))
		return 0;
	return g->len < 8 ? g->len : 8;
}

static size_t v3_size(const struct seglist *l)
{
	size_t pos = 8;
	for (size_t i = 0; i < l->n; i++)
		pos += 8 + l->v[i].len - skipped(&l->v[i]);
	return pos + (15 - pos % 16) + 1 + 32;
}

/* Writes the segments in order at out + 8; returns the end position, *sum the checksum. */
static size_t write_segments(uint8_t *out, const struct seglist *l, const size_t *order,
			     uint8_t *tmp, uint8_t *sum)
{
	size_t pos = 8;
	*sum = IMG_CHECKSUM_SEED;
	for (size_t k = 0; k < l->n; k++) {
		const struct seg *g = &l->v[order[k]];
		size_t skip = skipped(g), len = g->len - skip;
		memset(tmp, 0, g->len);
		seglist_copy(tmp, l, g, 0);
		put_le32(out + pos, g->addr);
		put_le32(out + pos + 4, (uint32_t)len);
		memcpy(out + pos + 8, tmp + skip, len);
		*sum = img_checksum(out + pos + 8, len, *sum);
		pos += 8 + len;
	}
	return pos;
}

int img_elf2image_v3(const uint8_t *elf, size_t elf_len, const struct img_params *p,
		     struct img_output *out, struct ed_error *err)
{
	memset(out, 0, sizeof *out);
	struct seglist l;
	uint32_t entry;
	int rc = seglist_load(elf, elf_len, p->use_segments, region_esp32, &l, &entry, err);
	if (rc != ED_OK)
		return rc;
	size_t *order = calloc(l.n ? l.n : 1, sizeof *order);
	size_t biggest = 1;
	for (size_t i = 0; i < l.n; i++)
		biggest = l.v[i].len > biggest ? l.v[i].len : biggest;
	uint8_t *tmp = malloc(biggest);
	uint8_t *d = NULL;
	if (!order || !tmp)
		rc = ed_fail(err, ED_ERR_NOMEM, "out of memory building the image");
	if (rc == ED_OK) {
		order_segments(&l, order);
		rc = check_v3(&l, order, err);
	}
	size_t size = rc == ED_OK ? v3_size(&l) : 0;
	if (rc == ED_OK && !(d = calloc(1, size)))
		rc = ed_fail(err, ED_ERR_NOMEM, "out of memory building the image");
	if (rc == ED_OK) {
		d[0] = IMG_MAGIC_V1;
		d[1] = (uint8_t)l.n;
		d[2] = p->flash_mode;
		d[3] = (uint8_t)((p->size_map << 4) | p->freq_code);
		put_le32(d + 4, entry);
		uint8_t sum;
		size_t pos = write_segments(d, &l, order, tmp, &sum);
		pos += 15 - pos % 16; /* zeros from calloc */
		d[pos++] = sum;
		sha256_buffer(d, pos, d + pos);
		out->data = d;
		out->len = pos + 32;
	}
	free(tmp);
	free(order);
	seglist_free(&l);
	return rc;
}
