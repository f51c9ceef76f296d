/*
 * mkboot: writes the u-boot script that loads Xen and Dom0 from the boot
 * partition, with every address computed from the files it finds there.
 */
#include <errno.h>
#include <getopt.h>
#include <libfdt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg.h"
#include "cpupools.h"
#include "domcfg.h"
#include "err.h"
#include "fdtcheck.h"
#include "image.h"
#include "links.h"
#include "passthrough.h"
#include "plan.h"
#include "platform.h"
#include "script.h"
#include "treefix.h"
#include "ubootenv.h"

struct options {
    const char *platform;
    const char *dom0;
    const char *boot_dir;
    const char *xen;
    const char *xsm_policy;
    const char *out;
    const char *uboot_env;
    const char *host_dtb;
    const char *domains[BOOT_MAX_DOMAINS]; /* boot-time domains' configs, in domain-id order */
    unsigned n_domains;
};

static void usage(FILE *to)
{
    fprintf(to, "usage: mkboot --platform FILE --dom0 FILE --boot-dir DIR --xen NAME\n"
                "              [--xsm-policy NAME] [--domain FILE]... [--host-dtb FILE] -o OUT\n"
                "       mkboot --platform FILE --uboot-env OUT\n"
                "\n"
                "Writes the u-boot script (text, for mkimage -T script) that loads Xen and\n"
                "Dom0 from the boot partition whose files are staged in DIR.\n"
                "  --platform FILE  the machine: RAM, what u-boot keeps, Xen's command line\n"
                "  --dom0 FILE      Dom0's config (xl.cfg syntax); its files are in DIR\n"
                "  --boot-dir DIR   the boot partition's files, as they will be on the card\n"
                "  --xen NAME       Xen's file name in DIR\n"
                "  --xsm-policy NAME  a FLASK policy in DIR; Xen then runs with xsm=flask\n"
                "  --domain FILE    a domain Xen starts at boot besides Dom0 (dom0less), from\n"
                "                   its config on the boot partition; Xen numbers them 1, 2,\n"
                "                   ... in the order given\n"
                "  --host-dtb FILE  the device tree the firmware hands u-boot; needed when a\n"
                "                   --domain takes host devices (dtdev): mkboot then writes\n"
                "                   its partial device tree, NAME-passthrough.dtb, next to\n"
                "                   its config NAME.cfg\n"
                "  -o OUT           where to write the script\n"
                "  --uboot-env OUT  write the platform's u-boot environment as u-boot reads\n"
                "                   it from flash\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"platform", required_argument, NULL, 'p'},
        {"dom0", required_argument, NULL, 'd'},
        {"boot-dir", required_argument, NULL, 'b'},
        {"xen", required_argument, NULL, 'x'},
        {"xsm-policy", required_argument, NULL, 's'},
        {"uboot-env", required_argument, NULL, 'e'},
        {"domain", required_argument, NULL, 'D'},
        {"host-dtb", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            o->platform = optarg;
            break;
        case 'd':
            o->dom0 = optarg;
            break;
        case 'b':
            o->boot_dir = optarg;
            break;
        case 'x':
            o->xen = optarg;
            break;
        case 's':
            o->xsm_policy = optarg;
            break;
        case 'e':
            o->uboot_env = optarg;
            break;
        case 'D':
            if (o->n_domains == BOOT_MAX_DOMAINS) {
                fprintf(stderr, "mkboot: more than %d --domain\n", BOOT_MAX_DOMAINS);
                return -1;
            }
            o->domains[o->n_domains++] = optarg;
            break;
        case 'H':
            o->host_dtb = optarg;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    /* Either the boot script, or the environment alone. */
    bool script =
        o->dom0 || o->boot_dir || o->xen || o->out || o->xsm_policy || o->n_domains || o->host_dtb;
    if (optind != argc || !o->platform ||
        (script && (!o->dom0 || !o->boot_dir || !o->xen || !o->out || o->uboot_env)) ||
        (!script && !o->uboot_env)) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* Reads the size and the header of `path`; `name` is its name on the partition. */
static int probe_file(const char *path, const char *name, bool is_kernel, struct boot_file *f,
                      struct xu_err *err)
{
    uint8_t header[IMAGE_HEADER_BYTES];
    struct stat st;
    size_t got;
    FILE *fp;

    memset(f, 0, sizeof(*f));
    if (snprintf(f->name, sizeof(f->name), "%s", name) >= (int)sizeof(f->name))
        return xu_fail(err, "%s: name too long", name);
    fp = fopen(path, "rb");
    if (!fp)
        return xu_fail(err, "%s: %s", path, strerror(errno));
    if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode)) {
        fclose(fp);
        return xu_fail(err, "%s: not a regular file", path);
    }
    f->size_bytes = (uint64_t)st.st_size;
    got = fread(header, 1, sizeof(header), fp);
    fclose(fp);
    if (f->size_bytes == 0)
        return xu_fail(err, "%s: empty file", path);
    if (is_kernel && image_probe(header, got, path, &f->image, err) < 0)
        return -1;
    return 0;
}

/* Boot-time domains' files must lie on the boot partition: their names are relative to it. */
static int partition_name(const char *path, const char *boot_dir, const char *source,
                          const char **name, struct xu_err *err)
{
    size_t n = strlen(boot_dir);

    if (strncmp(path, boot_dir, n) != 0 || path[n] != '/')
        return xu_fail(err, "%s: %s is not on the boot partition (%s)", source, path, boot_dir);
    *name = path + n + 1;
    return 0;
}

/* Writes `path` through a temporary file, so a failure leaves no half-written file. */
static int write_atomically(const char *path, int (*fill)(FILE *, const void *, struct xu_err *),
                            const void *arg, struct xu_err *err)
{
    char tmp[PATH_MAX + 8];
    FILE *out;
    int rc;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    out = fopen(tmp, "w");
    if (!out)
        return xu_fail(err, "%s: %s", tmp, strerror(errno));
    rc = fill(out, arg, err);
    if (fclose(out) != 0 && rc == 0)
        rc = xu_fail(err, "%s: %s", tmp, strerror(errno));
    if (rc == 0 && rename(tmp, path) < 0)
        rc = xu_fail(err, "%s: %s", path, strerror(errno));
    if (rc < 0)
        remove(tmp);
    return rc;
}

static int fill_script(FILE *out, const void *plan, struct xu_err *err)
{
    return script_write(plan, out, err);
}

static int fill_env(FILE *out, const void *platform, struct xu_err *err)
{
    return uboot_env_write(platform, out, err);
}

/* u-boot runs boot.scr from scriptaddr: it must fit the room kept for it there. */
static int check_script_room(const struct boot_plan *plan, struct xu_err *err)
{
    const struct platform *p = plan->platform;
    const char *at = platform_env(p, "scriptaddr");
    char *text = NULL;
    size_t len = 0;
    uint64_t addr;
    FILE *out;
    int rc;

    if (!at || cfg_parse_u64(at, &addr) < 0)
        return 0; /* u-boot's own scriptaddr: the platform's reserved list covers it */
    out = open_memstream(&text, &len);
    if (!out)
        return xu_fail(err, "out of memory");
    rc = script_write(plan, out, err);
    fclose(out);
    free(text);
    if (rc < 0)
        return -1;
    for (size_t i = 0; i < p->n_reserved; i++) {
        const struct region *r = &p->reserved[i];

        if (addr >= r->addr && addr - r->addr < r->size_bytes &&
            len + SCRIPT_IMAGE_HEADER_BYTES > r->size_bytes - (addr - r->addr))
            return xu_fail(err,
                           "boot.scr (%zu bytes) is larger than the room kept for it at "
                           "scriptaddr (%s)",
                           len + SCRIPT_IMAGE_HEADER_BYTES, p->source);
    }
    return 0;
}

static int write_env(const struct options *o, struct xu_err *err)
{
    static struct platform platform;

    if (platform_load(o->platform, &platform, err) < 0)
        return -1;
    if (!platform.n_uboot_env)
        return xu_fail(err, "%s: no uboot_env to write", o->platform);
    return write_atomically(o->uboot_env, fill_env, &platform, err);
}

/* A domain's kernel and ramdisk, as boot.scr names them. */
static int probe_domain_files(const struct domain_config *dc, const char *boot_dir,
                              struct boot_file *kernel, struct boot_file *ramdisk,
                              bool *has_ramdisk, struct xu_err *err)
{
    const char *name;

    if (!dc->kernel.path[0])
        return xu_fail(err, "%s: no kernel", dc->source);
    if (partition_name(dc->kernel.path, boot_dir, dc->source, &name, err) < 0 ||
        probe_file(dc->kernel.path, name, true, kernel, err) < 0)
        return -1;
    *has_ramdisk = dc->ramdisk.path[0] != '\0';
    if (*has_ramdisk && (partition_name(dc->ramdisk.path, boot_dir, dc->source, &name, err) < 0 ||
                         probe_file(dc->ramdisk.path, name, false, ramdisk, err) < 0))
        return -1;
    return 0;
}

/* What Xen cannot give a domain it builds at boot; refused here, not at boot. */
static int check_boot_domain(const struct domain_config *dc, struct xu_err *err)
{
    if (dc->n_vifs || dc->n_disks)
        return xu_fail(err, "%s:%u: a domain Xen starts at boot gets no PV devices", dc->source,
                       dc->n_vifs ? dc->vifs[0].line : dc->disks[0].line);
    if (dc->n_iomem || dc->n_irqs)
        return xu_fail(err,
                       "%s: iomem and irqs are for domains xu creates; give a boot-time domain "
                       "host devices with dtdev",
                       dc->source);
    if (dc->seclabel[0])
        return xu_fail(err,
                       "%s: Xen 4.17 labels boot-time domains itself (domU_t); seclabel "
                       "cannot be honoured",
                       dc->source);
    if (dc->autostart)
        return xu_fail(err,
                       "%s:%u: autostart: Xen starts this domain at boot itself; autostart is "
                       "for the configs on the dom0 partition",
                       dc->source, dc->autostart_line);
    /* Its dom0less nodes have no affinity: a domain's vCPUs run on its CPU pool's CPUs. */
    if (dc->n_cpus)
        return xu_fail(err,
                       "%s:%u: cpus: Xen 4.17 cannot pin the vCPUs of a domain it starts at "
                       "boot; they run on the CPUs of its CPU pool",
                       dc->source, dc->cpus_line);
    if (!dc->kernel.path[0])
        return xu_fail(err, "%s: no kernel", dc->source);
    return 0;
}

/* A boot-time domain's partial device tree, when mkboot writes it from the host's. */
struct partial_dt {
    char path[PATH_MAX + 32]; /* where it goes, in the boot folder */
    void *blob;
    size_t bytes;
};

/*
 * dtdev: the host devices a boot-time domain takes. Its partial device tree
 * is the config's device_tree if it names one, else the one mkboot writes.
 */
static int plan_domain_devices(const struct options *o, const void *host, size_t host_bytes,
                               const char *config_file, const struct domain_config *dc,
                               struct pt_plan *pt, struct partial_dt *partial,
                               struct boot_file *dt_file, struct xu_err *err)
{
    const char *name;

    if (dc->device_tree.path[0])
        return partition_name(dc->device_tree.path, o->boot_dir, dc->source, &name, err) < 0 ||
                       probe_file(dc->device_tree.path, name, false, dt_file, err) < 0
                   ? -1
                   : 0;
    if (!host)
        return xu_fail(err,
                       "%s:%u: dtdev: mkboot needs the host device tree (--host-dtb) to "
                       "write %s's partial device tree",
                       dc->source, dc->dtdev_lines[0], dc->name);
    if (pt_plan_devices(host, host_bytes, o->host_dtb, dc, pt, err) < 0 ||
        pt_partial_fdt(host, pt, dc, &partial->blob, &partial->bytes, err) < 0)
        return -1;
    if (partial->bytes > BOOT_PARTIAL_FDT_MAX_BYTES)
        return xu_fail(err, "%s: %s's partial device tree takes %zu bytes; Xen takes at most %u",
                       dc->source, dc->name, partial->bytes, BOOT_PARTIAL_FDT_MAX_BYTES);
    /* NAME.cfg gets NAME-passthrough.dtb beside it. */
    size_t stem = strlen(config_file);
    if (stem > 4 && strcmp(config_file + stem - 4, ".cfg") == 0)
        stem -= 4;
    memset(dt_file, 0, sizeof(*dt_file));
    if (snprintf(dt_file->name, sizeof(dt_file->name), "%.*s-passthrough.dtb", (int)stem,
                 config_file) >= (int)sizeof(dt_file->name))
        return xu_fail(err, "%s: name too long", config_file);
    dt_file->size_bytes = partial->bytes;
    snprintf(partial->path, sizeof(partial->path), "%s/%s", o->boot_dir, dt_file->name);
    return 0;
}

static int load_boot_domains(const struct options *o, const void *host, size_t host_bytes,
                             struct domain_config *configs, struct boot_file (*domain_files)[3],
                             struct pt_plan *pts, struct partial_dt *partials,
                             struct boot_files *files, struct xu_err *err)
{
    for (unsigned i = 0; i < o->n_domains; i++) {
        struct boot_domain_files *df = &files->domains[i];
        bool has_ramdisk;

        if (domcfg_load(o->domains[i], NULL, &configs[i], err) < 0 ||
            check_boot_domain(&configs[i], err) < 0 ||
            partition_name(o->domains[i], o->boot_dir, o->domains[i], &df->config_file, err) < 0 ||
            probe_domain_files(&configs[i], o->boot_dir, &domain_files[i][0], &domain_files[i][1],
                               &has_ramdisk, err) < 0)
            return -1;
        df->config = &configs[i];
        df->kernel = &domain_files[i][0];
        df->ramdisk = has_ramdisk ? &domain_files[i][1] : NULL;
        if (configs[i].n_dtdevs || configs[i].device_tree.path[0]) {
            if (plan_domain_devices(o, host, host_bytes, df->config_file, &configs[i], &pts[i],
                                    &partials[i], &domain_files[i][2], err) < 0)
                return -1;
            df->device_tree = &domain_files[i][2];
            df->passthrough = configs[i].n_dtdevs ? &pts[i] : NULL;
        }
    }
    files->n_domains = o->n_domains;
    return 0;
}

static int fill_blob(FILE *out, const void *partial, struct xu_err *err)
{
    const struct partial_dt *p = partial;

    if (fwrite(p->blob, 1, p->bytes, out) != p->bytes)
        return xu_fail(err, "%s: write error", p->path);
    return 0;
}

/*
 * mac_address: the partial tree node of the domain given the platform's
 * network device, and the module that loads that tree.
 */
static int plan_mac(const struct platform *p, const struct partial_dt *partials,
                    struct boot_plan *plan, struct xu_err *err)
{
    const char *path = p->mac_node.path;

    if (!p->mac_var[0])
        return 0;
    for (unsigned i = 0; i < plan->n_domains; i++) {
        const struct domain_config *dc = plan->domains[i].config;

        for (unsigned j = 0; j < dc->n_dtdevs; j++) {
            const char *dev = dc->dtdevs[j], *base = strrchr(dev, '/');
            size_t n = strlen(dev);
            const void *mac;
            int node, len;

            if (strncmp(path, dev, n) != 0 || (path[n] != '/' && path[n] != '\0'))
                continue;
            if (!partials[i].blob)
                break;
            snprintf(plan->mac_path, sizeof(plan->mac_path), "/passthrough/%s%s", base + 1,
                     path + n);
            node = fdt_path_offset(partials[i].blob, plan->mac_path);
            mac = node < 0 ? NULL : fdt_getprop(partials[i].blob, node, "local-mac-address", &len);
            if (!mac || len != 6)
                return xu_fail(err,
                               "%s:%u: mac_address: %s has no local-mac-address of 6 bytes in "
                               "%s's partial tree to write the board's into",
                               p->source, p->mac_node.line, path, dc->name);
            for (unsigned m = 1; m < plan->n_modules; m++)
                if (plan->modules[m].parent == plan->domains[i].node &&
                    strstr(plan->modules[m].compatible, "device-tree"))
                    plan->mac_module = m;
            return 0;
        }
    }
    return xu_fail(err, "%s:%u: mac_address: %s is given to no domain Xen builds at boot",
                   p->source, p->mac_node.line, path);
}

/*
 * removed_nodes: each must be in the host tree and below a node a boot-time
 * domain takes, whose partial tree then has the copy Xen's tree loses.
 */
static int check_removed_nodes(const struct platform *p, const void *host,
                               const struct domain_config *configs, unsigned n_domains,
                               struct xu_err *err)
{
    for (size_t i = 0; i < p->n_removed_nodes; i++) {
        const struct platform_node *n = &p->removed_nodes[i];
        bool below = false;

        if (!host || fdt_path_offset(host, n->path) < 0)
            return xu_fail(err, "%s:%u: removed_nodes: \"%s\": no such node in the host tree",
                           p->source, n->line, n->path);
        for (unsigned d = 0; d < n_domains; d++)
            for (unsigned j = 0; j < configs[d].n_dtdevs; j++) {
                size_t len = strlen(configs[d].dtdevs[j]);

                below |= strncmp(n->path, configs[d].dtdevs[j], len) == 0 && n->path[len] == '/';
            }
        if (!below)
            return xu_fail(err,
                           "%s:%u: removed_nodes: \"%s\" is below no node a domain Xen builds "
                           "at boot takes (dtdev): nobody would have it",
                           p->source, n->line, n->path);
    }
    return 0;
}

/*
 * revision_trees: boot.scr loads these instead of the firmware's tree on
 * some boards, so each must take the same edits and give each boot-time
 * domain the same devices as the host tree.
 */
static int check_revision_trees(const struct options *o, const struct platform *p,
                                const struct tree_fixes *fx, const struct domain_config *configs,
                                const struct pt_plan *pts, struct boot_plan *plan,
                                struct xu_err *err)
{
    for (size_t i = 0; i < p->n_revision_trees; i++) {
        char path[PATH_MAX + 256];
        static struct pt_plan other_pt;
        static struct tree_fixes other_fx;
        struct boot_file f;
        void *other = NULL;
        size_t bytes = 0;
        int rc = -1;

        if (script_check_file_name(p->revision_trees[i].file, err) < 0)
            return xu_fail(err, "%s:%u: revision_trees: %s", p->source, p->revision_trees[i].line,
                           err->msg);
        snprintf(path, sizeof(path), "%s/%s", o->boot_dir, p->revision_trees[i].file);
        if (probe_file(path, p->revision_trees[i].file, false, &f, err) < 0)
            return -1;
        if (f.size_bytes > p->fdt_max_bytes)
            return xu_fail(err, "%s: %llu bytes, more than fdt_max_kib (%s)", path,
                           (unsigned long long)f.size_bytes, p->source);
        if (fdt_read_file(path, FDT_BOOT_MAX_BYTES, &other, &bytes, err) < 0)
            return -1;
        if (treefix_check_other(fx, other, path, err) < 0 ||
            treefix_apply(p, &other, &bytes, path, &other_fx, err) < 0)
            goto out;
        for (unsigned d = 0; d < o->n_domains; d++) {
            if (!configs[d].n_dtdevs)
                continue;
            if (pt_plan_devices(other, bytes, path, &configs[d], &other_pt, err) < 0)
                goto out;
            for (unsigned k = 0; k < pts[d].n_devices; k++) {
                const struct pt_device *a = &pts[d].devices[k], *b = &other_pt.devices[k];

                if (a->n_windows != b->n_windows || a->n_irqs != b->n_irqs ||
                    memcmp(a->windows, b->windows, a->n_windows * sizeof(a->windows[0])) != 0 ||
                    memcmp(a->irqs, b->irqs, a->n_irqs * sizeof(a->irqs[0])) != 0) {
                    xu_fail(err,
                            "%s: %s differs from %s for %s (its MMIO or interrupts): DomD's "
                            "partial tree is written from one of them",
                            path, a->path, o->host_dtb, configs[d].name);
                    goto out;
                }
            }
        }
        /* Read only on such boards, instead of nothing: the header counts the largest. */
        if (f.size_bytes > plan->revision_tree_bytes)
            plan->revision_tree_bytes = f.size_bytes;
        rc = 0;
    out:
        free(other);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int run(const struct options *o, struct xu_err *err)
{
    static struct domain_config configs[BOOT_MAX_DOMAINS];
    static struct boot_file domain_files[BOOT_MAX_DOMAINS][3];
    static struct pt_plan pts[BOOT_MAX_DOMAINS];
    static struct partial_dt partials[BOOT_MAX_DOMAINS];
    static struct platform platform;
    static struct domain_config dom0;
    static struct boot_plan plan;
    static struct tree_fixes fixes;
    static struct boot_cpupools cpupools;
    static struct boot_links links;
    struct boot_file xen, kernel, ramdisk, policy;
    struct boot_files files = {.xen = &xen, .kernel = &kernel};
    const char *kernel_name, *ramdisk_name = NULL;
    char path[PATH_MAX + 256];
    void *host = NULL;
    size_t host_bytes = 0;
    int rc = -1;

    if (platform_load(o->platform, &platform, err) < 0 ||
        domcfg_load(o->dom0, o->boot_dir, &dom0, err) < 0)
        return -1;
    if (dom0.start_after_dom0)
        return xu_fail(err, "%s:%u: start_after_dom0: Dom0 is the domain the others wait for",
                       dom0.source, dom0.start_after_dom0_line);
    snprintf(path, sizeof(path), "%s/%s", o->boot_dir, o->xen);
    if (probe_file(path, o->xen, true, &xen, err) < 0)
        return -1;
    if (partition_name(dom0.kernel.path, o->boot_dir, o->dom0, &kernel_name, err) < 0 ||
        probe_file(dom0.kernel.path, kernel_name, true, &kernel, err) < 0)
        return -1;
    if (dom0.ramdisk.path[0] &&
        (partition_name(dom0.ramdisk.path, o->boot_dir, o->dom0, &ramdisk_name, err) < 0 ||
         probe_file(dom0.ramdisk.path, ramdisk_name, false, &ramdisk, err) < 0))
        return -1;
    if (ramdisk_name)
        files.ramdisk = &ramdisk;
    if (o->xsm_policy) {
        snprintf(path, sizeof(path), "%s/%s", o->boot_dir, o->xsm_policy);
        if (probe_file(path, o->xsm_policy, false, &policy, err) < 0)
            return -1;
        files.xsm_policy = &policy;
    }
    if (o->host_dtb && fdt_read_file(o->host_dtb, FDT_BOOT_MAX_BYTES, &host, &host_bytes, err) < 0)
        goto out;
    /* Planning reads the tree as Xen will get it: with the platform's edits. */
    if (treefix_apply(&platform, &host, &host_bytes, o->host_dtb, &fixes, err) < 0)
        goto out;
    if (load_boot_domains(o, host, host_bytes, configs, domain_files, pts, partials, &files, err) <
            0 ||
        pt_check_platform_nodes(host, host_bytes, o->host_dtb, &platform, configs, o->n_domains,
                                err) < 0 ||
        check_removed_nodes(&platform, host, configs, o->n_domains, err) < 0 ||
        cpupools_plan(&platform, host, o->host_dtb, &dom0, configs, o->n_domains, &cpupools, err) <
            0 ||
        links_plan(configs, o->n_domains, host, o->host_dtb, &links, err) < 0 ||
        plan_boot(&platform, &dom0, &files, &plan, err) < 0)
        goto out;
    plan.fixes = &fixes;
    plan.cpupools = &cpupools;
    plan.links = &links;
    if ((platform.n_revision_trees &&
         check_revision_trees(o, &platform, &fixes, configs, pts, &plan, err) < 0) ||
        plan_mac(&platform, partials, &plan, err) < 0 || check_script_room(&plan, err) < 0)
        goto out;
    /* Everything is checked: the partial trees, then the script that loads them. */
    for (unsigned i = 0; i < o->n_domains; i++)
        if (partials[i].blob &&
            write_atomically(partials[i].path, fill_blob, &partials[i], err) < 0)
            goto out;
    rc = write_atomically(o->out, fill_script, &plan, err);
    if (rc == 0)
        printf("mkboot: %s: u-boot reads %llu bytes (%.1f MiB) of boot files from the card\n",
               o->out, (unsigned long long)plan.card_read_bytes,
               (double)plan.card_read_bytes / (1 << 20));
out:
    for (unsigned i = 0; i < o->n_domains; i++)
        free(partials[i].blob);
    free(host);
    return rc;
}

int main(int argc, char **argv)
{
    struct options o = {0};
    struct xu_err err = {{0}};

    if (parse_args(argc, argv, &o) < 0)
        return 2;
    if ((o.uboot_env ? write_env(&o, &err) : run(&o, &err)) < 0) {
        fprintf(stderr, "mkboot: %s\n", err.msg);
        return 1;
    }
    return 0;
}
