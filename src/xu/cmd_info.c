/* The commands that only look: xu list, xu config_list, and xstat. */
#include <inttypes.h>
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
        unsigned count = sizeof(buf);

        if (hv_xen_log_read(hv, buf, &count, &index, err) < 0)
            return -1;
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
    struct hv_version v;

    (void)argc;
    (void)argv;
    if (hv_version(hv, &v, err) < 0)
        return -1;
    printf("XEN version %d.%d%s\n", v.major, v.minor, v.extra);
    return 0;
}

int cmd_xstat_physinfo(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    struct hv_physinfo info;

    (void)argc;
    (void)argv;
    if (hv_physinfo(hv, &info, err) < 0)
        return -1;
    printf("CPUs         : %" PRIu32 "\n", info.nr_cpus);
    printf("CPU freq(kHz): %" PRIu32 "\n", info.cpu_khz);
    printf("Total mem(K) : %" PRIu64 "\n", info.total_kib);
    printf("Free mem(K)  : %" PRIu64 "\n", info.free_kib);
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
