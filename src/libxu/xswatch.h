/*
 * One xenstore watch on a connection of its own, as a descriptor to poll.
 *
 * xu is one static program, and the static libxenstore has no reader
 * thread: a watch event that arrives on the handle xu also sends requests
 * on is taken for their answer, and the request fails (EINVAL). So the
 * watch gets its own connection, on which nothing else is asked and every
 * message after the watch's acknowledgement is an event: xenstored's socket
 * where xenstored runs (Dom0), else the kernel's xenbus device (a driver
 * domain), chosen as libxenstore's xs_open(0) does. The messages are xsbatch.h's wire format.
 */
#ifndef XU_XSWATCH_H
#define XU_XSWATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

#define XSW_XENBUS_DEVICE "/dev/xen/xenbus"

/* xenstore's wire numbers for a watch (checked against Xen's in domxs.c). */
enum xsw_type {
    XSW_WATCH = 4,
    XSW_WATCH_EVENT = 15,
};

struct xsw {
    int fd;
    bool fired; /* an event came before the watch was acknowledged */
};

/* Watches `path` (or a special node: @releaseDomain) on a new connection. */
int xsw_open(struct xsw *w, const char *path, const char *token, struct xu_err *err);
/* The same over `fd`, which the watch now owns (a socketpair in the tests). */
int xsw_attach(struct xsw *w, int fd, const char *path, const char *token, struct xu_err *err);
/* Readable when the watch has fired. */
int xsw_fd(const struct xsw *w);
/*
 * Reads what the watch has sent: 1 when it fired (its events are consumed
 * one per call; poll again for more), -1 when the connection is lost or out
 * of step (err says which). Call it when xsw_fd() is readable. An event
 * that came before the acknowledgement (the xenbus device queues the first
 * one from another thread) was read with it, where poll cannot see it: the
 * next call reports it without reading. A caller that looks at everything
 * once the watch is set, as xu monitor and xu devd do, misses nothing.
 */
int xsw_read_event(struct xsw *w, struct xu_err *err);
void xsw_close(struct xsw *w);

#endif
