/*
 * The CPU pools Xen makes at boot (platform.cfg's cpupools) as boot.scr
 * writes them: /chosen nodes that name the host tree's cpu nodes by
 * phandle (docs/misc/arm/device-tree/cpupools.txt), and the pool each
 * boot-time domain starts in (domain-cpupool).
 */
#ifndef MKBOOT_CPUPOOLS_H
#define MKBOOT_CPUPOOLS_H

#include <stddef.h>
#include <stdint.h>

#include "domcfg.h"
#include "err.h"
#include "platform.h"

#define CPUPOOLS_PATH_BYTES 64
/*
 * A pool node's phandle: the host tree's are dtc's, numbered from 1 up,
 * and boot.scr cannot ask u-boot for a free one, so the pools take theirs
 * from the top of the range (mkboot checks the host tree uses none of them).
 */
#define CPUPOOLS_PHANDLE_BASE 0xfffff000u

/* Xen's CPUs as the host tree describes them: CPU N is the N-th cpu node of /cpus. */
struct boot_cpupools {
    unsigned n_cpus;
    char cpu_paths[CPUSET_MAX_CPUS][CPUPOOLS_PATH_BYTES];
};

/*
 * Checks the platform's pools against the host tree (their CPUs exist and
 * can be named) and the boot-time domains against the pools (each names one
 * there is, and a null-scheduler pool has a CPU for each of its vCPUs), and
 * fills *out. `host` may be NULL when the platform names no pool.
 */
int cpupools_plan(const struct platform *p, const void *host, const char *host_name,
                  const struct domain_config *dom0, const struct domain_config *configs,
                  unsigned n_domains, struct boot_cpupools *out, struct xu_err *err);

/* The index in p->cpupools of the pool a boot-time domain starts in; -1 for Pool-0. */
int cpupools_of(const struct platform *p, const struct domain_config *dc);

#endif
