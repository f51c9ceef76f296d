/*
 * What the firmware's device tree lacks for Xen, as the platform file says
 * (bus_windows, page_regs, tree_edits): checked against the host tree at
 * build time, applied to mkboot's copy of it (so that planning sees the tree
 * Xen will see), and written into boot.scr, which applies them at boot.
 */
#ifndef MKBOOT_TREEFIX_H
#define MKBOOT_TREEFIX_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "platform.h"

#define TREEFIX_MAX_CELLS 96

/* A property's new value, in cells, as boot.scr sets it. */
struct treefix_value {
    const char *path;
    const char *prop;
    uint32_t cells[TREEFIX_MAX_CELLS];
    unsigned n_cells;
};

struct tree_fixes {
    const struct platform *platform;
    struct treefix_value ranges[PLATFORM_MAX_NODES]; /* per bus window */
    struct treefix_value regs[PLATFORM_MAX_NODES];   /* per page reg */
};

/*
 * Checks the platform's edits against the host tree *host (host_bytes long,
 * read from host_name) and applies them to it; *host is reallocated to make
 * room. Without edits, nothing is done (host may then be NULL).
 */
int treefix_apply(const struct platform *p, void **host, size_t *host_bytes, const char *host_name,
                  struct tree_fixes *fx, struct xu_err *err);

/*
 * A tree boot.scr loads instead of the firmware's (revision_trees): the
 * edits must find what they edit there too, and a bus's ranges must be the
 * host tree's (boot.scr writes the whole new value).
 */
int treefix_check_other(const struct tree_fixes *fx, const void *other, const char *other_name,
                        struct xu_err *err);

#endif
