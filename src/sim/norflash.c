/* SPDX-License-Identifier: MIT
 * SPI NOR flash model (see norflash.h). */
#include "sim/norflash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

struct nor {
	uint8_t *data;
	uint32_t size;
	uint32_t jedec_id;
	bool mapped;		   /* data is an mmap of the backing file */
	bool wel;		   /* write-enable latch */
	uint32_t prot_lo, prot_hi; /* protected [lo, hi), from the status registers */
	bool prot_inverted;	   /* CMP: everything outside it */
	uint64_t busy_until;	   /* end of the running program/erase, board time */
	struct nor_timing t;
	uint8_t sfdp[256];
};

/* SFDP as a Winbond W25Q-class part publishes it (JESD216): "SFDP", rev 1.5, one
 * parameter header (NPH = 0) pointing at a 16-dword basic flash parameter table at 0x80.
 * esptool's XMC check reads the byte at 0x10 and only acts on 0x20, so it must not be
 * 0x20 here; v5 then expects the signature at 0. */
static void build_sfdp(struct nor *n)
{
	uint8_t *s = n->sfdp;
	memset(s, 0xFF, sizeof n->sfdp);
	memcpy(s, "SFDP", 4);
	s[4] = 0x05;
	s[5] = 0x01;
	s[6] = 0x00;
	s[7] = 0xFF;
	/* Parameter header 0: JEDEC id 0x00, rev 1.5, 16 dwords, table at 0x000080. */
	s[8] = 0x00;
	s[9] = 0x05;
	s[10] = 0x01;
	s[11] = 0x10;
	s[12] = 0x80;
	s[13] = 0x00;
	s[14] = 0x00;
	s[15] = 0xFF;
	uint32_t bfpt[16] = {
	    0xFFF920E5u,       /* 4 KiB erase 0x20, 3-byte addressing, fast reads */
	    n->size * 8u - 1u, /* density in bits - 1 */
	    0x6B08EB44u,       0xBB423B08u, 0xFFFFFFFEu, 0xFF00FFFFu,
	    0xEB40FFFFu,       0x520F200Cu, /* erase types: 4 KiB 0x20, 32 KiB 0x52 */
	    0xFF00D810u,		    /* 64 KiB 0xD8 */
	    0x00A60236u,       0x14EA82A1u, 0x33638A1Eu, 0x757A7A75u,
	    0x5CD5BDF7u,       0xFF820F19u, 0xFFFFFFFFu,
	};
	for (int i = 0; i < 16; i++)
		put_le32(s + 0x80 + 4 * i, bfpt[i]);
}

static int open_backing(struct nor *n, const char *path, struct ed_error *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return ed_fail(err, ED_ERR_IO, "cannot open flash file %s: %s", path,
			       strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return ed_fail(err, ED_ERR_IO, "cannot stat flash file %s: %s", path, strerror(e));
	}
	bool fresh = st.st_size == 0;
	if (!fresh && (uint64_t)st.st_size != n->size) {
		close(fd);
		return ed_fail(err, ED_ERR_ARG,
			       "flash file %s has %lld bytes but the flash is %u bytes: give a "
			       "matching --flash-size or remove the file to start erased",
			       path, (long long)st.st_size, n->size);
	}
	if (fresh && ftruncate(fd, n->size) < 0) {
		int e = errno;
		close(fd);
		return ed_fail(err, ED_ERR_IO, "cannot size flash file %s: %s", path, strerror(e));
	}
	void *m = mmap(NULL, n->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int e = errno;
	close(fd);
	if (m == MAP_FAILED)
		return ed_fail(err, ED_ERR_IO, "cannot map flash file %s: %s", path, strerror(e));
	n->data = m;
	n->mapped = true;
	if (fresh)
		memset(n->data, 0xFF, n->size);
	return 0;
}

int nor_create(uint32_t size, uint32_t jedec_id, const char *path, const struct nor_timing *t,
	       struct nor **out, struct ed_error *err)
{
	*out = NULL;
	if (size < 0x40000 || size > 0x1000000 || (size & (size - 1)))
		return ed_fail(err, ED_ERR_ARG,
			       "flash size %u is not supported: use a power of two from 256KB to "
			       "16MB",
			       size);
	struct nor *n = calloc(1, sizeof *n);
	if (!n)
		return ed_fail(err, ED_ERR_NOMEM, "out of memory for the flash model");
	n->size = size;
	n->jedec_id = jedec_id;
	n->t = *t;
	if (path && *path) {
		int rc = open_backing(n, path, err);
		if (rc < 0) {
			free(n);
			return rc;
		}
	} else {
		n->data = malloc(size);
		if (!n->data) {
			free(n);
			return ed_fail(err, ED_ERR_NOMEM, "out of memory for %u bytes of flash",
				       size);
		}
		memset(n->data, 0xFF, size);
	}
	build_sfdp(n);
	*out = n;
	return 0;
}

void nor_load(struct nor *n, const uint8_t *data, size_t len)
{
	memcpy(n->data, data, len < n->size ? len : n->size);
}

void nor_destroy(struct nor *n)
{
	if (!n)
		return;
	if (n->mapped) {
		msync(n->data, n->size, MS_SYNC);
		munmap(n->data, n->size);
	} else {
		free(n->data);
	}
	free(n);
}

uint32_t nor_size(const struct nor *n)
{
	return n->size;
}
uint32_t nor_jedec_id(const struct nor *n)
{
	return n->jedec_id;
}
const uint8_t *nor_data(const struct nor *n)
{
	return n->data;
}
uint64_t nor_busy_until(const struct nor *n)
{
	return n->busy_until;
}

bool nor_busy(struct nor *n, uint64_t now_ns)
{
	return now_ns < n->busy_until;
}

uint8_t nor_status(struct nor *n, uint64_t now_ns)
{
	bool busy = nor_busy(n, now_ns);
	/* The latch stays set until the operation that consumed it completes. */
	return (uint8_t)((busy ? 0x01 : 0) | ((n->wel || busy) ? 0x02 : 0));
}

void nor_write_enable(struct nor *n, uint64_t now_ns)
{
	if (!nor_busy(n, now_ns))
		n->wel = true;
}

void nor_write_disable(struct nor *n, uint64_t now_ns)
{
	if (!nor_busy(n, now_ns))
		n->wel = false;
}

/* Accepts a write-type command: needs the latch and an idle chip; consumes the latch. */
static bool start_op(struct nor *n, uint64_t now_ns, uint64_t duration_ns)
{
	if (nor_busy(n, now_ns) || !n->wel)
		return false;
	n->wel = false;
	n->busy_until = now_ns + duration_ns;
	return true;
}

void nor_set_protection(struct nor *n, uint16_t status)
{
	unsigned bp = (status >> 2) & 7;
	bool tb = status & 0x20, sec = status & 0x40, cmp = status & 0x4000;
	uint32_t size = 0;
	if (bp == 7)
		size = n->size;
	else if (bp && sec) /* 4 KiB sectors: 4, 8, 16, 32 KiB */
		size = NOR_SECTOR << (bp > 4 ? 3 : bp - 1);
	else if (bp) /* 1/64 ... 1/2 of the chip (W25Q32: 64 KiB ... 2 MiB) */
		size = n->size >> (7 - bp);
	n->prot_lo = tb || bp == 7 ? 0 : n->size - size;
	n->prot_hi = n->prot_lo + size;
	n->prot_inverted = cmp;
}

bool nor_protected(const struct nor *n, uint32_t addr, uint32_t len)
{
	addr &= n->size - 1;
	uint32_t end = addr + len;
	bool inside = addr < n->prot_hi && end > n->prot_lo;
	if (!n->prot_inverted)
		return inside;
	/* CMP: the complement is protected; any byte outside [lo, hi) */
	return addr < n->prot_lo || end > n->prot_hi;
}

/* A write-type command to protected flash: the chip takes the latch and does nothing. */
static bool refuse_protected(struct nor *n, uint32_t addr, uint32_t len, uint64_t now_ns)
{
	if (nor_busy(n, now_ns) || !n->wel || !nor_protected(n, addr, len))
		return false;
	n->wel = false;
	return true;
}

bool nor_erase(struct nor *n, uint32_t addr, uint32_t len, uint64_t now_ns)
{
	if (refuse_protected(n, addr & ~(len - 1), len, now_ns))
		return true;
	uint64_t d = len == NOR_SECTOR	  ? n->t.sector_ns
		     : len == NOR_BLOCK32 ? n->t.block32_ns
					  : n->t.block64_ns;
	if (!start_op(n, now_ns, d))
		return false;
	/* The chip ignores the low address bits inside the erase unit. */
	addr = (addr & (n->size - 1)) & ~(len - 1);
	memset(n->data + addr, 0xFF, len);
	return true;
}

bool nor_chip_erase(struct nor *n, uint64_t now_ns)
{
	if (refuse_protected(n, 0, n->size, now_ns))
		return true;
	if (!start_op(n, now_ns, n->t.chip_ns))
		return false;
	memset(n->data, 0xFF, n->size);
	return true;
}

bool nor_page_program(struct nor *n, uint32_t addr, const uint8_t *data, size_t len,
		      uint64_t now_ns)
{
	if (len > NOR_PAGE)
		len = NOR_PAGE;
	if (refuse_protected(n, addr, (uint32_t)len, now_ns))
		return true;
	if (!start_op(n, now_ns, n->t.page_ns))
		return false;
	addr &= n->size - 1;
	uint32_t page = addr & ~(NOR_PAGE - 1);
	uint32_t col = addr & (NOR_PAGE - 1);
	uint8_t *p = n->data + page;
	for (size_t i = 0; i < len; i++) {
		p[col] &= data[i];
		col = (col + 1) & (NOR_PAGE - 1);
	}
	return true;
}

bool nor_write_status(struct nor *n, uint64_t now_ns)
{
	return start_op(n, now_ns, n->t.wrsr_ns);
}

void nor_read(const struct nor *n, uint32_t addr, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = n->data[(addr + i) & (n->size - 1)];
}

void nor_read_sfdp(const struct nor *n, uint32_t addr, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint32_t a = addr + (uint32_t)i;
		out[i] = a < sizeof n->sfdp ? n->sfdp[a] : 0xFF;
	}
}

int nor_sync(struct nor *n, struct ed_error *err)
{
	if (n->mapped && msync(n->data, n->size, MS_SYNC) < 0)
		return ed_fail(err, ED_ERR_IO, "cannot write the flash file back: %s",
			       strerror(errno));
	return 0;
}
