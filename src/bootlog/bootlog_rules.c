/* SPDX-License-Identifier: MIT
 * Boot verdicts (bootlog.h): the rules a preset can state ("expect = jump to run user1")
 * and the judgement of decoded facts against them. */
#include "bootlog/bootlog.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RULE_LIST                                                                                  \
	"jump to run user1|user2, jump to run, csum ok, boot mode 1|3|flash|uart|sdio, "           \
	"rst cause N, boot version V, spi mode M, spi speed S, spi size S, text WORDS, "           \
	"no reset"

const char *bootlog_verdict_name(enum bootlog_verdict verdict)
{
	switch (verdict) {
	case BOOTLOG_BOOTED:
		return "booted";
	case BOOTLOG_NOT_BOOTED:
		return "not booted";
	default:
		return "unknown";
	}
}

/* Matches keyword (words separated by single spaces) at the start of s, case-insensitive,
 * any run of blanks between words; on a match returns what follows, trimmed. */
static const char *keyword(const char *s, const char *kw)
{
	while (*kw) {
		if (*kw == ' ') {
			if (!isspace((unsigned char)*s))
				return NULL;
			while (isspace((unsigned char)*s))
				s++;
			kw++;
			continue;
		}
		if (tolower((unsigned char)*s) != *kw)
			return NULL;
		s++;
		kw++;
	}
	if (*s && !isspace((unsigned char)*s))
		return NULL;
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static bool parse_int(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || *end || v < 0 || v > 255)
		return false;
	*out = (int)v;
	return true;
}

static bool parse_boot_mode(const char *arg, int *out)
{
	if (!strcasecmp(arg, "flash"))
		*out = 3;
	else if (!strcasecmp(arg, "uart") || !strcasecmp(arg, "download"))
		*out = 1;
	else if (!strcasecmp(arg, "sdio"))
		*out = 4;
	else
		return parse_int(arg, out) && *out <= 7;
	return true;
}

/* One rule from a trimmed text; false when it is not a rule. */
static bool parse_rule(const char *text, struct bootlog_rule *r)
{
	static const struct {
		const char *kw;
		enum bootlog_rule_kind kind;
		bool needs_arg;
	} table[] = {
	    {"jump to run", BOOTLOG_RULE_JUMP, false},
	    {"csum ok", BOOTLOG_RULE_CSUM_OK, false},
	    {"boot mode", BOOTLOG_RULE_BOOT_MODE, true},
	    {"rst cause", BOOTLOG_RULE_RST_CAUSE, true},
	    {"boot version", BOOTLOG_RULE_BOOT_VERSION, true},
	    {"spi mode", BOOTLOG_RULE_SPI_MODE, true},
	    {"spi speed", BOOTLOG_RULE_SPI_SPEED, true},
	    {"spi size", BOOTLOG_RULE_SPI_SIZE, true},
	    {"text", BOOTLOG_RULE_TEXT, true},
	    {"no reset", BOOTLOG_RULE_NO_RESET, false},
	};
	memset(r, 0, sizeof *r);
	snprintf(r->source, sizeof r->source, "%s", text);
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		const char *arg = keyword(text, table[i].kw);
		if (!arg)
			continue;
		if (table[i].needs_arg != (*arg != '\0') && table[i].kind != BOOTLOG_RULE_JUMP)
			return false;
		r->kind = table[i].kind;
		snprintf(r->text, sizeof r->text, "%s", arg);
		switch (r->kind) {
		case BOOTLOG_RULE_JUMP:
			if (!*arg)
				return true; /* any user image */
			return (!strcasecmp(arg, "user1") && (r->number = 1)) ||
			       (!strcasecmp(arg, "user2") && (r->number = 2));
		case BOOTLOG_RULE_BOOT_MODE:
			return parse_boot_mode(arg, &r->number);
		case BOOTLOG_RULE_RST_CAUSE:
			return parse_int(arg, &r->number);
		default:
			return true;
		}
	}
	return false;
}

int bootlog_rules_add(struct bootlog_rules *rules, const char *text, struct ed_error *err)
{
	char buf[512];
	if (snprintf(buf, sizeof buf, "%s", text ? text : "") >= (int)sizeof buf)
		return ed_fail(err, ED_ERR_ARG, "boot rules too long (more than %zu characters)",
			       sizeof buf - 1);
	char *save = NULL;
	for (char *tok = strtok_r(buf, ";\n", &save); tok; tok = strtok_r(NULL, ";\n", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		size_t n = strlen(tok);
		while (n && isspace((unsigned char)tok[n - 1]))
			tok[--n] = '\0';
		if (!n)
			continue;
		if (rules->count == BOOTLOG_MAX_RULES)
			return ed_fail(err, ED_ERR_ARG, "too many boot rules (at most %d)",
				       BOOTLOG_MAX_RULES);
		if (!parse_rule(tok, &rules->rule[rules->count]))
			return ed_fail(err, ED_ERR_ARG, "unknown boot rule '%s'; known rules: %s",
				       tok, RULE_LIST);
		rules->count++;
	}
	return ED_OK;
}

enum outcome { HOLDS, FAILS, UNSEEN };

/* A string rule: the fact's value starts with the rule's text, case-insensitively
 * ("boot version 1.7" holds for "1.7(5d6f877)"). */
static enum outcome match_string(const char *fact, const char *want, char *why, size_t cap,
				 const char *what)
{
	if (!*fact) {
		snprintf(why, cap, "the boot loader never printed its %s", what);
		return UNSEEN;
	}
	if (!strncasecmp(fact, want, strlen(want)))
		return HOLDS;
	snprintf(why, cap, "%s is %s", what, fact);
	return FAILS;
}

static enum outcome check_rule(const struct bootlog_facts *f, const struct bootlog_rule *r,
			       char *why, size_t cap)
{
	switch (r->kind) {
	case BOOTLOG_RULE_JUMP:
		if (f->jump_user < 0) {
			snprintf(why, cap, "the boot loader never jumped to a user image");
			return UNSEEN;
		}
		if (r->number && f->jump_user != r->number) {
			snprintf(why, cap, "the boot loader jumped to user%d", f->jump_user);
			return FAILS;
		}
		return HOLDS;
	case BOOTLOG_RULE_CSUM_OK:
		if (f->csum_state == BOOTLOG_CSUM_UNSEEN) {
			snprintf(why, cap, "the ROM printed no checksum line");
			return UNSEEN;
		}
		snprintf(why, cap, "the ROM reported csum err");
		return f->csum_state == BOOTLOG_CSUM_OK ? HOLDS : FAILS;
	case BOOTLOG_RULE_BOOT_MODE:
	case BOOTLOG_RULE_RST_CAUSE: {
		int have = r->kind == BOOTLOG_RULE_BOOT_MODE ? f->boot_mode : f->rst_cause;
		const char *what = r->kind == BOOTLOG_RULE_BOOT_MODE ? "boot mode" : "rst cause";
		if (have < 0) {
			snprintf(why, cap, "no ROM banner with a %s was seen", what);
			return UNSEEN;
		}
		bool sdio = r->kind == BOOTLOG_RULE_BOOT_MODE && r->number >= 4 && have >= 4;
		snprintf(why, cap, "%s was %d", what, have);
		return have == r->number || sdio ? HOLDS : FAILS;
	}
	case BOOTLOG_RULE_BOOT_VERSION:
		return match_string(f->boot_version, r->text, why, cap, "boot loader version");
	case BOOTLOG_RULE_SPI_MODE:
		return match_string(f->spi_mode, r->text, why, cap, "SPI mode");
	case BOOTLOG_RULE_SPI_SPEED:
		return match_string(f->spi_speed, r->text, why, cap, "SPI speed");
	case BOOTLOG_RULE_SPI_SIZE:
		return match_string(f->spi_size, r->text, why, cap, "SPI flash size");
	case BOOTLOG_RULE_TEXT:
		snprintf(why, cap, "no application line contained '%s'", r->text);
		return strstr(f->app_text, r->text) ? HOLDS : UNSEEN;
	case BOOTLOG_RULE_NO_RESET:
		snprintf(why, cap, "the board reset %u times (last rst cause %d, %s)",
			 f->banners > 0 ? f->banners - 1 : 0, f->rst_cause,
			 bootlog_rst_cause_name(f->rst_cause));
		return f->banners <= 1 ? HOLDS : FAILS;
	}
	return FAILS;
}

static bool rules_expect_download(const struct bootlog_rules *rules)
{
	for (size_t i = 0; rules && i < rules->count; i++)
		if (rules->rule[i].kind == BOOTLOG_RULE_BOOT_MODE && rules->rule[i].number == 1)
			return true;
	return false;
}

/* Failures the chip itself reported; true (with the reason) when one was seen. */
static bool reported_failure(const struct bootlog_facts *f, const struct bootlog_rules *rules,
			     char *reason, size_t cap)
{
	if (f->csum_state == BOOTLOG_CSUM_ERR) {
		snprintf(
		    reason, cap,
		    "the ROM reported csum err after %zu segment%s: the image at 0x0 is corrupt "
		    "or missing; write the boot loader again (check --flash_mode)",
		    f->segment_count, f->segment_count == 1 ? "" : "s");
		return true;
	}
	if (f->flash_read_err) {
		snprintf(reason, cap,
			 "the ROM could not read the flash (flash read err, %x): check the flash "
			 "chip and that GPIO15 is low",
			 f->flash_read_err_addr);
		return true;
	}
	if (f->rom_stopped) {
		snprintf(reason, cap, "the ROM stopped (ets_main.c) before running an image");
		return true;
	}
	if (rules_expect_download(rules))
		return false;
	if (f->waiting_for_host || f->boot_mode == 1) {
		snprintf(reason, cap,
			 "the board started in UART download mode (boot mode 1): GPIO0 was low at "
			 "reset; release it and reset the board");
		return true;
	}
	if (f->boot_mode >= 4) {
		snprintf(
		    reason, cap,
		    "the board started in SDIO mode (boot mode %d): GPIO15 must be low at reset",
		    f->boot_mode);
		return true;
	}
	if (f->banners > 1 && f->rst_cause == 4) {
		snprintf(reason, cap,
			 "the hardware watchdog reset the board after it started (%u resets seen)",
			 f->banners - 1);
		return true;
	}
	return false;
}

static enum bootlog_verdict judge_rules(const struct bootlog_facts *f,
					const struct bootlog_rules *rules, char *reason, size_t cap)
{
	char why[200];
	for (size_t i = 0; i < rules->count; i++) {
		enum outcome o = check_rule(f, &rules->rule[i], why, sizeof why);
		if (o == HOLDS)
			continue;
		/* A rule whose fact never appeared is a failure when the board did speak (it
		 * never got there), unknown when nothing recognisable arrived at all. */
		bool spoke = f->banners > 0 || f->lines > 0;
		snprintf(reason, cap, "expected '%s', but %s", rules->rule[i].source, why);
		return o == FAILS || spoke ? BOOTLOG_NOT_BOOTED : BOOTLOG_UNKNOWN;
	}
	snprintf(reason, cap, "%s", rules->count == 1 ? "the expectation held: " : "all ");
	size_t used = strlen(reason);
	if (rules->count > 1)
		used += (size_t)snprintf(reason + used, cap - used,
					 "%zu expectations held: ", rules->count);
	for (size_t i = 0; i < rules->count && used < cap; i++)
		used += (size_t)snprintf(reason + used, cap - used, "%s%s", i ? "; " : "",
					 rules->rule[i].source);
	return BOOTLOG_BOOTED;
}

static enum bootlog_verdict judge_default(const struct bootlog_facts *f, char *reason, size_t cap)
{
	if (f->jump_user > 0) {
		snprintf(reason, cap, "the boot loader %s%s jumped to user%d",
			 f->boot_version[0] ? "v" : "", f->boot_version, f->jump_user);
		return BOOTLOG_BOOTED;
	}
	if (f->boot_version[0]) {
		snprintf(reason, cap,
			 "the boot loader v%s started but never jumped to a user image: check the "
			 "user1.bin at 0x1000 and the boot parameters",
			 f->boot_version);
		return BOOTLOG_NOT_BOOTED;
	}
	if (f->csum_state == BOOTLOG_CSUM_OK) {
		snprintf(reason, cap, "the ROM loaded %zu segment%s with a good checksum (0x%02x)",
			 f->segment_count, f->segment_count == 1 ? "" : "s", f->csum);
		return BOOTLOG_BOOTED;
	}
	if (f->banners) {
		snprintf(reason, cap,
			 "only the ROM banner was seen (rst cause %d, boot mode %d): listen longer "
			 "or check the image at 0x0",
			 f->rst_cause, f->boot_mode);
		return BOOTLOG_UNKNOWN;
	}
	if (f->total_bytes == 0)
		snprintf(reason, cap,
			 "nothing was received: is the board powered, reset, and the port right?");
	else if (f->garbage_bytes * 4 >= f->total_bytes)
		snprintf(
		    reason, cap,
		    "%zu bytes arrived but no boot log: mostly unreadable, so the baud rate is "
		    "wrong (the ROM prints at 74880)",
		    f->total_bytes);
	else
		snprintf(reason, cap, "%zu bytes arrived but no ROM boot banner among them",
			 f->total_bytes);
	return BOOTLOG_UNKNOWN;
}

enum bootlog_verdict bootlog_judge(const struct bootlog_facts *facts,
				   const struct bootlog_rules *rules, char *reason,
				   size_t reason_cap)
{
	char scratch[8];
	if (!reason) {
		reason = scratch;
		reason_cap = sizeof scratch;
	}
	reason[0] = '\0';
	if (reported_failure(facts, rules, reason, reason_cap))
		return BOOTLOG_NOT_BOOTED;
	if (rules && rules->count)
		return judge_rules(facts, rules, reason, reason_cap);
	return judge_default(facts, reason, reason_cap);
}
