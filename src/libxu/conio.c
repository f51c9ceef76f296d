#include "conio.h"

#include <string.h>

/* Copies `len` bytes starting at ring index `at`, wrapping at the ring's end. */
static void copy_from(const char *ring, size_t size, uint32_t at, char *dst, size_t len)
{
    size_t start = at % size, first = len < size - start ? len : size - start;

    memcpy(dst, ring + start, first);
    memcpy(dst + first, ring, len - first);
}

static void copy_to(char *ring, size_t size, uint32_t at, const char *src, size_t len)
{
    size_t start = at % size, first = len < size - start ? len : size - start;

    memcpy(ring + start, src, first);
    memcpy(ring, src + first, len - first);
}

long conio_read_out(struct conio_ring *r, char *buf, size_t max)
{
    uint32_t cons = __atomic_load_n(&r->out_cons, __ATOMIC_RELAXED);
    /* Acquire: the bytes are there before the index that says so. */
    uint32_t prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
    uint32_t waiting = prod - cons;
    size_t n;

    if (waiting > CONIO_OUT_BYTES)
        return -1;
    n = waiting < max ? waiting : max;
    copy_from(r->out, CONIO_OUT_BYTES, cons, buf, n);
    /* Release: the guest may overwrite them only once they are copied. */
    __atomic_store_n(&r->out_cons, cons + (uint32_t)n, __ATOMIC_RELEASE);
    return (long)n;
}

size_t conio_write_in(struct conio_ring *r, const char *buf, size_t len)
{
    uint32_t prod = __atomic_load_n(&r->in_prod, __ATOMIC_RELAXED);
    uint32_t cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);
    uint32_t used = prod - cons;
    size_t room, n;

    if (used > CONIO_IN_BYTES)
        return 0;
    room = CONIO_IN_BYTES - used;
    n = len < room ? len : room;
    copy_to(r->in, CONIO_IN_BYTES, prod, buf, n);
    __atomic_store_n(&r->in_prod, prod + (uint32_t)n, __ATOMIC_RELEASE);
    return n;
}

uint32_t conio_unread(const struct conio_ring *r)
{
    uint32_t waiting = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE) -
                       __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE);

    return waiting <= CONIO_OUT_BYTES ? waiting : 0;
}
