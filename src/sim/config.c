/* SPDX-License-Identifier: MIT
 * Options of the virtual board, parsed once for both espdeck-sim's command line and
 * sim:// URLs, so the two always accept the same names and values. */
#include "sim/sim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

static int bad(struct ed_error *err, const char *key, const char *value, const char *want)
{
	return ed_fail(err, ED_ERR_ARG, "invalid value '%s' for sim option %s: %s",
		       value ? value : "", key, want);
}

static bool parse_flag(const char *value, bool *out)
{
	if (!value || !strcmp(value, "1") || !strcasecmp(value, "true") ||
	    !strcasecmp(value, "yes") || !strcasecmp(value, "on"))
		*out = true;
	else if (!strcmp(value, "0") || !strcasecmp(value, "false") || !strcasecmp(value, "no") ||
		 !strcasecmp(value, "off"))
		*out = false;
	else
		return false;
	return true;
}

static bool parse_double(const char *s, double lo, double hi, double *out)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* "4MB", "4M", "512KB", "512k", "0x400000", "4194304". */
static bool parse_flash_size(const char *s, uint32_t *out)
{
	char buf[32];
	if (!s || strlen(s) >= sizeof buf)
		return false;
	strcpy(buf, s);
	size_t n = strlen(buf);
	if (n > 1 && (buf[n - 1] == 'B' || buf[n - 1] == 'b') && strchr("kKmM", buf[n - 2]))
		buf[n - 1] = 0;
	return ed_parse_size(buf, out);
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			 &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return true;
}

/* "drop=0.01,corrupt=0.001,stall=500@0.1,disconnect-after=20000" */
static int parse_faults(struct sim_faults *f, const char *spec, struct ed_error *err)
{
	const char *want = "use drop=P,corrupt=P,stall=MS@P,disconnect-after=BYTES with P "
			   "between 0 and 1";
	char buf[256];
	if (!spec || strlen(spec) >= sizeof buf)
		return bad(err, "fault", spec, want);
	strcpy(buf, spec);
	char *save = NULL;
	for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		if (!eq)
			return bad(err, "fault", item, want);
		*eq++ = 0;
		if (!strcmp(item, "drop")) {
			if (!parse_double(eq, 0, 1, &f->drop))
				return bad(err, "fault", eq, want);
		} else if (!strcmp(item, "corrupt")) {
			if (!parse_double(eq, 0, 1, &f->corrupt))
				return bad(err, "fault", eq, want);
		} else if (!strcmp(item, "stall")) {
			char *at = strchr(eq, '@');
			uint32_t ms;
			f->stall_p = 1;
			if (at)
				*at++ = 0;
			if (!ed_parse_u32(eq, &ms) || (at && !parse_double(at, 0, 1, &f->stall_p)))
				return bad(err, "fault", eq, want);
			f->stall_ms = ms;
		} else if (!strcmp(item, "disconnect-after")) {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(eq, &end, 0);
			if (errno || *end || !*eq || v == 0)
				return bad(err, "fault", eq, want);
			f->disconnect_after = v;
		} else {
			int rc = sim_faults_parse_rule(f, item, eq, err);
			if (rc < 0)
				return rc;
			if (rc > 0)
				return ed_fail(
				    err, ED_ERR_ARG,
				    "unknown fault '%s': %s, or a targeted fault (seq-flip, "
				    "hdr-flip, op-flip, addr-flip, dup-frame, dup-reply, late, "
				    "data-flip2, "
				    "rom-error)",
				    item, want);
		}
	}
	return 0;
}

static int set_path(char *dst, size_t cap, const char *key, const char *value, struct ed_error *err)
{
	if (!value || !*value || strlen(value) >= cap)
		return bad(err, key, value, "give a file name");
	strcpy(dst, value);
	return 0;
}

static int set_time_us(uint32_t *dst, const char *key, const char *value, struct ed_error *err)
{
	if (!ed_parse_u32(value ? value : "", dst))
		return bad(err, key, value, "give microseconds");
	return 0;
}

static int set_number(struct sim_config *c, const char *key, const char *value,
		      struct ed_error *err)
{
	uint32_t u;
	if (!strcmp(key, "flash-size")) {
		if (!parse_flash_size(value, &c->flash_size) || c->flash_size < 0x40000 ||
		    c->flash_size > 0x1000000 || (c->flash_size & (c->flash_size - 1)))
			return bad(err, key, value, "use 256KB, 512KB, 1MB, 2MB, 4MB, 8MB or 16MB");
		return 0;
	}
	if (!strcmp(key, "flash-id")) {
		if (!ed_parse_u32(value ? value : "", &c->flash_id) || c->flash_id > 0xFFFFFF)
			return bad(err, key, value, "give a 24-bit JEDEC id such as 0x1640ef");
		return 0;
	}
	if (!strcmp(key, "crystal")) {
		if (!ed_parse_u32(value ? value : "", &u) || (u != 26 && u != 40))
			return bad(err, key, value, "use 26 or 40 (MHz)");
		c->crystal_mhz = u;
		return 0;
	}
	if (!strcmp(key, "baud")) {
		if (!ed_parse_u32(value ? value : "", &u) || u < 300 || u > 5000000)
			return bad(err, key, value, "give a line speed from 300 to 5000000");
		c->baud = u;
		return 0;
	}
	if (!strcmp(key, "max-baud")) {
		if (!ed_parse_u32(value ? value : "", &u) || u < 300 || u > 5000000)
			return bad(err, key, value, "give a line speed from 300 to 5000000");
		c->max_baud = u;
		return 0;
	}
	if (!strcmp(key, "sync-after")) {
		if (!ed_parse_u32(value ? value : "", &u) || u > 1000)
			return bad(err, key, value, "give a number of SYNC attempts (0-1000)");
		c->sync_after = u;
		return 0;
	}
	if (!strcmp(key, "seed")) {
		char *end;
		errno = 0;
		unsigned long long v = value ? strtoull(value, &end, 0) : 0;
		if (!value || !*value || errno || *end)
			return bad(err, key, value, "give a number");
		c->seed = v;
		return 0;
	}
	if (!strcmp(key, "latency-ms")) {
		if (!parse_double(value, 0, 10000, &c->latency_ms))
			return bad(err, key, value, "give milliseconds (0-10000)");
		return 0;
	}
	return 1;
}

int sim_config_set(struct sim_config *c, const char *key, const char *value, struct ed_error *err)
{
	int rc = set_number(c, key, value, err);
	if (rc <= 0)
		return rc;
	bool *flag = !strcmp(key, "fast")	  ? &c->fast
		     : !strcmp(key, "boot-log")	  ? &c->boot_log
		     : !strcmp(key, "need-reset") ? &c->need_reset
		     : !strcmp(key, "unchecked")  ? &c->unchecked
		     : !strcmp(key, "wp-low")	  ? &c->wp_low
						  : NULL;
	if (flag)
		return parse_flag(value, flag) ? 0 : bad(err, key, value, "use 1 or 0");
	if (!strcmp(key, "keep")) {
		bool keep;
		if (!parse_flag(value, &keep))
			return bad(err, key, value, "use 1 or 0");
		c->keep = keep;
		return 0;
	}
	if (!strcmp(key, "mac"))
		return parse_mac(value, c->mac)
			   ? 0
			   : bad(err, key, value, "use six hex bytes like 18:fe:34:a1:b2:c3");
	if (!strcmp(key, "chip")) {
		if (value && (!strcasecmp(value, "esp8266ex") || !strcasecmp(value, "esp8266")))
			c->chip = SIM_CHIP_ESP8266EX;
		else if (value && !strcasecmp(value, "esp8285"))
			c->chip = SIM_CHIP_ESP8285;
		else
			return bad(err, key, value, "use esp8266ex or esp8285");
		return 0;
	}
	if (!strcmp(key, "clock")) {
		if (value && !strcmp(value, "real"))
			c->clock = SIM_CLOCK_REAL;
		else if (value && !strcmp(value, "virtual"))
			c->clock = SIM_CLOCK_VIRTUAL;
		else
			return bad(err, key, value, "use real or virtual");
		return 0;
	}
	if (!strcmp(key, "flash") && value && !strcmp(value, "state")) {
		c->flash_state = true;
		c->flash_path[0] = '\0';
		return 0;
	}
	if (!strcmp(key, "flash")) {
		c->flash_state = false;
		return set_path(c->flash_path, sizeof c->flash_path, key, value, err);
	}
	if (!strcmp(key, "trace"))
		return set_path(c->trace_path, sizeof c->trace_path, key, value, err);
	if (!strcmp(key, "fault"))
		return parse_faults(&c->faults, value, err);
	if (!strcmp(key, "page-us"))
		return set_time_us(&c->page_us, key, value, err);
	if (!strcmp(key, "sector-erase-us"))
		return set_time_us(&c->sector_us, key, value, err);
	if (!strcmp(key, "block32-erase-us"))
		return set_time_us(&c->block32_us, key, value, err);
	if (!strcmp(key, "block64-erase-us"))
		return set_time_us(&c->block64_us, key, value, err);
	if (!strcmp(key, "chip-erase-us"))
		return set_time_us(&c->chip_us, key, value, err);
	return ed_fail(
	    err, ED_ERR_ARG,
	    "unknown sim option '%s' (see espdeck-sim(1): flash-size, flash-id, mac, "
	    "chip, crystal, flash, baud, max-baud, latency-ms, fast, seed, fault, boot-log, "
	    "need-reset, unchecked, wp-low, sync-after, trace, clock, keep)",
	    key);
}

int sim_config_parse_query(struct sim_config *c, const char *query, struct ed_error *err)
{
	if (!query)
		return 0;
	if (*query == '?')
		query++;
	char buf[2048];
	if (strlen(query) >= sizeof buf)
		return ed_fail(err, ED_ERR_ARG, "sim:// options are too long (%zu characters)",
			       strlen(query));
	strcpy(buf, query);
	char *save = NULL;
	for (char *item = strtok_r(buf, "&", &save); item; item = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(item, '=');
		if (eq)
			*eq++ = 0;
		int rc = sim_config_set(c, item, eq, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}
