#include "stats.h"

void stats_reset(struct lat_stats *s)
{
    *s = (struct lat_stats){.min_ns = UINT64_MAX};
}

void stats_add(struct lat_stats *s, uint64_t ns)
{
    s->n++;
    s->sum_ns += ns;
    if (ns < s->min_ns)
        s->min_ns = ns;
    if (ns > s->max_ns)
        s->max_ns = ns;
}

uint64_t stats_avg_ns(const struct lat_stats *s)
{
    return s->n ? s->sum_ns / s->n : 0;
}
