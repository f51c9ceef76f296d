#include "conserve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
/* Xen's public headers take their types from xenctrl.h. */
#include <xen/io/console.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>

#include "conio.h"
#include "conlog.h"
#include "hv.h"

_Static_assert(sizeof(struct conio_ring) == sizeof(struct xencons_interface), "conio.h: ring");
_Static_assert(offsetof(struct conio_ring, out) == offsetof(struct xencons_interface, out),
               "conio.h: out");
_Static_assert(offsetof(struct conio_ring, in_cons) == offsetof(struct xencons_interface, in_cons),
               "conio.h: in_cons");
_Static_assert(offsetof(struct conio_ring, out_prod) ==
                   offsetof(struct xencons_interface, out_prod),
               "conio.h: out_prod");

/* xenconsoled's own limits (tools/console/daemon/io.c), so a guest gets the same. */
#define RATE_EVENTS    30
#define RATE_PERIOD_MS 200

struct served {
    bool used, held;
    uint32_t domid;
    char name[64];
    struct conio_ring *ring;
    evtchn_port_t local_port;
    int log_fd;
    unsigned events;
    uint64_t period_start_ms;
};

struct conserve {
    xenevtchn_handle *xce;
    xenforeignmemory_handle *fmem;
    struct served c[HV_MAX_DOMAINS];
};

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct conserve *conserve_open(struct xu_err *err)
{
    struct conserve *cs = calloc(1, sizeof(*cs));

    if (!cs) {
        xu_fail(err, "out of memory");
        return NULL;
    }
    cs->xce = xenevtchn_open(NULL, 0);
    cs->fmem = xenforeignmemory_open(NULL, 0);
    if (!cs->xce || !cs->fmem) {
        xu_fail(err, "cannot open Xen's event channels and foreign memory: %s", strerror(errno));
        if (cs->xce)
            xenevtchn_close(cs->xce);
        if (cs->fmem)
            xenforeignmemory_close(cs->fmem);
        free(cs);
        return NULL;
    }
    /* Read until no port is pending: without this the last read would block. */
    fcntl(xenevtchn_fd(cs->xce), F_SETFL, fcntl(xenevtchn_fd(cs->xce), F_GETFL) | O_NONBLOCK);
    return cs;
}

int conserve_fd(const struct conserve *cs)
{
    return xenevtchn_fd(cs->xce);
}

static struct served *find(struct conserve *cs, uint32_t domid)
{
    for (size_t i = 0; i < HV_MAX_DOMAINS; i++)
        if (cs->c[i].used && cs->c[i].domid == domid)
            return &cs->c[i];
    return NULL;
}

bool conserve_serves(const struct conserve *cs, uint32_t domid)
{
    return find((struct conserve *)cs, domid) != NULL;
}

/*
 * Logs what the ring holds, at most one ring's worth: a guest that writes as
 * fast as it is read must not keep the monitor here. What it writes after is
 * read at its next event (it notifies after each write, and a masked port
 * keeps the event pending); the guest is told there is room again.
 */
static void drain(struct conserve *cs, struct served *c)
{
    char buf[CONIO_OUT_BYTES];
    long n;
    bool any = false;

    if ((n = conio_read_out(c->ring, buf, sizeof(buf))) > 0) {
        any = true;
        /* A full log space loses the output, as a full disk does xenconsoled's. */
        for (char *p = buf; n > 0;) {
            ssize_t w = write(c->log_fd, p, (size_t)n);

            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            p += w;
            n -= w;
        }
    }
    if (any)
        xenevtchn_notify(cs->xce, c->local_port);
}

static int open_log(const char *name)
{
    char path[512];

    conlog_path(name, path, sizeof(path));
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

int conserve_take(struct conserve *cs, uint32_t domid, const char *name, uint64_t gfn,
                  uint32_t port, struct xu_err *err)
{
    struct served *c = NULL;
    xen_pfn_t pfn = (xen_pfn_t)gfn;
    xenevtchn_port_or_error_t local;

    if (find(cs, domid))
        return 0;
    for (size_t i = 0; i < HV_MAX_DOMAINS && !c; i++)
        if (!cs->c[i].used)
            c = &cs->c[i];
    if (!c)
        return xu_fail(err, "domain %u: already serving %d consoles", domid, HV_MAX_DOMAINS);
    if (strlen(name) >= sizeof(c->name))
        return xu_fail(err, "domain %u: name too long", domid);
    *c = (struct served){.domid = domid, .log_fd = -1};
    snprintf(c->name, sizeof(c->name), "%s", name);
    c->ring = xenforeignmemory_map(cs->fmem, domid, PROT_READ | PROT_WRITE, 1, &pfn, NULL);
    if (!c->ring)
        return xu_fail(err, "domain %u: cannot map its console ring (page 0x%llx): %s", domid,
                       (unsigned long long)gfn, strerror(errno));
    local = xenevtchn_bind_interdomain(cs->xce, domid, port);
    if (local < 0) {
        int saved = errno;

        xenforeignmemory_unmap(cs->fmem, c->ring, 1);
        return xu_fail(err, "domain %u: cannot bind its console's event channel %u: %s", domid,
                       port, strerror(saved));
    }
    c->local_port = (evtchn_port_t)local;
    c->log_fd = open_log(name);
    if (c->log_fd < 0) {
        int saved = errno;

        xenevtchn_unbind(cs->xce, c->local_port);
        xenforeignmemory_unmap(cs->fmem, c->ring, 1);
        return xu_fail(err, "%s/guest-%s.log: %s", CONLOG_DIR, name, strerror(saved));
    }
    c->used = true;
    c->period_start_ms = now_ms();
    drain(cs, c);
    return 0;
}

void conserve_handle_events(struct conserve *cs)
{
    xenevtchn_port_or_error_t port;

    /* Every pending port, not just one: each poll wake-up may carry several. */
    while ((port = xenevtchn_pending(cs->xce)) >= 0) {
        struct served *c = NULL;

        for (size_t i = 0; i < HV_MAX_DOMAINS && !c; i++)
            if (cs->c[i].used && cs->c[i].local_port == (evtchn_port_t)port)
                c = &cs->c[i];
        if (!c) {
            xenevtchn_unmask(cs->xce, (evtchn_port_t)port);
            continue;
        }
        drain(cs, c);
        if (++c->events < RATE_EVENTS)
            xenevtchn_unmask(cs->xce, c->local_port);
        else
            c->held = true; /* masked until its period ends (conserve_tick) */
    }
}

int conserve_tick(struct conserve *cs)
{
    uint64_t now = now_ms();
    int next = -1;

    for (size_t i = 0; i < HV_MAX_DOMAINS; i++) {
        struct served *c = &cs->c[i];
        uint64_t left;

        if (!c->used)
            continue;
        if (now - c->period_start_ms >= RATE_PERIOD_MS) {
            c->period_start_ms = now;
            c->events = 0;
            if (c->held) {
                c->held = false;
                drain(cs, c);
                xenevtchn_unmask(cs->xce, c->local_port);
            }
        }
        if (!c->held)
            continue;
        left = RATE_PERIOD_MS - (now - c->period_start_ms);
        if (next < 0 || left < (uint64_t)next)
            next = (int)left;
    }
    return next;
}

long conserve_input(struct conserve *cs, uint32_t domid, const char *buf, size_t len)
{
    struct served *c = find(cs, domid);
    size_t n;

    if (!c)
        return -1;
    n = conio_write_in(c->ring, buf, len);
    if (n)
        xenevtchn_notify(cs->xce, c->local_port);
    return (long)n;
}

static void let_go(struct conserve *cs, struct served *c)
{
    /* The domain is paused or stopped by now: what is left is bounded by the ring. */
    drain(cs, c);
    xenevtchn_unbind(cs->xce, c->local_port);
    /* The mapping holds the guest's page: a destroyed domain lingers until it goes. */
    xenforeignmemory_unmap(cs->fmem, c->ring, 1);
    close(c->log_fd);
    c->used = false;
}

void conserve_drain(struct conserve *cs, uint32_t domid)
{
    struct served *c = find(cs, domid);

    if (c)
        drain(cs, c);
}

void conserve_release(struct conserve *cs, uint32_t domid)
{
    struct served *c = find(cs, domid);

    if (c)
        let_go(cs, c);
}

void conserve_release_gone(struct conserve *cs, const uint32_t *alive, size_t n_alive)
{
    for (size_t i = 0; i < HV_MAX_DOMAINS; i++) {
        bool found = false;

        if (!cs->c[i].used)
            continue;
        for (size_t j = 0; j < n_alive && !found; j++)
            found = alive[j] == cs->c[i].domid;
        if (!found)
            let_go(cs, &cs->c[i]);
    }
}

int conserve_reopen_log(struct conserve *cs, uint32_t domid, struct xu_err *err)
{
    struct served *c = find(cs, domid);
    int fd;

    if (!c)
        return xu_fail(err, "domain %u: its console is not served here", domid);
    drain(cs, c);
    fd = open_log(c->name);
    if (fd < 0)
        return xu_fail(err, "%s/guest-%s.log: %s", CONLOG_DIR, c->name, strerror(errno));
    close(c->log_fd);
    c->log_fd = fd;
    return 0;
}
