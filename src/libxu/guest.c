#include "guest.h"

#define MiB(n)           ((uint64_t)(n) << 20)
#define ALIGN_2MB(v)     (((v) + MiB(2) - 1) & ~(MiB(2) - 1))
#define MAXMEM_SLACK_KIB 1024 /* libxl's LIBXL_MAXMEM_CONSTANT */
#define PAGING_EXTRA_MIB 128  /* libxl's EXTRA_DEFAULT_PAGING_MEM_MB on Arm */

void guest_ram_banks(uint64_t memory_mib, struct guest_bank banks[GMAP_RAM_BANKS])
{
    uint64_t bytes = MiB(memory_mib);

    banks[0].base_addr = GMAP_RAM0_BASE;
    banks[0].size_bytes = bytes < GMAP_RAM0_SIZE ? bytes : GMAP_RAM0_SIZE;
    banks[1].base_addr = GMAP_RAM1_BASE;
    banks[1].size_bytes = bytes - banks[0].size_bytes;
}

unsigned guest_extended_regions(const struct guest_bank banks[GMAP_RAM_BANKS], unsigned gpaddr_bits,
                                struct guest_bank *out)
{
    static const struct guest_bank limits[GMAP_RAM_BANKS] = {
        {GMAP_RAM0_BASE, GMAP_RAM0_SIZE},
        {GMAP_RAM1_BASE, GMAP_RAM1_SIZE},
    };
    uint64_t top = gpaddr_bits >= 64 ? UINT64_MAX : (1ull << gpaddr_bits) - 1;
    unsigned n = 0;

    for (unsigned i = 0; i < GMAP_RAM_BANKS; i++) {
        uint64_t start = banks[i].base_addr + ALIGN_2MB(banks[i].size_bytes);
        uint64_t end = limits[i].base_addr + limits[i].size_bytes - 1;

        if (end > top)
            end = top;
        if (end <= start || end - start + 1 < GMAP_EXT_REGION_MIN_BYTES)
            continue;
        out[n].base_addr = start;
        out[n].size_bytes = end - start + 1;
        n++;
    }
    return n;
}

uint32_t guest_vcpu_mpidr(unsigned vcpu)
{
    /* Affinity level 0 holds 16 vCPUs, level 1 the rest (Xen's vcpuid_to_vaffinity). */
    return (vcpu & 0xf) | (((vcpu >> 4) & 0xff) << 8);
}

unsigned guest_nr_spis(const struct domain_config *dc)
{
    unsigned highest = dc->vuart == VUART_SBSA ? GMAP_VPL011_SPI : 0;

    for (unsigned i = 0; i < dc->n_irqs; i++)
        if (dc->irqs[i] > highest)
            highest = dc->irqs[i];
    return highest ? highest - 32 + 1 : 0;
}

uint64_t guest_paging_pool_bytes(unsigned vcpus, uint64_t maxmem_mib)
{
    /* libxl: 4 KiB per (256 per vCPU + 1 per MiB of RAM + a fixed 128), for HAP guests. */
    uint64_t kib = 4 * (256ull * vcpus + maxmem_mib + PAGING_EXTRA_MIB);

    return kib << 10;
}

uint64_t guest_maxmem_kib(uint64_t memory_mib)
{
    return (memory_mib << 10) + MAXMEM_SLACK_KIB;
}
