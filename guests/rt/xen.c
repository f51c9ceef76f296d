#include "xen.h"

#include "arch.h"
#include "rt.h"

/* Xen maps shared_info over a whole page of guest RAM: nothing else may live in it. */
static union {
    struct shared_info info;
    uint8_t page[4096];
} shared __attribute__((aligned(4096)));
static int shared_mapped;

uint64_t xen_hvm_param(unsigned index)
{
    struct xen_hvm_param p = {.domid = DOMID_SELF, .index = index};

    if (hypercall(__HYPERVISOR_hvm_op, HVMOP_get_param, (uint64_t)&p, 0, 0, 0) < 0)
        return 0;
    return p.value;
}

void xen_notify(evtchn_port_t port)
{
    struct evtchn_send send = {.port = port};

    hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (uint64_t)&send, 0, 0, 0);
}

struct shared_info *xen_shared_info(void)
{
    struct xen_add_to_physmap map = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_shared_info,
        .idx = 0,
        .gpfn = (uint64_t)&shared >> 12,
    };

    if (!shared_mapped) {
        if (hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uint64_t)&map, 0, 0, 0) < 0)
            return 0;
        shared_mapped = 1;
    }
    return &shared.info;
}

unsigned xen_events_take(void)
{
    struct vcpu_info *v;
    unsigned fired = 0;
    xen_ulong_t words;

    if (!shared_mapped)
        return 0;
    v = &shared.info.vcpu_info[0];
    /* Clear before reading the bits, so an event that arrives meanwhile raises it again. */
    __atomic_store_n(&v->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    words = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while (words) {
        unsigned w = (unsigned)__builtin_ctzll(words);
        xen_ulong_t bits;

        words &= words - 1;
        bits = __atomic_load_n(&shared.info.evtchn_pending[w], __ATOMIC_SEQ_CST) &
               ~__atomic_load_n(&shared.info.evtchn_mask[w], __ATOMIC_SEQ_CST);
        __atomic_fetch_and(&shared.info.evtchn_pending[w], ~bits, __ATOMIC_SEQ_CST);
        for (; bits; bits &= bits - 1, fired++)
            evtchn_fired(w * 64 + (unsigned)__builtin_ctzll(bits));
    }
    return fired;
}

void xen_shutdown(unsigned reason)
{
    struct sched_shutdown s = {.reason = reason};

    for (;;)
        hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (uint64_t)&s, 0, 0, 0);
}
