/*
 * The domain model: one xl.cfg(5) file validated into a struct. The same
 * model serves mkboot (domains Xen starts at boot, Dom0 included) and xu
 * create (domains Dom0 starts on demand).
 */
#ifndef XU_DOMCFG_H
#define XU_DOMCFG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "devspec.h"
#include "err.h"

#define DOMCFG_NAME_BYTES     64
#define DOMCFG_CMDLINE_BYTES  1024
#define DOMCFG_MAX_VCPUS      128
#define DOMCFG_MAX_MEM_MIB    (1019u * 1024) /* the guest RAM map's two banks: 3 + 1016 GiB */
#define DOMCFG_MAX_DTDEVS     16
#define DOMCFG_MAX_IOMEM      32
#define DOMCFG_MAX_IRQS       64
#define DOMCFG_MAX_VIFS       8
#define DOMCFG_MAX_DISKS      8
#define DOMCFG_DTPATH_BYTES   256
#define DOMCFG_MAX_STATIC_MEM 4
#define DOMCFG_MAX_SHM        4 /* Xen takes more; a guest's few links need no more */
#define DOMCFG_MAX_EVTCHN     8
/* Interrupts a guest may own: SPIs, INTID 32 up to the GIC's limit of 1019. */
#define DOMCFG_FIRST_SPI 32
#define DOMCFG_LAST_SPI  1019

enum gic_version { GIC_NATIVE, GIC_V2, GIC_V3 };
enum tee_type { TEE_NONE, TEE_OPTEE };
enum vuart_type { VUART_NONE, VUART_SBSA };
/* What happens when a domain powers off, reboots or crashes (xl.cfg(5)). */
enum domain_action {
    ACTION_DESTROY,
    ACTION_RESTART,
    ACTION_RENAME_RESTART,
    ACTION_PRESERVE,
    ACTION_COREDUMP_DESTROY,
    ACTION_COREDUMP_RESTART,
    ACTION_SOFT_RESET,
};

/* A bank of host RAM a boot-time domain owns (static_mem). */
struct mem_bank {
    uint64_t addr;
    uint64_t size_bytes;
};

/* A file the config names, with the line that names it (for later messages). */
struct cfg_path {
    char path[PATH_MAX]; /* resolved; "" if not given */
    unsigned line;
};

struct domain_config {
    char source[PATH_MAX]; /* the file it came from, for messages */
    char name[DOMCFG_NAME_BYTES];
    uint64_t memory_mib;
    uint64_t maxmem_mib;
    unsigned vcpus;
    /*
     * cpus: the physical CPUs each vCPU may run on (hard affinity), for
     * vCPUs 0 .. n_cpus - 1; the others may run on any CPU of the domain's
     * pool. n_cpus is 0 without cpus.
     */
    struct cpu_set cpus[DOMCFG_MAX_VCPUS];
    unsigned n_cpus;
    unsigned cpus_line;
    char pool[64]; /* pool: the CPU pool's name; "" for Pool-0 */
    unsigned pool_line;
    struct cfg_path kernel;
    struct cfg_path ramdisk;
    struct cfg_path device_tree; /* a partial device tree for passthrough */
    char cmdline[DOMCFG_CMDLINE_BYTES];

    char dtdevs[DOMCFG_MAX_DTDEVS][DOMCFG_DTPATH_BYTES]; /* host device-tree paths */
    unsigned dtdev_lines[DOMCFG_MAX_DTDEVS];
    unsigned n_dtdevs;
    struct iomem_range iomem[DOMCFG_MAX_IOMEM];
    unsigned n_iomem;
    unsigned irqs[DOMCFG_MAX_IRQS];
    unsigned irq_lines[DOMCFG_MAX_IRQS];
    unsigned n_irqs;
    struct vif_spec vifs[DOMCFG_MAX_VIFS];
    unsigned n_vifs;
    struct disk_spec disks[DOMCFG_MAX_DISKS];
    unsigned n_disks;

    char seclabel[256]; /* FLASK security context; "" for the default */
    enum gic_version gic_version;
    int max_grant_frames;    /* -1: the toolstack's default */
    int max_maptrack_frames; /* -1: the toolstack's default */
    enum domain_action on_poweroff, on_reboot, on_crash;
    enum vuart_type vuart;
    enum tee_type tee;

    /* pixen's: Dom0 starts the domain at boot, once its backends serve (xu autostart). */
    bool autostart;
    unsigned autostart_line;

    /* pixen's keys for domains Xen starts at boot (not xl.cfg's). */
    struct mem_bank static_mem[DOMCFG_MAX_STATIC_MEM]; /* xen,static-mem */
    unsigned n_static_mem;
    unsigned static_mem_line;
    bool direct_map; /* guest addresses = host addresses (1:1), for DMA without an IOMMU */
    unsigned direct_map_line;
    /* Xen builds it at boot and holds it paused until Dom0's xu attach starts it. */
    bool start_after_dom0;
    unsigned start_after_dom0_line;
    struct shm_spec shm[DOMCFG_MAX_SHM]; /* static_shm: memory shared with other such domains */
    unsigned n_shm;
    struct evtchn_spec evtchns[DOMCFG_MAX_EVTCHN]; /* static_evtchn: channels connected at boot */
    unsigned n_evtchns;
};

/*
 * Loads `path`. Relative file names (kernel, ramdisk, device_tree) resolve
 * against `files_dir`, or against the config file's own folder when it is
 * NULL. Checks that every file it names can be read.
 */
int domcfg_load(const char *path, const char *files_dir, struct domain_config *dc,
                struct xu_err *err);

/* The same, from text already in memory; `path` names it in messages. */
int domcfg_parse(const char *path, const char *text, size_t len, const char *files_dir,
                 struct domain_config *dc, struct xu_err *err);

const char *domain_action_name(enum domain_action a);

#endif
