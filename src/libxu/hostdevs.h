/*
 * Whose each host page and interrupt is, as Dom0's device tree says: Xen's
 * copy of the host tree (/sys/firmware/fdt), with the marks boot.scr leaves.
 * A guest `xu create` makes may have the pages and SPIs of the nodes
 * platform.cfg's guest_devices frees, and nothing else: not RAM, not the
 * GIC or Xen's UART, not a device Dom0 or a boot-time domain has. Xen would
 * refuse most of these itself, but only once the domain exists, and without
 * saying whose they are; a boot-time domain's device it would even allow.
 */
#ifndef XU_HOSTDEVS_H
#define XU_HOSTDEVS_H

#include <stddef.h>

#include "domcfg.h"
#include "err.h"

/*
 * boot.scr sets one of these on every node it marks xen,passthrough (which
 * Xen does not copy into Dom0's tree): the guests' nodes get the empty
 * HOSTDEVS_GUESTS_PROP, a boot-time domain's dtdev HOSTDEVS_DOMAIN_PROP with
 * the domain's name.
 */
#define HOSTDEVS_GUESTS_PROP "pixen,for-guests"
#define HOSTDEVS_DOMAIN_PROP "pixen,domain"

/*
 * Checks dc's iomem and irqs against `fdt` (fdt_bytes long, read from
 * fdt_name; checked here with fdt_check_strict). xen_cmdline (or NULL):
 * Xen's command line, whose dtuart= names Xen's UART, a node Dom0's tree
 * lacks. -1 with FILE:LINE, what was asked and whose it is.
 */
int hostdevs_check(const void *fdt, size_t fdt_bytes, const char *fdt_name, const char *xen_cmdline,
                   const struct domain_config *dc, struct xu_err *err);

#endif
