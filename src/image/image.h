/* SPDX-License-Identifier: MIT
 * ESP8266 firmware images (reference §7): recognise, describe and verify the three formats
 * the ROM and the SDK boot loader read, write them from an ELF the way esptool's elf2image
 * and the NONOS SDK's gen_appbin do, and patch header flash parameters as esptool's
 * write_flash does. Pure functions over caller buffers; no file or terminal I/O here.
 *
 * Formats:
 *   v1      0xE9 header, segments, checksum line (esptool v1, boot_v1.x, eagle.flash.bin)
 *   v2      esptool elf2image --version 2: 0xEA header (flash params), irom segment, E9
 *           header + segments, checksum line, CRC
 *   appbin  the SDK's gen_appbin user1/user2 bins: boot mode 2 (0xEA header whose byte 3 is
 *           the app slot), boot mode 1 (E9 with the slot in byte 3, 0xFF fill to 0x10000,
 *           raw irom0, CRC); boot mode 0 is a v1 image whose checksum line may carry the
 *           16-zero-byte quirk. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/flash_params.h"

#define IMG_MAGIC_V1	   0xE9u       /* ROM image / second header */
#define IMG_MAGIC_V2	   0xEAu       /* OTA image first header */
#define IMG_CHECKSUM_SEED  0xEFu       /* esptool ESP_CHECKSUM_MAGIC, gen_appbin CHECKSUM_INIT */
#define IMG_MAX_SEGMENTS   16	       /* esptool rejects more than 16 E9 segments */
#define IMG_IROM_MAP_START 0x40200000u /* flash window seen through the cache (irom0) */
#define IMG_IROM_MAP_END   0x40300000u

enum img_kind {
	IMG_KIND_NONE = 0, /* not recognised */
	IMG_KIND_V1,	   /* 0xE9 image loaded by the ROM */
	IMG_KIND_V2,	   /* esptool's 0xEA image */
	IMG_KIND_APPBIN,   /* gen_appbin boot mode 1 or 2 (see img_info.boot_mode) */
};

/* One segment as stored in an image. */
struct img_segment {
	uint32_t load_addr;   /* as stored (0 for the irom segment of an 0xEA image) */
	uint32_t length;      /* data bytes */
	size_t header_offset; /* file offset of the 8-byte segment header; SIZE_MAX if none */
	size_t data_offset;   /* file offset of the data */
	const char *region;   /* "IRAM", "DRAM", "DPORT", "IROM", "irom0 (flash)" or "unknown" */
	bool irom;	      /* flash-mapped code: not loaded by the ROM, not in the checksum */
};

/* What img_parse found. Plain data; every offset is relative to the parsed buffer. */
struct img_info {
	enum img_kind kind;
	int boot_mode;	   /* gen_appbin boot mode 1/2 for IMG_KIND_APPBIN, else -1 */
	int app_slot;	   /* 1 or 2 for IMG_KIND_APPBIN, else 0 */
	uint8_t hdr_byte2; /* bytes 2-3 of the first header, as stored */
	uint8_t hdr_byte3;
	/* Flash parameters from the header the loader honours (the E9 one). False for boot
	 * mode 1 bins, whose E9 header carries the slot instead. */
	bool flash_params_valid;
	uint8_t flash_mode; /* 0 qio .. 3 dout */
	uint8_t size_map;   /* byte 3 high nibble (SDK size_map) */
	uint8_t freq_code;  /* byte 3 low nibble */
	uint32_t entry;
	bool headers_agree;   /* v2: first and second header carry the same bytes 2-3 and entry */
	size_t segment_count; /* all segments, irom included, in file order */
	struct img_segment segments[IMG_MAX_SEGMENTS + 1];
	size_t checksum_offset;
	uint8_t checksum_stored;
	uint8_t checksum_computed;
	bool checksum_pad16; /* gen_appbin's quirk: 16 zero bytes before the checksum byte */
	bool has_crc;
	size_t crc_offset;
	uint32_t crc_stored;
	uint32_t crc_computed;
	size_t image_len; /* bytes from the start of the buffer that belong to the image */
	/* Boot mode 1 bins are recognised from their layout even when damaged; img_verify
	 * then names the damage from these. */
	bool slot_damaged;	/* byte 3 is not 1/2; app_slot is the slot the CRC fits */
	size_t fill_offset;	/* the 0xFF fill [fill_offset, 0x10000) (empty when equal) */
	size_t fill_bad;	/* bytes of the fill that are not 0xFF */
	size_t fill_bad_offset; /* the first of them */
	size_t buf_len;		/* length that was parsed */
};

/* Recognises and describes the image at the start of buf (a file, or flash contents at an
 * address, which may continue past the image). Returns ED_OK when the structure parses,
 * even with a wrong checksum or CRC (see img_verify); ED_ERR_FORMAT with a message naming
 * the offset when it is not an image (wrong magic, truncated, too many segments). */
int img_parse(const uint8_t *buf, size_t len, struct img_info *info, struct ed_error *err);

/* Checks what img_parse recorded: checksum, CRC, and when whole_file is true that nothing
 * follows the image. Returns ED_OK or ED_ERR_VERIFY/ED_ERR_FORMAT with a message saying
 * exactly what is wrong (expected vs found). */
int img_verify(const struct img_info *info, bool whole_file, struct ed_error *err);

/* "v1 (0xE9)", "v2 (esptool 0xEA)", "SDK OTA app (gen_appbin)", "none". */
const char *img_kind_name(enum img_kind kind);

/* esptool's ESP8266 memory map name for an address: "DPORT", "DRAM", "IRAM", "IROM", or
 * "unknown". Borrowed static string. */
const char *img_region_name(uint32_t addr);

/* The flash size encoded in the header of the image at the start of buf (the E9 header's
 * size nibble; for gen_appbin boot 2 the second header). Sets *size to the table entry.
 * ED_ERR_FORMAT when buf is not an image, ED_ERR_UNSUPPORTED when the header carries no
 * flash size (boot mode 1 bins) or an unknown nibble. */
int img_header_flash_size(const uint8_t *buf, size_t len, const struct flash_size_info **size,
			  struct ed_error *err);

/* XOR checksum continuing from state (start with IMG_CHECKSUM_SEED). */
uint8_t img_checksum(const uint8_t *data, size_t len, uint8_t state);

/* The SDK boot loader's CRC (reference §7.8): zlib CRC-32 c of data, then c ^ 0xFFFFFFFF
 * when bit 31 is set, else c + 1. */
uint32_t img_crc32(const uint8_t *data, size_t len);

/* Plain zlib/IEEE CRC-32 continuing from crc (0 to start). */
uint32_t img_crc32_update(uint32_t crc, const uint8_t *data, size_t len);

/* esptool write_flash's rule (reference §7.3) for data written at flash offset 0: when it
 * is a valid v1 image (0xE9, segments complete, checksum byte present, <= 16 segments),
 * replace byte 2 (mode) and the nibbles of byte 3 (size, freq) by the given names. Each of
 * mode/size/freq may be NULL or "keep"; size may be "detect", which takes detected_size
 * (bytes, from the flash id; 0 = unknown). Returns 1 when bytes changed, 0 when left
 * alone (err->msg then says why when it deserves a warning, e.g. "not an image", and is
 * empty otherwise), or ED_ERR_ARG for an unknown name. The caller only calls it for data
 * written at offset 0. */
int img_patch_flash_params(uint8_t *data, size_t len, const char *mode, const char *size,
			   const char *freq, uint32_t detected_size, struct ed_error *err);

/* Header flash parameters for the writers. */
struct img_params {
	uint8_t flash_mode; /* 0..3 */
	uint8_t size_map;   /* high nibble of byte 3 */
	uint8_t freq_code;  /* low nibble of byte 3 */
	bool use_segments;  /* elf2image --use-segments: PT_LOAD headers instead of sections */
};

/* esptool's elf2image defaults: qio, 1MB, 40m, sections. */
#define IMG_PARAMS_DEFAULT ((struct img_params){0, 2, 0, false})

/* Fills *p from names (NULL keeps the default of *p): mode qio/qout/dio/dout, any size
 * name of core/flash_params.h (new or old), freq 40m/26m/20m/80m. ED_ERR_ARG with the
 * list of accepted names otherwise. */
int img_params_from_names(const char *mode, const char *size, const char *freq,
			  struct img_params *p, struct ed_error *err);

/* A generated file: malloc'd bytes (free with img_output_free). */
struct img_output {
	uint8_t *data;
	size_t len;
	uint32_t flash_offset; /* the offset the file is named after (esptool's naming) */
};

void img_output_free(struct img_output *out);

/* esptool elf2image --version 1: *ram gets the 0xE9 image (flash offset 0), *irom the
 * raw irom0 segment (flash_offset = its address - 0x40200000), or len 0 / data NULL when
 * the ELF has none. Both are reset first; on failure nothing is allocated. */
int img_elf2image_v1(const uint8_t *elf, size_t elf_len, const struct img_params *p,
		     struct img_output *ram, struct img_output *irom, struct ed_error *err);

/* esptool elf2image --version 2: the 0xEA image; out->flash_offset is the irom0 offset
 * rounded down to 4 KiB, as in esptool's default name "<stem>-0x01000.bin". */
int img_elf2image_v2(const uint8_t *elf, size_t elf_len, const struct img_params *p,
		     struct img_output *out, struct ed_error *err);

/* esptool elf2image --version 3 (ESP8266 RTOS SDK v3 image, elf2image_v3.c): p->size_map
 * holds the version 3 size code (img_v3_size_code), not the SDK's size_map. */
int img_elf2image_v3(const uint8_t *elf, size_t elf_len, const struct img_params *p,
		     struct img_output *out, struct ed_error *err);
/* The version 3 image's size code for an esptool size name (NULL = the default 1MB):
 * 1MB 0, 2MB 1, 4MB 2, 8MB 3, 16MB 4, 32MB 5, 64MB 6, 128MB 7; ED_ERR_ARG otherwise. */
int img_v3_size_code(const char *name, uint8_t *code, struct ed_error *err);

/* gen_appbin for boot_mode 0, 1 or 2 and app 1 or 2 (app is ignored for mode 0; so is
 * p->use_segments: gen_appbin reads sections):
 * *out gets the bin. For boot mode 0, *irom0 (may be NULL otherwise) gets the raw
 * .irom0.text dump that the SDK flashes separately at 0x10000 (eagle.irom0text.bin). */
int img_make_ota(const uint8_t *elf, size_t elf_len, int boot_mode, int app,
		 const struct img_params *p, struct img_output *out, struct img_output *irom0,
		 struct ed_error *err);

/* Where the boot loader maps the irom0 code of app slot `app` (1/2) in the flash map
 * size_map for boot mode 1 or 2: 0x40200000 + ((slot flash address + offset of the code
 * in the bin) & 0xFFFFF), e.g. 0x40201010 for user1, 0x40281010 for user2 of a 512+512
 * map. 0 when the map has no OTA slots. */
uint32_t img_ota_irom_addr(int boot_mode, int app, uint8_t size_map);

/* Checks that the ELF's .irom0.text is linked where img_ota_irom_addr says it will run,
 * and that the map has OTA slots at all. Returns ED_OK, or ED_ERR_ARG with a message
 * naming both addresses and the link to use (gen_appbin itself does not check this; a
 * wrong link crashes at boot). */
int img_ota_check_link(const uint8_t *elf, size_t elf_len, int boot_mode, int app, uint8_t size_map,
		       struct ed_error *err);
