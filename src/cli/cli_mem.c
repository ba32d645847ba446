/* SPDX-License-Identifier: MIT
 * esptool's memory and low-level commands, same syntax and output lines:
 *   read_mem ADDR | write_mem ADDR VALUE [MASK] | dump_mem ADDR SIZE FILE | load_ram FILE
 *   | run | read_flash_sfdp ADDR BYTES
 * Each opens the one --port, resets and syncs (--before), identifies the chip, runs the
 * operation through the engine (engine/memory.h, engine/sfdp.h) and leaves per --after
 * (load_ram leaves the loaded code running, as esptool does). */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_opt_int.h"
#include "app/portpick.h"
#include "core/flash_params.h"
#include "core/util.h"
#include "engine/detect.h"
#include "engine/loader.h"
#include "engine/memory.h"
#include "engine/sfdp.h"
#include "engine/spiflash.h"
#include "engine/stubclient.h"
#include "image/image.h"
#include "link/link.h"

#define DUMP_MAX_BYTES (16u * 1024u * 1024u)

struct session {
	struct link *link;
	struct loader *ld;
	struct chip_info info;
	FILE *trace;
	enum loader_after after;
	bool keep_stub; /* --after no_reset_stub: a stub found running stays */
	bool quiet;	/* -q: only the command's own result lines */
};

static void log_line(void *user, enum ed_log_level level, const char *line)
{
	if (level <= ED_LOG_WARN)
		fprintf(stderr, "%s: %s\n", level == ED_LOG_ERROR ? "error" : "warning", line);
	else
		printf("%s\n", line);
}

static void trace_line(void *user, enum ed_log_level level, const char *line)
{
	fprintf(user, "%s%s\n", user == stderr ? "TRACE " : "", line);
}

static int fail(const char *cmd, const struct ed_error *err)
{
	fprintf(stderr, "espdeck %s: %s\n", cmd, err->msg);
	switch (err->code) {
	case ED_ERR_ARG:
		return CLI_EXIT_USAGE;
	case ED_ERR_TIMEOUT:
	case ED_ERR_DISCONNECTED:
	case ED_ERR_NOTFOUND:
		return CLI_EXIT_CONNECT;
	case ED_ERR_CANCELLED:
		return CLI_EXIT_CANCELLED;
	default:
		return CLI_EXIT_FAIL;
	}
}

static void session_close(struct session *s)
{
	loader_destroy(s->ld);
	link_close(s->link);
	if (s->trace && s->trace != stderr)
		fclose(s->trace);
	memset(s, 0, sizeof *s);
}

/* Opens the port, connects (per --before) and prints the chip as esptool does. */
static int session_open(const struct config *cfg, const char *cmd, struct session *s)
{
	static const enum loader_before before_map[] = {
	    [JOB_BEFORE_DEFAULT_RESET] = LOADER_BEFORE_DEFAULT_RESET,
	    [JOB_BEFORE_NO_RESET] = LOADER_BEFORE_NO_RESET,
	    [JOB_BEFORE_MANUAL] = LOADER_BEFORE_MANUAL,
	    [JOB_BEFORE_NO_RESET_NO_SYNC] = LOADER_BEFORE_NO_RESET_NO_SYNC,
	};
	static const enum loader_after after_map[] = {
	    [JOB_AFTER_HARD_RESET] = LOADER_AFTER_HARD_RESET,
	    [JOB_AFTER_SOFT_RESET] = LOADER_AFTER_SOFT_RESET,
	    [JOB_AFTER_NO_RESET] = LOADER_AFTER_NO_RESET,
	    [JOB_AFTER_NO_RESET_STUB] = LOADER_AFTER_NO_RESET,
	};
	memset(s, 0, sizeof *s);
	struct ed_error err = {0};
	if (app_require_port(cfg, cmd) != APP_EXIT_OK)
		return CLI_EXIT_USAGE;
	if (cfg->port_count != 1 || !strcmp(cfg->ports[0], "all")) {
		fprintf(stderr,
			"espdeck %s: give one board with --port (a serial device, "
			"socket://HOST:PORT or sim://)\n",
			cmd);
		return CLI_EXIT_USAGE;
	}
	struct job_spec spec;
	app_job_spec(cfg, &spec);
	s->after = after_map[spec.after];
	s->keep_stub = spec.after == JOB_AFTER_NO_RESET_STUB;
	s->quiet = cfg->quiet;
	if (!cfg->trace_path && cfg->trace_stderr)
		s->trace = stderr;
	else if (cfg->trace_path && !(s->trace = fopen(cfg->trace_path, "w"))) {
		fprintf(stderr, "espdeck %s: cannot open the trace file %s\n", cmd,
			cfg->trace_path);
		return CLI_EXIT_FAIL;
	}
	struct link_options lo = LINK_OPTIONS_DEFAULT;
	lo.baud = cfg->baud ? cfg->baud : 115200;
	struct loader_config lc = {
	    .log = {log_line, NULL, cfg->verbose > 0 ? ED_LOG_DEBUG : ED_LOG_WARN},
	    .trace = {s->trace ? trace_line : NULL, s->trace, ED_LOG_TRACE},
	    .connect_attempts = spec.connect_attempts,
	    .reset_sequence = spec.reset_sequence,
	};
	if (!cfg->quiet)
		printf("Connecting to %s at %u baud\n", spec.port, lo.baud);
	int rc = link_open(spec.port, &lo, &s->link, &err);
	if (rc == ED_OK)
		rc = loader_create(s->link, &lc, &s->ld, &err);
	if (rc == ED_OK)
		rc = loader_connect(s->ld, before_map[spec.before], &err);
	if (rc == ED_OK)
		rc = detect_chip(s->ld, &s->info, &err);
	if (rc < 0) {
		session_close(s);
		return fail(cmd, &err);
	}
	const struct chip_info *in = &s->info;
	if (!cfg->quiet)
		printf("Chip is %s\nFeatures: %s\nCrystal is %uMHz\n"
		       "MAC: %02x:%02x:%02x:%02x:%02x:%02x\n",
		       in->name, in->features, in->crystal_mhz, in->mac[0], in->mac[1], in->mac[2],
		       in->mac[3], in->mac[4], in->mac[5]);
	return CLI_EXIT_OK;
}

/* The --after action, as esptool prints it, then closes. */
static int session_finish(const char *cmd, struct session *s, int rc)
{
	struct ed_error err = {0};
	/* These commands talk to the ROM, or to a stub found running (SYNC answered 0). */
	bool stub = stubclient_answers(s->ld);
	if (rc == CLI_EXIT_OK) {
		if (!s->quiet)
			printf("%s\n", s->after == LOADER_AFTER_HARD_RESET
					   ? "Hard resetting via RTS pin..."
				       : s->after == LOADER_AFTER_SOFT_RESET ? "Soft resetting..."
				       : stub && s->keep_stub ? "Staying in flasher stub."
							      : "Staying in bootloader.");
		int r = ED_OK;
		if (stub && s->after == LOADER_AFTER_NO_RESET && !s->keep_stub) {
			loader_set_stub(s->ld, true); /* as esptool: back to the ROM loader */
			r = stubclient_leave_to_rom(s->ld, &err);
		} else if (stub && s->after == LOADER_AFTER_SOFT_RESET) {
			loader_set_stub(s->ld, true); /* the stub's way to boot the flash */
			r = stubclient_run_user_code(s->ld, &err);
		} else {
			r = loader_finish(s->ld, s->after, &err);
		}
		if (r < 0)
			rc = fail(cmd, &err);
	}
	session_close(s);
	return rc;
}

static int want_args(const char *cmd, int argc, int min, int max, const char *syntax)
{
	if (argc - 1 >= min && argc - 1 <= max)
		return CLI_EXIT_OK;
	fprintf(stderr, "espdeck %s: usage: espdeck %s %s\n", cmd, cmd, syntax);
	return CLI_EXIT_USAGE;
}

int cmd_read_mem(const struct config *cfg, int argc, char **argv)
{
	uint32_t addr, value;
	if (want_args(argv[0], argc, 1, 1, "ADDR") ||
	    !cli_opt_u32(argv[0], "address", argv[1], &addr))
		return CLI_EXIT_USAGE;
	struct session s;
	int rc = session_open(cfg, argv[0], &s);
	if (rc != CLI_EXIT_OK)
		return rc;
	struct ed_error err = {0};
	if (memory_read_word(s.ld, addr, &value, &err) < 0)
		rc = fail(argv[0], &err);
	else
		printf("0x%08x = 0x%08x\n", addr, value);
	return session_finish(argv[0], &s, rc);
}

int cmd_write_mem(const struct config *cfg, int argc, char **argv)
{
	uint32_t addr, value, mask = 0xFFFFFFFFu;
	if (want_args(argv[0], argc, 2, 3, "ADDR VALUE [MASK]") ||
	    !cli_opt_u32(argv[0], "address", argv[1], &addr) ||
	    !cli_opt_u32(argv[0], "value", argv[2], &value) ||
	    (argc > 3 && !cli_opt_u32(argv[0], "mask", argv[3], &mask)))
		return CLI_EXIT_USAGE;
	struct session s;
	int rc = session_open(cfg, argv[0], &s);
	if (rc != CLI_EXIT_OK)
		return rc;
	struct ed_error err = {0};
	if (memory_write_word(s.ld, addr, value, mask, 0, &err) < 0)
		rc = fail(argv[0], &err);
	else
		printf("Wrote %08x, mask %08x to %08x\n", value, mask, addr);
	return session_finish(argv[0], &s, rc);
}

/* esptool prints a line at every full KiB read, the last one too */
static void dump_progress(void *user, uint64_t done, uint64_t total)
{
	if (done % 1024 == 0)
		printf("%llu bytes read... (%llu %%)\n", (unsigned long long)done,
		       (unsigned long long)(done * 100 / total));
}

int cmd_dump_mem(const struct config *cfg, int argc, char **argv)
{
	uint32_t addr, size;
	if (want_args(argv[0], argc, 3, 3, "ADDR SIZE FILE") ||
	    !cli_opt_u32(argv[0], "address", argv[1], &addr) ||
	    !cli_opt_u32(argv[0], "size", argv[2], &size))
		return CLI_EXIT_USAGE;
	size -= size % 4; /* esptool reads size // 4 words */
	if (size > DUMP_MAX_BYTES) {
		fprintf(stderr, "espdeck %s: %u bytes is more than the 16 MiB a dump may hold\n",
			argv[0], size);
		return CLI_EXIT_USAGE;
	}
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return CLI_EXIT_FAIL;
	struct session s;
	int rc = session_open(cfg, argv[0], &s);
	if (rc != CLI_EXIT_OK) {
		free(buf);
		return rc;
	}
	struct ed_error err = {0};
	/* the file is written only once everything was read: never a partial dump */
	if (memory_dump(s.ld, addr, buf, size, dump_progress, NULL, &err) < 0 ||
	    ed_write_file_atomic(argv[3], buf, size, &err) < 0)
		rc = fail(argv[0], &err);
	else
		printf("Read %u bytes\nDone!\n", size);
	free(buf);
	return session_finish(argv[0], &s, rc);
}

/* The RAM segments of a v1 image, checked before any board is touched. */
static int load_image(const char *cmd, const char *path, uint8_t **data, struct img_info *info)
{
	struct ed_error err = {0};
	size_t len = 0;
	if (ed_read_file(path, data, &len, DUMP_MAX_BYTES, &err) < 0) {
		fprintf(stderr, "espdeck %s: %s\n", cmd, err.msg);
		return CLI_EXIT_FAIL; /* a file problem, not the port's */
	}
	if (img_parse(*data, len, info, &err) < 0 || img_verify(info, false, &err) < 0) {
		fprintf(stderr, "espdeck %s: %s: %s\n", cmd, path, err.msg);
		return CLI_EXIT_FAIL;
	}
	if (info->kind != IMG_KIND_V1) {
		fprintf(stderr,
			"espdeck %s: %s is a %s image: load_ram runs a version 1 (0xE9) "
			"image, whose segments all load into RAM (make one with elf2image)\n",
			cmd, path, img_kind_name(info->kind));
		return CLI_EXIT_FAIL;
	}
	for (size_t i = 0; i < info->segment_count; i++) {
		const struct img_segment *sg = &info->segments[i];
		if (sg->load_addr >= IMG_IROM_MAP_START && sg->load_addr < IMG_IROM_MAP_END) {
			fprintf(stderr,
				"espdeck %s: %s: segment %zu at 0x%08x is flash-mapped code "
				"(irom0), which cannot be loaded into RAM\n",
				cmd, path, i + 1, sg->load_addr);
			return CLI_EXIT_FAIL;
		}
	}
	return CLI_EXIT_OK;
}

int cmd_load_ram(const struct config *cfg, int argc, char **argv)
{
	if (want_args(argv[0], argc, 1, 1, "FILE"))
		return CLI_EXIT_USAGE;
	uint8_t *data = NULL;
	struct img_info info;
	int rc = load_image(argv[0], argv[1], &data, &info);
	struct session s;
	if (rc == CLI_EXIT_OK)
		rc = session_open(cfg, argv[0], &s);
	if (rc != CLI_EXIT_OK) {
		free(data);
		return rc;
	}
	struct ed_error err = {0};
	printf("RAM boot...\n");
	for (size_t i = 0; i < info.segment_count && rc == CLI_EXIT_OK; i++) {
		const struct img_segment *sg = &info.segments[i];
		printf("Downloading %u bytes at %08x... ", sg->length, sg->load_addr);
		fflush(stdout);
		if (memory_load(s.ld, sg->load_addr, data + sg->data_offset, sg->length, &err) <
		    0) {
			printf("\n");
			rc = fail(argv[0], &err);
		} else {
			printf("done!\n");
		}
	}
	if (rc == CLI_EXIT_OK) {
		printf("All segments done, executing at %08x\n", info.entry);
		if (memory_run(s.ld, info.entry, &err) < 0)
			rc = fail(argv[0], &err);
		else if (!cfg->quiet)
			printf("Exiting immediately.\n"); /* the loaded code runs: no --after */
	}
	free(data);
	session_close(&s);
	return rc;
}

int cmd_run(const struct config *cfg, int argc, char **argv)
{
	if (want_args(argv[0], argc, 0, 0, ""))
		return CLI_EXIT_USAGE;
	struct session s;
	int rc = session_open(cfg, argv[0], &s);
	if (rc != CLI_EXIT_OK)
		return rc;
	struct ed_error err = {0};
	/* esptool's run: FLASH_BEGIN(0, 0) + FLASH_END(1), then its --after as usual */
	if (loader_finish(s.ld, LOADER_AFTER_SOFT_RESET, &err) < 0)
		rc = fail(argv[0], &err);
	return session_finish(argv[0], &s, rc);
}

int cmd_read_flash_sfdp(const struct config *cfg, int argc, char **argv)
{
	uint32_t addr, bytes;
	if (want_args(argv[0], argc, 2, 2, "ADDR BYTES") ||
	    !cli_opt_u32(argv[0], "address", argv[1], &addr) ||
	    !cli_opt_u32(argv[0], "byte count", argv[2], &bytes))
		return CLI_EXIT_USAGE;
	if (bytes < 1 || bytes > 4) {
		fprintf(stderr,
			"espdeck %s: BYTES must be 1 to 4: one SPI command returns at most 32 "
			"bits (as in esptool); read more with several calls\n",
			argv[0]);
		return CLI_EXIT_USAGE;
	}
	struct session s;
	int rc = session_open(cfg, argv[0], &s);
	if (rc != CLI_EXIT_OK)
		return rc;
	uint32_t id = s.info.flash_id;
	printf("Manufacturer: %02x\nDevice: %02x%02x\nDetected flash size: %s\n", id & 0xFF,
	       (id >> 8) & 0xFF, (id >> 16) & 0xFF, flash_size_jedec_name(id));
	struct ed_error err = {0};
	uint8_t out[4];
	if (sfdp_read(s.ld, addr, out, bytes, &err) < 0) {
		rc = fail(argv[0], &err);
	} else {
		printf("SFDP[%u..%u]: ", addr, addr + bytes - 1);
		for (uint32_t i = 0; i < bytes; i++)
			printf("%02X ", out[i]);
		printf("\n");
	}
	return session_finish(argv[0], &s, rc);
}
