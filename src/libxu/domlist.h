/*
 * What Xen reports about a domain, and how `xu list` (as `xl list` does) and
 * `xstat stat` (as the original's xstat does) print it.
 */
#ifndef XU_DOMLIST_H
#define XU_DOMLIST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* XEN_DOMINF_* of xen/include/public/domctl.h (4.17). */
#define DOMINF_DYING          (1u << 0)
#define DOMINF_SHUTDOWN       (1u << 2)
#define DOMINF_PAUSED         (1u << 3)
#define DOMINF_BLOCKED        (1u << 4)
#define DOMINF_RUNNING        (1u << 5)
#define DOMINF_SHUTDOWN_SHIFT 16
#define DOMINF_SHUTDOWN_MASK  0xffu
/* Shutdown reasons (SHUTDOWN_* of xen/include/public/sched.h). */
#define SHUTDOWN_REASON_POWEROFF 0
#define SHUTDOWN_REASON_REBOOT   1
#define SHUTDOWN_REASON_SUSPEND  2
#define SHUTDOWN_REASON_CRASH    3
#define SHUTDOWN_REASON_WATCHDOG 4

struct domain_info {
    uint32_t domid;
    bool has_name;
    char name[64];
    uint32_t flags; /* DOMINF_* */
    uint64_t tot_pages;
    uint64_t outstanding_pages;
    uint64_t max_pages;
    unsigned online_vcpus;
    unsigned max_vcpu_id;
    uint32_t cpupool;
    uint64_t cpu_time_ns;
    uint32_t ssidref;
};

unsigned domain_shutdown_reason(const struct domain_info *d);

/* `xl list`'s header and one row, byte for byte. */
void domlist_header(FILE *out);
void domlist_row(FILE *out, const struct domain_info *d);

/* The original xstat's state letters, in its order: d s b c p r. */
void xstat_state(const struct domain_info *d, char out[7]);
/* One domain in the original xstat's layout; `index` counts from 0. */
void xstat_domain(FILE *out, unsigned index, const struct domain_info *d);

#endif
