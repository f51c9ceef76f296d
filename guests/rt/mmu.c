/*
 * An identity map, so that RAM and the pages shared with Dom0 are normal
 * cacheable memory, as Dom0 maps them: with the MMU off every access would
 * be Device memory, which on a real board is not coherent with Dom0's cached
 * view of the console ring, and faults on unaligned accesses.
 */
#include <stdint.h>

#include "arch.h"
#include "rt.h"

#define GIB           (1ull << 30)
#define MIB2          (1ull << 21)
#define ENTRIES       512
#define DESC_BLOCK    0x1ull
#define DESC_TABLE    0x3ull
#define ATTR_DEVICE   (0ull << 2) /* MAIR index 0: Device-nGnRE */
#define ATTR_NORMAL   (1ull << 2) /* MAIR index 1: Normal, write-back */
#define SH_INNER      (3ull << 8)
#define AF            (1ull << 10)
#define XN            ((1ull << 53) | (1ull << 54))
#define MAIR_VALUE    ((0x04ull << 0) | (0xffull << 8))
#define TCR_T0SZ_39   25ull /* 39-bit addresses: a walk from level 1, 512 GiB */
#define TCR_WBWA      ((1ull << 8) | (1ull << 10))
#define TCR_SH_INNER  (3ull << 12)
#define TCR_EPD1      (1ull << 23)
#define TCR_TG1_4K    (2ull << 30) /* unused (EPD1), but not left at a reserved value */
#define TCR_IPS_SHIFT 32
#define SCTLR_M       (1ull << 0)
#define SCTLR_A       (1ull << 1)
#define SCTLR_C       (1ull << 2)
#define SCTLR_I       (1ull << 12)

/* Xen's guest map (public/arch-arm.h): RAM from 1 GiB; grant table and magic pages below it. */
#define RAM0_BASE     0x40000000ull
#define SHARED_WINDOW 0x38000000ull

static uint64_t level1[ENTRIES] __attribute__((aligned(4096)));
static uint64_t level2_low[ENTRIES] __attribute__((aligned(4096)));

static uint64_t block(uint64_t addr, int normal)
{
    return addr | DESC_BLOCK | AF | (normal ? ATTR_NORMAL | SH_INNER : ATTR_DEVICE | XN);
}

/* Lines the loader may have left in the cache must not shadow what was written uncached. */
static void invalidate(const void *p, uint64_t bytes)
{
    for (uint64_t a = (uint64_t)p; a < (uint64_t)p + bytes; a += 64)
        __asm__ volatile("dc ivac, %0" ::"r"(a) : "memory");
    __asm__ volatile("dsb sy" ::: "memory");
}

void mmu_enable(void)
{
    uint64_t parange = sysreg_read(id_aa64mmfr0_el1) & 0xf;

    /* The first GiB holds the GIC (device) and, at its top, the pages shared with Xen and Dom0. */
    for (uint64_t i = 0; i < ENTRIES; i++)
        level2_low[i] = block(i * MIB2, i * MIB2 >= SHARED_WINDOW);
    level1[0] = (uint64_t)level2_low | DESC_TABLE;
    for (uint64_t i = 1; i < ENTRIES; i++)
        level1[i] = block(i * GIB, i * GIB == RAM0_BASE);
    invalidate(level1, sizeof(level1));
    invalidate(level2_low, sizeof(level2_low));

    sysreg_write(mair_el1, MAIR_VALUE);
    sysreg_write(tcr_el1, TCR_T0SZ_39 | TCR_WBWA | TCR_SH_INNER | TCR_EPD1 | TCR_TG1_4K |
                              ((parange > 5 ? 5 : parange) << TCR_IPS_SHIFT));
    sysreg_write(ttbr0_el1, (uint64_t)level1);
    isb();
    __asm__ volatile("tlbi vmalle1; dsb nsh" ::: "memory");
    isb();
    sysreg_write(sctlr_el1, (sysreg_read(sctlr_el1) | SCTLR_M | SCTLR_C | SCTLR_I) & ~SCTLR_A);
    isb();
}

static void tlb_flush(void)
{
    __asm__ volatile("dsb ishst; tlbi vmalle1; dsb ish; isb" ::: "memory");
}

/* One live entry made Normal: emptied and flushed first (break before make). */
static void remap_normal(uint64_t *entry, uint64_t addr)
{
    if (*entry == block(addr, 1))
        return;
    *entry = 0;
    tlb_flush();
    *entry = block(addr, 1);
    tlb_flush();
}

void mmu_map_normal(uint64_t addr, uint64_t bytes)
{
    for (uint64_t a = addr & ~(MIB2 - 1); a < addr + bytes; a += MIB2) {
        if (a < GIB)
            remap_normal(&level2_low[a / MIB2], a);
        else if (a / GIB < ENTRIES)
            remap_normal(&level1[a / GIB], a & ~(GIB - 1));
    }
}
