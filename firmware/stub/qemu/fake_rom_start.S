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

/* The user exception vector jumps here. A level-1 interrupt (EXCCAUSE 4: the fake ROM's
 * timer, see fake_rom_tick) is served on the interrupted code's stack with every register
 * the call0 ABI lets C clobber saved; anything else is a fault (fake_rom_exception). */
	.section .text.vector, "ax"
	.align 4
	.global fake_rom_user_vector
	.type fake_rom_user_vector, @function
fake_rom_user_vector:
	wsr.excsave1 a0
	rsr.exccause a0
	bnei a0, 4, .Lfault
	addi a1, a1, -80
	rsr.excsave1 a0
	s32i a0, a1, 0
	s32i a2, a1, 8
	s32i a3, a1, 12
	s32i a4, a1, 16
	s32i a5, a1, 20
	s32i a6, a1, 24
	s32i a7, a1, 28
	s32i a8, a1, 32
	s32i a9, a1, 36
	s32i a10, a1, 40
	s32i a11, a1, 44
	s32i a12, a1, 48
	s32i a13, a1, 52
	s32i a14, a1, 56
	s32i a15, a1, 60
	rsr.sar a2
	s32i a2, a1, 64
	call0 fake_rom_tick
	l32i a2, a1, 64
	wsr.sar a2
	l32i a0, a1, 0
	l32i a2, a1, 8
	l32i a3, a1, 12
	l32i a4, a1, 16
	l32i a5, a1, 20
	l32i a6, a1, 24
	l32i a7, a1, 28
	l32i a8, a1, 32
	l32i a9, a1, 36
	l32i a10, a1, 40
	l32i a11, a1, 44
	l32i a12, a1, 48
	l32i a13, a1, 52
	l32i a14, a1, 56
	l32i a15, a1, 60
	addi a1, a1, 80
	rfe
.Lfault:
	rsr.excsave1 a0
	j fake_rom_exception
	.size fake_rom_user_vector, . - fake_rom_user_vector
