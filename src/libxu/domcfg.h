/*
 * The domain model: one xl.cfg(5) file validated into a struct. The same
 * model serves mkboot (domains Xen starts at boot, Dom0 included) and xu
 * create (domains Dom0 starts on demand).
 */
#ifndef XU_DOMCFG_H
#define XU_DOMCFG_H

#include <limits.h>
#include <stdint.h>

#include "err.h"

#define DOMCFG_NAME_BYTES    64
#define DOMCFG_CMDLINE_BYTES 1024
#define DOMCFG_MAX_VCPUS     128
#define DOMCFG_MAX_MEM_MIB   (1024u * 1024) /* 1 TiB, the top of the guest RAM map */

struct domain_config {
    char source[PATH_MAX]; /* the file it came from, for messages */
    char name[DOMCFG_NAME_BYTES];
    uint64_t memory_mib;
    uint64_t maxmem_mib;
    unsigned vcpus;
    char kernel[PATH_MAX];  /* resolved path */
    char ramdisk[PATH_MAX]; /* resolved path; "" if none */
    char cmdline[DOMCFG_CMDLINE_BYTES];
};

/*
 * Loads `path`. Relative file names (kernel, ramdisk) resolve against
 * `files_dir`, or against the config file's own folder when it is NULL.
 */
int domcfg_load(const char *path, const char *files_dir, struct domain_config *dc,
                struct xu_err *err);

#endif
