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

/* A node's #address-cells or #size-cells as the spec defaults them; -1 if unusable. */
int fdtaddr_cells_of(const void *fdt, int node, bool size);

/*
 * An address on the bus `bus` (the parent of the node it is in) as the CPU
 * sees it, through each bus's ranges up to the root. -1 with the reason in
 * why (a sentence without the node's name) if it cannot be translated.
 */
int fdtaddr_to_cpu(const void *fdt, int bus, uint64_t addr, uint64_t size_bytes, uint64_t *out,
                   char *why, size_t why_bytes);

/* An Arm GIC (v2 or v3) with 3-cell specifiers: the controller Xen routes from. */
bool fdtaddr_is_gic(const void *fdt, int node);

/*
 * The controller a node's interrupts go to, found as Linux and Xen find it:
 * the node interrupt-parent names, else the tree's parent, until a node
 * that is an interrupt controller (or maps interrupts on). -1 if none.
 */
int fdtaddr_interrupt_parent(const void *fdt, int node);

#endif
