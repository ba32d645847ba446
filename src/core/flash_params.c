/* SPDX-License-Identifier: MIT
 * Flash parameter tables (reference §7.1, §8.1, §4). */
#include "core/flash_params.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define KIB 1024u
#define MIB (1024u * 1024u)

static const struct flash_size_info sizes[] = {
    {"256KB", "2m", 1, 256 * KIB, 0},	       {"512KB", "4m", 0, 512 * KIB, 256 * KIB},
    {"1MB", "8m", 2, 1 * MIB, 512 * KIB},      {"2MB", "16m", 3, 2 * MIB, 512 * KIB},
    {"4MB", "32m", 4, 4 * MIB, 512 * KIB},     {"2MB-c1", "16m-c1", 5, 2 * MIB, 1 * MIB},
    {"4MB-c1", "32m-c1", 6, 4 * MIB, 1 * MIB}, {"8MB", "64m", 8, 8 * MIB, 1 * MIB},
    {"16MB", "128m", 9, 16 * MIB, 1 * MIB},
};

static const struct flash_freq_info freqs[] = {
    {"40m", 0x0, 40000000},
    {"26m", 0x1, 26666666},
    {"20m", 0x2, 20000000},
    {"80m", 0xF, 80000000},
};

static const char *const modes[] = {"qio", "qout", "dio", "dout"};

/* esptool names case-insensitively ("4mb" is still megabytes); megabit names exactly, so an
 * upper-case M never silently means megabits. */
const struct flash_size_info *flash_size_by_name(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		if (!strcasecmp(name, sizes[i].name) ||
		    (sizes[i].old_name && !strcmp(name, sizes[i].old_name)))
			return &sizes[i];
	return NULL;
}

static const struct flash_size_info *by_old_name(const char *name)
{
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		if (sizes[i].old_name && !strcasecmp(name, sizes[i].old_name))
			return &sizes[i];
	return NULL;
}

/* "4M", "32M-c1": digits, an upper-case M not followed by B, maybe a suffix. Fills the two
 * readings ("4MB", "4m"); false when the name is not of that shape. */
static bool ambiguous_readings(const char *name, char *as_mb, char *as_mbit, size_t cap)
{
	size_t digits = strspn(name, "0123456789");
	if (digits == 0 || digits > 4 || name[digits] != 'M')
		return false;
	const char *rest = name + digits + 1;
	if (*rest == 'B' || *rest == 'b' || strlen(rest) > 8)
		return false;
	snprintf(as_mb, cap, "%.*sMB%s", (int)digits, name, rest);
	snprintf(as_mbit, cap, "%.*sm%s", (int)digits, name, rest);
	for (char *c = as_mbit + digits + 1; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return true;
}

static void explain_ambiguous(const char *name, const char *as_mb, const char *as_mbit, char *why,
			      size_t cap)
{
	const struct flash_size_info *mb = flash_size_by_name(as_mb);
	const struct flash_size_info *mbit = by_old_name(as_mbit);
	char mb_text[96], mbit_text[96];
	if (mb)
		snprintf(mb_text, sizeof mb_text, "%s (megabytes, size_map %u)", mb->name,
			 mb->size_map);
	else
		snprintf(mb_text, sizeof mb_text, "%s, which is no ESP8266 flash size", as_mb);
	if (mbit)
		snprintf(mbit_text, sizeof mbit_text, "the old megabit name %s = %s (size_map %u)",
			 mbit->old_name, mbit->name, mbit->size_map);
	else
		snprintf(mbit_text, sizeof mbit_text, "%s megabits, which is no ESP8266 flash size",
			 as_mbit);
	if (!mb && !mbit) {
		snprintf(why, cap, "unknown flash size '%s' (use %s)", name, flash_size_names());
		return;
	}
	snprintf(why, cap, "flash size '%s' is ambiguous: it could mean %s, or %s; write %s%s%s",
		 name, mb_text, mbit_text, mb ? mb->name : "", mb && mbit ? " or " : "",
		 mbit ? mbit->old_name : "");
}

const struct flash_size_info *flash_size_parse(const char *name, char *why, size_t cap)
{
	const struct flash_size_info *s = flash_size_by_name(name);
	if (s || !why || cap == 0)
		return s;
	char as_mb[32], as_mbit[32];
	if (name && ambiguous_readings(name, as_mb, as_mbit, sizeof as_mb))
		explain_ambiguous(name, as_mb, as_mbit, why, cap);
	else
		snprintf(why, cap, "unknown flash size '%s' (use %s)", name ? name : "",
			 flash_size_names());
	return NULL;
}

const char *flash_size_label(const char *name, char *buf, size_t cap)
{
	const struct flash_size_info *s = flash_size_by_name(name);
	if (s && s->old_name && !strcmp(name, s->old_name))
		snprintf(buf, cap, "%s = %s", s->old_name, s->name);
	else
		snprintf(buf, cap, "%s", s ? s->name : name ? name : "");
	return buf;
}

const struct flash_size_info *flash_size_by_map(uint8_t size_map)
{
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		if (sizes[i].size_map == size_map)
			return &sizes[i];
	return NULL;
}

const struct flash_size_info *flash_size_by_bytes(uint32_t bytes)
{
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		if (sizes[i].bytes == bytes)
			return &sizes[i];
	return NULL;
}

const struct flash_freq_info *flash_freq_by_name(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof freqs / sizeof freqs[0]; i++)
		if (!strcasecmp(name, freqs[i].name))
			return &freqs[i];
	return NULL;
}

const struct flash_freq_info *flash_freq_by_code(uint8_t code)
{
	for (size_t i = 0; i < sizeof freqs / sizeof freqs[0]; i++)
		if (freqs[i].code == code)
			return &freqs[i];
	return NULL;
}

int flash_mode_by_name(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < 4; i++)
		if (!strcasecmp(name, modes[i]))
			return i;
	return -1;
}

const char *flash_mode_name(int mode)
{
	return mode >= 0 && mode < 4 ? modes[mode] : "unknown";
}

const char *flash_size_names(void)
{
	return "256KB, 512KB, 1MB, 2MB, 4MB, 2MB-c1, 4MB-c1, 8MB, 16MB "
	       "(old names: 2m, 4m, 8m, 16m, 32m, 16m-c1, 32m-c1, 64m, 128m)";
}

const char *flash_freq_names(void)
{
	return "40m, 26m, 20m, 80m";
}

uint32_t flash_size_from_jedec(uint32_t flash_id)
{
	unsigned cap = (flash_id >> 16) & 0xFF;
	if (cap >= 0x32 && cap <= 0x3A)
		cap -= 0x20;
	if (cap >= 0x12 && cap <= 0x1C)
		return 1u << cap;
	if (cap >= 0x20 && cap <= 0x22)
		return 64u * MIB << (cap - 0x20);
	return 0;
}

const char *flash_size_jedec_name(uint32_t flash_id)
{
	static const char *const names[] = {"256KB", "512KB", "1MB",  "2MB",   "4MB",  "8MB",
					    "16MB",  "32MB",  "64MB", "128MB", "256MB"};
	uint32_t bytes = flash_size_from_jedec(flash_id);
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
		if (bytes == (256u << 10) << i)
			return names[i];
	return "Unknown";
}
