#include "vcpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpupool.h"
#include "domlist.h"

int vcpu_machine_cpus(struct hv *hv, unsigned *n_cpus, struct xu_err *err)
{
    xc_physinfo_t info = {0};

    if (xc_physinfo(hv->xc, &info) < 0)
        return xu_fail(err, "cannot ask Xen about its CPUs: %s", strerror(errno));
    *n_cpus = info.max_cpu_id + 1;
    return 0;
}

int vcpu_check_cpus(struct hv *hv, uint32_t poolid, const struct cpu_set *cpus, const char *where,
                    struct xu_err *err)
{
    static struct cpupool pools[CPUPOOL_MAX];
    const struct cpupool *pool = NULL;
    struct cpu_set machine;
    char have[256];
    unsigned n_cpus, n_pools;
    int cpu;

    if (vcpu_machine_cpus(hv, &n_cpus, err) < 0 ||
        cpupool_list(hv, pools, CPUPOOL_MAX, &n_pools, err) < 0)
        return -1;
    for (unsigned i = 0; i < n_pools && !pool; i++)
        if (pools[i].id == poolid)
            pool = &pools[i];
    if (!pool)
        return xu_fail(err, "%s: no CPU pool %u", where, poolid);
    memset(&machine, 0, sizeof(machine));
    for (unsigned i = 0; i < n_cpus; i++)
        cpuset_add(&machine, i);
    /* A CPU named must be one the domain can run on; "all" is its pool's. */
    cpu = cpuset_first_named_outside(cpus, &machine);
    if (cpu >= 0)
        return xu_fail(err, "%s: CPU %d: the machine has CPUs 0-%u", where, cpu, n_cpus - 1);
    cpuset_format(&pool->cpus, n_cpus, have, sizeof(have));
    cpu = cpuset_first_named_outside(cpus, &pool->cpus);
    if (cpu >= 0)
        return xu_fail(err, "%s: CPU %d is not in the domain's CPU pool (%s: CPUs %s)", where, cpu,
                       pool->name, have);
    if (!cpuset_meets(cpus, &pool->cpus))
        return xu_fail(err, "%s: no CPU of the domain's CPU pool (%s: CPUs %s) is left", where,
                       pool->name, have);
    return 0;
}

int vcpu_set_affinity(struct hv *hv, uint32_t domid, unsigned vcpu, const struct cpu_set *hard,
                      const struct cpu_set *soft, struct xu_err *err)
{
    xc_cpumap_t hard_map = xc_cpumap_alloc(hv->xc), soft_map = xc_cpumap_alloc(hv->xc);
    int map_bytes = xc_get_cpumap_size(hv->xc), rc = 0;
    uint32_t flags = (hard ? XEN_VCPUAFFINITY_HARD : 0) | (soft ? XEN_VCPUAFFINITY_SOFT : 0);

    if (!hard_map || !soft_map || map_bytes <= 0) {
        rc = xu_fail(err, "out of memory");
    } else if (flags) {
        if (hard)
            cpuset_to_map(hard, hard_map, (size_t)map_bytes);
        if (soft)
            cpuset_to_map(soft, soft_map, (size_t)map_bytes);
        if (xc_vcpu_setaffinity(hv->xc, domid, (int)vcpu, hard_map, soft_map, flags) < 0)
            rc = xu_fail(err, "Xen refused vCPU %u's affinity: %s", vcpu, strerror(errno));
    }
    free(hard_map);
    free(soft_map);
    return rc;
}

void vcpu_list_header(FILE *out)
{
    fprintf(out, "%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)",
            "Affinity (Hard / Soft)");
}

int vcpu_list_domain(struct hv *hv, FILE *out, uint32_t domid, unsigned n_cpus, struct xu_err *err)
{
    xc_cpumap_t hard_map = xc_cpumap_alloc(hv->xc), soft_map = xc_cpumap_alloc(hv->xc);
    int map_bytes = xc_get_cpumap_size(hv->xc), rc = 0;
    struct domain_info d;

    if (!hard_map || !soft_map || map_bytes <= 0) {
        rc = xu_fail(err, "out of memory");
        goto out;
    }
    if (hv_info(hv, domid, &d, err) < 0) {
        rc = -1;
        goto out;
    }
    for (unsigned v = 0; v <= d.max_vcpu_id; v++) {
        xc_vcpuinfo_t info = {0};
        struct cpu_set hard, soft;
        char hard_text[512], soft_text[512];

        if (xc_vcpu_getinfo(hv->xc, domid, v, &info) < 0 ||
            xc_vcpu_getaffinity(hv->xc, domid, (int)v, hard_map, soft_map,
                                XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT) < 0) {
            rc = xu_fail(err, "cannot read vCPU %u of domain %u: %s", v, domid, strerror(errno));
            goto out;
        }
        cpuset_from_map(&hard, hard_map, (size_t)map_bytes);
        cpuset_from_map(&soft, soft_map, (size_t)map_bytes);
        cpuset_format(&hard, n_cpus, hard_text, sizeof(hard_text));
        cpuset_format(&soft, n_cpus, soft_text, sizeof(soft_text));
        /* xl's columns: name, id, vCPU, CPU, state (r/b, p when offline), seconds, maps. */
        fprintf(out, "%-32s %5u %5u", d.has_name ? d.name : "(null)", domid, v);
        if (!info.online)
            fprintf(out, "%5c %3c%cp ", '-', '-', '-');
        else
            fprintf(out, "%5u %3c%c- ", info.cpu, info.running ? 'r' : '-',
                    info.blocked ? 'b' : '-');
        fprintf(out, "%9.1f  %s / %s\n", (float)info.cpu_time / 1e9, hard_text, soft_text);
    }
out:
    free(hard_map);
    free(soft_map);
    return rc;
}
