#include "create.h"

#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenforeignmemory.h>
#include <xenguest.h>

#include "conlog.h"
#include "conmon.h"
#include "conserve.h"
#include "cpupool.h"
#include "domxs.h"
#include "fdtcheck.h"
#include "guest.h"
#include "guestfdt.h"
#include "hostdevs.h"
#include "image.h"
#include "kstream.h"
#include "pvdev.h"
#include "runstate.h"
#include "steptime.h"
#include "vcpu.h"
#include "wait.h"

#define MAX_EVTCHN_PORT 1023
/* Xen's copy of the host tree, Dom0's own. */
#define HOST_FDT        "/sys/firmware/fdt"
#define DESTROY_WAIT_MS 10000
#define CALLBACK_VIA_EVTCHN_PPI                      \
    (((uint64_t)HVM_PARAM_CALLBACK_TYPE_PPI << 56) | \
     ((uint64_t)HVM_PARAM_CALLBACK_TYPE_PPI_FLAG_LOW_LEVEL << 8) | GMAP_EVTCHN_PPI)
#define MAX_UNDO 8
/* FLASK's initial SID for guests (domU_t in Xen's policy), as libxl gives an unlabelled
 * one; 0 would make it unlabeled_t, which the policy lets no one create. */
#define SECINITSID_DOMU 12

/*
 * A domain half built or half destroyed must not be left behind by Ctrl-C, a
 * dropped serial line or a kill: while it is made or unmade, these signals
 * only raise a flag. Create checks it between steps and rolls back; destroy
 * finishes. A second one stops xu at once: a step that never ends (xenstored
 * not answering, say) must not take the operator's shell with it.
 */
static const int held_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define N_HELD (sizeof(held_signals) / sizeof(held_signals[0]))
static volatile sig_atomic_t interrupted;
static unsigned held_depth; /* a rollback destroys inside a create's hold */

struct held {
    struct sigaction old[N_HELD];
};

static void on_interrupt(int sig)
{
    static const char first[] = "xu: interrupted: finishing what is under way (again to stop "
                                "at once)\n";
    static const char again[] = "xu: interrupted again: stopping now; what was half made may "
                                "remain (xu list)\n";

    if (interrupted) {
        if (write(STDERR_FILENO, again, sizeof(again) - 1) < 0) {
            /* Nothing more to say where stderr is gone. */
        }
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    interrupted = 1;
    if (write(STDERR_FILENO, first, sizeof(first) - 1) < 0) {
        /* As above. */
    }
}

static void hold_signals(struct held *h)
{
    struct sigaction sa = {.sa_handler = on_interrupt};

    if (held_depth++ > 0)
        return;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    for (size_t i = 0; i < N_HELD; i++)
        sigaction(held_signals[i], &sa, &h->old[i]);
}

static void release_signals(const struct held *h)
{
    if (--held_depth > 0)
        return;
    for (size_t i = 0; i < N_HELD; i++)
        sigaction(held_signals[i], &h->old[i], NULL);
}

/* One construction in progress, and how to take back what it has done so far. */
struct build {
    struct hv *hv;
    const struct domain_config *dc;
    uint32_t domid;
    char uuid[37];
    uint8_t handle[16];
    enum gic_version gic;
    uint32_t clock_frequency;
    uint32_t store_port, console_port;
    int vuart_port;
    uint32_t poolid;       /* the CPU pool it is created in */
    struct kstream kernel; /* opened and checked by preflight, streamed by build_image */
    int monitor_fd;        /* to xu monitor, which takes the console; -1 in the monitor */
    void (*undo[MAX_UNDO])(struct build *b);
    unsigned n_undo;
};

static void on_failure(struct build *b, void (*fn)(struct build *b))
{
    b->undo[b->n_undo++] = fn;
}

static void roll_back(struct build *b)
{
    while (b->n_undo)
        b->undo[--b->n_undo](b);
}

static void undo_domain(struct build *b)
{
    struct xu_err ignored;

    domain_destroy(b->hv, b->domid, &ignored);
}

/*
 * Reports a failed libxc/libxenguest call with the config that led to it.
 * libxenguest often fails without setting errno, so callers clear it first and
 * an unset one is said so, not guessed.
 */
static int xen_fail(struct build *b, struct xu_err *err, const char *what)
{
    if (!errno)
        return xu_fail(err,
                       "%s: %s (libxenguest gave no reason; XU_DEBUG=1 xu create shows "
                       "its log)",
                       b->dc->source, what);
    return xu_fail(err, "%s: %s: %s", b->dc->source, what, strerror(errno));
}

static uint64_t file_bytes(const char *path)
{
    struct stat st;

    return path[0] && stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* What the kernel occupies once running: its file, or more when its header counts a BSS. */
static uint64_t kernel_span_bytes(const struct kstream *kernel)
{
    return kernel->info.image_size_bytes > kernel->image_bytes ? kernel->info.image_size_bytes
                                                               : kernel->image_bytes;
}

/*
 * libxenguest puts the kernel at the start of RAM and the ramdisk and device
 * tree after it, in the first bank; when they do not fit it only says EINVAL.
 * The kernel's size is its unpacked size (a gzip one's trailer says it), or
 * the size its header gives with the BSS when that is more.
 */
static int check_fits(const struct domain_config *dc, const struct kstream *kernel,
                      struct xu_err *err)
{
    const uint64_t mib = 1 << 20, fdt_room = 2 * mib;
    uint64_t bank0 = dc->memory_mib * mib < GMAP_RAM0_SIZE ? dc->memory_mib * mib : GMAP_RAM0_SIZE;
    uint64_t image = kernel_span_bytes(kernel), ramdisk = file_bytes(dc->ramdisk.path);
    uint64_t need = ((kernel->info.text_offset_bytes + image + 2 * mib - 1) & ~(2 * mib - 1)) +
                    ramdisk + fdt_room;

    if (need > bank0)
        return xu_fail(err,
                       "%s: memory = %llu MiB cannot hold the kernel (%llu MiB) and "
                       "ramdisk (%llu MiB); it needs at least %llu MiB",
                       dc->source, (unsigned long long)dc->memory_mib,
                       (unsigned long long)((image + mib - 1) / mib),
                       (unsigned long long)((ramdisk + mib - 1) / mib),
                       (unsigned long long)((need + mib - 1) / mib));
    return 0;
}

/* What Xen or this toolstack cannot do with a config, said before anything is made. */
/* iomem and irqs: only what platform.cfg frees for guests, checked in Dom0's copy of the host tree.
 */
static int check_host_devices(struct build *b, struct xu_err *err)
{
    xen_commandline_t cmdline = "";
    void *fdt;
    size_t bytes;
    int rc;

    if (b->dc->n_iomem == 0 && b->dc->n_irqs == 0)
        return 0;
    if (fdt_read_file(HOST_FDT, FDT_BOOT_MAX_BYTES, &fdt, &bytes, err) < 0) {
        struct xu_err why = *err;

        return xu_fail(err, "%s: iomem, irqs: %s", b->dc->source, why.msg);
    }
    if (xc_version(b->hv->xc, XENVER_commandline, &cmdline) < 0)
        cmdline[0] = '\0';
    cmdline[sizeof(cmdline) - 1] = '\0';
    rc = hostdevs_check(fdt, bytes, HOST_FDT, cmdline, b->dc, err);
    free(fdt);
    return rc;
}

static int preflight(struct build *b, struct xu_err *err)
{
    static struct domain_info all[HV_MAX_DOMAINS];
    const struct domain_config *dc = b->dc;
    size_t n;

    if (hv_list(b->hv, all, HV_MAX_DOMAINS, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (all[i].has_name && strcmp(all[i].name, dc->name) == 0)
            return xu_fail(err, "%s: a domain named %s is running already (id %u)", dc->source,
                           dc->name, all[i].domid);
    /* Arm has no populate-on-demand: a guest gets all of maxmem at once. */
    if (dc->maxmem_mib != dc->memory_mib)
        return xu_fail(err,
                       "%s: maxmem (%llu MiB) differs from memory (%llu MiB); Arm guests "
                       "start with all their memory, so give them the same",
                       dc->source, (unsigned long long)dc->maxmem_mib,
                       (unsigned long long)dc->memory_mib);
    if (dc->gic_version == GIC_V2 && dc->vcpus > GMAP_MAX_VCPUS_GICV2)
        return xu_fail(err, "%s: vcpus = %u, but a GICv2 guest has at most %d", dc->source,
                       dc->vcpus, GMAP_MAX_VCPUS_GICV2);
    for (unsigned i = 0; i < dc->n_irqs; i++)
        if (dc->vuart == VUART_SBSA && dc->irqs[i] == GMAP_VPL011_SPI)
            return xu_fail(err, "%s: irqs: %u is the vuart's own interrupt", dc->source,
                           dc->irqs[i]);
    if (dc->seclabel[0] && xc_flask_getenforce(b->hv->xc) < 0) {
        if (errno == ENOSYS)
            return xu_fail(err,
                           "%s: seclabel = \"%s\", but Xen is not running FLASK (boot "
                           "it with xsm=flask)",
                           dc->source, dc->seclabel);
        return xu_fail(err, "%s: seclabel: cannot ask FLASK: %s", dc->source, strerror(errno));
    }
    static const enum domain_action supported[] = {ACTION_DESTROY, ACTION_RESTART, ACTION_PRESERVE};
    const enum domain_action actions[] = {dc->on_poweroff, dc->on_reboot, dc->on_crash};
    for (unsigned i = 0; i < 3; i++) {
        bool ok = false;

        for (unsigned j = 0; j < 3; j++)
            ok = ok || actions[i] == supported[j];
        if (!ok)
            return xu_fail(err, "%s: %s: xu does destroy, restart and preserve", dc->source,
                           domain_action_name(actions[i]));
    }
    /* Xen 4.17 gives fixed host RAM to the domains it builds at boot only. */
    if (dc->n_static_mem || dc->direct_map)
        return xu_fail(err, "%s:%u: %s: only domains Xen starts at boot have static memory",
                       dc->source, dc->n_static_mem ? dc->static_mem_line : dc->direct_map_line,
                       dc->n_static_mem ? "static_mem" : "direct_map");
    if (dc->start_after_dom0)
        return xu_fail(err,
                       "%s:%u: start_after_dom0: only domains Xen starts at boot wait for Dom0 "
                       "(xu create -p makes a domain paused)",
                       dc->source, dc->start_after_dom0_line);
    /* Xen 4.17 sets these up only while it builds its boot-time domains. */
    if (dc->n_shm || dc->n_evtchns)
        return xu_fail(err,
                       "%s:%u: %s: only domains Xen starts at boot have static links (put the "
                       "config in the machine's boot-guests/)",
                       dc->source, dc->n_shm ? dc->shm[0].line : dc->evtchns[0].line,
                       dc->n_shm ? "static_shm" : "static_evtchn");
    /* The domain goes in its pool (Pool-0 unless pool names another), whose CPUs cpus names. */
    b->poolid = 0;
    if (dc->pool[0]) {
        struct cpupool pool;

        if (cpupool_by_name(b->hv, dc->pool, &pool, err) < 0) {
            struct xu_err why = *err;

            return xu_fail(err, "%s:%u: pool: %s", dc->source, dc->pool_line, why.msg);
        }
        b->poolid = pool.id;
    }
    for (unsigned i = 0; i < dc->n_cpus; i++) {
        char where[PATH_MAX + 32];

        if (i > 0 && memcmp(&dc->cpus[i], &dc->cpus[i - 1], sizeof(dc->cpus[i])) == 0)
            continue;
        snprintf(where, sizeof(where), "%s:%u: cpus", dc->source, dc->cpus_line);
        if (vcpu_check_cpus(b->hv, b->poolid, &dc->cpus[i], where, err) < 0)
            return -1;
    }
    if (check_host_devices(b, err) < 0)
        return -1;
    /* Their backends must be running driver domains; a name is resolved now. */
    if (pvdev_check(b->hv, dc, UINT32_MAX, err) < 0)
        return -1;
    /* xenguest's own complaint about a bad kernel is cryptic; read the header first. */
    if (kstream_open(&b->kernel, dc->kernel.path, dc->kernel.path, err) < 0) {
        struct xu_err why = *err;

        return xu_fail(err, "%s:%u: kernel: %s", dc->source, dc->kernel.line, why.msg);
    }
    return check_fits(dc, &b->kernel, err);
}

static int make_domain(struct build *b, struct xu_err *err)
{
    const struct domain_config *dc = b->dc;
    struct xen_domctl_createdomain cfg = {
        .flags =
            XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap | (dc->n_dtdevs ? XEN_DOMCTL_CDF_iommu : 0),
        .max_vcpus = dc->vcpus,
        .max_evtchn_port = MAX_EVTCHN_PORT,
        .max_grant_frames = dc->max_grant_frames,
        .max_maptrack_frames = dc->max_maptrack_frames,
        .grant_opts = XEN_DOMCTL_GRANT_version(1),
        .ssidref = SECINITSID_DOMU,
        .cpupool_id = b->poolid,
    };
    uint32_t domid = 0;

    memcpy(cfg.handle, b->handle, sizeof(cfg.handle));
    cfg.arch.gic_version = dc->gic_version == GIC_V2   ? XEN_DOMCTL_CONFIG_GIC_V2
                           : dc->gic_version == GIC_V3 ? XEN_DOMCTL_CONFIG_GIC_V3
                                                       : XEN_DOMCTL_CONFIG_GIC_NATIVE;
    cfg.arch.tee_type =
        dc->tee == TEE_OPTEE ? XEN_DOMCTL_CONFIG_TEE_OPTEE : XEN_DOMCTL_CONFIG_TEE_NONE;
    cfg.arch.nr_spis = guest_nr_spis(dc);
    if (dc->seclabel[0] &&
        xc_flask_context_to_sid(b->hv->xc, (char *)dc->seclabel, (uint32_t)strlen(dc->seclabel),
                                &cfg.ssidref) < 0)
        return xu_fail(err, "%s: seclabel: FLASK does not know \"%s\": %s", dc->source,
                       dc->seclabel, strerror(errno));
    if (xc_domain_create(b->hv->xc, &domid, &cfg) < 0) {
        if (errno == EINVAL && dc->vcpus > GMAP_MAX_VCPUS_GICV2 && dc->gic_version != GIC_V3)
            return xu_fail(err,
                           "%s: Xen refused the domain: %s (vcpus = %u, and a GICv2 guest "
                           "has at most %d)",
                           dc->source, strerror(errno), dc->vcpus, GMAP_MAX_VCPUS_GICV2);
        return xen_fail(b, err, "Xen refused to create the domain");
    }
    b->domid = domid;
    /* Destroying also removes the domain's xenstore nodes, once it is gone. */
    on_failure(b, undo_domain);
    /* Xen has resolved "native" to the host's GIC; the guest's tree must say which. */
    b->gic = cfg.arch.gic_version == XEN_DOMCTL_CONFIG_GIC_V3 ? GIC_V3 : GIC_V2;
    b->clock_frequency = cfg.arch.clock_frequency;
    return 0;
}

static int size_domain(struct build *b, struct xu_err *err)
{
    const struct domain_config *dc = b->dc;
    int port;

    if (xc_domain_max_vcpus(b->hv->xc, b->domid, dc->vcpus) < 0)
        return xen_fail(b, err, "cannot create the vCPUs");
    if (xc_domain_setmaxmem(b->hv->xc, b->domid, guest_maxmem_kib(dc->memory_mib)) < 0)
        return xen_fail(b, err, "cannot set the memory limit");
    /* The store and the console are served from Dom0. */
    port = xc_evtchn_alloc_unbound(b->hv->xc, b->domid, 0);
    if (port < 0)
        return xen_fail(b, err, "no event channel for xenstore");
    b->store_port = (uint32_t)port;
    port = xc_evtchn_alloc_unbound(b->hv->xc, b->domid, 0);
    if (port < 0)
        return xen_fail(b, err, "no event channel for the console");
    b->console_port = (uint32_t)port;
    if (xc_set_paging_mempool_size(b->hv->xc, b->domid,
                                   guest_paging_pool_bytes(dc->vcpus, dc->maxmem_mib)) < 0)
        return xen_fail(b, err, "cannot size the guest's page-table pool");
    for (unsigned i = 0; i < dc->n_cpus; i++)
        if (vcpu_set_affinity(b->hv, b->domid, i, &dc->cpus[i], NULL, err) < 0)
            return -1;
    return 0;
}

static int read_partial_tree(const struct domain_config *dc, void **blob, size_t *len,
                             struct xu_err *err)
{
    struct xu_err why;

    if (fdt_read_file(dc->device_tree.path, GUEST_FDT_MAX_BYTES, blob, len, &why) < 0)
        return xu_fail(err, "%s:%u: device_tree: %s", dc->source, dc->device_tree.line, why.msg);
    return 0;
}

/*
 * The kernel goes into the guest through windows of this size: Dom0's cost
 * of a create is a window and a read buffer whatever the kernel's size. A
 * window's page-table and mapping calls are paid per window: 1 MiB windows
 * made a 49 MiB kernel's load 6-8 % slower than libxenguest's one mapping,
 * 4 MiB ones as fast (bench/RESULTS.md). Under XEN_UNPOPULATED_ALLOC (Dom0's
 * kernel has it) a window takes address space, not Dom0's pages.
 */
#define KERNEL_WINDOW_BYTES (4u << 20)

struct guest_window {
    xenforeignmemory_handle *fmem;
    xc_interface *xc;
    uint32_t domid;
    xen_pfn_t base_gfn;
    xen_pfn_t gfns[KERNEL_WINDOW_BYTES / KSTREAM_PAGE_BYTES];
    int errs[KERNEL_WINDOW_BYTES / KSTREAM_PAGE_BYTES];
};

static void *map_window(void *ctx, uint64_t offset_bytes, size_t bytes, struct xu_err *err)
{
    struct guest_window *w = ctx;
    size_t pages = bytes / KSTREAM_PAGE_BYTES;
    void *window;

    for (size_t i = 0; i < pages; i++)
        w->gfns[i] = w->base_gfn + offset_bytes / KSTREAM_PAGE_BYTES + i;
    window =
        xenforeignmemory_map(w->fmem, w->domid, PROT_READ | PROT_WRITE, pages, w->gfns, w->errs);
    if (!window) {
        xu_fail(err, "cannot map the guest's memory at 0x%llx: %s",
                (unsigned long long)w->gfns[0] << 12, strerror(errno));
        return NULL;
    }
    for (size_t i = 0; i < pages; i++)
        if (w->errs[i]) {
            xu_fail(err, "cannot map the guest's page at 0x%llx: %s",
                    (unsigned long long)w->gfns[i] << 12, strerror(-w->errs[i]));
            xenforeignmemory_unmap(w->fmem, window, pages);
            return NULL;
        }
    return window;
}

/*
 * The guest starts with its MMU and caches off and reads memory directly:
 * what Dom0 wrote through its cacheable mapping must be cleaned to memory
 * (libxenguest does the same after each of its mappings). QEMU's TCG has no
 * caches to miss it; a board has.
 */
static int unmap_window(void *ctx, void *window, size_t bytes, struct xu_err *err)
{
    struct guest_window *w = ctx;
    size_t pages = bytes / KSTREAM_PAGE_BYTES;

    xenforeignmemory_unmap(w->fmem, window, pages);
    if (xc_domain_cacheflush(w->xc, w->domid, w->gfns[0], pages) < 0)
        return xu_fail(err, "cannot clean the guest's memory at 0x%llx from the caches: %s",
                       (unsigned long long)w->gfns[0] << 12, strerror(errno));
    return 0;
}

/* Whether [start, end) and the segment overlap. */
static bool overlaps(uint64_t start, uint64_t end, const struct xc_dom_seg *seg)
{
    return seg->vstart < end && seg->vend > start;
}

/*
 * libxenguest is given only the Image's first page (the header and zeros):
 * it reads the entry point from the header, copies that page and places the
 * modules at 128 MiB or the top of the first bank (before the kernel only
 * when neither has room), by a kernel end it takes from the page it got. The
 * whole kernel then comes here, from the file, in windows; the modules are
 * checked against where the kernel really ends, its BSS included (the
 * header's image_size), which libxenguest does not look at.
 */
static int stream_kernel(struct build *b, const struct xc_dom_image *dom, struct xu_err *err)
{
    static struct guest_window w;
    uint64_t start = dom->kernel_seg.vstart;
    uint64_t span = kernel_span_bytes(&b->kernel);
    struct kstream_sink sink = {map_window, unmap_window, &w, KERNEL_WINDOW_BYTES};
    int rc;

    if ((dom->num_modules && overlaps(start, start + span, &dom->modules[0].seg)) ||
        (dom->devicetree_blob && overlaps(start, start + span, &dom->devicetree_seg)))
        return xu_fail(err,
                       "%s: the builder put the ramdisk or device tree inside the kernel "
                       "(0x%llx-0x%llx); give the guest more memory",
                       b->dc->source, (unsigned long long)start,
                       (unsigned long long)(start + span));
    w.fmem = xenforeignmemory_open(NULL, 0);
    if (!w.fmem)
        return xu_fail(err, "cannot open the foreign memory interface: %s", strerror(errno));
    w.xc = b->hv->xc;
    w.domid = b->domid;
    w.base_gfn = start / KSTREAM_PAGE_BYTES;
    rc = kstream_copy(&b->kernel, &sink, err);
    xenforeignmemory_close(w.fmem);
    if (rc < 0) {
        struct xu_err why = *err;

        return xu_fail(err, "%s:%u: kernel: %s", b->dc->source, b->dc->kernel.line, why.msg);
    }
    return 0;
}

/* libxenguest places the kernel, ramdisk and device tree and fills guest RAM. */
static int build_image(struct build *b, struct xu_err *err)
{
    const struct domain_config *dc = b->dc;
    struct guest_fdt_config fc = {
        .vcpus = dc->vcpus,
        .gic = b->gic,
        .clock_frequency = b->clock_frequency,
        .bootargs = dc->cmdline,
        .has_ramdisk = dc->ramdisk.path[0] != '\0',
        .vuart = dc->vuart,
        .tee = dc->tee,
        .partial_name = dc->device_tree.path,
    };
    static uint8_t first_page[KSTREAM_PAGE_BYTES];
    uint8_t seed[GUEST_RNG_SEED_BYTES];
    struct guest_bank banks[GMAP_RAM_BANKS], ext[GMAP_EXT_REGIONS_MAX];
    struct xc_dom_image *dom = NULL;
    xc_domaininfo_t info;
    void *partial = NULL, *fdt = NULL;
    size_t partial_len = 0;
    int version = xc_version(b->hv->xc, XENVER_version, NULL), rc = -1;

    fc.xen_major = (unsigned)version >> 16;
    fc.xen_minor = (unsigned)version & 0xffff;
    if (getrandom(seed, sizeof(seed), 0) == (ssize_t)sizeof(seed))
        fc.rng_seed = seed;
    if (dc->device_tree.path[0]) {
        if (read_partial_tree(dc, &partial, &partial_len, err) < 0)
            goto out;
        fc.partial = partial;
        fc.partial_bytes = partial_len;
    }
    errno = 0;
    dom = xc_dom_allocate(b->hv->xc, NULL, NULL);
    if (!dom) {
        xen_fail(b, err, "cannot start the domain builder");
        goto out;
    }
    memcpy(first_page, b->kernel.header, sizeof(b->kernel.header));
    if (xc_dom_kernel_mem(dom, first_page, sizeof(first_page)) != 0) {
        xen_fail(b, err, "the domain builder does not take the kernel's header");
        goto out;
    }
    if (fc.has_ramdisk && xc_dom_module_file(dom, dc->ramdisk.path, NULL) != 0) {
        xu_fail(err, "%s:%u: ramdisk: %s: cannot load it", dc->source, dc->ramdisk.line,
                dc->ramdisk.path);
        goto out;
    }
    dom->container_type = XC_DOM_HVM_CONTAINER;
    dom->max_vcpus = dc->vcpus;
    dom->console_evtchn = b->console_port;
    dom->console_domid = 0;
    dom->xenstore_evtchn = b->store_port;
    dom->xenstore_domid = 0;
    errno = 0;
    if (xc_dom_boot_xen_init(dom, b->hv->xc, b->domid) != 0 ||
        xc_dom_rambase_init(dom, GMAP_RAM0_BASE) != 0) {
        xen_fail(b, err, "the domain builder failed to start");
        goto out;
    }
    if (xc_dom_parse_image(dom) != 0) {
        xu_fail(err, "%s:%u: kernel: %s: not an image Xen's builder can start", dc->source,
                dc->kernel.line, dc->kernel.path);
        goto out;
    }
    if (xc_hvm_param_set(b->hv->xc, b->domid, HVM_PARAM_CALLBACK_IRQ, CALLBACK_VIA_EVTCHN_PPI) <
        0) {
        xen_fail(b, err, "cannot route event channels to the guest");
        goto out;
    }
    if (guest_fdt_build(&fc, &fdt, err) < 0) {
        struct xu_err why = *err;

        xu_fail(err, "%s: %s", dc->source, why.msg);
        goto out;
    }
    step_done("image: builder, device tree");
    errno = 0;
    if (xc_dom_devicetree_mem(dom, fdt, fdt_totalsize(fdt)) != 0 ||
        xc_dom_mem_init(dom, (unsigned)dc->memory_mib) != 0 || xc_dom_boot_mem_init(dom) != 0) {
        xen_fail(b, err, "cannot populate the guest's memory");
        goto out;
    }
    step_done("image: memory populated");
    if (xc_domain_getinfolist(b->hv->xc, b->domid, 1, &info) != 1) {
        xen_fail(b, err, "cannot read the guest's address width");
        goto out;
    }
    guest_ram_banks(dc->memory_mib, banks);
    if (guest_fdt_finalise(
            fdt, banks, fc.has_ramdisk ? dom->modules[0].seg.vstart : 0,
            fc.has_ramdisk ? dom->modules[0].seg.vend : 0, ext,
            guest_extended_regions(banks, info.gpaddr_bits, dc->iomem, dc->n_iomem, ext), err) < 0)
        goto out;
    errno = 0;
    if (xc_dom_build_image(dom) != 0 || xc_dom_boot_image(dom) != 0 ||
        xc_dom_gnttab_init(dom) != 0) {
        xen_fail(b, err, "cannot load the guest's kernel, ramdisk and device tree");
        goto out;
    }
    step_done("image: pages, vCPU, grants");
    if (stream_kernel(b, dom, err) < 0)
        goto out;
    b->vuart_port = -1;
    if (dc->vuart == VUART_SBSA) {
        evtchn_port_t port;

        if (xc_dom_vuart_init(b->hv->xc, XEN_DOMCTL_VUART_TYPE_VPL011, b->domid, 0, GMAP_VUART_PFN,
                              &port) != 0) {
            xen_fail(b, err, "cannot set up the vuart");
            goto out;
        }
        b->vuart_port = (int)port;
    }
    rc = 0;
out:
    if (dom)
        xc_dom_release(dom);
    free(fdt);
    free(partial);
    return rc;
}

static int pass_through(struct build *b, struct xu_err *err)
{
    const struct domain_config *dc = b->dc;

    for (unsigned i = 0; i < dc->n_irqs; i++)
        if (xc_domain_bind_pt_spi_irq(b->hv->xc, b->domid, (uint16_t)dc->irqs[i],
                                      (uint16_t)dc->irqs[i]) < 0)
            return xu_fail(err, "%s:%u: irqs: cannot route interrupt %u to the guest: %s",
                           dc->source, dc->irq_lines[i], dc->irqs[i],
                           errno == EBUSY ? "another domain has it (xu list)" : strerror(errno));
    for (unsigned i = 0; i < dc->n_iomem; i++) {
        const struct iomem_range *r = &dc->iomem[i];

        if (xc_domain_iomem_permission(b->hv->xc, b->domid, r->start_pfn, r->n_pages, 1) < 0 ||
            xc_domain_memory_mapping(b->hv->xc, b->domid, r->gfn, r->start_pfn, r->n_pages, 1) < 0)
            return xu_fail(err, "%s: iomem: cannot map pages 0x%llx+%llu: %s", dc->source,
                           (unsigned long long)r->start_pfn, (unsigned long long)r->n_pages,
                           strerror(errno));
    }
    for (unsigned i = 0; i < dc->n_dtdevs; i++)
        if (xc_assign_dt_device(b->hv->xc, b->domid, (char *)dc->dtdevs[i]) < 0)
            return xu_fail(err, "%s: dtdev: cannot assign %s: %s", dc->source, dc->dtdevs[i],
                           strerror(errno));
    return 0;
}

/* Between steps: an interruption ends the create as a failure would. */
static int check_interrupt(struct xu_err *err)
{
    return interrupted ? xu_fail(err, "interrupted; nothing was left behind") : 0;
}

static struct conserve *own_consoles;
static void (*own_stopped_early)(uint32_t domid);

void domain_create_serve_consoles(struct conserve *cs, void (*stopped_early)(uint32_t domid))
{
    own_consoles = cs;
    own_stopped_early = stopped_early;
}

/*
 * A guest that stops at once (a panic on a bad argument) may stop before its
 * introduction: xenstored then never fires @releaseDomain for it, and the
 * monitor, which applies on_crash, is told here instead.
 */
static void report_early_stop(struct build *b)
{
    struct conmon_request req = {.op = CONMON_CHECK, .domid = b->domid};
    struct conmon_reply reply;
    struct xu_err ignored;
    xc_domaininfo_t info;

    if (xc_domain_getinfolist(b->hv->xc, b->domid, 1, &info) != 1 || info.domain != b->domid ||
        !(info.flags & XEN_DOMINF_shutdown))
        return;
    if (own_consoles && own_stopped_early)
        own_stopped_early(b->domid);
    else if (!own_consoles)
        conmon_call(b->monitor_fd, &req, &reply, &ignored);
}

/* Refused before anything is made: a domain whose console no one would serve. */
static int reach_console_server(struct build *b, struct xu_err *err)
{
    if (own_consoles)
        return 0;
    b->monitor_fd = conmon_connect(err);
    return b->monitor_fd < 0 ? -1 : 0;
}

static void undo_console(struct build *b)
{
    struct conmon_request req = {.op = CONMON_RELEASE, .domid = b->domid};
    struct conmon_reply reply;
    struct xu_err ignored;

    /* Its mapping of the ring would keep the destroyed domain in Xen's list. */
    if (own_consoles)
        conserve_release(own_consoles, b->domid);
    else
        conmon_call(b->monitor_fd, &req, &reply, &ignored);
}

/* The console is served from before the guest runs: its first line is logged as it comes. */
static int hand_over_console(struct build *b, struct xu_err *err)
{
    struct conmon_request req = {
        .op = CONMON_TAKE, .domid = b->domid, .gfn = GMAP_CONSOLE_PFN, .port = b->console_port};
    struct conmon_reply reply;

    if (own_consoles) {
        if (conserve_take(own_consoles, b->domid, b->dc->name, GMAP_CONSOLE_PFN, b->console_port,
                          err) < 0)
            return -1;
    } else {
        snprintf(req.name, sizeof(req.name), "%s", b->dc->name);
        if (conmon_call(b->monitor_fd, &req, &reply, err) < 0)
            return -1;
    }
    on_failure(b, undo_console);
    return 0;
}

static void close_monitor(struct build *b)
{
    if (b->monitor_fd >= 0)
        close(b->monitor_fd);
    b->monitor_fd = -1;
}

int domain_create(struct hv *hv, const struct domain_config *dc, const char *config_path,
                  const char *config_text, size_t config_len, bool paused, uint32_t *domid,
                  struct xu_err *err)
{
    struct build b = {.hv = hv, .dc = dc, .vuart_port = -1, .kernel.fd = -1, .monitor_fd = -1};
    struct domxs_store store;
    struct held held;
    bool log_started = false;
    /* A guest with PV devices starts once they are connected; they need its xenstore tree. */
    bool tree_first = dc->n_vifs || dc->n_disks;

    if (preflight(&b, err) < 0 || hv_new_uuid(b.handle, b.uuid, err) < 0 ||
        reach_console_server(&b, err) < 0) {
        kstream_close(&b.kernel);
        close_monitor(&b);
        return -1;
    }
    hold_signals(&held);
    step_done("checks");
    if (make_domain(&b, err) < 0)
        goto fail;
    step_done("createdomain");
    if (size_domain(&b, err) < 0 || check_interrupt(err) < 0)
        goto fail;
    step_done("vcpus, memory, channels");
    store = (struct domxs_store){GMAP_STORE_PFN, b.store_port, dc->memory_mib << 10};
    if (tree_first) {
        if (domxs_create(hv, b.domid, dc, config_path, b.uuid, &store, err) < 0 ||
            check_interrupt(err) < 0)
            goto fail;
        step_done("xenstore tree");
    }
    if (build_image(&b, err) < 0 || check_interrupt(err) < 0)
        goto fail;
    kstream_close(&b.kernel);
    step_done("kernel (streamed)");
    /* The driver domain's devd has done its part (bridge, loop) before the guest runs. */
    if (pvdev_add(hv, b.domid, dc, err) < 0 || pvdev_wait_connected(hv, b.domid, dc, err) < 0 ||
        check_interrupt(err) < 0)
        goto fail;
    step_done("PV devices");
    if (pass_through(&b, err) < 0 || check_interrupt(err) < 0)
        goto fail;
    step_done("passthrough");
    /*
     * The guest runs before its console is taken and its xenstore nodes are
     * written (unless it has PV devices), and Dom0 does the rest while it
     * starts. What it prints waits in its console ring, which the monitor
     * reads to its end as it takes it (a console driver waits for room, it
     * does not drop), so nothing is lost, and its first line is logged as
     * soon as both are there. It cannot reach xenstore before the
     * introduction below, which comes after its nodes, so it never sees half
     * a tree. What is left can fail only if /var/log or /run is full or the
     * monitor or xenstored fails, and a failure destroys the domain as any
     * other does.
     */
    if (!paused && xc_domain_unpause(hv->xc, b.domid) < 0) {
        xen_fail(&b, err, "cannot start the domain");
        goto fail;
    }
    step_done(paused ? "left paused" : "unpaused");
    /* A fresh log, so the console shows this domain's output and nothing older. */
    if (conlog_start(dc->name, b.domid, err) < 0)
        goto fail;
    log_started = true;
    if (runstate_save_config(b.domid, config_text, config_len, err) < 0 ||
        hand_over_console(&b, err) < 0)
        goto fail;
    step_done("log, config saved, console taken");
    if (!tree_first && domxs_create(hv, b.domid, dc, config_path, b.uuid, &store, err) < 0)
        goto fail;
    /* The domain is introduced last: from then on it may use xenstore. */
    if (domxs_console(hv, b.domid, b.console_port, b.vuart_port, &store, err) < 0)
        goto fail;
    step_done(tree_first ? "console nodes, introduction" : "xenstore tree, introduction");
    report_early_stop(&b);
    release_signals(&held);
    close_monitor(&b);
    *domid = b.domid;
    return 0;
fail:
    kstream_close(&b.kernel);
    roll_back(&b);
    close_monitor(&b);
    if (log_started)
        conlog_abandon(dc->name);
    release_signals(&held);
    return -1;
}

/*
 * The monitor's mapping of the console ring would keep the destroyed domain
 * in Xen's list until xenstored told the monitor it is dying, which it never
 * does for a domain it was not introduced to (a create killed midway). No
 * monitor: nothing of it to let go.
 */
static void release_console(uint32_t domid)
{
    struct conmon_request req = {.op = CONMON_RELEASE, .domid = domid};
    struct conmon_reply reply;
    struct xu_err ignored;
    int fd;

    if (own_consoles) {
        conserve_release(own_consoles, domid);
        return;
    }
    fd = conmon_connect(&ignored);
    if (fd >= 0) {
        conmon_call(fd, &req, &reply, &ignored);
        close(fd);
    }
}

int domain_destroy(struct hv *hv, uint32_t domid, struct xu_err *err)
{
    struct pvdev_backends backends;
    xc_domaininfo_t info;
    struct held held;
    struct xu_wait gone;
    int rc = 0;

    if (domid == 0)
        return xu_fail(err, "Domain-0 cannot be destroyed");
    /*
     * Pause, destroy, wait until Xen has let it go, and only then remove its
     * nodes: a refused destroy keeps its name, and nothing (xenconsoled
     * writing console/tty, say) can write under a domain that no longer is.
     * Reading the backends changes nothing, so Ctrl-C still ends xu there
     * at once: a xenstored that never answers must not hold the shell.
     */
    pvdev_find_backends(hv, domid, &backends);
    hold_signals(&held);
    xc_domain_pause(hv->xc, domid);
    pvdev_disconnect(hv, domid, &backends);
    release_console(domid);
    if (xc_domain_destroy(hv->xc, domid) < 0 && errno != ESRCH) {
        rc = xu_fail(err, "cannot destroy domain %u: %s", domid, strerror(errno));
        goto out;
    }
    /* Xen frees the memory once the last mapping of it is gone. */
    rc = xu_fail(err, "domain %u is still dying after %u s (someone holds its memory)", domid,
                 DESTROY_WAIT_MS / 1000);
    xu_wait_begin(&gone, DESTROY_WAIT_MS, 10);
    do {
        if (xc_domain_getinfolist(hv->xc, domid, 1, &info) != 1 || info.domain != domid) {
            rc = 0;
            break;
        }
    } while (xu_wait_again(&gone));
    /* Dying, if not gone: it runs no more, so its nodes can go either way. */
    domxs_remove(hv, domid);
    /* With the frontends gone, the backends close; the driver domain then lets them go. */
    pvdev_remove(hv, domid, &backends);
    conlog_forget(domid);
    runstate_forget(domid);
out:
    release_signals(&held);
    return rc;
}

/* guest.h keeps its own copy of the guest memory map for the host build; it must be Xen's. */
_Static_assert(GMAP_GICD_BASE == GUEST_GICD_BASE, "guest.h: GICD");
_Static_assert(GMAP_GICC_BASE == GUEST_GICC_BASE, "guest.h: GICC");
_Static_assert(GMAP_GICV3_GICR0_BASE == GUEST_GICV3_GICR0_BASE, "guest.h: GICR0");
_Static_assert(GMAP_GICV3_GICR0_SIZE == GUEST_GICV3_GICR0_SIZE, "guest.h: GICR0 size");
_Static_assert(GMAP_PL011_BASE == GUEST_PL011_BASE, "guest.h: PL011");
_Static_assert(GMAP_GNTTAB_BASE == GUEST_GNTTAB_BASE, "guest.h: grant table");
_Static_assert(GMAP_GNTTAB_SIZE == GUEST_GNTTAB_SIZE, "guest.h: grant table size");
_Static_assert(GMAP_MAGIC_BASE == GUEST_MAGIC_BASE, "guest.h: magic pages");
_Static_assert(GMAP_RAM0_BASE == GUEST_RAM0_BASE && GMAP_RAM0_SIZE == GUEST_RAM0_SIZE,
               "guest.h: RAM bank 0");
_Static_assert(GMAP_RAM1_BASE == GUEST_RAM1_BASE && GMAP_RAM1_SIZE == GUEST_RAM1_SIZE,
               "guest.h: RAM bank 1");
_Static_assert(GMAP_EVTCHN_PPI == GUEST_EVTCHN_PPI, "guest.h: event channel PPI");
_Static_assert(GMAP_TIMER_VIRT_PPI == GUEST_TIMER_VIRT_PPI &&
                   GMAP_TIMER_PHYS_S_PPI == GUEST_TIMER_PHYS_S_PPI &&
                   GMAP_TIMER_PHYS_NS_PPI == GUEST_TIMER_PHYS_NS_PPI,
               "guest.h: timer PPIs");
_Static_assert(GMAP_VPL011_SPI == GUEST_VPL011_SPI, "guest.h: vpl011 SPI");
