/* SPDX-License-Identifier: MIT
 * The virtual board's wire: bytes in with their time, SLIP frames to the ROM loader,
 * replies queued with the time they reach the host, the auto-reset circuit, faults. */
#include "sim/board.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "proto/packet.h"

/* The two-transistor circuit needs a capacitor on EN; EN rises slowly, so the straps are
 * sampled a little after the release (reference §3.2). 2 ms: well inside esptool's
 * shortest reset_delay (50 ms) and longer than the gap between two line changes. */
#define EN_RC_NS 2000000ull

uint64_t sim_byte_ns(uint32_t baud, bool fast)
{
	if (fast || !baud)
		return 0;
	return (10ull * 1000000000ull + baud / 2) / baud; /* 8N1: 10 bit times per byte */
}

static uint64_t rng_next(struct sim_board *b)
{
	/* xorshift64*: small, seeded, the same sequence on every machine. */
	uint64_t x = b->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	b->rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

uint64_t sim_rng(struct sim_board *b)
{
	return rng_next(b);
}

bool sim_chance(struct sim_board *b, double p)
{
	if (p <= 0)
		return false;
	return (double)(rng_next(b) >> 11) * (1.0 / 9007199254740992.0) < p;
}

void sim_draw_stall(struct sim_board *b)
{
	b->stall_ns = 0;
	if (b->cfg.faults.stall_ms && sim_chance(b, b->cfg.faults.stall_p))
		b->stall_ns = (uint64_t)b->cfg.faults.stall_ms * 1000000ull;
}

/* splitmix64's finaliser: xorshift64* started from nearby seeds (1, 2, 3) gives nearly
 * proportional first draws; scrambling the seed first makes every seed its own stream. */
static uint64_t seed_mix(uint64_t z)
{
	z += 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return z ? z : 0x9E3779B97F4A7C15ull; /* xorshift must not start at 0 */
}

/* Baud rates further apart than a UART tolerates (about 4 %) garble every byte. */
static bool baud_mismatch(uint32_t a, uint32_t b)
{
	uint32_t hi = a > b ? a : b, lo = a > b ? b : a;
	return (uint64_t)(hi - lo) * 100 > (uint64_t)hi * 4;
}

/* Bytes between the host and the chip arrive garbled: the rates disagree, or the host
 * side runs faster than the USB bridge of max-baud can (a CH340 that fails at 921600). */
static bool line_garbled(const struct sim_board *b, uint32_t chip_baud)
{
	return baud_mismatch(chip_baud, b->host_baud) ||
	       (b->cfg.max_baud && b->host_baud > b->cfg.max_baud);
}

static void outq_push(struct sim_board *b, uint8_t byte, uint64_t when)
{
	struct sim_outq *q = &b->out;
	if (q->head == q->tail)
		q->head = q->tail = 0;
	if (q->tail == q->cap) {
		if (q->head > 0) {
			memmove(q->data, q->data + q->head, q->tail - q->head);
			memmove(q->when, q->when + q->head, (q->tail - q->head) * sizeof *q->when);
			q->tail -= q->head;
			q->head = 0;
		}
		if (q->tail == q->cap) {
			size_t cap = q->cap ? q->cap * 2 : 4096;
			uint8_t *d = realloc(q->data, cap);
			if (d)
				q->data = d;
			uint64_t *w = d ? realloc(q->when, cap * sizeof *w) : NULL;
			if (!w)
				return; /* out of memory: the byte is lost like a dropped one */
			q->when = w;
			q->cap = cap;
		}
	}
	q->data[q->tail] = byte;
	q->when[q->tail] = when;
	q->tail++;
}

void sim_emit(struct sim_board *b, const uint8_t *data, size_t len, uint32_t baud,
	      uint64_t start_ns)
{
	uint64_t byte_ns = sim_byte_ns(baud, b->cfg.fast);
	uint64_t t = start_ns > b->tx_free_ns ? start_ns : b->tx_free_ns;
	bool garble = line_garbled(b, baud);
	bool faults = b->cfg.faults.drop > 0 || b->cfg.faults.corrupt > 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = data[i];
		t += byte_ns;
		b->stats.bytes_to_host++;
		if (garble)
			c = (uint8_t)(c * 0x9Du + 0x3Bu); /* what a UART at the wrong rate reads */
		if (faults) {
			if (sim_chance(b, b->cfg.faults.drop))
				continue;
			if (sim_chance(b, b->cfg.faults.corrupt))
				c ^= (uint8_t)(1u << (rng_next(b) % 8));
		}
		outq_push(b, c, t);
	}
	b->tx_free_ns = t;
}

void sim_reply(struct sim_board *b, uint8_t op, const uint8_t *result, uint16_t result_len,
	       uint8_t status, uint8_t error, uint64_t ready_ns)
{
	uint8_t body[PKT_HEADER_LEN + 64 + 2];
	uint8_t wire[2 * sizeof body + 2];
	if (result_len > 64)
		result_len = 64;
	size_t n = pkt_build_response(body, op, b->last_value, result, result_len, status, error);
	size_t w = slip_encode(body, n, wire);
	uint64_t t = ready_ns;
	if (!b->cfg.fast)
		t += (uint64_t)(b->cfg.latency_ms * 1e6);
	t += b->stall_ns + b->late_ns;
	size_t flip_at = 0;
	uint8_t flip_mask = 0;
	if (b->reply_flip) { /* fault reply-flip: once, on the first reply of the request */
		b->reply_flip = false;
		flip_at = b->reply_flip_bit / 8 % w;
		flip_mask = (uint8_t)(1u << (b->reply_flip_bit % 8));
	}
	wire[flip_at] ^= flip_mask;
	sim_emit(b, wire, w, b->uart_baud, t);
	wire[flip_at] ^= flip_mask;
	if (b->dup_reply)
		sim_emit(b, wire, w, b->uart_baud, t);
}

void sim_trace(struct sim_board *b, uint64_t t, const char *fmt, ...)
{
	if (!b->trace)
		return;
	fprintf(b->trace, "%12.6f ", (double)t / 1e9);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(b->trace, fmt, ap);
	va_end(ap);
	fputc('\n', b->trace);
	fflush(b->trace);
}

/* Output still queued after a reset at t never leaves the chip. */
static void cut_output(struct sim_board *b, uint64_t t)
{
	struct sim_outq *q = &b->out;
	while (q->tail > q->head && q->when[q->tail - 1] > t)
		q->tail--;
	if (b->tx_free_ns > t)
		b->tx_free_ns = t;
}

void sim_boot(struct sim_board *b, bool download, int rst_cause, uint64_t t)
{
	b->state = download ? SIM_STATE_LOADER : SIM_STATE_FIRMWARE;
	b->synced = false;
	b->syncs_seen = 0;
	b->flash_mode = b->mem_mode = false;
	b->uart_baud = b->host_baud;
	b->cpu_free_ns = t;
	b->last_value = 0;
	b->flashchip_size = 0x400000;
	b->flash_powered_down = false;
	sim_stub_reset(b);
	b->nregs = 0; /* peripheral registers come out of reset; RAM keeps its contents */
	memset(b->spi0, 0, sizeof b->spi0);
	slip_decoder_reset(&b->dec);
	sim_trace(b, t, "BOOT %s rst_cause=%d", download ? "download" : "flash", rst_cause);
	if (b->cfg.boot_log)
		sim_boot_log(b, download, rst_cause, t);
}

/* Completes a pending strap sample whose time has come. */
static void settle(struct sim_board *b, uint64_t now)
{
	if (!b->sample_pending || now < b->sample_at_ns)
		return;
	b->sample_pending = false;
	bool io0_low = b->dtr == 1 && b->rts != 1;
	b->stats.resets++;
	sim_boot(b, io0_low, 2, b->sample_at_ns);
}

void sim_board_set_lines(struct sim_board *b, int dtr, int rts, uint64_t now)
{
	settle(b, now);
	if (dtr >= 0)
		b->dtr = dtr ? 1 : 0;
	if (rts >= 0)
		b->rts = rts ? 1 : 0;
	bool en_low = b->rts == 1 && b->dtr != 1;
	if (en_low && !b->en_low) {
		b->en_low = true;
		b->sample_pending = false;
		if (b->state != SIM_STATE_GONE)
			b->state = SIM_STATE_RESET;
		cut_output(b, now);
		sim_trace(b, now, "EN low");
	} else if (!en_low && b->en_low) {
		b->en_low = false;
		b->sample_pending = true;
		b->sample_at_ns = now + (b->cfg.fast ? 0 : EN_RC_NS);
		settle(b, now);
	}
}

void sim_board_reset(struct sim_board *b, bool download, uint64_t now)
{
	/* A new connection revives a board whose disconnect fault fired. */
	b->conn_bytes = 0;
	cut_output(b, now);
	b->sample_pending = false;
	b->en_low = false;
	b->stats.resets++;
	b->rx_free_ns = b->rx_free_ns > now ? b->rx_free_ns : now;
	sim_boot(b, download, 2, now);
}

static void feed_frames(struct sim_board *b, const uint8_t *data, size_t len, uint64_t t0,
			uint64_t byte_ns)
{
	size_t pos = 0;
	while (pos < len) {
		if (b->state == SIM_STATE_STUB) {
			/* The stub core decodes its own frames, byte by byte. */
			pos +=
			    sim_stub_input(b, data + pos, len - pos, t0 + pos * byte_ns, byte_ns);
			continue;
		}
		size_t used = 0;
		enum slip_event ev = slip_decoder_feed(&b->dec, data + pos, len - pos, &used);
		pos += used;
		if (ev == SLIP_FRAME) {
			size_t flen;
			const uint8_t *f = slip_decoder_frame(&b->dec, &flen);
			sim_rom_request(b, f, flen, t0 + pos * byte_ns);
		} else if (ev != SLIP_NONE) {
			b->stats.bad_frames++;
		}
		if (ev == SLIP_NONE)
			break;
	}
}

/* Applies drop/corrupt faults and baud garbling into tmp; returns the surviving count. */
static size_t wire_filter(struct sim_board *b, const uint8_t *data, size_t len, uint8_t *tmp)
{
	bool garble = b->synced && line_garbled(b, b->uart_baud);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = garble ? 0x00 : data[i]; /* framing errors read as zero bytes */
		if (sim_chance(b, b->cfg.faults.drop))
			continue;
		if (sim_chance(b, b->cfg.faults.corrupt))
			c ^= (uint8_t)(1u << (rng_next(b) % 8));
		tmp[n++] = c;
	}
	return n;
}

int64_t sim_board_input(struct sim_board *b, const uint8_t *data, size_t len, uint64_t now,
			struct ed_error *err)
{
	settle(b, now);
	if (b->state == SIM_STATE_GONE)
		return ed_fail(err, ED_ERR_DISCONNECTED,
			       "the virtual board is gone (fault "
			       "disconnect-after=%llu fired)",
			       (unsigned long long)b->cfg.faults.disconnect_after);
	uint64_t limit = b->cfg.faults.disconnect_after;
	bool cut = false;
	if (limit && b->conn_bytes + len >= limit) {
		len = (size_t)(limit - b->conn_bytes);
		cut = true;
	}
	uint64_t byte_ns = sim_byte_ns(b->host_baud, b->cfg.fast);
	uint64_t t0 = b->rx_free_ns > now ? b->rx_free_ns : now;
	b->rx_free_ns = t0 + len * byte_ns;
	b->stats.bytes_from_host += len;
	b->conn_bytes += len;
	if (b->state == SIM_STATE_STUB)
		sim_stub_poll(b, t0); /* a baud change on trial may end before these bytes */
	bool listening = b->state == SIM_STATE_LOADER || b->state == SIM_STATE_STUB;
	bool filter = b->cfg.faults.drop > 0 || b->cfg.faults.corrupt > 0 ||
		      (b->synced && line_garbled(b, b->uart_baud));
	if (listening && !filter) {
		feed_frames(b, data, len, t0, byte_ns);
	} else if (listening) {
		uint8_t tmp[4096];
		for (size_t off = 0; off < len; off += sizeof tmp) {
			size_t chunk = len - off < sizeof tmp ? len - off : sizeof tmp;
			size_t n = wire_filter(b, data + off, chunk, tmp);
			/* Dropped bytes still took their wire time; frames end at the last byte. */
			feed_frames(b, tmp, n, t0 + off * byte_ns, n ? byte_ns * chunk / n : 0);
		}
	}
	if (cut) {
		b->state = SIM_STATE_GONE;
		sim_trace(b, b->rx_free_ns, "GONE after %llu bytes (fault disconnect-after)",
			  (unsigned long long)limit);
		return ed_fail(err, ED_ERR_DISCONNECTED,
			       "the virtual board disconnected after %llu bytes (fault "
			       "disconnect-after)",
			       (unsigned long long)limit);
	}
	return (int64_t)b->rx_free_ns;
}

size_t sim_board_output(struct sim_board *b, uint8_t *buf, size_t cap, uint64_t now)
{
	settle(b, now);
	struct sim_outq *q = &b->out;
	size_t n = 0;
	while (n < cap && q->head < q->tail && q->when[q->head] <= now)
		buf[n++] = q->data[q->head++];
	return n;
}

uint64_t sim_board_next_output_ns(const struct sim_board *b)
{
	uint64_t next = b->out.head < b->out.tail ? b->out.when[b->out.head] : UINT64_MAX;
	if (b->sample_pending && b->sample_at_ns < next)
		next = b->sample_at_ns;
	return next;
}

uint64_t sim_board_burst_end_ns(const struct sim_board *b, size_t cap, uint64_t limit_ns)
{
	const struct sim_outq *q = &b->out;
	if (q->head == q->tail || q->when[q->head] > limit_ns)
		return UINT64_MAX;
	uint64_t gap = sim_byte_ns(b->host_baud, b->cfg.fast) * 2 + 1000;
	size_t i = q->head;
	uint64_t t = q->when[i];
	while (i + 1 < q->tail && i + 1 - q->head < cap && q->when[i + 1] <= limit_ns &&
	       q->when[i + 1] - q->when[i] <= gap)
		t = q->when[++i];
	return t;
}

uint32_t sim_board_uart_baud(const struct sim_board *b)
{
	return b->uart_baud;
}

void sim_board_set_baud(struct sim_board *b, uint32_t baud, uint64_t now)
{
	settle(b, now);
	if (baud)
		b->host_baud = baud;
	/* Before the first SYNC the ROM's autobaud follows whatever the host sends. */
	if (!b->synced)
		b->uart_baud = b->host_baud;
}

enum sim_state sim_board_state(struct sim_board *b, uint64_t now)
{
	settle(b, now);
	return b->state;
}

bool sim_board_gone(const struct sim_board *b)
{
	return b->state == SIM_STATE_GONE;
}

const uint8_t *sim_board_flash(const struct sim_board *b, size_t *size)
{
	if (size)
		*size = nor_size(b->nor);
	return nor_data(b->nor);
}

bool sim_board_read_ram(const struct sim_board *b, uint32_t addr, uint8_t *out, size_t len)
{
	uint8_t *p;
	if (!sim_ram_ptr((struct sim_board *)b, addr, (uint32_t)len, &p))
		return false;
	memcpy(out, p, len);
	return true;
}

void sim_board_stats(const struct sim_board *b, struct sim_stats *out)
{
	*out = b->stats;
}

const struct sim_config *sim_board_config(const struct sim_board *b)
{
	return &b->cfg;
}

int sim_board_sync(struct sim_board *b, struct ed_error *err)
{
	return nor_sync(b->nor, err);
}

/* Winbond W25Q-family ids: manufacturer 0xEF, type 0x40, capacity log2(bytes). */
static uint32_t default_flash_id(uint32_t size)
{
	unsigned cap = 0;
	while ((1u << cap) < size)
		cap++;
	return 0xEFu | (0x40u << 8) | ((uint32_t)cap << 16);
}

static int open_flash(struct sim_board *b, struct ed_error *err)
{
	struct sim_config *c = &b->cfg;
	if (!c->flash_size && c->flash_path[0]) {
		FILE *f = fopen(c->flash_path, "rb");
		if (f) {
			if (fseek(f, 0, SEEK_END) == 0) {
				long sz = ftell(f);
				if (sz > 0)
					c->flash_size = (uint32_t)sz;
			}
			fclose(f);
		}
	}
	if (!c->flash_size && c->flash_init)
		c->flash_size = (uint32_t)c->flash_init_size;
	if (!c->flash_size)
		c->flash_size = 0x400000;
	if (!c->flash_id)
		c->flash_id = default_flash_id(c->flash_size);
	bool fast = c->fast;
	struct nor_timing t = {
	    .page_ns = fast ? 0 : c->page_us * 1000ull,
	    .sector_ns = fast ? 0 : c->sector_us * 1000ull,
	    .block32_ns = fast ? 0 : c->block32_us * 1000ull,
	    .block64_ns = fast ? 0 : c->block64_us * 1000ull,
	    .chip_ns = fast ? 0 : c->chip_us * 1000ull,
	    .wrsr_ns = fast ? 0 : 10000000ull, /* W25Q32: write status 10 ms typical */
	};
	int rc = nor_create(c->flash_size, c->flash_id, c->flash_path, &t, &b->nor, err);
	if (rc == 0 && c->flash_init)
		nor_load(b->nor, c->flash_init, c->flash_init_size);
	c->flash_init = NULL; /* borrowed only until create returns */
	c->flash_init_size = 0;
	return rc;
}

int sim_board_create(const struct sim_config *cfg, struct sim_board **out, struct ed_error *err)
{
	*out = NULL;
	struct sim_board *b = calloc(1, sizeof *b);
	if (!b)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory for the virtual board");
	b->cfg = *cfg;
	int rc = open_flash(b, err);
	if (rc < 0) {
		free(b);
		return rc;
	}
	if (cfg->trace_path[0]) {
		b->trace = fopen(cfg->trace_path, "w");
		if (!b->trace) {
			rc = ed_fail(err, ED_ERR_IO, "cannot create trace file %s: %s",
				     cfg->trace_path, strerror(errno));
			sim_board_destroy(b);
			return rc;
		}
	}
	b->rng = seed_mix(cfg->seed);
	b->host_baud = b->uart_baud = cfg->baud ? cfg->baud : 115200;
	slip_decoder_init(&b->dec, b->frame, sizeof b->frame);
	b->dtr = b->rts = 0;
	sim_boot(b, !cfg->need_reset, 1, 0);
	*out = b;
	return 0;
}

void sim_board_destroy(struct sim_board *b)
{
	if (!b)
		return;
	sim_stub_reset(b);
	nor_destroy(b->nor);
	if (b->trace)
		fclose(b->trace);
	free(b->out.data);
	free(b->out.when);
	free(b);
}
