/* SPDX-License-Identifier: MIT
 * Targeted request faults of the virtual board: a flipped sequence number, header bit or
 * opcode of a FLASH_DATA, a flipped register address, a request or a reply arriving twice,
 * a reply arriving late. The wire faults (drop, corrupt) hit bytes at random; these hit the
 * fields whose corruption the ROM's protocol cannot notice (no header checksum, no request
 * identity in replies), selected by probability or as the nth request, seeded. */
#include "sim/board.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "proto/packet.h"

static const char *const kind_names[SIM_FAULT_KINDS] = {
    [SIM_FAULT_SEQ_FLIP] = "seq-flip",
    [SIM_FAULT_HDR_FLIP] = "hdr-flip",
    [SIM_FAULT_OP_FLIP] = "op-flip",
    [SIM_FAULT_ADDR_FLIP] = "addr-flip",
    [SIM_FAULT_DUP_FRAME] = "dup-frame",
    [SIM_FAULT_DUP_REPLY] = "dup-reply",
    [SIM_FAULT_LATE] = "late",
    [SIM_FAULT_DATA_FLIP2] = "data-flip2",
    [SIM_FAULT_ROM_ERROR] = "rom-error",
    [SIM_FAULT_LOSE] = "lose",
    [SIM_FAULT_REPLY_FLIP] = "reply-flip",
    [SIM_FAULT_RESET] = "reset",
    [SIM_FAULT_HANG] = "hang",
};

/* Bits each flip kind chooses from: the sequence word, the 24 header bytes, the address. */
static unsigned kind_bits(enum sim_fault_kind k)
{
	return k == SIM_FAULT_HDR_FLIP	   ? 24 * 8
	       : k == SIM_FAULT_ROM_ERROR  ? 256
	       : k == SIM_FAULT_DATA_FLIP2 ? 8
	       : k == SIM_FAULT_REPLY_FLIP ? 256
					   : 32;
}

static bool takes_bit(enum sim_fault_kind k)
{
	return k <= SIM_FAULT_ADDR_FLIP || k == SIM_FAULT_DATA_FLIP2 || k == SIM_FAULT_ROM_ERROR ||
	       k == SIM_FAULT_REPLY_FLIP;
}

static uint8_t op_by_name(const char *s, size_t n)
{
	for (unsigned op = 1; op < 0x100; op++) {
		const char *name = pkt_op_name((uint8_t)op);
		if (strlen(name) == n && !strncmp(name, s, n) && name[0] != '0')
			return (uint8_t)op;
	}
	return 0;
}

static int bad_rule(struct ed_error *err, const char *key, const char *value)
{
	return ed_fail(err, ED_ERR_ARG,
		       "invalid fault %s=%s: use %s=P (a probability from 0 to 1) or %s=#N (the "
		       "Nth request it applies to; #N+D also the N+Dth), optionally OP: before "
		       "(READ_REG:#2) and :BIT after (#3:4)%s",
		       key, value ? value : "", key, key,
		       strcmp(key, "late") ? "" : "; late takes MS@ before it (late=500@#2)");
}

/* value: [MS@][OP:](P|#N)[:BIT] */
int sim_faults_parse_rule(struct sim_faults *f, const char *key, const char *value,
			  struct ed_error *err)
{
	int k = 0;
	while (k < SIM_FAULT_KINDS && strcmp(kind_names[k], key))
		k++;
	if (k == SIM_FAULT_KINDS)
		return 1;
	struct sim_fault_rule r = {0};
	const char *s = value ? value : "";
	char *end;
	if (k == SIM_FAULT_LATE) {
		const char *at = strchr(s, '@');
		errno = 0;
		unsigned long ms = at ? strtoul(s, &end, 10) : 0;
		if (!at || errno || end != at || ms == 0 || ms > 600000)
			return bad_rule(err, key, value);
		r.ms = (uint32_t)ms;
		s = at + 1;
	}
	const char *colon = strchr(s, ':');
	if (s[0] >= 'A' && s[0] <= 'Z') {
		if (!colon || !(r.op = op_by_name(s, (size_t)(colon - s))))
			return bad_rule(err, key, value);
		s = colon + 1;
	}
	if (*s == '#') {
		errno = 0;
		unsigned long n = strtoul(s + 1, &end, 10);
		if (errno || end == s + 1 || n == 0 || n > UINT32_MAX)
			return bad_rule(err, key, value);
		r.nth = (uint32_t)n;
		if (*end == '+') { /* #N+D: the Nth and the (N+D)th */
			const char *d = end + 1;
			errno = 0;
			unsigned long again = strtoul(d, &end, 10);
			if (errno || end == d || again == 0 || again > UINT32_MAX - n)
				return bad_rule(err, key, value);
			r.again = (uint32_t)again;
		}
	} else {
		errno = 0;
		r.p = strtod(s, &end);
		if (errno || end == s || !isfinite(r.p) || r.p < 0 || r.p > 1)
			return bad_rule(err, key, value);
	}
	if (*end == ':' && takes_bit((enum sim_fault_kind)k)) {
		errno = 0;
		unsigned long bit = strtoul(end + 1, &end, 10);
		if (errno || bit >= kind_bits((enum sim_fault_kind)k))
			return bad_rule(err, key, value);
		r.bit_set = true;
		r.bit = (unsigned)bit;
	}
	if (*end)
		return bad_rule(err, key, value);
	f->rule[k] = r;
	return 0;
}

/* Whether a request with opcode op is one the kind applies to. */
static bool applies(enum sim_fault_kind k, const struct sim_fault_rule *r, uint8_t op)
{
	if (r->op)
		return op == r->op;
	switch (k) {
	case SIM_FAULT_SEQ_FLIP:
	case SIM_FAULT_HDR_FLIP:
	case SIM_FAULT_OP_FLIP:
	case SIM_FAULT_DATA_FLIP2:
		return op == PKT_FLASH_DATA;
	case SIM_FAULT_ADDR_FLIP:
		return op == PKT_READ_REG || op == PKT_WRITE_REG;
	default:
		return op != PKT_SYNC;
	}
}

static bool fires(struct sim_board *b, enum sim_fault_kind k, uint8_t op)
{
	const struct sim_fault_rule *r = &b->cfg.faults.rule[k];
	if ((!r->p && !r->nth) || !applies(k, r, op))
		return false;
	b->fault_seen[k]++;
	if (r->nth)
		return b->fault_seen[k] == r->nth ||
		       (r->again && b->fault_seen[k] == r->nth + r->again);
	return sim_chance(b, r->p);
}

static unsigned pick_bit(struct sim_board *b, enum sim_fault_kind k)
{
	const struct sim_fault_rule *r = &b->cfg.faults.rule[k];
	return r->bit_set ? r->bit : (unsigned)(sim_rng(b) % kind_bits(k));
}

static void flip_word(uint8_t *p, unsigned bit)
{
	put_le32(p, get_le32(p) ^ (1u << bit));
}

/* The faults that change the request's bytes (the flips). */
static void apply_flips(struct sim_board *b, uint8_t *frame, size_t len, uint64_t t)
{
	uint8_t op = frame[1];
	if (len >= PKT_HEADER_LEN + 8 && fires(b, SIM_FAULT_SEQ_FLIP, op)) {
		unsigned bit = pick_bit(b, SIM_FAULT_SEQ_FLIP);
		flip_word(frame + PKT_HEADER_LEN + 4, bit);
		sim_trace(b, t, "FAULT seq-flip bit %u: sequence number now %u", bit,
			  get_le32(frame + PKT_HEADER_LEN + 4));
	}
	if (len >= PKT_HEADER_LEN + 16 && fires(b, SIM_FAULT_HDR_FLIP, op)) {
		unsigned bit = pick_bit(b, SIM_FAULT_HDR_FLIP);
		frame[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		sim_trace(b, t, "FAULT hdr-flip bit %u (header byte %u)", bit, bit / 8);
	}
	if (fires(b, SIM_FAULT_OP_FLIP, op)) {
		frame[1] ^= 0x01;
		sim_trace(b, t, "FAULT op-flip: %s arrives as %s", pkt_op_name(op),
			  pkt_op_name(frame[1]));
	}
	if (len >= PKT_HEADER_LEN + 4 && fires(b, SIM_FAULT_ADDR_FLIP, op)) {
		unsigned bit = pick_bit(b, SIM_FAULT_ADDR_FLIP);
		flip_word(frame + PKT_HEADER_LEN, bit);
		sim_trace(b, t, "FAULT addr-flip bit %u: %s address now 0x%08x", bit,
			  pkt_op_name(op), get_le32(frame + PKT_HEADER_LEN));
	}
	if (len >= PKT_HEADER_LEN + 18 && fires(b, SIM_FAULT_DATA_FLIP2, op)) {
		unsigned bit = pick_bit(b, SIM_FAULT_DATA_FLIP2);
		size_t n = len - PKT_HEADER_LEN - 16;
		size_t i = (size_t)(sim_rng(b) % n),
		       j = (i + 1 + (size_t)(sim_rng(b) % (n - 1))) % n;
		frame[PKT_HEADER_LEN + 16 + i] ^= (uint8_t)(1u << bit);
		frame[PKT_HEADER_LEN + 16 + j] ^= (uint8_t)(1u << bit);
		sim_trace(b, t, "FAULT data-flip2 bit %u of data bytes %zu and %zu", bit, i, j);
	}
}

int sim_faults_apply(struct sim_board *b, uint8_t *frame, size_t len, uint64_t t)
{
	uint8_t op = frame[1];
	b->late_ns = 0;
	b->dup_reply = false;
	b->reply_flip = false;
	b->rom_error = 0;
	if (fires(b, SIM_FAULT_LOSE, op)) {
		sim_trace(b, t, "FAULT lose: the ROM never sees %s", pkt_op_name(op));
		return 0;
	}
	apply_flips(b, frame, len, t);
	if (fires(b, SIM_FAULT_ROM_ERROR, op)) {
		const struct sim_fault_rule *r = &b->cfg.faults.rule[SIM_FAULT_ROM_ERROR];
		b->rom_error = r->bit_set ? (uint8_t)r->bit : PKT_ROM_FAILED_TO_ACT;
		sim_trace(b, t, "FAULT rom-error: %s refused with 0x%02x", pkt_op_name(op),
			  b->rom_error);
	}
	if (fires(b, SIM_FAULT_LATE, op)) {
		b->late_ns = (uint64_t)b->cfg.faults.rule[SIM_FAULT_LATE].ms * 1000000ull;
		sim_trace(b, t, "FAULT late: the reply to %s comes %u ms late", pkt_op_name(op),
			  b->cfg.faults.rule[SIM_FAULT_LATE].ms);
	}
	if (fires(b, SIM_FAULT_DUP_REPLY, op)) {
		b->dup_reply = true;
		sim_trace(b, t, "FAULT dup-reply: the reply to %s is sent twice", pkt_op_name(op));
	}
	if (fires(b, SIM_FAULT_REPLY_FLIP, op)) {
		b->reply_flip = true;
		b->reply_flip_bit = pick_bit(b, SIM_FAULT_REPLY_FLIP);
		sim_trace(b, t, "FAULT reply-flip: bit %u of the reply to %s", b->reply_flip_bit,
			  pkt_op_name(op));
	}
	if (fires(b, SIM_FAULT_DUP_FRAME, op)) {
		sim_trace(b, t, "FAULT dup-frame: %s arrives twice", pkt_op_name(op));
		return 2;
	}
	return 1;
}

enum sim_stub_fault sim_faults_stub(struct sim_board *b, uint8_t *frame, size_t len, uint64_t t,
				    unsigned *bit)
{
	if (len < PKT_HEADER_LEN)
		return SIM_STUB_PASS;
	uint8_t op = frame[1];
	b->late_ns = 0;
	if (fires(b, SIM_FAULT_LOSE, op)) {
		sim_trace(b, t, "FAULT lose: the stub never sees %s", pkt_op_name(op));
		return SIM_STUB_LOSE;
	}
	if (fires(b, SIM_FAULT_RESET, op)) {
		sim_trace(b, t, "FAULT reset: the board resets as %s arrives", pkt_op_name(op));
		return SIM_STUB_RESET;
	}
	if (fires(b, SIM_FAULT_HANG, op)) {
		sim_trace(b, t, "FAULT hang: the stub stops answering at %s", pkt_op_name(op));
		return SIM_STUB_HANG;
	}
	apply_flips(b, frame, len, t);
	if (fires(b, SIM_FAULT_LATE, op)) {
		b->late_ns = (uint64_t)b->cfg.faults.rule[SIM_FAULT_LATE].ms * 1000000ull;
		sim_trace(b, t, "FAULT late: the reply to %s comes %u ms late", pkt_op_name(op),
			  b->cfg.faults.rule[SIM_FAULT_LATE].ms);
	}
	if (fires(b, SIM_FAULT_REPLY_FLIP, op)) {
		*bit = pick_bit(b, SIM_FAULT_REPLY_FLIP);
		sim_trace(b, t, "FAULT reply-flip: bit %u of the reply to %s", *bit,
			  pkt_op_name(op));
		return SIM_STUB_REPLY_FLIP;
	}
	return SIM_STUB_PASS;
}

bool sim_faults_any(const struct sim_faults *f)
{
	for (int k = 0; k < SIM_FAULT_KINDS; k++)
		if (f->rule[k].p > 0 || f->rule[k].nth)
			return true;
	return false;
}
