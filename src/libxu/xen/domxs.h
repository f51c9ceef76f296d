/*
 * A domain's nodes in xenstore, as Linux front-ends, xenconsoled and xenstored
 * expect them (the layout libxl writes): /local/domain/N, /vm/UUID, the
 * console, and xu's own record of the domain under /xu/N. Target only.
 */
#ifndef XU_DOMXS_H
#define XU_DOMXS_H

#include <stdint.h>

#include "domcfg.h"
#include "err.h"
#include "hv.h"

#define DOMXS_CONSOLE_LIMIT "1048576" /* bytes xenconsoled buffers for a slow reader */

/* /local/domain/N, /vm/UUID and /xu/N, with their permissions: made right after creation. */
int domxs_create(struct hv *hv, uint32_t domid, const struct domain_config *dc,
                 const char *config_path, const char *uuid, struct xu_err *err);
/*
 * Memory, vCPUs and the store ring (its page and event channel): once the
 * image is built. target_kib: the memory the domain's kernel has; its
 * balloon driver works towards it.
 */
int domxs_built(struct hv *hv, uint32_t domid, const struct domain_config *dc, uint32_t store_port,
                uint64_t store_pfn, uint64_t target_kib, struct xu_err *err);
/* The console (and vuart) nodes that xenconsoled serves. */
int domxs_console(struct hv *hv, uint32_t domid, uint32_t console_port, int vuart_port,
                  struct xu_err *err);
/* Removes everything above; quiet about nodes that are already gone. */
void domxs_remove(struct hv *hv, uint32_t domid);

/* The value of /xu/N/KEY, or NULL (malloc'ed). */
char *domxs_xu_read(struct hv *hv, uint32_t domid, const char *key);

#endif
