/*
 * Where boot.scr puts each file in RAM: computed from the platform's memory
 * map and the files' real sizes and headers, never kept by hand.
 */
#ifndef MKBOOT_PLAN_H
#define MKBOOT_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "bootdoms.h"
#include "cpupools.h"
#include "domcfg.h"
#include "err.h"
#include "image.h"
#include "layout.h"
#include "links.h"
#include "passthrough.h"
#include "platform.h"
#include "treefix.h"

#define BOOT_ALIGN_BYTES     (2u << 20)  /* booti and Xen's modules want 2 MiB */
#define BOOT_FDT_ROOM_BYTES  (64u << 10) /* what boot.scr adds to the firmware's tree */
#define BOOT_MAX_MODULES     16
#define BOOT_MAX_DOMAINS     4 /* besides Dom0 */
#define BOOT_FILE_NAME_BYTES 256
#define BOOT_NODE_BYTES      64
/*
 * Xen 4.17 writes a boot-time domain's device tree into 4 KiB
 * (DOMU_DTB_SIZE), its own nodes and the partial tree's together; pixen's
 * Xen adds the partial tree's size to that, up to 2 MiB
 * (images/xen/patches/0004-*).
 */
#define BOOT_PARTIAL_FDT_MAX_BYTES (2u << 20)

/* A file on the boot partition, as mkboot found it. */
struct boot_file {
    char name[BOOT_FILE_NAME_BYTES]; /* relative to the partition root */
    uint64_t size_bytes;
    struct image_info image; /* for kernels */
};

/*
 * A file boot.scr puts in RAM for Xen. Each file is read from the card once:
 * a module naming a file an earlier module loaded is that module (Xen 4.17
 * counts modules of one kind at one address as one, and frees it once, after
 * every domain is built), unless Xen unpacks it in place (a gzip kernel:
 * Xen 4.17 then frees the packed copy, and a second domain would find its
 * module gone), in which case boot.scr copies it in RAM to a place of its own.
 */
struct boot_module {
    char role[96];      /* "xen", "dom0 kernel", "DomD kernel", ... */
    const char *parent; /* the device-tree node it goes under: "/chosen" or a domain's */
    char file[BOOT_FILE_NAME_BYTES];
    uint64_t file_bytes;
    uint64_t addr;
    uint64_t slot_bytes;    /* room at addr; a file that outgrows it stops the boot */
    const char *compatible; /* the /chosen module's; NULL for Xen itself */
    const char *bootargs;   /* NULL if none */
    unsigned loaded_by;     /* the module that reads the file from the card: its own index if
                               this one does; its addr and size are this one's unless copied */
    bool copied;            /* in a slot of its own, copied from loaded_by's in RAM */
};

/*
 * A domain Xen builds at boot besides Dom0 (dom0less): a node under /chosen
 * holding its modules. Xen gives them domain ids 1, 2, ... in this order.
 */
struct boot_domain {
    const struct domain_config *config;
    char node[BOOT_NODE_BYTES];               /* the full path, /chosen/NAME */
    char config_file[BOOT_FILE_NAME_BYTES];   /* its config on the boot partition */
    char bootargs[DOMCFG_CMDLINE_BYTES + 32]; /* its command line, with what mkboot adds */
    const struct pt_plan *passthrough;        /* the host devices it takes; NULL if none */
};

#define BOOT_DIRECT_MAP_KEEP_BYTES BOOTDOMS_DIRECT_MAP_KEEP_BYTES

struct boot_plan {
    const struct platform *platform;
    struct layout layout;
    struct boot_module modules[BOOT_MAX_MODULES]; /* [0] is Xen */
    unsigned n_modules;
    struct boot_domain domains[BOOT_MAX_DOMAINS];
    unsigned n_domains;
    uint64_t fdt_addr;
    uint64_t fdt_bytes;
    char xen_cmdline[1024];
    uint64_t card_read_bytes;       /* what u-boot reads from the card for the modules */
    const struct tree_fixes *fixes; /* the platform's edits of the firmware's tree; NULL: none */
    /* The host's CPUs, for the platform's pools; NULL: none. */
    const struct boot_cpupools *cpupools;
    /* The boot-time domains' static event channels; NULL: none. */
    const struct boot_links *links;
    /* The board's MAC goes into this node of a partial tree (module mac_module); "" if not. */
    char mac_path[PLATFORM_NODE_BYTES + 64];
    unsigned mac_module;
    uint64_t revision_tree_bytes; /* the largest tree a board may load instead of the firmware's */
};

/* A boot-time domain's files; ramdisk, device_tree and passthrough may be NULL. */
struct boot_domain_files {
    const struct domain_config *config;
    const char *config_file; /* its name on the boot partition */
    const struct boot_file *kernel;
    const struct boot_file *ramdisk;
    const struct boot_file *device_tree; /* the partial device tree for its dtdev */
    const struct pt_plan *passthrough;
};

/* The files boot.scr loads; ramdisk and xsm_policy may be NULL. */
struct boot_files {
    const struct boot_file *xen;
    const struct boot_file *kernel;     /* Dom0's */
    const struct boot_file *ramdisk;    /* Dom0's */
    const struct boot_file *xsm_policy; /* a FLASK policy: Xen then runs with xsm=flask */
    struct boot_domain_files domains[BOOT_MAX_DOMAINS];
    unsigned n_domains;
};

int plan_boot(const struct platform *p, const struct domain_config *dom0,
              const struct boot_files *files, struct boot_plan *plan, struct xu_err *err);

#endif
