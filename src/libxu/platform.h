/*
 * A machine as the boot script sees it: where RAM is, what u-boot and the
 * firmware keep for themselves while boot.scr runs, and Xen's command line.
 * Written in xl.cfg syntax under platform/<machine>/platform.cfg.
 */
#ifndef XU_PLATFORM_H
#define XU_PLATFORM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "err.h"
#include "layout.h"

#define PLATFORM_MAX_RESERVED 16
#define PLATFORM_MAX_ENV      32
#define PLATFORM_ENV_BYTES    512 /* one "name=value" */
#define PLATFORM_MAX_NODES    16
#define PLATFORM_NODE_BYTES   256 /* a host device-tree path */
#define PLATFORM_MAX_EDITS    16

/* A host device-tree node the platform file names, with its line there for messages. */
struct platform_node {
    char path[PLATFORM_NODE_BYTES];
    unsigned line;
};

/* An identity window boot.scr adds to a bus's ranges. */
struct platform_window {
    struct platform_node bus;
    uint64_t addr;
    uint64_t size_bytes;
};

#define PLATFORM_EDIT_TEXT_BYTES 128
#define PLATFORM_EDIT_MAX_REFS   4

enum platform_edit_kind {
    PLATFORM_EDIT_REMOVE,   /* "PATH rm PROP" */
    PLATFORM_EDIT_FLAG,     /* "PATH set PROP": an empty property */
    PLATFORM_EDIT_STRING,   /* "PATH set PROP 'TEXT'" */
    PLATFORM_EDIT_PHANDLES, /* "PATH set PROP <&NODE ...>": the nodes' phandles in each tree */
};

/* An edit of a property of a host node. */
struct platform_edit {
    struct platform_node node;
    char prop[64];
    enum platform_edit_kind kind;
    char text[PLATFORM_EDIT_TEXT_BYTES];               /* PLATFORM_EDIT_STRING */
    struct platform_node refs[PLATFORM_EDIT_MAX_REFS]; /* PLATFORM_EDIT_PHANDLES */
    unsigned n_refs;
};

#define PLATFORM_MAX_CPUPOOLS     8
#define PLATFORM_POOL_NAME_BYTES  32
#define PLATFORM_SCHED_NAME_BYTES 16

/*
 * A CPU pool Xen makes at boot ("NAME,SCHEDULER,CPUS"). Its CPUs are Xen's
 * numbers (the host tree's cpu nodes in order); CPU 0, Xen's boot CPU, stays
 * in Pool-0 with Dom0, with every CPU no pool names.
 */
struct platform_cpupool {
    char name[PLATFORM_POOL_NAME_BYTES];
    char sched[PLATFORM_SCHED_NAME_BYTES]; /* as Xen's sched= takes it: "null", "credit2" */
    struct cpu_set cpus;
    char cpus_text[64]; /* as written, for messages */
    unsigned line;
};

/* The tree boot.scr loads from the card instead of the firmware's, on boards of one revision. */
struct platform_revision_tree {
    uint64_t revision; /* the u-boot variable's value, masked */
    char file[128];    /* on the boot partition */
    unsigned line;
};

struct platform {
    char source[PATH_MAX];
    char name[32];
    uint64_t ram_base_addr;
    uint64_t ram_size_bytes;
    struct region reserved[PLATFORM_MAX_RESERVED];
    size_t n_reserved;
    /*
     * RAM beyond ram_base/ram_mib that every board the platform supports has,
     * where u-boot loads nothing (past its RAM top) but boot-time domains'
     * static_mem may lie.
     */
    struct region more_ram[PLATFORM_MAX_RESERVED];
    size_t n_more_ram;
    char fdt_var[32];       /* the u-boot variable that holds the firmware's device tree */
    uint64_t fdt_max_bytes; /* the largest device tree the firmware hands over */
    char xen_cmdline[512];
    /* u-boot's environment, replacing its built-in one (QEMU: on the second flash bank). */
    char uboot_env[PLATFORM_MAX_ENV][PLATFORM_ENV_BYTES];
    size_t n_uboot_env;
    uint64_t uboot_env_bytes; /* u-boot's CONFIG_ENV_SIZE */
    /*
     * Host devices Dom0 keeps for the guests its toolstack creates (their
     * iomem and irqs): boot.scr marks them xen,passthrough, so Xen gives Dom0
     * the node disabled but lets it hand the MMIO and interrupts on.
     */
    struct platform_node guest_devices[PLATFORM_MAX_NODES];
    size_t n_guest_devices;
    /* Host nodes boot.scr switches off: they would use a device kept for guests. */
    struct platform_node disabled_nodes[PLATFORM_MAX_NODES];
    size_t n_disabled_nodes;
    /*
     * What Xen needs of the firmware's tree that it lacks, written by
     * boot.scr before Xen reads it: windows added to buses' ranges (Xen
     * translates every reg), regs widened to whole pages, properties
     * removed or set.
     */
    struct platform_window bus_windows[PLATFORM_MAX_NODES];
    size_t n_bus_windows;
    struct platform_node page_regs[PLATFORM_MAX_NODES];
    size_t n_page_regs;
    /*
     * Nodes below a boot-time domain's dtdev that Xen must not see (it
     * cannot translate their addresses): the domain has them in its
     * partial tree, which is written before they are removed.
     */
    struct platform_node removed_nodes[PLATFORM_MAX_NODES];
    size_t n_removed_nodes;
    struct platform_edit tree_edits[PLATFORM_MAX_EDITS];
    size_t n_tree_edits;
    /*
     * Boards whose revision (revision_var & revision_mask, u-boot's) needs
     * another tree than the firmware hands over: boot.scr loads it from the
     * card instead.
     */
    char revision_var[32];
    uint64_t revision_mask;
    struct platform_revision_tree revision_trees[PLATFORM_MAX_NODES];
    size_t n_revision_trees;
    /*
     * The board's MAC address, from a u-boot variable (mac_var, set from the
     * firmware), written into the partial tree of the domain given mac_node.
     */
    char mac_var[32];
    struct platform_node mac_node;
    /* CPU pools Xen makes at boot besides Pool-0. */
    struct platform_cpupool cpupools[PLATFORM_MAX_CPUPOOLS];
    size_t n_cpupools;
};

/* The pool named `name` ("Pool-0" is none of them), or NULL. */
const struct platform_cpupool *platform_cpupool(const struct platform *p, const char *name);

/* Whether pixen's Xen has the scheduler `name` (pixen.kconfig builds each). */
bool platform_sched_known(const char *name);

/* The value of `name` in the platform's u-boot environment, or NULL. */
const char *platform_env(const struct platform *p, const char *name);

int platform_load(const char *path, struct platform *p, struct xu_err *err);

#endif
