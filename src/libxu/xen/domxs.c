#include "domxs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "guest.h"

#define PATH_BYTES 128

enum access {
    RO,   /* Dom0 owns it, the guest may read it */
    RW,   /* the guest owns it */
    PRIV, /* Dom0 only */
};

struct writer {
    struct hv *hv;
    xs_transaction_t t;
    uint32_t domid;
    const char *failed; /* the first path that could not be written */
};

static void set_access(struct writer *w, const char *path, enum access a)
{
    struct xs_permissions perms[2] = {
        {.id = 0, .perms = XS_PERM_NONE},
        {.id = w->domid, .perms = XS_PERM_READ},
    };
    unsigned n = a == RO ? 2 : 1;

    if (a == RW)
        perms[0].id = w->domid;
    if (!w->failed && !xs_set_permissions(w->hv->xs, w->t, path, perms, n))
        w->failed = path;
}

/* Writes `value` at `path`; a node given an access gets those permissions. */
static void put(struct writer *w, enum access a, int set, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void put(struct writer *w, enum access a, int set, const char *value, const char *fmt, ...)
{
    static char paths[64][PATH_BYTES];
    static unsigned next;
    char *path;
    va_list ap;

    if (w->failed)
        return;
    path = paths[next++ % 64];
    va_start(ap, fmt);
    vsnprintf(path, PATH_BYTES, fmt, ap);
    va_end(ap);
    if (!xs_write(w->hv->xs, w->t, path, value, strlen(value)))
        w->failed = path;
    else if (set)
        set_access(w, path, a);
}

#define NODE(w, a, value, ...) put(w, a, 1, value, __VA_ARGS__)
#define VALUE(w, value, ...)   put(w, RO, 0, value, __VA_ARGS__)

/* Runs `fill` in a transaction, again while xenstored reports a conflict. */
static int transact(struct hv *hv, uint32_t domid, void (*fill)(struct writer *, const void *),
                    const void *arg, struct xu_err *err)
{
    for (int attempt = 0; attempt < 10; attempt++) {
        struct writer w = {.hv = hv, .domid = domid, .t = xs_transaction_start(hv->xs)};

        if (w.t == XBT_NULL)
            return xu_fail(err, "xenstore: cannot start a transaction: %s", strerror(errno));
        fill(&w, arg);
        if (w.failed) {
            int saved = errno;

            xs_transaction_end(hv->xs, w.t, true);
            return xu_fail(err, "xenstore: cannot write %s: %s", w.failed, strerror(saved));
        }
        if (xs_transaction_end(hv->xs, w.t, false))
            return 0;
        if (errno != EAGAIN)
            return xu_fail(err, "xenstore: transaction failed: %s", strerror(errno));
    }
    return xu_fail(err, "xenstore: transaction kept conflicting");
}

struct create_args {
    const struct domain_config *dc;
    const char *config_path;
    const char *uuid;
};

static void fill_create(struct writer *w, const void *arg)
{
    const struct create_args *a = arg;
    unsigned id = w->domid;
    static const char *const guest_dirs[] = {"data", "drivers", "feature", "attr", "error"};
    static const char *const controls[] = {"shutdown", "feature-poweroff", "feature-reboot",
                                           "feature-suspend", "sysrq"};

    char vm[64], num[16];

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
    NODE(w, RO, "", "/local/domain/%u/cpu", id);
    NODE(w, RO, "", "/local/domain/%u/memory", id);
    NODE(w, RO, "", "/local/domain/%u/device", id);
    NODE(w, RW, "", "/local/domain/%u/device/suspend/event-channel", id);
    NODE(w, RO, "", "/local/domain/%u/control", id);
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
                 const char *config_path, const char *uuid, struct xu_err *err)
{
    struct create_args a = {dc, config_path, uuid};

    return transact(hv, domid, fill_create, &a, err);
}

struct built_args {
    const struct domain_config *dc;
    uint32_t store_port;
    uint64_t store_pfn;
    uint64_t target_kib;
};

static void fill_built(struct writer *w, const void *arg)
{
    const struct built_args *a = arg;
    char num[32];
    unsigned id = w->domid;

    snprintf(num, sizeof(num), "%" PRIu64, a->dc->memory_mib << 10);
    VALUE(w, num, "/local/domain/%u/memory/static-max", id);
    snprintf(num, sizeof(num), "%" PRIu64, a->target_kib);
    VALUE(w, num, "/local/domain/%u/memory/target", id);
    VALUE(w, "0", "/local/domain/%u/memory/videoram", id);
    snprintf(num, sizeof(num), "%" PRIu32, a->store_port);
    VALUE(w, num, "/local/domain/%u/store/port", id);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)a->store_pfn);
    VALUE(w, num, "/local/domain/%u/store/ring-ref", id);
    for (unsigned i = 0; i < a->dc->vcpus; i++)
        VALUE(w, "online", "/local/domain/%u/cpu/%u/availability", id, i);
}

int domxs_built(struct hv *hv, uint32_t domid, const struct domain_config *dc, uint32_t store_port,
                uint64_t store_pfn, uint64_t target_kib, struct xu_err *err)
{
    struct built_args a = {dc, store_port, store_pfn, target_kib};
    struct timeval now;
    char vm_key[PATH_BYTES], start[40], *vm;
    const char *pairs[3];

    if (transact(hv, domid, fill_built, &a, err) < 0)
        return -1;
    snprintf(vm_key, sizeof(vm_key), "/local/domain/%u/vm", domid);
    vm = hv_xs_read(hv, vm_key);
    if (!vm)
        return xu_fail(err, "xenstore: %s vanished", vm_key);
    gettimeofday(&now, NULL);
    snprintf(vm_key, sizeof(vm_key), "%s/start_time", vm);
    snprintf(start, sizeof(start), "%lld.%02ld", (long long)now.tv_sec, now.tv_usec / 10000);
    free(vm);
    pairs[0] = vm_key;
    pairs[1] = start;
    pairs[2] = NULL;
    return hv_xs_write_all(hv, pairs, err);
}

struct console_args {
    uint32_t port;
    int vuart_port;
};

static void console_dir(struct writer *w, const char *dir, uint32_t port, unsigned long long pfn)
{
    char num[32];

    NODE(w, RO, "", "/local/domain/%u/%s", w->domid, dir);
    /* Everything but ring-ref and port first: xenconsoled reads them when it connects. */
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

    console_dir(w, "console", a->port, GMAP_CONSOLE_PFN);
    if (a->vuart_port >= 0)
        console_dir(w, "vuart/0", (uint32_t)a->vuart_port, GMAP_VUART_PFN);
}

int domxs_console(struct hv *hv, uint32_t domid, uint32_t console_port, int vuart_port,
                  struct xu_err *err)
{
    struct console_args a = {console_port, vuart_port};

    return transact(hv, domid, fill_console, &a, err);
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
