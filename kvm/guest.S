/*
 * Guest code for kvm/runner.c: a vector table and one routine per access kind. The runner copies
 * everything between guest_start and guest_end to the start of its code memslot (identity mapped by
 * the guest's stage 1 as Normal write-back memory) and enters a routine with
 *   x0 = the accessed address, x1 = the value to store, x2 = the report port (an IPA with no memslot).
 * A routine ends with a store to the port: KVM_EXIT_MMIO at port+0 with the value read. Any exception
 * the guest takes (an abort KVM injected, or the UDF an exec fetched) reports FAR at port+16, ELR at
 * port+24 and ESR at port+8 (last: it ends the access).
 */
	.arch armv8.1-a
	.section .rodata.guest, "a"
	.balign 4096
	.global guest_start, guest_end
	.global guest_read, guest_write, guest_exec, guest_atomic, guest_cmo
	.global guest_load_nisv, guest_store_nisv, guest_touch
guest_start:
	.rept 16
	.balign 0x80
	b	report_exception
	.endr

report_exception:
	mrs	x3, esr_el1
	mrs	x4, far_el1
	mrs	x5, elr_el1
	str	x4, [x2, #16]
	str	x5, [x2, #24]
	str	x3, [x2, #8]
1:	b	1b

guest_read:
	ldr	x3, [x0]
	b	done
guest_write:
	str	x1, [x0]
	mov	x3, #0
	b	done
guest_exec:
	blr	x0
	mov	x3, #0
	b	done
guest_atomic:
	swpal	x1, x3, [x0]
	b	done
guest_cmo:
	dc	civac, x0
	mov	x3, #0
	b	done
guest_load_nisv:
	ldp	x3, x4, [x0]
	b	done
guest_store_nisv:
	stp	x1, x1, [x0]
	mov	x3, #0
	b	done
/* x0 = start, x1 = bytes: read one word per page (warms stage 2 for the code slot). */
guest_touch:
	ldr	x3, [x0]
	add	x0, x0, #4096
	subs	x1, x1, #4096
	b.hi	guest_touch
	mov	x3, #0
done:
	str	x3, [x2]
1:	b	1b
	.balign 8
guest_end:
