/* SPDX-License-Identifier: MIT
 * Boot of the QEMU fake ROM: QEMU's loader starts the CPU here with no stack. Set one up at
 * the top of data RAM, where the ESP8266 ROM keeps its own, and run fake_rom_main (which
 * calls the stub's entry the way the ROM loader does after MEM_END). */
	.section .text.boot, "ax"
	.align 4
.Lstack_top:
	.word 0x3FFFFFF0
.Lmain:
	.word fake_rom_main
	.global fake_rom_boot
	.type fake_rom_boot, @function
fake_rom_boot:
	/* PS: interrupts masked (INTLEVEL 15), user vector mode, EXCM clear, so that a fault
	 * in the stub arrives at the user exception vector with EPC1 set. */
	movi a2, 0x2F
	wsr.ps a2
	rsync
	l32r a1, .Lstack_top
	l32r a0, .Lmain
	callx0 a0
1:	j 1b
	.size fake_rom_boot, . - fake_rom_boot
