#include "xsbatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define XSB_WATCH_EVENT 15 /* not asked for on this connection, but skipped if it comes */

static const struct {
    const char *name;
    int value;
} errnos[] = {
    {"EINVAL", EINVAL},       {"EACCES", EACCES},   {"EEXIST", EEXIST}, {"EISDIR", EISDIR},
    {"ENOENT", ENOENT},       {"ENOMEM", ENOMEM},   {"ENOSPC", ENOSPC}, {"EIO", EIO},
    {"ENOTEMPTY", ENOTEMPTY}, {"ENOSYS", ENOSYS},   {"EROFS", EROFS},   {"EBUSY", EBUSY},
    {"EAGAIN", EAGAIN},       {"EISCONN", EISCONN}, {"E2BIG", E2BIG},   {"EPERM", EPERM},
};

int xsb_errno(const char *name)
{
    for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
        if (strcmp(name, errnos[i].name) == 0)
            return errnos[i].value;
    return EIO;
}

void xsb_attach(struct xsb *b, int fd)
{
    *b = (struct xsb){.fd = fd};
}

int xsb_connect(struct xsb *b, struct xu_err *err)
{
    const char *path = getenv("XENSTORED_PATH");
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd;

    if (!path || !path[0])
        path = XSB_DEFAULT_SOCKET;
    if (strlen(path) >= sizeof(addr.sun_path))
        return xu_fail(err, "xenstore: socket path too long: %s", path);
    memcpy(addr.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int saved = errno;

        if (fd >= 0)
            close(fd);
        return xu_fail(err, "cannot reach xenstored at %s: %s", path, strerror(saved));
    }
    xsb_attach(b, fd);
    return 0;
}

void xsb_close(struct xsb *b)
{
    if (b->fd >= 0)
        close(b->fd);
    free(b->out);
    free(b->req);
    *b = (struct xsb){.fd = -1};
}

static bool grow(void **p, size_t *cap, size_t need, size_t unit)
{
    size_t n = *cap ? *cap : 16;
    void *q;

    if (need <= *cap)
        return true;
    while (n < need)
        n *= 2;
    q = realloc(*p, n * unit);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

/* A request that cannot be sent: xsb_send fails, naming it (an empty name would not show). */
static void refuse(struct xsb *b, const char *path)
{
    snprintf(b->too_big, sizeof(b->too_big), "%s", path[0] ? path : "(no path)");
}

/* Queues one message whose payload is `parts` (each with its NUL unless it is `last_raw`). */
static void queue(struct xsb *b, uint32_t type, const char *path, const char *const *parts,
                  unsigned n_parts, bool last_raw)
{
    size_t len = 0, at;
    uint32_t header[4];
    struct xsb_request *r;

    if (b->too_big[0])
        return;
    for (unsigned i = 0; i < n_parts; i++)
        len += strlen(parts[i]) + (last_raw && i == n_parts - 1 ? 0 : 1);
    if (len > XSB_PAYLOAD_MAX || strlen(path) >= XSB_PATH_BYTES ||
        !grow((void **)&b->out, &b->cap_bytes, b->used_bytes + XSB_HEADER_BYTES + len, 1) ||
        !grow((void **)&b->req, &b->cap_req, b->n_req + 1, sizeof(*b->req))) {
        refuse(b, path);
        return;
    }
    r = &b->req[b->n_req++];
    *r = (struct xsb_request){.type = type, .req_id = ++b->next_req_id};
    snprintf(r->path, sizeof(r->path), "%s", path);
    header[0] = type;
    header[1] = r->req_id;
    header[2] = b->tx_id;
    header[3] = (uint32_t)len;
    memcpy(b->out + b->used_bytes, header, sizeof(header));
    at = b->used_bytes + sizeof(header);
    for (unsigned i = 0; i < n_parts; i++) {
        size_t n = strlen(parts[i]) + (last_raw && i == n_parts - 1 ? 0 : 1);

        memcpy(b->out + at, parts[i], n);
        at += n;
    }
    b->used_bytes = at;
}

void xsb_write(struct xsb *b, const char *path, const char *value)
{
    const char *parts[] = {path, value};

    queue(b, XSB_WRITE, path, parts, 2, true);
}

void xsb_set_perms(struct xsb *b, const char *path, uint32_t owner, const uint32_t *readers,
                   unsigned n_readers)
{
    char perm[1 + XSB_MAX_READERS][16];
    const char *parts[2 + XSB_MAX_READERS] = {path, perm[0]};

    if (n_readers > XSB_MAX_READERS) {
        refuse(b, path);
        return;
    }
    /* The first entry is the owner, with what everyone not listed may do: nothing. */
    snprintf(perm[0], sizeof(perm[0]), "n%u", owner);
    for (unsigned i = 0; i < n_readers; i++) {
        snprintf(perm[1 + i], sizeof(perm[1 + i]), "r%u", readers[i]);
        parts[2 + i] = perm[1 + i];
    }
    queue(b, XSB_SET_PERMS, path, parts, 2 + n_readers, false);
}

void xsb_rm(struct xsb *b, const char *path)
{
    const char *parts[] = {path};

    queue(b, XSB_RM, path, parts, 1, false);
}

void xsb_read(struct xsb *b, const char *path, char *value, size_t value_bytes)
{
    const char *parts[] = {path};
    size_t before = b->n_req;

    if (value_bytes)
        value[0] = '\0';
    queue(b, XSB_READ, path, parts, 1, false);
    if (b->n_req > before) {
        b->req[before].value = value;
        b->req[before].value_bytes = value_bytes;
    }
}

void xsb_introduce(struct xsb *b, uint32_t domid, uint64_t gfn, uint32_t port)
{
    char id[16], frame[24], chan[16];
    const char *parts[] = {id, frame, chan};

    snprintf(id, sizeof(id), "%u", domid);
    snprintf(frame, sizeof(frame), "%llu", (unsigned long long)gfn);
    snprintf(chan, sizeof(chan), "%u", port);
    queue(b, XSB_INTRODUCE, id, parts, 3, false);
}

static const char *doing(uint32_t type)
{
    switch (type) {
    case XSB_WRITE:
        return "write";
    case XSB_SET_PERMS:
        return "set the permissions of";
    case XSB_RM:
        return "remove";
    case XSB_INTRODUCE:
        return "introduce domain";
    case XSB_TRANSACTION_START:
        return "start a transaction";
    case XSB_TRANSACTION_END:
        return "end the transaction";
    default:
        return "read";
    }
}

int xsb_write_all(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;

    while (n) {
        /* A xenstored gone is an error to report, not a SIGPIPE to die of. */
        ssize_t done = send(fd, p, n, MSG_NOSIGNAL);

        if (done < 0 && errno == ENOTSOCK) /* the xenbus device */
            done = write(fd, p, n);
        if (done < 0 && errno == EINTR)
            continue; /* xu's held signals interrupt without restarting */
        if (done <= 0)
            return -1;
        p += done;
        n -= (size_t)done;
    }
    return 0;
}

int xsb_read_all(int fd, void *buf, size_t n)
{
    uint8_t *p = buf;

    while (n) {
        ssize_t got = read(fd, p, n);

        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (got == 0)
                errno = ECONNRESET;
            return -1;
        }
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

/* Sends the queue and reads its answers; the last answer's payload goes to `reply`. */
static int exchange(struct xsb *b, char *reply, size_t reply_bytes, struct xu_err *err)
{
    char payload[XSB_PAYLOAD_MAX + 1];
    int rc = 0, failed_errno = 0;
    size_t n = b->n_req;

    if (b->too_big[0]) {
        rc = xu_fail(err, "xenstore: cannot queue a request for %s (too long, or out of memory)",
                     b->too_big);
        failed_errno = E2BIG;
        n = 0;
    } else if (n && xsb_write_all(b->fd, b->out, b->used_bytes) < 0) {
        failed_errno = errno;
        rc = xu_fail(err, "xenstore: cannot send to xenstored: %s", strerror(errno));
        n = 0;
    }
    for (size_t i = 0; i < n;) {
        uint32_t h[4] = {0};
        bool got;

        errno = EPROTO; /* what a too long answer is */
        got = xsb_read_all(b->fd, h, sizeof(h)) == 0 && h[3] <= XSB_PAYLOAD_MAX &&
              xsb_read_all(b->fd, payload, h[3]) == 0;
        if (!got || (h[0] != XSB_WATCH_EVENT && h[1] != b->req[i].req_id)) {
            failed_errno = got ? EPROTO : errno;
            rc = xu_fail(err, "xenstore: no answer from xenstored to request %u: %s",
                         b->req[i].req_id, strerror(failed_errno));
            /* Out of step with the answers: nothing more on this connection. */
            close(b->fd);
            b->fd = -1;
            break;
        }
        payload[h[3]] = '\0';
        if (h[0] == XSB_WATCH_EVENT)
            continue;
        if (h[0] == XSB_ERROR && b->req[i].type == XSB_READ && strcmp(payload, "ENOENT") == 0) {
            i++;
            continue;
        }
        if (h[0] == XSB_ERROR && rc == 0) {
            failed_errno = xsb_errno(payload);
            rc = xu_fail(err, "xenstore: cannot %s %s: %s", doing(b->req[i].type), b->req[i].path,
                         strerror(failed_errno));
        }
        if (h[0] != XSB_ERROR && b->req[i].value_bytes) {
            size_t len = strnlen(payload, b->req[i].value_bytes - 1);

            memcpy(b->req[i].value, payload, len);
            b->req[i].value[len] = '\0';
        }
        if (reply && reply_bytes && i == n - 1) {
            size_t len = strnlen(payload, reply_bytes - 1);

            memcpy(reply, payload, len);
            reply[len] = '\0';
        }
        i++;
    }
    b->used_bytes = 0;
    b->n_req = 0;
    b->too_big[0] = '\0';
    errno = failed_errno;
    return rc;
}

int xsb_send(struct xsb *b, struct xu_err *err)
{
    return exchange(b, NULL, 0, err);
}

int xsb_transaction_start(struct xsb *b, struct xu_err *err)
{
    const char *parts[] = {""};
    char id[32] = "";
    char *end;
    unsigned long v;

    b->tx_id = 0;
    queue(b, XSB_TRANSACTION_START, "/", parts, 1, false);
    if (exchange(b, id, sizeof(id), err) < 0)
        return -1;
    v = strtoul(id, &end, 10);
    if (end == id || *end || v == 0 || v > UINT32_MAX) {
        errno = EPROTO;
        return xu_fail(err, "xenstore: xenstored gave no transaction (\"%s\")", id);
    }
    b->tx_id = (uint32_t)v;
    return 0;
}

int xsb_transaction_end(struct xsb *b, bool commit, struct xu_err *err)
{
    const char *parts[] = {commit ? "T" : "F"};
    int rc;

    queue(b, XSB_TRANSACTION_END, "/", parts, 1, false);
    rc = exchange(b, NULL, 0, err);
    b->tx_id = 0;
    return rc;
}
