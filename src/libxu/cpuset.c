#include "cpuset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cpuset_has(const struct cpu_set *s, unsigned cpu)
{
    return cpu < CPUSET_MAX_CPUS && (s->bits[cpu / 64] >> (cpu % 64) & 1);
}

void cpuset_add(struct cpu_set *s, unsigned cpu)
{
    if (cpu < CPUSET_MAX_CPUS)
        s->bits[cpu / 64] |= (uint64_t)1 << (cpu % 64);
}

static void cpuset_remove(struct cpu_set *s, unsigned cpu)
{
    if (cpu < CPUSET_MAX_CPUS) {
        s->bits[cpu / 64] &= ~((uint64_t)1 << (cpu % 64));
        s->named[cpu / 64] &= ~((uint64_t)1 << (cpu % 64));
    }
}

static void cpuset_name(struct cpu_set *s, unsigned cpu)
{
    cpuset_add(s, cpu);
    if (cpu < CPUSET_MAX_CPUS)
        s->named[cpu / 64] |= (uint64_t)1 << (cpu % 64);
}

bool cpuset_is_empty(const struct cpu_set *s)
{
    for (size_t i = 0; i < sizeof(s->bits) / sizeof(s->bits[0]); i++)
        if (s->bits[i])
            return false;
    return true;
}

int cpuset_first_outside(const struct cpu_set *s, const struct cpu_set *of)
{
    for (unsigned cpu = 0; cpu < CPUSET_MAX_CPUS; cpu++)
        if (cpuset_has(s, cpu) && !cpuset_has(of, cpu))
            return (int)cpu;
    return -1;
}

int cpuset_first_named_outside(const struct cpu_set *s, const struct cpu_set *of)
{
    for (unsigned cpu = 0; cpu < CPUSET_MAX_CPUS; cpu++)
        if ((s->named[cpu / 64] >> (cpu % 64) & 1) && !cpuset_has(of, cpu))
            return (int)cpu;
    return -1;
}

bool cpuset_meets(const struct cpu_set *s, const struct cpu_set *of)
{
    for (size_t i = 0; i < sizeof(s->bits) / sizeof(s->bits[0]); i++)
        if (s->bits[i] & of->bits[i])
            return true;
    return false;
}

/* A CPU number: decimal digits only, below CPUSET_MAX_CPUS. */
static int read_cpu(const char *p, const char **end, unsigned *cpu)
{
    unsigned long v = 0;
    const char *q = p;

    while (*q >= '0' && *q <= '9') {
        v = v * 10 + (unsigned long)(*q - '0');
        if (v >= CPUSET_MAX_CPUS)
            return -1;
        q++;
    }
    if (q == p)
        return -1;
    *end = q;
    *cpu = (unsigned)v;
    return 0;
}

/* One comma-separated part: "all", "N", "N-M", each maybe after "^". */
static int apply_part(const char *part, size_t len, struct cpu_set *s, char *why, size_t why_bytes)
{
    bool remove = len > 0 && part[0] == '^';
    const char *p = part + remove, *end = part + len, *q;
    unsigned first, last;

    if ((size_t)(end - p) == 3 && memcmp(p, "all", 3) == 0) {
        if (remove) {
            snprintf(why, why_bytes, "\"%.*s\": \"^\" cannot take \"all\"", (int)len, part);
            return -1;
        }
        memset(s->bits, 0xff, sizeof(s->bits));
        return 0;
    }
    if ((size_t)(end - p) >= 5 && memcmp(p, "node", 4) == 0) {
        snprintf(why, why_bytes, "\"%.*s\": Xen on Arm has no NUMA nodes; name CPUs", (int)len,
                 part);
        return -1;
    }
    if (read_cpu(p, &q, &first) < 0 || q > end)
        goto bad;
    last = first;
    if (q < end && *q == '-' && (read_cpu(q + 1, &q, &last) < 0 || q > end || last < first))
        goto bad;
    if (q != end)
        goto bad;
    for (unsigned cpu = first; cpu <= last; cpu++) {
        if (remove)
            cpuset_remove(s, cpu);
        else
            cpuset_name(s, cpu);
    }
    return 0;
bad:
    snprintf(why, why_bytes,
             "\"%.*s\" is not a CPU, a range of CPUs (\"1-3\", ascending) or \"all\", each maybe "
             "after \"^\", of CPUs below %d",
             (int)len, part, CPUSET_MAX_CPUS);
    return -1;
}

int cpuset_parse(const char *text, struct cpu_set *out, char *why, size_t why_bytes)
{
    const char *p = text;

    memset(out, 0, sizeof(*out));
    if (*text == '\0') {
        snprintf(why, why_bytes, "empty: name CPUs (\"1\", \"0-3\", \"all\")");
        return -1;
    }
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);

        if (apply_part(p, len, out, why, why_bytes) < 0)
            return -1;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (cpuset_is_empty(out)) {
        snprintf(why, why_bytes,
                 "\"%s\" leaves no CPU (\"^N\" removes from what comes before it: "
                 "\"all,^0\")",
                 text);
        return -1;
    }
    return 0;
}

int cpuset_format(const struct cpu_set *s, unsigned n_cpus, char *out, size_t out_bytes)
{
    size_t used = 0;
    int total = 0;
    bool any = false;

    if (out_bytes)
        out[0] = '\0';
    if (n_cpus > CPUSET_MAX_CPUS)
        n_cpus = CPUSET_MAX_CPUS;
    for (unsigned cpu = 0; cpu < n_cpus;) {
        unsigned last = cpu;
        int n;

        if (!cpuset_has(s, cpu)) {
            cpu++;
            continue;
        }
        while (last + 1 < n_cpus && cpuset_has(s, last + 1))
            last++;
        /* xl prints a map set from CPU 0 to its last as "all". */
        if (cpu == 0 && last == n_cpus - 1)
            return snprintf(out, out_bytes, "all");
        n = last > cpu ? snprintf(out + used, out_bytes > used ? out_bytes - used : 0, "%s%u-%u",
                                  any ? "," : "", cpu, last)
                       : snprintf(out + used, out_bytes > used ? out_bytes - used : 0, "%s%u",
                                  any ? "," : "", cpu);
        total += n;
        used = (size_t)total < out_bytes ? (size_t)total : (out_bytes ? out_bytes - 1 : 0);
        any = true;
        cpu = last + 1;
    }
    if (!any)
        return snprintf(out, out_bytes, "none");
    return total;
}

void cpuset_to_map(const struct cpu_set *s, uint8_t *map, size_t map_bytes)
{
    memset(map, 0, map_bytes);
    for (unsigned cpu = 0; cpu < CPUSET_MAX_CPUS && cpu / 8 < map_bytes; cpu++)
        if (cpuset_has(s, cpu))
            map[cpu / 8] |= (uint8_t)(1u << (cpu % 8));
}

void cpuset_from_map(struct cpu_set *s, const uint8_t *map, size_t map_bytes)
{
    memset(s, 0, sizeof(*s));
    for (unsigned cpu = 0; cpu < CPUSET_MAX_CPUS && cpu / 8 < map_bytes; cpu++)
        if (map[cpu / 8] >> (cpu % 8) & 1)
            cpuset_add(s, cpu);
}
