/* SPDX-License-Identifier: MIT
 * Unit tests of the journal: MD5 (RFC 1321 vectors), RFC 4180 quoting, append/read round
 * trips, torn lines, filters, MAC lookup, concurrent writers, and durability against a
 * writer killed with SIGKILL mid-stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal/csv.h"
#include "journal/journal.h"
#include "core/md5.h"
#include "journal/publish.h"
#include "core/util.h"

struct fixture {
	char dir[512];
	char path[600];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	const char *tmp = getenv("TMPDIR");
	snprintf(fx->dir, sizeof fx->dir, "%s/espdeck-journal-XXXXXX", tmp ? tmp : P_tmpdir);
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof fx->path, "%s/state/espdeck/journal.csv", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
	int rc = system(cmd);
	free(fx);
	return rc == 0 ? 0 : -1;
}

static void test_md5_vectors(void **state)
{
	/* RFC 1321 appendix A.5. */
	static const char *const vectors[][2] = {
	    {"", "d41d8cd98f00b204e9800998ecf8427e"},
	    {"a", "0cc175b9c0f1b6a831c399e269772661"},
	    {"abc", "900150983cd24fb0d6963f7d28e17f72"},
	    {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
	    {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
	    {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	     "d174ab98d277d9f5a5611c2c9f419d9f"},
	    {"1234567890123456789012345678901234567890123456789012345678901234567890123456789"
	     "0",
	     "57edf4a22be3c955ac49da2e2107b67a"},
	};
	char hex[33];
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		md5_buffer_hex(vectors[i][0], strlen(vectors[i][0]), hex);
		assert_string_equal(hex, vectors[i][1]);
	}
	/* Any split of the input gives the same digest (block boundaries at 55/56/64). */
	uint8_t big[1000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7 + 3);
	char whole[33];
	md5_buffer_hex(big, sizeof big, whole);
	for (size_t step = 1; step < 130; step += 9) {
		struct md5 ctx;
		uint8_t d[16];
		md5_init(&ctx);
		for (size_t off = 0; off < sizeof big; off += step)
			md5_update(&ctx, big + off,
				   off + step > sizeof big ? sizeof big - off : step);
		md5_final(&ctx, d);
		md5_hex(d, hex);
		assert_string_equal(hex, whole);
	}
}

static void test_md5_file(void **state)
{
	struct fixture *fx = *state;
	char path[600], hex[33];
	struct ed_error err;
	snprintf(path, sizeof path, "%s/abc.bin", fx->dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs("message digest", f);
	fclose(f);
	assert_int_equal(md5_file_hex(path, hex, &err), ED_OK);
	assert_string_equal(hex, "f96b697d7cb7938d525a2f31aaf161d0");
	snprintf(path, sizeof path, "%s/missing.bin", fx->dir);
	assert_int_equal(md5_file_hex(path, hex, &err), ED_ERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "missing.bin to checksum it: No such file"));
}

static void test_csv_quoting(void **state)
{
	struct csv_line line;
	csv_line_init(&line);
	csv_line_add(&line, "plain");
	csv_line_add(&line, "a,b");
	csv_line_add(&line, "say \"hi\"");
	csv_line_add(&line, "two\r\nlines");
	csv_line_add(&line, " padded");
	csv_line_add(&line, "");
	csv_line_add(&line, NULL);
	assert_int_equal(csv_line_end(&line, NULL), ED_OK);
	assert_string_equal(line.text,
			    "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\",\" padded\",,\r\n");

	char out[256], *field[8];
	size_t count, skip;
	long used = csv_parse_record(line.text, line.len, out, sizeof out, field, 8, &count, &skip);
	assert_int_equal(used, (long)line.len);
	assert_int_equal(count, 7);
	assert_string_equal(field[1], "a,b");
	assert_string_equal(field[2], "say \"hi\"");
	assert_string_equal(field[3], "two\r\nlines");
	assert_string_equal(field[4], " padded");
	assert_string_equal(field[6], "");
	/* Every proper prefix is an incomplete record, never a wrong one. */
	for (size_t n = 0; n < line.len; n++)
		assert_int_equal(
		    csv_parse_record(line.text, n, out, sizeof out, field, 8, &count, &skip), 0);
	csv_line_finish(&line);

	static const char bad[] = "a,b\"c,d\r\nnext,line\r\n";
	assert_int_equal(
	    csv_parse_record(bad, sizeof bad - 1, out, sizeof out, field, 8, &count, &skip),
	    ED_ERR_FORMAT);
	assert_int_equal(skip, 9); /* resumes at "next" */
	static const char bad2[] = "\"a\"b,c\n";
	assert_int_equal(
	    csv_parse_record(bad2, sizeof bad2 - 1, out, sizeof out, field, 8, &count, &skip),
	    ED_ERR_FORMAT);
}

static const struct journal_file demo_files[] = {
    {"boot_v1.6.bin", "0123456789abcdef0123456789abcdef", ""}, /* ROM mode: no board MD5 */
    {"user1.bin", "fedcba9876543210fedcba9876543210", "00112233445566778899aabbccddeeff"},
};

static struct journal_record demo(int i, const char *result, const char *error)
{
	static char port[64], mac[32];
	snprintf(port, sizeof port, "/dev/ttyUSB%d", i);
	snprintf(mac, sizeof mac, "5c:cf:7f:00:00:%02x", i & 0xFF);
	return (struct journal_record){.time = 1764032400 + i * 60, /* 2025-11-25T01:00:00Z */
				       .port = port,
				       .chip = "ESP8266EX",
				       .mac = mac,
				       .flash_id = "0x1640ef",
				       .preset = "32m-c1",
				       .files = demo_files,
				       .file_count = 2,
				       .result = result,
				       .duration_s = 12.25 + i,
				       .error = error};
}

struct collected {
	size_t n;
	struct journal_entry e[64];
};

static int collect(void *user, const struct journal_entry *e)
{
	struct collected *c = user;
	if (c->n < 64)
		c->e[c->n] = *e;
	c->n++;
	return 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void test_append_and_read_back(void **state)
{
	struct fixture *fx = *state;
	struct ed_error err;
	struct journal_record r = demo(0, "ok", NULL);
	assert_int_equal(journal_append(fx->path, &r, &err), ED_OK);
	r = demo(1, "failed", "no reply to SYNC, \"is GPIO0 low?\"\ntried 7 times");
	assert_int_equal(journal_append(fx->path, &r, &err), ED_OK);

	const char *text = slurp(fx->path);
	assert_string_equal(
	    text, JOURNAL_HEADER
	    "\r\n"
	    "2025-11-25T01:00:00Z,/dev/ttyUSB0,ESP8266EX,5c:cf:7f:00:00:00,0x1640ef,32m-c1,"
	    "boot_v1.6.bin=0123456789abcdef0123456789abcdef;user1.bin="
	    "fedcba9876543210fedcba9876543210/board:00112233445566778899aabbccddeeff,ok,12.2,,\r\n"
	    "2025-11-25T01:01:00Z,/dev/ttyUSB1,ESP8266EX,5c:cf:7f:00:00:01,0x1640ef,32m-c1,"
	    "boot_v1.6.bin=0123456789abcdef0123456789abcdef;user1.bin="
	    "fedcba9876543210fedcba9876543210/board:00112233445566778899aabbccddeeff,failed,13.2,"
	    "\"no reply to SYNC, \"\"is GPIO0 low?\"\"\ntried 7 times\",\r\n");

	struct collected c = {0};
	struct journal_stats st;
	assert_int_equal(journal_read(fx->path, collect, &c, &st, &err), ED_OK);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.damaged, 0);
	assert_false(st.torn_tail);
	assert_string_equal(c.e[1].error, "no reply to SYNC, \"is GPIO0 low?\"\ntried 7 times");
	assert_string_equal(c.e[1].result, "failed");
	assert_string_equal(c.e[1].duration_s, "13.2");
	assert_int_equal(c.e[1].when, 1764032460);
	assert_int_equal(c.e[1].line_no, 3);
	struct stat sb;
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);
}

/* The station's guard: an ok line with this MAC and exactly these files; the slot column;
 * journals of ten columns (before the slot) still read. */
static void test_find_written_and_slot(void **state)
{
	struct fixture *fx = *state;
	struct ed_error err;
	char files[256];
	journal_files_text(demo_files, 2, files, sizeof files);
	assert_string_equal(files, "boot_v1.6.bin=0123456789abcdef0123456789abcdef;user1.bin="
				   "fedcba9876543210fedcba9876543210");
	struct journal_entry e;
	assert_int_equal(journal_find_written(fx->path, "5c:cf:7f:00:00:01", files, &e, &err), 0);
	struct journal_record r = demo(1, "failed", "no reply");
	r.slot = "pci-0000:00:14.0-usb-0:1.2:1.0-port0";
	assert_int_equal(journal_append(fx->path, &r, &err), ED_OK);
	assert_int_equal(journal_find_written(fx->path, "5C-CF-7F-00-00-01", files, &e, &err), 0);
	r = demo(1, "ok", NULL);
	r.slot = "pci-0000:00:14.0-usb-0:1.2:1.0-port0";
	assert_int_equal(journal_append(fx->path, &r, &err), ED_OK);
	assert_int_equal(journal_find_written(fx->path, "5ccf7f000001", files, &e, &err), 1);
	assert_string_equal(e.slot, "pci-0000:00:14.0-usb-0:1.2:1.0-port0");
	assert_string_equal(e.result, "ok");
	/* Other files, or only some of them: not the same write. */
	journal_files_text(demo_files, 1, files, sizeof files);
	assert_int_equal(journal_find_written(fx->path, "5c:cf:7f:00:00:01", files, &e, &err), 0);
	assert_int_equal(journal_find_written(fx->path, "not a mac", files, &e, &err), ED_ERR_ARG);
	/* A line of ten columns, as journals had before the slot column. */
	FILE *f = fopen(fx->path, "ab");
	assert_non_null(f);
	fputs("2025-11-25T02:00:00Z,/dev/ttyUSB2,ESP8266EX,5c:cf:7f:00:00:02,0x1640ef,32m-c1,"
	      "user1.bin=fedcba9876543210fedcba9876543210,ok,3.0,\r\n",
	      f);
	fclose(f);
	struct collected c = {0};
	struct journal_stats st;
	assert_int_equal(journal_read(fx->path, collect, &c, &st, &err), ED_OK);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.damaged, 0);
	assert_string_equal(c.e[2].mac, "5c:cf:7f:00:00:02");
	assert_string_equal(c.e[2].slot, "");
	journal_files_text(&demo_files[1], 1, files, sizeof files);
	assert_int_equal(journal_find_written(fx->path, "5c:cf:7f:00:00:02", files, &e, &err), 1);
}

static void test_default_path(void **state)
{
	char out[512];
	struct ed_error err;
	setenv("XDG_STATE_HOME", "/srv/state", 1);
	setenv("HOME", "/home/tech", 1);
	assert_int_equal(journal_default_path(out, sizeof out, &err), ED_OK);
	assert_string_equal(out, "/srv/state/espdeck/journal.csv");
	setenv("XDG_STATE_HOME", "relative/ignored", 1);
	assert_int_equal(journal_default_path(out, sizeof out, &err), ED_OK);
	assert_string_equal(out, "/home/tech/.local/state/espdeck/journal.csv");
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	assert_int_equal(journal_default_path(out, sizeof out, &err), ED_ERR_NOTFOUND);
	assert_string_equal(err.msg, "no place for the journal: neither XDG_STATE_HOME nor HOME "
				     "is set; use --journal FILE");
}

static void test_torn_line_is_skipped_and_closed(void **state)
{
	struct fixture *fx = *state;
	struct ed_error err;
	struct journal_record r = demo(0, "ok", NULL);
	assert_int_equal(journal_append(fx->path, &r, &err), ED_OK);
	r = demo(1, "ok", NULL);
	assert_int_equal(journal_append(fx->path, &r, &err), ED_OK);
	/* A power loss mid-write: only part of the second line reached the disk. */
	struct stat sb;
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(truncate(fx->path, sb.st_size - 30), 0);

	struct collected c = {0};
	struct journal_stats st;
	assert_int_equal(journal_read(fx->path, collect, &c, &st, &err), ED_OK);
	assert_int_equal(st.entries, 1);
	assert_true(st.torn_tail);
	assert_string_equal(c.e[0].port, "/dev/ttyUSB0");

	/* The next append starts on a fresh line; the torn one is skipped as damaged. */
	r = demo(2, "cancelled", "stopped by the user");
	assert_int_equal(journal_append(fx->path, &r, &err), ED_OK);
	memset(&c, 0, sizeof c);
	assert_int_equal(journal_read(fx->path, collect, &c, &st, &err), ED_OK);
	assert_int_equal(st.entries, 2);
	assert_false(st.torn_tail);
	assert_int_equal(st.damaged, 1);
	assert_int_equal(st.first_damaged_line, 3);
	assert_string_equal(c.e[1].port, "/dev/ttyUSB2");
	assert_string_equal(c.e[1].error, "stopped by the user");
	assert_int_equal(c.e[1].line_no, 4);
}

static void test_filters_and_lookup(void **state)
{
	struct fixture *fx = *state;
	struct ed_error err;
	for (int i = 0; i < 6; i++) {
		struct journal_record r = demo(i % 3, i % 2 ? "failed" : "ok", NULL);
		r.time += i * 86400; /* one job a day */
		assert_int_equal(journal_append(fx->path, &r, &err), ED_OK);
	}
	struct journal_filter f = {.mac = "5C-CF-7F-00-00-01"};
	assert_int_equal(journal_filter_check(&f, &err), ED_OK);
	struct collected c = {0};
	assert_int_equal(journal_read(fx->path, collect, &c, NULL, &err), ED_OK);
	assert_int_equal(c.n, 6);
	size_t hits = 0;
	for (size_t i = 0; i < c.n; i++)
		hits += journal_entry_matches(&c.e[i], &f);
	assert_int_equal(hits, 2); /* i = 1 and 4 */

	time_t since, until;
	assert_int_equal(journal_parse_date("2025-11-26", false, &since, &err), ED_OK);
	assert_int_equal(journal_parse_date("2025-11-27", true, &until, &err), ED_OK);
	f = (struct journal_filter){.since = since, .until = until, .result = "ok"};
	hits = 0;
	for (size_t i = 0; i < c.n; i++)
		hits += journal_entry_matches(&c.e[i], &f);
	assert_int_equal(hits, 1); /* days 1 and 2; only day 2 is ok */
	f = (struct journal_filter){.file = "firmware/user1.bin"};
	assert_true(journal_entry_matches(&c.e[0], &f));
	f.file = "user2.bin";
	assert_false(journal_entry_matches(&c.e[0], &f));

	assert_int_equal(journal_parse_date("2025-11-26T13:05Z", false, &since, &err), ED_OK);
	assert_int_equal(since, 1764162300);
	assert_int_equal(journal_parse_date("yesterday", false, &since, &err), ED_ERR_ARG);
	assert_string_equal(err.msg, "cannot read the date 'yesterday': use YYYY-MM-DD or "
				     "YYYY-MM-DDTHH:MM[:SS] (UTC)");
	assert_int_equal(journal_parse_date("2025-13-01", false, &since, &err), ED_ERR_ARG);
	f = (struct journal_filter){.mac = "5c:cf:7f"};
	assert_int_equal(journal_filter_check(&f, &err), ED_ERR_ARG);
	assert_non_null(strstr(err.msg, "'5c:cf:7f' is not a MAC address"));
	f = (struct journal_filter){.result = "passed"};
	assert_int_equal(journal_filter_check(&f, &err), ED_ERR_ARG);
	assert_string_equal(err.msg, "unknown result 'passed': use ok, failed or cancelled");

	/* Saved again by a spreadsheet: a byte order mark and LF line ends still read. */
	char saved[700];
	snprintf(saved, sizeof saved, "%s/saved.csv", fx->dir);
	FILE *out = fopen(saved, "wb");
	assert_non_null(out);
	fputs("\xEF\xBB\xBF" JOURNAL_HEADER "\n2025-11-25T01:00:00Z,p,c,5c:cf:7f:00:00:00,f,pr,"
	      "a.bin=x,ok,1.0,\n",
	      out);
	fclose(out);
	struct journal_stats st;
	memset(&c, 0, sizeof c);
	assert_int_equal(journal_read(saved, collect, &c, &st, &err), ED_OK);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.damaged, 0);
	assert_string_equal(c.e[0].time, "2025-11-25T01:00:00Z");

	struct journal_history h;
	assert_int_equal(journal_lookup_mac(fx->path, "5ccf7f000000", &h, &err), ED_OK);
	assert_int_equal(h.times, 2); /* i = 0 and 3 */
	assert_int_equal(h.ok, 1);
	assert_string_equal(h.last.result, "failed");
	assert_int_equal(h.last.when, 1764032400 + 3 * 86400);
	assert_int_equal(journal_lookup_mac(fx->path, "5c:cf:7f:99:99:99", &h, &err), ED_OK);
	assert_int_equal(h.times, 0);
	char missing[700];
	snprintf(missing, sizeof missing, "%s/none.csv", fx->dir);
	assert_int_equal(journal_lookup_mac(missing, "5c:cf:7f:99:99:99", &h, &err), ED_OK);
	assert_int_equal(journal_read(missing, collect, &c, NULL, &err), ED_ERR_NOTFOUND);
}

/* Appends records forever (or count of them), writing each index to fd once it returned. */
static void writer(const char *path, int fd, int first, int count)
{
	for (int i = first; count < 0 || i < first + count; i++) {
		char error[64];
		snprintf(error, sizeof error, "board %d, \"quoted\"\nsecond line", i);
		struct journal_record r = demo(i, "ok", error);
		if (journal_append(path, &r, NULL) < 0)
			_exit(3);
		if (fd >= 0 && write(fd, &i, sizeof i) != sizeof i)
			_exit(4);
	}
	_exit(0);
}

static void check_intact(const struct journal_entry *e, int i)
{
	char want[64];
	snprintf(want, sizeof want, "board %d, \"quoted\"\nsecond line", i);
	assert_string_equal(e->error, want);
	snprintf(want, sizeof want, "/dev/ttyUSB%d", i);
	assert_string_equal(e->port, want);
	assert_string_equal(e->files, "boot_v1.6.bin=0123456789abcdef0123456789abcdef;"
				      "user1.bin=fedcba9876543210fedcba9876543210/board:"
				      "00112233445566778899aabbccddeeff");
	/* the board's MD5 does not hide the file name from --file */
	struct journal_filter f = {.file = "user1.bin"};
	assert_true(journal_entry_matches(e, &f));
}

struct all_entries {
	size_t n;
	struct journal_entry *e;
};

static int collect_all(void *user, const struct journal_entry *e)
{
	struct all_entries *a = user;
	a->e[a->n++] = *e;
	return 0;
}

static void test_killed_writer_loses_nothing_reported(void **state)
{
	struct fixture *fx = *state;
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		writer(fx->path, pipefd[1], 0, -1);
	}
	close(pipefd[1]);
	int last = -1, idx;
	/* Let it report 40 lines, then kill it in the middle of whatever it is doing. */
	while (last < 39 && read(pipefd[0], &idx, sizeof idx) == sizeof idx)
		last = idx;
	kill(pid, SIGKILL);
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFSIGNALED(status));
	while (read(pipefd[0], &idx, sizeof idx) == sizeof idx)
		last = idx; /* reported before it died */
	close(pipefd[0]);

	struct all_entries a = {0, calloc(4096, sizeof(struct journal_entry))};
	struct journal_stats st;
	struct ed_error err;
	assert_int_equal(journal_read(fx->path, collect_all, &a, &st, &err), ED_OK);
	assert_int_equal(st.damaged, 0);
	/* Every reported line is there and intact, in order; at most one more got written. */
	assert_true(a.n >= (size_t)last + 1);
	assert_true(a.n <= (size_t)last + 2);
	for (size_t i = 0; i < a.n; i++)
		check_intact(&a.e[i], (int)i);
	free(a.e);
}

static void test_concurrent_writers_do_not_interleave(void **state)
{
	struct fixture *fx = *state;
	pid_t pids[3];
	for (int w = 0; w < 3; w++) {
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (pids[w] == 0)
			writer(fx->path, -1, w * 1000, 40);
	}
	for (int w = 0; w < 3; w++) {
		int status;
		waitpid(pids[w], &status, 0);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	struct all_entries a = {0, calloc(4096, sizeof(struct journal_entry))};
	struct journal_stats st;
	struct ed_error err;
	assert_int_equal(journal_read(fx->path, collect_all, &a, &st, &err), ED_OK);
	assert_int_equal(a.n, 120);
	assert_int_equal(st.damaged, 0);
	int next[3] = {0, 1000, 2000};
	for (size_t i = 0; i < a.n; i++) {
		int board = atoi(a.e[i].port + strlen("/dev/ttyUSB"));
		int w = board / 1000;
		assert_int_equal(board, next[w]); /* each writer's lines stay in its order */
		next[w]++;
		check_intact(&a.e[i], board);
	}
	/* The header is written once. */
	const char *text = slurp(fx->path);
	assert_null(strstr(text + 1, JOURNAL_HEADER));
	free(a.e);
}

static void test_unwritable_journal(void **state)
{
	struct fixture *fx = *state;
	char path[700];
	snprintf(path, sizeof path, "%s/file-not-dir", fx->dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof path, "%s/file-not-dir/journal.csv", fx->dir);
	struct ed_error err;
	struct journal_record r = demo(0, "ok", NULL);
	assert_int_equal(journal_append(path, &r, &err), ED_ERR_IO);
	assert_non_null(strstr(err.msg, "cannot open the journal "));
	assert_non_null(strstr(err.msg, "file-not-dir/journal.csv: Not a directory"));
}

/* Random bytes and random CSV-ish text: the parser never reads past its input, and what it
 * accepts re-encodes to fields that parse back the same. */
static void test_csv_fuzz(void **state)
{
	static const char alphabet[] = "ab,\"\r\n ";
	unsigned seed = 4180;
	char text[64], out[256], *field[16], out2[256], *field2[16];
	for (int round = 0; round < 20000; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t len = (seed >> 16) % sizeof text;
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			text[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
		}
		size_t count, skip, count2, skip2;
		long used = csv_parse_record(text, len, out, sizeof out, field, 16, &count, &skip);
		assert_true(used <= (long)len);
		assert_true(skip <= len);
		if (used <= 0 || count > 16)
			continue;
		struct csv_line line;
		csv_line_init(&line);
		for (size_t i = 0; i < count; i++)
			csv_line_add(&line, field[i]);
		assert_int_equal(csv_line_end(&line, NULL), ED_OK);
		long used2 = csv_parse_record(line.text, line.len, out2, sizeof out2, field2, 16,
					      &count2, &skip2);
		assert_int_equal(used2, (long)line.len);
		assert_int_equal(count2, count);
		for (size_t i = 0; i < count; i++)
			assert_string_equal(field2[i], field[i]);
		csv_line_finish(&line);
	}
}

static void test_reader_survives_garbage(void **state)
{
	struct fixture *fx = *state;
	char path[700];
	snprintf(path, sizeof path, "%s/garbage.csv", fx->dir);
	unsigned seed = 1321;
	for (int round = 0; round < 50; round++) {
		uint8_t junk[3000];
		for (size_t i = 0; i < sizeof junk; i++) {
			seed = seed * 1103515245u + 12345u;
			junk[i] = (uint8_t)(seed >> 16);
			if (junk[i] % 7 == 0)
				junk[i] = (uint8_t) ",\"\n"[junk[i] % 3];
		}
		assert_int_equal(ed_write_file_atomic(path, junk, sizeof junk, NULL), ED_OK);
		struct journal_stats st;
		struct ed_error err;
		assert_int_equal(journal_read(path, NULL, NULL, &st, &err), ED_OK);
		assert_true(st.entries + st.damaged > 0 || st.torn_tail);
	}
}

static void test_publish_targets(void **state)
{
	static const struct {
		const char *spec;
		int rc;
		enum publish_kind kind;
	} cases[] = {
	    {"www", ED_OK, PUBLISH_LOCAL},
	    {"/srv/www/firmware", ED_OK, PUBLISH_LOCAL},
	    {"./odd:name", ED_OK, PUBLISH_LOCAL}, /* slash before the colon: local */
	    {"host:fw", ED_OK, PUBLISH_SCP},
	    {"root@192.168.178.82:/media/storage1/www", ED_OK, PUBLISH_SCP},
	    {"user@host:", ED_OK, PUBLISH_SCP},
	    {":fw", ED_ERR_ARG, PUBLISH_LOCAL},
	    {"user@:fw", ED_ERR_ARG, PUBLISH_LOCAL},
	    {"", ED_ERR_ARG, PUBLISH_LOCAL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct publish_target t;
		struct ed_error err;
		assert_int_equal(publish_target_parse(cases[i].spec, &t, &err), cases[i].rc);
		if (cases[i].rc == ED_OK)
			assert_int_equal(t.kind, cases[i].kind);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_md5_vectors),
	    cmocka_unit_test_setup_teardown(test_md5_file, setup, teardown),
	    cmocka_unit_test(test_csv_quoting),
	    cmocka_unit_test_setup_teardown(test_append_and_read_back, setup, teardown),
	    cmocka_unit_test(test_default_path),
	    cmocka_unit_test_setup_teardown(test_find_written_and_slot, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_torn_line_is_skipped_and_closed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_filters_and_lookup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_killed_writer_loses_nothing_reported, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_writers_do_not_interleave, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_unwritable_journal, setup, teardown),
	    cmocka_unit_test(test_csv_fuzz),
	    cmocka_unit_test(test_publish_targets),
	    cmocka_unit_test_setup_teardown(test_reader_survives_garbage, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
