/*
 * xu attach: run once by Dom0's init. Connects the domains Xen built at boot
 * (DomD) to xenstore, each under the name its config gives, so that xu list
 * shows them and they can serve and be served; then starts those Xen held
 * for Dom0 (start_after_dom0).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "bootdoms.h"
#include "commands.h"
#include "cpupool.h"
#include "domcfg.h"
#include "fdtcheck.h"

static int attach_one(struct hv *hv, const struct boot_domain_node *node, const char *boot_dir,
                      struct xu_err *err)
{
    static struct domain_config dc;
    char path[PATH_MAX];
    bool already;

    if (snprintf(path, sizeof(path), "%s/%s", boot_dir, node->config_file) >= (int)sizeof(path))
        return xu_fail(err, "%s/%s: path too long", boot_dir, node->config_file);
    if (domcfg_load(path, NULL, &dc, err) < 0 ||
        attach_boot_domain(hv, node, &dc, path, &already, err) < 0)
        return -1;
    if (already)
        printf("dom0less: domain %u (%s) was attached before\n", node->domid, dc.name);
    return already ? 0 : 1;
}

/*
 * Names the pools Xen made at boot in xenstore (/local/pool/ID/name), where
 * xl and xu look pools up; Dom0's init named Pool-0.
 */
static int name_pools(struct hv *hv, const void *fdt, size_t len, const char *source,
                      struct xu_err *err)
{
    static struct boot_pool_node wanted[CPUPOOL_MAX];
    static struct cpupool pools[CPUPOOL_MAX];
    unsigned n_pools;
    size_t n;

    if (bootdoms_read_pools(fdt, len, source, wanted, CPUPOOL_MAX, &n, err) < 0)
        return -1;
    if (!n)
        return 0;
    if (cpupool_list(hv, pools, CPUPOOL_MAX, &n_pools, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const struct cpupool *found = NULL;

        for (unsigned j = 0; j < n_pools && !found; j++)
            if (memcmp(&pools[j].cpus.bits, &wanted[i].cpus.bits, sizeof(wanted[i].cpus.bits)) == 0)
                found = &pools[j];
        if (!found)
            return xu_fail(err, "%s: Xen made no CPU pool of the CPUs pool %s names", source,
                           wanted[i].name);
        if (cpupool_set_name(hv, found, wanted[i].name, err) < 0)
            return -1;
    }
    printf("dom0less: named %zu CPU pools\n", n);
    return 0;
}

/*
 * The domains just attached may still be booting, and their kernels may miss
 * xenstored's signal (attach.h): a child signals them again until each has
 * made its first request, so that Dom0's prompt does not wait for their boot.
 */
static void wake_in_background(struct store_wake *wake, unsigned n)
{
    enum { WAKE_TIMEOUT_MS = 120 * 1000 };
    pid_t pid = fork();

    if (pid < 0) {
        fprintf(stderr, "xu attach: cannot fork to wake the domains' xenstore: %s\n",
                strerror(errno));
        return;
    }
    if (pid > 0)
        return;
    if (store_wake_until_answered(wake, n, WAKE_TIMEOUT_MS))
        for (unsigned i = 0; i < n; i++)
            if (!wake[i].answered)
                fprintf(stderr,
                        "xu attach: domain %u made no xenstore request in %u s of signalling "
                        "(has its kernel xenbus?)\n",
                        wake[i].domid, WAKE_TIMEOUT_MS / 1000);
    _exit(0);
}

int cmd_attach(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    const char *fdt_path = "/sys/firmware/fdt", *boot_dir = "/boot";
    struct boot_domain_node nodes[BOOTDOMS_MAX];
    struct store_wake wake[BOOTDOMS_MAX];
    bool started[BOOTDOMS_MAX] = {false};
    unsigned attached = 0, failed = 0;
    size_t n, len;
    void *blob;
    int rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--fdt") == 0 && i + 1 < argc)
            fdt_path = argv[++i];
        else if (strcmp(argv[i], "--boot-dir") == 0 && i + 1 < argc)
            boot_dir = argv[++i];
        else
            return usage_error(find_command("attach"), err, "unknown argument");
    }
    if (fdt_read_file(fdt_path, FDT_BOOT_MAX_BYTES, &blob, &len, err) < 0)
        return -1;
    rc = bootdoms_read(blob, len, fdt_path, nodes, BOOTDOMS_MAX, &n, err);
    if (rc == 0) {
        struct xu_err one = {{0}};

        /* Unnamed pools do not keep the domains out either. */
        if (name_pools(hv, blob, len, fdt_path, &one) < 0) {
            fprintf(stderr, "xu attach: %s\n", one.msg);
            failed++;
        }
    }
    free(blob);
    if (rc < 0)
        return -1;
    /* One domain that cannot be attached does not keep the others out. */
    for (size_t i = 0; i < n; i++) {
        struct xu_err one = {{0}}, why = {{0}};

        rc = attach_one(hv, &nodes[i], boot_dir, &one);
        if (rc > 0 && store_wake_find(hv, nodes[i].domid, &wake[attached], &one) < 0)
            rc = -1;
        if (rc < 0)
            fprintf(stderr, "xu attach: %s\n", one.msg);
        attached += rc > 0;
        /* Attached or not, a held domain runs: its console says what it lacks. */
        if (start_held_domain(hv, &nodes[i], &started[i], &why) < 0) {
            fprintf(stderr, "xu attach: %s\n", why.msg);
            rc = -1;
        }
        failed += rc < 0;
    }
    printf("dom0less: attached %u domains\n", attached);
    for (size_t i = 0; i < n; i++)
        if (started[i])
            printf("dom0less: started domain %u (/chosen/%s), held by Xen until Dom0 was up\n",
                   nodes[i].domid, nodes[i].node);
    fflush(stdout);
    if (attached)
        wake_in_background(wake, attached);
    if (failed)
        return xu_fail(err,
                       "%u of %zu boot-time domains or their pools could not be attached or "
                       "started",
                       failed, n);
    return 0;
}
