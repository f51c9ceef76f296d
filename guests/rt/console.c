/*
 * The PV console frontend: output goes to the ring xenconsoled serves, as
 * Linux's hvc0 does, so `xu console` and the console log see it.
 */
#include <stdint.h>

#include "xen.h"

#include <xen/io/console.h>

#include "arch.h"
#include "fmt.h"
#include "ring.h"
#include "rt.h"
#include "xen.h"

#define RING_WAIT_NS 1000000ull

static struct xencons_interface *ring;
static evtchn_port_t port;

void con_init(void)
{
    uint64_t pfn = xen_hvm_param(HVM_PARAM_CONSOLE_PFN);

    port = (evtchn_port_t)xen_hvm_param(HVM_PARAM_CONSOLE_EVTCHN);
    /* Without a console there is no one to tell: power off rather than run unseen. */
    if (!pfn || !port)
        xen_shutdown(SHUTDOWN_crash);
    ring = (struct xencons_interface *)(pfn << 12);
}

void con_write(const char *s, size_t len)
{
    /* A fault before the console is up has no one to tell. */
    if (!ring)
        xen_shutdown(SHUTDOWN_crash);
    while (len) {
        uint32_t prod = ring->out_prod, space, n;

        smp_mb();
        space = ring_space(prod, ring->out_cons, sizeof(ring->out));
        if (!space) {
            /* xenconsoled drains it once told; wait for that, not for ever in a spin. */
            xen_notify(port);
            sleep_ns(RING_WAIT_NS);
            continue;
        }
        n = (uint32_t)ring_put(ring->out, sizeof(ring->out), prod, space, s, len);
        smp_wmb();
        ring->out_prod = prod + n;
        xen_notify(port);
        s += n;
        len -= n;
    }
}

static void con_sink(void *ctx, const char *s, size_t len)
{
    (void)ctx;
    con_write(s, len);
}

int con_vprintf(const char *fmt, va_list ap)
{
    return fmt_v(con_sink, NULL, fmt, ap);
}

int printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = con_vprintf(fmt, ap);
    va_end(ap);
    return n;
}
