/* SPDX-License-Identifier: MIT
 * The groups of the image test executable (one executable per module, several files). */
#pragma once

/* test_image_read.c: parser, verifier, header patch. Returns the number of failures. */
int image_read_tests(void);

/* test_image_v3.c: elf2image --version 3, SHA-256, the exec-bit merge rule. */
int image_v3_tests(void);

/* test_image_elf.c: the writers on the cross-compiled ELFs named in argv (the tests
 * skip, saying why, when there are none). */
int image_elf_tests(int argc, char **argv);
