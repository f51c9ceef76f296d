/* Fuzz target: kernel image probing, which reads the first bytes of any file named as a kernel. */
#include <stddef.h>
#include <stdint.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct image_info info;
    struct xu_err err;

    (void)image_probe(data, size, "fuzz", &info, &err);
    return 0;
}
