#include "hv.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

int hv_open(struct hv *hv, struct xu_err *err)
{
    memset(hv, 0, sizeof(*hv));
    hv->batch.fd = -1;
    /* libxc and libxenguest report through this; xu prints its own messages. */
    hv->log = (xentoollog_logger *)xtl_createlogger_stdiostream(
        stderr, getenv("XU_DEBUG") ? XTL_DEBUG : XTL_CRITICAL, 0);
    hv->xc = xc_interface_open(hv->log, hv->log, 0);
    if (!hv->xc) {
        int saved = errno; /* hv_close may change it */

        hv_close(hv);
        return xu_fail(err,
                       "cannot open the hypervisor interface (is this Dom0, with "
                       "xen-privcmd loaded?): %s",
                       strerror(saved));
    }
    hv->xs = xs_open(0);
    if (!hv->xs) {
        int saved = errno;

        hv_close(hv);
        return xu_fail(err, "cannot reach xenstored: %s", strerror(saved));
    }
    return 0;
}

void hv_close(struct hv *hv)
{
    xsb_close(&hv->batch);
    if (hv->xs)
        xs_close(hv->xs);
    if (hv->xc)
        xc_interface_close(hv->xc);
    if (hv->log)
        xtl_logger_destroy(hv->log);
    memset(hv, 0, sizeof(*hv));
    hv->batch.fd = -1;
}

struct xsb *hv_batch(struct hv *hv, struct xu_err *err)
{
    if (hv->batch.fd < 0 && xsb_connect(&hv->batch, err) < 0)
        return NULL;
    return &hv->batch;
}

char *hv_xs_read(struct hv *hv, const char *path)
{
    unsigned int len;

    return xs_read(hv->xs, XBT_NULL, path, &len);
}

static void fill(const xc_domaininfo_t *x, struct domain_info *d)
{
    memset(d, 0, sizeof(*d));
    d->domid = x->domain;
    d->flags = x->flags;
    d->tot_pages = x->tot_pages;
    d->outstanding_pages = x->outstanding_pages;
    d->max_pages = x->max_pages;
    d->online_vcpus = x->nr_online_vcpus;
    d->max_vcpu_id = x->max_vcpu_id;
    d->cpupool = x->cpupool;
    d->cpu_time_ns = x->cpu_time;
    d->ssidref = x->ssidref;
}

/*
 * The domains' names, all in one exchange with xenstored: one request a
 * name cost a round trip each (about a millisecond under emulation).
 */
static int read_names(struct hv *hv, struct domain_info *d, size_t n, struct xu_err *err)
{
    struct xsb *b = hv_batch(hv, err);
    char path[64];

    if (!b)
        return -1;
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "/local/domain/%u/name", d[i].domid);
        xsb_read(b, path, d[i].name, sizeof(d[i].name));
    }
    if (xsb_send(b, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        d[i].has_name = d[i].name[0] != '\0';
    return 0;
}

int hv_list(struct hv *hv, struct domain_info *out, size_t max, size_t *n, struct xu_err *err)
{
    xc_domaininfo_t batch[64];
    uint32_t next = 0;

    *n = 0;
    for (;;) {
        int got = xc_domain_getinfolist(hv->xc, next, 64, batch);

        if (got < 0)
            return xu_fail(err, "cannot list domains: %s", strerror(errno));
        for (int i = 0; i < got; i++) {
            if (*n == max)
                return xu_fail(err, "more than %zu domains", max);
            fill(&batch[i], &out[(*n)++]);
        }
        if (got < 64)
            return read_names(hv, out, *n, err);
        next = batch[got - 1].domain + 1;
    }
}

int hv_info(struct hv *hv, uint32_t domid, struct domain_info *out, struct xu_err *err)
{
    xc_domaininfo_t x;
    char path[64], *name;

    if (xc_domain_getinfolist(hv->xc, domid, 1, &x) != 1 || x.domain != domid)
        return xu_fail(err, "no domain %u", domid);
    fill(&x, out);
    /* One name: a request on the usual connection, which may fail to no name. */
    snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    name = hv_xs_read(hv, path);
    if (name) {
        snprintf(out->name, sizeof(out->name), "%s", name);
        out->has_name = true;
        free(name);
    }
    return 0;
}

int hv_resolve(struct hv *hv, const char *id_or_name, uint32_t *domid, struct xu_err *err)
{
    static struct domain_info all[HV_MAX_DOMAINS];
    const char *p = id_or_name;
    size_t n;

    while (isdigit((unsigned char)*p))
        p++;
    if (*id_or_name && !*p) {
        unsigned long v = strtoul(id_or_name, NULL, 10);

        if (v >= DOMID_FIRST_RESERVED)
            return xu_fail(err, "%s: not a domain id", id_or_name);
        *domid = (uint32_t)v;
        return hv_info(hv, *domid, &all[0], err);
    }
    if (hv_list(hv, all, HV_MAX_DOMAINS, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (all[i].has_name && strcmp(all[i].name, id_or_name) == 0) {
            *domid = all[i].domid;
            return 0;
        }
    }
    return xu_fail(err, "no domain named %s (xu list shows them)", id_or_name);
}

int hv_xs_write_all(struct hv *hv, const char *const *pairs, struct xu_err *err)
{
    for (int attempt = 0; attempt < 10; attempt++) {
        xs_transaction_t t = xs_transaction_start(hv->xs);
        const char *const *p = pairs;

        if (t == XBT_NULL)
            return xu_fail(err, "xenstore: cannot start a transaction: %s", strerror(errno));
        while (*p && xs_write(hv->xs, t, p[0], p[1], strlen(p[1])))
            p += 2;
        if (*p) {
            int saved = errno;

            xs_transaction_end(hv->xs, t, true);
            return xu_fail(err, "xenstore: cannot write %s: %s", p[0], strerror(saved));
        }
        if (xs_transaction_end(hv->xs, t, false))
            return 0;
        if (errno != EAGAIN)
            return xu_fail(err, "xenstore: transaction failed: %s", strerror(errno));
    }
    return xu_fail(err, "xenstore: transaction kept conflicting");
}

int hv_new_uuid(uint8_t handle[16], char uuid[37], struct xu_err *err)
{
    if (getrandom(handle, 16, 0) != 16)
        return xu_fail(err, "no random bytes for the domain's UUID: %s", strerror(errno));
    handle[6] = (uint8_t)((handle[6] & 0x0f) | 0x40); /* version 4 */
    handle[8] = (uint8_t)((handle[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(uuid, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             handle[0], handle[1], handle[2], handle[3], handle[4], handle[5], handle[6], handle[7],
             handle[8], handle[9], handle[10], handle[11], handle[12], handle[13], handle[14],
             handle[15]);
    return 0;
}

int hv_pause(struct hv *hv, uint32_t domid, struct xu_err *err)
{
    if (xc_domain_pause(hv->xc, domid) < 0)
        return xu_fail(err, "cannot pause domain %u: %s", domid, strerror(errno));
    return 0;
}

int hv_unpause(struct hv *hv, uint32_t domid, struct xu_err *err)
{
    /* Xen says EINVAL when the domain holds no pause of the toolstack's. */
    if (xc_domain_unpause(hv->xc, domid) < 0)
        return xu_fail(err, "cannot unpause domain %u: %s", domid,
                       errno == EINVAL ? "it is not paused" : strerror(errno));
    return 0;
}

int hv_version(struct hv *hv, struct hv_version *out, struct xu_err *err)
{
    xen_extraversion_t extra;
    int v = xc_version(hv->xc, XENVER_version, NULL);

    if (v < 0 || xc_version(hv->xc, XENVER_extraversion, &extra) < 0)
        return xu_fail(err, "cannot read Xen's version");
    out->major = v >> 16;
    out->minor = v & 0xffff;
    snprintf(out->extra, sizeof(out->extra), "%.*s", (int)sizeof(extra), extra);
    return 0;
}

int hv_physinfo(struct hv *hv, struct hv_physinfo *out, struct xu_err *err)
{
    xc_physinfo_t info = {0};
    int page_bytes = xc_version(hv->xc, XENVER_pagesize, NULL);

    if (page_bytes <= 0)
        return xu_fail(err, "cannot read Xen's page size");
    if (xc_physinfo(hv->xc, &info) < 0)
        return xu_fail(err, "cannot read the host's physinfo: %s", strerror(errno));
    out->nr_cpus = info.nr_cpus;
    out->cpu_khz = info.cpu_khz;
    out->total_kib = info.total_pages * (uint64_t)page_bytes / 1024;
    out->free_kib = info.free_pages * (uint64_t)page_bytes / 1024;
    return 0;
}

int hv_xen_log_read(struct hv *hv, char *buf, unsigned *size_bytes, uint32_t *index,
                    struct xu_err *err)
{
    unsigned int count = *size_bytes;

    if (xc_readconsolering(hv->xc, buf, &count, 0, 1, index) < 0)
        return xu_fail(err, "cannot read Xen's console log");
    *size_bytes = count;
    return 0;
}
