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

#define ALIGN_DOWN_2MB(v) ((v) & ~(MiB(2) - 1))
#define MAX_PIECES        (GMAP_RAM_BANKS + 2 * DOMCFG_MAX_IOMEM)

/* Adds [start, end] (inclusive) if it is worth offering. */
static void add_piece(struct guest_bank *pieces, unsigned *n, uint64_t start, uint64_t end)
{
    if (end > start && end - start + 1 >= GMAP_EXT_REGION_MIN_BYTES && *n < MAX_PIECES) {
        pieces[*n].base_addr = start;
        pieces[*n].size_bytes = end - start + 1;
        (*n)++;
    }
}

/* Takes the guest addresses of one iomem range out of every piece, 2 MiB-aligned. */
static void carve(struct guest_bank *pieces, unsigned *n, const struct iomem_range *r)
{
    uint64_t first = r->gfn << GMAP_PAGE_SHIFT,
             last = ((r->gfn + r->n_pages) << GMAP_PAGE_SHIFT) - 1;
    unsigned count = *n;

    for (unsigned i = 0; i < count; i++) {
        uint64_t start = pieces[i].base_addr, end = start + pieces[i].size_bytes - 1;

        if (last < start || first > end)
            continue;
        /* The piece goes; what lies on either side of the range comes back. */
        pieces[i] = pieces[--count];
        *n = count;
        if (ALIGN_DOWN_2MB(first) > start)
            add_piece(pieces, n, start, ALIGN_DOWN_2MB(first) - 1);
        if (last < UINT64_MAX - MiB(2))
            add_piece(pieces, n, ALIGN_2MB(last + 1), end);
        i--;
        count = *n;
    }
}

unsigned guest_extended_regions(const struct guest_bank banks[GMAP_RAM_BANKS], unsigned gpaddr_bits,
                                const struct iomem_range *iomem, unsigned n_iomem,
                                struct guest_bank out[GMAP_EXT_REGIONS_MAX])
{
    static const struct guest_bank limits[GMAP_RAM_BANKS] = {
        {GMAP_RAM0_BASE, GMAP_RAM0_SIZE},
        {GMAP_RAM1_BASE, GMAP_RAM1_SIZE},
    };
    uint64_t top = gpaddr_bits >= 64 ? UINT64_MAX : (1ull << gpaddr_bits) - 1;
    struct guest_bank pieces[MAX_PIECES];
    unsigned n = 0;

    for (unsigned i = 0; i < GMAP_RAM_BANKS; i++) {
        uint64_t end = limits[i].base_addr + limits[i].size_bytes - 1;

        add_piece(pieces, &n, banks[i].base_addr + ALIGN_2MB(banks[i].size_bytes),
                  end > top ? top : end);
    }
    for (unsigned i = 0; i < n_iomem && i < DOMCFG_MAX_IOMEM; i++)
        carve(pieces, &n, &iomem[i]);
    /* The largest first, to keep the most room when there are too many... */
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && pieces[j].size_bytes > pieces[j - 1].size_bytes; j--) {
            struct guest_bank t = pieces[j];

            pieces[j] = pieces[j - 1];
            pieces[j - 1] = t;
        }
    if (n > GMAP_EXT_REGIONS_MAX)
        n = GMAP_EXT_REGIONS_MAX;
    /* ...then in address order, as a device tree lists them. */
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && pieces[j].base_addr < pieces[j - 1].base_addr; j--) {
            struct guest_bank t = pieces[j];

            pieces[j] = pieces[j - 1];
            pieces[j - 1] = t;
        }
    for (unsigned i = 0; i < n; i++)
        out[i] = pieces[i];
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
