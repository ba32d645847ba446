/* SPDX-License-Identifier: MIT
 * Helpers of test_board.c shared with board_quirks.c (both in the test-board executable). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "link/link.h"

/* sim://?clock=virtual&OPTS; fails the test when the link does not open. */
struct link *open_sim(const char *opts);
/* open_sim, then a SYNC that must get its eight replies. */
struct link *open_synced(const char *opts);
/* Raw FLASH_BEGIN + FLASH_DATA of len bytes (block i, byte k = seed + 7 i + k). */
void write_pattern(struct link *l, uint32_t offset, uint32_t len, uint8_t seed);
/* Reads until quiet_us pass without a byte or cap is reached; returns the count. */
size_t drain(struct link *l, uint8_t *buf, size_t cap, uint64_t quiet_us);
/* Runs board_quirks.c's group; returns the number of failures. */
int board_quirk_tests(void);
/* Runs board_faults.c's group (the targeted faults); returns the number of failures. */
int board_fault_tests(void);
