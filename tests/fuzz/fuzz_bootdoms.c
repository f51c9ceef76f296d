/* Fuzz target: the boot-time domains and CPU pools read from the device tree Dom0 booted with. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bootdoms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct boot_domain_node nodes[BOOTDOMS_MAX];
    struct boot_pool_node pools[8];
    struct xu_err err;
    size_t n;
    /* libfdt wants the blob aligned as the kernel gives it. */
    void *blob = malloc(size ? size : 1);

    if (!blob)
        return 0;
    memcpy(blob, data, size);
    (void)bootdoms_read(blob, size, "fuzz", nodes, BOOTDOMS_MAX, &n, &err);
    (void)bootdoms_read_pools(blob, size, "fuzz", pools, 8, &n, &err);
    free(blob);
    return 0;
}
