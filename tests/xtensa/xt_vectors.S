/*
 * Start-up code and exception vectors of the bare-metal Xtensa harness
 * (xtensa_exec.py) for QEMU's `sim` machine: no ROM, the ELF is loaded in
 * place and entered at _start with the core in its reset state.
 *
 * Vector offsets from VECBASE are the core's (XT_KERNEL_VECOFS,
 * XT_USER_VECOFS, XT_DOUBLE_VECOFS, given by xtensa_exec.py from the core
 * configuration). Any exception is fatal: the handler prints EXCCAUSE, EPC1
 * and EXCVADDR through semihosting and exits (xt_rt.c). With the windowed ABI
 * the window overflow/underflow handlers are the ISA's standard sequences.
 */
#ifndef XT_KERNEL_VECOFS
#error "XT_KERNEL_VECOFS, XT_USER_VECOFS and XT_DOUBLE_VECOFS come from xtensa_exec.py"
#endif

    .section .xt_vectors, "ax"
    .align 4
    .global _xt_vectors
_xt_vectors:
#if defined(__XTENSA_WINDOWED_ABI__)
    .org 0x00
_WindowOverflow4:
    s32e a0, a5, -16
    s32e a1, a5, -12
    s32e a2, a5, -8
    s32e a3, a5, -4
    rfwo
    .org 0x40
_WindowUnderflow4:
    l32e a0, a5, -16
    l32e a1, a5, -12
    l32e a2, a5, -8
    l32e a3, a5, -4
    rfwu
    .org 0x80
_WindowOverflow8:
    s32e a0, a9, -16
    l32e a0, a1, -12
    s32e a2, a9, -8
    s32e a1, a9, -12
    s32e a3, a9, -4
    s32e a4, a0, -32
    s32e a5, a0, -28
    s32e a6, a0, -24
    s32e a7, a0, -20
    rfwo
    .org 0xC0
_WindowUnderflow8:
    l32e a1, a9, -12
    l32e a0, a9, -16
    l32e a7, a1, -12
    l32e a2, a9, -8
    l32e a4, a7, -32
    l32e a3, a9, -4
    l32e a5, a7, -28
    l32e a6, a7, -24
    l32e a7, a7, -20
    rfwu
    .org 0x100
_WindowOverflow12:
    s32e a0, a13, -16
    l32e a0, a1, -12
    s32e a1, a13, -12
    s32e a2, a13, -8
    s32e a3, a13, -4
    s32e a4, a0, -48
    s32e a5, a0, -44
    s32e a6, a0, -40
    s32e a7, a0, -36
    s32e a8, a0, -32
    s32e a9, a0, -28
    s32e a10, a0, -24
    s32e a11, a0, -20
    rfwo
    .org 0x140
_WindowUnderflow12:
    l32e a1, a13, -12
    l32e a0, a13, -16
    l32e a11, a1, -12
    l32e a2, a13, -8
    l32e a4, a11, -48
    l32e a8, a11, -32
    l32e a3, a13, -4
    l32e a5, a11, -44
    l32e a6, a11, -40
    l32e a7, a11, -36
    l32e a9, a11, -28
    l32e a10, a11, -24
    l32e a11, a11, -20
    rfwu
#endif
    .org XT_KERNEL_VECOFS
    j _xt_fault_entry
    .org XT_USER_VECOFS
    j _xt_fault_entry
    .org XT_DOUBLE_VECOFS
    j _xt_fault_entry

    /* assembled with --text-section-literals: each movi's literal lands at the
       .literal_position before it, in this section */
    .literal_position
    .align 4
_xt_fault_entry:
    /* a fresh stack below the main one's top guard; never returns */
    movi a1, _xt_fault_stack_top
#if defined(__XTENSA_WINDOWED_ABI__)
    /* the faulting frames are abandoned: a fresh window, as at _start */
    movi a2, 1
    wsr.windowstart a2
    movi a2, 0
    wsr.windowbase a2
    rsync
    movi a1, _xt_fault_stack_top
    movi a2, 0x4002F       /* WOE=1, UM=1, EXCM=0, INTLEVEL=15 */
    wsr.ps a2
    rsync
    movi a4, xt_fault
    callx4 a4
#else
    movi a0, xt_fault
    callx0 a0
#endif
1:  j 1b

    .text
    .literal_position
    .align 4
    .global _start
_start:
    movi a1, _xt_stack_top
    movi a2, _xt_vectors
    wsr.vecbase a2
#if defined(XT_CPENABLE)
    /* coprocessors (the FPU is coprocessor 0) on, or their instructions raise exceptions */
    movi a2, XT_CPENABLE
    wsr.cpenable a2
    rsync
#endif
#if defined(__XTENSA_WINDOWED_ABI__)
    movi a2, 1
    wsr.windowstart a2
    movi a2, 0
    wsr.windowbase a2
    rsync
    movi a1, _xt_stack_top
    movi a2, 0x4002F       /* WOE=1, UM=1, EXCM=0, INTLEVEL=15 */
    wsr.ps a2
    rsync
    movi a4, xt_start
    callx4 a4
#else
    movi a2, 0x2F          /* UM=1, EXCM=0, INTLEVEL=15 */
    wsr.ps a2
    rsync
    movi a0, xt_start
    callx0 a0
#endif
1:  j 1b
