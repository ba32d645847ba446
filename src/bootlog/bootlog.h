/* SPDX-License-Identifier: MIT
 * Boot-log decoder: turns what an ESP8266 prints after a reset (the ROM's lines at 74880
 * baud, then the SDK boot loader's banner, then the application) into facts and a verdict.
 *
 * Pure, like the SLIP decoder: bootlog_create() -> bootlog_feed() with bytes in any
 * chunking -> bootlog_finish() at the end of the capture (completes a last line that has
 * no newline, as the ROM's final "ets_main.c " has none) -> bootlog_facts() /
 * bootlog_verdict() -> bootlog_destroy(). Each completed line can be handed to a callback
 * with its classification and a one-line explanation, which is what a monitor prints.
 *
 * Facts describe the LAST boot seen: a new ROM banner (the board reset again) starts a
 * fresh set, keeping only the count of banners, so a reset loop is visible. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* What a line is. ROM_* lines come from the mask ROM, BOOT_* from boot_v1.x. */
enum bootlog_kind {
	BOOTLOG_BLANK = 0,
	BOOTLOG_TEXT,	       /* readable but not part of the boot log (the application) */
	BOOTLOG_GARBAGE,       /* mostly unprintable: bytes at another baud rate */
	BOOTLOG_ROM_BANNER,    /* " ets Jan  8 2013,rst cause:2, boot mode:(3,6)" */
	BOOTLOG_ROM_WAITING,   /* "waiting for host" (UART download mode) */
	BOOTLOG_ROM_LOAD,      /* "load 0x40100000, len 1396, room 16" */
	BOOTLOG_ROM_TAIL,      /* "tail 4" */
	BOOTLOG_ROM_CHKSUM,    /* "chksum 0x89" (running checksum after a segment) */
	BOOTLOG_ROM_HO,	       /* "ho 0 tail 12 room 4" (a segment continued) */
	BOOTLOG_ROM_CSUM,      /* "csum 0x89" (the final computed checksum) */
	BOOTLOG_ROM_CSUM_ERR,  /* "csum err" */
	BOOTLOG_ROM_STOP,      /* "ets_main.c" (the ROM gave up and halts) */
	BOOTLOG_ROM_FLASH_ERR, /* "flash read err, 1000" */
	BOOTLOG_BOOT_VERSION,  /* "2nd boot version : 1.6" */
	BOOTLOG_BOOT_SPI_SPEED,
	BOOTLOG_BOOT_SPI_MODE,
	BOOTLOG_BOOT_SPI_SIZE, /* "SPI Flash Size & Map: 32Mbit(1024KB+1024KB)" (1.2: "Size :
				  8Mbit") */
	BOOTLOG_BOOT_NOTE,     /* other boot loader remarks ("no GPIO select!") */
	BOOTLOG_BOOT_JUMP,     /* "jump to run user1 @ 1000" */
};

/* "blank", "text", "rom-banner", ... for tests and traces. */
const char *bootlog_kind_name(enum bootlog_kind kind);

/* One completed line, borrowed for the duration of the callback. */
struct bootlog_line {
	enum bootlog_kind kind;
	const char *text;    /* printable rendering: control and high bytes as \xNN */
	const char *explain; /* what it means, "" when there is nothing to add */
	size_t raw_len;	     /* bytes of the line as received, without the line end */
};

typedef void (*bootlog_line_fn)(void *user, const struct bootlog_line *line);

#define BOOTLOG_MAX_SEGMENTS 16

struct bootlog_segment {
	uint32_t addr;
	uint32_t len;
	uint32_t room;
	int tail;   /* -1 when not printed */
	int chksum; /* running checksum printed after the segment, -1 when not printed */
};

enum bootlog_csum { BOOTLOG_CSUM_UNSEEN = 0, BOOTLOG_CSUM_OK, BOOTLOG_CSUM_ERR };

/* Everything decoded about the last boot (see the file comment). Strings are "" when the
 * line was not seen; numbers are -1. */
struct bootlog_facts {
	unsigned banners;      /* ROM banners seen in the whole capture (resets) */
	int first_rst_cause;   /* of the first banner, to tell a reset loop from one boot */
	int rst_cause;	       /* 1 power-on, 2 external (EN/RST), 4 hardware watchdog */
	int boot_mode;	       /* strap value x of "boot mode:(x,y)" */
	int boot_mode_aux;     /* y, undocumented */
	bool waiting_for_host; /* UART download mode announced */
	size_t segment_count;  /* "load" lines; segments beyond BOOTLOG_MAX_SEGMENTS counted */
	struct bootlog_segment segments[BOOTLOG_MAX_SEGMENTS];
	int csum; /* value of the "csum 0x.." line */
	enum bootlog_csum csum_state;
	bool rom_stopped; /* "ets_main.c" */
	bool flash_read_err;
	uint32_t flash_read_err_addr;
	char boot_version[32]; /* "1.6", "1.7(5d6f877)" */
	char spi_speed[16];    /* "40MHz" */
	char spi_mode[16];     /* "QIO" */
	char spi_size[48];     /* "32Mbit(1024KB+1024KB)" or "8Mbit" */
	int jump_user;	       /* 1 or 2 from "jump to run userN", -1 unseen */
	int64_t jump_addr;     /* the "@ 1000" part as a number (hex), -1 when absent */
	size_t lines;	       /* completed non-blank lines of this boot */
	size_t app_lines;      /* readable lines after the jump or the ROM's csum */
	char app_text[1024];   /* the first of those lines, '\n'-separated (for "text" rules) */
	size_t garbage_bytes;  /* unprintable bytes in the whole capture */
	size_t total_bytes;    /* bytes fed in the whole capture */
};

struct bootlog;

/* Creates a decoder; on_line (may be NULL) is called for every completed line. */
int bootlog_create(struct bootlog **out, bootlog_line_fn on_line, void *user, struct ed_error *err);
void bootlog_destroy(struct bootlog *log);

/* Feeds received bytes; never fails (anything unreadable is counted as garbage). */
void bootlog_feed(struct bootlog *log, const uint8_t *data, size_t len);

/* Completes a pending partial line. Feeding may continue afterwards. */
void bootlog_finish(struct bootlog *log);

/* Borrowed; valid until the next feed/finish/destroy. */
const struct bootlog_facts *bootlog_facts(const struct bootlog *log);

/* The texts of the facts, for messages and the TUI ("2 (external reset, EN/RST pin)"). */
const char *bootlog_rst_cause_name(int cause);
const char *bootlog_boot_mode_name(int strap);
/* The memory a load address belongs to ("IRAM", "DRAM", "?"). */
const char *bootlog_region_name(uint32_t addr);

/* ---- verdict ------------------------------------------------------------------------- */

enum bootlog_verdict { BOOTLOG_UNKNOWN = 0, BOOTLOG_BOOTED, BOOTLOG_NOT_BOOTED };

/* "booted", "not booted", "unknown". */
const char *bootlog_verdict_name(enum bootlog_verdict verdict);

enum bootlog_rule_kind {
	BOOTLOG_RULE_JUMP,	   /* "jump to run user1" / "user2" / "jump to run" (any) */
	BOOTLOG_RULE_CSUM_OK,	   /* "csum ok" */
	BOOTLOG_RULE_BOOT_MODE,	   /* "boot mode 3" / "boot mode flash|uart|sdio" */
	BOOTLOG_RULE_RST_CAUSE,	   /* "rst cause 2" */
	BOOTLOG_RULE_BOOT_VERSION, /* "boot version 1.6" */
	BOOTLOG_RULE_SPI_MODE,	   /* "spi mode qio" */
	BOOTLOG_RULE_SPI_SPEED,	   /* "spi speed 40MHz" */
	BOOTLOG_RULE_SPI_SIZE,	   /* "spi size 32Mbit(1024KB+1024KB)" */
	BOOTLOG_RULE_TEXT,	   /* "text READY": an application line containing READY */
	BOOTLOG_RULE_NO_RESET,	   /* "no reset": only one ROM banner in the capture */
};

#define BOOTLOG_MAX_RULES 16

struct bootlog_rule {
	enum bootlog_rule_kind kind;
	int number;	 /* user 1/2 (0 = any), boot mode, rst cause */
	char text[64];	 /* the rest, as written */
	char source[96]; /* the rule as the user wrote it, for reasons */
};

/* What a preset expects ("expect = jump to run user1; csum ok"). Zero-initialise. */
struct bootlog_rules {
	size_t count;
	struct bootlog_rule rule[BOOTLOG_MAX_RULES];
};

/* Adds the rules in text, separated by ';' or newlines; case-insensitive keywords.
 * ED_ERR_ARG with the offending rule and the list of known ones on a bad rule. */
int bootlog_rules_add(struct bootlog_rules *rules, const char *text, struct ed_error *err);

/* Judges the facts: failures the ROM or boot loader reported always give "not booted";
 * then every rule must hold. Without rules, "booted" means the boot loader jumped to a
 * user image or the ROM loaded an image with a good checksum. reason (may be NULL) gets
 * one sentence naming the deciding fact and, for failures, what to try. */
enum bootlog_verdict bootlog_judge(const struct bootlog_facts *facts,
				   const struct bootlog_rules *rules, char *reason,
				   size_t reason_cap);
