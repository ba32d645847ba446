/* SPDX-License-Identifier: MIT
 * esptool 4.8.1's image_info --version 2 for ESP8266 images (esptool_info.h). */
#include "image/esptool_info.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define MAX_SEGS 17 /* 16 + the irom segment of a v2 image */

struct eseg {
	uint32_t addr, len; /* len as esptool keeps it: padded to 4 unless addr is 0 */
	size_t file_offs, data_offs, raw_len;
	bool in_checksum;
};

struct eimage {
	int version;
	uint8_t mode, size_freq;
	uint32_t entry;
	struct eseg seg[MAX_SEGS];
	size_t nseg;
	size_t checksum_pos;
};

struct text {
	char *p;
	size_t len, cap;
	bool failed;
};

static void say(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (int tries = 0; tries < 2 && !t->failed; tries++) {
		va_start(ap, fmt);
		int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if (t->p && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = (t->cap ? t->cap : 1024) * 2 + (size_t)n;
		char *p = realloc(t->p, cap);
		if (!p) {
			t->failed = true;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
}

/* load_segment(): header, data, esptool's "suspicious" warning. */
static int load_seg(const uint8_t *b, size_t len, size_t *pos, bool irom, struct eimage *im,
		    struct text *t, struct ed_error *err)
{
	if (im->nseg == MAX_SEGS)
		return ed_fail(err, ED_ERR_FORMAT, "Invalid segment count %zu (max 16)", im->nseg);
	if (*pos + 8 > len)
		return ed_fail(err, ED_ERR_FORMAT,
			       "the file ends in the header of segment %zu, at "
			       "offset 0x%zx",
			       im->nseg, *pos);
	struct eseg *s = &im->seg[im->nseg];
	s->file_offs = *pos;
	s->addr = get_le32(b + *pos);
	s->raw_len = get_le32(b + *pos + 4);
	if (!irom && (s->addr > 0x40200000u || s->addr < 0x3FFE0000u || s->raw_len > 65536))
		say(t, "WARNING: Suspicious segment 0x%x, length %zu\n", s->addr, s->raw_len);
	if (s->raw_len > len - *pos - 8)
		return ed_fail(err, ED_ERR_FORMAT,
			       "End of file reading segment 0x%x, length %zu "
			       "(actual length %zu)",
			       s->addr, s->raw_len, len - *pos - 8);
	s->data_offs = *pos + 8;
	s->len = (uint32_t)(s->addr ? (s->raw_len + 3) & ~(size_t)3 : s->raw_len);
	s->in_checksum = !irom;
	*pos += 8 + s->raw_len;
	im->nseg++;
	return ED_OK;
}

static void common_header(const uint8_t *b, size_t at, struct eimage *im)
{
	im->mode = b[at + 2];
	im->size_freq = b[at + 3];
	im->entry = get_le32(b + at + 4);
}

/* The 0xEA image's first header, irom segment and second header, with esptool's warnings. */
static int load_v2_head(const uint8_t *b, size_t len, size_t *pos, struct eimage *im,
			struct text *t, struct ed_error *err)
{
	if (b[1] != 4)
		say(t, "Warning: V2 header has unexpected \"segment\" count %u (usually 4)\n",
		    b[1]);
	common_header(b, 0, im);
	uint8_t mode = im->mode, sf = im->size_freq;
	uint32_t entry = im->entry;
	int rc = load_seg(b, len, pos, true, im, t, err);
	if (rc < 0)
		return rc;
	im->seg[0].addr = 0; /* esptool: "for actual mapped addr, add ..." */
	if (*pos + 8 > len || b[*pos] != 0xE9)
		return ed_fail(err, ED_ERR_FORMAT, "Invalid firmware image magic=0x%x",
			       *pos < len ? b[*pos] : 0);
	common_header(b, *pos, im);
	if (mode != im->mode)
		say(t,
		    "WARNING: Flash mode value in first header (0x%02x) disagrees with second "
		    "(0x%02x). Using second value.\n",
		    mode, im->mode);
	if (sf != im->size_freq)
		say(t,
		    "WARNING: Flash size/freq value in first header (0x%02x) disagrees with "
		    "second (0x%02x). Using second value.\n",
		    sf, im->size_freq);
	if (entry != im->entry)
		say(t,
		    "WARNING: Entrypoint address in first header (0x%08x) disagrees with second "
		    "header (0x%08x). Using second value.\n",
		    entry, im->entry);
	return ED_OK;
}

static int load_image(const uint8_t *b, size_t len, struct eimage *im, struct text *t,
		      struct ed_error *err)
{
	memset(im, 0, sizeof *im);
	size_t pos = 8;
	int rc;
	im->version = b[0] == 0xEA ? 2 : 1;
	if (im->version == 2) {
		if ((rc = load_v2_head(b, len, &pos, im, t, err)) < 0)
			return rc;
	} else {
		common_header(b, 0, im);
	}
	unsigned count =
	    b[im->version == 2 ? pos : 0] == 0xE9 ? b[(im->version == 2 ? pos : 0) + 1] : 0;
	if (im->version == 2)
		pos += 8;
	for (unsigned i = 0; i < count; i++)
		if ((rc = load_seg(b, len, &pos, false, im, t, err)) < 0)
			return rc;
	im->checksum_pos = pos + (15 - pos % 16); /* align_file_position(f, 16) */
	if (im->checksum_pos >= len)
		return ed_fail(err, ED_ERR_FORMAT,
			       "the file ends before the checksum byte (offset "
			       "0x%zx)",
			       im->checksum_pos);
	if (im->nseg > 16)
		return ed_fail(
		    err, ED_ERR_FORMAT,
		    "Invalid segment count %zu (max 16). Usually this indicates a linker "
		    "script problem.",
		    im->nseg);
	return ED_OK;
}

static const char *name_of(const char *const *names, const uint8_t *codes, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (codes[i] == v)
			return names[i];
	return NULL;
}

static void header_lines(struct text *t, const struct eimage *im)
{
	static const char *const sizes[] = {"512KB",  "256KB",	"1MB", "2MB", "4MB",
					    "2MB-c1", "4MB-c1", "8MB", "16MB"};
	static const uint8_t size_codes[] = {0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x80, 0x90};
	static const char *const freqs[] = {"80m", "40m", "26m", "20m"};
	static const uint8_t freq_codes[] = {0xF, 0x0, 0x1, 0x2};
	static const char *const modes[] = {"QIO", "QOUT", "DIO", "DOUT"};
	say(t, "\nESP8266 image header\n====================\n");
	say(t, "Image version: %d\n", im->version);
	if (im->entry)
		say(t, "Entry point: %#8x\n", im->entry);
	else
		say(t, "Entry point not set\n");
	say(t, "Segments: %zu\n", im->nseg);
	const char *s = name_of(sizes, size_codes, 9, im->size_freq & 0xF0);
	if (s)
		say(t, "Flash size: %s\n", s);
	else
		say(t, "WARNING: Invalid flash size (0x%x)\n", im->size_freq & 0xF0);
	const char *f = name_of(freqs, freq_codes, 4, im->size_freq & 0x0F);
	if (f)
		say(t, "Flash freq: %s\n", f);
	else
		say(t, "WARNING: Invalid flash frequency (0x%x)\n", im->size_freq & 0x0F);
	if (im->mode < 4)
		say(t, "Flash mode: %s\n", modes[im->mode]);
	else
		say(t, "WARNING: Invalid flash mode (%u)\n", im->mode);
	say(t, "\n");
}

static const char *memory_type(uint32_t addr)
{
	static const struct {
		uint32_t start, end;
		const char *name;
	} map[] = {{0x3FF00000u, 0x3FF00010u, "DPORT"},
		   {0x3FFE8000u, 0x40000000u, "DRAM"},
		   {0x40100000u, 0x40108000u, "IRAM"},
		   {0x40201010u, 0x402E1010u, "IROM"}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (addr >= map[i].start && addr < map[i].end)
			return map[i].name;
	return "";
}

/* Python's "{:#07x}" etc.: the prefix counts in the width, zeros fill after it; "{:#x}"
 * of 0 is "0x0", so the prefix is written out rather than left to printf's '#'. */
static void segment_lines(struct text *t, const struct eimage *im)
{
	say(t, "Segments information\n====================\n");
	say(t, "%7s  %7s  %10s  %10s  %-10s\n", "Segment", "Length", "Load addr", "File offs",
	    "Memory types");
	say(t, "-------  -------  ----------  ----------  ------------\n");
	for (size_t i = 0; i < im->nseg; i++) {
		const struct eseg *s = &im->seg[i];
		say(t, "%7zu  0x%05x  0x%08x  0x%08zx  %s\n", i, s->len, s->addr, s->file_offs,
		    memory_type(s->addr));
	}
	say(t, "\n");
}

int esptool_listing(const uint8_t *buf, size_t len, bool detected, struct esptool_listing *out,
		    struct ed_error *err)
{
	memset(out, 0, sizeof *out);
	if (len == 0)
		return ed_fail(err, ED_ERR_FORMAT, "File is empty");
	if (buf[0] != 0xE9 && buf[0] != 0xEA)
		return ed_fail(err, ED_ERR_FORMAT,
			       "This is not a valid image (invalid magic number: 0x%x)", buf[0]);
	struct text t = {0};
	say(&t, "File size: %zu (bytes)\n", len);
	if (detected)
		say(&t, "Detected image type: ESP8266\n");
	struct eimage im;
	int rc = len < 8 ? ed_fail(err, ED_ERR_FORMAT, "the file ends inside the 8-byte header")
			 : load_image(buf, len, &im, &t, err);
	if (rc < 0) {
		free(t.p);
		return rc;
	}
	header_lines(&t, &im);
	segment_lines(&t, &im);
	uint8_t calc = 0xEF;
	for (size_t i = 0; i < im.nseg; i++)
		for (size_t k = 0; im.seg[i].in_checksum && k < im.seg[i].raw_len; k++)
			calc ^= buf[im.seg[i].data_offs + k];
	uint8_t stored = buf[im.checksum_pos];
	say(&t, "ESP8266 image footer\n====================\n");
	if (stored == calc)
		say(&t, "Checksum: 0x%x (valid)\n", stored);
	else
		say(&t, "Checksum: 0x%x (invalid - calculated %02x)\n", stored, calc);
	if (t.failed) {
		free(t.p);
		return ed_fail(err, ED_ERR_NOMEM, "out of memory for the listing");
	}
	out->text = t.p;
	out->len = t.len;
	out->checksum_ok = stored == calc;
	return ED_OK;
}

void esptool_listing_free(struct esptool_listing *l)
{
	if (!l)
		return;
	free(l->text);
	memset(l, 0, sizeof *l);
}
