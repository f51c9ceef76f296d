/*
 * xu monitor: Dom0's init runs it once. When a domain that xu created powers
 * off, reboots or crashes, it does what the domain's on_poweroff, on_reboot
 * or on_crash asks: destroy it, restart it from its config, or keep it.
 * (xl leaves a process per domain behind for this; one is enough.)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "create.h"
#include "domcfg.h"
#include "domxs.h"

static struct domain_info domains[HV_MAX_DOMAINS];

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
    va_list ap;
    time_t now = time(NULL);
    char stamp[32];

    strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime(&now));
    fprintf(stderr, "%s xu monitor: ", stamp);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void restart(struct hv *hv, const struct domain_info *d, const char *config)
{
    static struct domain_config dc;
    struct xu_err err = {{0}};
    uint32_t domid;

    if (!config || domain_destroy(hv, d->domid, &err) < 0 ||
        domcfg_load(config, NULL, &dc, &err) < 0 ||
        domain_create(hv, &dc, config, false, &domid, &err) < 0) {
        note("cannot restart %s: %s", d->name, config ? err.msg : "no config recorded");
        return;
    }
    note("%s restarted as domain %u", d->name, domid);
}

static void handle(struct hv *hv, const struct domain_info *d)
{
    unsigned reason = domain_shutdown_reason(d);
    const char *key = reason == SHUTDOWN_REASON_REBOOT     ? "on_reboot"
                      : reason == SHUTDOWN_REASON_POWEROFF ? "on_poweroff"
                                                           : "on_crash";
    char *action = domxs_xu_read(hv, d->domid, key);
    char *config = domxs_xu_read(hv, d->domid, "config");
    char *kept = domxs_xu_read(hv, d->domid, "kept");
    struct xu_err err = {{0}};

    /* Domains xu did not create (no /xu/N) are someone else's business. */
    if (!action || kept) {
        free(action);
        free(config);
        free(kept);
        return;
    }
    if (strcmp(action, "restart") == 0) {
        restart(hv, d, config);
    } else if (strcmp(action, "preserve") == 0) {
        char path[64];

        snprintf(path, sizeof(path), "/xu/%u/kept", d->domid);
        xs_write(hv->xs, XBT_NULL, path, "1", 1);
        note("%s (domain %u) stopped (%s); kept", d->name, d->domid, key);
    } else if (domain_destroy(hv, d->domid, &err) < 0) {
        note("cannot destroy %s: %s", d->name, err.msg);
    } else {
        note("%s (domain %u) stopped (%s); destroyed", d->name, d->domid, key);
    }
    free(action);
    free(config);
    free(kept);
}

static void scan(struct hv *hv)
{
    struct xu_err err;
    size_t n;

    if (hv_list(hv, domains, HV_MAX_DOMAINS, &n, &err) < 0) {
        note("%s", err.msg);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (domains[i].domid != 0 && (domains[i].flags & DOMINF_SHUTDOWN) &&
            !(domains[i].flags & DOMINF_DYING))
            handle(hv, &domains[i]);
}

int cmd_monitor(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    (void)argc;
    (void)argv;
    /* xenstored fires @releaseDomain when a domain shuts down, crashes or dies. */
    if (!xs_watch(hv->xs, "@releaseDomain", "xu-monitor"))
        return xu_fail(err, "cannot watch @releaseDomain: %s", strerror(errno));
    note("watching domains");
    for (;;) {
        unsigned int n;
        char **event = xs_read_watch(hv->xs, &n);

        if (!event)
            return xu_fail(err, "lost xenstored: %s", strerror(errno));
        free(event);
        scan(hv);
    }
}
