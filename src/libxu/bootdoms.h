/*
 * The domains Xen built at boot besides Dom0 (dom0less), as the device tree
 * Dom0 booted with describes them: each `xen,domain` node under /chosen, in
 * the order Xen built them, so the k-th has domain id k. mkboot wrote them;
 * `xu attach` reads them back from /sys/firmware/fdt.
 */
#ifndef XU_BOOTDOMS_H
#define XU_BOOTDOMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "err.h"

#define BOOTDOMS_MAX        16
#define BOOTDOMS_NODE_BYTES 64
#define BOOTDOMS_FILE_BYTES 256
/*
 * What a 1:1 (direct-map) domain's kernel leaves alone at the top of its
 * static memory: Dom0's xu attach puts its xenstore page there, since Xen
 * 4.17 cannot add a page to a 1:1 domain. mkboot keeps the kernel out with
 * mem=, and xu attach sets the domain's balloon target to match.
 */
#define BOOTDOMS_DIRECT_MAP_KEEP_BYTES (2u << 20)

struct boot_domain_node {
    uint32_t domid;
    char node[BOOTDOMS_NODE_BYTES];        /* its name under /chosen */
    char config_file[BOOTDOMS_FILE_BYTES]; /* pixen,config: relative to the boot partition */
    uint64_t memory_kib;
    unsigned vcpus;
    bool direct_map;
    uint64_t static_mem_end; /* the end of its highest xen,static-mem bank; 0 if none */
    /* The shared memory it owns (role "owner"): Xen counts it in the domain's pages. */
    uint64_t owned_shm_kib;
    /* pixen,start-paused: Xen holds it until Dom0's xu attach starts it (start_after_dom0). */
    bool start_paused;
};

/* `source` names the blob in messages. */
int bootdoms_read(const void *fdt, size_t fdt_bytes, const char *source,
                  struct boot_domain_node *out, size_t max, size_t *n, struct xu_err *err);

/*
 * A CPU pool Xen made at boot, as mkboot wrote its /chosen node: its name
 * (pixen,pool-name) and CPUs (pixen,cpus, Xen's numbers). Xen numbers the
 * pools itself, so Dom0 finds each by its CPUs.
 */
#define BOOTDOMS_POOL_NAME_BYTES 32
struct boot_pool_node {
    char name[BOOTDOMS_POOL_NAME_BYTES];
    struct cpu_set cpus;
};

int bootdoms_read_pools(const void *fdt, size_t fdt_bytes, const char *source,
                        struct boot_pool_node *out, size_t max, size_t *n, struct xu_err *err);

#endif
