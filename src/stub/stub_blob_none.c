/* SPDX-License-Identifier: MIT
 * The embedded blob when the build had no xtensa cross compiler: none (stub_blob_int.h). */
#include "stub/stub_blob_int.h"

const struct stub_blob *stub_blob_embedded(void)
{
	return NULL;
}
