/* SPDX-License-Identifier: MIT
 * Reading ESP8266 images: recognise v1 / esptool v2 / gen_appbin bins, check them
 * independently of any writer, and esptool's header patch for offset 0 (reference §7). */
#include "image/image.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "core/util.h"

uint8_t img_checksum(const uint8_t *data, size_t len, uint8_t state)
{
	for (size_t i = 0; i < len; i++)
		state ^= data[i];
	return state;
}

uint32_t img_crc32_update(uint32_t crc, const uint8_t *data, size_t len)
{
	/* zlib's crc32 takes uInt lengths; feed large buffers in slices. */
	while (len > 0) {
		uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
		crc = (uint32_t)crc32(crc, data, n);
		data += n;
		len -= n;
	}
	return crc;
}

/* gen_appbin's mapping of Python 2's signed crc32: negative -> |c| - 1 (= c ^ ~0),
 * otherwise c + 1 (reference §7.8). */
static uint32_t boot_crc(uint32_t c)
{
	return (c & 0x80000000u) ? c ^ 0xFFFFFFFFu : c + 1u;
}

uint32_t img_crc32(const uint8_t *data, size_t len)
{
	return boot_crc(img_crc32_update(0, data, len));
}

const char *img_kind_name(enum img_kind kind)
{
	switch (kind) {
	case IMG_KIND_V1:
		return "v1 (0xE9, loaded by the ROM)";
	case IMG_KIND_V2:
		return "v2 (esptool elf2image --version 2, 0xEA)";
	case IMG_KIND_APPBIN:
		return "SDK OTA app (gen_appbin)";
	default:
		return "none";
	}
}

const char *img_region_name(uint32_t addr)
{
	/* esptool's ESP8266ROM.MEMORY_MAP */
	if (addr >= 0x3FF00000u && addr < 0x3FF00010u)
		return "DPORT";
	if (addr >= 0x3FFE8000u && addr < 0x40000000u)
		return "DRAM";
	if (addr >= 0x40100000u && addr < 0x40108000u)
		return "IRAM";
	if (addr >= 0x40201010u && addr < 0x402E1010u)
		return "IROM";
	return "unknown";
}

/* Reads count segment headers + data from *pos; fills info->segments. */
static int parse_segments(const uint8_t *buf, size_t len, size_t *pos, unsigned count,
			  struct img_info *info, uint8_t *checksum, struct ed_error *err)
{
	if (count > IMG_MAX_SEGMENTS)
		return ed_fail(err, ED_ERR_FORMAT,
			       "the header at offset 0x%zx says %u segments, more than the %d the "
			       "ROM accepts: not an image, or a corrupt one",
			       *pos - 8, count, IMG_MAX_SEGMENTS);
	for (unsigned i = 0; i < count; i++) {
		size_t p = *pos;
		if (len < 8 || p > len - 8)
			return ed_fail(
			    err, ED_ERR_FORMAT,
			    "segment %u header at offset 0x%zx is cut off: the data ends at "
			    "0x%zx, the image is truncated",
			    i, p, len);
		uint32_t addr = get_le32(buf + p), n = get_le32(buf + p + 4);
		if (n > len - p - 8)
			return ed_fail(
			    err, ED_ERR_FORMAT,
			    "segment %u (load 0x%08x, %u bytes, data at offset 0x%zx) runs "
			    "past the end of the data (0x%zx): the image is truncated",
			    i, addr, n, p + 8, len);
		struct img_segment *s = &info->segments[info->segment_count++];
		s->load_addr = addr;
		s->length = n;
		s->header_offset = p;
		s->data_offset = p + 8;
		s->region = img_region_name(addr);
		s->irom = false;
		*checksum = img_checksum(buf + p + 8, n, *checksum);
		*pos = p + 8 + n;
	}
	return ED_OK;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Places the checksum after segments ending at p. esptool pads 15 - p % 16 zeros;
 * gen_appbin pads 16 - (p + 1) % 16, i.e. 16 instead of 0 when p % 16 == 15. */
static int place_checksum(const uint8_t *buf, size_t len, size_t p, bool prefer_pad16,
			  struct img_info *info, struct ed_error *err)
{
	size_t at = p + (15 - p % 16);
	bool can16 = p % 16 == 15 && len > p + 16 && all_bytes(buf + p, 16, 0);
	if (can16 &&
	    (prefer_pad16 ||
	     (buf[at] != info->checksum_computed && buf[p + 16] == info->checksum_computed) ||
	     len == p + 17)) {
		at = p + 16;
		info->checksum_pad16 = true;
	}
	if (at >= len)
		return ed_fail(err, ED_ERR_FORMAT,
			       "the checksum byte at offset 0x%zx is missing (data ends at 0x%zx): "
			       "the image is truncated",
			       at, len);
	info->checksum_offset = at;
	info->checksum_stored = buf[at];
	return ED_OK;
}

static int read_crc(const uint8_t *buf, size_t len, size_t at, struct img_info *info,
		    struct ed_error *err)
{
	if (at > len || len - at < 4)
		return ed_fail(
		    err, ED_ERR_FORMAT,
		    "the 4-byte CRC at offset 0x%zx is missing (data ends at 0x%zx): the "
		    "image is truncated",
		    at, len);
	info->has_crc = true;
	info->crc_offset = at;
	info->crc_stored = get_le32(buf + at);
	info->crc_computed = img_crc32(buf, at);
	info->image_len = at + 4;
	return ED_OK;
}

static void set_flash_params(struct img_info *info, uint8_t b2, uint8_t b3)
{
	info->flash_params_valid = true;
	info->flash_mode = b2;
	info->size_map = b3 >> 4;
	info->freq_code = b3 & 0x0F;
}

static int parse_ea_second(const uint8_t *buf, size_t len, size_t pos, struct img_info *info,
			   struct ed_error *err);

static int parse_ea(const uint8_t *buf, size_t len, struct img_info *info, struct ed_error *err)
{
	if (len < 16)
		return ed_fail(err, ED_ERR_FORMAT,
			       "0xEA image of %zu bytes is cut off inside its irom segment header",
			       len);
	/* esptool writes no irom segment when the ELF has no .irom0.text: the 0xE9 header
	 * follows at once, repeating the first header's flash bytes and entry point (an irom
	 * segment header starts with its load address 0 instead). */
	if (buf[8] == IMG_MAGIC_V1 && buf[10] == buf[2] && buf[11] == buf[3] &&
	    get_le32(buf + 12) == get_le32(buf + 4))
		return parse_ea_second(buf, len, 8, info, err);
	uint32_t irom_len = get_le32(buf + 12);
	if (irom_len > len - 16)
		return ed_fail(
		    err, ED_ERR_FORMAT,
		    "the irom segment (%u bytes at offset 0x10) runs past the end of the "
		    "data (0x%zx): the image is truncated",
		    irom_len, len);
	struct img_segment *s = &info->segments[info->segment_count++];
	s->load_addr = get_le32(buf + 8);
	s->length = irom_len;
	s->header_offset = 8;
	s->data_offset = 16;
	s->region = "irom0 (flash)";
	s->irom = true;
	return parse_ea_second(buf, len, 16 + (size_t)irom_len, info, err);
}

/* The 0xE9 header at pos and the checked segments after it. */
static int parse_ea_second(const uint8_t *buf, size_t len, size_t pos, struct img_info *info,
			   struct ed_error *err)
{
	if (pos > len - 8 || len < 8)
		return ed_fail(err, ED_ERR_FORMAT,
			       "the second (0xE9) header at offset 0x%zx is cut off (data ends at "
			       "0x%zx): the image is truncated",
			       pos, len);
	const uint8_t *h = buf + pos;
	if (h[0] != IMG_MAGIC_V1)
		return ed_fail(
		    err, ED_ERR_FORMAT,
		    "the second header at offset 0x%zx starts with 0x%02x, expected 0xE9 "
		    "after the irom segment: corrupt image",
		    pos, h[0]);
	uint32_t entry2 = get_le32(h + 4);
	set_flash_params(info, h[2], h[3]);
	info->headers_agree = h[2] == buf[2] && h[3] == buf[3] && entry2 == info->entry;
	info->entry = entry2;
	pos += 8;
	uint8_t sum = IMG_CHECKSUM_SEED;
	int rc = parse_segments(buf, len, &pos, h[1], info, &sum, err);
	if (rc != ED_OK)
		return rc;
	info->checksum_computed = sum;
	/* gen_appbin: byte 2 is 0, byte 3 the slot, three checked sections starting with
	 * .text at 0x40100000; esptool copies the flash parameters into both headers. */
	bool appbin = buf[2] == 0 && (buf[3] == 1 || buf[3] == 2) && h[1] == 3 &&
		      info->segments[0].irom && info->segments[1].load_addr == 0x40100000u;
	if (appbin && info->headers_agree && (pos % 16 != 15 || buf[pos] == sum))
		appbin = false; /* 00 01 / 00 02 is also qio, 512KB, 26m/20m: esptool's layout */
	info->kind = appbin ? IMG_KIND_APPBIN : IMG_KIND_V2;
	if (appbin) {
		info->boot_mode = 2;
		info->app_slot = buf[3];
	}
	rc = place_checksum(buf, len, pos, appbin, info, err);
	if (rc != ED_OK)
		return rc;
	return read_crc(buf, len, info->checksum_offset + 1, info, err);
}

/* Where a CRC matching the data before it sits, from from on: at the end of a file, or
 * anywhere in flash contents (SIZE_MAX when nowhere). */
static size_t find_crc(const uint8_t *buf, size_t len, size_t from)
{
	if (boot_crc(img_crc32_update(0, buf, len - 4)) == get_le32(buf + len - 4))
		return len - 4;
	/* flash contents: try every end, one byte at a time (a 16 MiB dump costs one table
	 * lookup per byte; zlib's per-call overhead would dominate) */
	uint32_t table[256];
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t t = i;
		for (int k = 0; k < 8; k++)
			t = (t >> 1) ^ (0xEDB88320u & (0u - (t & 1u)));
		table[i] = t;
	}
	uint32_t c = ~img_crc32_update(0, buf, from); /* the running register, not final */
	for (size_t k = from; k + 4 <= len; k++) {
		if (boot_crc(~c) == get_le32(buf + k))
			return k;
		c = table[(c ^ buf[k]) & 0xFF] ^ (c >> 8);
	}
	return SIZE_MAX;
}

/* The CRC of buf[0, at) had bytes 2-3 been 00 slot. */
static uint32_t crc_with_slot(const uint8_t *buf, size_t at, uint8_t slot)
{
	uint8_t head[4] = {buf[0], buf[1], 0, slot};
	return boot_crc(img_crc32_update(img_crc32_update(0, head, 4), buf + 4, at - 4));
}

/* Where the CRC of a damaged bin is: the last 4 bytes of a file; in flash contents
 * (a run of erased 0xFF at the end) the last 4 bytes before that run. */
static size_t damaged_crc_at(const uint8_t *buf, size_t len, size_t irom_at)
{
	size_t end = len;
	while (end > irom_at && buf[end - 1] == 0xFF)
		end--;
	if (len - end < 16)
		end = len;
	return end >= irom_at + 4 ? end - 4 : irom_at;
}

/* Marks the bin as boot mode 1 with its irom0 at irom_at and CRC at crc_at. */
static void set_boot1(const uint8_t *buf, size_t irom_at, size_t crc_at, int slot,
		      struct img_info *info)
{
	struct img_segment *s = &info->segments[info->segment_count++];
	s->load_addr = 0;
	s->length = (uint32_t)(crc_at - irom_at);
	s->header_offset = SIZE_MAX;
	s->data_offset = irom_at;
	s->region = "irom0 (flash)";
	s->irom = true;
	info->kind = IMG_KIND_APPBIN;
	info->boot_mode = 1;
	info->app_slot = slot;
	info->slot_damaged = buf[2] != 0 || slot != buf[3];
	info->flash_params_valid = false;
	info->has_crc = true;
	info->crc_offset = crc_at;
	info->crc_stored = get_le32(buf + crc_at);
	info->crc_computed = img_crc32(buf, crc_at);
	info->image_len = crc_at + 4;
}

/* boot mode 1 bins: E9 03 00 <app>, checksum line, 0xFF up to 0x10000, raw irom0, CRC.
 * The irom length is only known from where the CRC matches: at the end of a file, or
 * found by scanning flash contents. When no CRC matches, gen_appbin's structure decides:
 * three checked sections starting with .text at 0x40100000 and a fill that is (nearly)
 * all 0xFF. Bytes 2-3 other than 00 01 / 00 02 are accepted only when the CRC fits one
 * of those, since any other pair is also a plain v1 header (flash mode, size and
 * frequency) and must stay one. */
static bool try_boot1(const uint8_t *buf, size_t len, struct img_info *info)
{
	if (buf[1] != 3 || info->segment_count != 3)
		return false;
	size_t irom_at = info->checksum_offset + 1;
	size_t fill_end = irom_at < 0x10000 ? 0x10000 : irom_at;
	if (len < fill_end + 4)
		return false;
	size_t bad = 0, first_bad = 0;
	for (size_t i = irom_at; i < fill_end; i++)
		if (buf[i] != 0xFF && !bad++)
			first_bad = i;
	bool slot_ok = buf[2] == 0 && (buf[3] == 1 || buf[3] == 2);
	size_t crc_at = slot_ok && bad == 0 ? find_crc(buf, len, fill_end) : SIZE_MAX;
	int slot = buf[3];
	if (crc_at == SIZE_MAX) {
		size_t fill = fill_end - irom_at;
		if (fill < 16 || bad > fill / 8 || info->segments[0].load_addr != 0x40100000u)
			return false;
		crc_at = damaged_crc_at(buf, len, fill_end);
		if (!slot_ok) {
			if (crc_with_slot(buf, crc_at, 1) == get_le32(buf + crc_at))
				slot = 1;
			else if (crc_with_slot(buf, crc_at, 2) == get_le32(buf + crc_at))
				slot = 2;
			else
				return false;
		}
	}
	info->fill_offset = irom_at;
	info->fill_bad = bad;
	info->fill_bad_offset = first_bad;
	set_boot1(buf, fill_end, crc_at, slot, info);
	return true;
}

static int parse_e9(const uint8_t *buf, size_t len, struct img_info *info, struct ed_error *err)
{
	size_t pos = 8;
	uint8_t sum = IMG_CHECKSUM_SEED;
	info->kind = IMG_KIND_V1;
	set_flash_params(info, buf[2], buf[3]);
	int rc = parse_segments(buf, len, &pos, buf[1], info, &sum, err);
	if (rc != ED_OK)
		return rc;
	info->checksum_computed = sum;
	rc = place_checksum(buf, len, pos, false, info, err);
	if (rc != ED_OK)
		return rc;
	info->image_len = info->checksum_offset + 1;
	try_boot1(buf, len, info);
	return ED_OK;
}

int img_parse(const uint8_t *buf, size_t len, struct img_info *info, struct ed_error *err)
{
	memset(info, 0, sizeof *info);
	info->boot_mode = -1;
	info->buf_len = len;
	if (len < 8)
		return ed_fail(err, ED_ERR_FORMAT,
			       "%zu bytes are too short for an image (the header alone is 8 bytes)",
			       len);
	if (memcmp(buf,
		   "\x7f"
		   "ELF",
		   4) == 0)
		return ed_fail(err, ED_ERR_FORMAT,
			       "this is an ELF file, not a firmware image: make the image with "
			       "elf2image or make_ota");
	if (buf[0] != IMG_MAGIC_V1 && buf[0] != IMG_MAGIC_V2)
		return ed_fail(err, ED_ERR_FORMAT,
			       "wrong magic byte 0x%02x at offset 0 (an ESP8266 image starts with "
			       "0xE9, an OTA image with 0xEA)",
			       buf[0]);
	info->hdr_byte2 = buf[2];
	info->hdr_byte3 = buf[3];
	info->entry = get_le32(buf + 4);
	info->headers_agree = true;
	int rc =
	    buf[0] == IMG_MAGIC_V2 ? parse_ea(buf, len, info, err) : parse_e9(buf, len, info, err);
	if (rc != ED_OK)
		info->kind = IMG_KIND_NONE;
	return rc;
}

/* How many of the 4 CRC bytes differ, and the index of the last that does. */
static int crc_bytes_differ(uint32_t a, uint32_t b, int *which)
{
	int n = 0;
	for (int i = 0; i < 4; i++)
		if (((a ^ b) >> (8 * i)) & 0xFF) {
			n++;
			*which = i;
		}
	return n;
}

/* The damage a boot mode 1 bin recognised from its layout can show, most specific
 * first; the checksum byte was checked before. */
static int verify_boot1(const struct img_info *info, struct ed_error *err)
{
	char crc[160] = "";
	if (info->crc_stored != info->crc_computed)
		snprintf(crc, sizeof crc, " (CRC invalid: stored 0x%08x, computed 0x%08x)",
			 info->crc_stored, info->crc_computed);
	if (info->slot_damaged)
		return ed_fail(err, ED_ERR_VERIFY,
			       "bytes 2-3 of the boot mode 1 header are %02x %02x, not 00 01 or 00 "
			       "02 (the app slot); the stored CRC fits 00 %02x (user%d), so the "
			       "header was damaged%s",
			       info->hdr_byte2, info->hdr_byte3, info->app_slot, info->app_slot,
			       crc);
	if (info->fill_bad)
		return ed_fail(err, ED_ERR_VERIFY,
			       "the 0xFF fill from offset 0x%zx to 0x10000 has %zu damaged byte%s, "
			       "the first at offset 0x%zx%s",
			       info->fill_offset, info->fill_bad, info->fill_bad == 1 ? "" : "s",
			       info->fill_bad_offset, crc);
	if (info->crc_stored == info->crc_computed)
		return ED_OK;
	int which = 0;
	if (crc_bytes_differ(info->crc_stored, info->crc_computed, &which) == 1)
		return ed_fail(
		    err, ED_ERR_VERIFY,
		    "CRC invalid: stored 0x%08x, computed 0x%08x: only the byte at offset "
		    "0x%zx differs, so the CRC itself is damaged (the data is probably "
		    "intact)",
		    info->crc_stored, info->crc_computed, info->crc_offset + (size_t)which);
	return ed_fail(err, ED_ERR_VERIFY,
		       "CRC invalid: stored 0x%08x, computed 0x%08x over the first %zu bytes: the "
		       "header, its checksum and the fill are intact, so the irom0 code (offset "
		       "0x%zx-0x%zx) or the CRC at offset 0x%zx is damaged",
		       info->crc_stored, info->crc_computed, info->crc_offset,
		       info->segments[info->segment_count - 1].data_offset, info->crc_offset,
		       info->crc_offset);
}

int img_verify(const struct img_info *info, bool whole_file, struct ed_error *err)
{
	if (info->kind == IMG_KIND_NONE)
		return ed_fail(err, ED_ERR_FORMAT, "not an image");
	if (info->checksum_stored != info->checksum_computed)
		return ed_fail(err, ED_ERR_VERIFY,
			       "checksum mismatch: the byte at offset 0x%zx is 0x%02x but the "
			       "segments give 0x%02x (corrupt or edited image)",
			       info->checksum_offset, info->checksum_stored,
			       info->checksum_computed);
	if (info->kind == IMG_KIND_APPBIN && info->boot_mode == 1) {
		int rc = verify_boot1(info, err);
		if (rc != ED_OK)
			return rc;
	}
	if (info->has_crc && info->crc_stored != info->crc_computed)
		return ed_fail(err, ED_ERR_VERIFY,
			       "CRC invalid: stored 0x%08x, computed 0x%08x over the first %zu "
			       "bytes (CRC mismatch at offset 0x%zx: corrupt or edited image)",
			       info->crc_stored, info->crc_computed, info->crc_offset,
			       info->crc_offset);
	if (whole_file && info->image_len != info->buf_len)
		return ed_fail(err, ED_ERR_FORMAT,
			       "%zu unexpected bytes follow the end of the image at offset 0x%zx "
			       "(an overlong file, or two files glued together)",
			       info->buf_len - info->image_len, info->image_len);
	return ED_OK;
}

int img_header_flash_size(const uint8_t *buf, size_t len, const struct flash_size_info **size,
			  struct ed_error *err)
{
	*size = NULL;
	struct img_info info;
	int rc = img_parse(buf, len, &info, err);
	if (rc != ED_OK)
		return rc;
	if (!info.flash_params_valid)
		return ed_fail(err, ED_ERR_UNSUPPORTED,
			       "this %s (boot mode 1) stores the app slot instead of flash "
			       "parameters in its header",
			       img_kind_name(info.kind));
	*size = flash_size_by_map(info.size_map);
	if (!*size)
		return ed_fail(err, ED_ERR_UNSUPPORTED,
			       "the image header's flash size code %u (byte 3 = 0x%02x) is not one "
			       "the ESP8266 knows",
			       info.size_map, (info.size_map << 4) | info.freq_code);
	return ED_OK;
}

static bool is_keep(const char *name)
{
	return !name || !strcasecmp(name, "keep");
}

/* esptool's test: ESP8266ROMFirmwareImage loads (segments complete, checksum byte
 * present) and verify() passes (<= 16 segments). The checksum value is not checked. */
static bool loads_as_v1(const uint8_t *data, size_t len)
{
	if (data[1] > IMG_MAX_SEGMENTS)
		return false;
	size_t pos = 8;
	for (unsigned i = 0; i < data[1]; i++) {
		if (pos > len - 8)
			return false;
		uint32_t n = get_le32(data + pos + 4);
		if (n > len - pos - 8)
			return false;
		pos += 8 + n;
	}
	return pos + (15 - pos % 16) < len;
}

int img_patch_flash_params(uint8_t *data, size_t len, const char *mode, const char *size,
			   const char *freq, uint32_t detected_size, struct ed_error *err)
{
	ed_error_clear(err);
	int mode_code = -1;
	const struct flash_size_info *sz = NULL;
	const struct flash_freq_info *fq = NULL;
	if (!is_keep(mode) && (mode_code = flash_mode_by_name(mode)) < 0)
		return ed_fail(err, ED_ERR_ARG,
			       "unknown flash mode '%s' (use qio, qout, dio, dout "
			       "or keep)",
			       mode);
	char why[512];
	if (!is_keep(size) && strcasecmp(size, "detect") != 0 &&
	    !(sz = flash_size_parse(size, why, sizeof why)))
		return ed_fail(err, ED_ERR_ARG, "%s", why);
	if (!is_keep(freq) && !(fq = flash_freq_by_name(freq)))
		return ed_fail(err, ED_ERR_ARG, "unknown flash frequency '%s' (use %s or keep)",
			       freq, flash_freq_names());
	if (len < 8 || (is_keep(mode) && is_keep(size) && is_keep(freq)))
		return 0;
	if (data[0] != IMG_MAGIC_V1) {
		ed_fail(err, ED_OK,
			"the file at 0x0 doesn't look like an image file (first byte "
			"0x%02x), so not changing any flash settings",
			data[0]);
		return 0;
	}
	if (!loads_as_v1(data, len)) {
		ed_fail(err, ED_OK,
			"the file at 0x0 is not a valid ESP8266 image, so not changing "
			"any flash settings");
		return 0;
	}
	if (!is_keep(size) && !sz) { /* detect */
		sz = flash_size_by_bytes(detected_size);
		if (!sz) {
			/* esptool falls back to 4MB when the flash id gives no size */
			sz = flash_size_by_name("4MB");
			ed_fail(err, ED_OK,
				"could not auto-detect the flash size, defaulting to 4MB (as "
				"esptool does)");
		}
	}
	uint8_t b2 = mode_code >= 0 ? (uint8_t)mode_code : data[2];
	uint8_t hi = sz ? (uint8_t)(sz->size_map << 4) : (data[3] & 0xF0);
	uint8_t lo = fq ? fq->code : (data[3] & 0x0F);
	uint8_t b3 = (uint8_t)(hi | lo);
	if (b2 == data[2] && b3 == data[3])
		return 0;
	data[2] = b2;
	data[3] = b3;
	return 1;
}

int img_params_from_names(const char *mode, const char *size, const char *freq,
			  struct img_params *p, struct ed_error *err)
{
	if (mode) {
		int m = flash_mode_by_name(mode);
		if (m < 0)
			return ed_fail(err, ED_ERR_ARG,
				       "unknown flash mode '%s' (use qio, qout, dio or dout)",
				       mode);
		p->flash_mode = (uint8_t)m;
	}
	if (size) {
		char why[512];
		const struct flash_size_info *s = flash_size_parse(size, why, sizeof why);
		if (!s)
			return ed_fail(err, ED_ERR_ARG, "%s", why);
		p->size_map = s->size_map;
	}
	if (freq) {
		const struct flash_freq_info *f = flash_freq_by_name(freq);
		if (!f)
			return ed_fail(err, ED_ERR_ARG, "unknown flash frequency '%s' (use %s)",
				       freq, flash_freq_names());
		p->freq_code = f->code;
	}
	return ED_OK;
}

void img_output_free(struct img_output *out)
{
	if (!out)
		return;
	free(out->data);
	out->data = NULL;
	out->len = 0;
}
