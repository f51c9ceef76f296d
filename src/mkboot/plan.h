/*
 * Where boot.scr puts each file in RAM: computed from the platform's memory
 * map and the files' real sizes and headers, never kept by hand.
 */
#ifndef MKBOOT_PLAN_H
#define MKBOOT_PLAN_H

#include <stdint.h>

#include "domcfg.h"
#include "err.h"
#include "image.h"
#include "layout.h"
#include "platform.h"

#define BOOT_ALIGN_BYTES     (2u << 20)  /* booti and Xen's modules want 2 MiB */
#define BOOT_FDT_ROOM_BYTES  (64u << 10) /* what boot.scr adds to the firmware's tree */
#define BOOT_MAX_MODULES     8
#define BOOT_FILE_NAME_BYTES 256

/* A file on the boot partition, as mkboot found it. */
struct boot_file {
    char name[BOOT_FILE_NAME_BYTES]; /* relative to the partition root */
    uint64_t size_bytes;
    struct image_info image; /* for kernels */
};

struct boot_module {
    const char *role; /* "xen", "dom0 kernel", ... */
    char file[BOOT_FILE_NAME_BYTES];
    uint64_t file_bytes;
    uint64_t addr;
    uint64_t slot_bytes;    /* room at addr; a file that outgrows it stops the boot */
    const char *compatible; /* the /chosen module's; NULL for Xen itself */
    const char *bootargs;   /* NULL if none */
};

struct boot_plan {
    const struct platform *platform;
    struct layout layout;
    struct boot_module modules[BOOT_MAX_MODULES]; /* [0] is Xen */
    unsigned n_modules;
    uint64_t fdt_addr;
    uint64_t fdt_bytes;
    char xen_cmdline[1024];
};

/* The files boot.scr loads; ramdisk and xsm_policy may be NULL. */
struct boot_files {
    const struct boot_file *xen;
    const struct boot_file *kernel;     /* Dom0's */
    const struct boot_file *ramdisk;    /* Dom0's */
    const struct boot_file *xsm_policy; /* a FLASK policy: Xen then runs with xsm=flask */
};

int plan_boot(const struct platform *p, const struct domain_config *dom0,
              const struct boot_files *files, struct boot_plan *plan, struct xu_err *err);

#endif
