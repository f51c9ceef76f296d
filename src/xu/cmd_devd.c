/*
 * xu devd: the driver domain's daemon (the part of `xl devd` pixen needs).
 * Dom0's toolstack writes a guest's backends under this domain in xenstore;
 * netback and blkback take them from there, and devd does the rest: a vif
 * joins its bridge, a disk file gets a loop device. It answers in
 * hotplug-status (and hotplug-error), which xu create waits for. When a
 * backend goes offline and closes, devd undoes its work and removes it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <xenstore.h>

#include "commands.h"
#include "devd_hotplug.h"
#include "domxs.h"
#include "wait.h"
#include "xswatch.h"

#define PATH_BYTES      192
#define MAX_LOOPS       64
#define PENDING_POLL_MS 50

/* A loop device devd made, and the backend it serves. */
struct loop_use {
    char backend[PATH_BYTES];
    char loop[32];
};

struct devd {
    struct xs_handle *xs;
    unsigned domid;
    char backend_dir[64];
    /*
     * Also kept here, not only in the backend's pixen-loop: if Dom0 removes a
     * backend before devd has seen it close, its loop device is still freed.
     */
    struct loop_use loops[MAX_LOOPS];
    /* A backend waits for its kernel device to go: look again soon, event or not. */
    bool pending;
};

static void remember_loop(struct devd *d, const char *backend, const char *loop)
{
    for (unsigned i = 0; i < MAX_LOOPS; i++)
        if (!d->loops[i].backend[0]) {
            snprintf(d->loops[i].backend, sizeof(d->loops[i].backend), "%s", backend);
            snprintf(d->loops[i].loop, sizeof(d->loops[i].loop), "%s", loop);
            return;
        }
}

static void forget_loop(struct devd *d, const char *backend)
{
    for (unsigned i = 0; i < MAX_LOOPS; i++)
        if (strcmp(d->loops[i].backend, backend) == 0)
            d->loops[i].backend[0] = '\0';
}

/* Frees the loop devices of backends that vanished without devd seeing them close. */
static void free_orphan_loops(struct devd *d)
{
    for (unsigned i = 0; i < MAX_LOOPS; i++) {
        struct loop_use *u = &d->loops[i];
        struct xu_err err = {{0}};
        unsigned len;
        char *there;

        if (!u->backend[0])
            continue;
        there = xs_read(d->xs, XBT_NULL, u->backend, &len);
        if (there) {
            free(there);
            continue;
        }
        if (hotplug_disk_detach(u->loop, &err) < 0)
            printf("xu devd: %s\n", err.msg);
        else
            printf("xu devd: %s freed (its backend was removed)\n", u->loop);
        u->backend[0] = '\0';
        fflush(stdout);
    }
}

static char *read_key(struct devd *d, const char *dir, const char *key)
{
    char path[PATH_BYTES + 32];
    unsigned len;

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xs_read(d->xs, XBT_NULL, path, &len);
}

static void write_key(struct devd *d, const char *dir, const char *key, const char *value)
{
    char path[PATH_BYTES + 32];

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    if (!xs_write(d->xs, XBT_NULL, path, value, strlen(value)))
        printf("xu devd: cannot write %s: %s\n", path, strerror(errno));
}

/* The reason first: the toolstack reads it once it sees the status. */
static void report(struct devd *d, const char *dir, const char *what, const struct xu_err *err)
{
    if (err) {
        printf("xu devd: %s: %s\n", what, err->msg);
        write_key(d, dir, "hotplug-error", err->msg);
        write_key(d, dir, "hotplug-status", "error");
    } else {
        write_key(d, dir, "hotplug-status", "connected");
    }
    fflush(stdout);
}

static void set_up_vif(struct devd *d, const char *dir, unsigned guest, unsigned devid)
{
    char ifname[32], what[64];
    char *bridge = read_key(d, dir, "bridge");
    struct xu_err err = {{0}};
    int rc;

    /* netback names the interface after the guest and the device. */
    snprintf(ifname, sizeof(ifname), "vif%u.%u", guest, devid);
    snprintf(what, sizeof(what), "domain %u's vif %u", guest, devid);
    rc = hotplug_vif_join(ifname, bridge ? bridge : "xenbr0", &err);
    if (rc == 0)
        printf("xu devd: %s: %s joined %s\n", what, ifname, bridge ? bridge : "xenbr0");
    report(d, dir, what, rc < 0 ? &err : NULL);
    free(bridge);
}

static void set_up_vbd(struct devd *d, const char *dir, unsigned guest)
{
    char *target = read_key(d, dir, "params"), *mode = read_key(d, dir, "mode");
    char *vdev = read_key(d, dir, "dev");
    char what[96], loop[32], num[32];
    struct xu_err err = {{0}};
    dev_t dev;
    int rc;

    snprintf(what, sizeof(what), "domain %u's %s", guest, vdev ? vdev : "disk");
    if (!target)
        rc = xu_fail(&err, "no disk target (params)");
    else
        rc = hotplug_disk_attach(target, mode && strcmp(mode, "r") == 0, &dev, loop, sizeof(loop),
                                 &err);
    if (rc == 0) {
        /* Recorded before blkback is told, so a restarted devd can still free it. */
        if (loop[0]) {
            write_key(d, dir, "pixen-loop", loop);
            remember_loop(d, dir, loop);
        }
        write_key(d, dir, "physical-device-path", loop[0] ? loop : target);
        snprintf(num, sizeof(num), "%x:%x", major(dev), minor(dev));
        write_key(d, dir, "physical-device", num);
        printf("xu devd: %s: %s%s%s\n", what, target, loop[0] ? " on " : "", loop);
    }
    report(d, dir, what, rc < 0 ? &err : NULL);
    free(target);
    free(mode);
    free(vdev);
}

static void tear_down(struct devd *d, const char *dir, bool vif, unsigned guest, unsigned devid)
{
    char path[PATH_BYTES];

    if (vif) {
        char ifname[32], *bridge = read_key(d, dir, "bridge");

        snprintf(ifname, sizeof(ifname), "vif%u.%u", guest, devid);
        hotplug_vif_leave(ifname, bridge ? bridge : "xenbr0");
        free(bridge);
        printf("xu devd: domain %u's vif %u is gone\n", guest, devid);
    } else {
        char *loop = read_key(d, dir, "pixen-loop");
        struct xu_err err = {{0}};

        if (loop && hotplug_disk_detach(loop, &err) < 0)
            printf("xu devd: %s\n", err.msg);
        else if (loop)
            printf("xu devd: domain %u's disk %u: %s freed\n", guest, devid, loop);
        free(loop);
        forget_loop(d, dir);
    }
    snprintf(path, sizeof(path), "%s", dir);
    xs_rm(d->xs, XBT_NULL, path);
    fflush(stdout);
}

/* Whether netback's or blkback's device for it is still there (it may still write its state). */
static bool kernel_device_present(bool vif, unsigned guest, unsigned devid)
{
    char path[96];

    /* The device's own folder, which goes after its driver's remove (the bus link goes before). */
    snprintf(path, sizeof(path), "/sys/devices/%s-%u-%u", vif ? "vif" : "vbd", guest, devid);
    return access(path, F_OK) == 0;
}

/*
 * A backend is done with once Dom0 took it offline and it has closed, or its
 * guest is gone, and the kernel has let go of it: removed any earlier, its
 * driver's last state write would fail ("13 writing new state") and leave an
 * error node behind.
 */
static bool finished(struct devd *d, const char *dir, bool vif, unsigned guest, unsigned devid)
{
    char *online = read_key(d, dir, "online"), *state = read_key(d, dir, "state");
    char *frontend = read_key(d, dir, "frontend"), *fe_state = NULL;
    bool done;

    if (frontend) {
        unsigned len;

        fe_state = xs_read(d->xs, XBT_NULL, frontend, &len);
    }
    done =
        (!online || strcmp(online, "0") == 0) && ((state && strcmp(state, "6") == 0) || !fe_state);
    if (done && kernel_device_present(vif, guest, devid)) {
        done = false;
        d->pending = true;
    }
    free(online);
    free(state);
    free(frontend);
    free(fe_state);
    return done;
}

static void serve_device(struct devd *d, bool vif, unsigned guest, unsigned devid)
{
    char dir[PATH_BYTES], *online, *status;

    snprintf(dir, sizeof(dir), "%s/%s/%u/%u", d->backend_dir, vif ? "vif" : "vbd", guest, devid);
    if (finished(d, dir, vif, guest, devid)) {
        tear_down(d, dir, vif, guest, devid);
        return;
    }
    online = read_key(d, dir, "online");
    status = read_key(d, dir, "hotplug-status");
    if (online && strcmp(online, "1") == 0 && !status) {
        if (vif)
            set_up_vif(d, dir, guest, devid);
        else
            set_up_vbd(d, dir, guest);
    }
    free(online);
    free(status);
}

static void scan(struct devd *d)
{
    static const char *const kinds[] = {"vif", "vbd"};

    for (unsigned k = 0; k < 2; k++) {
        char dir[PATH_BYTES];
        unsigned n_guests = 0;
        char **guests;

        snprintf(dir, sizeof(dir), "%s/%s", d->backend_dir, kinds[k]);
        guests = xs_directory(d->xs, XBT_NULL, dir, &n_guests);
        for (unsigned g = 0; guests && g < n_guests; g++) {
            char gdir[PATH_BYTES * 2];
            unsigned n_devs = 0;
            char **devs;

            snprintf(gdir, sizeof(gdir), "%s/%s", dir, guests[g]);
            devs = xs_directory(d->xs, XBT_NULL, gdir, &n_devs);
            for (unsigned i = 0; devs && i < n_devs; i++)
                serve_device(d, k == 0, (unsigned)strtoul(guests[g], NULL, 10),
                             (unsigned)strtoul(devs[i], NULL, 10));
            free(devs);
        }
        free(guests);
    }
    free_orphan_loops(d);
}

/*
 * Whether Linux has connected to xenstore: it binds the "xenbus" interrupt
 * then. Until Dom0's xu attach gives this domain its xenstore page, a request
 * must not even be queued: Linux 6.1 takes the queueing for the signal that
 * xenstore is ready, maps a page at address 0 and oopses.
 */
static bool xenbus_connected(void)
{
    char line[256];
    bool found = false;
    FILE *f = fopen("/proc/interrupts", "r");

    while (f && !found && fgets(line, sizeof(line), f)) {
        size_t n = strcspn(line, "\n");

        line[n] = '\0';
        found = n >= 7 && strcmp(line + n - 7, " xenbus") == 0;
    }
    if (f)
        fclose(f);
    return found;
}

int cmd_devd(struct hv *unused, int argc, char **argv, struct xu_err *err)
{
    struct devd d = {0};
    struct xsw backends;
    struct xu_err why;
    char *domid, *name;
    unsigned len;

    (void)unused;
    (void)argv;
    if (argc)
        return usage_error(find_command("devd"), err, "no arguments expected");
    if (!xenbus_connected()) {
        printf("xu devd: waiting for Dom0 to connect this domain to xenstore\n");
        fflush(stdout);
        while (!xenbus_connected())
            xu_sleep_ms(50);
    }
    d.xs = xs_open(0);
    if (!d.xs)
        return xu_fail(err, "devd: cannot open xenstore: %s", strerror(errno));
    domid = xs_read(d.xs, XBT_NULL, "domid", &len);
    if (!domid)
        return xu_fail(err, "devd: this domain has no domid in xenstore: %s", strerror(errno));
    d.domid = (unsigned)strtoul(domid, NULL, 10);
    free(domid);
    name = xs_read(d.xs, XBT_NULL, "name", &len);
    snprintf(d.backend_dir, sizeof(d.backend_dir), "/local/domain/%u/backend", d.domid);
    if (xsw_open(&backends, d.backend_dir, "backend", &why) < 0)
        return xu_fail(err, "devd: %s", why.msg);
    /* Dom0's xu autostart waits for this before it starts guests that need these backends. */
    write_key(&d, DOMXS_DEVD_DIR, DOMXS_DEVD_KEY, DOMXS_DEVD_SERVING);
    printf("xu devd: serving the PV backends of domain %u (%s)\n", d.domid, name ? name : "?");
    fflush(stdout);
    free(name);
    for (;;) {
        struct pollfd pfd = {.fd = xsw_fd(&backends), .events = POLLIN};

        /* Without a backend pending, the read waits for the next event. */
        if ((!d.pending || poll(&pfd, 1, PENDING_POLL_MS) > 0) &&
            xsw_read_event(&backends, &why) < 0)
            return xu_fail(err, "devd: lost xenstore: %s", why.msg);
        d.pending = false;
        scan(&d);
    }
}
