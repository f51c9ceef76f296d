/*
 * A domain's nodes in xenstore, as Linux front-ends, xenconsoled and xenstored
 * expect them (the layout libxl writes): /local/domain/N, /vm/UUID, the
 * console, and xu's own record of the domain under /xu/N. Target only.
 */
#ifndef XU_DOMXS_H
#define XU_DOMXS_H

#include <stdbool.h>
#include <stdint.h>

#include "domcfg.h"
#include "err.h"
#include "hv.h"

#define DOMXS_CONSOLE_LIMIT "1048576" /* bytes xenconsoled buffers for a slow reader */

/* A domain's xenstore ring: its page, its event channel, and the memory its balloon aims at. */
struct domxs_store {
    uint64_t pfn;
    uint32_t port;
    uint64_t
        target_kib; /* the memory the domain's kernel has; its balloon driver works towards it */
};

/*
 * /local/domain/N (its memory, vCPUs and store ring among it), /vm/UUID and
 * /xu/N, with their permissions, in one exchange with xenstored: made once
 * the domain exists and before it can run.
 */
int domxs_create(struct hv *hv, uint32_t domid, const struct domain_config *dc,
                 const char *config_path, const char *uuid, const struct domxs_store *store,
                 struct xu_err *err);
/* Hands the domain's store ring to xenstored: the domain may use xenstore from then on. */
int domxs_introduce(struct hv *hv, uint32_t domid, const struct domxs_store *store,
                    struct xu_err *err);
/*
 * The console's nodes (xu monitor serves it, conserve.h) and the vuart's
 * (xenconsoled serves that); then, with
 * `introduce`, the domain handed to xenstored in the same exchange (see
 * domxs_introduce).
 */
int domxs_console(struct hv *hv, uint32_t domid, uint32_t console_port, int vuart_port,
                  const struct domxs_store *introduce, struct xu_err *err);
/* Removes everything above; quiet about nodes that are already gone. */
void domxs_remove(struct hv *hv, uint32_t domid);

/* The value of /xu/N/KEY, or NULL (malloc'ed). */
char *domxs_xu_read(struct hv *hv, uint32_t domid, const char *key);
/* Sets /xu/N/KEY, quietly: a record that cannot be written is one xu lives without. */
void domxs_xu_write(struct hv *hv, uint32_t domid, const char *key, const char *value);

/* The value of the domain's console/KEY (type, tty), or NULL (malloc'ed). */
char *domxs_console_read(struct hv *hv, uint32_t domid, const char *key);

/* Asks a PV-aware guest to shut down (control/shutdown = "poweroff"). */
int domxs_request_poweroff(struct hv *hv, uint32_t domid, struct xu_err *err);
/* Whether the guest has taken the request (it empties the node when it does). */
bool domxs_poweroff_taken(struct hv *hv, uint32_t domid);

/*
 * A backend domain's xu devd says it serves in its own data/ folder (the one
 * folder of a domain's that it may write), which Dom0 reads.
 */
#define DOMXS_DEVD_DIR     "data"
#define DOMXS_DEVD_KEY     "xu-devd"
#define DOMXS_DEVD_SERVING "serving"
bool domxs_devd_serving(struct hv *hv, uint32_t domid);

#endif
