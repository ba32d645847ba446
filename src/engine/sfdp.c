/* SPDX-License-Identifier: MIT
 * SFDP through the SPI0 registers (sfdp.h), register for register what esptool's
 * run_spiflash_command sends to an ESP8266 for read_spiflash_sfdp. */
#include "engine/sfdp.h"

#define SPI0_BASE    0x60000200u
#define SPI_CMD	     (SPI0_BASE + 0x00)
#define SPI_ADDR     (SPI0_BASE + 0x04)
#define SPI_USER     (SPI0_BASE + 0x1C)
#define SPI_USER1    (SPI0_BASE + 0x20)
#define SPI_USER2    (SPI0_BASE + 0x24)
#define SPI_W0	     (SPI0_BASE + 0x40)
#define CMD_USR	     (1u << 18)
#define USER_COMMAND (1u << 31)
#define USER_ADDR    (1u << 30)
#define USER_DUMMY   (1u << 29)
#define USER_MISO    (1u << 28)
#define OP_RDSFDP    0x5A
#define ADDR_BITS    24u
#define DUMMY_CYCLES 8u

static int run_user(struct loader *ld, uint32_t addr, unsigned bits, uint32_t *w0,
		    struct ed_error *err)
{
	uint32_t user1 = ((bits - 1) << 8) | (DUMMY_CYCLES - 1) | ((ADDR_BITS - 1) << 26);
	int rc;
	if ((rc = loader_write_reg(ld, SPI_USER1, user1, err)) < 0 ||
	    (rc = loader_write_reg(ld, SPI_USER, USER_COMMAND | USER_MISO | USER_ADDR | USER_DUMMY,
				   err)) < 0 ||
	    (rc = loader_write_reg(ld, SPI_USER2, (7u << 28) | OP_RDSFDP, err)) < 0 ||
	    (rc = loader_write_reg(ld, SPI_ADDR, addr << (32 - ADDR_BITS), err)) < 0 ||
	    (rc = loader_write_reg(ld, SPI_W0, 0, err)) < 0 ||
	    (rc = loader_write_reg(ld, SPI_CMD, CMD_USR, err)) < 0)
		return rc;
	uint32_t cmd = CMD_USR;
	for (int i = 0; i < 10 && (cmd & CMD_USR); i++) /* esptool polls 10 times */
		if ((rc = loader_read_reg(ld, SPI_CMD, &cmd, err)) < 0)
			return rc;
	if (cmd & CMD_USR)
		return ed_fail(err, ED_ERR_DEVICE,
			       "the SFDP read did not complete in time: the "
			       "flash chip does not answer");
	return loader_read_reg(ld, SPI_W0, w0, err);
}

int sfdp_read(struct loader *ld, uint32_t addr, uint8_t *out, size_t len, struct ed_error *err)
{
	if (len < 1 || len > 4)
		return ed_fail(err, ED_ERR_ARG,
			       "SFDP reads take 1 to 4 bytes at a time (%zu asked), "
			       "as esptool's",
			       len);
	if (addr > 0xFFFFFFu)
		return ed_fail(err, ED_ERR_ARG, "SFDP address 0x%x does not fit in 24 bits", addr);
	int rc = loader_attach_flash(ld, err);
	uint32_t old_user = 0, old_user2 = 0, w0 = 0;
	if (rc == ED_OK && (rc = loader_read_reg(ld, SPI_USER, &old_user, err)) == ED_OK &&
	    (rc = loader_read_reg(ld, SPI_USER2, &old_user2, err)) == ED_OK)
		rc = run_user(ld, addr, (unsigned)len * 8, &w0, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(w0 >> (8 * i));
	/* as esptool: put USER and USER2 back for the ROM's own flash routines */
	if ((rc = loader_write_reg(ld, SPI_USER, old_user, err)) < 0)
		return rc;
	return loader_write_reg(ld, SPI_USER2, old_user2, err);
}
