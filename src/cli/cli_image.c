/* SPDX-License-Identifier: MIT
 * Image commands: elf2image (esptool's), make_ota (the SDK's gen_appbin) and image_info.
 * Options take esptool's spellings: --flash_mode / --flash-mode / -fm VALUE, --opt=VALUE. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_opt_int.h"
#include "core/flash_params.h"
#include "core/outfile.h"
#include "core/util.h"
#include "image/image.h"

#define MAX_ELF_BYTES	(64u * 1024u * 1024u)
#define MAX_IMAGE_BYTES (16u * 1024u * 1024u)

struct opt {
	const char *long_name;	/* with underscores; dashes match too */
	const char *short_name; /* "-fm" or NULL */
	const char **value;
};

/* Takes one option (and its value) at argv[*i] if it is in opts. Returns 1 when taken,
 * 0 when argv[*i] is not one of them, -1 (message printed) when its value is missing. */
static int take_opt(int argc, char **argv, int *i, const struct opt *opts, size_t n)
{
	const char *arg = argv[*i];
	for (size_t k = 0; k < n; k++) {
		const char *val = NULL;
		if (opts[k].short_name && !strcmp(arg, opts[k].short_name)) {
			val = *i + 1 < argc ? argv[++*i] : NULL;
		} else if (!strncmp(arg, "--", 2)) {
			const char *eq = strchr(arg, '=');
			char name[64];
			size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
			if (len >= sizeof name)
				continue;
			memcpy(name, arg + 2, len);
			name[len] = '\0';
			if (!cli_word_is(name, opts[k].long_name))
				continue;
			val = eq ? eq + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
		} else {
			continue;
		}
		if (!val) {
			fprintf(stderr, "espdeck %s: option %s needs a value\n", argv[0], arg);
			return -1;
		}
		*opts[k].value = val;
		return 1;
	}
	return 0;
}

/* An option without a value ("--use-segments"). */
struct flag {
	const char *long_name;
	bool *set;
};

static bool take_flag(const char *arg, const struct flag *flags, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!strncmp(arg, "--", 2) && cli_word_is(arg + 2, flags[k].long_name)) {
			*flags[k].set = true;
			return true;
		}
	return false;
}

/* Parses argv[1..] into opts, flags and exactly one positional argument. */
static int parse_args(int argc, char **argv, const struct opt *opts, size_t n,
		      const struct flag *flags, size_t nflags, const char **positional,
		      const char *what)
{
	*positional = NULL;
	for (int i = 1; i < argc; i++) {
		if (take_flag(argv[i], flags, nflags))
			continue;
		int r = take_opt(argc, argv, &i, opts, n);
		if (r < 0)
			return CLI_EXIT_USAGE;
		if (r > 0)
			continue;
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			const char *names[48];
			size_t k = 0;
			for (size_t j = 0; j < n && k < 47; j++)
				names[k++] = opts[j].long_name;
			for (size_t j = 0; j < nflags && k < 47; j++)
				names[k++] = flags[j].long_name;
			names[k] = NULL;
			const char *hint = cli_opt_suggest(argv[i], names);
			fprintf(stderr,
				"espdeck %s: unknown option '%s'%s%s%s\nRun 'espdeck %s --help' "
				"for its options.\n",
				argv[0], argv[i], hint ? "; did you mean --" : "", hint ? hint : "",
				hint ? "?" : "", argv[0]);
			return CLI_EXIT_USAGE;
		}
		if (*positional) {
			fprintf(stderr, "espdeck %s: more than one %s given ('%s' and '%s')\n",
				argv[0], what, *positional, argv[i]);
			return CLI_EXIT_USAGE;
		}
		*positional = argv[i];
	}
	if (!*positional) {
		fprintf(stderr, "espdeck %s: no %s given\n", argv[0], what);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

/* An input file read whole. (Mapping it would save a few page faults on a 1 MiB ELF, but a
 * file truncated while mapped kills the process with SIGBUS; reading never crashes.) */
struct input {
	uint8_t *data;
	size_t len;
};

static int read_input(const char *cmd, const char *path, size_t max, struct input *in)
{
	struct ed_error err = {0};
	if (ed_read_file(path, &in->data, &in->len, max, &err) != ED_OK) {
		fprintf(stderr, "espdeck %s: %s\n", cmd, err.msg);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static void free_input(struct input *in)
{
	free(in->data);
	memset(in, 0, sizeof *in);
}

static int write_output(const struct config *cfg, const char *cmd, const char *path,
			const struct img_output *o)
{
	struct ed_error err = {0};
	if (ed_output_write(path, o->data, o->len, &err) != ED_OK) {
		fprintf(stderr, "espdeck %s: %s\n", cmd, err.msg);
		return CLI_EXIT_FAIL;
	}
	if (!cfg->quiet) /* not into the image when it went to stdout */
		fprintf(ed_output_is_stream(path) ? stderr : stdout, "Wrote %s (%zu bytes)\n", path,
			o->len);
	return CLI_EXIT_OK;
}

/* Python's os.path.splitext(path)[0]: drop the last ".ext" of the last component unless
 * the component starts with the only dot. Returns a malloc'd string. */
static char *path_stem(const char *path)
{
	const char *base = ed_basename(path);
	const char *dot = strrchr(base, '.');
	const char *p = base;
	while (*p == '.')
		p++;
	size_t n = dot && dot >= p ? (size_t)(dot - path) : strlen(path);
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, path, n);
		s[n] = '\0';
	}
	return s;
}

/* Flash options shared by elf2image and make_ota, with esptool's ESPTOOL_FM/FF/FS
 * environment defaults. */
struct flash_opts {
	const char *mode, *size, *freq;
};

static void flash_opts_env(struct flash_opts *f)
{
	f->mode = getenv("ESPTOOL_FM");
	f->size = getenv("ESPTOOL_FS");
	f->freq = getenv("ESPTOOL_FF");
}

static int to_params(const char *cmd, const struct flash_opts *f, struct img_params *p)
{
	struct ed_error err = {0};
	if (img_params_from_names(f->mode, f->size, f->freq, p, &err) != ED_OK) {
		fprintf(stderr, "espdeck %s: %s\n", cmd, err.msg);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

static int elf2image_v1(const struct config *cfg, const char *cmd, const uint8_t *elf, size_t len,
			const struct img_params *p, const char *elf_path, const char *out)
{
	struct img_output ram, irom;
	struct ed_error err = {0};
	if (img_elf2image_v1(elf, len, p, &ram, &irom, &err) != ED_OK) {
		fprintf(stderr, "espdeck %s: %s: %s\n", cmd, elf_path, err.msg);
		return CLI_EXIT_FAIL;
	}
	/* esptool: "<prefix>0x00000.bin" and "<prefix>0x<irom offset>.bin"; prefix = -o, or
	 * the ELF path plus "-" */
	char *prefix = out ? strdup(out) : malloc(strlen(elf_path) + 2);
	if (prefix && !out)
		sprintf(prefix, "%s-", elf_path);
	size_t cap = (prefix ? strlen(prefix) : 0) + 32;
	char *name = prefix ? malloc(cap) : NULL;
	int rc = name ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	bool irom_written = false;
	if (rc == CLI_EXIT_OK && irom.data) {
		snprintf(name, cap, "%s0x%05x.bin", prefix, (unsigned)irom.flash_offset);
		rc = write_output(cfg, cmd, name, &irom);
		irom_written = rc == CLI_EXIT_OK;
	}
	if (rc == CLI_EXIT_OK) {
		snprintf(name, cap, "%s0x%05x.bin", prefix, 0u);
		rc = write_output(cfg, cmd, name, &ram);
		if (rc != CLI_EXIT_OK && irom_written) {
			/* no half-written result: take back the irom file */
			snprintf(name, cap, "%s0x%05x.bin", prefix, (unsigned)irom.flash_offset);
			unlink(name);
		}
	}
	free(name);
	free(prefix);
	img_output_free(&ram);
	img_output_free(&irom);
	return rc;
}

static int elf2image_v2(const struct config *cfg, const char *cmd, const uint8_t *elf, size_t len,
			const struct img_params *p, const char *elf_path, const char *out)
{
	struct img_output img;
	struct ed_error err = {0};
	if (img_elf2image_v2(elf, len, p, &img, &err) != ED_OK) {
		fprintf(stderr, "espdeck %s: %s: %s\n", cmd, elf_path, err.msg);
		return CLI_EXIT_FAIL;
	}
	char *name = NULL;
	if (!out) { /* esptool: "<ELF without extension>-0x<irom offset & ~0xFFF>.bin" */
		char *stem = path_stem(elf_path);
		name = stem ? malloc(strlen(stem) + 32) : NULL;
		if (name)
			sprintf(name, "%s-0x%05x.bin", stem, (unsigned)img.flash_offset);
		free(stem);
	}
	int rc = out || name ? write_output(cfg, cmd, out ? out : name, &img) : CLI_EXIT_FAIL;
	free(name);
	img_output_free(&img);
	return rc;
}

/* --version 3: its own size codes (image/image.h), named "<ELF without extension>.bin" */
static int elf2image_v3(const struct config *cfg, const char *cmd, const struct flash_opts *f,
			struct img_params *p, const char *elf_path, const char *out)
{
	struct flash_opts no_size = {f->mode, NULL, f->freq};
	struct ed_error err = {0};
	int rc = to_params(cmd, &no_size, p);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (img_v3_size_code(f->size, &p->size_map, &err) < 0) {
		fprintf(stderr, "espdeck %s: %s\n", cmd, err.msg);
		return CLI_EXIT_USAGE;
	}
	struct input elf;
	if ((rc = read_input(cmd, elf_path, MAX_ELF_BYTES, &elf)) != CLI_EXIT_OK)
		return rc;
	if (!cfg->quiet)
		printf("Creating ESP8266 image (version 3) from %s...\n", elf_path);
	struct img_output img;
	rc = img_elf2image_v3(elf.data, elf.len, p, &img, &err);
	free_input(&elf);
	if (rc != ED_OK) {
		fprintf(stderr, "espdeck %s: %s: %s\n", cmd, elf_path, err.msg);
		return CLI_EXIT_FAIL;
	}
	char *stem = out ? NULL : path_stem(elf_path);
	char *name = stem ? malloc(strlen(stem) + 5) : NULL;
	if (name)
		sprintf(name, "%s.bin", stem);
	rc = out || name ? write_output(cfg, cmd, out ? out : name, &img) : CLI_EXIT_FAIL;
	free(name);
	free(stem);
	img_output_free(&img);
	return rc;
}

int cmd_elf2image(const struct config *cfg, int argc, char **argv)
{
	const char *version = "1", *out = NULL, *elf_path, *ignored_value = NULL;
	bool use_segments = false, ignored = false;
	struct flash_opts f;
	flash_opts_env(&f);
	/* esptool options that only shape ESP32-family images: it ignores them for the
	 * ESP8266, and so do we */
	const struct flag flags[] = {
	    {"use_segments", &use_segments},
	    {"dont_append_digest", &ignored},
	    {"secure_pad", &ignored},
	    {"secure_pad_v2", &ignored},
	};
	const struct opt opts[] = {
	    {"version", "-e", &version},
	    {"output", "-o", &out},
	    {"flash_mode", "-fm", &f.mode},
	    {"flash_freq", "-ff", &f.freq},
	    {"flash_size", "-fs", &f.size},
	    {"min_rev", "-r", &ignored_value},
	    {"min_rev_full", NULL, &ignored_value},
	    {"max_rev_full", NULL, &ignored_value},
	    {"pad_to_size", NULL, &ignored_value},
	    {"flash_mmu_page_size", NULL, &ignored_value},
	};
	int rc = parse_args(argc, argv, opts, sizeof opts / sizeof opts[0], flags,
			    sizeof flags / sizeof flags[0], &elf_path, "ELF file");
	if (rc != CLI_EXIT_OK)
		return rc;
	if ((ignored || ignored_value) && !cfg->quiet)
		fprintf(stderr,
			"espdeck %s: note: options for ESP32-family images are ignored for "
			"the ESP8266, as esptool does\n",
			argv[0]);
	if (strcmp(version, "1") != 0 && strcmp(version, "2") != 0 && strcmp(version, "3") != 0) {
		fprintf(stderr,
			"espdeck %s: --version %s is not supported: use 1 (ROM image, the "
			"default), 2 (OTA image for the SDK boot loader) or 3 (RTOS SDK v3)\n",
			argv[0], version);
		return CLI_EXIT_USAGE;
	}
	struct img_params p = IMG_PARAMS_DEFAULT;
	p.use_segments = use_segments;
	if (version[0] == '3')
		return elf2image_v3(cfg, argv[0], &f, &p, elf_path, out);
	if ((rc = to_params(argv[0], &f, &p)) != CLI_EXIT_OK)
		return rc;
	struct input elf;
	if ((rc = read_input(argv[0], elf_path, MAX_ELF_BYTES, &elf)) != CLI_EXIT_OK)
		return rc;
	if (!cfg->quiet)
		fprintf(out && ed_output_is_stream(out) ? stderr : stdout,
			"Creating ESP8266 image (version %s) from %s...\n", version, elf_path);
	rc = version[0] == '1' ? elf2image_v1(cfg, argv[0], elf.data, elf.len, &p, elf_path, out)
			       : elf2image_v2(cfg, argv[0], elf.data, elf.len, &p, elf_path, out);
	free_input(&elf);
	return rc;
}

/* "<out minus .bin>.irom0text.bin": the second file of boot mode 0. */
static char *irom0_name(const char *out)
{
	size_t n = strlen(out);
	if (n > 4 && !strcmp(out + n - 4, ".bin"))
		n -= 4;
	char *s = malloc(n + 20);
	if (s)
		sprintf(s, "%.*s.irom0text.bin", (int)n, out);
	return s;
}

static int parse_small(const char *cmd, const char *opt, const char *text, int lo, int hi,
		       int *value)
{
	uint32_t v;
	if (!ed_parse_u32(text, &v) || v < (uint32_t)lo || v > (uint32_t)hi) {
		fprintf(stderr, "espdeck %s: %s '%s' must be %d..%d\n", cmd, opt, text, lo, hi);
		return CLI_EXIT_USAGE;
	}
	*value = (int)v;
	return CLI_EXIT_OK;
}

static int make_ota_write(const struct config *cfg, const char *cmd, const uint8_t *elf, size_t len,
			  int boot_mode, int app, const struct img_params *p, const char *elf_path,
			  const char *out)
{
	struct img_output bin, irom0;
	struct ed_error err = {0};
	if (img_make_ota(elf, len, boot_mode, app, p, &bin, &irom0, &err) != ED_OK) {
		fprintf(stderr, "espdeck %s: %s: %s\n", cmd, elf_path, err.msg);
		return CLI_EXIT_FAIL;
	}
	int rc = CLI_EXIT_OK;
	if (img_ota_check_link(elf, len, boot_mode, app, p->size_map, &err) == ED_ERR_ARG)
		fprintf(stderr, "espdeck %s: warning: %s\n", cmd, err.msg);
	if (boot_mode == 0) {
		char *name = irom0_name(out);
		rc = name ? write_output(cfg, cmd, name, &irom0) : CLI_EXIT_FAIL;
		free(name);
	}
	if (rc == CLI_EXIT_OK)
		rc = write_output(cfg, cmd, out, &bin);
	img_output_free(&bin);
	img_output_free(&irom0);
	return rc;
}

int cmd_make_ota(const struct config *cfg, int argc, char **argv)
{
	const char *app_s = NULL, *boot_s = "2", *out = NULL, *elf_path;
	/* the SDK Makefile's defaults: SPI_MODE=QIO, SPI_SPEED=40, SPI_SIZE_MAP=0 */
	struct flash_opts f = {NULL, NULL, NULL};
	const struct opt opts[] = {
	    {"app", NULL, &app_s},	    {"boot_mode", NULL, &boot_s},
	    {"output", "-o", &out},	    {"flash_mode", "-fm", &f.mode},
	    {"flash_freq", "-ff", &f.freq}, {"flash_size", "-fs", &f.size},
	};
	int rc = parse_args(argc, argv, opts, sizeof opts / sizeof opts[0], NULL, 0, &elf_path,
			    "ELF file");
	if (rc != CLI_EXIT_OK)
		return rc;
	int boot_mode, app = 0;
	if ((rc = parse_small(argv[0], "--boot-mode", boot_s, 0, 2, &boot_mode)) != CLI_EXIT_OK)
		return rc;
	if (boot_mode != 0 && !app_s) {
		fprintf(stderr,
			"espdeck %s: --app 1 or --app 2 is required (which slot, user1 "
			"at 0x1000 or user2)\n",
			argv[0]);
		return CLI_EXIT_USAGE;
	}
	if (app_s && (rc = parse_small(argv[0], "--app", app_s, 1, 2, &app)) != CLI_EXIT_OK)
		return rc;
	if (!out) {
		fprintf(stderr, "espdeck %s: -o FILE is required (for example -o user%d.bin)\n",
			argv[0], app ? app : 1);
		return CLI_EXIT_USAGE;
	}
	struct img_params p = {0, 0, 0, false};
	if ((rc = to_params(argv[0], &f, &p)) != CLI_EXIT_OK)
		return rc;
	struct input elf;
	if ((rc = read_input(argv[0], elf_path, MAX_ELF_BYTES, &elf)) != CLI_EXIT_OK)
		return rc;
	if (!cfg->quiet)
		fprintf(ed_output_is_stream(out) ? stderr : stdout,
			"Creating SDK app bin (gen_appbin boot mode %d%s%s) from %s...\n",
			boot_mode, boot_mode ? ", app " : "", boot_mode ? app_s : "", elf_path);
	rc = make_ota_write(cfg, argv[0], elf.data, elf.len, boot_mode, app, &p, elf_path, out);
	free_input(&elf);
	return rc;
}

static void print_flash_params(const struct img_info *info)
{
	if (!info->flash_params_valid) {
		printf("Flash parameters: none in this format (bytes 2-3 of the E9 header are "
		       "%02x %02x, the app slot)\n",
		       info->hdr_byte2, info->hdr_byte3);
		return;
	}
	const struct flash_size_info *s = flash_size_by_map(info->size_map);
	const struct flash_freq_info *f = flash_freq_by_code(info->freq_code);
	char size[96];
	if (s)
		snprintf(size, sizeof size, "%s (%s%s, size_map %u%s)", s->name,
			 s->old_name ? "old name " : "no old name", s->old_name ? s->old_name : "",
			 info->size_map, s->ota_slot ? "" : ", no OTA map");
	else
		snprintf(size, sizeof size, "unknown (size_map %u)", info->size_map);
	printf("Flash mode: %s (%u)\n", flash_mode_name(info->flash_mode), info->flash_mode);
	printf("Flash size: %s\n", size);
	if (s && s->ota_slot)
		printf("Flash map: %u KB + %u KB OTA slots\n", s->ota_slot / 1024,
		       s->ota_slot / 1024);
	printf("Flash frequency: %s (code 0x%x)\n", f ? f->name : "unknown", info->freq_code);
}

/* Where the flash-mapped code will run: known for gen_appbin bins from the slot and the
 * map, otherwise it depends on the flash address the file is written to. */
static void print_irom_note(const struct img_info *info)
{
	const struct img_segment *irom = NULL;
	for (size_t i = 0; i < info->segment_count; i++)
		if (info->segments[i].irom)
			irom = &info->segments[i];
	if (!irom)
		return;
	uint32_t at = info->kind == IMG_KIND_APPBIN && info->flash_params_valid
			  ? img_ota_irom_addr(info->boot_mode, info->app_slot, info->size_map)
			  : 0;
	const struct flash_size_info *fs = flash_size_by_map(info->size_map);
	if (at)
		printf("irom0 code runs at 0x%08x (user%d at 0x%x in the %s map); the ELF must be "
		       "linked there\n",
		       at, info->app_slot, 0x1000u + (info->app_slot == 2 ? fs->ota_slot : 0),
		       fs->name);
	else
		printf("irom0 code runs at 0x40200000 + (flash address of the file + 0x%zx) within "
		       "the mapped 1 MB\n",
		       irom->data_offset);
}

static void print_info(const char *path, size_t len, const struct img_info *info)
{
	printf("File: %s (%zu bytes)\n", path, len);
	printf("Format: %s\n", img_kind_name(info->kind));
	if (info->kind == IMG_KIND_APPBIN)
		printf("Boot mode: %d (%s), app slot %d (user%d)\n", info->boot_mode,
		       info->boot_mode == 2 ? "boot_v1.2 and later" : "boot_v1.1", info->app_slot,
		       info->app_slot);
	if (info->kind == IMG_KIND_V2)
		printf("Note: esptool's layout; the SDK's OTA upgrade and boot_v1.x expect "
		       "gen_appbin's (make_ota: app slot in byte 3, .text/.data/.rodata)\n");
	if (info->kind == IMG_KIND_V2 && !info->headers_agree)
		printf("Note: the first header (bytes 2-3 %02x %02x) disagrees with the second; "
		       "loaders use the second\n",
		       info->hdr_byte2, info->hdr_byte3);
	print_flash_params(info);
	printf("Entry point: 0x%08x\n", info->entry);
	size_t loaded = info->segment_count;
	for (size_t i = 0; i < info->segment_count; i++)
		loaded -= info->segments[i].irom;
	printf("Segments: %zu loaded by the boot loader%s\n", loaded,
	       loaded == info->segment_count ? "" : ", plus irom0 (flash-mapped code)");
	printf("  #  load addr    length      file offset  region\n");
	for (size_t i = 0; i < info->segment_count; i++) {
		const struct img_segment *s = &info->segments[i];
		printf("  %zu  0x%08x  0x%06x  %-9u 0x%06zx   %s\n", i, s->load_addr, s->length,
		       s->length, s->data_offset, s->region);
	}
	print_irom_note(info);
	printf("Checksum: 0x%02x stored at offset 0x%zx, computed 0x%02x: %s%s\n",
	       info->checksum_stored, info->checksum_offset, info->checksum_computed,
	       info->checksum_stored == info->checksum_computed ? "valid" : "INVALID",
	       info->checksum_pad16 ? " (gen_appbin's 16-byte padding)" : "");
	if (info->has_crc)
		printf("CRC: 0x%08x stored at offset 0x%zx, computed 0x%08x: %s\n",
		       info->crc_stored, info->crc_offset, info->crc_computed,
		       info->crc_stored == info->crc_computed ? "valid" : "INVALID");
}

int cmd_image_info(const struct config *cfg, int argc, char **argv)
{
	const char *path, *version = NULL;
	/* esptool's --version: 1 (its legacy form) gives espdeck's own description, 2 its
	 * extended listing (cli_image_v2.c) */
	const struct opt opts[] = {{"version", "-v", &version}};
	int rc = parse_args(argc, argv, opts, 1, NULL, 0, &path, "image file");
	if (rc != CLI_EXIT_OK)
		return rc;
	if (version && strcmp(version, "1") && strcmp(version, "2")) {
		fprintf(stderr,
			"espdeck %s: --version must be 1 or 2 (esptool's extended listing)\n",
			argv[0]);
		return CLI_EXIT_USAGE;
	}
	if (version && !strcmp(version, "2"))
		return cli_image_info_esptool(cfg, argv[0], path);
	struct input in;
	if ((rc = read_input(argv[0], path, MAX_IMAGE_BYTES, &in)) != CLI_EXIT_OK)
		return rc;
	struct img_info info;
	struct ed_error err = {0};
	if (img_parse(in.data, in.len, &info, &err) != ED_OK) {
		fprintf(stderr, "espdeck %s: %s: not a valid image: %s\n", argv[0], path, err.msg);
		if (in.len >= 8 && in.data[0] != IMG_MAGIC_V1 && in.data[0] != IMG_MAGIC_V2 &&
		    in.data[0] != 0x7F)
			fprintf(stderr, "(raw irom0 files such as eagle.irom0text.bin or "
					"ELF-0x10000.bin have no header to check)\n");
		free_input(&in);
		return CLI_EXIT_FAIL;
	}
	print_info(path, in.len, &info);
	free_input(&in);
	if (img_verify(&info, true, &err) != ED_OK) {
		printf("Result: BAD IMAGE\n");
		fprintf(stderr, "espdeck %s: %s: %s\n", argv[0], path, err.msg);
		return CLI_EXIT_FAIL;
	}
	printf("Result: OK\n");
	return CLI_EXIT_OK;
}
