/*
 * xu autostart: run by Dom0's init once xu attach has connected the domains
 * Xen started. It starts every config on the dom0 partition that says
 * `autostart = 1`, each once the domains serving its PV devices do: a
 * running driver domain whose xu devd serves, or another autostart guest
 * started before it. What it does and why a guest was not started go to
 * its output (Dom0's init keeps it in /var/log/xu-autostart.log); one
 * guest's failure does not stop the others.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "commands.h"
#include "create.h"
#include "domcfg.h"
#include "domxs.h"
#include "registry.h"
#include "steptime.h"
#include "wait.h"

/* How long a backend's xu devd may take to serve after Dom0 is up (DomD boots alongside). */
#define DEVD_WAIT_MS 120000
#define DEVD_POLL_MS 100

enum state { PENDING, STARTED, FAILED };

struct guest {
    char path[PATH_MAX];
    struct domain_config dc;
    enum state state;
};

static struct guest guests[REGISTRY_MAX];

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    struct timespec now;
    va_list ap;

    clock_gettime(CLOCK_BOOTTIME, &now);
    printf("[%5ld.%03ld] xu autostart: ", (long)now.tv_sec, now.tv_nsec / 1000000);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

/* The backend domain names of g's PV devices, each once. */
static unsigned backends_of(const struct guest *g, const char *out[])
{
    unsigned n = 0;

    for (unsigned i = 0; i < g->dc.n_vifs + g->dc.n_disks; i++) {
        const char *b =
            i < g->dc.n_vifs ? g->dc.vifs[i].backend : g->dc.disks[i - g->dc.n_vifs].backend;
        bool seen = false;

        for (unsigned j = 0; j < n; j++)
            seen = seen || strcmp(out[j], b) == 0;
        if (!seen)
            out[n++] = b;
    }
    return n;
}

static struct guest *autostart_guest(unsigned n, const char *name)
{
    for (unsigned i = 0; i < n; i++)
        if (strcmp(guests[i].dc.name, name) == 0)
            return &guests[i];
    return NULL;
}

/* Waits until domain `domid`'s xu devd says it serves (data/xu-devd). */
static int wait_for_devd(struct hv *hv, uint32_t domid, const char *name, struct xu_err *err)
{
    struct xu_wait w;

    xu_wait_begin(&w, DEVD_WAIT_MS, DEVD_POLL_MS);
    while (!domxs_devd_serving(hv, domid))
        if (!xu_wait_again(&w))
            return xu_fail(err, "its backend %s's xu devd is not serving after %u s", name,
                           DEVD_WAIT_MS / 1000);
    return 0;
}

static int start_guest(struct hv *hv, struct guest *g, struct xu_err *err)
{
    char absolute[PATH_MAX], *text;
    uint32_t domid;
    size_t len;
    int rc;

    if (cfg_read_text(g->path, &text, &len, err) < 0)
        return -1;
    if (!realpath(g->path, absolute))
        snprintf(absolute, sizeof(absolute), "%s", g->path);
    step_done(NULL);
    rc = domain_create(hv, &g->dc, absolute, text, len, false, &domid, err);
    free(text);
    if (rc == 0)
        say("%s: domain:%u created", g->dc.name, domid);
    return rc;
}

/*
 * One guest, if its backends are ready: 1 started, 0 not yet (a backend is
 * an autostart guest still to start), -1 failed (err says why).
 */
static int try_guest(struct hv *hv, unsigned n, struct guest *g, struct xu_err *err)
{
    const char *backends[DOMCFG_MAX_VIFS + DOMCFG_MAX_DISKS];
    unsigned n_backends = backends_of(g, backends);

    for (unsigned i = 0; i < n_backends; i++) {
        const struct guest *b = autostart_guest(n, backends[i]);

        if (b && b->state == PENDING)
            return 0;
        if (b && b->state == FAILED)
            return xu_fail(err, "its backend %s was not started", backends[i]);
    }
    for (unsigned i = 0; i < n_backends; i++) {
        uint32_t domid;

        if (hv_resolve(hv, backends[i], &domid, err) < 0)
            return xu_fail(err, "its backend %s is not running", backends[i]);
        if (wait_for_devd(hv, domid, backends[i], err) < 0)
            return -1;
    }
    return start_guest(hv, g, err) < 0 ? -1 : 1;
}

int cmd_autostart(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    static char names[REGISTRY_MAX][REGISTRY_NAME_BYTES];
    unsigned n = 0, started = 0, failed = 0;
    size_t n_names;
    bool progress = true;

    (void)argc;
    (void)argv;
    if (registry_list(REGISTRY_DIR, names, REGISTRY_MAX, &n_names, err) < 0)
        return -1;
    for (size_t i = 0; i < n_names; i++) {
        struct guest *g = &guests[n];
        struct xu_err why = {{0}};

        if (registry_path(REGISTRY_DIR, names[i], g->path, sizeof(g->path), &why) < 0 ||
            domcfg_load(g->path, NULL, &g->dc, &why) < 0) {
            say("%s: cannot read its config: %s", names[i], why.msg);
            continue;
        }
        if (!g->dc.autostart)
            continue;
        g->state = PENDING;
        n++;
    }
    say("%u domain%s to start", n, n == 1 ? "" : "s");
    /* Each round starts what its backends allow; a guest served by another waits a round. */
    while (progress) {
        progress = false;
        for (unsigned i = 0; i < n; i++) {
            struct guest *g = &guests[i];
            struct xu_err why = {{0}};
            int rc;

            if (g->state != PENDING)
                continue;
            rc = try_guest(hv, n, g, &why);
            if (rc == 0)
                continue;
            progress = true;
            g->state = rc > 0 ? STARTED : FAILED;
            if (rc > 0) {
                started++;
            } else {
                failed++;
                say("%s: not started: %s", g->dc.name, why.msg);
            }
        }
    }
    for (unsigned i = 0; i < n; i++) {
        if (guests[i].state == PENDING) {
            failed++;
            say("%s: not started: its backends wait for each other", guests[i].dc.name);
        }
    }
    say("done: %u started, %u not", started, failed);
    if (failed)
        return xu_fail(err, "autostart: %u domain%s not started (see above)", failed,
                       failed == 1 ? "" : "s");
    return 0;
}
