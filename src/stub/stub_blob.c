/* SPDX-License-Identifier: MIT
 * The embedded flasher stub and the identity of an upload (stub_blob.h). */
#include "stub/stub_blob.h"

#include "stub/stub_blob_int.h"

#include "core/sha256.h"
#include "core/util.h"

const struct stub_blob *stub_blob_builtin(void)
{
	return stub_blob_embedded();
}

void stub_blob_identity(const struct stub_segment *segs, size_t n, uint32_t entry, uint8_t out[32])
{
	struct sha256 ctx;
	uint8_t word[4];
	sha256_init(&ctx);
	for (size_t i = 0; i < n; i++) {
		put_le32(word, segs[i].addr);
		sha256_update(&ctx, word, sizeof word);
		put_le32(word, segs[i].size);
		sha256_update(&ctx, word, sizeof word);
		sha256_update(&ctx, segs[i].data, segs[i].size);
	}
	put_le32(word, entry);
	sha256_update(&ctx, word, sizeof word);
	sha256_final(&ctx, out);
}
