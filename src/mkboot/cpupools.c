#include "cpupools.h"

#include <libfdt.h>
#include <stdio.h>
#include <string.h>

int cpupools_of(const struct platform *p, const struct domain_config *dc)
{
    for (size_t i = 0; i < p->n_cpupools; i++)
        if (strcmp(p->cpupools[i].name, dc->pool) == 0)
            return (int)i;
    return -1;
}

/*
 * Xen numbers the CPUs it brings up from the boot CPU, then the others in
 * the tree's order; on the machines pixen builds for the boot CPU is the
 * first cpu node, so CPU N is the N-th.
 */
static int read_cpus(const void *host, const char *host_name, struct boot_cpupools *out,
                     struct xu_err *err)
{
    int cpus = fdt_path_offset(host, "/cpus"), node;

    if (cpus < 0)
        return xu_fail(err, "%s: no /cpus node", host_name);
    out->n_cpus = 0;
    fdt_for_each_subnode(node, host, cpus)
    {
        const char *type = fdt_getprop(host, node, "device_type", NULL);
        const char *name = fdt_get_name(host, node, NULL);

        if (!type || strcmp(type, "cpu") != 0)
            continue;
        if (out->n_cpus == CPUSET_MAX_CPUS)
            return xu_fail(err, "%s: more than %d CPUs", host_name, CPUSET_MAX_CPUS);
        if (snprintf(out->cpu_paths[out->n_cpus], CPUPOOLS_PATH_BYTES, "/cpus/%s", name) >=
            CPUPOOLS_PATH_BYTES)
            return xu_fail(err, "%s: /cpus/%s: name too long", host_name, name);
        out->n_cpus++;
    }
    return 0;
}

static int check_pool_cpus(const struct platform *p, const struct platform_cpupool *pool,
                           const void *host, const char *host_name, const struct boot_cpupools *out,
                           struct xu_err *err)
{
    for (unsigned c = 0; c < CPUSET_MAX_CPUS; c++) {
        if (!cpuset_has(&pool->cpus, c))
            continue;
        if (c >= out->n_cpus)
            return xu_fail(err,
                           "%s:%u: cpupools: pool %s: CPU %u: the machine has CPUs 0-%u (the "
                           "cpu nodes of %s)",
                           p->source, pool->line, pool->name, c, out->n_cpus - 1, host_name);
        /* cpupool-cpus names CPUs by phandle, which boot.scr reads from the tree. */
        if (!fdt_get_phandle(host, fdt_path_offset(host, out->cpu_paths[c])))
            return xu_fail(err, "%s:%u: cpupools: pool %s: %s has no phandle in %s to name it by",
                           p->source, pool->line, pool->name, out->cpu_paths[c], host_name);
    }
    return 0;
}

/* What Xen would start yet never run, or refuse only once booting. */
static int check_domain_pool(const struct platform *p, const struct domain_config *dc,
                             const struct domain_config *configs, unsigned n_domains,
                             struct xu_err *err)
{
    const struct platform_cpupool *pool;
    unsigned vcpus = 0, cpus = 0;
    char names[PLATFORM_MAX_CPUPOOLS * (PLATFORM_POOL_NAME_BYTES + 2)] = "";

    if (!dc->pool[0] || strcmp(dc->pool, "Pool-0") == 0)
        return 0;
    pool = platform_cpupool(p, dc->pool);
    if (!pool) {
        for (size_t i = 0; i < p->n_cpupools; i++)
            snprintf(names + strlen(names), sizeof(names) - strlen(names), ", %s",
                     p->cpupools[i].name);
        return xu_fail(err, "%s:%u: pool: \"%s\": no such CPU pool (%s makes Pool-0%s)", dc->source,
                       dc->pool_line, dc->pool, p->source, names);
    }
    if (strcmp(pool->sched, "arinc653") == 0)
        return xu_fail(err,
                       "%s:%u: pool: %s: Xen 4.17's ARINC 653 scheduler runs only the domains "
                       "its schedule names, which no one sets at boot",
                       dc->source, dc->pool_line, pool->name);
    if (strcmp(pool->sched, "null") != 0)
        return 0;
    for (unsigned i = 0; i < n_domains; i++)
        if (strcmp(configs[i].pool, pool->name) == 0)
            vcpus += configs[i].vcpus;
    for (unsigned c = 0; c < CPUSET_MAX_CPUS; c++)
        cpus += cpuset_has(&pool->cpus, c);
    if (vcpus > cpus)
        return xu_fail(err,
                       "%s:%u: pool: %s: the null scheduler gives each vCPU a CPU of its own, and "
                       "the domains Xen starts in it at boot have %u vCPUs for its %u CPUs "
                       "(%s:%u)",
                       dc->source, dc->pool_line, pool->name, vcpus, cpus, p->source, pool->line);
    return 0;
}

int cpupools_plan(const struct platform *p, const void *host, const char *host_name,
                  const struct domain_config *dom0, const struct domain_config *configs,
                  unsigned n_domains, struct boot_cpupools *out, struct xu_err *err)
{
    memset(out, 0, sizeof(*out));
    if (dom0->pool[0] && strcmp(dom0->pool, "Pool-0") != 0)
        return xu_fail(err, "%s:%u: pool: Dom0 runs in Pool-0, with Xen's boot CPU", dom0->source,
                       dom0->pool_line);
    for (unsigned i = 0; i < n_domains; i++)
        if (check_domain_pool(p, &configs[i], configs, n_domains, err) < 0)
            return -1;
    if (!p->n_cpupools)
        return 0;
    if (!host)
        return xu_fail(err,
                       "%s:%u: cpupools: mkboot needs the host device tree (--host-dtb) to "
                       "name the pools' CPUs",
                       p->source, p->cpupools[0].line);
    if (fdt_get_max_phandle(host) >= CPUPOOLS_PHANDLE_BASE)
        return xu_fail(err, "%s: a phandle at 0x%x or above, where boot.scr numbers CPU pools",
                       host_name, CPUPOOLS_PHANDLE_BASE);
    if (read_cpus(host, host_name, out, err) < 0)
        return -1;
    for (size_t i = 0; i < p->n_cpupools; i++)
        if (check_pool_cpus(p, &p->cpupools[i], host, host_name, out, err) < 0)
            return -1;
    return 0;
}
