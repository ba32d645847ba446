/* SPDX-License-Identifier: MIT
 * Private to src/stub: the blob the build embedded. The build compiles either the C data
 * generated from the cross-compiled stub (firmware/stub/tools/stubelf.py embed) or
 * stub_blob_none.c, which returns NULL (no xtensa cross compiler). */
#pragma once

#include "stub/stub_blob.h"

/* The embedded blob, static storage, or NULL. */
const struct stub_blob *stub_blob_embedded(void);
