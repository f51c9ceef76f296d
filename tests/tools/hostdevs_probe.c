/*
 * `xu create`'s host-device check, run on a build host against the tree a
 * card's boot.scr leaves Xen (from u-boot's sandbox), so a machine we cannot
 * boot here is checked too. Xen keeps its UART out of Dom0's copy of the
 * tree; the probe drops it the same way, found by dtuart= on Xen's command
 * line. Prints "accepted" or the refusal; exits 0 either way, 2 if it cannot
 * run.
 *
 *     hostdevs-probe TREE.dtb "XEN COMMAND LINE" CONFIG.cfg
 */
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domcfg.h"
#include "fdtcheck.h"
#include "hostdevs.h"

static void drop_xen_uart(void *fdt, const char *cmdline)
{
    const char *spec = strstr(cmdline, "dtuart=");
    char path[256];
    size_t n;
    int node;

    if (!spec)
        return;
    spec += strlen("dtuart=");
    n = strcspn(spec, " :");
    if (n == 0 || n >= sizeof(path))
        return;
    memcpy(path, spec, n);
    path[n] = '\0';
    node = fdt_path_offset(fdt, path);
    if (node >= 0)
        fdt_del_node(fdt, node);
}

int main(int argc, char **argv)
{
    static struct domain_config dc;
    struct xu_err err = {{0}};
    const char *why;
    void *fdt;
    size_t bytes;

    if (argc != 4) {
        fprintf(stderr, "usage: hostdevs-probe TREE.dtb \"XEN COMMAND LINE\" CONFIG.cfg\n");
        return 2;
    }
    if (fdt_read_file(argv[1], FDT_BOOT_MAX_BYTES, &fdt, &bytes, &err) < 0 ||
        domcfg_load(argv[3], NULL, &dc, &err) < 0) {
        fprintf(stderr, "hostdevs-probe: %s\n", err.msg);
        return 2;
    }
    if (fdt_check_strict(fdt, bytes, &why) < 0) {
        fprintf(stderr, "hostdevs-probe: %s: %s\n", argv[1], why);
        return 2;
    }
    drop_xen_uart(fdt, argv[2]);
    if (hostdevs_check(fdt, bytes, argv[1], argv[2], &dc, &err) < 0)
        printf("%s\n", err.msg);
    else
        printf("accepted\n");
    free(fdt);
    return 0;
}
