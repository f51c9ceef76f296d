/*
 * xu monitor: Dom0's init runs it once. It is the console back end of the
 * domains xu creates (conserve.h): `xu create` hands it each new console
 * over its socket (conmon.h) before the guest runs, so the guest's first
 * line is in the log as soon as it is written, with nothing between the
 * guest and its log but this process. When a domain that xu created powers
 * off, reboots or crashes, it does what the domain's on_poweroff, on_reboot
 * or on_crash asks: destroy it, restart it from its config, or keep it.
 * (xl leaves a process per domain behind for this; one is enough.)
 * Every few seconds it also cuts the console logs that have grown past
 * their cap (conlog.h), so a chatty guest cannot fill Dom0's log space.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "conlog.h"
#include "conmon.h"
#include "conring.h"
#include "conserve.h"
#include "create.h"
#include "domcfg.h"
#include "domxs.h"
#include "runstate.h"
#include "steptime.h"
#include "xswatch.h"

/*
 * The monitor runs ahead of the commands on Dom0's one vCPU. Right after a
 * create unpauses its guest, xu writes the guest's xenstore tree with
 * xenstored, both busy for 15-20 ms; at the default weight the monitor,
 * woken by the guest's first line, waited behind them (7-10 ms of a small
 * guest's 30-40 ms to its first logged line, bench/RESULTS.md). The
 * throttle in conserve.c bounds what a guest that writes without pause can
 * take of Dom0 at this weight.
 */
#define MONITOR_NICE (-10)

static struct domain_info domains[HV_MAX_DOMAINS];
static struct xsw released; /* the watch on @releaseDomain */
static struct conserve *consoles;
/* A domain stopped before xenstored knew it (create.c): look at them all again. */
static bool rescan;

static void stopped_early(uint32_t domid)
{
    (void)domid;
    rescan = true;
}

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
 * A vuart is xenconsoled's, and a guest that stops at once may stop before
 * xenconsoled has read its last lines. Long enough for a busy xenconsoled;
 * short enough that a stopped one does not hold the others. (The console
 * this process serves is read to its end when it lets it go.)
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
        /* Read to its end (domain_destroy lets it go); then the vuart, xenconsoled's. */
        conserve_drain(consoles, d->domid);
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

/* The consoles of domains that are dying or gone are let go, so that Xen can free them. */
static void release_gone(const struct domain_info *list, size_t n)
{
    static uint32_t alive[HV_MAX_DOMAINS];
    size_t n_alive = 0;

    for (size_t i = 0; i < n; i++)
        if (!(list[i].flags & DOMINF_DYING))
            alive[n_alive++] = list[i].domid;
    conserve_release_gone(consoles, alive, n_alive);
}

static void scan(struct hv *hv)
{
    struct xu_err err;
    size_t n;

    if (hv_list(hv, domains, HV_MAX_DOMAINS, &n, &err) < 0) {
        note("%s", err.msg);
        return;
    }
    release_gone(domains, n);
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

static int reopen_log(void *ctx, uint32_t domid, struct xu_err *err)
{
    (void)ctx;
    return conserve_reopen_log(consoles, domid, err);
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
        if (conlog_cut(domains[i].name, domains[i].domid,
                       conserve_serves(consoles, domains[i].domid) ? reopen_log : NULL, NULL,
                       &err) < 0) {
            note("cannot cut the console log of %s: %s; trying again in %d s", domains[i].name,
                 err.msg, CUT_RETRY_S);
            remember_cut_failure(domains[i].domid, now);
        } else
            note("cut the console log of %s at %llu bytes (its output so far: %llu)",
                 domains[i].name, (unsigned long long)st.st_size,
                 (unsigned long long)conlog_base(domains[i].domid));
    }
}

/*
 * The consoles of type "xu" that live domains have: after a restart of the
 * monitor, it serves again what it served before.
 */
static void take_existing(struct hv *hv)
{
    struct xu_err err;
    size_t n;

    if (hv_list(hv, domains, HV_MAX_DOMAINS, &n, &err) < 0) {
        note("%s", err.msg);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char *type, *ring, *port;
        char *end_ring = NULL, *end_port = NULL;
        unsigned long long gfn = 0;
        unsigned long evtchn = 0;

        if (domains[i].domid == 0 || !domains[i].has_name || (domains[i].flags & DOMINF_DYING))
            continue;
        type = domxs_console_read(hv, domains[i].domid, "type");
        ring = domxs_console_read(hv, domains[i].domid, "ring-ref");
        port = domxs_console_read(hv, domains[i].domid, "port");
        if (type && strcmp(type, CONSERVE_TYPE) == 0 && ring && port) {
            gfn = strtoull(ring, &end_ring, 10);
            evtchn = strtoul(port, &end_port, 10);
        }
        if (end_ring && !*end_ring && end_port && !*end_port) {
            if (conserve_take(consoles, domains[i].domid, domains[i].name, gfn, (uint32_t)evtchn,
                              &err) < 0)
                note("cannot serve the console of %s: %s", domains[i].name, err.msg);
            else
                note("serving the console of %s (domain %u) again", domains[i].name,
                     domains[i].domid);
        }
        free(type);
        free(ring);
        free(port);
    }
}

static struct conmon_reply answer(const struct conmon_request *req)
{
    struct conmon_reply reply = {0};
    struct xu_err err = {{0}};
    char name[CONMON_NAME_BYTES + 1];
    long taken;

    switch (req->op) {
    case CONMON_TAKE:
        memcpy(name, req->name, CONMON_NAME_BYTES);
        name[CONMON_NAME_BYTES] = '\0';
        if (conserve_take(consoles, req->domid, name, req->gfn, req->port, &err) < 0) {
            reply.status = -1;
            snprintf(reply.msg, sizeof(reply.msg), "%.*s", (int)sizeof(reply.msg) - 1, err.msg);
        }
        break;
    case CONMON_INPUT:
        taken = req->bytes <= CONMON_DATA_BYTES
                    ? conserve_input(consoles, req->domid, req->data, req->bytes)
                    : -1;
        if (taken < 0) {
            reply.status = -1;
            snprintf(reply.msg, sizeof(reply.msg), "domain %u: its console is not served here",
                     req->domid);
        } else {
            reply.taken = (uint32_t)taken;
        }
        break;
    case CONMON_RELEASE:
        conserve_release(consoles, req->domid);
        break;
    case CONMON_CHECK:
        rescan = true;
        break;
    default:
        reply.status = -1;
        snprintf(reply.msg, sizeof(reply.msg), "unknown request %u", req->op);
    }
    return reply;
}

/* xu create holds its connection through the build, xu console for its session. */
#define MAX_CLIENTS 64

static int clients[MAX_CLIENTS];
static size_t n_clients;

static void accept_clients(int listen_fd)
{
    int fd;

    /* Beyond the cap, connections wait in the backlog until a client leaves. */
    while (n_clients < MAX_CLIENTS && (fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
        clients[n_clients++] = fd;
}

/* One request and its answer; false when the client has gone or spoke out of turn. */
static bool serve_client(int fd)
{
    struct conmon_request req;
    struct conmon_reply reply;
    ssize_t n = recv(fd, &req, sizeof(req), MSG_DONTWAIT);

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return true;
    if (n != (ssize_t)sizeof(req))
        return false;
    reply = answer(&req);
    return send(fd, &reply, sizeof(reply), MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)sizeof(reply);
}

#define MAX_FDS (3 + MAX_CLIENTS)

/* The background monitor's end of the pipe its parent waits on; -1 in the foreground. */
static int ready_fd = -1;

/*
 * The parent returns once the monitor serves (its consoles taken again, its
 * pid file written), 0, or with its failure, 1: init's `|| fail` sees both.
 */
static int go_to_background(struct xu_err *err)
{
    int ready[2];
    pid_t pid;
    char byte;

    if (pipe2(ready, O_CLOEXEC) < 0)
        return xu_fail(err, "cannot go to the background: %s", strerror(errno));
    pid = fork();
    if (pid < 0)
        return xu_fail(err, "cannot go to the background: %s", strerror(errno));
    if (pid > 0) {
        close(ready[1]);
        /* The child's stderr says why, when it does not get that far. */
        _exit(read(ready[0], &byte, 1) == 1 ? 0 : 1);
    }
    close(ready[0]);
    ready_fd = ready[1];
    setsid();
    return 0;
}

/* Which process to signal: its name is xu's, like every other xu command's. */
static void write_pid_file(void)
{
    FILE *f = fopen(CONMON_PID_FILE, "w");

    if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0)
        note("%s: %s", CONMON_PID_FILE, strerror(errno));
}

int cmd_monitor(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    uint64_t cut_bytes = CONLOG_CUT_BYTES;
    bool background = false;
    int listen_fd;
    time_t last_cut = 0;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--background") == 0) {
            background = true;
        } else if (strcmp(argv[i], "--log-cut-kib") == 0 && i + 1 < argc) {
            char *end;
            unsigned long kib = strtoul(argv[++i], &end, 10);

            if (*end || end == argv[i] || kib == 0 || kib > (1ul << 20))
                return xu_fail(err, "--log-cut-kib: expected KiB from 1 to 1048576, got \"%s\"",
                               argv[i]);
            cut_bytes = (uint64_t)kib << 10;
        } else {
            return usage_error(find_command("monitor"), err, "unexpected arguments");
        }
    }
    listen_fd = conmon_listen(err);
    if (listen_fd < 0)
        return -1;
    /* Before xenstore's watch thread and the event channels: a fork keeps neither. */
    if (background && go_to_background(err) < 0)
        return -1;
    write_pid_file();
    if (setpriority(PRIO_PROCESS, 0, MONITOR_NICE) < 0)
        note("runs at the default priority (nice %d refused: %s); consoles may lag behind "
             "creates",
             MONITOR_NICE, strerror(errno));
    consoles = conserve_open(err);
    if (!consoles)
        return -1;
    domain_create_serve_consoles(consoles, stopped_early);
    /* xenstored fires @releaseDomain when a domain shuts down, crashes or dies. */
    if (xsw_open(&released, "@releaseDomain", "xu-monitor", err) < 0)
        return -1;
    /* Whatever stopped before the watch, or fired with its acknowledgement (xswatch.h). */
    rescan = true;
    take_existing(hv);
    note("serving consoles and watching domains; console logs are cut past %llu KiB",
         (unsigned long long)(cut_bytes >> 10));
    if (ready_fd >= 0) {
        (void)!write(ready_fd, "", 1);
        close(ready_fd);
    }
    for (;;) {
        struct pollfd fds[MAX_FDS] = {
            {.fd = xsw_fd(&released), .events = POLLIN},
            {.fd = conserve_fd(consoles), .events = POLLIN},
            {.fd = n_clients < MAX_CLIENTS ? listen_fd : -1, .events = POLLIN},
        };
        size_t nfds = 3, kept = 0;
        int tick = conserve_tick(consoles), ready;

        for (size_t i = 0; i < n_clients; i++)
            fds[nfds++] = (struct pollfd){.fd = clients[i], .events = POLLIN};
        ready = poll(fds, nfds, tick >= 0 && tick < LOG_CHECK_MS ? tick : LOG_CHECK_MS);
        if (ready < 0 && errno != EINTR)
            return xu_fail(err, "cannot wait: %s", strerror(errno));
        if (ready > 0 && (fds[1].revents & POLLIN))
            conserve_handle_events(consoles);
        if (ready > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            struct xu_err why;

            if (xsw_read_event(&released, &why) < 0)
                return xu_fail(err, "lost xenstored: %s", why.msg);
            rescan = true;
        }
        for (size_t i = 3; i < nfds; i++) {
            if (!fds[i].revents || serve_client(fds[i].fd))
                clients[kept++] = fds[i].fd;
            else
                close(fds[i].fd);
        }
        n_clients = kept;
        if (ready > 0 && (fds[2].revents & POLLIN))
            accept_clients(listen_fd);
        /* A restart inside the scan may ask for another (a guest that stops at once again). */
        if (rescan) {
            rescan = false;
            scan(hv);
        }
        if (time(NULL) - last_cut >= LOG_CHECK_MS / 1000) {
            last_cut = time(NULL);
            cut_logs(hv, cut_bytes);
        }
    }
}
