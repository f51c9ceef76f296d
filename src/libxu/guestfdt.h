/*
 * The device tree an Arm guest boots with: CPUs, PSCI, memory, the virtual
 * GIC and timer, the hypervisor node, the optional vpl011 and OP-TEE nodes,
 * and the /passthrough and /aliases nodes of a partial device tree.
 *
 * It is made in two steps because libxenguest places the tree in guest RAM
 * by its size before it knows where the ramdisk goes: guest_fdt_build writes
 * every node with placeholders, guest_fdt_finalise fills them in place.
 */
#ifndef XU_GUESTFDT_H
#define XU_GUESTFDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domcfg.h"
#include "err.h"
#include "guest.h"

#define GUEST_FDT_MAX_BYTES  (1u << 20)
#define GUEST_RNG_SEED_BYTES 128

struct guest_fdt_config {
    unsigned vcpus;
    enum gic_version gic;     /* as Xen resolved it: GIC_V2 or GIC_V3 */
    uint32_t clock_frequency; /* the timer's, when Xen reports one; 0 otherwise */
    const char *bootargs;     /* "" for none */
    bool has_ramdisk;
    enum vuart_type vuart;
    enum tee_type tee;
    unsigned xen_major, xen_minor;
    const uint8_t *rng_seed; /* GUEST_RNG_SEED_BYTES for the guest's RNG, or NULL */
    const void *partial;     /* a partial device tree blob, or NULL */
    size_t partial_bytes;
    const char *partial_name; /* its file, for messages */
};

/* Builds the tree; *blob is malloc'ed and fdt_totalsize(*blob) long. */
int guest_fdt_build(const struct guest_fdt_config *c, void **blob, struct xu_err *err);

/*
 * Fills the placeholders: each RAM bank's memory node (an empty bank's node is
 * removed), the ramdisk's range, and the hypervisor node's grant-table region
 * followed by the extended regions. The tree does not grow.
 */
int guest_fdt_finalise(void *blob, const struct guest_bank banks[GMAP_RAM_BANKS],
                       uint64_t initrd_start, uint64_t initrd_end, const struct guest_bank *ext,
                       unsigned n_ext, struct xu_err *err);

#endif
