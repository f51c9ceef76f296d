#include "xswatch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "xsbatch.h"

#define XSW_REQ_ID 1

/* One whole message: its header into h, its payload (NUL-terminated) into payload. */
static int read_message(struct xsw *w, uint32_t h[4], char payload[XSB_PAYLOAD_MAX + 1],
                        struct xu_err *err)
{
    if (xsb_read_all(w->fd, h, 4 * sizeof(uint32_t)) < 0)
        return xu_fail(err, "xenstore watch: connection lost: %s", strerror(errno));
    if (h[3] > XSB_PAYLOAD_MAX)
        return xu_fail(err, "xenstore watch: a message of %u bytes (at most %d)", h[3],
                       XSB_PAYLOAD_MAX);
    if (xsb_read_all(w->fd, payload, h[3]) < 0)
        return xu_fail(err, "xenstore watch: connection lost: %s", strerror(errno));
    payload[h[3]] = '\0';
    return 0;
}

int xsw_attach(struct xsw *w, int fd, const char *path, const char *token, struct xu_err *err)
{
    size_t path_len = strlen(path) + 1, token_len = strlen(token) + 1;
    char payload[XSB_PAYLOAD_MAX + 1];
    uint32_t h[4] = {XSW_WATCH, XSW_REQ_ID, 0, (uint32_t)(path_len + token_len)};

    *w = (struct xsw){.fd = fd};
    if (path_len + token_len > XSB_PAYLOAD_MAX) {
        xsw_close(w);
        return xu_fail(err, "xenstore watch: a path of %zu bytes is too long", path_len - 1);
    }
    memcpy(payload, path, path_len);
    memcpy(payload + path_len, token, token_len);
    if (xsb_write_all(fd, h, sizeof(h)) < 0 ||
        xsb_write_all(fd, payload, path_len + token_len) < 0) {
        int saved = errno;

        xsw_close(w);
        return xu_fail(err, "cannot watch %s: %s", path, strerror(saved));
    }
    for (;;) {
        if (read_message(w, h, payload, err) < 0) {
            xsw_close(w);
            return -1;
        }
        if (h[0] == XSW_WATCH_EVENT) {
            w->fired = true;
            continue;
        }
        /* Kernels before 4.15 answered on the xenbus device with request id 0. */
        if (h[1] != XSW_REQ_ID && h[1] != 0) {
            xsw_close(w);
            return xu_fail(err, "cannot watch %s: an answer to request %u, not %d", path, h[1],
                           XSW_REQ_ID);
        }
        if (h[0] == XSB_ERROR) {
            int why = xsb_errno(payload);

            xsw_close(w);
            return xu_fail(err, "cannot watch %s: %s", path, strerror(why));
        }
        return 0;
    }
}

/*
 * As libxenstore's xs_open(0): $XENSTORED_PATH, else xenstored's socket;
 * a socket is connected to, anything else (a device) opened; if that
 * fails, the kernel's xenbus device, which reaches xenstored from any domain.
 */
static int connect_xenstore(struct xu_err *err)
{
    const char *path = getenv("XENSTORED_PATH");
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    struct stat st;
    int fd = -1;

    if (!path || !path[0])
        path = XSB_DEFAULT_SOCKET;
    if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && strlen(path) < sizeof(addr.sun_path)) {
        memcpy(addr.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
            return fd;
    } else if (stat(path, &st) == 0) {
        fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd >= 0)
            return fd;
    }
    if (fd >= 0)
        close(fd);
    fd = open(XSW_XENBUS_DEVICE, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return xu_fail(err, "cannot reach xenstore: not at %s, and %s: %s", path, XSW_XENBUS_DEVICE,
                       strerror(errno));
    return fd;
}

int xsw_open(struct xsw *w, const char *path, const char *token, struct xu_err *err)
{
    int fd = connect_xenstore(err);

    *w = (struct xsw){.fd = -1};
    return fd < 0 ? -1 : xsw_attach(w, fd, path, token, err);
}

int xsw_fd(const struct xsw *w)
{
    return w->fd;
}

int xsw_read_event(struct xsw *w, struct xu_err *err)
{
    char payload[XSB_PAYLOAD_MAX + 1];
    uint32_t h[4];

    if (w->fired) {
        w->fired = false;
        return 1;
    }
    if (read_message(w, h, payload, err) < 0)
        return -1;
    if (h[0] != XSW_WATCH_EVENT)
        return xu_fail(err, "xenstore watch: a message of type %u, not an event", h[0]);
    return 1;
}

void xsw_close(struct xsw *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    w->fired = false;
}
