/*
 * Connecting a domain Xen built at boot (dom0less) to xenstore, which Xen
 * 4.17 leaves to Dom0: what Xen's init-dom0less does, without libxl. Target
 * only.
 */
#ifndef XU_ATTACH_H
#define XU_ATTACH_H

#include <stdbool.h>

#include <xenctrl.h>

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

/*
 * Starts a domain Xen held for Dom0 (its node's pixen,start-paused): one
 * that is paused and has never run, so a domain paused by a command since is
 * left alone. Sets *started when it unpaused it.
 */
int start_held_domain(struct hv *hv, const struct boot_domain_node *node, bool *started,
                      struct xu_err *err);

/*
 * Linux (through 7.3 at least) can miss the one signal xenstored sends a boot
 * domain when it is introduced: xenbus_init binds the store channel early in
 * the kernel's boot, but the thread the signal wakes starts only at
 * device_initcall, and a signal in between wakes nobody, leaving the domain
 * without xenstore for good. Dom0 introduces DomD while DomD's kernel boots,
 * so the signal is sent again, from xenstored's end of the channel, until the
 * domain's first request shows in its ring.
 */
struct store_wake {
    unsigned domid;
    xen_pfn_t ring_gfn;
    evtchn_port_t dom0_port; /* xenstored's end of the domain's store channel */
    bool answered;           /* set by store_wake_until_answered */
};

/* Where a newly attached domain's ring is and which port is xenstored's. */
int store_wake_find(struct hv *hv, unsigned domid, struct store_wake *w, struct xu_err *err);

/*
 * Signals each of the n domains until each has made a request (its
 * `answered`) or `timeout_ms` passes; returns how many never did. Opens its
 * own handles, so that a child process may run it after fork().
 */
unsigned store_wake_until_answered(struct store_wake *w, unsigned n, unsigned timeout_ms);

#endif
