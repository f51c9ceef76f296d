/*
 * Where vCPUs run: the machine's CPUs, a CPU pool's, a vCPU's hard and soft
 * affinity, and `xl vcpu-list`'s rows. Target only: it links libxenctrl.
 */
#ifndef XU_VCPU_H
#define XU_VCPU_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpuset.h"
#include "err.h"
#include "hv.h"

/* The number of CPU ids the machine has (its highest + 1), as xl counts them. */
int vcpu_machine_cpus(struct hv *hv, unsigned *n_cpus, struct xu_err *err);

/*
 * Refuses a set with a CPU the machine lacks or pool `poolid` does not
 * hold; the message starts with `where` ("guest.cfg:4: cpus").
 */
int vcpu_check_cpus(struct hv *hv, uint32_t poolid, const struct cpu_set *cpus, const char *where,
                    struct xu_err *err);

/* Sets vCPU `vcpu`'s hard affinity, soft affinity, or both (a NULL set is left as it is). */
int vcpu_set_affinity(struct hv *hv, uint32_t domid, unsigned vcpu, const struct cpu_set *hard,
                      const struct cpu_set *soft, struct xu_err *err);

/* `xl vcpu-list`: its header, and one domain's rows, byte for byte. */
void vcpu_list_header(FILE *out);
int vcpu_list_domain(struct hv *hv, FILE *out, uint32_t domid, unsigned n_cpus, struct xu_err *err);

#endif
