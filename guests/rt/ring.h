/*
 * The arithmetic of Xen's console rings (public/io/console.h): free-running
 * 32-bit indices, a power-of-two size, the producer never more than a ring
 * ahead of the consumer. Pure, so the build host's unit tests check it.
 */
#ifndef RT_RING_H
#define RT_RING_H

#include <stddef.h>
#include <stdint.h>

/* Bytes the producer may still write; 0 also when the indices are corrupt. */
uint32_t ring_space(uint32_t prod, uint32_t cons, uint32_t size);

/*
 * Copies up to `len` bytes of `src` into `ring` at `prod`, wrapping at `size`,
 * as far as `space` allows; returns how many it copied.
 */
size_t ring_put(char *ring, uint32_t size, uint32_t prod, uint32_t space, const char *src,
                size_t len);

#endif
