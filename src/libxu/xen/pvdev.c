#include "pvdev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <xen/io/xenbus.h>

#include "wait.h"

#define PATH_BYTES 160

enum kind { VIF, VBD };
static const char *const kind_name[] = {"vif", "vbd"};

/* One device of the config, wherever it comes from. */
struct device {
    enum kind kind;
    uint32_t devid;
    uint32_t backend;
    unsigned line;
    const char *what;         /* "vif" or "disk", as the config says */
    const char *backend_name; /* as the config names it */
};

static int resolve_backend(struct hv *hv, const struct domain_config *dc, const char *backend,
                           unsigned line, const char *what, uint32_t guest, uint32_t *id,
                           struct xu_err *err)
{
    char path[PATH_BYTES], *name;

    if (!backend[0] || strcmp(backend, "0") == 0 || strcmp(backend, "Domain-0") == 0)
        return xu_fail(err,
                       "%s:%u: %s: Dom0 serves no PV devices in pixen; name the driver "
                       "domain with backend=DomD",
                       dc->source, line, what);
    if (hv_resolve(hv, backend, id, err) < 0) {
        struct xu_err why = *err;

        if (strstr(why.msg, "no domain"))
            return xu_fail(err, "%s:%u: %s: the backend domain %s is not running", dc->source, line,
                           what, backend);
        return xu_fail(err, "%s:%u: %s: backend %s: %s", dc->source, line, what, backend, why.msg);
    }
    if (*id == guest)
        return xu_fail(err, "%s:%u: %s: a domain cannot be its own backend", dc->source, line,
                       what);
    snprintf(path, sizeof(path), "/local/domain/%u/name", *id);
    name = hv_xs_read(hv, path);
    free(name);
    if (!name)
        return xu_fail(err, "%s:%u: %s: backend %s is not connected to xenstore (xu attach)",
                       dc->source, line, what, backend);
    return 0;
}

/* The config's devices in order; vifs are numbered 0, 1, ... as xl does. */
static int devices(struct hv *hv, const struct domain_config *dc, uint32_t guest,
                   struct device *out, unsigned *n, struct xu_err *err)
{
    *n = 0;
    for (unsigned i = 0; i < dc->n_vifs; i++) {
        struct device *d = &out[(*n)++];

        *d = (struct device){VIF, i, 0, dc->vifs[i].line, "vif", dc->vifs[i].backend};
        if (resolve_backend(hv, dc, dc->vifs[i].backend, d->line, d->what, guest, &d->backend,
                            err) < 0)
            return -1;
    }
    for (unsigned i = 0; i < dc->n_disks; i++) {
        struct device *d = &out[(*n)++];

        *d = (struct device){VBD,    dc->disks[i].devid,  0, dc->disks[i].line,
                             "disk", dc->disks[i].backend};
        if (resolve_backend(hv, dc, dc->disks[i].backend, d->line, d->what, guest, &d->backend,
                            err) < 0)
            return -1;
    }
    return 0;
}

int pvdev_check(struct hv *hv, const struct domain_config *dc, uint32_t guest, struct xu_err *err)
{
    struct device devs[DOMCFG_MAX_VIFS + DOMCFG_MAX_DISKS];
    unsigned n;

    return devices(hv, dc, guest, devs, &n, err);
}

static void backend_path(char *out, const struct device *d, uint32_t guest)
{
    snprintf(out, PATH_BYTES, "/local/domain/%u/backend/%s/%u/%u", d->backend, kind_name[d->kind],
             guest, d->devid);
}

static void frontend_path(char *out, const struct device *d, uint32_t guest)
{
    snprintf(out, PATH_BYTES, "/local/domain/%u/device/%s/%u", guest, kind_name[d->kind], d->devid);
}

/* Each side owns its directory and the other may read it; the nodes inside inherit that. */
static bool make_dir(struct hv *hv, xs_transaction_t t, const char *path, uint32_t owner,
                     uint32_t reader)
{
    struct xs_permissions perms[2] = {{.id = owner, .perms = XS_PERM_NONE},
                                      {.id = reader, .perms = XS_PERM_READ}};

    return xs_write(hv->xs, t, path, "", 0) && xs_set_permissions(hv->xs, t, path, perms, 2);
}

static bool put(struct hv *hv, xs_transaction_t t, const char *dir, const char *key,
                const char *value)
{
    char path[PATH_BYTES + 32];

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xs_write(hv->xs, t, path, value, strlen(value));
}

static void mac_text(const struct vif_spec *v, char out[18])
{
    uint8_t mac[6] = {0x00, 0x16, 0x3e}; /* Xen's OUI, as xl picks when none is given */

    if (v->has_mac)
        memcpy(mac, v->mac, sizeof(mac));
    else if (getrandom(mac + 3, 3, 0) != 3)
        mac[3] = mac[4] = mac[5] = 0x01;
    if (!v->has_mac)
        mac[3] &= 0x7f;
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}

static bool fill(struct hv *hv, xs_transaction_t t, const struct domain_config *dc,
                 const struct device *d, unsigned index, uint32_t guest)
{
    char be[PATH_BYTES], fe[PATH_BYTES], num[16], beid[16], feid[16], mac[18], record[64], key[16];
    bool ok;

    backend_path(be, d, guest);
    frontend_path(fe, d, guest);
    snprintf(num, sizeof(num), "%u", d->devid);
    snprintf(beid, sizeof(beid), "%u", d->backend);
    snprintf(feid, sizeof(feid), "%u", guest);
    /* Where destroy finds the backends: Dom0's own record, not the guest's frontend. */
    snprintf(record, sizeof(record), "/xu/%u/backends", guest);
    snprintf(key, sizeof(key), "%u", index);

    ok = put(hv, t, record, key, be) && make_dir(hv, t, fe, guest, d->backend) &&
         put(hv, t, fe, "backend", be) && put(hv, t, fe, "backend-id", beid) &&
         put(hv, t, fe, "state", "1") && make_dir(hv, t, be, d->backend, guest) &&
         put(hv, t, be, "frontend", fe) && put(hv, t, be, "frontend-id", feid) &&
         put(hv, t, be, "online", "1") && put(hv, t, be, "state", "1");
    if (!ok)
        return false;
    if (d->kind == VIF) {
        const struct vif_spec *v = &dc->vifs[index];

        mac_text(v, mac);
        return put(hv, t, fe, "handle", num) && put(hv, t, fe, "mac", mac) &&
               put(hv, t, be, "handle", num) && put(hv, t, be, "mac", mac) &&
               put(hv, t, be, "bridge", v->bridge[0] ? v->bridge : "xenbr0") &&
               put(hv, t, be, "type", "vif") &&
               /* netback insists on it; devd does what the script would. */
               put(hv, t, be, "script", "vif-bridge") && (!v->ip[0] || put(hv, t, be, "ip", v->ip));
    }
    const struct disk_spec *k = &dc->disks[index - dc->n_vifs];
    const char *type = k->cdrom ? "cdrom" : "disk";

    return put(hv, t, fe, "virtual-device", num) && put(hv, t, fe, "device-type", type) &&
           put(hv, t, be, "params", k->target) && put(hv, t, be, "type", "phy") &&
           put(hv, t, be, "mode", k->readonly ? "r" : "w") && put(hv, t, be, "device-type", type) &&
           put(hv, t, be, "dev", k->vdev) && put(hv, t, be, "removable", "0") &&
           put(hv, t, be, "bootable", "1");
}

int pvdev_add(struct hv *hv, uint32_t guest, const struct domain_config *dc, struct xu_err *err)
{
    struct device devs[DOMCFG_MAX_VIFS + DOMCFG_MAX_DISKS];
    unsigned n;

    if (devices(hv, dc, guest, devs, &n, err) < 0)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        for (int attempt = 0;; attempt++) {
            xs_transaction_t t = xs_transaction_start(hv->xs);
            bool ok;

            if (t == XBT_NULL)
                return xu_fail(err, "xenstore: cannot start a transaction: %s", strerror(errno));
            ok = fill(hv, t, dc, &devs[i], i, guest);
            if (!ok) {
                int saved = errno;

                xs_transaction_end(hv->xs, t, true);
                return xu_fail(err, "%s:%u: %s: cannot write its xenstore nodes: %s", dc->source,
                               devs[i].line, devs[i].what, strerror(saved));
            }
            if (xs_transaction_end(hv->xs, t, false))
                break;
            if (errno != EAGAIN || attempt == 10)
                return xu_fail(err, "%s:%u: %s: xenstore transaction failed: %s", dc->source,
                               devs[i].line, devs[i].what, strerror(errno));
        }
    }
    return 0;
}

static char *read_at(struct hv *hv, const char *dir, const char *key)
{
    char path[PATH_BYTES * 2 + 64];

    if (snprintf(path, sizeof(path), "%s/%s", dir, key) >= (int)sizeof(path))
        return NULL;
    return hv_xs_read(hv, path);
}

int pvdev_wait_connected(struct hv *hv, uint32_t guest, const struct domain_config *dc,
                         struct xu_err *err)
{
    struct device devs[DOMCFG_MAX_VIFS + DOMCFG_MAX_DISKS];
    unsigned n;

    if (devices(hv, dc, guest, devs, &n, err) < 0)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        char be[PATH_BYTES], *status = NULL;
        struct xu_wait w;

        backend_path(be, &devs[i], guest);
        xu_wait_begin(&w, PVDEV_HOTPLUG_WAIT_MS, 10);
        while (!(status = read_at(hv, be, "hotplug-status")) && xu_wait_again(&w))
            ;
        if (!status)
            return xu_fail(err,
                           "%s:%u: %s: %s did not set it up within %u s: is `xu devd` "
                           "running there?",
                           dc->source, devs[i].line, devs[i].what, devs[i].backend_name,
                           PVDEV_HOTPLUG_WAIT_MS / 1000);
        if (strcmp(status, "connected") != 0) {
            char *why = read_at(hv, be, "hotplug-error");

            xu_fail(err, "%s:%u: %s: %s: %s", dc->source, devs[i].line, devs[i].what,
                    devs[i].backend_name, why ? why : status);
            free(why);
            free(status);
            return -1;
        }
        free(status);
    }
    return 0;
}

void pvdev_find_backends(struct hv *hv, uint32_t guest, struct pvdev_backends *out)
{
    char dir[PATH_BYTES];
    unsigned count = 0;
    char **ids;

    out->n = 0;
    snprintf(dir, sizeof(dir), "/xu/%u/backends", guest);
    ids = xs_directory(hv->xs, XBT_NULL, dir, &count);
    for (unsigned i = 0; ids && i < count; i++) {
        char *be = read_at(hv, dir, ids[i]);
        unsigned backend, of, devid;
        char kind[4];
        int end = 0;

        /* Only the shape pvdev_add writes, for this guest. */
        if (be &&
            sscanf(be, "/local/domain/%u/backend/%3[a-z]/%u/%u%n", &backend, kind, &of, &devid,
                   &end) == 4 &&
            be[end] == '\0' && of == guest && (!strcmp(kind, "vif") || !strcmp(kind, "vbd")) &&
            strlen(be) < sizeof(out->paths[0]) &&
            out->n < sizeof(out->paths) / sizeof(out->paths[0]))
            snprintf(out->paths[out->n++], sizeof(out->paths[0]), "%s", be);
        free(be);
    }
    free(ids);
}

/* A backend domain that is gone has no nodes to write, and gets none back. */
static void set_in_backends(struct hv *hv, const struct pvdev_backends *b, const char *key,
                            const char *value)
{
    for (unsigned i = 0; i < b->n; i++) {
        char *dir = hv_xs_read(hv, b->paths[i]);
        char path[PATH_BYTES];

        snprintf(path, sizeof(path), "%s/%s", b->paths[i], key);
        if (dir)
            xs_write(hv->xs, XBT_NULL, path, value, strlen(value));
        free(dir);
    }
}

void pvdev_disconnect(struct hv *hv, uint32_t guest, const struct pvdev_backends *b)
{
    set_in_backends(hv, b, "online", "0");
    /* Without their frontends the backends close and unmap the guest's rings at once. */
    for (unsigned k = 0; k < 2; k++) {
        char path[PATH_BYTES];

        snprintf(path, sizeof(path), "/local/domain/%u/device/%s", guest, kind_name[k]);
        xs_rm(hv->xs, XBT_NULL, path);
    }
    /* Closing, as libxl says it: blkback says nothing then, and devd must hear of it. */
    set_in_backends(hv, b, "state", "5");
}

void pvdev_remove(struct hv *hv, uint32_t guest, const struct pvdev_backends *b)
{
    char path[PATH_BYTES];
    struct xu_wait w;

    /* The driver domain drops each backend once its devd has undone the hotplug work. */
    xu_wait_begin(&w, PVDEV_TEARDOWN_WAIT_MS, 10);
    for (;;) {
        unsigned left = 0;

        for (unsigned i = 0; i < b->n; i++) {
            char *v = hv_xs_read(hv, b->paths[i]);

            left += v != NULL;
            free(v);
        }
        if (!left || !xu_wait_again(&w))
            break;
    }
    /* Then the per-guest folders, and whatever a dead or slow driver domain left. */
    for (unsigned i = 0; i < b->n; i++) {
        unsigned backend;
        char kind[8];

        if (sscanf(b->paths[i], "/local/domain/%u/backend/%7[a-z]/", &backend, kind) != 2)
            continue;
        snprintf(path, sizeof(path), "/local/domain/%u/backend/%s/%u", backend, kind, guest);
        xs_rm(hv->xs, XBT_NULL, path);
    }
}

unsigned pvdev_served_domains(struct hv *hv, uint32_t backend, char *out, size_t size)
{
    uint32_t ids[HV_MAX_DOMAINS];
    unsigned found = 0;
    size_t used = 0;

    out[0] = '\0';
    for (unsigned k = 0; k < 2; k++) {
        char dir[PATH_BYTES];
        unsigned count = 0;
        char **guests;

        snprintf(dir, sizeof(dir), "/local/domain/%u/backend/%s", backend, kind_name[k]);
        guests = xs_directory(hv->xs, XBT_NULL, dir, &count);
        for (unsigned i = 0; guests && i < count; i++) {
            uint32_t id = (uint32_t)strtoul(guests[i], NULL, 10);
            struct domain_info info;
            struct xu_err gone;
            bool seen = false;

            for (unsigned j = 0; j < found; j++)
                seen = seen || ids[j] == id; /* a guest with a vif and a disk */
            if (seen || found == HV_MAX_DOMAINS || hv_info(hv, id, &info, &gone) < 0)
                continue;
            if (used + 16 < size)
                used += (size_t)snprintf(out + used, size - used, "%s%u", found ? ", " : "", id);
            ids[found++] = id;
        }
        free(guests);
    }
    return found;
}
