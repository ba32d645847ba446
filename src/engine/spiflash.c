/* SPDX-License-Identifier: MIT
 * SPI flash user commands through the SPI0 registers, esptool's run_spiflash_command
 * recipe (reference §5.2) extended to reads, erases and busy polling (§5.3). */
#include "engine/spiflash.h"

#include <string.h>

#include "core/util.h"

#define SPI0_BASE     0x60000200u
#define SPI_CMD	      (SPI0_BASE + 0x00)
#define SPI_ADDR      (SPI0_BASE + 0x04)
#define SPI_RD_STATUS (SPI0_BASE + 0x10)
#define SPI_USER      (SPI0_BASE + 0x1C)
#define SPI_USER1     (SPI0_BASE + 0x20)
#define SPI_USER2     (SPI0_BASE + 0x24)
#define SPI_W0	      (SPI0_BASE + 0x40)

#define CMD_USR (1u << 18)
/* Built-in commands (reference §5.1): one register write each, no USER layout needed. */
#define CMD_WREN (1u << 30)
#define CMD_WRDI (1u << 29)
#define CMD_RDSR (1u << 27)
#define CMD_SE	 (1u << 24)
#define CMD_BE	 (1u << 23)
#define CMD_CE	 (1u << 22)
/* RD_STATUS is preset to this before each built-in RDSR: WIP and WEL set, so an RDSR
 * lost on the wire reads as "busy", never as "done". */
#define STATUS_SENTINEL 0xFFu
#define SR_WIP		0x01u
#define SR_WEL		0x02u
#define USER_COMMAND	(1u << 31)
#define USER_ADDR	(1u << 30)
#define USER_MISO	(1u << 28)
#define USER_MOSI	(1u << 27)

/* SPI NOR opcodes (JEDEC, W25Q32 datasheet). */
#define OP_WREN 0x06
#define OP_RDSR 0x05
#define OP_RDID 0x9F
#define OP_READ 0x03

/* Worst cases from the W25Q32 table (reference §11.3) with a margin, and the typical
 * times (45 ms, 150 ms) that set when and how often the status is polled. */
#define SECTOR_ERASE_TIMEOUT_US 3000000u
#define BLOCK_ERASE_TIMEOUT_US	10000000u
#define SECTOR_ERASE_TYP_US	45000u
#define BLOCK_ERASE_TYP_US	150000u

int spiflash_begin(struct spiflash *sf, struct loader *ld, struct ed_error *err)
{
	memset(sf, 0, sizeof *sf);
	sf->ld = ld;
	int rc = loader_attach_flash(ld, err);
	if (rc < 0)
		return rc;
	if ((rc = loader_read_reg(ld, SPI_USER, &sf->saved_user, err)) < 0 ||
	    (rc = loader_read_reg(ld, SPI_USER2, &sf->saved_user2, err)) < 0)
		return rc;
	sf->active = true;
	return ED_OK;
}

int spiflash_end(struct spiflash *sf, struct ed_error *err)
{
	if (!sf->active)
		return ED_OK;
	sf->active = false;
	int rc = ED_OK;
	if (!sf->known || sf->user != sf->saved_user)
		rc = loader_write_reg(sf->ld, SPI_USER, sf->saved_user, err);
	if (rc == ED_OK && (!sf->known || sf->user2 != sf->saved_user2))
		rc = loader_write_reg(sf->ld, SPI_USER2, sf->saved_user2, err);
	return rc;
}

/* WRITE_REG carries no checksum: a bit flipped on the wire would change the address of an
 * erase or the opcode of a command. Every setup register is read back before a command
 * runs, and written again when it differs. */
static int write_checked(struct spiflash *sf, uint32_t reg, uint32_t value, struct ed_error *err)
{
	uint32_t prev = 0;
	for (int attempt = 0; attempt < 3; attempt++) {
		uint32_t back = 0;
		int rc = loader_write_reg(sf->ld, reg, value, err);
		if (rc < 0 || sf->no_readback)
			return rc;
		if ((rc = loader_read_reg(sf->ld, reg, &back, err)) < 0)
			return rc;
		if (back == value)
			return ED_OK;
		if (attempt > 0 && back == prev && loader_anomalies(sf->ld) == 0) {
			/* Two read-backs whose addresses each lost a bit also agree (on 0) before
			 * the line showed any anomaly (campaign seed 1082, hdrflip: the checks
			 * went off and a garbled USER write made every read return zeros). Three
			 * more reads must agree too. */
			for (int k = 0; k < 3 && back == prev; k++)
				if ((rc = loader_read_reg(sf->ld, reg, &back, err)) < 0)
					return rc;
			if (back == value)
				return ED_OK;
		}
		if (attempt > 0 && back == prev && loader_anomalies(sf->ld) == 0) {
			/* The same other value five times on a clean line: not noise, but a loader
			 * (or model) whose register does not read back what was written. Trust
			 * writes from now on. On a line that showed any anomaly garbled
			 * read-backs agree too easily (both 0: campaign seed 420), so never
			 * there. */
			ed_log(
			    loader_log(sf->ld), ED_LOG_DEBUG,
			    "register 0x%08x reads 0x%08x after writing 0x%08x: not checking SPI "
			    "register writes on this board",
			    reg, back, value);
			sf->no_readback = true;
			return ED_OK;
		}
		prev = back;
		ed_log(loader_log(sf->ld), ED_LOG_DEBUG,
		       "register 0x%08x reads 0x%08x after writing 0x%08x; writing it again", reg,
		       back, value);
	}
	return ed_fail(err, ED_ERR_PROTO,
		       "SPI register 0x%08x does not keep the value 0x%08x: the line is too noisy; "
		       "try a lower --baud or another cable",
		       reg, value);
}

/* Setup registers are written only when they change. Commands whose corruption could do
 * harm (erases, reads whose data is kept) need them read back; WREN, RDSR and RDID do
 * not (a garbled one fails visibly later), so they skip the read-back and leave the
 * register marked unchecked for the next command that cares. */
static int write_cached(struct spiflash *sf, uint32_t reg, uint32_t *cache, bool *checked,
			uint32_t value, bool need_check, struct ed_error *err)
{
	int rc = ED_OK;
	if (sf->known && *cache == value) {
		if (!need_check || *checked || sf->no_readback)
			return ED_OK;
		uint32_t back = 0;
		if ((rc = loader_read_reg(sf->ld, reg, &back, err)) < 0)
			return rc;
		if (back == value) {
			*checked = true;
			return ED_OK;
		}
	}
	rc = need_check ? write_checked(sf, reg, value, err)
			: loader_write_reg(sf->ld, reg, value, err);
	if (rc == ED_OK) {
		*cache = value;
		*checked = need_check;
	}
	return rc;
}

/* Starts the transaction set up in the registers and collects miso_bits of reply. */
static int run_command(struct spiflash *sf, uint8_t op, unsigned miso_bits, uint32_t *miso,
		       struct ed_error *err)
{
	int rc;
	/* A trigger lost on the wire (its address garbled) runs nothing and leaves W0..W15
	 * as they were: runs that all lose it would agree on the previous data (campaign-like
	 * seed 2 of test_read_addr_flip_noisy). W0 gets a value of its own before each run,
	 * different every time, so a run that did not happen never agrees with another one.
	 * Below bit 20, so that the same write sent to CMD cannot start a built-in command. */
	if (miso &&
	    (rc = loader_write_reg(sf->ld, SPI_W0, 0x5A00u | (sf->poison++ & 0xFFu), err)) < 0)
		return rc;
	if ((rc = loader_write_reg(sf->ld, SPI_CMD, CMD_USR, err)) < 0)
		return rc;
	/* esptool polls CMD up to 10 times for the USR bit to clear. */
	uint32_t cmd = CMD_USR;
	for (int i = 0; i < 10 && (cmd & CMD_USR); i++)
		if ((rc = loader_read_reg(sf->ld, SPI_CMD, &cmd, err)) < 0)
			return rc;
	if (cmd & CMD_USR)
		return ed_fail(
		    err, ED_ERR_DEVICE,
		    "SPI command 0x%02x did not complete in time: the flash chip does not "
		    "answer",
		    op);
	for (unsigned i = 0; miso && i < (miso_bits + 31) / 32; i++)
		if ((rc = loader_read_reg(sf->ld, SPI_W0 + 4 * i, &miso[i], err)) < 0)
			return rc;
	return ED_OK;
}

/* One user transaction: command byte, optional 24-bit address, optional MOSI words,
 * miso_bits read back into miso[] (words). */
static int user_command_bits(struct spiflash *sf, uint8_t op, bool has_addr, uint32_t addr,
			     const uint32_t *mosi, unsigned mosi_bits, unsigned miso_bits,
			     uint32_t *miso, struct ed_error *err);

static int user_command(struct spiflash *sf, uint8_t op, bool has_addr, uint32_t addr,
			const uint32_t *mosi, unsigned mosi_words, unsigned miso_bits,
			uint32_t *miso, struct ed_error *err)
{
	return user_command_bits(sf, op, has_addr, addr, mosi, mosi_words * 32, miso_bits, miso,
				 err);
}

/* user_command() with MOSI counted in bits (a status write sends 8 or 16). */
static int user_command_bits(struct spiflash *sf, uint8_t op, bool has_addr, uint32_t addr,
			     const uint32_t *mosi, unsigned mosi_bits, unsigned miso_bits,
			     uint32_t *miso, struct ed_error *err)
{
	bool check = op != OP_WREN && op != OP_RDSR && op != OP_RDID;
	unsigned mosi_words = (mosi_bits + 31) / 32;
	uint32_t user1 = ((miso_bits ? miso_bits - 1 : 0) << 8) |
			 ((mosi_bits ? mosi_bits - 1 : 0) << 17) | (has_addr ? 23u << 26 : 0);
	uint32_t user = USER_COMMAND | (miso_bits ? USER_MISO : 0) | (mosi_bits ? USER_MOSI : 0) |
			(has_addr ? USER_ADDR : 0);
	uint32_t user2 = (7u << 28) | op;
	int rc;
	if ((rc = write_cached(sf, SPI_USER1, &sf->user1, &sf->checked[0], user1, check, err)) < 0)
		return rc;
	/* The cache is only trusted after all three have been written once. */
	if ((rc = write_cached(sf, SPI_USER, &sf->user, &sf->checked[1], user, check, err)) < 0)
		return rc;
	if ((rc = write_cached(sf, SPI_USER2, &sf->user2, &sf->checked[2], user2, check, err)) < 0)
		return rc;
	sf->known = true;
	/* The ESP8266 shifts the address out from bit 31 (esptool: addr << (32 - 24)). A read
	 * whose result is compared anyway (verify) needs no read-back of it. */
	if (has_addr &&
	    (rc = sf->addr_unchecked ? loader_write_reg(sf->ld, SPI_ADDR, addr << 8, err)
				     : write_checked(sf, SPI_ADDR, addr << 8, err)) < 0)
		return rc;
	for (unsigned i = 0; i < mosi_words; i++)
		if ((rc = write_checked(sf, SPI_W0 + 4 * i, mosi[i], err)) < 0)
			return rc;
	return run_command(sf, op, miso_bits, miso, err);
}

int spiflash_read_id(struct spiflash *sf, uint32_t *jedec, struct ed_error *err)
{
	uint32_t w = 0;
	int rc = user_command(sf, OP_RDID, false, 0, NULL, 0, 24, &w, err);
	if (rc < 0)
		return rc;
	*jedec = w & 0xFFFFFFu;
	return ED_OK;
}

/* WRDI after every read transaction. A trigger (CMD = USR) with one bit flipped on the
 * wire can also set WREN (bit 30), which leaves the flash write-enabled; a later flip
 * that adds SE, BE or CE (bits 24, 23, 22), or an ADDR write sent to CMD, would then
 * erase during a mere read (campaign seed 1587 erased sector 0x8000 during a verify).
 * Clearing WEL after each chunk leaves such a pair one chunk to happen in, not a whole
 * read; one round trip per 64 bytes. */
static int disarm(struct spiflash *sf, struct ed_error *err)
{
	return loader_write_reg(sf->ld, SPI_CMD, CMD_WRDI, err);
}

static int read_status(struct spiflash *sf, uint32_t *sr, struct ed_error *err);

/* After a chunk, on a line that showed any anomaly: the flash's WEL bit read and proven
 * clear. Every run ends with WRDI, but a WRDI whose address lost a bit goes elsewhere
 * (campaign seed 700735); three status commands per chunk, only on a noisy line. */
static int prove_disarmed(struct spiflash *sf, struct ed_error *err)
{
	if (!loader_anomalies(sf->ld))
		return ED_OK;
	uint32_t sr = 0;
	for (int attempt = 0; attempt < 3; attempt++) {
		int rc = read_status(sf, &sr, err);
		if (rc < 0)
			return rc;
		if (!(sr & SR_WEL))
			return ED_OK;
		loader_note_anomaly(sf->ld, "the flash was write-enabled during a read");
		if ((rc = disarm(sf, err)) < 0)
			return rc;
	}
	return ed_fail(err, ED_ERR_DEVICE,
		       "the flash stays write-enabled during a read (status 0x%02x): the line "
		       "garbles register writes; try a lower --baud or another cable",
		       sr & 0xFF);
}

/* Reads ADDR back after a run's data reads. READ_REG replies name no register: a reply
 * duplicated or arriving late answers the next request in its place and shifts every word
 * after it by one. ADDR holds this chunk's address (a value no other reply of the chunk
 * has), so reading it last ties the run's replies to their requests (issue 11, defect 4).
 * A mismatch is an anomaly: 1 = run again after a resynchronisation. */
static int sentinel(struct spiflash *sf, uint32_t addr, struct ed_error *err)
{
	uint32_t back = 0;
	int rc = loader_read_reg(sf->ld, SPI_ADDR, &back, err);
	if (rc < 0)
		return rc;
	if (back == addr << 8)
		return 0;
	loader_note_anomaly(sf->ld, "a register read answered by another request's reply");
	loader_discard_input(sf->ld);
	sf->known = false; /* the setup registers are written (and read back) again */
	return 1;
}

/* One run of the READ at addr into words, the transaction set up first when setup is
 * true. Stale replies already received are dropped first. */
static int read_run(struct spiflash *sf, uint32_t addr, bool setup, bool check_addr,
		    uint32_t words[16], struct ed_error *err)
{
	loader_discard_input(sf->ld);
	sf->addr_unchecked = !check_addr;
	int rc = setup ? user_command(sf, OP_READ, true, addr, NULL, 0, SPIFLASH_READ_CHUNK * 8,
				      words, err)
		       : run_command(sf, OP_READ, SPIFLASH_READ_CHUNK * 8, words, err);
	sf->addr_unchecked = false;
	return rc;
}

/* After each run: ADDR read back (the sentinel: 1 = the run's replies were out of step),
 * then WRDI. WRDI after every run, not only after the chunk: a trigger that became WREN in
 * one run and one that became PP (or SE) in the next programmed the flash during a verify
 * (campaign seed 700735, whose chunk-end WRDI went to another register). The sentinel
 * comes first: it must be the read right after the run's last word. */
static int end_run(struct spiflash *sf, uint32_t addr, struct ed_error *err)
{
	int rc = sentinel(sf, addr, err);
	if (rc < 0)
		return rc;
	int rc2 = disarm(sf, err);
	return rc2 < 0 ? rc2 : rc;
}

/* Word i's value by vote over n runs: the value seen most often, once it was seen `need`
 * times, at least two times more than any other value, and three times as often as a
 * value seen twice or more. */
static bool vote(uint32_t runs[][16], int n, int i, int need, uint32_t *out)
{
	int best = 0, second = 0;
	uint32_t value = 0;
	for (int a = 0; a < n; a++) {
		int count = 0;
		for (int b = 0; b < n; b++)
			count += runs[b][i] == runs[a][i];
		if (count > best) {
			if (runs[a][i] != value)
				second = best;
			best = count;
			value = runs[a][i];
		} else if (runs[a][i] != value && count > second) {
			second = count;
		}
	}
	*out = value;
	/* Two values each seen twice or more mean a request for this word went wrong again
	 * and again: the leader then needs three times the runs of the next (campaign seed
	 * 500334: a word read as 0 through five garbled addresses, as itself twice). */
	return best >= need && best >= second + 2 && (second < 2 || best >= 3 * second);
}

/* The cached transaction layout still in place after the runs. WRITE_REG carries no
 * checksum: a CMD or ADDR write whose address lost a bit lands on USER1 or USER2 and
 * changes every later transaction the same way, so the runs agree on wrong data (campaign
 * seed 1351: all-zero chunks). Three reads per chunk of data nothing else checks.
 * 1 = changed: written again, and the chunk read again. */
static int setup_intact(struct spiflash *sf, struct ed_error *err)
{
	static const uint32_t regs[3] = {SPI_USER1, SPI_USER, SPI_USER2};
	const uint32_t want[3] = {sf->user1, sf->user, sf->user2};
	for (int i = 0; i < 3 && !sf->no_readback; i++) {
		uint32_t back = 0;
		int rc = loader_read_reg(sf->ld, regs[i], &back, err);
		if (rc < 0)
			return rc;
		/* A read whose address lost a bit returns another register's value: read a
		 * register that looks changed once more before the runs are thrown away
		 * (campaign seed 17, hdrflip: a good chunk dropped for a misdirected check,
		 * its next attempt then outvoted by misdirected word reads). */
		if (back != want[i] && (rc = loader_read_reg(sf->ld, regs[i], &back, err)) < 0)
			return rc;
		if (back != want[i]) {
			loader_note_anomaly(sf->ld, "an SPI setup register changed under a read");
			sf->known = false;
			return 1;
		}
	}
	return 0;
}

/* A value that a READ_REG sent to the wrong register could return: 0 (an unmapped
 * register), another word of the chunk (a W register one address bit away) or a value the
 * setup registers hold. Two runs whose requests for word i both lost an address bit agree
 * on such a value and leave no other trace, even on a line that showed no anomaly yet
 * (campaign seed 21994: word 7 read as 0 from 0xe000025c, then from 0x6008025c). */
static bool misdirect_value(const struct spiflash *sf, uint32_t addr, const uint32_t words[16],
			    int i)
{
	uint32_t v = words[i];
	if (v == 0 || v == addr << 8 || v == sf->user || v == sf->user1 || v == sf->user2)
		return true;
	for (int j = 0; j < 16; j++)
		if (j != i && words[j] == v)
			return true;
	return false;
}

/* Whether some run read word i as a value that no misdirected read returns: then a
 * misdirect value that leads needs one run more again (campaign seed 17: four of five runs
 * read a word as 0 through garbled addresses, once as itself). */
static bool other_value_seen(const struct spiflash *sf, uint32_t addr, uint32_t runs[][16], int n,
			     int i, const uint32_t words[16])
{
	uint32_t probe[16];
	memcpy(probe, words, sizeof probe);
	for (int r = 0; r < n; r++) {
		probe[i] = runs[r][i];
		if (!misdirect_value(sf, addr, probe, i))
			return true;
	}
	return false;
}

/* Runs the READ at addr until every word's value is settled by vote: two agreeing runs,
 * three once the session saw any anomaly or when the value is one a misdirected read
 * could return. On a line that garbles register addresses, faulty reads of one word often
 * agree with each other (an unmapped register reads 0: campaign seed 110), so a value must
 * also lead every other value by two runs. Up to AGREE_RUNS runs are kept, so a noisy line
 * costs runs, not a failure. */
#define AGREE_RUNS 16
static int runs_agree(struct spiflash *sf, uint32_t addr, uint32_t words[16], struct ed_error *err)
{
	uint32_t runs[AGREE_RUNS][16];
	int need = loader_anomalies(sf->ld) ? 3 : 2;
	for (int n = 0, tries = 0; n < AGREE_RUNS && tries < 2 * AGREE_RUNS; tries++) {
		int rc = read_run(sf, addr, n == 0 || !sf->known, false, runs[n], err);
		if (rc < 0)
			return rc;
		/* Each run's replies are tied to their requests by ADDR read last: a request
		 * or reply duplicated inside a run shifts its later words by one, and runs
		 * shifted at different words still agree on the last ones (campaign seed
		 * 900087: word 15 of a chunk dumped as word 14). A shifted run does not vote. */
		if ((rc = end_run(sf, addr, err)) < 0)
			return rc;
		if (rc == 1) {
			need = 3;
			continue;
		}
		if (n > 0 && memcmp(runs[n], runs[n - 1], sizeof runs[n])) {
			loader_note_anomaly(sf->ld, "runs of one SPI read differ");
			need = 3;
		}
		bool settled = n > 0;
		for (int i = 0; i < 16 && settled; i++)
			settled = vote(runs, n + 1, i, need, &words[i]);
		/* A value a misdirected read returns needs one run more than others: three
		 * requests for one word that each lost an address bit agree on 0 (campaign
		 * seed 300020: word 13 read from 0x60080274, 0x60000074 twice). */
		for (int i = 0; i < 16 && settled; i++)
			if (misdirect_value(sf, addr, words, i))
				settled = vote(
				    runs, n + 1, i,
				    need +
					(other_value_seen(sf, addr, runs, n + 1, i, words) ? 2 : 1),
				    &words[i]);
		if (settled)
			return ED_OK;
		n++;
	}
	return ed_fail(err, ED_ERR_PROTO,
		       "flash at 0x%06x reads differently every time: the line is too noisy; try a "
		       "lower --baud or another cable",
		       addr);
}

/* One 64-byte READ. ROM replies carry no checksum and no register identity, and WRITE_REG
 * has no checksum either: a bit flipped on the wire can change a data word, send a request
 * to another register (whose value comes back as if it were the one asked: defect 5),
 * turn the trigger into a no-op that leaves the previous chunk in W0..W15, or a duplicated
 * or late reply can shift the words. Every mode ends with the ADDR sentinel (shifts, a
 * wrong ADDR). SPIFLASH_READ_TWICE runs the transaction again until two runs agree, which
 * is the only way to see a request that went to the wrong register (about twice the
 * cost); the single modes run it once, for data that is compared anyway. */
static int read_chunk(struct spiflash *sf, uint32_t addr, uint32_t words[16],
		      enum spiflash_read_mode mode, struct ed_error *err)
{
	int rc = ED_OK;
	for (int tries = 0; tries < 4; tries++) {
		if (mode != SPIFLASH_READ_TWICE) {
			rc = read_run(sf, addr, true, mode == SPIFLASH_READ_CHECKED, words, err);
			if (rc == ED_OK && (rc = end_run(sf, addr, err)) == 0)
				return ED_OK;
			if (rc < 0)
				return rc;
			continue;
		}
		/* Two runs that agree, three in a row once the session saw any anomaly: on a
		 * line that garbles register addresses, two faulty reads of one word often
		 * agree (an unmapped register reads 0), three rarely do (campaign seed 110). */
		rc = runs_agree(sf, addr, words, err); /* every run ends with the sentinel */
		if (rc == ED_OK && (rc = setup_intact(sf, err)) == 0)
			return ED_OK;
		if (rc < 0)
			return rc;
	}
	return ed_fail(
	    err, ED_ERR_PROTO,
	    "reading flash at 0x%06x: the register replies kept arriving out of step with "
	    "the requests (duplicated or late replies); try a lower --baud or another cable",
	    addr);
}

int spiflash_read_word(struct spiflash *sf, uint32_t addr, uint32_t *word, struct ed_error *err)
{
	/* Spot checks compare the word and read a differing one again carefully; the sentinel
	 * still ties a matching word to its own request. */
	uint32_t words[16];
	int rc = ED_OK;
	for (int tries = 0; tries < 4; tries++) {
		sf->addr_unchecked = true;
		loader_discard_input(sf->ld);
		rc = user_command(sf, OP_READ, true, addr, NULL, 0, 32, words, err);
		sf->addr_unchecked = false;
		if (rc == ED_OK && (rc = sentinel(sf, addr, err)) == 0) {
			*word = words[0];
			return disarm(sf, err);
		}
		if (rc < 0)
			return rc;
	}
	return ed_fail(
	    err, ED_ERR_PROTO,
	    "reading flash at 0x%06x: the register replies kept arriving out of step with "
	    "the requests; try a lower --baud or another cable",
	    addr);
}

int spiflash_read_mode(struct spiflash *sf, uint32_t offset, uint8_t *buf, uint32_t size,
		       enum spiflash_read_mode mode, spiflash_progress_fn progress, void *user,
		       struct ed_error *err)
{
	uint32_t done = 0;
	while (done < size) {
		if (loader_cancelled(sf->ld))
			return loader_fail_cancelled(err, "the flash read");
		uint32_t n = size - done < SPIFLASH_READ_CHUNK ? size - done : SPIFLASH_READ_CHUNK;
		uint32_t words[16];
		enum spiflash_read_mode m = mode;
		/* Data that nothing else checks (a dump, a preserved sector) needs two agreeing
		 * runs even on a clean line: a request sent to the wrong register leaves no
		 * other trace (issue 11, defect 5). */
		if (m == SPIFLASH_READ_AUTO)
			m = SPIFLASH_READ_TWICE;
		/* Always 64 bytes: one register layout for the whole read, fewer writes. */
		int rc = read_chunk(sf, offset + done, words, m, err);
		if (rc == ED_OK)
			rc = prove_disarmed(sf, err);
		if (rc < 0) {
			ed_error_prefix(err, "reading flash at 0x%06x", offset + done);
			return rc;
		}
		for (uint32_t i = 0; i < n; i++)
			buf[done + i] = (uint8_t)(words[i / 4] >> (8 * (i % 4)));
		done += n;
		if (progress)
			progress(user, done, size);
	}
	return ED_OK;
}

int spiflash_read(struct spiflash *sf, uint32_t offset, uint8_t *buf, uint32_t size,
		  spiflash_progress_fn progress, void *user, struct ed_error *err)
{
	return spiflash_read_mode(sf, offset, buf, size, SPIFLASH_READ_AUTO, progress, user, err);
}

static int read_status(struct spiflash *sf, uint32_t *sr, struct ed_error *err)
{
	int rc;
	if ((rc = loader_write_reg(sf->ld, SPI_RD_STATUS, STATUS_SENTINEL, err)) < 0 ||
	    (rc = loader_write_reg(sf->ld, SPI_CMD, CMD_RDSR, err)) < 0)
		return rc;
	return loader_read_reg(sf->ld, SPI_RD_STATUS, sr, err);
}

/* Waits for WIP to clear: first after half the typical time, then every tenth of it (at
 * least 5 ms), instead of polling flat out. *sr gets the last status. */
static int wait_idle(struct spiflash *sf, uint64_t typ_us, uint64_t timeout_us, const char *what,
		     uint32_t *sr, struct ed_error *err)
{
	struct link *l = loader_link(sf->ld);
	uint64_t end = link_now_us(l) + timeout_us;
	uint64_t gap = typ_us / 10 < 5000 ? 5000 : typ_us / 10;
	link_sleep_us(l, typ_us / 2);
	for (;;) {
		/* The deadline is judged before the read: a status read that needed retries
		 * (a lost reply costs seconds) must not end the wait with the status it read
		 * before them; the last read is always issued after the deadline. */
		bool late = link_now_us(l) > end;
		int rc = read_status(sf, sr, err);
		if (rc < 0)
			return rc;
		if (!(*sr & SR_WIP))
			return ED_OK;
		if (late)
			return ed_fail(err, ED_ERR_TIMEOUT,
				       "%s did not finish within %.0f s (flash status 0x%02x)",
				       what, (double)timeout_us / 1e6, *sr & 0xFF);
		if (loader_cancelled(sf->ld))
			return loader_fail_cancelled(err, what);
		link_sleep_us(l, gap);
	}
}

/* Sets WEL and confirms it (WEL set, WIP clear) before the one write that erases. A flash
 * with WEL clear ignores every erase, so WEL must never stay set by accident: reads use
 * user commands (CMD bit 18, below the erase bits 22-24) and a flipped bit there could
 * start a built-in erase only on a write-enabled chip. On any surprise: WRDI, then
 * again. */
static int write_enable(struct spiflash *sf, struct ed_error *err)
{
	uint32_t sr = 0;
	for (int attempt = 0; attempt < 3; attempt++) {
		int rc = loader_write_reg(sf->ld, SPI_CMD, CMD_WREN, err);
		if (rc == ED_OK)
			rc = read_status(sf, &sr, err);
		if (rc < 0)
			return rc;
		if ((sr & (SR_WEL | SR_WIP)) == SR_WEL)
			return ED_OK;
		ed_log(loader_log(sf->ld), ED_LOG_DEBUG,
		       "flash status 0x%02x after write enable; disabling writes and trying again",
		       sr & 0xFF);
		if ((rc = loader_write_reg(sf->ld, SPI_CMD, CMD_WRDI, err)) < 0)
			return rc;
	}
	return ed_fail(err, ED_ERR_DEVICE,
		       "the flash does not take write enable (status 0x%02x): it may be busy or "
		       "write protected",
		       sr & 0xFF);
}

/* One built-in erase of the unit at addr (low 24 bits in ADDR, read back first: the
 * address decides what is erased). The erase clears WEL when it is done; WEL still set
 * afterwards means the command never ran: WRDI and once more. */
static int erase_unit(struct spiflash *sf, bool block, uint32_t addr, struct ed_error *err)
{
	const char *what = block ? "block erase" : "sector erase";
	uint32_t sr = 0;
	int rc = ED_OK;
	for (int attempt = 0; rc == ED_OK && attempt < 3; attempt++) {
		if ((rc = write_checked(sf, SPI_ADDR, addr & 0xFFFFFFu, err)) < 0 ||
		    (rc = write_enable(sf, err)) < 0)
			break;
		/* The WREN (or WRDI) write may have reached ADDR instead of CMD (register
		 * address 0x...200 -> 0x...204): 0x40000000 there erases sector 0x0 (campaign
		 * seed 845 with hdrflip). ADDR is read once more before the erase. */
		uint32_t back = addr & 0xFFFFFFu;
		if (!sf->no_readback && (rc = loader_read_reg(sf->ld, SPI_ADDR, &back, err)) < 0)
			break;
		if (back != (addr & 0xFFFFFFu)) {
			ed_log(loader_log(sf->ld), ED_LOG_DEBUG,
			       "ADDR reads 0x%08x before the %s at 0x%06x; again", back, what,
			       addr);
			rc = loader_write_reg(sf->ld, SPI_CMD, CMD_WRDI, err);
			if (rc == ED_OK && attempt == 2)
				rc = ed_fail(err, ED_ERR_PROTO,
					     "SPI register ADDR does not keep 0x%06x: the line is "
					     "too noisy; try a lower --baud or another cable",
					     addr);
			continue;
		}
		if ((rc = loader_write_reg(sf->ld, SPI_CMD, block ? CMD_BE : CMD_SE, err)) < 0 ||
		    (rc = wait_idle(sf, block ? BLOCK_ERASE_TYP_US : SECTOR_ERASE_TYP_US,
				    block ? BLOCK_ERASE_TIMEOUT_US : SECTOR_ERASE_TIMEOUT_US, what,
				    &sr, err)) < 0)
			break;
		if (!(sr & SR_WEL))
			return ED_OK;
		ed_log(loader_log(sf->ld), ED_LOG_DEBUG, "%s at 0x%06x did not start; again", what,
		       addr);
		if ((rc = loader_write_reg(sf->ld, SPI_CMD, CMD_WRDI, err)) == ED_OK &&
		    attempt == 2)
			rc = ed_fail(err, ED_ERR_DEVICE, "the flash does not start the %s", what);
	}
	ed_error_prefix(err, "erasing %s at 0x%06x", block ? "block" : "sector", addr);
	return rc;
}

int spiflash_erase_region(struct spiflash *sf, uint32_t offset, uint32_t size,
			  spiflash_progress_fn progress, void *user, struct ed_error *err)
{
	if (offset % SPIFLASH_SECTOR || size % SPIFLASH_SECTOR)
		return ed_fail(err, ED_ERR_ARG,
			       "erase region 0x%x+0x%x is not sector aligned (multiples of 0x1000)",
			       offset, size);
	uint32_t addr = offset, end = offset + size;
	while (addr < end) {
		if (loader_cancelled(sf->ld))
			return loader_fail_cancelled(err, "the erase");
		int rc;
		if (addr % SPIFLASH_BLOCK == 0 && end - addr >= SPIFLASH_BLOCK) {
			rc = erase_unit(sf, true, addr, err);
			addr += SPIFLASH_BLOCK;
		} else {
			rc = erase_unit(sf, false, addr, err);
			addr += SPIFLASH_SECTOR;
		}
		if (rc < 0)
			return rc;
		if (progress)
			progress(user, addr - offset, size);
	}
	return ED_OK;
}

int spiflash_erase_chip(struct spiflash *sf, uint64_t timeout_us, struct ed_error *err)
{
	uint32_t sr = 0;
	int rc = write_enable(sf, err);
	if (rc == ED_OK)
		rc = loader_write_reg(sf->ld, SPI_CMD, CMD_CE, err);
	/* A chip erase takes seconds (W25Q32: 10 s typical, small parts less): 0.5 s typical
	 * gives a first look after 0.25 s and then one every 50 ms, as before. */
	if (rc == ED_OK)
		rc = wait_idle(sf, 500000u, timeout_us, "chip erase", &sr, err);
	if (rc == ED_OK && (sr & SR_WEL)) {
		loader_write_reg(sf->ld, SPI_CMD, CMD_WRDI, err);
		rc = ed_fail(err, ED_ERR_DEVICE, "the flash did not start the chip erase");
	}
	if (rc < 0)
		ed_error_prefix(err, "erasing the whole flash");
	return rc;
}

int spiflash_read_status(struct spiflash *sf, int nbytes, uint32_t *status, struct ed_error *err)
{
	static const uint8_t ops[3] = {0x05, 0x35, 0x15}; /* RDSR, RDSR2, RDSR3 */
	*status = 0;
	for (int i = 0; i < nbytes && i < 3; i++) {
		uint32_t w = 0;
		int rc = user_command(sf, ops[i], false, 0, NULL, 0, 8, &w, err);
		if (rc < 0)
			return rc;
		*status |= (w & 0xFFu) << (8 * i);
	}
	return ED_OK;
}

int spiflash_write_status(struct spiflash *sf, uint32_t value, int nbytes, bool non_volatile,
			  struct ed_error *err)
{
	static const uint8_t ops[3] = {0x01, 0x31, 0x11}; /* WRSR, WRSR2, WRSR3 */
	/* esptool's sequence: WEVSR (0x50, volatile bits only) or WREN before each write; for
	 * two bytes a 16-bit WRSR first (some chips take status-2 only that way), then one
	 * 8-bit write per register; WRDI at the end. Unlike esptool, each write is waited for
	 * (a chip busy with the last one ignores the next). */
	uint8_t enable = non_volatile ? OP_WREN : 0x50;
	uint32_t sr;
	int rc = ED_OK;
	for (int i = nbytes == 2 ? -1 : 0; rc == ED_OK && i < nbytes && i < 3; i++) {
		uint32_t mosi = i < 0 ? (value & 0xFFFFu) : ((value >> (8 * i)) & 0xFFu);
		rc = user_command(sf, enable, false, 0, NULL, 0, 0, NULL, err);
		if (rc == ED_OK)
			rc = user_command_bits(sf, ops[i < 0 ? 0 : i], false, 0, &mosi,
					       i < 0 ? 16 : 8, 0, NULL, err);
		if (rc == ED_OK)
			rc = wait_idle(sf, 15000, 1000000, "a status register write", &sr, err);
	}
	if (rc == ED_OK)
		rc = loader_write_reg(sf->ld, SPI_CMD, CMD_WRDI, err);
	return rc;
}

int spiflash_unlock(struct spiflash *sf, uint32_t *status_before, bool *unlocked,
		    struct ed_error *err)
{
	*unlocked = false;
	uint32_t st = 0;
	int rc = spiflash_read_status(sf, 2, &st, err);
	if (rc < 0)
		return rc;
	*status_before = st;
	/* A part without status-2 lets MISO float: 0xFF there is no register, not CMP set. */
	int nbytes = (st >> 8) == 0xFF ? 1 : 2;
	uint32_t mask = nbytes == 2 ? SPIFLASH_STATUS_PROTECT : SPIFLASH_STATUS_PROTECT & 0xFFu;
	/* WIP and WEL (bits 0-1) are the chip's state, not settings */
	uint32_t want = st & ~mask & (nbytes == 2 ? 0xFFFCu : 0xFCu);
	if (!(st & mask))
		return ED_OK;
	/* non-volatile (WREN, as the stub): a volatile write would be undone by the next
	 * power cycle, and a part without WEVSR ignores it */
	rc = spiflash_write_status(sf, want, nbytes, true, err);
	uint32_t after = 0;
	if (rc == ED_OK)
		rc = spiflash_read_status(sf, nbytes, &after, err);
	if (rc < 0) {
		ed_error_prefix(err, "clearing the flash's write protection (status 0x%04x)", st);
		return rc;
	}
	if ((after & (nbytes == 2 ? 0xFFFCu : 0xFCu)) != want)
		return ed_fail(err, ED_ERR_DEVICE,
			       "the flash is write-protected (status 0x%04x) and stays so: status "
			       "0x%04x after writing 0x%04x (its status register may be locked by "
			       "SRP and the /WP pin, or the part needs another unlock)",
			       st, after, want);
	*unlocked = true;
	return ED_OK;
}
