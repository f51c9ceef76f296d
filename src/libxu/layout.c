#include "layout.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

uint64_t align_up(uint64_t v, uint64_t align)
{
    return (v + align - 1) & ~(align - 1);
}

void layout_init(struct layout *l, uint64_t base_addr, uint64_t size_bytes)
{
    memset(l, 0, sizeof(*l));
    l->base_addr = base_addr;
    l->size_bytes = size_bytes;
}

static uint64_t window_end(const struct layout *l)
{
    return l->base_addr + l->size_bytes;
}

static int insert(struct layout *l, uint64_t addr, uint64_t size_bytes, const char *what,
                  struct xu_err *err)
{
    size_t i = 0;

    if (l->n_taken == LAYOUT_MAX_REGIONS)
        return xu_fail(err, "%s: more than %d regions to place", what, LAYOUT_MAX_REGIONS);
    while (i < l->n_taken && l->taken[i].addr < addr)
        i++;
    memmove(&l->taken[i + 1], &l->taken[i], (l->n_taken - i) * sizeof(l->taken[0]));
    l->taken[i].addr = addr;
    l->taken[i].size_bytes = size_bytes;
    snprintf(l->taken[i].what, sizeof(l->taken[i].what), "%s", what);
    l->n_taken++;
    return 0;
}

int layout_reserve(struct layout *l, uint64_t addr, uint64_t size_bytes, const char *what,
                   struct xu_err *err)
{
    uint64_t start = addr, end = addr + size_bytes;

    if (size_bytes == 0 || end < addr)
        return xu_fail(err, "%s: empty or wrapping region at 0x%" PRIx64, what, addr);
    if (start < l->base_addr)
        start = l->base_addr;
    if (end > window_end(l))
        end = window_end(l);
    if (start >= end)
        return 0;
    return insert(l, start, end - start, what, err);
}

int layout_place(struct layout *l, uint64_t size_bytes, uint64_t align, const char *what,
                 uint64_t *addr, struct xu_err *err)
{
    uint64_t cursor = l->base_addr, largest = 0;

    if (size_bytes == 0)
        return xu_fail(err, "%s: nothing to place (0 bytes)", what);
    /* Walk the gaps between taken regions, lowest first. */
    for (size_t i = 0; i <= l->n_taken; i++) {
        uint64_t gap_end = i < l->n_taken ? l->taken[i].addr : window_end(l);
        uint64_t start = align_up(cursor, align);

        if (start < gap_end && gap_end - start >= size_bytes) {
            *addr = start;
            return insert(l, start, size_bytes, what, err);
        }
        if (start < gap_end && gap_end - start > largest)
            largest = gap_end - start;
        if (i < l->n_taken && l->taken[i].addr + l->taken[i].size_bytes > cursor)
            cursor = l->taken[i].addr + l->taken[i].size_bytes;
    }
    return xu_fail(err,
                   "%s: does not fit: needs %" PRIu64 " KiB at a %" PRIu64 " KiB boundary; the "
                   "largest free %" PRIu64 " KiB-aligned room in 0x%" PRIx64 "-0x%" PRIx64
                   " is %" PRIu64 " KiB",
                   what, (size_bytes + 1023) / 1024, align / 1024, align / 1024, l->base_addr,
                   window_end(l) - 1, largest / 1024);
}
