/*
 * xu console: what the domain printed since its console was last looked at,
 * then its live output, with input going to it, until Ctrl-] or its end.
 *
 * Output comes from the log of the domain (see conlog.h) that its back end
 * writes: xu monitor for the domains xu creates, xenconsoled for the others.
 * Input goes to xu monitor's socket (conmon.h), or for xenconsoled's
 * consoles to their pty, whatever arrives on which is read and dropped so
 * that xenconsoled never has to hold it back. When xu monitor cuts the log,
 * the session reads the old file to its end and goes on in the new one:
 * positions are offsets in the whole stream (logspan.h).
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
#include <sys/statvfs.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "conlog.h"
#include "conmon.h"
#include "conserve.h"
#include "domxs.h"
#include "logspan.h"
#include "wait.h"

#define DETACH_KEY  0x1d /* Ctrl-] */
#define TICK_MS     200  /* how often the domain's life is checked */
#define RETRY_MS    20   /* input the ring had no room for is offered again this soon */
#define LOG_WAIT_MS 2000 /* xenconsoled opens the log just after the pty; a cut takes a moment */
/* xenconsoled takes a console some time after it is introduced; this waits for it. */
#define PTY_WAIT_MS 10000
/* Once its input has ended (a pipe, a script), a session ends when the output
 * has been quiet this long: the guest has answered what it was given. */
#define QUIET_MS 1000

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

#define PENDING_BYTES 4096 /* typed input the guest has not taken yet */

struct session {
    struct hv *hv;
    uint32_t domid;
    int log_fd, pty_fd, notify_fd;
    int monitor_fd; /* input for a console xu monitor serves; else pty_fd */
    bool by_monitor;
    char tty_path[64];   /* the pty xenconsoled gave the console */
    char log_path[512];  /* the current log file; log_fd may still be an older one */
    char prev_path[520]; /* what the last cut moved aside */
    uint64_t file_base;  /* the stream offset of log_fd's first byte */
    uint64_t shown;      /* a stream offset */
    bool tty, input_open, warned_full;
    struct termios saved;
    char pending[PENDING_BYTES];
    size_t n_pending, dropped;
    uint64_t dropped_before; /* output no file held any more when the session began */
};

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void say(const struct session *s, const char *text)
{
    /* A raw terminal does not turn \n into \r\n. */
    fputs(s->tty ? "\r\n" : "\n", stdout);
    fputs(text, stdout);
    fputs(s->tty ? "\r\n" : "\n", stdout);
    fflush(stdout);
}

static bool write_out(const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(STDOUT_FILENO, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

static bool domain_alive(struct session *s);
static void say(const struct session *s, const char *text);

static void say_dropped(const struct session *s, uint64_t bytes, const char *when)
{
    char msg[160];

    snprintf(msg, sizeof(msg),
             "xu: %llu bytes of output were dropped%s: Dom0 keeps only each domain's recent "
             "output",
             (unsigned long long)bytes, when);
    say(s, msg);
}

/*
 * At the end of log_fd: if xu monitor has cut the log, goes on in the file
 * that follows it in the stream (the cut part, .log.0, when the reader has
 * fallen more than a cut behind; else the file under the log's name), once
 * the monitor has recorded where that file starts (conlog_file_base).
 */
static bool next_file(struct session *s)
{
    struct stat name, old, prev, got;
    uint64_t base, start, end_old;
    bool from_prev = false;
    int fd;

    if (stat(s->log_path, &name) < 0 || fstat(s->log_fd, &old) < 0 || name.st_ino == old.st_ino)
        return false;
    /* Its writer is done with it once the new one exists: what is left of it is final. */
    if (s->shown - s->file_base < (uint64_t)old.st_size)
        return true;
    /* A cut under way, or the name taken by a new domain: not now. */
    if (conlog_file_base(s->domid, (uint64_t)name.st_ino, &base) < 0 || !domain_alive(s))
        return false;
    end_old = s->file_base + (uint64_t)old.st_size;
    start = base;
    if (stat(s->prev_path, &prev) == 0 && prev.st_ino != old.st_ino && prev.st_ino != name.st_ino &&
        (uint64_t)prev.st_size <= base) {
        from_prev = true;
        start = base - (uint64_t)prev.st_size;
    }
    fd = open(from_prev ? s->prev_path : s->log_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    if (fstat(fd, &got) < 0 || got.st_ino != (from_prev ? prev.st_ino : name.st_ino)) {
        close(fd);
        return false;
    }
    if (start > end_old)
        say_dropped(s, start - end_old, " while you were behind");
    close(s->log_fd);
    s->log_fd = fd;
    s->file_base = start;
    s->shown = start;
    return true;
}

/* Copies what the log has beyond what was shown; says whether there was any. */
static bool show_new_output(struct session *s)
{
    char buf[4096];
    ssize_t n;
    bool any = false;

    do {
        while ((n = pread(s->log_fd, buf, sizeof(buf), (off_t)(s->shown - s->file_base))) > 0) {
            if (!write_out(buf, (size_t)n))
                return any;
            s->shown += (uint64_t)n;
            any = true;
        }
    } while (n == 0 && next_file(s));
    return any;
}

/* Queues typed bytes for the guest; returns false when Ctrl-] ends the session. */
static bool read_input(struct session *s)
{
    char buf[256];
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    char *key;
    size_t take, room;

    if (n <= 0) {
        if (n == 0 || (errno != EINTR && errno != EAGAIN))
            s->input_open = false;
        return true;
    }
    key = memchr(buf, DETACH_KEY, (size_t)n);
    take = key ? (size_t)(key - buf) : (size_t)n;
    /* Never wait on the guest: what it does not take within the buffer is dropped, and said. */
    room = PENDING_BYTES - s->n_pending;
    if (take > room) {
        s->dropped += take - room;
        take = room;
    }
    memcpy(s->pending + s->n_pending, buf, take);
    s->n_pending += take;
    return key == NULL;
}

/* Offers xu monitor what is pending until the ring is full; a monitor that has gone is let go. */
static void send_to_monitor(struct session *s)
{
    struct conmon_request req = {.op = CONMON_INPUT, .domid = s->domid};
    struct conmon_reply reply;
    struct xu_err ignored;
    size_t sent = 0;

    while (sent < s->n_pending) {
        req.bytes = (uint32_t)(s->n_pending - sent < CONMON_DATA_BYTES ? s->n_pending - sent
                                                                       : CONMON_DATA_BYTES);
        memcpy(req.data, s->pending + sent, req.bytes);
        if (conmon_call(s->monitor_fd, &req, &reply, &ignored) < 0) {
            close(s->monitor_fd);
            s->monitor_fd = -1;
            break;
        }
        sent += reply.taken;
        if (reply.taken < req.bytes)
            break;
    }
    memmove(s->pending, s->pending + sent, s->n_pending - sent);
    s->n_pending -= sent;
}

static void send_pending(struct session *s)
{
    ssize_t n;

    if (s->by_monitor) {
        send_to_monitor(s);
        return;
    }
    n = write(s->pty_fd, s->pending, s->n_pending);

    if (n > 0) {
        memmove(s->pending, s->pending + n, s->n_pending - (size_t)n);
        s->n_pending -= (size_t)n;
    }
}

/* Reads and drops what comes back on the pty; false when it has hung up. */
static bool drain_pty(struct session *s)
{
    char buf[4096];
    ssize_t n;

    while ((n = read(s->pty_fd, buf, sizeof(buf))) > 0)
        ;
    return !(n < 0 && errno == EIO);
}

static bool domain_alive(struct session *s)
{
    struct domain_info info;
    struct xu_err ignored;

    return hv_info(s->hv, s->domid, &info, &ignored) == 0 && !(info.flags & DOMINF_DYING);
}

/* Opens the pty xenconsoled names in console/tty; -1 (quietly) if there is none. */
static int open_pty(struct session *s)
{
    char *tty = domxs_console_read(s->hv, s->domid, "tty");
    struct termios t;

    if (!tty || !tty[0] || strlen(tty) >= sizeof(s->tty_path)) {
        free(tty);
        return -1;
    }
    snprintf(s->tty_path, sizeof(s->tty_path), "%s", tty);
    free(tty);
    s->pty_fd = open(s->tty_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (s->pty_fd < 0)
        return -1;
    /* The guest sees exactly the bytes typed: no echo, no line editing on our side. */
    if (tcgetattr(s->pty_fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(s->pty_fd, TCSANOW, &t);
    }
    return 0;
}

/*
 * Where input goes: xu monitor's socket for the consoles it serves (type
 * "xu"); for xenconsoled's, their pty. A console xenconsoled serves whose pty
 * it has not made yet is one it has not taken yet: a domain just attached.
 * Waits for it.
 */
static int open_input(struct session *s, struct xu_err *err)
{
    char *type = domxs_console_read(s->hv, s->domid, "type");
    bool served;
    struct xu_wait w;

    s->by_monitor = type && strcmp(type, CONSERVE_TYPE) == 0;
    served = s->by_monitor || (type && strcmp(type, "xenconsoled") == 0);
    free(type);
    if (!served)
        return xu_fail(err, "domain %u has no console served by xu monitor or xenconsoled",
                       s->domid);
    if (s->by_monitor) {
        s->monitor_fd = conmon_connect(err);
        return s->monitor_fd < 0 ? -1 : 0;
    }
    xu_wait_begin(&w, PTY_WAIT_MS, 10);
    while (open_pty(s) < 0)
        if (!domain_alive(s) || !xu_wait_again(&w))
            return xu_fail(err,
                           "xenconsoled has not taken the console of domain %u within %u s (is "
                           "it running?)",
                           s->domid, PTY_WAIT_MS / 1000);
    return 0;
}

/* The log lives on a small RAM file system; when it is full, output stops being kept. */
static void check_log_space(struct session *s)
{
    struct statvfs fs;

    if (!s->warned_full && statvfs(CONLOG_DIR, &fs) == 0 && fs.f_bavail == 0) {
        say(s, "xu: " CONLOG_DIR " is full: output from here on is not kept");
        s->warned_full = true;
    }
}

static void run_session(struct session *s)
{
    uint64_t last_output = now_ms(), last_check = last_output, last_sent = last_output;

    show_new_output(s);
    check_log_space(s);
    while (!stop) {
        struct pollfd fds[3] = {
            {.fd = s->input_open ? STDIN_FILENO : -1, .events = POLLIN},
            {.fd = s->pty_fd, .events = POLLIN | (s->n_pending ? POLLOUT : 0)},
            {.fd = s->notify_fd, .events = POLLIN},
        };
        char events[4096];
        uint64_t now;

        if (poll(fds, 3, s->by_monitor && s->n_pending ? RETRY_MS : TICK_MS) < 0 && errno != EINTR)
            break;
        now = now_ms();
        if (fds[2].revents & POLLIN)
            while (read(s->notify_fd, events, sizeof(events)) > 0)
                ;
        if (show_new_output(s))
            last_output = now;
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            if (!read_input(s))
                return;
            last_output = now;
        }
        if (s->n_pending && ((s->by_monitor && s->monitor_fd >= 0) ||
                             (s->pty_fd >= 0 && (fds[1].revents & POLLOUT)))) {
            size_t before = s->n_pending;

            send_pending(s);
            if (s->n_pending < before)
                last_sent = now;
        } else if (!s->n_pending) {
            last_sent = now;
        }
        /* Input has ended and the guest has stopped taking it: what is left is not sent. */
        if (!s->input_open && s->n_pending && now - last_sent >= QUIET_MS) {
            s->dropped += s->n_pending;
            s->n_pending = 0;
        }
        /* A hung-up pty (xenconsoled restarted, say) polls ready for ever: let it go. */
        if (s->pty_fd >= 0 && ((fds[1].revents & (POLLHUP | POLLERR)) ||
                               ((fds[1].revents & POLLIN) && !drain_pty(s)))) {
            close(s->pty_fd);
            s->pty_fd = -1;
        }
        if (!s->input_open && s->n_pending == 0 && now - last_output >= QUIET_MS)
            return;
        if (now - last_check >= 1000) {
            last_check = now;
            if (!domain_alive(s)) {
                show_new_output(s);
                say(s, "The domain has gone");
                return;
            }
            if (s->by_monitor && s->monitor_fd < 0)
                s->monitor_fd = conmon_connect(&(struct xu_err){{0}}); /* it was restarted */
            else if (!s->by_monitor && s->pty_fd < 0)
                open_pty(s); /* xenconsoled may have given the console a new pty */
            check_log_space(s);
        }
    }
}

/* Opens `path` and says whether it is still the file `want` was. */
static int open_same(const char *path, const struct stat *want)
{
    struct stat got;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd >= 0 && (fstat(fd, &got) < 0 || got.st_ino != want->st_ino)) {
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * Where this session starts: after what was shown last time, in the part cut
 * off the log (.log.0) if it still holds that, saying what no file holds any
 * more. The files and the record of where they start are read again until
 * they agree, so a cut that happens meanwhile is not taken half-done.
 */
static int resume(struct session *s, struct xu_err *err)
{
    struct xu_wait w;

    xu_wait_begin(&w, LOG_WAIT_MS, 20);
    for (;;) {
        struct stat cur, prev, again;
        uint64_t base, base_again;
        bool have_prev;

        if (stat(s->log_path, &cur) < 0) {
            if (errno != ENOENT)
                return xu_fail(err, "%s: %s", s->log_path, strerror(errno));
        } else if (conlog_file_base(s->domid, (uint64_t)cur.st_ino, &base) == 0) {
            have_prev = stat(s->prev_path, &prev) == 0 && prev.st_ino != cur.st_ino;
            if (stat(s->log_path, &again) == 0 && again.st_ino == cur.st_ino &&
                conlog_file_base(s->domid, (uint64_t)cur.st_ino, &base_again) == 0 &&
                base_again == base) {
                struct log_resume r =
                    log_resume_at(conlog_position(s->domid), base,
                                  have_prev ? (uint64_t)prev.st_size : 0, (uint64_t)again.st_size);

                s->log_fd =
                    open_same(r.from_prev ? s->prev_path : s->log_path, r.from_prev ? &prev : &cur);
                if (s->log_fd >= 0) {
                    s->file_base = r.file_base;
                    s->shown = r.file_base + r.file_offset;
                    s->dropped_before = r.dropped_bytes;
                    return 0;
                }
            }
        }
        /* xenconsoled opens the log just after the pty; a cut takes a moment. */
        if (!xu_wait_again(&w))
            return xu_fail(err, "%s: not there, or cut and not started again%s", s->log_path,
                           s->by_monitor ? "" : " (is xenconsoled logging with --log=guest?)");
    }
}

int console_attach(struct hv *hv, uint32_t domid, struct xu_err *err)
{
    struct session s = {.hv = hv,
                        .domid = domid,
                        .log_fd = -1,
                        .pty_fd = -1,
                        .notify_fd = -1,
                        .monitor_fd = -1,
                        .input_open = true};
    struct domain_info info;
    bool gone;

    if (domid == 0)
        return xu_fail(err, "Domain-0's console is the one you are typing on");
    if (hv_info(hv, domid, &info, err) < 0)
        return -1;
    if (!info.has_name)
        return xu_fail(err, "domain %u has no name, so no log of it is kept", domid);
    conlog_path(info.name, s.log_path, sizeof(s.log_path));
    conlog_prev_path(info.name, s.prev_path, sizeof(s.prev_path));
    if (open_input(&s, err) < 0)
        return -1;
    if (resume(&s, err) < 0) {
        close(s.pty_fd);
        close(s.monitor_fd);
        return -1;
    }
    /* The folder, not the file: a cut puts a new file under the same name. */
    s.notify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (s.notify_fd >= 0)
        inotify_add_watch(s.notify_fd, CONLOG_DIR, IN_MODIFY | IN_CREATE);
    s.tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &s.saved) == 0;

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    signal(SIGPIPE, SIG_IGN);
    fputs("Attached to a domain console\n", stdout);
    fflush(stdout);
    if (s.dropped_before)
        say_dropped(&s, s.dropped_before, " before you attached");
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
    if (s.dropped)
        fprintf(stderr, "xu: %zu bytes of input were not sent: the domain was not reading them\n",
                s.dropped);
    fflush(stdout);
    close(s.notify_fd);
    close(s.log_fd);
    if (s.pty_fd >= 0)
        close(s.pty_fd);
    if (s.monitor_fd >= 0)
        close(s.monitor_fd);
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
