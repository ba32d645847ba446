/* SPDX-License-Identifier: MIT
 * esptool's `image_info --version 2` listing of an ESP8266 image, the same lines esptool
 * 4.8.1 prints (header, segment table with memory types, footer), for scripts that read
 * them. The file is read as esptool reads it, independently of img_parse(), so its
 * quirks carry over: a v2 irom segment shows load address 0, a gen_appbin checksum
 * after 16 zero bytes reads as invalid, the E9 header of a v2 image wins. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct esptool_listing {
	char *text; /* malloc'd, NUL-terminated; free with esptool_listing_free() */
	size_t len;
	bool checksum_ok; /* the footer said "valid" */
};

/* Fills *out with the listing of the file buf[0..len) (file_size is printed first).
 * detected: also print esptool's "Detected image type: ESP8266" (its --chip auto).
 * ED_ERR_FORMAT with esptool's reason (invalid magic, end of file in a segment, more
 * than 16 segments) when esptool would stop with a fatal error; *out is then empty. */
int esptool_listing(const uint8_t *buf, size_t len, bool detected, struct esptool_listing *out,
		    struct ed_error *err);
void esptool_listing_free(struct esptool_listing *l);
