/* SPDX-License-Identifier: MIT
 * espdeck-sim: the virtual ESP8266 in ROM boot mode as a program, on TCP (raw bytes, like
 * ser2net: socket://127.0.0.1:PORT) or on a pseudo-terminal. Options are the board's
 * (sim_config_set) plus the endpoint ones; see espdeck-sim(1). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "sim/serve.h"
#include "sim/sim.h"
#include "version.h"

enum {
	OPT_TCP = 1000,
	OPT_RFC2217,
	OPT_PTY,
	OPT_PORT_FILE,
	OPT_ONCE,
	OPT_KEEP_BOARD,
	OPT_QUIET,
	OPT_HELP,
	OPT_VERSION
};

/* Board options: the long name is the sim_config_set() key. */
static const struct option options[] = {
    {"flash-size", required_argument, NULL, 0},
    {"flash-id", required_argument, NULL, 0},
    {"mac", required_argument, NULL, 0},
    {"chip", required_argument, NULL, 0},
    {"crystal", required_argument, NULL, 0},
    {"flash", required_argument, NULL, 0},
    {"baud", required_argument, NULL, 0},
    {"max-baud", required_argument, NULL, 0},
    {"latency-ms", required_argument, NULL, 0},
    {"fast", no_argument, NULL, 0},
    {"seed", required_argument, NULL, 0},
    {"fault", required_argument, NULL, 0},
    {"boot-log", no_argument, NULL, 0},
    {"need-reset", no_argument, NULL, 0},
    {"wp-low", no_argument, NULL, 0},
    {"sync-after", required_argument, NULL, 0},
    {"trace", required_argument, NULL, 0},
    {"page-us", required_argument, NULL, 0},
    {"sector-erase-us", required_argument, NULL, 0},
    {"block32-erase-us", required_argument, NULL, 0},
    {"block64-erase-us", required_argument, NULL, 0},
    {"chip-erase-us", required_argument, NULL, 0},
    {"tcp", required_argument, NULL, OPT_TCP},
    {"rfc2217", required_argument, NULL, OPT_RFC2217},
    {"pty", no_argument, NULL, OPT_PTY},
    {"port-file", required_argument, NULL, OPT_PORT_FILE},
    {"once", no_argument, NULL, OPT_ONCE},
    {"keep-board", no_argument, NULL, OPT_KEEP_BOARD},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
	fputs("usage: espdeck-sim (--tcp|--rfc2217 [HOST:]PORT [--port-file F] [--once] "
	      "[--keep-board] | --pty)\n"
	      "                   [options]\n"
	      "\n"
	      "A virtual ESP8266 in ROM boot mode. Each --tcp connection is a reset into\n"
	      "download mode; connect with socket://127.0.0.1:PORT (espdeck, esptool).\n"
	      "--rfc2217 serves RFC 2217: the board runs its firmware until DTR/RTS reset it\n"
	      "through a two-transistor auto-reset model; connect with rfc2217://HOST:PORT.\n"
	      "\n"
	      "Board:   --flash-size 4MB  --flash-id 0x1640ef  --mac 18:fe:34:a1:b2:c3\n"
	      "         --chip esp8266ex|esp8285  --crystal 26|40  --flash FILE  --wp-low\n"
	      "Timing:  --baud 115200  --latency-ms MS  --fast  --page-us US\n"
	      "         --sector-erase-us US  --block32-erase-us US  --block64-erase-us US\n"
	      "         --chip-erase-us US\n"
	      "Boot:    --boot-log  --need-reset  --sync-after N\n"
	      "Faults:  --seed N  --fault drop=P,corrupt=P,stall=MS@P,disconnect-after=BYTES,\n"
	      "         seq-flip=P|#N[+D][:BIT],hdr-flip=..,op-flip=..,addr-flip=..,dup-frame=..,\n"
	      "         dup-reply=..,late=MS@P|#N (targeted faults, espdeck-sim(1))\n"
	      "Debug:   --trace FILE  --quiet\n"
	      "See espdeck-sim(1).\n",
	      f);
}

int main(int argc, char **argv)
{
	struct sim_config cfg = SIM_CONFIG_DEFAULT;
	struct serve_options so = {0};
	int c, index = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, &index)) != -1) {
		struct ed_error err;
		switch (c) {
		case 0:
			if (sim_config_set(&cfg, options[index].name, optarg, &err) < 0) {
				fprintf(stderr, "espdeck-sim: %s\n", err.msg);
				return 2;
			}
			break;
		case OPT_TCP:
			so.tcp = optarg;
			break;
		case OPT_RFC2217:
			so.rfc2217 = optarg;
			break;
		case OPT_PTY:
			so.pty = true;
			break;
		case OPT_PORT_FILE:
			so.port_file = optarg;
			break;
		case OPT_ONCE:
			so.once = true;
			break;
		case OPT_KEEP_BOARD:
			so.keep_board = true;
			break;
		case OPT_QUIET:
			so.quiet = true;
			break;
		case OPT_HELP:
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("espdeck-sim %s\n", ESPDECK_VERSION);
			return 0;
		default:
			fprintf(stderr, "espdeck-sim: unknown or incomplete option '%s'\n",
				argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "espdeck-sim: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if ((so.tcp != NULL) + (so.rfc2217 != NULL) + so.pty != 1) {
		fprintf(stderr, "espdeck-sim: give exactly one endpoint: --tcp [HOST:]PORT, "
				"--rfc2217 [HOST:]PORT or --pty\n");
		return 2;
	}
	if (cfg.flash_state) {
		fprintf(stderr, "espdeck-sim: --flash state is for sim:// ports in espdeck; "
				"give espdeck-sim a file: --flash board.bin\n");
		return 2;
	}
	struct sim_board *b;
	struct ed_error err;
	if (sim_board_create(&cfg, &b, &err) < 0) {
		fprintf(stderr, "espdeck-sim: %s\n", err.msg);
		return 1;
	}
	int rc = serve_run(b, &so);
	sim_board_destroy(b);
	return rc;
}
