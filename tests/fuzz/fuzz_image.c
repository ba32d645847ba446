/* SPDX-License-Identifier: MIT
 * Image parsing: v1 (0xE9), v2 (0xEA), gen_appbin bins, as files and as flash contents,
 * plus the dump inspector's structure annotations over the same bytes. Oracle: what the
 * parser records stays inside the buffer. */
#include "fuzz.h"

#include "dump/dump_annot.h"
#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct img_info info;
	struct ed_error err = {0};
	if (img_parse(data, size, &info, &err) == ED_OK) {
		FUZZ_CHECK(info.image_len <= size, "image_len %zu > %zu", info.image_len, size);
		for (size_t i = 0; i < info.segment_count; i++)
			FUZZ_CHECK((uint64_t)info.segments[i].data_offset +
					   info.segments[i].length <=
				       size,
				   "segment %zu runs past the buffer", i);
		(void)img_verify(&info, true, &err);
		(void)img_verify(&info, false, &err);
	}
	const struct flash_size_info *fs = NULL;
	(void)img_header_flash_size(data, size, &fs, &err);
	struct dump_annots an = {0};
	if (dump_annotate(data, size, 0x1000, 0x400000, &an, &err) == ED_OK)
		for (size_t i = 0; i < an.count; i++)
			FUZZ_CHECK(an.items[i].off <= size, "annotation past the end");
	dump_annots_free(&an);
	return 0;
}
