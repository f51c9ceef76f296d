/*
 * Static links between the domains Xen starts at boot: memory they share
 * (static_shm, xen,domain-shared-memory-v1) and event channels Xen connects
 * before either runs (static_evtchn, xen,evtchn-v1), as in Xen 4.17's
 * docs/misc/arm/device-tree/booting.txt. Checked across the domains here;
 * each end of a channel gets a phandle its peer's node names.
 */
#ifndef MKBOOT_LINKS_H
#define MKBOOT_LINKS_H

#include <stdint.h>

#include "domcfg.h"
#include "err.h"
#include "platform.h"

/* Above the CPU pools' (cpupools.h), below what no tree uses. */
#define LINKS_PHANDLE_BASE 0xfffff100u
#define LINKS_MAX_ENDS     64

struct boot_links {
    /* The phandle of domain d's i-th channel end: LINKS_PHANDLE_BASE + first_end[d] + i. */
    unsigned first_end[LINKS_MAX_ENDS];
    /* The index (as above) of the end each end connects to. */
    unsigned peer_end[LINKS_MAX_ENDS];
    unsigned n_ends;
};

/*
 * Checks the links of `n` boot-time domains: a region's id names the same
 * host memory wherever it is used, and another's nowhere; it is shared by two
 * domains at least, owned by one at most (or by none, when no end names a
 * role), clear of each sharer's RAM at its guest address, at the host
 * address for a 1:1 domain; each channel has its other end in the peer's
 * config, on a port Xen leaves free. `host` (may be NULL) is checked for
 * phandles the ends would take.
 */
int links_plan(const struct domain_config *configs, unsigned n, const void *host,
               const char *host_name, struct boot_links *out, struct xu_err *err);

#endif
