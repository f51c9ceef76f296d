/*
 * A guest's PV devices (vif, disk) in xenstore: the frontend under the guest,
 * the backend under the driver domain that serves it (backend=), in the
 * layout Linux's netfront/netback and blkfront/blkback read and libxl
 * writes. The driver domain's `xu devd` does the hotplug work (bridge, loop
 * device) and answers in hotplug-status. Target only.
 */
#ifndef XU_PVDEV_H
#define XU_PVDEV_H

#include <stddef.h>
#include <stdint.h>

#include "domcfg.h"
#include "err.h"
#include "hv.h"

#define PVDEV_HOTPLUG_WAIT_MS  10000 /* libxl waits as long for its hotplug scripts */
#define PVDEV_TEARDOWN_WAIT_MS 5000

/* The backend domains the config names, resolved; refuses what cannot serve. */
int pvdev_check(struct hv *hv, const struct domain_config *dc, uint32_t guest, struct xu_err *err);

/* Writes every device's frontend and backend nodes, one transaction per device. */
int pvdev_add(struct hv *hv, uint32_t guest, const struct domain_config *dc, struct xu_err *err);

/* Waits until each backend's hotplug work is done; its failure, named with FILE:LINE. */
int pvdev_wait_connected(struct hv *hv, uint32_t guest, const struct domain_config *dc,
                         struct xu_err *err);

/*
 * Taking a guest's devices down: the backend paths Dom0 recorded for it, read
 * before destroy; then each set offline, the frontends removed (so the
 * backends close and let go of the guest's memory) and the backends told
 * Closing; after the destroy, a wait (a while) for the driver domain to undo
 * its hotplug work and drop them, and then whatever is left goes.
 */
struct pvdev_backends {
    char paths[DOMCFG_MAX_VIFS + DOMCFG_MAX_DISKS][128];
    unsigned n;
};
void pvdev_find_backends(struct hv *hv, uint32_t guest, struct pvdev_backends *out);
void pvdev_disconnect(struct hv *hv, uint32_t guest, const struct pvdev_backends *b);
void pvdev_remove(struct hv *hv, uint32_t guest, const struct pvdev_backends *b);

/*
 * The running domains whose devices `backend` serves, as "2, 5" in `out`;
 * returns how many.
 */
unsigned pvdev_served_domains(struct hv *hv, uint32_t backend, char *out, size_t size);

#endif
