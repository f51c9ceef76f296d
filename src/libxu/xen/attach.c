#include "attach.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <xen/event_channel.h>
#include <xen/io/xs_wire.h>
#include <xen/xen.h>
#include <xencall.h>
#include <xenforeignmemory.h>
#include <xenguest.h>

#include "domxs.h"
#include "guest.h"
#include "wait.h"

static int xen_fail(const struct boot_domain_node *node, struct xu_err *err, const char *what)
{
    return xu_fail(err, "domain %u (/chosen/%s): %s: %s", node->domid, node->node, what,
                   errno ? strerror(errno) : "no reason given");
}

/* What Xen counts as the domain's pages: its memory and the shared memory it owns. */
static uint64_t pages_kib(const struct boot_domain_node *node)
{
    return node->memory_kib + node->owned_shm_kib;
}

/* The domain Xen built for this node: refuse to attach a config to something else. */
static int check_domain(struct hv *hv, const struct boot_domain_node *node,
                        const struct domain_config *dc, struct xu_err *err)
{
    xc_domaininfo_t info;
    uint64_t max_kib;
    unsigned vcpus;

    if (xc_domain_getinfolist(hv->xc, node->domid, 1, &info) != 1 || info.domain != node->domid)
        return xu_fail(err,
                       "domain %u (/chosen/%s) does not exist: Xen did not build it (its "
                       "console says why)",
                       node->domid, node->node);
    /* Its kernel brings the other vCPUs up later: count them all, online or not. */
    vcpus = info.max_vcpu_id + 1;
    max_kib = (uint64_t)info.max_pages * (GMAP_PAGE_BYTES / 1024);
    /* An earlier attach may have added the xenstore page; Xen counts the memory it owns. */
    if (max_kib < pages_kib(node) || max_kib > pages_kib(node) + GMAP_PAGE_BYTES / 1024 ||
        vcpus != node->vcpus)
        return xu_fail(err,
                       "domain %u has %llu KiB and %u vCPUs, not the %llu KiB and %u of "
                       "/chosen/%s: it is not that domain",
                       node->domid, (unsigned long long)max_kib, vcpus,
                       (unsigned long long)pages_kib(node), node->vcpus, node->node);
    if (dc->memory_mib * 1024 != node->memory_kib || dc->vcpus != node->vcpus)
        return xu_fail(err,
                       "%s: memory %llu MiB and vcpus %u differ from what Xen booted /chosen/%s "
                       "with (%llu KiB, %u): the boot partition changed since boot.scr was made",
                       dc->source, (unsigned long long)dc->memory_mib, dc->vcpus, node->node,
                       (unsigned long long)node->memory_kib, node->vcpus);
    return 0;
}

/*
 * The xenstore ring goes where libxl puts it for the domains it builds:
 * the second magic page. Its `connection` says RECONNECT, so xenstored
 * signals the domain once it is introduced; Linux then finds the page's
 * address in HVM_PARAM_STORE_PFN, which Xen left as ~0 for it to wait on.
 */
static int make_store_ring(struct hv *hv, const struct boot_domain_node *node, xen_pfn_t pfn,
                           struct xu_err *err)
{
    struct xenstore_domain_interface *ring;
    xenforeignmemory_handle *fmem;
    xen_pfn_t gfn = pfn;

    /* A 1:1 domain's page is its own RAM already (see store_pfn). */
    errno = 0;
    if (!node->direct_map) {
        /* As a number, not an increment: a second attach after a failed one asks the same. */
        if (xc_domain_setmaxmem(hv->xc, node->domid, pages_kib(node) + GMAP_PAGE_BYTES / 1024) < 0)
            return xen_fail(node, err, "cannot make room for the xenstore page");
        if (xc_domain_populate_physmap_exact(hv->xc, node->domid, 1, 0, 0, &gfn) < 0)
            return xen_fail(node, err, "cannot give it a xenstore page");
    }
    fmem = xenforeignmemory_open(NULL, 0);
    ring = fmem ? xenforeignmemory_map(fmem, node->domid, PROT_READ | PROT_WRITE, 1, &gfn, NULL)
                : NULL;
    if (!ring) {
        xen_fail(node, err, "cannot map its xenstore page");
        if (fmem)
            xenforeignmemory_close(fmem);
        return -1;
    }
    memset(ring, 0, GMAP_PAGE_BYTES);
    ring->connection = XENSTORE_RECONNECT;
    xenforeignmemory_unmap(fmem, ring, 1);
    xenforeignmemory_close(fmem);
    if (xc_dom_gnttab_seed(hv->xc, node->domid, true, (xen_pfn_t)-1, pfn, 0, 0) < 0)
        return xen_fail(node, err, "cannot grant its xenstore page to xenstored");
    return 0;
}

/*
 * Where the xenstore page goes. Xen 4.17 can add a page to a 1:1 domain only
 * where guest and host addresses agree, which no free page does; so a 1:1
 * domain's page is the top page of its own static memory, which mkboot's
 * mem= keeps its kernel away from.
 */
static xen_pfn_t store_pfn(const struct boot_domain_node *node)
{
    if (node->direct_map)
        return (xen_pfn_t)(node->static_mem_end >> GMAP_PAGE_SHIFT) - 1;
    return GMAP_STORE_PFN;
}

int attach_boot_domain(struct hv *hv, const struct boot_domain_node *node,
                       const struct domain_config *dc, const char *config_path, bool *already,
                       struct xu_err *err)
{
    const xen_pfn_t pfn = store_pfn(node);
    uint64_t store_port = 0;
    struct domxs_store store;
    uint8_t handle[16];
    char uuid[37];

    *already = false;
    if (xs_is_domain_introduced(hv->xs, node->domid)) {
        *already = true;
        return 0;
    }
    if (check_domain(hv, node, dc, err) < 0)
        return -1;
    errno = 0;
    if (xc_hvm_param_get(hv->xc, node->domid, HVM_PARAM_STORE_EVTCHN, &store_port) < 0)
        return xen_fail(node, err, "cannot read its xenstore event channel");
    if (!store_port)
        return xu_fail(err,
                       "domain %u (/chosen/%s) has no xenstore event channel: its node lacks "
                       "xen,enhanced",
                       node->domid, node->node);
    if (hv_new_uuid(handle, uuid, err) < 0 || make_store_ring(hv, node, pfn, err) < 0)
        return -1;
    errno = 0;
    if (xc_domain_sethandle(hv->xc, node->domid, handle) < 0)
        return xen_fail(node, err, "cannot set its handle");
    /*
     * A 1:1 domain's kernel has its memory less the top it was kept from
     * (mem=): a higher balloon target would have it hot-add memory, which
     * Linux 6.1 fails at with a warning, holding up the grant mappings its
     * backends need meanwhile.
     */
    store = (struct domxs_store){pfn, (uint32_t)store_port, node->memory_kib};
    if (node->direct_map)
        store.target_kib -= BOOTDOMS_DIRECT_MAP_KEEP_BYTES >> 10;
    if (domxs_create(hv, node->domid, dc, config_path, uuid, &store, err) < 0)
        goto fail;
    /* Last: the domain may use xenstore the moment this is set and it is signalled. */
    errno = 0;
    if (xc_hvm_param_set(hv->xc, node->domid, HVM_PARAM_STORE_PFN, pfn) < 0) {
        xen_fail(node, err, "cannot tell it where its xenstore page is");
        goto fail;
    }
    if (domxs_introduce(hv, node->domid, &store, err) < 0) {
        struct xu_err why = *err;

        xu_fail(err, "domain %u (/chosen/%s): xenstored refused to take it: %s", node->domid,
                node->node, why.msg);
        goto fail;
    }
    return 0;
fail:
    domxs_remove(hv, node->domid);
    return -1;
}

int start_held_domain(struct hv *hv, const struct boot_domain_node *node, bool *started,
                      struct xu_err *err)
{
    xc_domaininfo_t info;

    *started = false;
    if (!node->start_paused)
        return 0;
    errno = 0;
    if (xc_domain_getinfolist(hv->xc, node->domid, 1, &info) != 1 || info.domain != node->domid)
        return xen_fail(node, err, "cannot read its state to start it");
    /* Xen's hold, not a pause since: a domain that ran has CPU time. */
    if (!(info.flags & XEN_DOMINF_paused) || info.cpu_time != 0)
        return 0;
    errno = 0;
    if (xc_domain_unpause(hv->xc, node->domid) < 0)
        return xen_fail(node, err, "cannot start it");
    *started = true;
    return 0;
}

int store_wake_find(struct hv *hv, unsigned domid, struct store_wake *w, struct xu_err *err)
{
    uint64_t port = 0, pfn = 0;
    xc_evtchn_status_t status = {.dom = (domid_t)domid};

    errno = 0;
    if (xc_hvm_param_get(hv->xc, domid, HVM_PARAM_STORE_EVTCHN, &port) < 0 ||
        xc_hvm_param_get(hv->xc, domid, HVM_PARAM_STORE_PFN, &pfn) < 0)
        return xu_fail(err, "domain %u: cannot read its xenstore channel and page: %s", domid,
                       strerror(errno));
    status.port = (evtchn_port_t)port;
    if (xc_evtchn_status(hv->xc, &status) < 0)
        return xu_fail(err, "domain %u: cannot read its xenstore channel %u: %s", domid,
                       status.port, strerror(errno));
    /* xenstored bound its end when it took the domain in. */
    if (status.status != EVTCHNSTAT_interdomain || status.u.interdomain.dom != 0)
        return xu_fail(err, "domain %u: its xenstore channel %u is not bound to Dom0 (state %u)",
                       domid, status.port, status.status);
    w->domid = domid;
    w->ring_gfn = (xen_pfn_t)pfn;
    w->dom0_port = status.u.interdomain.port;
    w->answered = false;
    return 0;
}

/* EVTCHNOP_send on a port of Dom0's: the event any process of Dom0 may raise on it. */
static void signal_port(xencall_handle *call, evtchn_port_t port)
{
    struct evtchn_send *send = xencall_alloc_buffer(call, sizeof(*send));

    if (!send)
        return;
    send->port = port;
    xencall2(call, __HYPERVISOR_event_channel_op, EVTCHNOP_send, (uint64_t)(uintptr_t)send);
    xencall_free_buffer(call, send);
}

unsigned store_wake_until_answered(struct store_wake *w, unsigned n, unsigned timeout_ms)
{
    enum { STEP_MS = 200 };
    const struct xenstore_domain_interface *ring[BOOTDOMS_MAX] = {0};
    xenforeignmemory_handle *fmem = xenforeignmemory_open(NULL, 0);
    xencall_handle *call = xencall_open(NULL, 0);
    unsigned count = n < BOOTDOMS_MAX ? n : BOOTDOMS_MAX, left = count;
    struct xu_wait wait;

    for (unsigned i = 0; fmem && i < count; i++) {
        xen_pfn_t gfn = w[i].ring_gfn;

        ring[i] = xenforeignmemory_map(fmem, w[i].domid, PROT_READ, 1, &gfn, NULL);
    }
    xu_wait_begin(&wait, timeout_ms, STEP_MS);
    while (fmem && call) {
        left = 0;
        for (unsigned i = 0; i < count; i++) {
            /* A ring Dom0 cannot read is not waited for: nothing is worse than before. */
            if (!ring[i] || __atomic_load_n(&ring[i]->req_prod, __ATOMIC_ACQUIRE) != 0) {
                w[i].answered = ring[i] != NULL;
                continue;
            }
            left++;
            signal_port(call, w[i].dom0_port);
        }
        if (!left || !xu_wait_again(&wait))
            break;
    }
    for (unsigned i = 0; i < count; i++)
        if (ring[i])
            xenforeignmemory_unmap(fmem, (void *)ring[i], 1);
    if (fmem)
        xenforeignmemory_close(fmem);
    if (call)
        xencall_close(call);
    return left;
}
