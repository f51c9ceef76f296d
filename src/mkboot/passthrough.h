/*
 * Host devices for a domain Xen builds at boot (the config's dtdev): what the
 * host device tree says about them, the partial device tree Xen copies into
 * the domain's own (docs/misc/arm/passthrough.txt, "dom0less"), and the edits
 * boot.scr makes to the host tree so that Xen keeps the devices from Dom0 and
 * routes their interrupts to the domain.
 */
#ifndef MKBOOT_PASSTHROUGH_H
#define MKBOOT_PASSTHROUGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domcfg.h"
#include "err.h"
#include "platform.h"

#define PT_MAX_IRQS         128
#define PT_MAX_FIXED_CLOCKS 8
#define PT_MAX_WINDOWS      16
#define PT_PAGE_BYTES       4096u

/* A GIC interrupt specifier: <type number flags>, type 0 = SPI. */
struct pt_irq {
    uint32_t cells[3];
};

/* A host MMIO range the domain gets mapped at the same address. */
struct pt_window {
    uint64_t addr;
    uint64_t size_bytes;
};

struct pt_device {
    char path[DOMCFG_DTPATH_BYTES];
    unsigned line; /* the dtdev line of the config */
    char gic_path[DOMCFG_DTPATH_BYTES];
    struct pt_irq irqs[PT_MAX_IRQS]; /* every interrupt Xen must route to the domain */
    unsigned n_irqs;
    /*
     * The interrupts come (also) from an interrupt-map, as a PCIe host
     * bridge's INTx do. Xen routes only what the node's own `interrupts`
     * lists, so boot.scr writes the whole list there.
     */
    bool irqs_from_map;
    /* The interrupts come from msi-ranges (an MSI controller): listed by boot.scr too. */
    bool irqs_from_msi;
    /*
     * The interrupt-map's entries: the child's unit address and interrupt
     * (map_child_cells), the GIC's phandle, its unit address
     * (map_gic_addr_cells) and its 3-cell interrupt.
     */
    int map_child_cells;
    int map_gic_addr_cells;
    struct pt_window windows[PT_MAX_WINDOWS]; /* page aligned: reg, then the bus windows */
    unsigned n_windows;
    bool has_iommu; /* else Xen must be told to assign it unprotected */
    /*
     * Its interrupts go to a controller the domain is given too (not the
     * GIC): nothing for Xen to route, and the domain's tree keeps them on
     * that controller, by this phandle. 0: they go to the GIC.
     */
    uint32_t irq_parent_phandle;
};

struct pt_plan {
    struct pt_device devices[DOMCFG_MAX_DTDEVS];
    unsigned n_devices;
    /* Host fixed clocks (phandles) the devices use: copied into the partial tree. */
    uint32_t fixed_clocks[PT_MAX_FIXED_CLOCKS];
    unsigned n_fixed_clocks;
};

/*
 * Reads `dc`'s dtdev nodes from the host tree `host` (`host_bytes` long, read
 * from `host_name`) and checks that the domain can have them.
 */
int pt_plan_devices(const void *host, size_t host_bytes, const char *host_name,
                    const struct domain_config *dc, struct pt_plan *plan, struct xu_err *err);

/*
 * The partial device tree: a /passthrough bus holding a copy of each device
 * node, its addresses 1:1, its interrupts on the domain's virtual GIC, and
 * xen,reg and xen,path for Xen. *blob is malloc'ed, *bytes long.
 */
int pt_partial_fdt(const void *host, const struct pt_plan *plan, const struct domain_config *dc,
                   void **blob, size_t *bytes, struct xu_err *err);

/*
 * The platform's guest_devices and disabled_nodes: none may be a node a
 * boot-time domain takes (`domains`, its dtdev); and when the host tree is
 * given (`host` not NULL), each must be in it and be neither the root, the
 * GIC nor Xen's console, so that a wrong path stops the build, not the boot.
 */
int pt_check_platform_nodes(const void *host, size_t host_bytes, const char *host_name,
                            const struct platform *p, const struct domain_config *domains,
                            unsigned n_domains, struct xu_err *err);

#endif
