/* SPDX-License-Identifier: MIT
 * The command table and the usage summary (app/commands.h). */
#include "app/commands.h"

#include <stdio.h>
#include <string.h>

#include "app/config.h"

static const struct app_command commands[] = {
    {"chip_id", "", "connect and print chip type, chip id and MAC"},
    {"read_mac", "", "print the MAC address"},
    {"flash_id", "", "print the flash JEDEC id and size"},
    {"erase_flash", "", "erase the whole flash chip"},
    {"erase_region", "ADDR SIZE", "erase a sector-aligned region"},
    {"write_flash", "[options] ADDR FILE [ADDR FILE...]", "write files to flash"},
    {"read_flash", "ADDR SIZE FILE", "dump flash to a file"},
    {"verify_flash", "ADDR FILE [ADDR FILE...]", "compare flash with files"},
    {"ports", "", "list serial ports, marking ESP USB bridges"},
    {"read_mem", "ADDR", "read a word of memory or a register"},
    {"write_mem", "ADDR VALUE [MASK]", "write a word (bits under MASK)"},
    {"dump_mem", "ADDR SIZE FILE", "dump memory to a file"},
    {"load_ram", "FILE", "load a v1 image into RAM and run it"},
    {"run", "", "leave the loader and run the firmware in flash"},
    {"read_flash_sfdp", "ADDR BYTES", "read the flash's SFDP table"},
    {"elf2image", "[options] ELF", "make firmware images from an ELF"},
    {"make_ota", "ELF --app 1|2 -o FILE", "make an SDK OTA user1/user2 bin"},
    {"image_info", "[--version 2] FILE", "describe and verify a firmware image"},
    {"merge_bin", "-o OUT [options] ADDR FILE...", "merge files into one image (esptool's)"},
    {"layouts", "", "list flash-layout presets"},
    {"layout", "show NAME", "show a preset as a table and a flash map"},
    {"write_layout", "NAME [--firmware-dir D] [--dry-run]",
     "check a preset, then erase, write and verify it"},
    {"hexview", "FILE [--base ADDR] [--compare FILE2] [--dump]", "inspect a flash dump"},
    {"monitor", "[--baud B] [--time S] [--expect RULES]",
     "print a board's output, decoding its boot log"},
    {"journal", "[--mac M] [--result R] [--since D] [--until D]",
     "list the journal of flashed boards"},
    {"publish", "FILE... --to DIR|[user@]host:path",
     "verify OTA files and copy them to the update server"},
    {"version", "", "print the version"},
    {"help", "", "print this summary"},
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

void app_print_usage(void)
{
	printf("usage: espdeck [global options] [COMMAND [ARGS...]]\n"
	       "\n"
	       "Without a command espdeck starts the bench screen (try: espdeck --port sim://).\n"
	       "Commands accept esptool's syntax: replace `esptool.py` by `espdeck`.\n"
	       "\n"
	       "Global options:\n"
	       "  -p, --port PORT      serial device, socket://HOST:PORT, rfc2217://HOST:PORT or\n"
	       "                       sim://[?opts]; repeat it, or give 'all', to run on several\n"
	       "                       boards at once\n"
	       "  -b, --baud BAUD      line speed (default 115200)\n"
	       "  --before NAME        default_reset, no_reset, manual, no_reset_no_sync (- or _)\n"
	       "  --after NAME         hard_reset, soft_reset, no_reset\n"
	       "  --chip NAME          auto or esp8266\n"
	       "  --connect-attempts N reset-and-sync attempts (default 7; 0 or less = forever)\n"
	       "  --custom-reset-sequence SEQ  esptool's notation, e.g. D0|R1|W0.1|D1|R0|W0.05|D0\n"
	       "  --trace FILE         write a protocol trace\n"
	       "  --firmware-dir DIR   where presets find their files (default firmware)\n"
	       "  --boot-check         after a hard reset, listen to the boot and judge it\n"
	       "  --expect RULE        what a good boot prints ('jump to run user1'), repeatable\n"
	       "  --boot-time MS       how long to listen (default 3000); --app-baud BAUD\n"
	       "  --journal FILE       journal of every board (default for writes:\n"
	       "                       $XDG_STATE_HOME/espdeck/journal.csv); --no-journal\n"
	       "  --timestamps         start each line of piped output with the time\n"
	       "  -v, -q               more / less output\n"
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
