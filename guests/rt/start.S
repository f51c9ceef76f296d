/*
 * Entry from Xen: EL1, MMU and caches off, interrupts masked, x0 = the
 * physical address of the device tree (Linux's arm64 boot protocol, which
 * Xen's loaders follow for any Image).
 */
#define STACK_BYTES 16384

    .section .text.head, "ax"
    .globl _start
_start:
    b       entry                       /* code0 */
    .long   0                           /* code1 */
    .quad   0                           /* text_offset: load at the start of RAM */
    .quad   __image_size                /* image_size: what it occupies, BSS included */
    .quad   0x2                         /* flags: little-endian, 4 KiB pages, fixed base */
    .quad   0, 0, 0
    .ascii  "ARM\x64"                   /* magic */
    .long   0

entry:
    mov     x19, x0
    /* FP and SIMD on: the runtime is built without them, but libgcc's helpers may use them. */
    mov     x1, #(3 << 20)
    msr     cpacr_el1, x1
    isb
    adrp    x1, boot_stack + STACK_BYTES
    add     x1, x1, :lo12:boot_stack + STACK_BYTES
    mov     sp, x1
    adrp    x1, vectors
    add     x1, x1, :lo12:vectors
    msr     vbar_el1, x1
    /* The loader copied only the file: BSS is whatever the page held. */
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b
2:  bl      mmu_enable
    mov     x0, x19
    bl      rt_start
3:  wfi
    b       3b

/*
 * Exceptions: only IRQs are expected, and only while the idle loop waits
 * with them unmasked; anything else is a bug the guest reports and dies of.
 */
    .macro  save_regs
    sub     sp, sp, #192
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x29, [sp, #144]
    mrs     x0, elr_el1
    mrs     x1, spsr_el1
    stp     x30, x0, [sp, #160]
    str     x1, [sp, #176]
    .endm

    .macro  restore_regs
    ldr     x1, [sp, #176]
    ldp     x30, x0, [sp, #160]
    msr     spsr_el1, x1
    msr     elr_el1, x0
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x29, [sp, #144]
    add     sp, sp, #192
    .endm

    .macro  vector handler
    .balign 128
    b       \handler
    .endm

irq_entry:
    save_regs
    bl      irq_handle
    restore_regs
    eret

fault_entry:
    save_regs
    mrs     x0, esr_el1
    mrs     x1, elr_el1
    mrs     x2, far_el1
    bl      fault_handle
4:  wfi
    b       4b

    .balign 2048
vectors:
    vector fault_entry      /* current EL, SP0: sync, IRQ, FIQ, SError */
    vector fault_entry
    vector fault_entry
    vector fault_entry
    vector fault_entry      /* current EL, SPx */
    vector irq_entry
    vector fault_entry
    vector fault_entry
    vector fault_entry      /* lower EL: never, there is none */
    vector fault_entry
    vector fault_entry
    vector fault_entry
    vector fault_entry
    vector fault_entry
    vector fault_entry
    vector fault_entry

/*
 * ctx_switch(from, to): the callee-saved registers, the frame and link
 * registers and sp of a cooperative thread (struct ctx in sched.c).
 */
    .text
    .globl  ctx_switch
ctx_switch:
    mov     x9, sp
    stp     x19, x20, [x0, #0]
    stp     x21, x22, [x0, #16]
    stp     x23, x24, [x0, #32]
    stp     x25, x26, [x0, #48]
    stp     x27, x28, [x0, #64]
    stp     x29, x30, [x0, #80]
    str     x9, [x0, #96]
    ldp     x19, x20, [x1, #0]
    ldp     x21, x22, [x1, #16]
    ldp     x23, x24, [x1, #32]
    ldp     x25, x26, [x1, #48]
    ldp     x27, x28, [x1, #64]
    ldp     x29, x30, [x1, #80]
    ldr     x9, [x1, #96]
    mov     sp, x9
    ret

/* A new thread's first switch lands here, with its function in x19, its argument in x20. */
    .globl  thread_trampoline
thread_trampoline:
    mov     x0, x20
    blr     x19
    bl      thread_exit

/* Xen's hypercall ABI on arm64: number in x16, arguments in x0-x4, result in x0. */
    .globl  hypercall
hypercall:
    mov     x16, x0
    mov     x0, x1
    mov     x1, x2
    mov     x2, x3
    mov     x3, x4
    mov     x4, x5
    hvc     #0xea1
    ret

    .bss
    .balign 16
boot_stack:
    .space  STACK_BYTES
