/* SPDX-License-Identifier: MIT
 * The fake ROM's MD5Init, MD5Update and MD5Final (reference §10.1), on src/core/md5.c: the
 * same 88-byte context and argument order as the mask ROM's, so that the stub's calls
 * through md5_rom.c run in QEMU as on the chip. A context that is not word aligned stops
 * the run (0x7D): the ROM reads and writes its state as words. */
#include <stdint.h>

#include "core/md5.h"

void fake_rom_misuse(const char *what, uint32_t value);

static struct md5 *context(void *ctx)
{
	if ((uintptr_t)ctx & 3)
		fake_rom_misuse("MD5 context not word aligned at ", (uint32_t)(uintptr_t)ctx);
	return ctx;
}

void fake_MD5Init(void *ctx);
void fake_MD5Init(void *ctx)
{
	md5_init(context(ctx));
}

void fake_MD5Update(void *ctx, const void *data, uint32_t len);
void fake_MD5Update(void *ctx, const void *data, uint32_t len)
{
	md5_update(context(ctx), data, len);
}

void fake_MD5Final(uint8_t digest[16], void *ctx);
void fake_MD5Final(uint8_t digest[16], void *ctx)
{
	md5_final(context(ctx), digest);
}
