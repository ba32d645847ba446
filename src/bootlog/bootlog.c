/* SPDX-License-Identifier: MIT
 * Boot-log decoder (bootlog.h): splits bytes into lines, classifies each line of the
 * ESP8266 ROM's and boot_v1.x's output and collects the facts of the last boot.
 * Line formats follow reference §2.4 and public boot captures: the ROM ends lines with
 * CR LF, puts a space after "room N" and prints "ets_main.c " without a line end. */
#include "bootlog/bootlog.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest line kept whole; longer runs (binary noise without line ends) are split. */
#define RAW_MAX 240

struct bootlog {
	bootlog_line_fn on_line;
	void *user;
	uint8_t raw[RAW_MAX];
	size_t raw_len;
	bool after_cr; /* the previous byte ended a line with CR: swallow one LF */
	bool in_app;   /* the boot log handed over to the application */
	struct bootlog_facts facts;
};

static const char *const kind_names[] = {
    [BOOTLOG_BLANK] = "blank",
    [BOOTLOG_TEXT] = "text",
    [BOOTLOG_GARBAGE] = "garbage",
    [BOOTLOG_ROM_BANNER] = "rom-banner",
    [BOOTLOG_ROM_WAITING] = "rom-waiting",
    [BOOTLOG_ROM_LOAD] = "rom-load",
    [BOOTLOG_ROM_TAIL] = "rom-tail",
    [BOOTLOG_ROM_CHKSUM] = "rom-chksum",
    [BOOTLOG_ROM_HO] = "rom-ho",
    [BOOTLOG_ROM_CSUM] = "rom-csum",
    [BOOTLOG_ROM_CSUM_ERR] = "rom-csum-err",
    [BOOTLOG_ROM_STOP] = "rom-stop",
    [BOOTLOG_ROM_FLASH_ERR] = "rom-flash-err",
    [BOOTLOG_BOOT_VERSION] = "boot-version",
    [BOOTLOG_BOOT_SPI_SPEED] = "boot-spi-speed",
    [BOOTLOG_BOOT_SPI_MODE] = "boot-spi-mode",
    [BOOTLOG_BOOT_SPI_SIZE] = "boot-spi-size",
    [BOOTLOG_BOOT_NOTE] = "boot-note",
    [BOOTLOG_BOOT_JUMP] = "boot-jump",
};

const char *bootlog_kind_name(enum bootlog_kind kind)
{
	if ((size_t)kind < sizeof kind_names / sizeof kind_names[0] && kind_names[kind])
		return kind_names[kind];
	return "?";
}

const char *bootlog_rst_cause_name(int cause)
{
	/* Only these three are documented (reference §2.4); others are shown as numbers. */
	switch (cause) {
	case 1:
		return "power-on";
	case 2:
		return "external reset, EN/RST pin";
	case 4:
		return "hardware watchdog";
	default:
		return "undocumented cause";
	}
}

const char *bootlog_boot_mode_name(int strap)
{
	/* strap = (GPIO15 << 2) | (GPIO0 << 1) | GPIO2, latched at reset (reference §2.4). */
	if (strap == 1)
		return "UART download";
	if (strap == 3)
		return "flash boot";
	if (strap >= 4 && strap <= 7)
		return "SDIO boot";
	return "unexpected strap value";
}

const char *bootlog_region_name(uint32_t addr)
{
	/* Reference §10.2. */
	if (addr >= 0x3FFE8000u && addr < 0x3FFFC000u)
		return "DRAM";
	if (addr >= 0x3FFFC000u && addr < 0x40000000u)
		return "ROM data RAM";
	if (addr >= 0x40100000u && addr < 0x40108000u)
		return "IRAM";
	if (addr >= 0x40108000u && addr < 0x40110000u)
		return "IRAM cache area";
	if (addr >= 0x40200000u && addr < 0x40300000u)
		return "flash window";
	return "no RAM";
}

static void facts_reset_boot(struct bootlog_facts *f)
{
	unsigned banners = f->banners;
	int first = f->first_rst_cause;
	size_t garbage = f->garbage_bytes, total = f->total_bytes;
	memset(f, 0, sizeof *f);
	f->banners = banners;
	f->first_rst_cause = first;
	f->garbage_bytes = garbage;
	f->total_bytes = total;
	f->rst_cause = -1;
	f->boot_mode = -1;
	f->boot_mode_aux = -1;
	f->csum = -1;
	f->jump_user = -1;
	f->jump_addr = -1;
}

int bootlog_create(struct bootlog **out, bootlog_line_fn on_line, void *user, struct ed_error *err)
{
	*out = NULL;
	struct bootlog *log = calloc(1, sizeof *log);
	if (!log)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory for the boot-log decoder");
	log->on_line = on_line;
	log->user = user;
	log->facts.first_rst_cause = -1;
	facts_reset_boot(&log->facts);
	*out = log;
	return ED_OK;
}

void bootlog_destroy(struct bootlog *log)
{
	free(log);
}

const struct bootlog_facts *bootlog_facts(const struct bootlog *log)
{
	return &log->facts;
}

static bool printable(uint8_t c)
{
	return (c >= 0x20 && c < 0x7F) || c == '\t';
}

/* The raw line as text: unprintable bytes as \xNN. */
static void render(const uint8_t *raw, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 5 < cap; i++) {
		if (printable(raw[i]))
			out[o++] = raw[i] == '\t' ? ' ' : (char)raw[i];
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", raw[i]);
	}
	out[o] = '\0';
}

/* For matching: printable bytes only, whitespace runs collapsed to one space, no spaces
 * around ':' ("2nd boot version : 1.6" -> "2nd boot version:1.6"), trimmed. Case kept;
 * callers match with a lower-cased copy of the same length. */
static void clean(const uint8_t *raw, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < cap; i++) {
		char c = (char)raw[i];
		if (!printable(raw[i]))
			continue;
		if (c == '\t')
			c = ' ';
		if (c == ' ' && (o == 0 || out[o - 1] == ' ' || out[o - 1] == ':'))
			continue;
		if (c == ':' && o > 0 && out[o - 1] == ' ')
			o--;
		out[o++] = c;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Copies the value after a "key:" prefix of the cleaned line into dst. */
static void take_value(const char *cleaned, size_t prefix_len, char *dst, size_t cap)
{
	snprintf(dst, cap, "%s", cleaned + prefix_len);
}

static enum bootlog_kind classify_banner(struct bootlog *log, const char *lower, char *ex,
					 size_t excap)
{
	struct bootlog_facts *f = &log->facts;
	const char *rc = strstr(lower, "rst cause:");
	if (!rc)
		return BOOTLOG_TEXT;
	f->banners++;
	facts_reset_boot(f);
	log->in_app = false;
	int cause = -1, x = -1, y = -1;
	if (sscanf(rc, "rst cause:%d", &cause) == 1)
		f->rst_cause = cause;
	if (f->banners == 1)
		f->first_rst_cause = f->rst_cause;
	const char *bm = strstr(rc, "boot mode:(");
	if (bm && sscanf(bm, "boot mode:(%d,%d)", &x, &y) >= 1) {
		f->boot_mode = x;
		f->boot_mode_aux = y;
	}
	int n = snprintf(ex, excap, "reset cause %d (%s), boot mode %d (%s)", f->rst_cause,
			 bootlog_rst_cause_name(f->rst_cause), f->boot_mode,
			 bootlog_boot_mode_name(f->boot_mode));
	if (f->banners > 1 && n > 0 && (size_t)n < excap)
		snprintf(ex + n, excap - (size_t)n, "; reset #%u in this capture", f->banners);
	return BOOTLOG_ROM_BANNER;
}

static enum bootlog_kind classify_rom(struct bootlog *log, const char *lower, char *ex,
				      size_t excap)
{
	struct bootlog_facts *f = &log->facts;
	unsigned a, b, c;
	struct bootlog_segment *last = f->segment_count && f->segment_count <= BOOTLOG_MAX_SEGMENTS
					   ? &f->segments[f->segment_count - 1]
					   : NULL;
	if (!strcmp(lower, "waiting for host")) {
		f->waiting_for_host = true;
		snprintf(ex, excap, "UART download mode: the ROM loader waits for a flasher");
		return BOOTLOG_ROM_WAITING;
	}
	if (sscanf(lower, "load 0x%x, len %u, room %u", &a, &b, &c) == 3) {
		size_t idx = f->segment_count++;
		if (idx < BOOTLOG_MAX_SEGMENTS)
			f->segments[idx] = (struct bootlog_segment){
			    .addr = a, .len = b, .room = c, .tail = -1, .chksum = -1};
		if (b == 0)
			snprintf(
			    ex, excap,
			    "segment %zu is empty: no valid image in flash (erased or corrupt)",
			    idx + 1);
		else
			snprintf(ex, excap, "segment %zu: %u bytes to 0x%08x (%s)", idx + 1, b, a,
				 bootlog_region_name(a));
		return BOOTLOG_ROM_LOAD;
	}
	if (sscanf(lower, "ho %u tail %u room %u", &a, &b, &c) == 3) {
		snprintf(ex, excap, "the segment continues past the ROM's buffer");
		return BOOTLOG_ROM_HO;
	}
	if (sscanf(lower, "tail %u", &a) == 1 && starts(lower, "tail ")) {
		if (last)
			last->tail = (int)a;
		return BOOTLOG_ROM_TAIL;
	}
	if (sscanf(lower, "chksum 0x%x", &a) == 1) {
		if (last)
			last->chksum = (int)(a & 0xFF);
		snprintf(ex, excap, "checksum so far 0x%02x", a & 0xFF);
		return BOOTLOG_ROM_CHKSUM;
	}
	if (!strcmp(lower, "csum err")) {
		f->csum_state = BOOTLOG_CSUM_ERR;
		snprintf(
		    ex, excap,
		    "the image checksum does not match: the image at 0x0 is corrupt, truncated "
		    "or not an image");
		return BOOTLOG_ROM_CSUM_ERR;
	}
	if (sscanf(lower, "csum 0x%x", &a) == 1) {
		f->csum = (int)(a & 0xFF);
		/* "csum err" follows on the next line when it does not match. */
		if (f->csum_state == BOOTLOG_CSUM_UNSEEN)
			f->csum_state = BOOTLOG_CSUM_OK;
		snprintf(ex, excap, "image checksum 0x%02x computed over %zu segment%s", a & 0xFF,
			 f->segment_count, f->segment_count == 1 ? "" : "s");
		return BOOTLOG_ROM_CSUM;
	}
	if (starts(lower, "ets_main.c")) {
		f->rom_stopped = true;
		snprintf(ex, excap, "the ROM stopped; the board runs nothing until reset");
		return BOOTLOG_ROM_STOP;
	}
	if (starts(lower, "flash read err")) {
		f->flash_read_err = true;
		if (sscanf(lower, "flash read err,%x", &a) == 1 ||
		    sscanf(lower, "flash read err, %x", &a) == 1)
			f->flash_read_err_addr = a;
		snprintf(ex, excap, "the ROM could not read the flash at 0x%x",
			 f->flash_read_err_addr);
		return BOOTLOG_ROM_FLASH_ERR;
	}
	return BOOTLOG_TEXT;
}

static enum bootlog_kind classify_boot(struct bootlog *log, const char *cleaned, const char *lower,
				       char *ex, size_t excap)
{
	struct bootlog_facts *f = &log->facts;
	static const char *const keys[] = {"2nd boot version:", "spi speed:", "spi mode:",
					   "spi flash size & map:", "spi flash size:"};
	static const enum bootlog_kind kinds[] = {BOOTLOG_BOOT_VERSION, BOOTLOG_BOOT_SPI_SPEED,
						  BOOTLOG_BOOT_SPI_MODE, BOOTLOG_BOOT_SPI_SIZE,
						  BOOTLOG_BOOT_SPI_SIZE};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		size_t n = strlen(keys[i]);
		if (strncmp(lower, keys[i], n))
			continue;
		switch (kinds[i]) {
		case BOOTLOG_BOOT_VERSION:
			take_value(cleaned, n, f->boot_version, sizeof f->boot_version);
			snprintf(ex, excap, "SDK boot loader %s", f->boot_version);
			break;
		case BOOTLOG_BOOT_SPI_SPEED:
			take_value(cleaned, n, f->spi_speed, sizeof f->spi_speed);
			snprintf(ex, excap, "flash clock %s", f->spi_speed);
			break;
		case BOOTLOG_BOOT_SPI_MODE:
			take_value(cleaned, n, f->spi_mode, sizeof f->spi_mode);
			snprintf(ex, excap, "flash mode %s", f->spi_mode);
			break;
		default:
			take_value(cleaned, n, f->spi_size, sizeof f->spi_size);
			snprintf(ex, excap, "flash size and OTA map %s", f->spi_size);
			break;
		}
		return kinds[i];
	}
	int user = 0;
	unsigned addr = 0;
	if (sscanf(lower, "jump to run user%d", &user) == 1) {
		f->jump_user = user;
		const char *at = strchr(lower, '@');
		if (at && sscanf(at + 1, "%x", &addr) == 1)
			f->jump_addr = addr;
		log->in_app = true;
		if (f->jump_addr >= 0)
			snprintf(ex, excap, "the boot loader starts user%d at flash 0x%x", user,
				 addr);
		else
			snprintf(ex, excap, "the boot loader starts user%d", user);
		return BOOTLOG_BOOT_JUMP;
	}
	if (!strcmp(lower, "no gpio select!"))
		return BOOTLOG_BOOT_NOTE;
	return BOOTLOG_TEXT;
}

static void remember_app_line(struct bootlog_facts *f, const char *cleaned)
{
	f->app_lines++;
	size_t used = strlen(f->app_text);
	if (used + strlen(cleaned) + 2 < sizeof f->app_text)
		snprintf(f->app_text + used, sizeof f->app_text - used, "%s\n", cleaned);
}

static void emit_line(struct bootlog *log)
{
	char text[RAW_MAX * 4 + 1], cleaned[RAW_MAX + 1], lower[RAW_MAX + 1], ex[160] = "";
	size_t unprintable = 0;
	for (size_t i = 0; i < log->raw_len; i++)
		unprintable += !printable(log->raw[i]);
	log->facts.garbage_bytes += unprintable;
	render(log->raw, log->raw_len, text, sizeof text);
	clean(log->raw, log->raw_len, cleaned, sizeof cleaned);
	for (size_t i = 0;; i++) {
		lower[i] = (char)tolower((unsigned char)cleaned[i]);
		if (!cleaned[i])
			break;
	}

	enum bootlog_kind kind = BOOTLOG_BLANK;
	if (log->raw_len && !*cleaned) {
		kind = BOOTLOG_GARBAGE;
	} else if (*cleaned) {
		/* After the jump everything up to the next reset is the application's, even a
		 * line that happens to read like the ROM's. */
		bool app = log->in_app;
		kind = classify_banner(log, lower, ex, sizeof ex);
		if (kind == BOOTLOG_TEXT && !app)
			kind = classify_rom(log, lower, ex, sizeof ex);
		if (kind == BOOTLOG_TEXT && !app)
			kind = classify_boot(log, cleaned, lower, ex, sizeof ex);
		/* A quarter of unreadable bytes: another baud rate, not text. */
		if (kind == BOOTLOG_TEXT && unprintable * 4 >= log->raw_len)
			kind = BOOTLOG_GARBAGE;
	}
	if (kind == BOOTLOG_GARBAGE)
		snprintf(ex, sizeof ex, "%zu unreadable byte%s: output at another baud rate",
			 unprintable, unprintable == 1 ? "" : "s");
	if (kind != BOOTLOG_BLANK && kind != BOOTLOG_GARBAGE)
		log->facts.lines++;
	if (kind == BOOTLOG_TEXT && (log->in_app || log->facts.csum_state == BOOTLOG_CSUM_OK))
		remember_app_line(&log->facts, cleaned);

	if (log->on_line) {
		struct bootlog_line line = {
		    .kind = kind, .text = text, .explain = ex, .raw_len = log->raw_len};
		log->on_line(log->user, &line);
	}
	log->raw_len = 0;
}

void bootlog_feed(struct bootlog *log, const uint8_t *data, size_t len)
{
	log->facts.total_bytes += len;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = data[i];
		if (c == '\n' && log->after_cr) {
			log->after_cr = false;
			continue;
		}
		log->after_cr = false;
		if (c == '\r' || c == '\n') {
			log->after_cr = c == '\r';
			emit_line(log);
			continue;
		}
		log->raw[log->raw_len++] = c;
		if (log->raw_len == RAW_MAX)
			emit_line(log);
	}
}

void bootlog_finish(struct bootlog *log)
{
	if (log->raw_len)
		emit_line(log);
}
