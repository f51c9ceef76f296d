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
#define PLATFORM_MAX_ENV      32
#define PLATFORM_ENV_BYTES    512 /* one "name=value" */

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
    /* u-boot's environment, replacing its built-in one (QEMU: on the second flash bank). */
    char uboot_env[PLATFORM_MAX_ENV][PLATFORM_ENV_BYTES];
    size_t n_uboot_env;
    uint64_t uboot_env_bytes; /* u-boot's CONFIG_ENV_SIZE */
};

/* The value of `name` in the platform's u-boot environment, or NULL. */
const char *platform_env(const struct platform *p, const char *name);

int platform_load(const char *path, struct platform *p, struct xu_err *err);

#endif
