/* SPDX-License-Identifier: MIT
 * md5.h for the xtensa builds of the stub: the mask ROM's MD5 (reference §10.1: MD5Init,
 * MD5Update and MD5Final(digest, ctx) over an 88-byte context) in place of src/core/md5.c,
 * whose code and tables would add about 1 KiB to every upload. The host build of the core
 * keeps md5.c; the QEMU fake ROM implements these three with md5.c (qemu/fake_md5.c). */
#include "core/md5.h"
#include "rom.h"

_Static_assert(sizeof(struct md5) == 88, "struct md5 must be the ROM's 88-byte MD5 context");

void md5_init(struct md5 *ctx)
{
	MD5Init(ctx);
}

void md5_update(struct md5 *ctx, const void *data, size_t len)
{
	MD5Update(ctx, data, (uint32_t)len);
}

void md5_final(struct md5 *ctx, uint8_t digest[16])
{
	MD5Final(digest, ctx);
}
