/* Wake-up latency statistics over one reporting period. Pure, for the unit tests. */
#ifndef JITTER_STATS_H
#define JITTER_STATS_H

#include <stdint.h>

struct lat_stats {
    uint64_t n, min_ns, max_ns, sum_ns;
};

void stats_reset(struct lat_stats *s);
void stats_add(struct lat_stats *s, uint64_t ns);
uint64_t stats_avg_ns(const struct lat_stats *s);

#endif
