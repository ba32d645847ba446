/* SPDX-License-Identifier: MIT
 * The ESP8266 mask ROM functions the xtensa builds of the stub call; their addresses are in
 * ld/rom.ld (reference §10.1, NONOS SDK eagle.rom.addr.v6.ld). The argument lists follow the
 * SDK's headers and esptool's stub; the flash ones return 0 OK, 1 error, 2 timeout. */
#ifndef STUB_ROM_H
#define STUB_ROM_H

#include <stdint.h>

int SPIRead(uint32_t addr, uint32_t *dst, uint32_t len);
int SPIWrite(uint32_t addr, const uint32_t *src, uint32_t len);
int SPIEraseSector(uint32_t sector);
int SPIEraseBlock(uint32_t block);
int SPIEraseChip(void);
int SPIUnlock(void);
int SPIParamCfg(uint32_t id, uint32_t size, uint32_t block, uint32_t sector, uint32_t page,
		uint32_t status_mask);
void SelectSpiFunction(void);
void spi_flash_attach(void);

/* MD5 (RFC 1321) over an 88-byte context: 4 state words, 2 count words, a 64-byte block. */
void MD5Init(void *ctx);
void MD5Update(void *ctx, const void *data, uint32_t len);
void MD5Final(uint8_t digest[16], void *ctx);

int uart_tx_one_char(uint8_t c);
void uart_div_modify(uint32_t uart, uint32_t divider);

void ets_delay_us(uint32_t us);
void ets_isr_attach(uint32_t irq, void (*handler)(void *), void *arg);
void ets_isr_mask(uint32_t mask);
void ets_isr_unmask(uint32_t mask);
void ets_wdt_disable(void);
uint32_t ets_get_cpu_frequency(void);
void ets_set_user_start(uint32_t start);
__attribute__((noreturn)) void software_reset(void);

#endif
