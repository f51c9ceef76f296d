/*
 * Fuzz target: a boot-time domain's dtdev, read from the host device tree
 * (the firmware's, or a file the user names) and copied into the partial
 * device tree Xen gives the domain. The input is the host tree; the devices
 * are the usual ones on QEMU virt and the Raspberry Pi, then each node of the
 * tree on its own.
 */
#include <libfdt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdtcheck.h"
#include "passthrough.h"

#define MAX_NODES 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const usual[] = {"/pcie@10000000", "/pl061@9030000", "/soc/gpio@7e200000"};

static struct domain_config dc;
static struct pt_plan plan;

/* Plans dc's devices in `host` and, if they can be given to the domain, writes the partial tree. */
static void run(const void *host, size_t size)
{
    struct xu_err err;
    void *blob;
    size_t bytes;

    if (pt_plan_devices(host, size, "fuzz.dtb", &dc, &plan, &err) == 0 &&
        pt_partial_fdt(host, &plan, &dc, &blob, &bytes, &err) == 0) {
        if (bytes != fdt_totalsize(blob))
            abort();
        free(blob);
    }
}

static void set_dtdev(unsigned i, const char *path)
{
    snprintf(dc.dtdevs[i], sizeof(dc.dtdevs[i]), "%s", path);
    dc.dtdev_lines[i] = i + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* libfdt wants the blob aligned as a file read into malloc'ed memory is. */
    void *host = malloc(size ? size : 1);
    const char *why;
    int node, n = 0;

    if (!host)
        return 0;
    memcpy(host, data, size);
    memset(&dc, 0, sizeof(dc));
    strcpy(dc.source, "fuzz.cfg");

    /* All the usual devices at once, in Xen's guest memory map. */
    for (unsigned i = 0; i < sizeof(usual) / sizeof(usual[0]); i++)
        set_dtdev(i, usual[i]);
    dc.n_dtdevs = sizeof(usual) / sizeof(usual[0]);
    run(host, size);

    /* Each node on its own, for a direct-mapped domain (the plan checks the blob first too). */
    if (fdt_check_strict(host, size, &why) == 0) {
        dc.direct_map = true;
        dc.static_mem[0] = (struct mem_bank){0x50000000, 0x10000000};
        dc.n_static_mem = 1;
        dc.n_dtdevs = 1;
        for (node = fdt_next_node(host, -1, NULL); node >= 0 && n < MAX_NODES;
             node = fdt_next_node(host, node, NULL), n++) {
            char path[DOMCFG_DTPATH_BYTES];

            if (fdt_get_path(host, node, path, sizeof(path)) < 0)
                continue;
            set_dtdev(0, path);
            run(host, size);
        }
    }
    free(host);
    return 0;
}
