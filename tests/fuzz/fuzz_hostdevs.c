/*
 * Fuzz target: `xu create`'s check of a config's iomem and irqs against
 * Dom0's device tree. The input is the tree; the request, picked by the
 * input's size, is one of some fixed extremes or the page one of the first
 * nodes' reg names, under a Xen command line with or without dtuart=.
 */
#include <libfdt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fdtcheck.h"
#include "hostdevs.h"

#define MAX_NODES 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct domain_config dc;

static const char *const cmdlines[] = {
    NULL,
    "console=dtuart",
    "console=dtuart dtuart=/pl011@9000000",
    "dtuart=serial0:115200n8",
    "dtuart=/soc@107c000000/serial@7d001000 conring_size=1M",
    "dtuart=/",
    "dtuart=/a@zz/b@",
};

/* One command line per input, picked by its size: every check costs a walk of the tree. */
static void check_all(const void *fdt, size_t size)
{
    struct xu_err err;

    hostdevs_check(fdt, size, "fuzz.dtb", cmdlines[size % (sizeof(cmdlines) / sizeof(cmdlines[0]))],
                   &dc, &err);
}

static void ask(uint64_t pfn, uint64_t pages)
{
    dc.iomem[0] = (struct iomem_range){pfn, pages, pfn, 1};
    dc.n_iomem = 1;
    dc.n_irqs = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t extremes[][2] = {
        {0, 1}, {0x9030, 1}, {0x9030, 2}, {0x8000, 0x20}, {0xfffffffff, 1}, {0, 0xfffffffff},
    };
    static const unsigned irqs[] = {16, 32, 33, 39, 100, 140, 1019};
    enum {
        N_EXTREMES = sizeof(extremes) / sizeof(extremes[0]),
        N_IRQS = sizeof(irqs) / sizeof(irqs[0])
    };
    /* One request per input, picked by its size (the cheapest thing libFuzzer varies). */
    size_t pick = (size / 7) % (N_EXTREMES + N_IRQS + MAX_NODES);
    /* libfdt wants the blob aligned as a file read into malloc'ed memory is. */
    void *fdt = malloc(size ? size : 1);
    const char *why;
    int node, n = 0;

    if (!fdt)
        return 0;
    memcpy(fdt, data, size);
    memset(&dc, 0, sizeof(dc));
    strcpy(dc.source, "fuzz.cfg");
    if (pick < N_EXTREMES) {
        ask(extremes[pick][0], extremes[pick][1]);
        check_all(fdt, size);
    } else if (pick < N_EXTREMES + N_IRQS) {
        dc.irqs[0] = irqs[pick - N_EXTREMES];
        dc.irq_lines[0] = 2;
        dc.n_irqs = 1;
        check_all(fdt, size);
    } else if (fdt_check_strict(fdt, size, &why) == 0) {
        /* A node's own page, as its reg's first address names it. */
        for (node = fdt_next_node(fdt, -1, NULL); node >= 0;
             node = fdt_next_node(fdt, node, NULL), n++) {
            int len;
            const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);

            if ((size_t)n != pick - N_EXTREMES - N_IRQS)
                continue;
            if (reg && len >= 8) {
                ask(((uint64_t)fdt32_to_cpu(reg[0]) << 20) | (fdt32_to_cpu(reg[1]) >> 12), 1);
                check_all(fdt, size);
            }
            break;
        }
    }
    free(fdt);
    return 0;
}
