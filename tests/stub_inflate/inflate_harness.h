/* SPDX-License-Identifier: MIT
 * Helpers shared by the stub inflater's test files (test_inflate.c: against zlib;
 * test_inflate_errors.c: corrupt streams). One inflater and one sink, static as on the
 * chip; the cmocka assertions inside fail the running test. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "../../firmware/stub/core/inflate.h"

/* What the sink received. */
struct sink {
	uint8_t *data;
	size_t len, cap;
	size_t pieces;
	int short_piece_seen; /* a piece not a multiple of 4 came: it must be the last */
	int contract_broken;
	int refuse_after; /* refuse (return 77) once this many bytes arrived; -1: never */
};

extern struct inflater inf;
extern struct sink out;
extern unsigned long n_streams, n_inflations;
extern unsigned long long n_bytes_out;
extern const int strategies[5];

int sink_cb(void *ctx, const uint8_t *data, uint32_t len);
void sink_reset(struct sink *s);

/* Deterministic data. */
enum kind { K_RANDOM, K_ZEROS, K_RUNS, K_PERIODIC, K_TEXT, K_MIXED, K_COUNT };
uint32_t rnd(void);
void make_data(uint8_t *p, size_t n, enum kind kind);
/* A file's bytes (malloc'd, caller frees), NULL if it cannot be opened. */
uint8_t *read_file(const char *path, size_t *len);

/* zlib. */
struct zparams {
	int level, strategy, window_bits, mem_level;
	size_t flush_every; /* 0: none; else Z_SYNC_FLUSH / Z_FULL_FLUSH / Z_BLOCK in turn */
	int change_params;  /* switch level and strategy half way */
};
/* A zlib stream of data made with zp (malloc'd, caller frees). */
uint8_t *zcompress(const uint8_t *data, size_t n, const struct zparams *zp, size_t *out_len);
int zlib_verdict(const uint8_t *in, size_t n, uint8_t *dst, size_t cap, size_t *dst_len,
		 size_t *trailer_at);
int zlib_accepts(const uint8_t *in, size_t n, uint8_t *dst, size_t cap, size_t *dst_len);

/* Ours. */
int ours_split(const uint8_t *in, size_t n, const size_t *cuts, size_t n_cuts, uint32_t limit);
void expect_same(const uint8_t *want, size_t want_len, const char *what);
int check_whole(const uint8_t *c, size_t cn, const uint8_t *data, size_t n);
void check_bytewise(const uint8_t *c, size_t cn, const uint8_t *data, size_t n);
void check_every_cut(const uint8_t *c, size_t cn, const uint8_t *data, size_t n);
void check_random_cuts(const uint8_t *c, size_t cn, const uint8_t *data, size_t n);
/* Compresses data with zp and checks every way of feeding that the size allows. */
void round_trip(const uint8_t *data, size_t n, const struct zparams *zp);

/* The corrupt-stream tests (test_inflate_errors.c), as one cmocka group. */
int run_error_tests(void);
