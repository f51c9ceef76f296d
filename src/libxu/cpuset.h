/*
 * Sets of physical CPUs, written as xl writes them: "all", "2", "1-3",
 * "0,2-3", "^1" (remove), applied left to right to an empty set
 * (xl.cfg(5) `cpus`, `xl vcpu-pin`), and printed as `xl vcpu-list` prints
 * them ("all", "0-1,3", "none").
 */
#ifndef XU_CPUSET_H
#define XU_CPUSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Xen 4.17's NR_CPUS for arm64. */
#define CPUSET_MAX_CPUS 128

struct cpu_set {
    uint64_t bits[CPUSET_MAX_CPUS / 64];
    /*
     * The CPUs the text named by number (not through "all"): each must
     * exist and be in the domain's pool, where "all" means the pool's.
     */
    uint64_t named[CPUSET_MAX_CPUS / 64];
};

/*
 * Parses `text` into *out. On error returns -1 and writes why (naming the
 * part of `text` at fault) to why[why_bytes]. "all" means every CPU the set
 * can hold; the caller checks the set against the machine.
 */
int cpuset_parse(const char *text, struct cpu_set *out, char *why, size_t why_bytes);

bool cpuset_has(const struct cpu_set *s, unsigned cpu);
void cpuset_add(struct cpu_set *s, unsigned cpu);
bool cpuset_is_empty(const struct cpu_set *s);
/* The lowest CPU of `s` that is not in `of`; -1 if every one is. */
int cpuset_first_outside(const struct cpu_set *s, const struct cpu_set *of);
/* The lowest CPU `s` names by number that is not in `of`; -1 if every one is. */
int cpuset_first_named_outside(const struct cpu_set *s, const struct cpu_set *of);
/* Whether `s` and `of` share a CPU. */
bool cpuset_meets(const struct cpu_set *s, const struct cpu_set *of);

/*
 * `s` over CPUs 0 .. n_cpus - 1 as xl prints a CPU map: "all" when every one
 * from 0 up is set, "none" when none is, else ranges ("0-1,3"). Returns the
 * length written (truncated to out_bytes - 1), as snprintf.
 */
int cpuset_format(const struct cpu_set *s, unsigned n_cpus, char *out, size_t out_bytes);

/* As bytes of a Xen CPU map (bit i of byte i / 8 is CPU i), `map_bytes` long. */
void cpuset_to_map(const struct cpu_set *s, uint8_t *map, size_t map_bytes);
void cpuset_from_map(struct cpu_set *s, const uint8_t *map, size_t map_bytes);

#endif
