/*
 * What the driver domain does for a PV device before its backend can serve
 * (the part of Xen's vif-bridge and block scripts pixen needs), with kernel
 * interfaces, not scripts: a vif joins a bridge, a disk file gets a loop
 * device. Each fails with a message for the guest's toolstack.
 */
#ifndef XU_DEVD_HOTPLUG_H
#define XU_DEVD_HOTPLUG_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

/* Waits (a little) for netback's interface, then adds it to `bridge` and brings it up. */
int hotplug_vif_join(const char *ifname, const char *bridge, struct xu_err *err);
/* Takes it out of its bridge if it is still there. */
void hotplug_vif_leave(const char *ifname, const char *bridge);

/*
 * The block device blkback opens for `target`: a block device as it is, a
 * regular file through a new loop device (*loop set to its path, else "").
 */
int hotplug_disk_attach(const char *target, bool readonly, dev_t *dev, char *loop, size_t loop_size,
                        struct xu_err *err);
/* Frees the loop device; if blkback still holds it, it goes when blkback lets go. */
int hotplug_disk_detach(const char *loop, struct xu_err *err);

#endif
