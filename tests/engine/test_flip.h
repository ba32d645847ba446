/* SPDX-License-Identifier: MIT
 * Tests of corrupted FLASH_BEGIN/FLASH_DATA headers (test_flip.c), run by test_engine.c. */
#pragma once

void test_flip_begin_offset_erased(void **state);
void test_flip_begin_offset_old_data(void **state);
void test_flip_begin_offset_always(void **state);
void test_flip_data_seq_last_block(void **state);
void test_flip_data_seq_check_blocks(void **state);
void test_flip_data_seq_into_file(void **state);
void test_flip_spi_erase(void **state);
void test_flip_begin_erase_size(void **state);
void test_flip_erase_region_size(void **state);
