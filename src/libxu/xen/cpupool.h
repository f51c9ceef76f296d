/*
 * Xen's CPU pools as the toolstack names them (xenstore's
 * /local/pool/ID/name, which Dom0's init writes for Pool-0), and
 * `xl cpupool-list`'s output. Target only: it links libxenctrl.
 */
#ifndef XU_CPUPOOL_H
#define XU_CPUPOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpuset.h"
#include "err.h"
#include "hv.h"

#define CPUPOOL_MAX        64
#define CPUPOOL_NAME_BYTES 64

struct cpupool {
    uint32_t id;
    char name[CPUPOOL_NAME_BYTES]; /* "" when xenstore names it not */
    uint32_t sched_id;             /* XEN_SCHEDULER_* */
    uint32_t n_dom;
    struct cpu_set cpus;
};

/* Every pool, ascending by id. */
int cpupool_list(struct hv *hv, struct cpupool *out, unsigned max, unsigned *n, struct xu_err *err);
/* The pool named `name`; fails naming the pools there are. */
int cpupool_by_name(struct hv *hv, const char *name, struct cpupool *out, struct xu_err *err);
/* Names the pool where xl and xu look its name up (Xen keeps pools by id alone). */
int cpupool_set_name(struct hv *hv, const struct cpupool *pool, const char *name,
                     struct xu_err *err);
/* Moves the domain into the pool (Xen refuses Dom0, and a pool without CPUs). */
int cpupool_move(struct hv *hv, const struct cpupool *pool, uint32_t domid, struct xu_err *err);
/* The scheduler's name as xl prints it ("credit2", "null", ...). */
const char *cpupool_sched_name(uint32_t sched_id);

/* `xl cpupool-list [-c]`: its header and one pool's row, byte for byte. */
void cpupool_list_header(FILE *out, bool cpus);
void cpupool_list_row(FILE *out, const struct cpupool *p, bool cpus);

#endif
