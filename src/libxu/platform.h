/*
 * A machine as the boot script sees it: where RAM is, what u-boot and the
 * firmware keep for themselves while boot.scr runs, and Xen's command line.
 * Written in xl.cfg syntax under platform/<machine>/platform.cfg.
 */
#ifndef XU_PLATFORM_H
#define XU_PLATFORM_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "layout.h"

#define PLATFORM_MAX_RESERVED 16

struct platform {
    char source[PATH_MAX];
    char name[32];
    uint64_t ram_base_addr;
    uint64_t ram_size_bytes;
    struct region reserved[PLATFORM_MAX_RESERVED];
    size_t n_reserved;
    char fdt_var[32];       /* the u-boot variable that holds the firmware's device tree */
    uint64_t fdt_max_bytes; /* the largest device tree the firmware hands over */
    char xen_cmdline[512];
};

int platform_load(const char *path, struct platform *p, struct xu_err *err);

#endif
