/*
 * Connecting a domain Xen built at boot (dom0less) to xenstore, which Xen
 * 4.17 leaves to Dom0: what Xen's init-dom0less does, without libxl. Target
 * only.
 */
#ifndef XU_ATTACH_H
#define XU_ATTACH_H

#include <stdbool.h>

#include "bootdoms.h"
#include "domcfg.h"
#include "err.h"
#include "hv.h"

/*
 * Gives the domain its xenstore page and tree, named from `dc`, and
 * introduces it to xenstored. Sets *already when it had been attached
 * before (and then changes nothing). A failure removes the nodes it wrote.
 */
int attach_boot_domain(struct hv *hv, const struct boot_domain_node *node,
                       const struct domain_config *dc, const char *config_path, bool *already,
                       struct xu_err *err);

#endif
