/* SPDX-License-Identifier: MIT
 * Proving a ROM-mode write (flasher.c's helper, not a public header): read-backs of the
 * blocks just written, and the proof that no frame the ROM may have run elsewhere changed
 * the flash outside the write (loader hazards). */
#pragma once

#include <stdint.h>

#include "core/error.h"
#include "engine/flasher.h"
#include "engine/loader.h"

/* One word of every block holding data read back (its last non-FF word); every block found
 * missing is noted as a hazard (and block 0 missing as a FLASH_BEGIN hazard).
 * ED_ERR_VERIFY names the first one. buf holds size bytes as written at offset. */
int proof_spot_check(struct loader *ld, uint32_t offset, const uint8_t *buf, uint32_t size,
		     struct ed_error *err);
/* Every byte read back and compared; each differing block noted as a hazard.
 * ED_ERR_VERIFY names the first difference. */
int proof_read_back(struct loader *ld, uint32_t offset, const uint8_t *buf, uint32_t size,
		    const struct flasher_progress *progress, struct ed_error *err);
/* Proves every hazard the loader noted for the write of buf (size bytes at offset, already
 * verified): ED_OK when each frame provably did not land elsewhere, else ED_ERR_VERIFY
 * naming the ranges that may have changed and what to run. */
int proof_settle(struct loader *ld, uint32_t offset, const uint8_t *buf, uint32_t size,
		 const struct flasher_write_opts *opts, struct ed_error *err);
