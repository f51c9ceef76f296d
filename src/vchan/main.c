/*
 * pixen-vchan: a byte stream between two domains, on Debian's libxenvchan
 * (a ring in pages one domain grants the other, an event channel, and the
 * xenstore nodes that tell the other end where both are).
 *
 *   pixen-vchan listen DOMID PATH send|receive
 *   pixen-vchan connect DOMID PATH send|receive
 *
 * listen offers the ring to domain DOMID at xenstore PATH (in this domain's
 * tree, readable by DOMID) and waits for it; connect joins the ring domain
 * DOMID offers at PATH, waiting up to 30 s for the offer. send copies stdin
 * to the stream and closes it at end of file; receive copies the stream to
 * stdout until the other end closes it. The exit status says whether every
 * byte went through. Interrupted (SIGINT, SIGTERM, SIGHUP), it closes the
 * ring, which takes its nodes out of xenstore, and exits 130.
 */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <libxenvchan.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xentoollog.h>

#include "wait.h"

#define RING_BYTES       65536 /* each way: libxenvchan rounds up to whole pages */
#define CHUNK_BYTES      65536
#define CONNECT_WAIT_MS  30000
#define CONNECT_RETRY_MS 100

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

static const int caught[] = {SIGINT, SIGTERM, SIGHUP};

/*
 * No SA_RESTART: a wait on the ring's event channel returns, and the ring is
 * closed. `block`: held back (but for the listener's ppoll) or let through.
 */
static void catch_signals(bool block)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigset_t set;

    sigemptyset(&sa.sa_mask);
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++) {
        sigaction(caught[i], &sa, NULL);
        sigaddset(&set, caught[i]);
    }
    sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static int usage(void)
{
    fprintf(stderr, "usage: pixen-vchan listen|connect DOMID PATH send|receive\n");
    return 2;
}

static struct libxenvchan *open_stream(bool listen, int domid, const char *path,
                                       xentoollog_logger *log)
{
    struct libxenvchan *v;
    struct xu_wait w;

    if (listen) {
        v = libxenvchan_server_init(log, domid, path, RING_BYTES, RING_BYTES);
        if (!v) {
            fprintf(stderr, "pixen-vchan: cannot offer a ring to domain %d at %s: %s\n", domid,
                    path, strerror(errno));
            return NULL;
        }
        /*
         * 2: offered, nobody has connected yet. The signals stay blocked but
         * inside ppoll, so one that comes just before the wait ends it too.
         */
        while (libxenvchan_is_open(v) == 2 && !interrupted) {
            struct pollfd ready = {.fd = libxenvchan_fd_for_select(v), .events = POLLIN};
            sigset_t none;

            sigemptyset(&none);
            if (ppoll(&ready, 1, NULL, &none) < 0) {
                if (errno == EINTR)
                    continue;
            } else if (libxenvchan_wait(v) >= 0) {
                continue;
            }
            fprintf(stderr, "pixen-vchan: waiting for domain %d: %s\n", domid, strerror(errno));
            libxenvchan_close(v);
            return NULL;
        }
        if (interrupted) {
            libxenvchan_close(v);
            return NULL;
        }
        return v;
    }
    /* The other end may not have offered its ring yet. */
    xu_wait_begin(&w, CONNECT_WAIT_MS, CONNECT_RETRY_MS);
    while (!(v = libxenvchan_client_init(NULL, domid, path)) && !interrupted && xu_wait_again(&w))
        ;
    if (!v && !interrupted)
        fprintf(stderr, "pixen-vchan: domain %d offers no ring at %s (waited %d s)\n", domid, path,
                CONNECT_WAIT_MS / 1000);
    return v;
}

static int send_stream(struct libxenvchan *v)
{
    static char buf[CHUNK_BYTES];
    ssize_t n;

    while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR && !interrupted)
                continue;
            if (interrupted)
                return -1;
            fprintf(stderr, "pixen-vchan: stdin: %s\n", strerror(errno));
            return -1;
        }
        /* Blocking: returns once all of it is in the ring, or the other end has gone. */
        if (libxenvchan_write(v, buf, (size_t)n) != n) {
            if (!interrupted)
                fprintf(stderr, "pixen-vchan: the other end closed the stream\n");
            return -1;
        }
    }
    return 0;
}

static int receive_stream(struct libxenvchan *v)
{
    static char buf[CHUNK_BYTES];

    for (;;) {
        int n = libxenvchan_read(v, buf, sizeof(buf));

        if (n < 0)
            /* Empty and closed: the end of the stream; open: an error. */
            return libxenvchan_is_open(v) ? -1 : 0;
        for (int done = 0; done < n;) {
            ssize_t w = write(STDOUT_FILENO, buf + done, (size_t)(n - done));

            if (w < 0 && errno == EINTR && !interrupted)
                continue;
            if (w <= 0) {
                fprintf(stderr, "pixen-vchan: stdout: %s\n", strerror(errno));
                return -1;
            }
            done += (int)w;
        }
    }
}

int main(int argc, char **argv)
{
    xentoollog_logger *log;
    struct libxenvchan *v;
    bool listen, send;
    char *end;
    long domid;
    int rc = -1;

    if (argc != 5)
        return usage();
    listen = strcmp(argv[1], "listen") == 0;
    send = strcmp(argv[4], "send") == 0;
    errno = 0;
    domid = strtol(argv[2], &end, 10);
    if ((!listen && strcmp(argv[1], "connect") != 0) ||
        (!send && strcmp(argv[4], "receive") != 0) || errno || *end || end == argv[2] ||
        domid < 0 || domid >= 0x7ff0 || argv[3][0] != '/')
        return usage();
    catch_signals(listen); /* a connect's retries sleep: a signal ends the sleep */
    log = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    v = open_stream(listen, (int)domid, argv[3], log);
    /* Streaming: a signal ends the blocking read or write it comes in (EINTR). */
    catch_signals(false);
    if (v) {
        v->blocking = 1;
        rc = send ? send_stream(v) : receive_stream(v);
        libxenvchan_close(v);
    }
    if (log)
        xtl_logger_destroy(log);
    if (interrupted) {
        fprintf(stderr, "pixen-vchan: interrupted (signal %d); the ring is closed\n",
                (int)interrupted);
        return 130;
    }
    return !v || rc < 0 ? 1 : 0;
}
