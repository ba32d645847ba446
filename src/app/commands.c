/* SPDX-License-Identifier: MIT
 * The command table and the usage summary (app/commands.h). */
#include "app/commands.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app/config.h"
#include "version.h"

/* Each command's options, as `espdeck COMMAND --help` prints them (espdeck(1) has the
 * details); one option per line, the text after the name aligned at column 24. */
#define FLASH_OPTS                                                                                 \
	"  -fm, --flash_mode M   qio, qout, dio, dout (keep: as the file has it)\n"                \
	"  -fs, --flash_size S   256KB..16MB, 2MB-c1, 4MB-c1, old names like 32m-c1,\n"            \
	"                        detect (from the flash id) or keep\n"                             \
	"  -ff, --flash_freq F   40m, 26m, 20m, 80m or keep\n"

static const struct app_command commands[] = {
    {"chip_id", "", "connect and print chip type, chip id and MAC", NULL},
    {"read_mac", "", "print the MAC address", NULL},
    {"flash_id", "", "print the flash JEDEC id and size", NULL},
    {"read_flash_status", "[--bytes 1|2|3]", "print the flash status register",
     "  --bytes 1|2|3         how many status bytes (default 2)\n"},
    {"write_flash_status", "[--bytes N] [--non-volatile] VALUE", "write the flash status register",
     "  --bytes 1|2|3         how many status bytes (default 2)\n"
     "  --non-volatile        keep the value over a power cycle (WREN, not volatile)\n"},
    {"erase_flash", "", "erase the whole flash chip", NULL},
    {"erase_region", "ADDR SIZE", "erase a sector-aligned region",
     "  ADDR, SIZE            multiples of 4096 (SIZE may be ALL: to the end)\n"},
    {"write_flash", "[options] ADDR FILE [ADDR FILE...]", "write files to flash",
     FLASH_OPTS "  -e, --erase-all       erase the whole chip first\n"
		"  --verify              read every file back and compare (by MD5 on the stub)\n"
		"  -z, --compress        send zlib-compressed (the default on the stub)\n"
		"  -u, --no-compress     send the bytes as they are\n"
		"  --diff                write only the sectors that changed (stub)\n"
		"  --erase-strategy S    exact (default) or preserve: how to live with the\n"
		"                        ROM's erase bug\n"
		"  --check-blocks, -p, --no-progress, --force  accepted (esptool's)\n"},
    {"read_flash", "ADDR SIZE FILE", "dump flash to a file",
     "  SIZE                  a byte count, or ALL (to the end of the flash)\n"
     "  FILE                  written once the whole read is proven; - for stdout\n"},
    {"verify_flash", "ADDR FILE [ADDR FILE...]", "compare flash with files",
     FLASH_OPTS "  --diff                accepted and ignored (esptool's)\n"},
    {"ports", "", "list serial ports, marking ESP USB bridges", NULL},
    {"read_mem", "ADDR", "read a word of memory or a register", NULL},
    {"write_mem", "ADDR VALUE [MASK]", "write a word (bits under MASK)",
     "  MASK                  the bits to change (default 0xFFFFFFFF)\n"},
    {"dump_mem", "ADDR SIZE FILE", "dump memory to a file", NULL},
    {"load_ram", "FILE", "load a v1 image into RAM and run it", NULL},
    {"run", "", "leave the loader and run the firmware in flash", NULL},
    {"read_flash_sfdp", "ADDR BYTES", "read the flash's SFDP table",
     "  BYTES                 1 to 4\n"},
    {"elf2image", "[options] ELF", "make firmware images from an ELF",
     "  --version 1|2|3, -e  image version: 1 (default, two files), 2 (OTA), 3 (RTOS\n"
     "                        SDK v3)\n"
     "  -o, --output OUT      output file (version 1: a name prefix)\n" FLASH_OPTS
     "  --use-segments        take the ELF's program headers instead of its sections\n"},
    {"make_ota", "ELF --app 1|2 -o FILE", "make an SDK OTA user1/user2 bin",
     "  --app 1|2             which slot the ELF was linked for\n"
     "  --boot-mode 0|1|2     the boot loader's mode (default 2)\n"
     "  -o, --output FILE     the bin to write\n" FLASH_OPTS},
    {"image_info", "[--version 2] FILE", "describe and verify a firmware image",
     "  --version 1|2, -v     1: espdeck's description (default); 2: esptool's\n"
     "                        extended listing\n"},
    {"merge_bin", "-o OUT [options] ADDR FILE...", "merge files into one image (esptool's)",
     "  -o, --output OUT      the merged file\n"
     "  -f, --format raw|hex  raw bytes (default) or Intel HEX\n"
     "  -t, --target-offset A the address OUT will be flashed at (raw)\n"
     "  --fill-flash-size S   pad with 0xFF up to this flash size (raw)\n" FLASH_OPTS},
    {"layouts", "", "list flash-layout presets", NULL},
    {"layout", "show NAME", "show a preset as a table and a flash map",
     "  --firmware-dir DIR    where the preset's files are\n"},
    {"write_layout", "NAME [--firmware-dir D] [--dry-run]",
     "check a preset, then erase, write and verify it",
     "  --firmware-dir DIR    where the preset's files are (default firmware)\n"
     "  --no-verify           skip the read-back of every region\n"
     "  --dry-run             print the plan and touch nothing\n"},
    {"station", "PRESET [--port URL ...] [--watch DIR] [--rewrite]",
     "the flashing station: a preset on every board that appears",
     "  --port URL            a remote or other port to poll (repeatable, @NAME lists)\n"
     "  --watch DIR           the folder to watch for boards (default /dev/serial/by-path)\n"
     "  --rewrite             write a board again even if the journal has it done\n"},
    {"hexview", "FILE [--base ADDR] [--compare FILE2] [--dump]", "inspect a flash dump",
     "  --base ADDR           the flash address of the file's first byte\n"
     "  --compare FILE2       mark the bytes that differ from FILE2\n"
     "  --dump                print text instead of the interactive viewer\n"
     "  --structure           name what the dump holds (images, init data, ...)\n"
     "  --width 8|16|32       bytes a row\n"
     "  --offsets             show file offsets instead of flash addresses\n"},
    {"monitor", "[--baud B] [--time S] [--expect RULES]",
     "print a board's output, decoding its boot log",
     "  --reset               hard-reset the board first (RTS)\n"
     "  --baud B              the application's rate (default 115200)\n"
     "  --boot-baud B         the boot log's rate (default 74880)\n"
     "  --time S              stop after S seconds\n"
     "  --expect RULES        what a good boot prints, e.g. 'jump to run user1'\n"
     "  --verbose             show unreadable bytes escaped\n"},
    {"journal", "[--mac M] [--result R] [--since D] [--until D]",
     "list the journal of flashed boards",
     "  --journal FILE        the journal to read\n"
     "  --mac M               one board (any spelling of the MAC)\n"
     "  --result R            ok, failed or cancelled\n"
     "  --since D, --until D  YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]\n"
     "  --file F              jobs that wrote file F\n"
     "  --csv                 print CSV with every file's MD5\n"},
    {"publish", "FILE... --to DIR|[user@]host:path",
     "verify OTA files and copy them to the update server",
     "  --to DIR|[user@]host:path  where the update server reads them\n"
     "  --scp PROGRAM         copy with PROGRAM instead of scp\n"},
    {"config", "", "print every setting, its value and where it came from", NULL},
    {"version", "", "print the version", NULL},
    {"help", "[COMMAND]", "print this summary, or one command's usage", NULL},
};

size_t app_command_count(void)
{
	return sizeof commands / sizeof commands[0];
}

const struct app_command *app_command_get(size_t i)
{
	return i < app_command_count() ? &commands[i] : NULL;
}

const struct app_command *app_command_find(const char *word)
{
	for (size_t i = 0; i < app_command_count(); i++)
		if (config_word_is(word, commands[i].name))
			return &commands[i];
	return NULL;
}

void app_print_version(void)
{
	printf("espdeck %s\n", ESPDECK_VERSION);
}

void app_print_command_usage(const struct app_command *c)
{
	printf("usage: espdeck [global options] %s%s%s\n\n%c%s.\n", c->name, c->args[0] ? " " : "",
	       c->args, c->summary[0] - 'a' + 'A', c->summary + 1);
	if (c->options)
		printf("\n%s", c->options);
	printf("\nGlobal options (--port, --baud, ...): espdeck --help. Details: espdeck(1).\n");
}

bool app_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return false;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

/* Optimal string alignment distance (Levenshtein plus swapping two neighbours, the
 * commonest typo: "wirte"), '-' and '_' alike; capped names (64) are far enough. */
static size_t typo_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return SIZE_MAX;
	size_t d[64][64];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			char x = a[i - 1] == '-' ? '_' : a[i - 1];
			char y = b[j - 1] == '-' ? '_' : b[j - 1];
			size_t best = d[i - 1][j - 1] + (x != y);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && x == (b[j - 2] == '-' ? '_' : b[j - 2]) &&
			    y == (a[i - 2] == '-' ? '_' : a[i - 2]) && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

const char *app_suggest(const char *word, const char *const *names)
{
	/* Near enough: at most one edit in four letters (two for short words), and
	 * no tie between two names. */
	size_t limit = strlen(word) / 4 > 2 ? strlen(word) / 4 : 2;
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	bool tie = false;
	for (size_t i = 0; names[i]; i++) {
		size_t dist = typo_distance(word, names[i]);
		if (dist < best_d) {
			best = names[i];
			best_d = dist;
			tie = false;
		} else if (dist == best_d) {
			tie = true;
		}
	}
	return best && best_d <= limit && !tie && best_d < strlen(word) ? best : NULL;
}

const char *app_command_suggest(const char *word)
{
	const char *names[sizeof commands / sizeof commands[0] + 1];
	for (size_t i = 0; i < app_command_count(); i++)
		names[i] = commands[i].name;
	names[app_command_count()] = NULL;
	return app_suggest(word, names);
}

void app_print_usage(void)
{
	printf(
	    "usage: espdeck [global options] [COMMAND [ARGS...]]\n"
	    "\n"
	    "Without a command espdeck starts the bench screen (try: espdeck --port sim://).\n"
	    "Commands accept esptool's syntax: replace `esptool.py` by `espdeck`.\n"
	    "\n"
	    "Global options:\n"
	    "  -p, --port PORT      serial device, socket://HOST:PORT, rfc2217://HOST:PORT or\n"
	    "                       sim://[?opts]; repeat it, or give 'all', to run on several\n"
	    "                       boards at once;\n"
	    "                       @NAME = the config file's [remote NAME] list\n"
	    "  -b, --baud BAUD      line speed (default 115200)\n"
	    "  --before NAME        default_reset, no_reset, manual, no_reset_no_sync (- or _)\n"
	    "  --after NAME         hard_reset, soft_reset, no_reset, no_reset_stub\n"
	    "  --chip NAME          auto or esp8266\n"
	    "  --connect-attempts N reset-and-sync attempts (default 7; 0 or less = forever)\n"
	    "  --custom-reset-sequence SEQ  esptool's notation, e.g. D0|R1|W0.1|D1|R0|W0.05|D0\n"
	    "  -t, --trace          print the protocol trace to stderr\n"
	    "  --trace-file FILE    write the protocol trace to FILE\n"
	    "  --firmware-dir DIR   where presets look for files first (espdeck config shows all)\n"
	    "  --config FILE        settings file (default ~/.config/espdeck/espdeck.conf)\n"
	    "  --boot-check         after a hard reset, listen to the boot and judge it\n"
	    "  --expect RULE        what a good boot prints ('jump to run user1'), repeatable\n"
	    "  --boot-time MS       how long to listen (default 3000); --app-baud BAUD\n"
	    "  --journal FILE       journal of every board (default for writes:\n"
	    "                       $XDG_STATE_HOME/espdeck/journal.csv); --no-journal\n"
	    "  --timestamps         start each line of piped output with the time\n"
	    "  --log FILE           append every line to FILE, with an ISO 8601 time\n"
	    "  -v, -q               more / less output\n"
	    "  -V, --version        print the version; COMMAND --help: that command's usage\n"
	    "\n"
	    "Commands:\n");
	for (size_t i = 0; i < app_command_count(); i++) {
		char head[64];
		snprintf(head, sizeof head, "%s %s", commands[i].name, commands[i].args);
		if (strlen(head) > 34)
			printf("  %s\n  %-34s %s\n", head, "", commands[i].summary);
		else
			printf("  %-34s %s\n", head, commands[i].summary);
	}
	printf("\nSee espdeck(1) for every option and the exit codes.\n");
}
