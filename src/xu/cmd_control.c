/* xu pause, unpause, destroy and shutdown: one domain, by id or name. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "create.h"
#include "domxs.h"
#include "pvdev.h"
#include "wait.h"

#define SHUTDOWN_ACK_MS 60000 /* as long as xl waits for a guest to take the request */

static int target(struct hv *hv, const char *arg, const char *verb, uint32_t *domid,
                  struct xu_err *err)
{
    if (hv_resolve(hv, arg, domid, err) < 0)
        return -1;
    if (*domid == 0)
        return xu_fail(err, "Domain-0 cannot be %s from itself", verb);
    return 0;
}

int cmd_pause(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    uint32_t domid;

    (void)argc;
    if (target(hv, argv[0], "paused", &domid, err) < 0)
        return -1;
    if (hv_pause(hv, domid, err) < 0)
        return -1;
    printf("domain:%u paused\n", domid);
    return 0;
}

int cmd_unpause(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    uint32_t domid;

    (void)argc;
    if (target(hv, argv[0], "unpaused", &domid, err) < 0)
        return -1;
    if (hv_unpause(hv, domid, err) < 0)
        return -1;
    printf("domain:%u unpaused\n", domid);
    return 0;
}

int cmd_destroy(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    const char *who;
    bool force = false;
    char served[256];
    uint32_t domid;

    if (command_args("destroy", argc, argv, "f", &force, &who, err) < 0)
        return -1;
    if (!who)
        return usage_error(find_command("destroy"), err, "missing arguments");
    if (target(hv, who, "destroyed", &domid, err) < 0)
        return -1;
    /* Their disks and network would vanish under them. */
    if (!force && pvdev_served_domains(hv, domid, served, sizeof(served)) > 0)
        return xu_fail(err,
                       "domain %u serves PV devices of domains %s: destroy those first, or "
                       "force it with xu destroy -f %s",
                       domid, served, who);
    if (domain_destroy(hv, domid, err) < 0)
        return -1;
    printf("domain:%u destroyed\n", domid);
    return 0;
}

#define MONITOR_ACT_MS 10000 /* how long a shut-down domain may wait for xu monitor */

/* Waits until the domain is gone, or has shut down and is to be kept. */
static int wait_for_end(struct hv *hv, uint32_t domid, struct xu_err *err)
{
    char *action = domxs_xu_read(hv, domid, "on_poweroff");
    bool keep = action && strcmp(action, "preserve") == 0, down = false;
    struct xu_wait monitor;

    free(action);
    for (;;) {
        struct domain_info info;
        struct xu_err gone;

        if (hv_info(hv, domid, &info, &gone) < 0)
            return 0;
        if ((info.flags & DOMINF_SHUTDOWN) && !(info.flags & DOMINF_DYING)) {
            if (keep || domain_shutdown_reason(&info) != SHUTDOWN_REASON_POWEROFF)
                return 0; /* kept, or rebooting: either way, it has shut down */
            /* It is down; the monitor destroys it. */
            if (!down)
                xu_wait_begin(&monitor, MONITOR_ACT_MS, 100);
            down = true;
            if (!xu_wait_again(&monitor))
                return xu_fail(err,
                               "domain %u has shut down, but nothing destroyed it in %u s "
                               "(is xu monitor running?); xu destroy ends it",
                               domid, MONITOR_ACT_MS / 1000);
            continue;
        }
        /* Running: as long as the guest takes, as xl shutdown -w waits. */
        xu_sleep_ms(100);
    }
}

int cmd_shutdown(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    const char *who;
    bool wait = false;
    uint32_t domid;
    struct xu_wait ack;

    if (command_args("shutdown", argc, argv, "w", &wait, &who, err) < 0)
        return -1;
    if (!who)
        return usage_error(find_command("shutdown"), err, "which domain?");
    if (target(hv, who, "shut down", &domid, err) < 0)
        return -1;
    if (domxs_request_poweroff(hv, domid, err) < 0)
        return -1;
    xu_wait_begin(&ack, SHUTDOWN_ACK_MS, 100);
    while (!domxs_poweroff_taken(hv, domid))
        if (!xu_wait_again(&ack))
            return xu_fail(err,
                           "domain %u did not take the shutdown request within %u s (no "
                           "PV control in the guest?); xu destroy ends it",
                           domid, SHUTDOWN_ACK_MS / 1000);
    if (!wait) {
        printf("domain:%u shutting down\n", domid);
        return 0;
    }
    if (wait_for_end(hv, domid, err) < 0)
        return -1;
    printf("domain:%u shut down\n", domid);
    return 0;
}
