/* SPDX-License-Identifier: MIT
 * The ROM's boot messages (reference §2.4): printed at 74880 baud with a 26 MHz crystal
 * (the ROM assumes 40 MHz and programs 115200), so a host at another rate reads garbage,
 * exactly what esptool flushes away before its first SYNC.
 *
 * The segment lines of a flash boot follow public captures of real boards (forum and
 * wiki posts of "ets Jan  8 2013" logs): "load 0x40100000, len 1396, room 16 " (with the
 * trailing space), "tail 4", "chksum 0x89", sometimes "ho 0 tail 12 room 4", and at the
 * end "csum 0x89" or "csum 0xef", "csum err", "ets_main.c " without a line end. The
 * numbers fit one model, inferred from those captures and not from the ROM's code: the
 * ROM reads flash in 16-byte lines.
 *   room  bytes of the current line still unread when a segment's data starts: 16 for
 *         the first segment, then what is left of the line the previous tail came from,
 *         minus the 8-byte segment header.
 *   tail  bytes of the segment in its last line: (len - room) mod 16, 0 when the
 *         segment fits in room.
 *   ho    printed when fewer than 8 bytes (but some) are left for the next segment
 *         header, which then straddles two lines: "ho H tail T room R" with T the
 *         previous tail, R the bytes left and H 0 when the previous segment ended in
 *         a line of its own, else the line offset where it ended (captures show "ho 0"
 *         after rooms 16, 8 and 4 with whole lines read, "ho 12" after a 0-byte
 *         segment at offset 12); the next room is R + 8.
 *   chksum  the XOR checksum so far (seed 0xEF), after each segment; csum is the final
 *         one, compared with the byte at the end of the 16-byte line after the data. */
#include "sim/board.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"

#define ROM_LINE 16u /* the ROM's flash read unit (inferred, see above) */

struct text {
	char *buf;
	size_t cap, n;
};

static void say(struct text *t, const char *fmt, ...)
{
	if (t->n + 1 >= t->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(t->buf + t->n, t->cap - t->n, fmt, ap);
	va_end(ap);
	if (w > 0)
		t->n += (size_t)w < t->cap - t->n ? (size_t)w : t->cap - t->n - 1;
}

/* The ROM's bookkeeping of one segment: prints load/tail/chksum (and ho before the next
 * header) and returns the room of the next segment. */
static uint32_t segment_lines(struct text *t, uint32_t addr, uint32_t len, uint32_t room,
			      uint8_t csum, bool more)
{
	say(t, "load 0x%08x, len %u, room %u \r\n", addr, len, room);
	uint32_t tail = len > room ? (len - room) % ROM_LINE : 0;
	/* what remains unread of the line holding the segment's last byte */
	uint32_t left = len > room ? (tail ? ROM_LINE - tail : 0) : room - len;
	say(t, "tail %u\r\nchksum 0x%02x\r\n", tail, csum);
	if (!more)
		return left;
	if (left >= 8)
		return left - 8;
	if (left > 0)
		say(t, "ho %u tail %u room %u\r\n", len > room ? 0 : ROM_LINE - room + len, tail,
		    left);
	return left + ROM_LINE - 8; /* a fresh line holds the rest of the header */
}

/* A flash boot lists the segments of the v1 image at 0x0 as the ROM loads them. */
static void flash_boot_lines(struct sim_board *b, struct text *t)
{
	size_t size;
	const uint8_t *f = sim_board_flash(b, &size);
	if (f[0] != 0xE9 || f[1] == 0 || f[1] > 16) {
		say(t, "\r\nflash read err, 0\r\n");
		return;
	}
	uint32_t pos = 8, room = ROM_LINE;
	uint8_t csum = 0xEF;
	for (unsigned i = 0; i < f[1] && pos + 8 <= size; i++) {
		uint32_t addr = get_le32(f + pos), len = get_le32(f + pos + 4);
		if (len > size - pos - 8)
			break;
		for (uint32_t k = 0; k < len; k++)
			csum ^= f[pos + 8 + k];
		room = segment_lines(t, addr, len, room, csum, i + 1 < f[1]);
		pos += 8 + len;
	}
	uint32_t csum_pos = pos | (ROM_LINE - 1);
	if (csum_pos >= size)
		return;
	/* the ROM prints what it computed, then whether the stored byte agrees */
	say(t, "csum 0x%02x\r\n", csum);
	if (f[csum_pos] != csum) {
		say(t, "csum err\r\nets_main.c ");
		return;
	}
	char boot2[512];
	if (sim_boot2_lines(f, size, boot2, sizeof boot2))
		say(t, "%s", boot2);
}

void sim_boot_log(struct sim_board *b, bool download, int rst_cause, uint64_t t)
{
	char text[2048];
	struct text out = {text, sizeof text, 0};
	say(&out, "\r\n ets Jan  8 2013,rst cause:%d, boot mode:(%d,6)\r\n\r\n", rst_cause,
	    download ? 1 : 3);
	if (download)
		say(&out, "waiting for host\r\n");
	else
		flash_boot_lines(b, &out);
	uint32_t baud = b->cfg.crystal_mhz == 40 ? 115200 : 74880;
	sim_emit(b, (const uint8_t *)text, out.n, baud, t);
}
