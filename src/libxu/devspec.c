#include "devspec.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

#define XEN_PAGE_SHIFT 12
/* xen-vbd-interface(7): xvd disks are major 202, 16 minors each; beyond
 * xvdp the extended scheme puts the disk number at bit 8. */
#define XVD_MAJOR         202
#define XVD_PLAIN_DISKS   16
#define XVD_EXTENDED_FLAG (1u << 28)
#define XVD_MAX_DISKS     (1 << 20)

static int parse_hex(const char *text, uint64_t *out)
{
    char buf[32];

    /* xl reads these with %x, which takes an optional 0x. */
    if (strncmp(text, "0x", 2) == 0 || strncmp(text, "0X", 2) == 0)
        return cfg_parse_u64(text, out);
    if (strlen(text) + 3 > sizeof(buf))
        return -1;
    snprintf(buf, sizeof(buf), "0x%s", text);
    return cfg_parse_u64(buf, out);
}

int iomem_parse(const char *text, const char *where, struct iomem_range *out, struct xu_err *err)
{
    char start[32], pages[32], gfn[32] = "";

    while (*text == ' ' || *text == '\t') /* xl reads it with %x, which skips them */
        text++;
    const char *comma = strchr(text, ','), *at = strchr(text, '@');
    size_t start_len = comma ? (size_t)(comma - text) : 0;
    size_t pages_len = comma ? (at ? (size_t)(at - comma - 1) : strlen(comma + 1)) : 0;

    if (!comma || (at && at < comma) || start_len == 0 || start_len >= sizeof(start) ||
        pages_len == 0 || pages_len >= sizeof(pages) || (at && strlen(at + 1) >= sizeof(gfn)))
        return xu_fail(err, "%s: iomem: \"%s\" is not \"START,PAGES[@GFN]\" (hex page numbers)",
                       where, text);
    memcpy(start, text, start_len);
    start[start_len] = '\0';
    memcpy(pages, comma + 1, pages_len);
    pages[pages_len] = '\0';
    if (at)
        snprintf(gfn, sizeof(gfn), "%s", at + 1);
    if (parse_hex(start, &out->start_pfn) < 0 || parse_hex(pages, &out->n_pages) < 0 ||
        (at && parse_hex(gfn, &out->gfn) < 0))
        return xu_fail(err, "%s: iomem: \"%s\": page numbers are hexadecimal", where, text);
    if (!at)
        out->gfn = out->start_pfn;
    if (out->n_pages == 0)
        return xu_fail(err, "%s: iomem: \"%s\" maps no pages", where, text);
    /* Page frames are at most 52 address bits on arm64. */
    if (out->start_pfn + out->n_pages < out->start_pfn || out->gfn + out->n_pages < out->gfn ||
        out->start_pfn + out->n_pages > (1ull << (52 - XEN_PAGE_SHIFT)) ||
        out->gfn + out->n_pages > (1ull << (52 - XEN_PAGE_SHIFT)))
        return xu_fail(err, "%s: iomem: \"%s\" runs past the physical address space", where, text);
    return 0;
}

int64_t vdev_to_devid(const char *vdev)
{
    int64_t disk = 0;
    const char *p;

    if (strncmp(vdev, "xvd", 3) != 0 || vdev[3] == '\0')
        return -1;
    /* Disk letters count like spreadsheet columns: a..z, aa..az, ... */
    for (p = vdev + 3; *p; p++) {
        if (*p < 'a' || *p > 'z')
            return -1;
        disk = disk * 26 + (*p - 'a' + 1);
        if (disk > XVD_MAX_DISKS)
            return -1;
    }
    disk -= 1;
    if (disk < XVD_PLAIN_DISKS)
        return (XVD_MAJOR << 8) | (disk << 4);
    return XVD_EXTENDED_FLAG | (disk << 8);
}

static int parse_mac(const char *text, uint8_t mac[6])
{
    /* Exactly xx:xx:xx:xx:xx:xx, hex digits only (sscanf's %x would take a sign). */
    if (strlen(text) != 17)
        return -1;
    for (int i = 0; i < 6; i++) {
        int hi = isxdigit((unsigned char)text[3 * i]),
            lo = isxdigit((unsigned char)text[3 * i + 1]);

        if (!hi || !lo || (i < 5 && text[3 * i + 2] != ':'))
            return -1;
        mac[i] = (uint8_t)strtoul((char[]){text[3 * i], text[3 * i + 1], '\0'}, NULL, 16);
    }
    /* A guest's address must be unicast. */
    return (mac[0] & 1) ? -1 : 0;
}

/* Copies the value of `key=value` into dst, refusing it when it does not fit. */
static int put(const char *where, const char *what, const char *key, const char *value, char *dst,
               size_t size, struct xu_err *err)
{
    if (strlen(value) >= size)
        return xu_fail(err, "%s: %s: %s=\"%s\" is longer than %zu characters", where, what, key,
                       value, size - 1);
    strcpy(dst, value);
    return 0;
}

static bool ifname_ok(const char *name)
{
    if (!name[0])
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
            return false;
    return true;
}

/*
 * Splits one "key=value" item in place, the spaces around either trimmed
 * (xl takes "bridge = xenbr0" as readily as "bridge=xenbr0"). -1 without
 * '=', with *key the item.
 */
static int split_pair(char *item, const char **key, const char **value)
{
    char *eq = strchr(item, '='), *k = item, *v;

    while (*k == ' ')
        k++;
    *key = k;
    if (!eq)
        return -1;
    for (char *end = eq; end > k && end[-1] == ' ';)
        *--end = '\0';
    *eq = '\0';
    v = eq + 1;
    while (*v == ' ')
        v++;
    for (char *end = v + strlen(v); end > v && end[-1] == ' ';)
        *--end = '\0';
    *value = v;
    return 0;
}

int vif_parse(const char *text, const char *where, struct vif_spec *out, struct xu_err *err)
{
    char buf[512];
    char *save = NULL;

    memset(out, 0, sizeof(*out));
    if (strlen(text) >= sizeof(buf))
        return xu_fail(err, "%s: vif: spec longer than %zu characters", where, sizeof(buf) - 1);
    strcpy(buf, text);
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        const char *key, *value;

        if (split_pair(item, &key, &value) < 0)
            return xu_fail(err, "%s: vif: \"%s\" is not key=value", where, key);
        if (strcmp(key, "mac") == 0) {
            if (parse_mac(value, out->mac) < 0)
                return xu_fail(err, "%s: vif: mac=%s is not a unicast xx:xx:xx:xx:xx:xx address",
                               where, value);
            out->has_mac = true;
        } else if (strcmp(key, "bridge") == 0 || strcmp(key, "vifname") == 0) {
            char *dst = key[0] == 'b' ? out->bridge : out->vifname;

            if (put(where, "vif", key, value, dst, DEVSPEC_IFNAME_BYTES, err) < 0)
                return -1;
            if (!ifname_ok(dst))
                return xu_fail(err, "%s: vif: %s=\"%s\" is not an interface name", where, key,
                               value);
        } else if (strcmp(key, "backend") == 0) {
            if (put(where, "vif", key, value, out->backend, sizeof(out->backend), err) < 0)
                return -1;
        } else if (strcmp(key, "ip") == 0) {
            if (put(where, "vif", key, value, out->ip, sizeof(out->ip), err) < 0)
                return -1;
        } else if (strcmp(key, "type") == 0) {
            if (strcmp(value, "vif") != 0)
                return xu_fail(err, "%s: vif: type=%s: Arm guests have PV network devices only",
                               where, value);
        } else if (strcmp(key, "script") == 0) {
            /* The driver domain's xu devd does what vif-bridge does. */
            if (strcmp(value, "vif-bridge") != 0)
                return xu_fail(err, "%s: vif: script=%s: only vif-bridge is supported", where,
                               value);
        } else {
            return xu_fail(err, "%s: vif: unknown key '%s'", where, key);
        }
    }
    return 0;
}

static int disk_key(const char *where, const char *key, const char *value, struct disk_spec *d,
                    bool *access_set, struct xu_err *err)
{
    if (strcmp(key, "format") == 0) {
        if (strcmp(value, "raw") != 0)
            return xu_fail(err, "%s: disk: format=%s: only raw images are served", where, value);
        strcpy(d->format, value);
    } else if (strcmp(key, "vdev") == 0) {
        if (put(where, "disk", key, value, d->vdev, sizeof(d->vdev), err) < 0)
            return -1;
    } else if (strcmp(key, "access") == 0) {
        if (strcmp(value, "rw") == 0 || strcmp(value, "w") == 0)
            d->readonly = false;
        else if (strcmp(value, "ro") == 0 || strcmp(value, "r") == 0)
            d->readonly = true;
        else
            return xu_fail(err, "%s: disk: access=%s is not ro, r, rw or w", where, value);
        *access_set = true;
    } else if (strcmp(key, "backend") == 0) {
        if (put(where, "disk", key, value, d->backend, sizeof(d->backend), err) < 0)
            return -1;
    } else if (strcmp(key, "backendtype") == 0) {
        if (strcmp(value, "phy") != 0)
            return xu_fail(err, "%s: disk: backendtype=%s: only phy (blkback) is served", where,
                           value);
    } else if (strcmp(key, "devtype") == 0) {
        if (strcmp(value, "cdrom") != 0 && strcmp(value, "disk") != 0)
            return xu_fail(err, "%s: disk: devtype=%s is not disk or cdrom", where, value);
        d->cdrom = value[0] == 'c';
    } else {
        return xu_fail(err, "%s: disk: unknown key '%s'", where, key);
    }
    return 0;
}

int disk_parse(const char *text, const char *where, struct disk_spec *out, struct xu_err *err)
{
    static const char *const positional[] = {"target", "format", "vdev", "access"};
    char buf[PATH_MAX + 256];
    bool access_set = false;
    unsigned position = 0;
    char *p;
    int64_t devid;

    memset(out, 0, sizeof(*out));
    strcpy(out->format, "raw");
    strcpy(out->backendtype, "phy");
    if (strlen(text) >= sizeof(buf))
        return xu_fail(err, "%s: disk: spec too long", where);
    strcpy(buf, text);
    p = buf;
    while (p) {
        char *comma, *eq;

        while (*p == ' ')
            p++;
        /* target= takes the rest of the spec, commas and all, so it comes last. */
        if (strncmp(p, "target=", 7) == 0) {
            if (put(where, "disk", "target", p + 7, out->target, sizeof(out->target), err) < 0)
                return -1;
            break;
        }
        comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        eq = strchr(p, '=');
        if (eq) {
            *eq = '\0';
            if (disk_key(where, p, eq + 1, out, &access_set, err) < 0)
                return -1;
        } else if (position < 4) {
            const char *key = positional[position];

            if (position == 0) {
                /* The old "phy:/dev/sda,xvda,w" form: the prefix stands for the format,
                 * which is then not given, so vdev comes next. */
                static const char *const prefixes[] = {"phy:", "file:", "aio:", "raw:"};

                for (unsigned i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
                    if (strncmp(p, prefixes[i], strlen(prefixes[i])) == 0) {
                        p += strlen(prefixes[i]);
                        position++;
                        break;
                    }
                if (put(where, "disk", key, p, out->target, sizeof(out->target), err) < 0)
                    return -1;
            } else if (*p && disk_key(where, key, p, out, &access_set, err) < 0) {
                return -1;
            }
            position++;
        } else {
            return xu_fail(err, "%s: disk: \"%s\": more than target,format,vdev,access", where, p);
        }
        p = comma ? comma + 1 : NULL;
    }
    if (!out->vdev[0])
        return xu_fail(err, "%s: disk: no vdev (the name the guest sees, e.g. xvda)", where);
    devid = vdev_to_devid(out->vdev);
    if (devid < 0)
        return xu_fail(err, "%s: disk: vdev=%s is not a Xen disk name (xvda, xvdb, ...)", where,
                       out->vdev);
    out->devid = (uint32_t)devid;
    if (!out->target[0] && !out->cdrom)
        return xu_fail(err, "%s: disk: no target (the file or device that backs %s)", where,
                       out->vdev);
    if (out->cdrom && !access_set)
        out->readonly = true;
    return 0;
}

const char *shm_role_name(enum shm_role role)
{
    return role == SHM_ROLE_OWNER ? "owner" : role == SHM_ROLE_BORROWER ? "borrower" : NULL;
}

#define PAGE_BYTES 4096u

static int shm_key(const char *where, const char *key, const char *value, void *ctx, unsigned *seen,
                   struct xu_err *err)
{
    static const char *const keys[] = {"id", "host", "guest", "size", "role"};
    struct shm_spec *s = ctx;
    unsigned k = 0;
    uint64_t *addr;

    while (k < 5 && strcmp(keys[k], key) != 0)
        k++;
    if (k == 5)
        return xu_fail(err, "%s: static_shm: unknown key '%s' (id, host, guest, size, role)", where,
                       key);
    if (*seen & (1u << k))
        return xu_fail(err, "%s: static_shm: %s given twice", where, key);
    *seen |= 1u << k;
    if (k == 0) {
        if (!value[0] || strlen(value) >= sizeof(s->id) ||
            strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
                strlen(value))
            return xu_fail(err,
                           "%s: static_shm: id=%s: an id is 1 to %zu letters, digits, - and _ "
                           "(Xen's xen,shm-id)",
                           where, value, sizeof(s->id) - 1);
        strcpy(s->id, value);
        return 0;
    }
    if (k == 4) {
        if (strcmp(value, "owner") == 0)
            s->role = SHM_ROLE_OWNER;
        else if (strcmp(value, "borrower") == 0)
            s->role = SHM_ROLE_BORROWER;
        else
            return xu_fail(err, "%s: static_shm: role=%s is not owner or borrower", where, value);
        return 0;
    }
    if (k == 3) {
        if (cfg_parse_size(value, &s->size_bytes) < 0 || !s->size_bytes ||
            s->size_bytes % PAGE_BYTES)
            return xu_fail(err, "%s: static_shm: size=%s is not a whole number of 4 KiB pages",
                           where, value);
        return 0;
    }
    addr = k == 1 ? &s->host_addr : &s->guest_addr;
    if (cfg_parse_u64(value, addr) < 0 || *addr % PAGE_BYTES)
        return xu_fail(err, "%s: static_shm: %s=%s is not a page-aligned address", where, key,
                       value);
    return 0;
}

/* Calls fn for each key=value of `text`, a `what` spec (its name in messages). */
typedef int (*pair_fn)(const char *where, const char *key, const char *value, void *ctx,
                       unsigned *seen, struct xu_err *err);

static int each_pair(const char *text, const char *where, const char *what, pair_fn fn, void *ctx,
                     unsigned *seen, struct xu_err *err)
{
    char buf[256];
    char *save = NULL;

    if (strlen(text) >= sizeof(buf))
        return xu_fail(err, "%s: %s: spec longer than %zu characters", where, what,
                       sizeof(buf) - 1);
    strcpy(buf, text);
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        const char *key, *value;

        if (split_pair(item, &key, &value) < 0)
            return xu_fail(err, "%s: %s: \"%s\" is not key=value", where, what, key);
        if (fn(where, key, value, ctx, seen, err) < 0)
            return -1;
    }
    return 0;
}

int shm_parse(const char *text, const char *where, struct shm_spec *out, struct xu_err *err)
{
    unsigned seen = 0;

    memset(out, 0, sizeof(*out));
    if (each_pair(text, where, "static_shm", shm_key, out, &seen, err) < 0)
        return -1;
    if ((seen & 0xf) != 0xf)
        return xu_fail(err, "%s: static_shm: \"%s\" needs id, host, guest and size", where, text);
    if (out->host_addr + out->size_bytes < out->host_addr ||
        out->guest_addr + out->size_bytes < out->guest_addr)
        return xu_fail(err, "%s: static_shm: \"%s\" runs past the end of the address space", where,
                       text);
    return 0;
}

/* Xen 4.17 gives a domain it starts at boot ports up to 1023 (max_evtchn_port). */
#define EVTCHN_PORT_MAX 1023u

static int port_of(const char *where, const char *key, const char *value, uint32_t *port,
                   struct xu_err *err)
{
    uint64_t v;

    if (cfg_parse_u64(value, &v) < 0 || v < 1 || v > EVTCHN_PORT_MAX)
        return xu_fail(err,
                       "%s: static_evtchn: %s=%s is not a port of 1-%u (Xen's limit for a "
                       "domain it starts at boot)",
                       where, key, value, EVTCHN_PORT_MAX);
    *port = (uint32_t)v;
    return 0;
}

static int evtchn_pair(const char *where, const char *key, const char *value, void *ctx,
                       unsigned *seen, struct xu_err *err)
{
    struct evtchn_spec *out = ctx;
    unsigned bit;

    if (strcmp(key, "port") == 0)
        bit = 1;
    else if (strcmp(key, "peer") == 0)
        bit = 2;
    else if (strcmp(key, "peer_port") == 0)
        bit = 4;
    else
        return xu_fail(err, "%s: static_evtchn: unknown key '%s' (port, peer, peer_port)", where,
                       key);
    if (*seen & bit)
        return xu_fail(err, "%s: static_evtchn: %s given twice", where, key);
    *seen |= bit;
    if (bit == 2)
        return put(where, "static_evtchn", key, value, out->peer, sizeof(out->peer), err);
    return port_of(where, key, value, bit == 1 ? &out->port : &out->peer_port, err);
}

int evtchn_parse(const char *text, const char *where, struct evtchn_spec *out, struct xu_err *err)
{
    unsigned seen = 0;

    memset(out, 0, sizeof(*out));
    if (each_pair(text, where, "static_evtchn", evtchn_pair, out, &seen, err) < 0)
        return -1;
    if (seen != 7 || !out->peer[0])
        return xu_fail(err, "%s: static_evtchn: \"%s\" needs port, peer and peer_port", where,
                       text);
    return 0;
}
