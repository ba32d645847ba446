/* SPDX-License-Identifier: MIT
 * Entry of the lx106 inflate benchmark under qemu-system-xtensa -M sim: QEMU's loader
 * starts the CPU here without a stack. Mask interrupts, take a stack at the top of the
 * data RAM, run bench_main (which ends with a semihosting exit). */
	.section .text.boot, "ax"
	.align 4
.Lstack_top:
	.word 0x3FFFFFF0
.Lmain:
	.word bench_main
	.global bench_boot
	.type bench_boot, @function
bench_boot:
	movi a2, 0x2F
	wsr.ps a2
	rsync
	l32r a1, .Lstack_top
	l32r a0, .Lmain
	callx0 a0
1:	j 1b
	.size bench_boot, . - bench_boot
