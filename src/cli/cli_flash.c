/* SPDX-License-Identifier: MIT
 * Board commands with esptool's syntax: chip_id, read_mac, flash_id, erase_flash,
 * erase_region, write_flash, read_flash, verify_flash, ports. Each builds a job
 * (job/job.h) and runs it through cli_run_job() (cli_run.c), on one board or many. */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli_opt_int.h"
#include "core/flash_params.h"
#include "core/util.h"
#include "image/ihex.h"
#include "link/ports.h"

#define MAX_FILES      64
#define MAX_FILE_BYTES (16u << 20)

/* --- argument helpers ---------------------------------------------------------------- */

static int usage(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "espdeck %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nRun 'espdeck help' or see espdeck(1) for the syntax.\n");
	return CLI_EXIT_USAGE;
}

static bool parse_num(const char *cmd, const char *what, const char *text, uint32_t *out, int *rc)
{
	if (ed_parse_u32(text, out))
		return true;
	char fmt[96];
	snprintf(fmt, sizeof fmt, "%s '%%s' is not a number (write 0x1000 or 4096)", what);
	*rc = usage(cmd, fmt, text);
	return false;
}

static bool is_opt(const char *arg, const char *long_name, const char *short_name)
{
	if (short_name && !strcmp(arg, short_name))
		return true;
	return !strncmp(arg, "--", 2) && cli_word_is(arg + 2, long_name);
}

/* "--name VALUE" or "--name=VALUE"; returns 1 matched, 0 not, -1 value missing. */
static int opt_value(int argc, char **argv, int *i, const char *long_name, const char *short_name,
		     const char **value)
{
	const char *arg = argv[*i];
	const char *eq = strchr(arg, '=');
	if (eq && !strncmp(arg, "--", 2)) {
		char name[48];
		size_t n = (size_t)(eq - arg - 2);
		if (n < sizeof name) {
			memcpy(name, arg + 2, n);
			name[n] = '\0';
			if (cli_word_is(name, long_name)) {
				*value = eq + 1;
				return 1;
			}
		}
		return 0;
	}
	if (!is_opt(arg, long_name, short_name))
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*value = argv[++*i];
	return 1;
}

/* Every board command but read_flash runs on several boards at once. */
static bool need_port(const struct config *cfg, const char *cmd, int *rc)
{
	if (app_is_multi(cfg) && cli_word_is(cmd, "read_flash")) {
		*rc = usage(cmd, "%s",
			    "reads one board at a time: give a single --port "
			    "(several boards would write the same FILE)");
		return false;
	}
	return true;
}

/* --- simple commands ----------------------------------------------------------------- */

static int run_info(const struct config *cfg, int argc, char **argv, struct chip_info *info)
{
	int rc = CLI_EXIT_OK;
	if (argc > 1)
		return usage(argv[0], "unexpected argument '%s'", argv[1]);
	if (!need_port(cfg, argv[0], &rc))
		return rc;
	struct job_step step = {.kind = JOB_STEP_INFO};
	struct job_spec spec;
	app_job_spec(cfg, &spec);
	spec.steps = &step;
	spec.step_count = 1;
	return cli_run_job(cfg, &spec, info);
}

int cmd_chip_id(const struct config *cfg, int argc, char **argv)
{
	struct chip_info info;
	int rc = run_info(cfg, argc, argv, &info);
	if (rc == CLI_EXIT_OK && !app_is_multi(cfg))
		printf("Chip ID: 0x%08x\n", info.chip_id);
	return rc;
}

int cmd_read_mac(const struct config *cfg, int argc, char **argv)
{
	struct chip_info info;
	int rc = run_info(cfg, argc, argv, &info);
	if (rc == CLI_EXIT_OK && !app_is_multi(cfg))
		printf("MAC: %02x:%02x:%02x:%02x:%02x:%02x\n", info.mac[0], info.mac[1],
		       info.mac[2], info.mac[3], info.mac[4], info.mac[5]);
	return rc;
}

int cmd_flash_id(const struct config *cfg, int argc, char **argv)
{
	struct chip_info info;
	int rc = run_info(cfg, argc, argv, &info);
	if (rc != CLI_EXIT_OK || app_is_multi(cfg))
		return rc;
	printf("Manufacturer: %02x\nDevice: %02x%02x\n", info.flash_id & 0xFF,
	       (info.flash_id >> 8) & 0xFF, (info.flash_id >> 16) & 0xFF);
	/* esptool's names, also for chips past the ESP8266's 16MB (32MB ... 256MB) */
	printf("Detected flash size: %s\n", flash_size_jedec_name(info.flash_id));
	return rc;
}

int cmd_erase_flash(const struct config *cfg, int argc, char **argv)
{
	int rc = CLI_EXIT_OK;
	if (argc > 1)
		return usage(argv[0], "unexpected argument '%s'", argv[1]);
	if (!need_port(cfg, argv[0], &rc))
		return rc;
	struct job_step step = {.kind = JOB_STEP_ERASE_CHIP, .name = "chip"};
	struct job_spec spec;
	app_job_spec(cfg, &spec);
	spec.steps = &step;
	spec.step_count = 1;
	return cli_run_job(cfg, &spec, NULL);
}

/* read_flash_status [--bytes 1|2|3] and write_flash_status [--bytes N] [--non-volatile]
 * VALUE, esptool's syntax and lines (engine/spiflash.h). */
static int flash_status(const struct config *cfg, int argc, char **argv, bool writing)
{
	int rc = CLI_EXIT_OK;
	uint32_t bytes = 2, value = 0;
	bool non_volatile = false, have_value = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		int r = opt_value(argc, argv, &i, "bytes", NULL, &val);
		if (r < 0)
			return usage(argv[0], "option '%s' needs a value (1, 2 or 3)", a);
		if (r > 0) {
			if (!parse_num(argv[0], "--bytes", val, &bytes, &rc))
				return rc;
			if (bytes < 1 || bytes > 3)
				return usage(argv[0],
					     "--bytes %s: the status register has 1, 2 or 3 "
					     "bytes",
					     val);
			continue;
		}
		if (writing && is_opt(a, "non_volatile", NULL)) {
			non_volatile = true;
			continue;
		}
		if (!writing || have_value || (a[0] == '-' && a[1]))
			return usage(argv[0], "unexpected argument '%s'", a);
		if (!parse_num(argv[0], "value", a, &value, &rc))
			return rc;
		have_value = true;
	}
	if (writing && !have_value)
		return usage(argv[0], "%s",
			     "needs VALUE, for example: write_flash_status --bytes 2 0x0000");
	if (writing && value >> (8 * bytes))
		return usage(argv[0], "value %s does not fit the --bytes given", argv[argc - 1]);
	if (!need_port(cfg, argv[0], &rc))
		return rc;
	struct job_step step = {.kind = writing ? JOB_STEP_WRITE_STATUS : JOB_STEP_READ_STATUS,
				.offset = value,
				.size = bytes,
				.non_volatile = non_volatile};
	struct job_spec spec;
	app_job_spec(cfg, &spec);
	spec.steps = &step;
	spec.step_count = 1;
	return cli_run_job(cfg, &spec, NULL);
}

int cmd_read_flash_status(const struct config *cfg, int argc, char **argv)
{
	return flash_status(cfg, argc, argv, false);
}

int cmd_write_flash_status(const struct config *cfg, int argc, char **argv)
{
	return flash_status(cfg, argc, argv, true);
}

int cmd_erase_region(const struct config *cfg, int argc, char **argv)
{
	int rc = CLI_EXIT_OK;
	uint32_t addr, size;
	int check_chip = -1; /* --check-chip / --no-check-chip, -1: the default */
	int kept = 1;
	for (int i = 1; i < argc; i++) {
		if (is_opt(argv[i], "check_chip", NULL))
			check_chip = 1;
		else if (is_opt(argv[i], "no_check_chip", NULL))
			check_chip = 0;
		else
			argv[kept++] = argv[i];
	}
	argc = kept;
	if (argc != 3)
		return usage(argv[0], "%s",
			     "needs ADDR SIZE, for example: erase_region 0x3FC000 0x4000");
	if (!parse_num(argv[0], "address", argv[1], &addr, &rc))
		return rc;
	if (!strcasecmp(argv[2], "all"))
		size = JOB_SIZE_TO_END; /* to the end of the detected flash, as esptool */
	else if (!parse_num(argv[0], "size", argv[2], &size, &rc))
		return rc;
	if (addr % 4096)
		return usage(argv[0], "offset %s must be a multiple of 4096 (0x1000)", argv[1]);
	if ((size % 4096 && size != JOB_SIZE_TO_END) || size == 0)
		return usage(argv[0], "size %s must be a non-zero multiple of 4096 (0x1000)",
			     argv[2]);
	if (!need_port(cfg, argv[0], &rc))
		return rc;
	struct job_step step = {.kind = JOB_STEP_ERASE_REGION, .offset = addr, .size = size};
	struct job_spec spec;
	app_job_spec(cfg, &spec);
	if (check_chip >= 0)
		spec.chip_check = check_chip;
	spec.steps = &step;
	spec.step_count = 1;
	return cli_run_job(cfg, &spec, NULL);
}

int cmd_read_flash(const struct config *cfg, int argc, char **argv)
{
	int rc = CLI_EXIT_OK;
	uint32_t addr, size;
	int pos = 0;
	const char *args[3];
	for (int i = 1; i < argc; i++) {
		if (is_opt(argv[i], "no_progress", "-p") || is_opt(argv[i], "no-progress", NULL))
			continue;
		if (argv[i][0] == '-' && argv[i][1])
			return usage(argv[0], "unknown option '%s'", argv[i]);
		if (pos == 3)
			return usage(argv[0], "unexpected argument '%s'", argv[i]);
		args[pos++] = argv[i];
	}
	if (pos != 3)
		return usage(
		    argv[0], "%s",
		    "needs ADDR SIZE FILE, for example: read_flash 0x3fe000 2048 dump.bin");
	if (!parse_num(argv[0], "address", args[0], &addr, &rc))
		return rc;
	if (!strcasecmp(args[1], "all"))
		size = JOB_SIZE_TO_END; /* to the end of the detected flash, as esptool */
	else if (!parse_num(argv[0], "size", args[1], &size, &rc))
		return rc;
	if (size == 0)
		return usage(argv[0], "size %s must not be zero", args[1]);
	if (!need_port(cfg, argv[0], &rc))
		return rc;
	struct job_step step = {
	    .kind = JOB_STEP_READ, .offset = addr, .size = size, .path = args[2]};
	char data_fd[32];
	if (!strcmp(args[2], "-") || !strcmp(args[2], "/dev/stdout")) {
		/* The dump takes stdout; the progress text moves to stderr. */
		int fd = dup(STDOUT_FILENO);
		if (fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
			fprintf(stderr, "espdeck: error: cannot set up stdout for the dump: %s\n",
				strerror(errno));
			return CLI_EXIT_FAIL;
		}
		snprintf(data_fd, sizeof data_fd, "/dev/fd/%d", fd);
		step.path = data_fd;
	}
	struct job_spec spec;
	app_job_spec(cfg, &spec);
	spec.steps = &step;
	spec.step_count = 1;
	return cli_run_job(cfg, &spec, NULL);
}

int cmd_ports(const struct config *cfg, int argc, char **argv)
{
	if (argc > 1)
		return usage(argv[0], "unexpected argument '%s'", argv[1]);
	struct port_info *ports = NULL;
	size_t n = 0;
	struct ed_error err;
	if (ports_list(&ports, &n, &err) < 0) {
		fprintf(stderr, "espdeck: error: %s\n", err.msg);
		return CLI_EXIT_FAIL;
	}
	if (n == 0)
		printf("no serial ports found (plug the board in; for a virtual board use "
		       "--port sim://)\n");
	for (size_t i = 0; i < n; i++) {
		const struct port_info *p = &ports[i];
		char who[256];
		if (p->vid || p->pid)
			printf("%-20s %04x:%04x %-7s %s%s%s", p->path, p->vid, p->pid,
			       p->bridge ? p->bridge : "-",
			       p->product[0] ? p->product : p->description,
			       p->serial[0] ? " serial " : "", p->serial);
		else
			printf("%-20s %-9s %-7s %s", p->path, "-", "-", p->description);
		/* a port another program holds would refuse a board command: say so now */
		bool held = ports_holder(p->path, who, sizeof who);
		printf("%s%s\n", held ? "  in use by " : "", held ? who : "");
	}
	ports_list_free(ports);
	return CLI_EXIT_OK;
}

/* --- write_flash / verify_flash ------------------------------------------------------- */

struct pair {
	uint32_t addr;
	const char *path;
	uint8_t *data;
	size_t size;
};

struct flash_args {
	const char *mode, *size, *freq;
	bool erase_all, verify, preserve, check_blocks;
	int check_chip; /* --check-chip 1, --no-check-chip 0, -1: the default (multi-board) */
	bool no_compress, no_stub; /* -u / --no-compress; --no-stub after the command */
	bool diff;		   /* --diff / --diff-with: only the sectors that differ */
	struct pair pairs[MAX_FILES];
	size_t count;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void free_pairs(struct flash_args *fa)
{
	for (size_t i = 0; i < fa->count; i++)
		free(fa->pairs[i].data);
}

static int check_params(const char *cmd, const struct flash_args *fa)
{
	if (strcmp(fa->mode, "keep") && flash_mode_by_name(fa->mode) < 0)
		return usage(cmd, "--flash_mode '%s' is not one of keep, qio, qout, dio, dout",
			     fa->mode);
	char why[512];
	if (strcmp(fa->size, "keep") && strcmp(fa->size, "detect") &&
	    !flash_size_parse(fa->size, why, sizeof why)) {
		if (!strncmp(why, "unknown", 7))
			fprintf(stderr,
				"espdeck %s: --flash_size '%s' is not one of keep, detect, %s\n",
				cmd, fa->size, flash_size_names());
		else
			fprintf(stderr, "espdeck %s: --flash_size: %s\n", cmd, why);
		return CLI_EXIT_USAGE;
	}
	if (flash_size_by_name(fa->size) &&
	    strcmp(flash_size_label(fa->size, why, sizeof why), fa->size))
		printf("Flash size %s\n", why); /* an old megabit name: say what it means */
	if (strcmp(fa->freq, "keep") && !flash_freq_by_name(fa->freq))
		return usage(cmd, "--flash_freq '%s' is not one of keep, 40m, 26m, 20m, 80m",
			     fa->freq);
	return CLI_EXIT_OK;
}

/* "unknown option '--flash-mod'; did you mean --flash_mode?" */
static int unknown_flash_opt(const char *cmd, const char *arg, bool writing)
{
	static const char *const write_names[] = {
	    "flash_mode",   "flash_size", "flash_freq",	 "erase_strategy", "erase_all",	  "verify",
	    "check_blocks", "compress",	  "no_compress", "no_stub",	   "no_progress", "force",
	    "diff",	    NULL};
	static const char *const verify_names[] = {"flash_mode", "flash_size", "flash_freq",
						   "diff",	 "no_stub",    NULL};
	const char *hint = cli_opt_suggest(arg, writing ? write_names : verify_names);
	if (!hint)
		return usage(cmd, "unknown option '%s'", arg);
	fprintf(stderr, "espdeck %s: unknown option '%s'; did you mean --%s?\n", cmd, arg, hint);
	fprintf(stderr, "Run 'espdeck %s --help' for its options.\n", cmd);
	return CLI_EXIT_USAGE;
}

static bool is_address(const char *w)
{
	return w[0] >= '0' && w[0] <= '9';
}

/* write_flash's --diff [yes|no] (a flag; yes/no after it as verify_flash's --diff takes)
 * and esptool 5's --diff-with FILE... ("skip" for a file not to compare). espdeck compares
 * with the flash itself, sector by sector, so the files named are not needed: they are
 * taken (up to the next option or address) and a note says so. Returns 1 when argv[*i]
 * was one of them, 0 when not, -1 after a usage message. */
static int parse_diff(int argc, char **argv, int *i, struct flash_args *fa)
{
	const char *a = argv[*i], *cmd = argv[0];
	if (!strncmp(a, "--diff=", 7) || is_opt(a, "diff", NULL)) {
		const char *v = a[6] == '=' ? a + 7 : NULL;
		if (!v && *i + 1 < argc &&
		    (!strcmp(argv[*i + 1], "yes") || !strcmp(argv[*i + 1], "no")))
			v = argv[++*i];
		if (v && strcmp(v, "yes") && strcmp(v, "no")) {
			usage(cmd, "--diff '%s': give --diff alone, or yes or no", v);
			return -1;
		}
		fa->diff = !v || !strcmp(v, "yes");
		return 1;
	}
	bool eq = !strncmp(a, "--diff-with=", 12) || !strncmp(a, "--diff_with=", 12);
	if (!eq && !is_opt(a, "diff_with", NULL))
		return 0;
	size_t files = 0, skips = 0;
	if (eq) {
		files++;
		skips += !strcmp(a + 12, "skip");
	}
	while (*i + 1 < argc && argv[*i + 1][0] != '-' && !is_address(argv[*i + 1])) {
		files++;
		skips += !strcmp(argv[++*i], "skip");
	}
	if (!files) {
		usage(cmd, "%s", "--diff-with needs a file (or 'skip')");
		return -1;
	}
	fa->diff = skips < files;
	if (fa->diff)
		fprintf(stderr,
			"espdeck %s: note: --diff-with: espdeck compares with the flash itself "
			"(MD5 of every sector), the file%s named %s not read\n",
			cmd, files == 1 ? "" : "s", files == 1 ? "is" : "are");
	return 1;
}

/* write_flash/verify_flash options; the positional words go to pos[]. */
static int parse_flash_opts(int argc, char **argv, bool writing, struct flash_args *fa,
			    const char **pos, size_t *npos)
{
	const char *cmd = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		int r;
		if (writing && (r = parse_diff(argc, argv, &i, fa)) != 0) {
			if (r < 0)
				return CLI_EXIT_USAGE;
			continue;
		}
		if ((r = opt_value(argc, argv, &i, "flash_mode", "-fm", &fa->mode)) ||
		    (r = opt_value(argc, argv, &i, "flash_size", "-fs", &fa->size)) ||
		    (r = opt_value(argc, argv, &i, "flash_freq", "-ff", &fa->freq)) ||
		    (r = opt_value(argc, argv, &i, "diff", NULL, &val))) {
			if (r < 0)
				return usage(cmd, "option '%s' needs a value", a);
			continue;
		}
		if (writing && (r = opt_value(argc, argv, &i, "erase_strategy", NULL, &val))) {
			if (r < 0)
				return usage(cmd, "option '%s' needs a value", a);
			if (strcmp(val, "exact") && strcmp(val, "preserve"))
				return usage(cmd, "--erase-strategy '%s' is not exact or preserve",
					     val);
			fa->preserve = !strcmp(val, "preserve");
			continue;
		}
		if (writing && is_opt(a, "erase_all", "-e")) {
			fa->erase_all = true;
			continue;
		}
		if (writing && is_opt(a, "verify", NULL)) {
			fa->verify = true;
			continue;
		}
		if (writing && is_opt(a, "check_blocks", NULL)) {
			fa->check_blocks = true;
			continue;
		}
		if (writing &&
		    (is_opt(a, "check_chip", NULL) || is_opt(a, "no_check_chip", NULL))) {
			fa->check_chip = is_opt(a, "check_chip", NULL);
			continue;
		}
		if (writing && is_opt(a, "encrypt", NULL))
			return usage(cmd, "%s: the ESP8266 has no flash encryption", a);
		if (writing && is_opt(a, "compress", "-z")) {
			fa->no_compress = false; /* esptool's default on the stub */
			continue;
		}
		if (writing && is_opt(a, "no_compress", "-u")) {
			fa->no_compress = true;
			continue;
		}
		if (is_opt(a, "no_stub", NULL)) {
			fa->no_stub = true;
			continue;
		}
		if (is_opt(a, "no_progress", "-p") || is_opt(a, "force", NULL) ||
		    is_opt(a, "ignore_flash_encryption_efuse_setting", NULL))
			continue;
		if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9'))
			return unknown_flash_opt(cmd, a, writing);
		if (*npos == 2 * MAX_FILES)
			return usage(cmd, "%s", "too many files");
		pos[(*npos)++] = a;
	}
	return CLI_EXIT_OK;
}

/* An Intel HEX file becomes its bytes from the pair's address on, as esptool converts it
 * (image/ihex.h); any other file stays as read. */
static int convert_hex(const char *cmd, struct pair *p)
{
	struct ed_error err;
	uint8_t *bin;
	size_t len;
	int rc = ihex_to_bin(p->data, p->size, p->addr, &bin, &len, &err);
	if (rc < 0) {
		fprintf(stderr, "espdeck %s: %s: %s\n", cmd, p->path, err.msg);
		return CLI_EXIT_FAIL;
	}
	if (rc == 1) {
		free(p->data);
		p->data = bin;
		p->size = len;
	}
	return CLI_EXIT_OK;
}

/* Reads every file, sorts by address (esptool's order) and refuses overlaps. */
static int load_pairs(const char *cmd, bool writing, struct flash_args *fa)
{
	for (size_t k = 0; k < fa->count; k++) {
		struct ed_error err;
		struct pair *p = &fa->pairs[k];
		if (ed_read_file(p->path, &p->data, &p->size, MAX_FILE_BYTES, &err) < 0) {
			fprintf(stderr, "espdeck %s: %s\n", cmd, err.msg);
			return CLI_EXIT_FAIL;
		}
		if (convert_hex(cmd, p) != CLI_EXIT_OK)
			return CLI_EXIT_FAIL;
		if (p->size == 0) {
			fprintf(stderr, "espdeck %s: %s is empty: nothing to write\n", cmd,
				p->path);
			return CLI_EXIT_FAIL;
		}
	}
	qsort(fa->pairs, fa->count, sizeof fa->pairs[0], cmp_pair);
	for (size_t k = 1; k < fa->count; k++) {
		const struct pair *a = &fa->pairs[k - 1], *b = &fa->pairs[k];
		/* Writes cover whole sectors, so files must not share one. */
		uint64_t end = writing ? ((uint64_t)a->addr + a->size + 4095) / 4096 * 4096
				       : (uint64_t)a->addr + a->size;
		if (end > b->addr) {
			fprintf(
			    stderr,
			    "espdeck %s: %s at 0x%x overlaps %s at 0x%x (it ends at 0x%llx%s)\n",
			    cmd, a->path, a->addr, b->path, b->addr, (unsigned long long)end,
			    writing ? ", rounded up to its sector" : "");
			return CLI_EXIT_USAGE;
		}
	}
	return CLI_EXIT_OK;
}

/* Before any port is opened: every file fits in the flash --flash_size names (esptool
 * refuses the same), or in the largest ESP8266 flash; the board's own size is checked
 * again once it is detected (job/job_run.c). One file that does not fit, nothing written. */
static int check_fit(const char *cmd, const struct flash_args *fa)
{
	const struct flash_size_info *fs = flash_size_by_name(fa->size);
	uint64_t limit = fs ? fs->bytes : 16u << 20;
	for (size_t k = 0; k < fa->count; k++) {
		const struct pair *p = &fa->pairs[k];
		if ((uint64_t)p->addr + p->size <= limit)
			continue;
		fprintf(stderr,
			"espdeck %s: %s at 0x%x (%zu bytes) does not fit in %s%s of flash; "
			"nothing was erased or written\n",
			cmd, p->path, p->addr, p->size, fs ? "the " : "the largest ",
			fs ? fs->name : "16MB");
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

/* Parses options and ADDR FILE pairs (esptool: pairs in any order), then loads them. */
static int parse_flash_args(int argc, char **argv, bool writing, struct flash_args *fa)
{
	const char *cmd = argv[0];
	memset(fa, 0, sizeof *fa);
	fa->mode = fa->size = fa->freq = "keep";
	fa->check_chip = -1;
	if (writing) {
		/* esptool's write_flash defaults come from its environment; checked below */
		const char *v;
		if ((v = getenv("ESPTOOL_FM")) && *v)
			fa->mode = v;
		if ((v = getenv("ESPTOOL_FS")) && *v)
			fa->size = v;
		if ((v = getenv("ESPTOOL_FF")) && *v)
			fa->freq = v;
	}
	const char *pos[2 * MAX_FILES];
	size_t npos = 0;
	int rc = parse_flash_opts(argc, argv, writing, fa, pos, &npos);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (npos == 0 || npos % 2)
		return usage(cmd, "%s",
			     "needs ADDR FILE pairs, for example: 0x0 boot.bin 0x1000 user1.bin");
	if ((rc = check_params(cmd, fa)) != CLI_EXIT_OK)
		return rc;
	for (size_t k = 0; k < npos; k += 2) {
		struct pair *p = &fa->pairs[fa->count];
		if (!parse_num(cmd, "address", pos[k], &p->addr, &rc))
			return rc;
		if (writing && p->addr % 4096)
			return usage(cmd,
				     "address %s is not a multiple of 0x1000: the ESP8266 ROM "
				     "writes whole 4 KiB sectors",
				     pos[k]);
		p->path = pos[k + 1];
		fa->count++;
	}
	if ((rc = load_pairs(cmd, writing, fa)) != CLI_EXIT_OK)
		return rc;
	return check_fit(cmd, fa);
}

static void flash_args_free(struct flash_args *fa)
{
	free_pairs(fa);
	free(fa);
}

/* Parsed write_flash/verify_flash arguments with their files loaded, or NULL with *rc set
 * (the message already printed). Free with flash_args_free(). */
static struct flash_args *flash_args_parse(const struct config *cfg, int argc, char **argv,
					   bool writing, int *rc)
{
	struct flash_args *fa = calloc(1, sizeof *fa);
	if (!fa) {
		*rc = CLI_EXIT_FAIL;
		return NULL;
	}
	*rc = parse_flash_args(argc, argv, writing, fa);
	if (*rc == CLI_EXIT_OK && !need_port(cfg, argv[0], rc))
		*rc = CLI_EXIT_USAGE;
	if (*rc != CLI_EXIT_OK) {
		flash_args_free(fa);
		return NULL;
	}
	return fa;
}

int cmd_write_flash(const struct config *cfg, int argc, char **argv)
{
	int rc;
	struct flash_args *fa = flash_args_parse(cfg, argc, argv, true, &rc);
	if (!fa)
		return rc;
	struct job_step steps[MAX_FILES + 1];
	size_t n = 0;
	if (fa->erase_all)
		steps[n++] = (struct job_step){.kind = JOB_STEP_ERASE_CHIP, .name = "chip"};
	for (size_t k = 0; k < fa->count; k++)
		steps[n++] = (struct job_step){.kind = JOB_STEP_WRITE,
					       .offset = fa->pairs[k].addr,
					       .size = (uint32_t)fa->pairs[k].size,
					       .data = fa->pairs[k].data,
					       .name = fa->pairs[k].path};
	struct job_spec spec;
	app_job_spec(cfg, &spec);
	spec.flash_mode = fa->mode;
	spec.flash_size = fa->size;
	spec.flash_freq = fa->freq;
	spec.verify = fa->verify;
	spec.no_compress = fa->no_compress;
	spec.diff = fa->diff;
	if (fa->no_stub)
		spec.stub = false;
	spec.erase_preserve = fa->preserve;
	spec.check_blocks = fa->check_blocks;
	if (fa->check_chip >= 0)
		spec.chip_check = fa->check_chip;
	spec.steps = steps;
	spec.step_count = n;
	rc = cli_run_job(cfg, &spec, NULL);
	flash_args_free(fa);
	return rc;
}

int cmd_verify_flash(const struct config *cfg, int argc, char **argv)
{
	int rc;
	struct flash_args *fa = flash_args_parse(cfg, argc, argv, false, &rc);
	if (!fa)
		return rc;
	struct job_step steps[MAX_FILES];
	for (size_t k = 0; k < fa->count; k++)
		steps[k] = (struct job_step){.kind = JOB_STEP_VERIFY,
					     .offset = fa->pairs[k].addr,
					     .size = (uint32_t)fa->pairs[k].size,
					     .data = fa->pairs[k].data,
					     .name = fa->pairs[k].path};
	struct job_spec spec;
	app_job_spec(cfg, &spec);
	spec.flash_mode = fa->mode;
	spec.flash_size = fa->size;
	spec.flash_freq = fa->freq;
	spec.steps = steps;
	spec.step_count = fa->count;
	rc = cli_run_job(cfg, &spec, NULL);
	flash_args_free(fa);
	return rc;
}
