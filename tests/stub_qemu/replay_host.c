/* SPDX-License-Identifier: MIT
 * The host build of a stub session replay (firmware/stub/hal_replay.h): the same core and
 * the same deterministic HAL as the QEMU build (hal_qemu.c), compiled by the host compiler,
 * with the flash in memory. The QEMU equivalence test (test_replay.py) compares its output
 * with the QEMU build's.
 *
 *   stub-replay-host IN FLASH OUT      feeds IN; FLASH is read, then rewritten with the
 *                                      final flash; OUT gets every byte the stub sent.
 * Exit code: how the session ended (enum replay_end), 1 on a usage or file error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stub.h"
#include "hal_replay.h"

/* hal_replay.h hands every HAL function the struct replay; the host's part follows it. */
struct host_replay {
	struct replay r;
	uint8_t *flash;
	FILE *out;
};

static struct host_replay *H(void *ctx)
{
	return (struct host_replay *)ctx;
}

static void host_tx(void *ctx, const uint8_t *data, uint32_t len)
{
	if (fwrite(data, 1, len, H(ctx)->out) != len) {
		perror("stub-replay-host: writing the output");
		exit(1);
	}
}

/* The ROM's checks as the fake ROM makes them: aligned, inside the flash. */
static int range_ok(struct host_replay *h, uint32_t addr, uint32_t len, const void *buf)
{
	if ((addr | len | (uint32_t)(uintptr_t)buf) & 3) {
		fprintf(stderr, "stub-replay-host: unaligned flash access at 0x%08x (%u bytes)\n",
			addr, len);
		exit(0x7D);
	}
	return addr <= h->r.flash_size && len <= h->r.flash_size - addr;
}

static int host_flash_read(void *ctx, uint32_t addr, uint32_t *dst, uint32_t len)
{
	struct host_replay *h = H(ctx);
	if (!range_ok(h, addr, len, dst))
		return 1;
	memcpy(dst, h->flash + addr, len);
	return 0;
}

static int host_flash_write(void *ctx, uint32_t addr, const uint32_t *src, uint32_t len)
{
	struct host_replay *h = H(ctx);
	if (!range_ok(h, addr, len, src))
		return 1;
	const uint8_t *s = (const uint8_t *)src;
	for (uint32_t i = 0; i < len; i++)
		h->flash[addr + i] &= s[i];
	return 0;
}

static int erase(struct host_replay *h, uint32_t addr, uint32_t len)
{
	if (!range_ok(h, addr, len, NULL))
		return 1;
	memset(h->flash + addr, 0xFF, len);
	return 0;
}

static int host_erase_sector(void *ctx, uint32_t sector)
{
	return erase(H(ctx), sector * 4096u, 4096);
}

static int host_erase_block(void *ctx, uint32_t block)
{
	return erase(H(ctx), block * 65536u, 65536);
}

static int host_erase_chip(void *ctx)
{
	return erase(H(ctx), 0, H(ctx)->r.flash_size);
}

static uint8_t *load(const char *path, long *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	if (f && fseek(f, 0, SEEK_END) == 0 && (*size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)*size + 1)) &&
	    fread(data, 1, (size_t)*size, f) == (size_t)*size) {
		fclose(f);
		return data;
	}
	fprintf(stderr, "stub-replay-host: cannot read %s\n", path);
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: stub-replay-host IN FLASH OUT\n");
		return 1;
	}
	long in_size, flash_size;
	uint8_t *in = load(argv[1], &in_size);
	static struct host_replay h;
	static struct stub core;
	struct stub_hal hal;
	h.flash = load(argv[2], &flash_size);
	h.out = fopen(argv[3], "wb");
	if (!h.out) {
		perror(argv[3]);
		return 1;
	}
	replay_init(&h.r, (uint32_t)flash_size);
	replay_hal(&hal, &h.r);
	hal.tx = host_tx;
	hal.flash_read = host_flash_read;
	hal.flash_write = host_flash_write;
	hal.flash_erase_sector = host_erase_sector;
	hal.flash_erase_block = host_erase_block;
	hal.flash_erase_chip = host_erase_chip;
	stub_init(&core, &hal);
	stub_start(&core);
	/* The QEMU build reads the input 1 KiB at a time; the pieces fed are the same. */
	uint32_t end = 0;
	for (long pos = 0; pos < in_size && !end; pos += 1024) {
		long n = in_size - pos < 1024 ? in_size - pos : 1024;
		end = replay_feed(&h.r, &core, in + pos, (uint32_t)n);
	}
	FILE *f = fopen(argv[2], "wb");
	if (fclose(h.out) != 0 || !f ||
	    fwrite(h.flash, 1, (size_t)flash_size, f) != (size_t)flash_size || fclose(f) != 0) {
		fprintf(stderr, "stub-replay-host: cannot write the results\n");
		return 1;
	}
	free(in);
	free(h.flash);
	return (int)end;
}
