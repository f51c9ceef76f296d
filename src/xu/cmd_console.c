/*
 * xu console: what the domain printed since its console was last looked at,
 * then its live output, with input going to it, until Ctrl-] or its end.
 *
 * Output comes from xenconsoled's log of the domain (see conlog.h), never
 * from the pty; the pty carries input only, and whatever arrives on it is
 * read and dropped so that xenconsoled never has to hold it back.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "commands.h"
#include "conlog.h"

#define DETACH_KEY  0x1d /* Ctrl-] */
#define TICK_MS     200  /* how often the domain's life is checked */
#define LOG_WAIT_MS 2000 /* xenconsoled opens the log just after the pty */
/* Once its input has ended (a pipe, a script), a session ends when the output
 * has been quiet this long: the guest has answered what it was given. */
#define QUIET_MS 1000

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

struct session {
    struct hv *hv;
    uint32_t domid;
    int log_fd, pty_fd, notify_fd;
    uint64_t shown;
    bool tty, input_open;
    struct termios saved;
};

static void say(const struct session *s, const char *text)
{
    /* A raw terminal does not turn \n into \r\n. */
    fputs(s->tty ? "\r\n" : "\n", stdout);
    fputs(text, stdout);
    fputs(s->tty ? "\r\n" : "\n", stdout);
    fflush(stdout);
}

static bool write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};

            poll(&p, 1, 100);
            continue;
        }
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* Copies what the log has beyond what was shown; says whether there was any. */
static bool show_new_output(struct session *s)
{
    char buf[4096];
    ssize_t n;
    bool any = false;

    while ((n = pread(s->log_fd, buf, sizeof(buf), (off_t)s->shown)) > 0) {
        if (!write_all(STDOUT_FILENO, buf, (size_t)n))
            return any;
        s->shown += (uint64_t)n;
        any = true;
    }
    return any;
}

/* Forwards typed bytes to the guest; returns false when Ctrl-] ends the session. */
static bool forward_input(struct session *s)
{
    char buf[256];
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    char *key;

    if (n <= 0) {
        if (n == 0 || (errno != EINTR && errno != EAGAIN))
            s->input_open = false;
        return true;
    }
    key = memchr(buf, DETACH_KEY, (size_t)n);
    write_all(s->pty_fd, buf, key ? (size_t)(key - buf) : (size_t)n);
    return key == NULL;
}

static void drain_pty(struct session *s)
{
    char buf[4096];

    while (read(s->pty_fd, buf, sizeof(buf)) > 0)
        ;
}

static bool domain_alive(struct session *s)
{
    struct domain_info info;
    struct xu_err ignored;

    return hv_info(s->hv, s->domid, &info, &ignored) == 0 && !(info.flags & DOMINF_DYING);
}

static int open_log(const char *path, struct xu_err *err)
{
    for (unsigned waited = 0;; waited += 20) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd >= 0 || errno != ENOENT || waited >= LOG_WAIT_MS) {
            if (fd < 0)
                xu_fail(err, "%s: %s (is xenconsoled logging with --log=guest?)", path,
                        strerror(errno));
            return fd;
        }
        usleep(20 * 1000);
    }
}

static int open_pty(struct session *s, struct xu_err *err)
{
    char path[64], *tty;

    snprintf(path, sizeof(path), "/local/domain/%u/console/tty", s->domid);
    tty = hv_xs_read(s->hv, path);
    if (!tty || !tty[0]) {
        free(tty);
        return xu_fail(err, "domain %u has no console served by xenconsoled", s->domid);
    }
    s->pty_fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (s->pty_fd < 0) {
        xu_fail(err, "%s: %s", tty, strerror(errno));
        free(tty);
        return -1;
    }
    /* The guest sees exactly the bytes typed: no echo, no line editing on our side. */
    struct termios t;
    if (tcgetattr(s->pty_fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(s->pty_fd, TCSANOW, &t);
    }
    free(tty);
    return 0;
}

static void run_session(struct session *s)
{
    unsigned since_check = 0, quiet = 0;

    show_new_output(s);
    while (!stop) {
        struct pollfd fds[3] = {
            {.fd = s->input_open ? STDIN_FILENO : -1, .events = POLLIN},
            {.fd = s->pty_fd, .events = POLLIN},
            {.fd = s->notify_fd, .events = POLLIN},
        };
        char events[4096];

        if (poll(fds, 3, TICK_MS) < 0 && errno != EINTR)
            break;
        if (fds[2].revents & POLLIN)
            while (read(s->notify_fd, events, sizeof(events)) > 0)
                ;
        quiet = show_new_output(s) ? 0 : quiet + TICK_MS;
        if (fds[1].revents & POLLIN)
            drain_pty(s);
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            if (!forward_input(s))
                return;
            quiet = 0;
        }
        if (!s->input_open && quiet >= QUIET_MS)
            return;
        since_check += TICK_MS;
        if ((fds[1].revents & POLLHUP) || since_check >= 1000) {
            since_check = 0;
            if (!domain_alive(s)) {
                show_new_output(s);
                say(s, "The domain has gone");
                return;
            }
        }
    }
}

int console_attach(struct hv *hv, uint32_t domid, struct xu_err *err)
{
    struct session s = {
        .hv = hv, .domid = domid, .log_fd = -1, .pty_fd = -1, .notify_fd = -1, .input_open = true};
    struct domain_info info;
    char log[512];
    struct stat st;
    bool gone;

    if (domid == 0)
        return xu_fail(err, "Domain-0's console is the one you are typing on");
    if (hv_info(hv, domid, &info, err) < 0)
        return -1;
    if (!info.has_name)
        return xu_fail(err, "domain %u has no name, so xenconsoled keeps no log of it", domid);
    conlog_path(info.name, log, sizeof(log));
    if (open_pty(&s, err) < 0)
        return -1;
    s.log_fd = open_log(log, err);
    if (s.log_fd < 0) {
        close(s.pty_fd);
        return -1;
    }
    s.shown = conlog_position(domid);
    /* A log shorter than what was shown is a new one: show it from the start. */
    if (fstat(s.log_fd, &st) == 0 && (uint64_t)st.st_size < s.shown)
        s.shown = 0;
    s.notify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (s.notify_fd >= 0)
        inotify_add_watch(s.notify_fd, log, IN_MODIFY);
    s.tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &s.saved) == 0;

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    signal(SIGPIPE, SIG_IGN);
    fputs("Attached to a domain console\n", stdout);
    fflush(stdout);
    if (s.tty) {
        struct termios raw = s.saved;

        cfmakeraw(&raw);
        tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    run_session(&s);
    gone = !domain_alive(&s);
    if (s.tty)
        tcsetattr(STDIN_FILENO, TCSANOW, &s.saved);
    if (gone) {
        conlog_forget(domid);
    } else {
        conlog_save(domid, s.shown);
        fputs("\nDetached from console\n", stdout);
    }
    fflush(stdout);
    close(s.notify_fd);
    close(s.log_fd);
    close(s.pty_fd);
    return 0;
}

int cmd_console(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    uint32_t domid;

    (void)argc;
    if (hv_resolve(hv, argv[0], &domid, err) < 0)
        return -1;
    return console_attach(hv, domid, err);
}
