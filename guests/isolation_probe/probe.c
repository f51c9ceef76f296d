/*
 * isolation_probe: asks Xen, from an ordinary guest, for what only a
 * privileged domain may do, and prints what Xen answers: pausing Dom0 and
 * DomD (domctl), reading the machine's state (sysctl), mapping a page of
 * Dom0's memory (a foreign mapping). Each must be denied: under pixen's
 * FLASK policy with -EACCES, and Xen's log shows the avc. It ends by
 * powering itself off.
 */
/* domctl.h and sysctl.h are the toolstack's interface: asking is the point here. */
#define __XEN_TOOLS__ 1

#include "rt.h"
#include "xen.h"
#include <xen/domctl.h>
#include <xen/sysctl.h>

#define DOM0 0
#define DOMD 1
/* Where the foreign page would land: no RAM or device of a guest is there. */
#define PROBE_GFN 0x10000

static void *clear(void *p, size_t n)
{
    uint8_t *b = p;

    for (size_t i = 0; i < n; i++)
        b[i] = 0;
    return p;
}

static long pause_domain(domid_t domid)
{
    static struct xen_domctl d;

    clear(&d, sizeof(d));
    d.cmd = XEN_DOMCTL_pausedomain;
    d.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    d.domain = domid;
    return hypercall(__HYPERVISOR_domctl, (uint64_t)&d, 0, 0, 0, 0);
}

static long read_physinfo(void)
{
    static struct xen_sysctl s;

    clear(&s, sizeof(s));
    s.cmd = XEN_SYSCTL_physinfo;
    s.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    return hypercall(__HYPERVISOR_sysctl, (uint64_t)&s, 0, 0, 0, 0);
}

/* One of Dom0's frames into this guest's physical memory: a batch of one, its error apart. */
static long map_dom0_page(void)
{
    static xen_ulong_t idx = 0x40000; /* Dom0's guest frame; denied before it is looked up */
    static xen_pfn_t gpfn = PROBE_GFN;
    static int error;
    static struct xen_add_to_physmap_batch batch;
    long rc;

    clear(&batch, sizeof(batch));
    batch.domid = DOMID_SELF;
    batch.space = XENMAPSPACE_gmfn_foreign;
    batch.size = 1;
    batch.u.foreign_domid = DOM0;
    set_xen_guest_handle(batch.idxs, &idx);
    set_xen_guest_handle(batch.gpfns, &gpfn);
    set_xen_guest_handle(batch.errs, &error);
    rc = hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, (uint64_t)&batch, 0, 0, 0);
    return rc ? rc : error;
}

static const char *errno_name(long rc)
{
    switch (-rc) {
    case 1:
        return "EPERM";
    case 3:
        return "ESRCH";
    case 13:
        return "EACCES";
    case 22:
        return "EINVAL";
    case 38:
        return "ENOSYS";
    default:
        return "?";
    }
}

void guest_main(const char *bootargs)
{
    static const struct {
        const char *what;
        const char *call;
    } probes[] = {
        {"pause Domain-0", "domctl pausedomain 0"},
        {"pause DomD", "domctl pausedomain 1"},
        {"read the machine's memory and CPUs", "sysctl physinfo"},
        {"map a page of Domain-0's memory", "memory_op add_to_physmap_batch gmfn_foreign 0"},
    };
    unsigned denied = 0, n = sizeof(probes) / sizeof(probes[0]);

    (void)bootargs;
    printf("isolation_probe: asking Xen for what only a privileged domain may do\n");
    for (unsigned i = 0; i < n; i++) {
        long rc = i == 0   ? pause_domain(DOM0)
                  : i == 1 ? pause_domain(DOMD)
                  : i == 2 ? read_physinfo()
                           : map_dom0_page();

        if (rc < 0)
            denied++;
        printf("isolation_probe: %s (%s): %s, %ld (%s)\n", probes[i].what, probes[i].call,
               rc < 0 ? "denied" : "ALLOWED", rc, rc < 0 ? errno_name(rc) : "done");
    }
    printf("isolation_probe: %u of %u denied\n", denied, n);
    /* The console ring drains on its own time: let xenconsoled take the lines first. */
    sleep_ms(1000);
}
