#include "cpupool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cpupool_list(struct hv *hv, struct cpupool *out, unsigned max, unsigned *n, struct xu_err *err)
{
    int map_bytes = xc_get_cpumap_size(hv->xc);
    uint32_t next = 0;

    *n = 0;
    if (map_bytes <= 0)
        return xu_fail(err, "cannot ask Xen about its CPUs: %s", strerror(errno));
    for (;;) {
        xc_cpupoolinfo_t *info = xc_cpupool_getinfo(hv->xc, next);
        struct cpupool *p = &out[*n];
        char path[48], *name;

        if (!info)
            return 0; /* past the last pool */
        if (*n == max) {
            xc_cpupool_infofree(hv->xc, info);
            return xu_fail(err, "more than %u CPU pools", max);
        }
        memset(p, 0, sizeof(*p));
        p->id = info->cpupool_id;
        p->sched_id = info->sched_id;
        p->n_dom = info->n_dom;
        cpuset_from_map(&p->cpus, info->cpumap, (size_t)map_bytes);
        next = info->cpupool_id + 1;
        xc_cpupool_infofree(hv->xc, info);
        snprintf(path, sizeof(path), "/local/pool/%u/name", p->id);
        name = hv_xs_read(hv, path);
        if (name)
            snprintf(p->name, sizeof(p->name), "%s", name);
        free(name);
        (*n)++;
    }
}

int cpupool_by_name(struct hv *hv, const char *name, struct cpupool *out, struct xu_err *err)
{
    static struct cpupool pools[CPUPOOL_MAX];
    char names[CPUPOOL_MAX * (CPUPOOL_NAME_BYTES + 2)] = "";
    unsigned n;

    if (cpupool_list(hv, pools, CPUPOOL_MAX, &n, err) < 0)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        if (pools[i].name[0] && strcmp(pools[i].name, name) == 0) {
            *out = pools[i];
            return 0;
        }
        if (pools[i].name[0])
            snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                     names[0] ? ", " : "", pools[i].name);
    }
    return xu_fail(err, "no CPU pool named %s (there are: %s)", name, names[0] ? names : "none");
}

const char *cpupool_sched_name(uint32_t sched_id)
{
    switch (sched_id) {
    case XEN_SCHEDULER_CREDIT:
        return "credit";
    case XEN_SCHEDULER_CREDIT2:
        return "credit2";
    case XEN_SCHEDULER_ARINC653:
        return "arinc653";
    case XEN_SCHEDULER_RTDS:
        return "rtds";
    case XEN_SCHEDULER_NULL:
        return "null";
    }
    return "unknown";
}

void cpupool_list_header(FILE *out, bool cpus)
{
    fprintf(out, "%-19s%s\n", "Name", cpus ? "CPU list" : "CPUs   Sched     Active   Domain count");
}

void cpupool_list_row(FILE *out, const struct cpupool *p, bool cpus)
{
    unsigned n = 0;

    fprintf(out, "%-19s", p->name);
    for (unsigned cpu = 0; cpu < CPUSET_MAX_CPUS; cpu++) {
        if (!cpuset_has(&p->cpus, cpu))
            continue;
        if (cpus)
            fprintf(out, "%s%u", n ? "," : "", cpu);
        n++;
    }
    if (!cpus)
        fprintf(out, "%3u %9s       y       %4u", n, cpupool_sched_name(p->sched_id), p->n_dom);
    fputc('\n', out);
}

int cpupool_move(struct hv *hv, const struct cpupool *pool, uint32_t domid, struct xu_err *err)
{
    if (xc_cpupool_movedomain(hv->xc, pool->id, domid) < 0)
        return xu_fail(err, "Xen refused to move domain %u to %s: %s", domid,
                       pool->name[0] ? pool->name : "its pool", strerror(errno));
    return 0;
}

int cpupool_set_name(struct hv *hv, const struct cpupool *pool, const char *name,
                     struct xu_err *err)
{
    char path[48];
    const char *pairs[] = {path, name, NULL};

    snprintf(path, sizeof(path), "/local/pool/%u/name", pool->id);
    return hv_xs_write_all(hv, pairs, err);
}
