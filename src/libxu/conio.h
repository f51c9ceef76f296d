/*
 * A console ring as Xen's public io/console.h lays it out: Dom0 reads what
 * the guest writes to `out` and writes the guest's input to `in`. The guest
 * owns the indexes too, so every reading of them is checked. Plain C on the
 * ring's memory, so the build host tests it; the target build checks the
 * layout against Xen's header.
 */
#ifndef XU_CONIO_H
#define XU_CONIO_H

#include <stddef.h>
#include <stdint.h>

#define CONIO_IN_BYTES  1024
#define CONIO_OUT_BYTES 2048

struct conio_ring {
    char in[CONIO_IN_BYTES];
    char out[CONIO_OUT_BYTES];
    uint32_t in_cons, in_prod;
    uint32_t out_cons, out_prod;
};

/*
 * Copies up to `max` bytes the guest wrote and marks them read. Returns how
 * many, or -1 when the indexes say more is waiting than the ring holds: a
 * guest that broke its ring, which is then left as it is.
 */
long conio_read_out(struct conio_ring *r, char *buf, size_t max);

/* Puts as much of `len` input bytes as there is room for; returns how many. */
size_t conio_write_in(struct conio_ring *r, const char *buf, size_t len);

/* Bytes the guest wrote that are not read yet; 0 for a broken ring. */
uint32_t conio_unread(const struct conio_ring *r);

#endif
