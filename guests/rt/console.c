/*
 * The PV console frontend: output goes to the ring xenconsoled serves, as
 * Linux's hvc0 does, so `xu console` and the console log see it. A guest
 * Xen starts at boot has no PV console (Xen sets none up); it has the
 * emulated SBSA UART its config's vuart asks for, which Xen prints on its
 * own console, as it does DomD's.
 */
#include <stdint.h>

#include "xen.h"

#include <xen/io/console.h>

#include "arch.h"
#include "dtb.h"
#include "fmt.h"
#include "ring.h"
#include "rt.h"
#include "xen.h"

#define RING_WAIT_NS 1000000ull

/* Xen's vpl011 (public/arch-arm.h's GUEST_PL011_BASE): data and flag registers. */
#define VUART_BASE    0x22000000ull
#define VUART_DR      0x00
#define VUART_FR      0x18
#define VUART_FR_TXFF (1u << 5)

static struct xencons_interface *ring;
static evtchn_port_t port;
static volatile uint32_t *vuart;

void con_init(const void *fdt, size_t fdt_bytes)
{
    uint64_t pfn = xen_hvm_param(HVM_PARAM_CONSOLE_PFN);

    port = (evtchn_port_t)xen_hvm_param(HVM_PARAM_CONSOLE_EVTCHN);
    if (pfn && port) {
        ring = (struct xencons_interface *)(pfn << 12);
        return;
    }
    /* The first GiB is mapped as Device memory (mmu.c): the UART's registers are there. */
    if (fdt_bytes && dtb_has_compatible(fdt, fdt_bytes, "arm,sbsa-uart")) {
        vuart = (volatile uint32_t *)VUART_BASE;
        return;
    }
    /* Without a console there is no one to tell: power off rather than run unseen. */
    xen_shutdown(SHUTDOWN_crash);
}

static void vuart_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        while (vuart[VUART_FR / 4] & VUART_FR_TXFF)
            ;
        vuart[VUART_DR / 4] = (uint8_t)s[i];
    }
}

void con_write(const char *s, size_t len)
{
    if (vuart) {
        vuart_write(s, len);
        return;
    }
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
