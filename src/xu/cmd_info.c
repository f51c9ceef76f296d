/* The commands that only look: xu list, xu config_list, and xstat. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "domlist.h"
#include "registry.h"

static struct domain_info domains[HV_MAX_DOMAINS];

int domains_named(struct hv *hv, int argc, char **argv, struct domain_info *out, size_t *n,
                  struct xu_err *err)
{
    *n = 0;
    /* Like xl: with arguments, just those domains, in the order given. */
    for (int i = 0; i < argc && i < HV_MAX_DOMAINS; i++) {
        uint32_t domid;

        if (hv_resolve(hv, argv[i], &domid, err) < 0 || hv_info(hv, domid, &out[(*n)++], err) < 0)
            return -1;
    }
    if (argc == 0 && hv_list(hv, out, HV_MAX_DOMAINS, n, err) < 0)
        return -1;
    return 0;
}

int cmd_list(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    size_t n;

    if (domains_named(hv, argc, argv, domains, &n, err) < 0)
        return -1;
    domlist_header(stdout);
    for (size_t i = 0; i < n; i++)
        domlist_row(stdout, &domains[i]);
    return 0;
}

/* Xen's console ring, read in pieces from its start, as xl dmesg reads it. */
int cmd_dmesg(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    static char buf[16384];
    uint32_t index = 0;

    (void)argc;
    (void)argv;
    for (;;) {
        unsigned int count = sizeof(buf);

        if (xc_readconsolering(hv->xc, buf, &count, 0, 1, &index) < 0)
            return xu_fail(err, "cannot read Xen's console log");
        if (count == 0)
            break;
        if (fwrite(buf, 1, count, stdout) != count)
            return xu_fail(err, "write error");
    }
    return 0;
}

int cmd_config_list(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    static char names[REGISTRY_MAX][REGISTRY_NAME_BYTES];
    size_t n;

    (void)hv;
    (void)argc;
    (void)argv;
    if (registry_list(REGISTRY_DIR, names, REGISTRY_MAX, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        puts(names[i]);
    return 0;
}

int cmd_xstat_version(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    xen_extraversion_t extra;
    int v = xc_version(hv->xc, XENVER_version, NULL);

    (void)argc;
    (void)argv;
    if (v < 0 || xc_version(hv->xc, XENVER_extraversion, &extra) < 0)
        return xu_fail(err, "cannot read Xen's version");
    printf("XEN version %d.%d%s\n", v >> 16, v & 0xffff, extra);
    return 0;
}

int cmd_xstat_physinfo(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    xc_physinfo_t info = {0};
    unsigned long page_kib;

    (void)argc;
    (void)argv;
    if (xc_physinfo(hv->xc, &info) < 0)
        return xu_fail(err, "cannot read the host's physinfo");
    page_kib = (unsigned long)xc_version(hv->xc, XENVER_pagesize, NULL) / 1024;
    printf("CPUs         : %u\n", info.nr_cpus);
    printf("CPU freq(kHz): %u\n", info.cpu_khz);
    printf("Total mem(K) : %llu\n", (unsigned long long)info.total_pages * page_kib);
    printf("Free mem(K)  : %llu\n", (unsigned long long)info.free_pages * page_kib);
    return 0;
}

int cmd_xstat_stat(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    size_t n;

    (void)argc;
    (void)argv;
    if (hv_list(hv, domains, HV_MAX_DOMAINS, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        xstat_domain(stdout, (unsigned)i, &domains[i]);
    return 0;
}

int cmd_xstat_top(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    if (cmd_xstat_version(hv, argc, argv, err) < 0 || cmd_xstat_physinfo(hv, argc, argv, err) < 0)
        return -1;
    return cmd_xstat_stat(hv, argc, argv, err);
}
