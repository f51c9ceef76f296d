/* From the entry code to guest_main: console, interrupts, event channels, then the threads. */
#include "rt.h"
#include "arch.h"
#include "dtb.h"
#include "fmt.h"
#include "gic.h"
#include "timer.h"
#include "xen.h"

/* xu and Xen give a guest a tree of a few KiB; anything larger is not one of theirs. */
#define FDT_MAX_BYTES (2u << 20)

static void run_main(void *bootargs)
{
    guest_main(bootargs);
}

void rt_start(const void *fdt)
{
    size_t size;
    const char *bootargs = NULL;

    size = dtb_size(fdt, FDT_MAX_BYTES);
    con_init(fdt, size);
    timer_init();
    if (!size)
        guest_panic("no device tree at %p", fdt);
    /* Xen gives the guest the host's GIC version; this runtime drives a GICv2. */
    if (dtb_has_compatible(fdt, size, "arm,gic-v3"))
        guest_panic("this guest needs a GICv2 (the config's gic_version = \"v2\")");
    gic_init();
    gic_enable(TIMER_VIRT_PPI);
    if (xen_shared_info())
        gic_enable(GIC_EVTCHN_PPI);
    bootargs = dtb_prop_string(fdt, size, "/chosen", "bootargs");
    links_init(fdt, size, bootargs);
    sched_run(run_main, (void *)(bootargs ? bootargs : ""));
}

void guest_poweroff(void)
{
    xen_shutdown(SHUTDOWN_poweroff);
}

void guest_panic(const char *fmt, ...)
{
    va_list ap;

    printf("panic: ");
    va_start(ap, fmt);
    con_vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    xen_shutdown(SHUTDOWN_crash);
}

void fault_handle(uint64_t esr, uint64_t elr, uint64_t far)
{
    guest_panic("exception class 0x%llx (ESR 0x%llx) at 0x%llx, address 0x%llx",
                (unsigned long long)(esr >> 26), (unsigned long long)esr, (unsigned long long)elr,
                (unsigned long long)far);
}
