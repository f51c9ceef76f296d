/*
 * A boot-time guest's static links at run time: shared regions mapped as
 * Normal memory (as its peer maps them), and static event channels whose
 * events give the semaphore a thread waits on.
 */
#include "arch.h"
#include "links.h"
#include "rt.h"
#include "xen.h"

#define MAX_BOUND 8

static const void *tree;
static size_t tree_bytes;
static const char *cmdline = "";

static struct {
    uint32_t port;
    struct sem *sem;
} bound[MAX_BOUND];

void links_init(const void *fdt, size_t fdt_bytes, const char *bootargs)
{
    tree = fdt;
    tree_bytes = fdt_bytes;
    cmdline = bootargs ? bootargs : "";
}

void *shm_map(const char *id, size_t *size_bytes)
{
    uint64_t addr, size;

    if (!tree || !links_shm(tree, tree_bytes, id, &addr, &size))
        return NULL;
    mmu_map_normal(addr, size);
    *size_bytes = (size_t)size;
    return (void *)addr;
}

uint32_t evtchn_static_port(const char *peer)
{
    return links_evtchn_port(cmdline, peer);
}

void evtchn_bind(uint32_t port, struct sem *s)
{
    for (unsigned i = 0; i < MAX_BOUND; i++)
        if (!bound[i].sem || bound[i].port == port) {
            bound[i].port = port;
            bound[i].sem = s;
            return;
        }
    guest_panic("more than %d bound event channels", MAX_BOUND);
}

bool evtchn_any_bound(void)
{
    return bound[0].sem != NULL;
}

void evtchn_notify(uint32_t port)
{
    xen_notify(port);
}

void evtchn_fired(uint32_t port)
{
    for (unsigned i = 0; i < MAX_BOUND && bound[i].sem; i++)
        if (bound[i].port == port)
            sem_give(bound[i].sem);
}
