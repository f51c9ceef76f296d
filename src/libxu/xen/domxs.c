#include "domxs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "conserve.h"
#include "guest.h"
#include "xswatch.h"

#define PATH_BYTES 128

enum access {
    RO,   /* Dom0 owns it, the guest may read it */
    RW,   /* the guest owns it */
    PRIV, /* Dom0 only */
};

/* Queues a domain's nodes for one exchange with xenstored (xsbatch.h). */
struct writer {
    struct xsb *b;
    uint32_t domid;
};

/* Writes `value` at `path`; a node given an access gets those permissions. */
static void put(struct writer *w, enum access a, int set, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void put(struct writer *w, enum access a, int set, const char *value, const char *fmt, ...)
{
    char path[PATH_BYTES];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    xsb_write(w->b, path, value);
    if (set)
        xsb_set_perms(w->b, path, a == RW ? w->domid : 0, &w->domid, a == RO ? 1 : 0);
}

#define NODE(w, a, value, ...) put(w, a, 1, value, __VA_ARGS__)
#define VALUE(w, value, ...)   put(w, RO, 0, value, __VA_ARGS__)

/*
 * Queues what `fill` writes and sends it in one exchange. No transaction:
 * xenstored applies one connection's requests in order, nothing reads these
 * nodes before the domain is introduced (which comes after them), and a
 * failure destroys the domain and removes them all; a transaction would add
 * two round trips and xenstored's copy of every node it touches.
 */
static int batch(struct hv *hv, uint32_t domid, void (*fill)(struct writer *, const void *),
                 const void *arg, struct xu_err *err)
{
    struct writer w = {.b = hv_batch(hv, err), .domid = domid};

    if (!w.b)
        return -1;
    fill(&w, arg);
    return xsb_send(w.b, err);
}

struct create_args {
    const struct domain_config *dc;
    const char *config_path;
    const char *uuid;
    const struct domxs_store *store;
};

static void fill_create(struct writer *w, const void *arg)
{
    const struct create_args *a = arg;
    unsigned id = w->domid;
    static const char *const guest_dirs[] = {"data", "drivers", "feature", "attr", "error"};
    static const char *const controls[] = {"shutdown", "feature-poweroff", "feature-reboot",
                                           "feature-suspend", "sysrq"};
    char vm[64], num[32];
    struct timeval now;

    snprintf(vm, sizeof(vm), "/vm/%s", a->uuid);
    snprintf(num, sizeof(num), "%u", id);
    NODE(w, RO, "", "/local/domain/%u", id);
    NODE(w, RO, "", "%s", vm);
    /* The name first: xenconsoled names the console log after it. */
    VALUE(w, a->dc->name, "/local/domain/%u/name", id);
    VALUE(w, num, "/local/domain/%u/domid", id);
    VALUE(w, vm, "/local/domain/%u/vm", id);
    VALUE(w, a->dc->name, "%s/name", vm);
    VALUE(w, a->uuid, "%s/uuid", vm);
    gettimeofday(&now, NULL);
    snprintf(num, sizeof(num), "%lld.%02ld", (long long)now.tv_sec, now.tv_usec / 10000);
    VALUE(w, num, "%s/start_time", vm);
    /*
     * xenstored makes a missing parent when it writes a child, with the
     * permissions of the node above: cpu, memory, store, device and control
     * are made that way, read-only to the guest like /local/domain/N. Each
     * request costs xenstored about 0.4 ms of Dom0's time under emulation.
     */
    for (unsigned i = 0; i < a->dc->vcpus; i++)
        VALUE(w, "online", "/local/domain/%u/cpu/%u/availability", id, i);
    snprintf(num, sizeof(num), "%" PRIu64, a->dc->memory_mib << 10);
    VALUE(w, num, "/local/domain/%u/memory/static-max", id);
    snprintf(num, sizeof(num), "%" PRIu64, a->store->target_kib);
    VALUE(w, num, "/local/domain/%u/memory/target", id);
    VALUE(w, "0", "/local/domain/%u/memory/videoram", id);
    snprintf(num, sizeof(num), "%" PRIu32, a->store->port);
    VALUE(w, num, "/local/domain/%u/store/port", id);
    snprintf(num, sizeof(num), "%" PRIu64, a->store->pfn);
    VALUE(w, num, "/local/domain/%u/store/ring-ref", id);
    NODE(w, RW, "", "/local/domain/%u/device/suspend/event-channel", id);
    for (unsigned i = 0; i < sizeof(controls) / sizeof(controls[0]); i++)
        NODE(w, RW, "", "/local/domain/%u/control/%s", id, controls[i]);
    VALUE(w, "1", "/local/domain/%u/control/platform-feature-multiprocessor-suspend", id);
    VALUE(w, "1", "/local/domain/%u/control/platform-feature-xs_reset_watches", id);
    for (unsigned i = 0; i < sizeof(guest_dirs) / sizeof(guest_dirs[0]); i++)
        NODE(w, RW, "", "/local/domain/%u/%s", id, guest_dirs[i]);
    /* xu's own record: what the monitor and a restart need. */
    NODE(w, PRIV, "", "/xu/%u", id);
    VALUE(w, a->config_path, "/xu/%u/config", id);
    VALUE(w, domain_action_name(a->dc->on_poweroff), "/xu/%u/on_poweroff", id);
    VALUE(w, domain_action_name(a->dc->on_reboot), "/xu/%u/on_reboot", id);
    VALUE(w, domain_action_name(a->dc->on_crash), "/xu/%u/on_crash", id);
}

int domxs_create(struct hv *hv, uint32_t domid, const struct domain_config *dc,
                 const char *config_path, const char *uuid, const struct domxs_store *store,
                 struct xu_err *err)
{
    struct create_args a = {dc, config_path, uuid, store};

    return batch(hv, domid, fill_create, &a, err);
}

int domxs_introduce(struct hv *hv, uint32_t domid, const struct domxs_store *store,
                    struct xu_err *err)
{
    struct xsb *b = hv_batch(hv, err);

    if (!b)
        return -1;
    xsb_introduce(b, domid, store->pfn, store->port);
    return xsb_send(b, err);
}

struct console_args {
    uint32_t port;
    int vuart_port;
    const struct domxs_store *introduce;
};

/* A console xu monitor serves: the type tells xenconsoled to leave it, the rest says where it is.
 */
static void monitor_console_dir(struct writer *w, uint32_t port, unsigned long long pfn)
{
    char num[32];

    VALUE(w, CONSERVE_TYPE, "/local/domain/%u/console/type", w->domid);
    snprintf(num, sizeof(num), "%" PRIu32, port);
    VALUE(w, num, "/local/domain/%u/console/port", w->domid);
    snprintf(num, sizeof(num), "%llu", pfn);
    VALUE(w, num, "/local/domain/%u/console/ring-ref", w->domid);
}

static void xenconsoled_dir(struct writer *w, const char *dir, uint32_t port,
                            unsigned long long pfn)
{
    char num[32];

    /*
     * The folder comes with its first node, read-only to the guest (see
     * fill_create). Everything but ring-ref and port first: xenconsoled reads
     * them when it connects.
     */
    VALUE(w, "xenconsoled", "/local/domain/%u/%s/type", w->domid, dir);
    VALUE(w, DOMXS_CONSOLE_LIMIT, "/local/domain/%u/%s/limit", w->domid, dir);
    VALUE(w, "pty", "/local/domain/%u/%s/output", w->domid, dir);
    VALUE(w, "", "/local/domain/%u/%s/tty", w->domid, dir);
    snprintf(num, sizeof(num), "%" PRIu32, port);
    VALUE(w, num, "/local/domain/%u/%s/port", w->domid, dir);
    snprintf(num, sizeof(num), "%llu", pfn);
    VALUE(w, num, "/local/domain/%u/%s/ring-ref", w->domid, dir);
}

static void fill_console(struct writer *w, const void *arg)
{
    const struct console_args *a = arg;

    monitor_console_dir(w, a->port, GMAP_CONSOLE_PFN);
    if (a->vuart_port >= 0)
        xenconsoled_dir(w, "vuart/0", (uint32_t)a->vuart_port, GMAP_VUART_PFN);
    /* After the nodes xenconsoled reads when the introduction wakes it. */
    if (a->introduce)
        xsb_introduce(w->b, w->domid, a->introduce->pfn, a->introduce->port);
}

int domxs_console(struct hv *hv, uint32_t domid, uint32_t console_port, int vuart_port,
                  const struct domxs_store *introduce, struct xu_err *err)
{
    struct console_args a = {console_port, vuart_port, introduce};

    return batch(hv, domid, fill_console, &a, err);
}

void domxs_remove(struct hv *hv, uint32_t domid)
{
    char path[PATH_BYTES], *vm;

    snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
    vm = hv_xs_read(hv, path);
    if (vm && strncmp(vm, "/vm/", 4) == 0)
        xs_rm(hv->xs, XBT_NULL, vm);
    free(vm);
    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    xs_rm(hv->xs, XBT_NULL, path);
    snprintf(path, sizeof(path), "/xu/%u", domid);
    xs_rm(hv->xs, XBT_NULL, path);
}

char *domxs_xu_read(struct hv *hv, uint32_t domid, const char *key)
{
    char path[PATH_BYTES];

    snprintf(path, sizeof(path), "/xu/%u/%s", domid, key);
    return hv_xs_read(hv, path);
}

void domxs_xu_write(struct hv *hv, uint32_t domid, const char *key, const char *value)
{
    char path[PATH_BYTES];

    snprintf(path, sizeof(path), "/xu/%u/%s", domid, key);
    xs_write(hv->xs, XBT_NULL, path, value, strlen(value));
}

char *domxs_console_read(struct hv *hv, uint32_t domid, const char *key)
{
    char path[PATH_BYTES];

    snprintf(path, sizeof(path), "/local/domain/%u/console/%s", domid, key);
    return hv_xs_read(hv, path);
}

int domxs_request_poweroff(struct hv *hv, uint32_t domid, struct xu_err *err)
{
    char path[PATH_BYTES];

    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", domid);
    if (!xs_write(hv->xs, XBT_NULL, path, "poweroff", strlen("poweroff")))
        return xu_fail(err, "cannot ask domain %u to shut down: %s", domid, strerror(errno));
    return 0;
}

bool domxs_poweroff_taken(struct hv *hv, uint32_t domid)
{
    char path[PATH_BYTES], *v;
    bool taken;

    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", domid);
    v = hv_xs_read(hv, path);
    taken = !v || !v[0];
    free(v);
    return taken;
}

bool domxs_devd_serving(struct hv *hv, uint32_t domid)
{
    char path[PATH_BYTES], *v;
    bool serving;

    snprintf(path, sizeof(path), "/local/domain/%u/" DOMXS_DEVD_DIR "/" DOMXS_DEVD_KEY, domid);
    v = hv_xs_read(hv, path);
    serving = v && strcmp(v, DOMXS_DEVD_SERVING) == 0;
    free(v);
    return serving;
}

/* xsbatch.h writes xenstore's wire numbers itself, for the host's tests; they must be Xen's. */
#define SAME(ours, xens) ((int)(ours) == (int)(xens))
_Static_assert(SAME(XSB_READ, XS_READ) && SAME(XSB_TRANSACTION_START, XS_TRANSACTION_START) &&
                   SAME(XSB_TRANSACTION_END, XS_TRANSACTION_END) &&
                   SAME(XSB_INTRODUCE, XS_INTRODUCE) && SAME(XSB_WRITE, XS_WRITE) &&
                   SAME(XSB_RM, XS_RM) && SAME(XSB_SET_PERMS, XS_SET_PERMS) &&
                   SAME(XSB_ERROR, XS_ERROR),
               "xsbatch.h: message types");
_Static_assert(SAME(XSW_WATCH, XS_WATCH) && SAME(XSW_WATCH_EVENT, XS_WATCH_EVENT),
               "xswatch.h: message types");
_Static_assert(XSB_HEADER_BYTES == sizeof(struct xsd_sockmsg), "xsbatch.h: header");
_Static_assert(XSB_PAYLOAD_MAX == XENSTORE_PAYLOAD_MAX, "xsbatch.h: payload");
