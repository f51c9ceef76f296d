/* Fuzz target: a guest config's partial device tree (device_tree =), merged into the guest's. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guestfdt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* libfdt wants the blob aligned as a file read into malloc'ed memory is. */
    void *partial = malloc(size ? size : 1), *blob = NULL;
    struct guest_fdt_config c = {
        .vcpus = 2,
        .gic = GIC_V2,
        .bootargs = "console=hvc0",
        .xen_major = 4,
        .xen_minor = 17,
        .partial_name = "fuzz",
    };
    struct xu_err err;

    if (!partial)
        return 0;
    memcpy(partial, data, size);
    c.partial = partial;
    c.partial_bytes = size;
    if (guest_fdt_build(&c, &blob, &err) == 0)
        free(blob);
    free(partial);
    return 0;
}
