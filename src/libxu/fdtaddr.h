/*
 * Addresses and interrupts in a device tree as the CPU and the GIC see them:
 * a node's reg translated through every bus's ranges, and the controller a
 * node's interrupts go to. mkboot reads the host tree with these at build
 * time; `xu create` reads Dom0's tree (Xen's copy of the host's) with them.
 * The tree must have passed fdt_check_strict().
 */
#ifndef XU_FDTADDR_H
#define XU_FDTADDR_H

#include <libfdt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every walk up or down a checked tree stops here. */
#define FDTADDR_MAX_DEPTH 64

uint64_t fdtaddr_cells(const fdt32_t *p, int n);

/*
 * Each node's parent, found in one walk of the tree. libfdt's
 * fdt_parent_offset walks from the root on every call, and a check that goes
 * up from each node was quadratic: xu's check of one guest's iomem took 25 ms
 * of Dom0's time under emulation. Valid while the tree is not changed.
 */
struct fdt_parents {
    const void *fdt;
    int *node; /* offsets, ascending */
    int *parent;
    size_t n;
};

/* -1 when memory runs out or the tree is deeper than FDTADDR_MAX_DEPTH. */
int fdt_parents_init(struct fdt_parents *t, const void *fdt);
void fdt_parents_free(struct fdt_parents *t);

/* fdt_parent_offset, from `parents` when given (NULL: libfdt's walk). */
int fdtaddr_parent(const void *fdt, const struct fdt_parents *parents, int node);

/* A node's #address-cells or #size-cells as the spec defaults them; -1 if unusable. */
int fdtaddr_cells_of(const void *fdt, int node, bool size);

/*
 * An address on the bus `bus` (the parent of the node it is in) as the CPU
 * sees it, through each bus's ranges up to the root (parents: as for fdtaddr_parent). -1 with the
 * reason in why (a sentence without the node's name) if it cannot be translated.
 */
int fdtaddr_to_cpu(const void *fdt, const struct fdt_parents *parents, int bus, uint64_t addr,
                   uint64_t size_bytes, uint64_t *out, char *why, size_t why_bytes);

/* An Arm GIC (v2 or v3) with 3-cell specifiers: the controller Xen routes from. */
bool fdtaddr_is_gic(const void *fdt, int node);

/*
 * The controller a node's interrupts go to, found as Linux and Xen find it:
 * the node interrupt-parent names, else the tree's parent, until a node
 * that is an interrupt controller (or maps interrupts on). -1 if none.
 */
int fdtaddr_interrupt_parent(const void *fdt, const struct fdt_parents *parents, int node);

#endif
