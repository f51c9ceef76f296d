/*
 * xu attach: run once by Dom0's init. Connects the domains Xen built at boot
 * (DomD) to xenstore, each under the name its config gives, so that xu list
 * shows them and they can serve and be served.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "bootdoms.h"
#include "commands.h"
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

int cmd_attach(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    const char *fdt_path = "/sys/firmware/fdt", *boot_dir = "/boot";
    struct boot_domain_node nodes[BOOTDOMS_MAX];
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
    free(blob);
    if (rc < 0)
        return -1;
    /* One domain that cannot be attached does not keep the others out. */
    for (size_t i = 0; i < n; i++) {
        struct xu_err one = {{0}};

        rc = attach_one(hv, &nodes[i], boot_dir, &one);
        if (rc < 0) {
            fprintf(stderr, "xu attach: %s\n", one.msg);
            failed++;
        }
        attached += rc > 0;
    }
    printf("dom0less: attached %u domains\n", attached);
    if (failed)
        return xu_fail(err, "%u of %zu boot-time domains could not be attached", failed, n);
    return 0;
}
