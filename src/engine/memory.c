/* SPDX-License-Identifier: MIT
 * RAM and register access through the ROM loader (memory.h). */
#include "engine/memory.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "proto/packet.h"

/* esptool's mem_end_rom_timeout (reference §2.2). */
#define MEM_END_ROM_TIMEOUT_US 200000u

int memory_read_word(struct loader *ld, uint32_t addr, uint32_t *value, struct ed_error *err)
{
	return loader_read_reg(ld, addr, value, err);
}

int memory_write_word(struct loader *ld, uint32_t addr, uint32_t value, uint32_t mask,
		      uint32_t delay_us, struct ed_error *err)
{
	uint8_t d[16];
	put_le32(d, addr);
	put_le32(d + 4, value);
	put_le32(d + 8, mask);
	put_le32(d + 12, delay_us);
	int rc = loader_command(ld, PKT_WRITE_REG, d, sizeof d, 0,
				LOADER_DEFAULT_TIMEOUT_US + delay_us, NULL, err);
	if (rc < 0)
		ed_error_prefix(err, "writing 0x%08x to 0x%08x", value, addr);
	return rc;
}

int memory_dump(struct loader *ld, uint32_t addr, uint8_t *buf, size_t size,
		memory_progress_fn progress, void *user, struct ed_error *err)
{
	if (size % 4)
		return ed_fail(err, ED_ERR_ARG,
			       "a memory dump reads whole words: %zu is not a "
			       "multiple of 4",
			       size);
	if ((uint64_t)addr + size > 0x100000000ull)
		return ed_fail(err, ED_ERR_ARG, "0x%08x + %zu bytes runs past the address space",
			       addr, size);
	for (size_t done = 0; done < size; done += 4) {
		if (loader_cancelled(ld))
			return loader_fail_cancelled(err, "the memory dump");
		uint32_t w;
		int rc = loader_read_reg(ld, addr + (uint32_t)done, &w, err);
		if (rc < 0)
			return rc;
		put_le32(buf + done, w);
		if (progress && ((done + 4) % 1024 == 0 || done + 4 == size))
			progress(user, done + 4, size);
	}
	return ED_OK;
}

int memory_load(struct loader *ld, uint32_t addr, const uint8_t *data, size_t len,
		struct ed_error *err)
{
	uint32_t blocks = (uint32_t)((len + MEMORY_RAM_BLOCK - 1) / MEMORY_RAM_BLOCK);
	uint8_t begin[16];
	put_le32(begin, (uint32_t)len);
	put_le32(begin + 4, blocks);
	put_le32(begin + 8, MEMORY_RAM_BLOCK);
	put_le32(begin + 12, addr);
	int rc = loader_command(ld, PKT_MEM_BEGIN, begin, sizeof begin, 0,
				LOADER_DEFAULT_TIMEOUT_US, NULL, err);
	if (rc < 0) {
		ed_error_prefix(err, "starting the RAM download at 0x%08x", addr);
		return rc;
	}
	uint8_t *pkt = malloc(16 + MEMORY_RAM_BLOCK);
	if (!pkt)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory for a RAM block");
	for (uint32_t seq = 0; seq < blocks && rc == ED_OK; seq++) {
		size_t off = (size_t)seq * MEMORY_RAM_BLOCK;
		size_t n = len - off < MEMORY_RAM_BLOCK ? len - off : MEMORY_RAM_BLOCK;
		put_le32(pkt, (uint32_t)n);
		put_le32(pkt + 4, seq);
		put_le32(pkt + 8, 0);
		put_le32(pkt + 12, 0);
		memcpy(pkt + 16, data + off, n);
		if (loader_cancelled(ld))
			rc = loader_fail_cancelled(err, "the RAM download");
		else if ((rc = loader_command(ld, PKT_MEM_DATA, pkt, 16 + n,
					      pkt_checksum(data + off, n),
					      LOADER_DEFAULT_TIMEOUT_US, NULL, err)) < 0)
			ed_error_prefix(err, "writing RAM block %u at 0x%08x", seq,
					addr + (uint32_t)off);
	}
	free(pkt);
	return rc;
}

int memory_run(struct loader *ld, uint32_t entry, struct ed_error *err)
{
	uint8_t d[8];
	put_le32(d, entry == 0);
	put_le32(d + 4, entry);
	struct ed_error e;
	int rc = loader_command(ld, PKT_MEM_END, d, sizeof d, 0, MEM_END_ROM_TIMEOUT_US, NULL, &e);
	if (rc == ED_ERR_CANCELLED || rc == ED_ERR_DISCONNECTED) {
		*err = e;
		return rc;
	}
	return ED_OK; /* esptool ignores the ROM's reply here: the jump may cut it off */
}
