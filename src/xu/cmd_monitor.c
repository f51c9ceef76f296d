/*
 * xu monitor: Dom0's init runs it once. When a domain that xu created powers
 * off, reboots or crashes, it does what the domain's on_poweroff, on_reboot
 * or on_crash asks: destroy it, restart it from its config, or keep it.
 * (xl leaves a process per domain behind for this; one is enough.)
 * Every few seconds it also cuts the console logs that have grown past
 * their cap (conlog.h), so a chatty guest cannot fill Dom0's log space.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "commands.h"
#include "conlog.h"
#include "conring.h"
#include "create.h"
#include "domcfg.h"
#include "domxs.h"
#include "runstate.h"
#include "steptime.h"

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

static void keep(struct hv *hv, const struct domain_info *d)
{
    domxs_xu_write(hv, d->domid, "kept", "1");
}

/* Which of the domain's actions a shutdown reason calls for, as xl has them; NULL: none. */
static const char *action_key(unsigned reason)
{
    switch (reason) {
    case SHUTDOWN_REASON_POWEROFF:
        return "on_poweroff";
    case SHUTDOWN_REASON_REBOOT:
        return "on_reboot";
    case SHUTDOWN_REASON_SUSPEND:
        return NULL; /* a suspended domain waits to be resumed */
    case SHUTDOWN_REASON_WATCHDOG:
        return "on_watchdog"; /* xl's default for it is destroy; xu has no key for it */
    default:
        return "on_crash"; /* a crash, and what xu cannot do: a soft reset */
    }
}

#define RESTART_DESTROY_TRIES 6 /* of up to 10 s each: a dying domain may take a while */

/*
 * Restarts from the config text saved at creation, as xl does: what the file
 * says now does not matter. The text is checked before the old domain goes,
 * so a restart that cannot work keeps it rather than losing it.
 */
static void restart(struct hv *hv, const struct domain_info *d, const char *config_path)
{
    static struct domain_config dc;
    struct xu_err err = {{0}};
    uint32_t domid;
    char *text = NULL;
    size_t len;
    int tries = 0;

    if (!config_path || runstate_load_config(d->domid, &text, &len, &err) < 0 ||
        domcfg_parse(config_path, text, len, NULL, &dc, &err) < 0) {
        note("cannot restart %s (domain %u): %s; kept as it is", d->name, d->domid,
             config_path ? err.msg : "xu has no record of its config");
        keep(hv, d);
        free(text);
        return;
    }
    while (domain_destroy(hv, d->domid, &err) < 0) {
        if (++tries == RESTART_DESTROY_TRIES) {
            note("cannot restart %s: %s", d->name, err.msg);
            free(text);
            return;
        }
    }
    step_done(NULL);
    if (domain_create(hv, &dc, config_path, text, len, false, &domid, &err) < 0)
        note("cannot restart %s: %s", d->name, err.msg);
    else
        note("%s restarted as domain %u", d->name, domid);
    free(text);
}

/*
 * xu create does not wait for xenconsoled, so a guest that stops at once may
 * stop before xenconsoled has read its last lines. Long enough for a busy
 * xenconsoled; short enough that a stopped one does not hold the others.
 */
#define CONSOLE_READ_WAIT_MS 2000

static void wait_for_console_read(struct hv *hv, const struct domain_info *d)
{
    uint32_t unread = conring_wait_read(hv, d->domid, CONSOLE_READ_WAIT_MS);

    if (unread)
        note("%s (domain %u): xenconsoled has not read the last %u bytes of its console "
             "(is it running?); they are lost",
             d->name, d->domid, unread);
}

static void handle(struct hv *hv, const struct domain_info *d)
{
    const char *key = action_key(domain_shutdown_reason(d));
    char *action = NULL, *config, *kept;
    struct xu_err err = {{0}};

    if (!key)
        return;
    action = strcmp(key, "on_watchdog") == 0 ? strdup("destroy") : domxs_xu_read(hv, d->domid, key);
    config = domxs_xu_read(hv, d->domid, "config");
    kept = domxs_xu_read(hv, d->domid, "kept");
    /* Domains xu did not create (no /xu/N) are someone else's business. */
    if (!config || !action || kept) {
        /* nothing */
    } else if (strcmp(action, "preserve") == 0) {
        keep(hv, d);
        note("%s (domain %u) stopped (%s); kept", d->name, d->domid, key);
    } else {
        wait_for_console_read(hv, d);
        if (strcmp(action, "restart") == 0)
            restart(hv, d, config);
        else if (domain_destroy(hv, d->domid, &err) < 0)
            note("cannot destroy %s: %s", d->name, err.msg);
        else
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

#define LOG_CHECK_MS     2000
#define CUT_RETRY_S      60 /* after a failed cut of a domain's log: not every round */
#define MAX_CUT_FAILURES 8

static struct {
    uint32_t domid;
    time_t retry_at;
} cut_failures[MAX_CUT_FAILURES];

static bool cut_failed_lately(uint32_t domid, time_t now)
{
    for (unsigned i = 0; i < MAX_CUT_FAILURES; i++)
        if (cut_failures[i].domid == domid && now < cut_failures[i].retry_at)
            return true;
    return false;
}

static void remember_cut_failure(uint32_t domid, time_t now)
{
    unsigned oldest = 0;

    for (unsigned i = 1; i < MAX_CUT_FAILURES; i++)
        if (cut_failures[i].retry_at < cut_failures[oldest].retry_at)
            oldest = i;
    cut_failures[oldest].domid = domid;
    cut_failures[oldest].retry_at = now + CUT_RETRY_S;
}

static void cut_logs(struct hv *hv, uint64_t cut_bytes)
{
    struct xu_err err;
    time_t now = time(NULL);
    size_t n;

    if (hv_list(hv, domains, HV_MAX_DOMAINS, &n, &err) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        char log[512];
        struct stat st;

        if (domains[i].domid == 0 || !domains[i].has_name || (domains[i].flags & DOMINF_DYING) ||
            cut_failed_lately(domains[i].domid, now))
            continue;
        conlog_path(domains[i].name, log, sizeof(log));
        if (stat(log, &st) < 0 || (uint64_t)st.st_size <= cut_bytes)
            continue;
        if (conlog_cut(domains[i].name, domains[i].domid, &err) < 0) {
            note("cannot cut the console log of %s: %s; trying again in %d s", domains[i].name,
                 err.msg, CUT_RETRY_S);
            remember_cut_failure(domains[i].domid, now);
        } else
            note("cut the console log of %s at %llu bytes (its output so far: %llu)",
                 domains[i].name, (unsigned long long)st.st_size,
                 (unsigned long long)conlog_base(domains[i].domid));
    }
}

int cmd_monitor(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    uint64_t cut_bytes = CONLOG_CUT_BYTES;

    if (argc == 2 && strcmp(argv[0], "--log-cut-kib") == 0) {
        char *end;
        unsigned long kib = strtoul(argv[1], &end, 10);

        if (*end || end == argv[1] || kib == 0 || kib > (1ul << 20))
            return xu_fail(err, "--log-cut-kib: expected KiB from 1 to 1048576, got \"%s\"",
                           argv[1]);
        cut_bytes = (uint64_t)kib << 10;
    } else if (argc) {
        return usage_error(find_command("monitor"), err, "unexpected arguments");
    }
    /* xenstored fires @releaseDomain when a domain shuts down, crashes or dies. */
    if (!xs_watch(hv->xs, "@releaseDomain", "xu-monitor"))
        return xu_fail(err, "cannot watch @releaseDomain: %s", strerror(errno));
    note("watching domains; console logs are cut past %llu KiB",
         (unsigned long long)(cut_bytes >> 10));
    for (;;) {
        struct pollfd watch = {.fd = xs_fileno(hv->xs), .events = POLLIN};
        int ready = poll(&watch, 1, LOG_CHECK_MS);

        if (ready < 0 && errno != EINTR)
            return xu_fail(err, "cannot wait for xenstored: %s", strerror(errno));
        if (ready > 0) {
            unsigned int n;
            char **event = xs_read_watch(hv->xs, &n);

            if (!event)
                return xu_fail(err, "lost xenstored: %s", strerror(errno));
            free(event);
            scan(hv);
        }
        cut_logs(hv, cut_bytes);
    }
}
