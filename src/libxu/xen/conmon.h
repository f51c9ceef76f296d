/*
 * xu monitor serves the consoles of the domains xu creates (conserve.h);
 * this is how other xu commands talk to it: a local socket carrying one
 * fixed-size request and one reply at a time. `xu create` hands it a new
 * domain's console before the domain runs; `xu console` sends typed input
 * through it; a create that fails after the hand-over has it let go.
 */
#ifndef XU_CONMON_H
#define XU_CONMON_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CONMON_SOCKET     "/run/xu/monitor.sock"
#define CONMON_PID_FILE   "/run/xu/monitor.pid"
#define CONMON_NAME_BYTES 64
#define CONMON_DATA_BYTES 512

/*
 * CHECK: a domain stopped before it was introduced to xenstored, which then
 * never tells the monitor (@releaseDomain is only for domains it knows); the
 * monitor looks at the domains again.
 */
enum conmon_op { CONMON_TAKE = 1, CONMON_INPUT = 2, CONMON_RELEASE = 3, CONMON_CHECK = 4 };

struct conmon_request {
    uint32_t op, domid;
    uint64_t gfn;   /* TAKE: the ring's page in the guest */
    uint32_t port;  /* TAKE: the guest's end of the console's event channel */
    uint32_t bytes; /* INPUT: how much of data */
    char name[CONMON_NAME_BYTES];
    char data[CONMON_DATA_BYTES];
};

struct conmon_reply {
    int32_t status; /* 0, or -1 with msg */
    uint32_t taken; /* INPUT: the bytes that fit in the ring */
    char msg[200];
};

/* A connection to the running monitor; says how to start it when there is none. */
int conmon_connect(struct xu_err *err);
/* One request and its answer; -1 with the monitor's reason when it refuses. */
int conmon_call(int fd, const struct conmon_request *req, struct conmon_reply *reply,
                struct xu_err *err);

/* The monitor's side: its listening socket (any stale one replaced). */
int conmon_listen(struct xu_err *err);

#endif
