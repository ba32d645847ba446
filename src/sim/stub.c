/* SPDX-License-Identifier: MIT
 * What the virtual board runs when MEM_END jumps into uploaded code (stub.md "The virtual
 * board runs the stub"): the host build of our flasher stub's core (firmware/stub/core)
 * for our stub, recognised by its identity hash (stub_blob_identity), and for esptool's
 * stubs, recognised by where they load (reference §9.1), since they speak the same
 * protocol. Anything else runs silently, as unknown code on a chip does.
 *
 * The core is fed the bytes as they arrive on the wire, on its own CPU clock
 * (hal_host.c). With ESPDECK_STUB_TRANSCRIPT_DIR set, each session leaves
 * <dir>/<name>.flash (the flash when the stub started) and <dir>/<name>.in (every byte
 * the core received), for the QEMU equivalence check of the cross-compiled core. */
#define _GNU_SOURCE /* program_invocation_short_name */
#include "sim/board.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "proto/packet.h"
#include "stub/core/stub.h"
#include "stub/hal_host.h"
#include "stub/stub_blob.h"

struct sim_stub {
	struct stub core;
	struct stub_hal hal;
	struct stub_host host;
	FILE *transcript; /* <name>.in, or NULL */
};

/* Where esptool's ESP8266 stubs load (reference §9.1): text at entry - 4 in IRAM, one
 * data segment in DRAM. Sizes differ between releases; the places do not. */
static const struct {
	uint32_t entry, text, data_lo, data_hi;
} esptool_stubs[] = {
    {0x4010D004u, 0x4010D000u, 0x3FFFA000u, 0x3FFFC000u}, /* legacy stub, esptool <= 5.2 */
    {0x4010C504u, 0x4010C500u, 0x3FFFA000u, 0x3FFFC000u}, /* esp-flasher-stub, 5.3+ */
};

void sim_stub_note_segment(struct sim_board *b, uint32_t addr, uint32_t size)
{
	/* A segment loaded again at the same address (a host that uploads the stub once
	 * more after a lost MEM_END) replaces the earlier one: what runs is what RAM holds. */
	for (size_t i = 0; i < b->n_mem_segs && i < SIM_MEM_SEGS; i++)
		if (b->mem_segs[i].addr == addr) {
			b->mem_segs[i].size = size;
			return;
		}
	if (b->n_mem_segs < SIM_MEM_SEGS) {
		b->mem_segs[b->n_mem_segs].addr = addr;
		b->mem_segs[b->n_mem_segs].size = size;
	}
	b->n_mem_segs++;
}

static bool is_ours(struct sim_board *b, uint32_t entry)
{
	const struct stub_blob *blob = stub_blob_builtin();
	struct stub_segment segs[SIM_MEM_SEGS];
	if (!blob || !b->n_mem_segs || b->n_mem_segs > SIM_MEM_SEGS)
		return false;
	for (size_t i = 0; i < b->n_mem_segs; i++) {
		uint8_t *p;
		if (!sim_ram_ptr(b, b->mem_segs[i].addr, b->mem_segs[i].size, &p))
			return false;
		segs[i] = (struct stub_segment){b->mem_segs[i].addr, b->mem_segs[i].size, p};
	}
	uint8_t id[32];
	stub_blob_identity(segs, b->n_mem_segs, entry, id);
	return memcmp(id, blob->sha256, sizeof id) == 0;
}

static bool is_esptools(const struct sim_board *b, uint32_t entry)
{
	if (!b->n_mem_segs || b->n_mem_segs > 2)
		return false;
	for (size_t i = 0; i < sizeof esptool_stubs / sizeof esptool_stubs[0]; i++) {
		if (entry != esptool_stubs[i].entry || b->mem_segs[0].addr != esptool_stubs[i].text)
			continue;
		if (b->n_mem_segs == 1)
			return true;
		uint32_t d = b->mem_segs[1].addr, n = b->mem_segs[1].size;
		if (d >= esptool_stubs[i].data_lo && n <= esptool_stubs[i].data_hi - d)
			return true;
	}
	return false;
}

/* <dir>/<kind>-<program>[-<tag>]-<n>.flash now, and <name>.in opened for the session's
 * input. The names repeat from run to run (n counts the sessions of this process), so a
 * test run replaces its own transcripts; ESPDECK_STUB_TRANSCRIPT_TAG tells apart
 * processes of the same program (several espdeck-sim). */
static void open_transcript(struct sim_board *b, struct sim_stub *st, const char *kind)
{
	static atomic_uint counter;
	const char *dir = getenv("ESPDECK_STUB_TRANSCRIPT_DIR");
	if (!dir || !*dir)
		return;
	char path[1024];
	unsigned n = atomic_fetch_add(&counter, 1);
	const char *tag = getenv("ESPDECK_STUB_TRANSCRIPT_TAG");
	int len =
	    snprintf(path, sizeof path, "%s/%s-%s%s%s-%u.flash", dir, kind,
		     program_invocation_short_name, tag && *tag ? "-" : "", tag ? tag : "", n);
	if (len < 0 || (size_t)len >= sizeof path)
		return;
	FILE *f = fopen(path, "wb");
	size_t size;
	const uint8_t *flash = sim_board_flash(b, &size);
	bool ok = f && fwrite(flash, 1, size, f) == size;
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok) {
		sim_trace(b, b->cpu_free_ns, "STUB transcript %s: %s", path, strerror(errno));
		return;
	}
	memcpy(path + len - 6, ".in", 4);
	st->transcript = fopen(path, "wb");
}

bool sim_stub_start(struct sim_board *b, uint32_t entry, uint64_t t)
{
	const char *kind = is_ours(b, entry) ? "espdeck" : is_esptools(b, entry) ? "esptool" : NULL;
	if (!kind)
		return false;
	sim_stub_reset(b);
	struct sim_stub *st = calloc(1, sizeof *st);
	if (!st) {
		sim_trace(b, t, "STUB out of memory: the board stays silent");
		return false;
	}
	b->stub = st;
	b->state = SIM_STATE_STUB;
	open_transcript(b, st, kind);
	stub_host_init(&st->hal, &st->host, b, t);
	stub_init(&st->core, &st->hal);
	/* esptool's stub waits for an ack whenever max-in-flight bytes are out (64 from
	 * esptool: every packet); ours honours packets. Same bytes, different timing. */
	st->core.in_flight_bytes = strcmp(kind, "esptool") == 0;
	sim_trace(b, t, "STUB %s's stub at 0x%08x: runs the stub core, sends OHAI", kind, entry);
	stub_start(&st->core);
	b->cpu_free_ns = st->host.now_ns;
	return true;
}

void sim_stub_reset(struct sim_board *b)
{
	b->n_mem_segs = 0;
	if (!b->stub)
		return;
	if (b->stub->transcript)
		fclose(b->stub->transcript);
	free(b->stub);
	b->stub = NULL;
}

/* The core called leave() or jump(): the board follows at the stub's clock. */
static void left(struct sim_board *b)
{
	struct stub_host h = b->stub->host;
	if (h.jumped) {
		sim_trace(b, h.now_ns, "STUB MEM_END: jumps to 0x%08x (runs silently)",
			  h.jump_entry);
		sim_stub_reset(b);
		b->state = SIM_STATE_FIRMWARE;
	} else if (h.how == STUB_LEAVE_RUN_USER) {
		sim_trace(b, h.now_ns, "STUB RUN_USER_CODE: the firmware boots");
		sim_stub_reset(b);
		b->state = SIM_STATE_FIRMWARE;
	} else {
		/* Software reset: the straps are still latched, so the ROM loader comes back. */
		sim_trace(b, h.now_ns, "STUB reboot: software reset");
		sim_boot(b, true, 2, h.now_ns);
	}
	b->cpu_free_ns = h.now_ns;
}

void sim_stub_poll(struct sim_board *b, uint64_t t)
{
	struct sim_stub *st = b->stub;
	if (t > st->host.now_ns)
		st->host.now_ns = t;
	stub_poll(&st->core);
}

/* One trace line per request the core is about to handle (the replies come from the
 * core; the host's view of them is in its own log). */
static void trace_request(struct sim_board *b, const struct sim_stub *st)
{
	const uint8_t *f = (const uint8_t *)st->core.frame;
	uint32_t len = st->core.frame_len;
	if (!b->trace || st->core.bad)
		return;
	if (st->core.rd.active && len == 4) {
		sim_trace(b, st->host.now_ns, "STUB READ_FLASH ack %u", get_le32(f));
		return;
	}
	if (len < 8) {
		sim_trace(b, st->host.now_ns, "STUB frame of %u bytes (ignored)", len);
		return;
	}
	sim_trace(b, st->host.now_ns, "STUB %s (0x%02x) %u data bytes%s", pkt_op_name(f[1]), f[1],
		  len - 8, st->core.overflow ? " (frame too long)" : "");
}

size_t sim_stub_input(struct sim_board *b, const uint8_t *data, size_t len, uint64_t t0,
		      uint64_t byte_ns)
{
	struct sim_stub *st = b->stub;
	uint64_t t = t0;
	for (size_t i = 0; i < len; i++) {
		t += byte_ns;
		/* A byte that arrives while the CPU is busy waits in the RX buffer. */
		if (t > st->host.now_ns)
			st->host.now_ns = t;
		stub_poll(&st->core);
		if (st->transcript)
			fputc(data[i], st->transcript);
		if (data[i] == 0xC0 && st->core.in_frame && st->core.frame_len) {
			/* This byte ends a request: the stall fault draws once per command. */
			sim_draw_stall(b);
			unsigned bit = 0;
			enum sim_stub_fault f = SIM_STUB_PASS;
			if (!st->core.bad)
				f = sim_faults_stub(b, (uint8_t *)st->core.frame,
						    st->core.frame_len, st->host.now_ns, &bit);
			st->host.stall_ns = b->stall_ns + b->late_ns;
			if (f == SIM_STUB_REPLY_FLIP)
				st->host.flip_bit = (int)bit;
			trace_request(b, st);
			if (f == SIM_STUB_LOSE)
				st->core.bad = 1; /* the core drops the frame */
			if (f == SIM_STUB_RESET) {
				sim_trace(b, st->host.now_ns, "STUB reset: the ROM loader starts");
				sim_boot(b, true, 2, st->host.now_ns);
				return i + 1;
			}
			if (f == SIM_STUB_HANG) {
				sim_trace(b, st->host.now_ns, "STUB hangs: no more answers");
				sim_stub_reset(b);
				b->state = SIM_STATE_FIRMWARE;
				return i + 1;
			}
		}
		stub_feed(&st->core, data + i, 1);
		if (b->cfg.unchecked)
			st->core.strict = 0;
		if (st->host.left) {
			left(b);
			return i + 1;
		}
	}
	b->cpu_free_ns = st->host.now_ns;
	return len;
}
