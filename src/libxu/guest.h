/*
 * The Arm guest as Xen 4.17 lays it out (xen/include/public/arch-arm.h) and
 * as the toolstack must size it. Pure arithmetic, so the unit tests can
 * check it on the build host; the values are the public ABI's.
 */
#ifndef XU_GUEST_H
#define XU_GUEST_H

#include <stdint.h>

#include "domcfg.h"

#define GMAP_PAGE_SHIFT 12
#define GMAP_PAGE_BYTES (1u << GMAP_PAGE_SHIFT)

/* Guest physical memory map. */
#define GMAP_GICD_BASE        0x03001000ull
#define GMAP_GICD_SIZE        0x00001000ull
#define GMAP_GICC_BASE        0x03002000ull
#define GMAP_GICC_SIZE        0x00002000ull
#define GMAP_GICV3_GICD_SIZE  0x00010000ull
#define GMAP_GICV3_GICR0_BASE 0x03020000ull
#define GMAP_GICV3_GICR0_SIZE 0x01000000ull
#define GMAP_PL011_BASE       0x22000000ull
#define GMAP_PL011_SIZE       0x00001000ull
#define GMAP_GNTTAB_BASE      0x38000000ull
#define GMAP_GNTTAB_SIZE      0x01000000ull
#define GMAP_MAGIC_BASE       0x39000000ull
#define GMAP_RAM0_BASE        0x40000000ull
#define GMAP_RAM0_SIZE        0xc0000000ull
#define GMAP_RAM1_BASE        0x0200000000ull
#define GMAP_RAM1_SIZE        0xfe00000000ull
#define GMAP_RAM_BANKS        2

/* The magic pages libxenguest puts at GMAP_MAGIC_BASE, in page frames. */
#define GMAP_CONSOLE_PFN ((GMAP_MAGIC_BASE >> GMAP_PAGE_SHIFT) + 0)
#define GMAP_STORE_PFN   ((GMAP_MAGIC_BASE >> GMAP_PAGE_SHIFT) + 1)
#define GMAP_VUART_PFN   ((GMAP_MAGIC_BASE >> GMAP_PAGE_SHIFT) + 3)

/* Interrupts. */
#define GMAP_TIMER_VIRT_PPI    27
#define GMAP_TIMER_PHYS_S_PPI  29
#define GMAP_TIMER_PHYS_NS_PPI 30
#define GMAP_EVTCHN_PPI        31
#define GMAP_VPL011_SPI        32
#define GMAP_PHANDLE_GIC       65000
#define GMAP_MAX_VCPUS_GICV2   8
#define GMAP_MAX_VCPUS_GICV3   128

/* Extended regions smaller than this are not worth offering (libxl's rule). */
#define GMAP_EXT_REGION_MIN_BYTES (64ull << 20)

struct guest_bank {
    uint64_t base_addr;
    uint64_t size_bytes;
};

/* Guest RAM in its two banks: the first 3 GiB at 1 GiB, the rest at 8 GiB. */
void guest_ram_banks(uint64_t memory_mib, struct guest_bank banks[GMAP_RAM_BANKS]);

/* The most extended regions a guest is offered: the largest, when there are more. */
#define GMAP_EXT_REGIONS_MAX 4

/*
 * The regions a guest may use to map foreign pages (grant mappings): the
 * unpopulated parts of the RAM banks, within the guest's physical address
 * width, less the pages passed through to it (`iomem`, which may lie there:
 * the Pi 5's devices sit at 64 GiB and up, inside bank 1's range). Returns
 * how many it wrote to `out`, lowest address first.
 */
unsigned guest_extended_regions(const struct guest_bank banks[GMAP_RAM_BANKS], unsigned gpaddr_bits,
                                const struct iomem_range *iomem, unsigned n_iomem,
                                struct guest_bank out[GMAP_EXT_REGIONS_MAX]);

/* The MPIDR Xen gives vCPU n, which names its device-tree node. */
uint32_t guest_vcpu_mpidr(unsigned vcpu);

/* How many SPIs the virtual GIC needs: the highest one the guest uses, counted from 32. */
unsigned guest_nr_spis(const struct domain_config *dc);

/* The p2m pool Xen needs for the guest's page tables (libxl's default shadow_memkb). */
uint64_t guest_paging_pool_bytes(unsigned vcpus, uint64_t maxmem_mib);

/* What setmaxmem takes: the guest's memory plus the toolstack's 1 MiB of slack. */
uint64_t guest_maxmem_kib(uint64_t memory_mib);

#endif
