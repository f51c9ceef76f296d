#include "conmon.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static struct sockaddr_un monitor_address(void)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};

    snprintf(a.sun_path, sizeof(a.sun_path), "%s", CONMON_SOCKET);
    return a;
}

/* A monitor that has stopped answering (held, or stuck) fails the call instead of hanging it. */
#define ANSWER_WAIT_S 10

int conmon_connect(struct xu_err *err)
{
    struct sockaddr_un a = monitor_address();
    struct timeval wait = {.tv_sec = ANSWER_WAIT_S};
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return xu_fail(err, "cannot make a socket: %s", strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        int saved = errno;

        close(fd);
        return xu_fail(err,
                       "xu monitor is not running (%s: %s); it serves the consoles of the domains "
                       "xu creates: start it with `xu monitor --background`",
                       CONMON_SOCKET, strerror(saved));
    }
    return fd;
}

int conmon_call(int fd, const struct conmon_request *req, struct conmon_reply *reply,
                struct xu_err *err)
{
    ssize_t n;

    do
        n = send(fd, req, sizeof(*req), MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(*req))
        return xu_fail(err, "cannot reach xu monitor: %s", n < 0 ? strerror(errno) : "short send");
    do
        n = recv(fd, reply, sizeof(*reply), 0);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(*reply)) {
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return xu_fail(err, "xu monitor did not answer within %d s", ANSWER_WAIT_S);
        if (n < 0)
            return xu_fail(err, "xu monitor did not answer: %s", strerror(errno));
        return xu_fail(err, "xu monitor did not answer (it has gone?)");
    }
    reply->msg[sizeof(reply->msg) - 1] = '\0';
    if (reply->status != 0)
        return xu_fail(err, "xu monitor: %s", reply->msg);
    return 0;
}

int conmon_listen(struct xu_err *err)
{
    struct sockaddr_un a = monitor_address();
    int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), fd;

    /* A monitor that has gone leaves its socket behind; a running one would answer. */
    if (probe >= 0 && connect(probe, (struct sockaddr *)&a, sizeof(a)) == 0) {
        close(probe);
        return xu_fail(err, "another xu monitor is running (%s answers)", CONMON_SOCKET);
    }
    if (probe >= 0)
        close(probe);
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return xu_fail(err, "cannot make a socket: %s", strerror(errno));
    mkdir("/run/xu", 0755);
    unlink(CONMON_SOCKET);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(CONMON_SOCKET, 0600) < 0 ||
        listen(fd, 16) < 0) {
        int saved = errno;

        close(fd);
        return xu_fail(err, "%s: %s", CONMON_SOCKET, strerror(saved));
    }
    return fd;
}
