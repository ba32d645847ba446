/* SPDX-License-Identifier: MIT
 * The flasher stub's entry. The ROM loader jumps here after MEM_END (callx0, on its own
 * stack). Load the return register with 0x400010A8, inside the ROM's main after the download
 * loop, so that when stub_main returns the ROM continues its normal flash boot (this is how
 * RUN_USER_CODE leaves); keep the ROM's stack pointer so stub_return_to_rom() can get back
 * to it from any depth. The two literals come first (l32r reads backwards): the entry is
 * text start + 8. */
	.section .entry.text, "ax"
	.align 4
.Lrom_boot_return:
	.word 0x400010A8
.Lrom_sp_slot:
	.word stub_rom_sp
	.global stub_entry
	.type stub_entry, @function
stub_entry:
	l32r a0, .Lrom_boot_return
	l32r a2, .Lrom_sp_slot
	s32i a1, a2, 0
	j stub_main
	.size stub_entry, . - stub_entry

/* void stub_return_to_rom(void): back onto the ROM's stack and into its flash boot. */
	.align 4
	.global stub_return_to_rom
	.type stub_return_to_rom, @function
stub_return_to_rom:
	l32r a2, .Lrom_sp_slot
	l32i a1, a2, 0
	l32r a0, .Lrom_boot_return
	ret
	.size stub_return_to_rom, . - stub_return_to_rom

/* The ROM's stack pointer at entry. In .data, not .bss: stub_main clears the BSS. */
	.section .data.stub_rom_sp, "aw"
	.align 4
	.global stub_rom_sp
stub_rom_sp:
	.word 0
