/*
 * The hypervisor and xenstore as xu uses them: one handle for each, domain
 * information in the toolstack's terms, and ids or names resolved to ids.
 * Target only: it links Xen's libraries.
 */
#ifndef XU_HV_H
#define XU_HV_H

#include <stddef.h>
#include <stdint.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "domlist.h"
#include "err.h"
#include "xsbatch.h"

#define HV_MAX_DOMAINS 256

struct hv {
    xc_interface *xc;
    struct xs_handle *xs;
    struct xsb batch; /* see hv_batch */
    xentoollog_logger *log;
};

int hv_open(struct hv *hv, struct xu_err *err);
void hv_close(struct hv *hv);

/* All domains, ascending by id, with their names from xenstore. */
int hv_list(struct hv *hv, struct domain_info *out, size_t max, size_t *n, struct xu_err *err);
/* One domain; fails with "no domain N" when it does not exist. */
int hv_info(struct hv *hv, uint32_t domid, struct domain_info *out, struct xu_err *err);
/* "3" is a domain id, anything else a name. */
int hv_resolve(struct hv *hv, const char *id_or_name, uint32_t *domid, struct xu_err *err);

/*
 * A second connection to xenstored's socket, for writes sent in batches
 * (xsbatch.h), made on first use: a driver domain, which has no such socket,
 * never asks for it.
 */
struct xsb *hv_batch(struct hv *hv, struct xu_err *err);

/* Holds the domain (Xen counts the holds: each pause wants its unpause). */
int hv_pause(struct hv *hv, uint32_t domid, struct xu_err *err);
int hv_unpause(struct hv *hv, uint32_t domid, struct xu_err *err);

/* Xen's release, as xl info has it: 4, 17, ".5" */
struct hv_version {
    int major, minor;
    char extra[16];
};
int hv_version(struct hv *hv, struct hv_version *out, struct xu_err *err);

/* The host as Xen sees it, memory in KiB (Xen counts pages). */
struct hv_physinfo {
    uint32_t nr_cpus, cpu_khz;
    uint64_t total_kib, free_kib;
};
int hv_physinfo(struct hv *hv, struct hv_physinfo *out, struct xu_err *err);

/*
 * The next part of Xen's console log from *index on (0 at first): up to
 * *size_bytes into buf, *size_bytes set to what came (0: the end).
 */
int hv_xen_log_read(struct hv *hv, char *buf, unsigned *size_bytes, uint32_t *index,
                    struct xu_err *err);

/* A new random (version 4) domain handle, and its text form. */
int hv_new_uuid(uint8_t handle[16], char uuid[37], struct xu_err *err);

/* A xenstore value as a malloc'ed string, or NULL when the node is absent. */
char *hv_xs_read(struct hv *hv, const char *path);
/* Writes each "path", "value" pair of a NULL-terminated list in one transaction. */
int hv_xs_write_all(struct hv *hv, const char *const *pairs, struct xu_err *err);

#endif
