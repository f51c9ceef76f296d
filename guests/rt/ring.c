#include "ring.h"

uint32_t ring_space(uint32_t prod, uint32_t cons, uint32_t size)
{
    uint32_t used = prod - cons;

    return used > size ? 0 : size - used;
}

size_t ring_put(char *ring, uint32_t size, uint32_t prod, uint32_t space, const char *src,
                size_t len)
{
    size_t n = len < space ? len : space;

    for (size_t i = 0; i < n; i++)
        ring[(prod + (uint32_t)i) & (size - 1)] = src[i];
    return n;
}
