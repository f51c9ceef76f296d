/*
 * Placement of blobs in a window of physical memory: reserve what is taken,
 * then place each blob at the lowest free address with the given alignment.
 * mkboot places boot files in RAM with it; xu places modules in guest RAM.
 */
#ifndef XU_LAYOUT_H
#define XU_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define LAYOUT_MAX_REGIONS 32
#define LAYOUT_WHAT_BYTES  320

struct region {
    uint64_t addr;
    uint64_t size_bytes;
    char what[LAYOUT_WHAT_BYTES];
};

struct layout {
    uint64_t base_addr;
    uint64_t size_bytes;
    struct region taken[LAYOUT_MAX_REGIONS]; /* sorted by addr */
    size_t n_taken;
};

void layout_init(struct layout *l, uint64_t base_addr, uint64_t size_bytes);
/* Marks [addr, addr + size) as taken; parts outside the window are ignored. */
int layout_reserve(struct layout *l, uint64_t addr, uint64_t size_bytes, const char *what,
                   struct xu_err *err);
/* Finds room for `size_bytes` at an `align`-aligned address (a power of two), takes it. */
int layout_place(struct layout *l, uint64_t size_bytes, uint64_t align, const char *what,
                 uint64_t *addr, struct xu_err *err);

uint64_t align_up(uint64_t v, uint64_t align);

#endif
