/*
 * xenstore requests sent to xenstored together, and their answers read
 * together. libxenstore sends a request only once the one before it is
 * answered, and under emulation each round trip costs Dom0 about a
 * millisecond: the 60-odd nodes of a create took 40 ms that way. xenstored
 * answers one connection's requests in the order they came, so a batch
 * costs one round trip, and a transaction three (start, the batch, end).
 *
 * The messages are xenstore's wire protocol (Xen's docs/misc/xenstore.txt):
 * a header of four native-endian 32-bit words (type, request id,
 * transaction id, payload length), then the payload. The numbers are
 * written here so that the host's unit tests need no Xen headers; the
 * target's build checks them against Xen's xs_wire.h.
 */
#ifndef XU_XSBATCH_H
#define XU_XSBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum xsb_type {
    XSB_READ = 2,
    XSB_TRANSACTION_START = 6,
    XSB_TRANSACTION_END = 7,
    XSB_INTRODUCE = 8,
    XSB_WRITE = 11,
    XSB_RM = 13,
    XSB_SET_PERMS = 14,
    XSB_ERROR = 16,
};

#define XSB_DEFAULT_SOCKET "/run/xenstored/socket"
#define XSB_HEADER_BYTES   16
#define XSB_PAYLOAD_MAX    4096 /* xenstored refuses a longer message */
#define XSB_PATH_BYTES     128
#define XSB_MAX_READERS    4

struct xsb_request {
    uint32_t type;
    uint32_t req_id;
    char path[XSB_PATH_BYTES]; /* what a message names */
    char *value;               /* a read's answer goes here (xsb_read) */
    size_t value_bytes;
};

struct xsb {
    int fd;
    uint32_t tx_id; /* the transaction queued requests belong to; 0: none */
    uint32_t next_req_id;
    uint8_t *out; /* the queued messages, as sent */
    size_t used_bytes, cap_bytes;
    struct xsb_request *req;
    size_t n_req, cap_req;
    char too_big[XSB_PATH_BYTES]; /* what a request that could not be queued named */
};

/*
 * All of a buffer to xenstore (a socket, without SIGPIPE, or the xenbus
 * device), and all of one from it; -1 with errno set (ECONNRESET at its end).
 */
int xsb_write_all(int fd, const void *buf, size_t n);
int xsb_read_all(int fd, void *buf, size_t n);

/* Connects to xenstored's socket ($XENSTORED_PATH, else /run/xenstored/socket). */
int xsb_connect(struct xsb *b, struct xu_err *err);
/* Talks over `fd`, which the batch now owns (a socketpair in the tests). */
void xsb_attach(struct xsb *b, int fd);
void xsb_close(struct xsb *b);

void xsb_write(struct xsb *b, const char *path, const char *value);
/* `owner` may do anything with the node; each of `readers` may read it; nobody else anything. */
void xsb_set_perms(struct xsb *b, const char *path, uint32_t owner, const uint32_t *readers,
                   unsigned n_readers);
void xsb_rm(struct xsb *b, const char *path);
/*
 * The node's value goes to `value` when the batch is sent, cut to
 * `value_bytes` - 1 bytes and at its first NUL; a node that does not exist
 * leaves it "" and fails nothing (a domain that is dying has lost its
 * nodes). `value` must stay valid until then.
 */
void xsb_read(struct xsb *b, const char *path, char *value, size_t value_bytes);
/* Tells xenstored to serve domain `domid` on its ring at `gfn`, signalled on `port`. */
void xsb_introduce(struct xsb *b, uint32_t domid, uint64_t gfn, uint32_t port);

/*
 * Sends every queued request, then reads every answer. -1 when xenstored
 * refused one (err names the first, with xenstored's reason, and errno is set
 * to it) or the connection failed; the queue is empty afterwards either way.
 */
int xsb_send(struct xsb *b, struct xu_err *err);

/* A transaction: what is queued after the start belongs to it, until the end. */
int xsb_transaction_start(struct xsb *b, struct xu_err *err);
/* Commits (or, without `commit`, abandons); -1 with errno EAGAIN when a change conflicted. */
int xsb_transaction_end(struct xsb *b, bool commit, struct xu_err *err);

/* The errno xenstored's name for it stands for (xenstore's own list); EIO if unknown. */
int xsb_errno(const char *name);

#endif
