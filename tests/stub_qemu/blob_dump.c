/* SPDX-License-Identifier: MIT
 * Writes the flasher stub that this espdeck embeds (stub_blob_builtin()) as files QEMU can
 * load, for test_blob.py: DIR/segment<i>.bin per segment, and on stdout one line per segment
 * "segment<i>.bin ADDR" followed by "entry ADDR". Checks on the way that the blob's SHA-256
 * is the identity of its segments and entry (what the virtual board compares).
 * Exit 0; 2 when the build has no blob (no cross compiler); 1 on any error. */
#include <stdio.h>
#include <string.h>

#include "stub/stub_blob.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: stub-blob-dump DIR\n");
		return 1;
	}
	const struct stub_blob *blob = stub_blob_builtin();
	if (!blob) {
		fprintf(stderr, "stub-blob-dump: this build has no embedded stub\n");
		return 2;
	}
	uint8_t id[32];
	stub_blob_identity(blob->segments, blob->n_segments, blob->entry, id);
	if (memcmp(id, blob->sha256, sizeof id) != 0) {
		fprintf(stderr, "stub-blob-dump: the blob's SHA-256 is not its identity\n");
		return 1;
	}
	for (size_t i = 0; i < blob->n_segments; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/segment%zu.bin", argv[1], i);
		FILE *f = fopen(path, "wb");
		const struct stub_segment *seg = &blob->segments[i];
		if (!f || fwrite(seg->data, 1, seg->size, f) != seg->size || fclose(f) != 0) {
			perror(path);
			return 1;
		}
		printf("segment%zu.bin 0x%08x\n", i, seg->addr);
	}
	printf("entry 0x%08x\n", blob->entry);
	return 0;
}
