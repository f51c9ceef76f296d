/* Where vCPUs run: xu vcpu-list and xu vcpu-pin, as xl's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "cpuset.h"
#include "vcpu.h"

static struct domain_info domains[HV_MAX_DOMAINS];

int cmd_vcpu_list(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    unsigned n_cpus;
    size_t n;

    if (vcpu_machine_cpus(hv, &n_cpus, err) < 0 ||
        domains_named(hv, argc, argv, domains, &n, err) < 0)
        return -1;
    vcpu_list_header(stdout);
    for (size_t i = 0; i < n; i++)
        if (vcpu_list_domain(hv, stdout, domains[i].domid, n_cpus, err) < 0)
            return -1;
    return 0;
}

/* A set of vcpu-pin's: "-" leaves the affinity as it is (NULL). */
static int pin_set(const char *text, const char *what, struct cpu_set *set,
                   const struct cpu_set **out, struct xu_err *err)
{
    char why[256];

    *out = NULL;
    if (strcmp(text, "-") == 0)
        return 0;
    if (cpuset_parse(text, set, why, sizeof(why)) < 0)
        return xu_fail(err, "vcpu-pin: %s affinity: %s", what, why);
    *out = set;
    return 0;
}

int cmd_vcpu_pin(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    struct cpu_set hard_set, soft_set;
    const struct cpu_set *hard, *soft;
    struct domain_info d;
    unsigned first, last;
    uint32_t domid;
    char *end;

    if (hv_resolve(hv, argv[0], &domid, err) < 0 || hv_info(hv, domid, &d, err) < 0)
        return -1;
    if (strcmp(argv[1], "all") == 0) {
        first = 0;
        last = d.max_vcpu_id;
    } else {
        unsigned long v = strtoul(argv[1], &end, 10);

        if (end == argv[1] || *end || argv[1][0] == '-' || v > d.max_vcpu_id)
            return xu_fail(err, "vcpu-pin: \"%s\" is not a vCPU of %s (0-%u, or all)", argv[1],
                           argv[0], d.max_vcpu_id);
        first = last = (unsigned)v;
    }
    if (pin_set(argv[2], "hard", &hard_set, &hard, err) < 0 ||
        pin_set(argc > 3 ? argv[3] : "-", "soft", &soft_set, &soft, err) < 0)
        return -1;
    /* Checked before anything changes: a CPU the domain's pool lacks is refused. */
    if (hard && vcpu_check_cpus(hv, d.cpupool, hard, "vcpu-pin: hard affinity", err) < 0)
        return -1;
    if (soft && vcpu_check_cpus(hv, d.cpupool, soft, "vcpu-pin: soft affinity", err) < 0)
        return -1;
    for (unsigned v = first; v <= last; v++)
        if (vcpu_set_affinity(hv, domid, v, hard, soft, err) < 0)
            return -1;
    return 0;
}
