#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xenctrl.h>

/* Xen's public headers take their types from xenctrl.h. */
#include <xen/io/console.h>
#include <xenforeignmemory.h>

#include "conring.h"
#include "conserve.h"
#include "wait.h"

#define MAX_RINGS 2
#define STEP_MS   10

static const char *const ring_dirs[MAX_RINGS] = {"console", "vuart/0"};

/* Bytes written and not read yet; 0 for a ring xenconsoled would not read either. */
static uint32_t unread_bytes(const struct xencons_interface *ring)
{
    XENCONS_RING_IDX cons = __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE);
    XENCONS_RING_IDX prod = __atomic_load_n(&ring->out_prod, __ATOMIC_ACQUIRE);
    XENCONS_RING_IDX size = prod - cons;

    return size <= sizeof(ring->out) ? size : 0;
}

static bool ring_gfn(struct hv *hv, uint32_t domid, const char *dir, xen_pfn_t *gfn)
{
    char path[64], *end, *text;
    unsigned long long value;
    bool ok;

    snprintf(path, sizeof(path), "/local/domain/%u/%s/ring-ref", domid, dir);
    text = hv_xs_read(hv, path);
    if (!text)
        return false;
    value = strtoull(text, &end, 10);
    ok = end != text && !*end;
    free(text);
    *gfn = (xen_pfn_t)value;
    return ok;
}

/* xu monitor reads its own consoles to their end before it destroys a domain. */
static bool served_by_monitor(struct hv *hv, uint32_t domid, const char *dir)
{
    char path[64], *type;
    bool ours;

    snprintf(path, sizeof(path), "/local/domain/%u/%s/type", domid, dir);
    type = hv_xs_read(hv, path);
    ours = type && strcmp(type, CONSERVE_TYPE) == 0;
    free(type);
    return ours;
}

uint32_t conring_wait_read(struct hv *hv, uint32_t domid, unsigned timeout_ms)
{
    const struct xencons_interface *ring[MAX_RINGS] = {0};
    xenforeignmemory_handle *fmem = xenforeignmemory_open(NULL, 0);
    uint32_t unread = 0;
    struct xu_wait w;

    for (unsigned i = 0; fmem && i < MAX_RINGS; i++) {
        xen_pfn_t gfn;

        if (served_by_monitor(hv, domid, ring_dirs[i]))
            continue;
        if (ring_gfn(hv, domid, ring_dirs[i], &gfn))
            ring[i] = xenforeignmemory_map(fmem, domid, PROT_READ, 1, &gfn, NULL);
    }
    xu_wait_begin(&w, timeout_ms, STEP_MS);
    do {
        unread = 0;
        for (unsigned i = 0; i < MAX_RINGS; i++)
            if (ring[i])
                unread += unread_bytes(ring[i]);
    } while (unread && xu_wait_again(&w));
    for (unsigned i = 0; i < MAX_RINGS; i++)
        if (ring[i])
            xenforeignmemory_unmap(fmem, (void *)ring[i], 1);
    if (fmem)
        xenforeignmemory_close(fmem);
    return unread;
}
