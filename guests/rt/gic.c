#include "gic.h"

#include "arch.h"

#define GICD_BASE       0x03001000ull
#define GICC_BASE       0x03002000ull
#define GICD_CTLR       0x000
#define GICD_ISENABLER  0x100
#define GICD_IPRIORITYR 0x400
#define GICC_CTLR       0x000
#define GICC_PMR        0x004
#define GICC_IAR        0x00c
#define GICC_EOIR       0x010
#define PRIORITY        0xa0u
#define PRIORITY_MASK   0xf0u

void gic_init(void)
{
    mmio_write32(GICD_BASE + GICD_CTLR, 1);
    mmio_write32(GICC_BASE + GICC_PMR, PRIORITY_MASK);
    mmio_write32(GICC_BASE + GICC_CTLR, 1);
}

void gic_enable(unsigned intid)
{
    uint64_t prio = GICD_BASE + GICD_IPRIORITYR + (intid & ~3u);
    unsigned shift = (intid & 3u) * 8;
    uint32_t v = mmio_read32(prio);

    mmio_write32(prio, (v & ~(0xffu << shift)) | (PRIORITY << shift));
    mmio_write32(GICD_BASE + GICD_ISENABLER + (intid / 32) * 4, 1u << (intid % 32));
}

uint32_t gic_ack(void)
{
    return mmio_read32(GICC_BASE + GICC_IAR);
}

void gic_eoi(uint32_t iar)
{
    mmio_write32(GICC_BASE + GICC_EOIR, iar);
}
