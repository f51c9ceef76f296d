/*
 * pixen-firstline: run a command and say when it returned and when a file first
 * got bytes, in seconds from just before the command started.
 *
 *     pixen-firstline FILE TIMEOUT_MS COMMAND [ARG...]
 *
 * Prints "RETURNED_S FIRST_S" and exits 0 once both are known. The benchmarks
 * run it in Dom0 (test image only) around `xu create` and `xl create`, FILE being
 * the guest's console log: Dom0's file times step by a jiffy (4 ms at HZ=250),
 * as coarse as part of what is measured, and a log polled by a shell is seen
 * late and may have been written again. Here the clock is CLOCK_MONOTONIC and
 * the first write wakes us through inotify, whichever process makes it and
 * whether or not the command has returned by then.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what, const char *file)
{
    fprintf(stderr, "pixen-firstline: %s %s: %s\n", what, file, strerror(errno));
    return 2;
}

/* True when an event read from the folder's watch is a write to the file. */
static int wrote_file(int inotify_fd, const char *base)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n = read(inotify_fd, buf, sizeof(buf));
    int wrote = 0;
    for (char *p = buf; n > 0 && p < buf + n;) {
        const struct inotify_event *ev = (const struct inotify_event *)p;
        /* After an overflow, events were lost: the file's size says. */
        if (((ev->mask & IN_MODIFY) && ev->len && strcmp(ev->name, base) == 0) ||
            (ev->mask & IN_Q_OVERFLOW))
            wrote = 1;
        p += sizeof(*ev) + ev->len;
    }
    return wrote;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: pixen-firstline FILE TIMEOUT_MS COMMAND [ARG...]\n");
        return 2;
    }
    const char *file = argv[1];
    char *end;
    long timeout_ms = strtol(argv[2], &end, 10);
    if (*end || timeout_ms <= 0) {
        fprintf(stderr, "pixen-firstline: TIMEOUT_MS must be a positive number: %s\n", argv[2]);
        return 2;
    }

    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", file);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : file;
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof(dir), ".");

    int inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (inotify_fd < 0)
        return fail("inotify for", file);
    if (inotify_add_watch(inotify_fd, dir, IN_MODIFY) < 0)
        return fail("cannot watch the folder of", file);
    /* After the watch: a write between the check and the watch would be lost. */
    struct stat st;
    if (stat(file, &st) == 0 && st.st_size > 0) {
        fprintf(stderr, "pixen-firstline: %s already holds %lld bytes\n", file,
                (long long)st.st_size);
        return 2;
    }

    double start_s = now_s();
    pid_t pid;
    int err = posix_spawnp(&pid, argv[3], NULL, NULL, argv + 3, environ);
    if (err) {
        errno = err;
        return fail("cannot run", argv[3]);
    }
    int pid_fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pid_fd < 0)
        return fail("pidfd_open for", argv[3]);

    double returned_s = -1, first_s = -1;
    while (returned_s < 0 || first_s < 0) {
        struct pollfd fds[2] = {{.fd = inotify_fd, .events = POLLIN},
                                {.fd = returned_s < 0 ? pid_fd : -1, .events = POLLIN}};
        long left_ms = timeout_ms - (long)((now_s() - start_s) * 1000);
        int ready = left_ms > 0 ? poll(fds, 2, (int)left_ms) : 0;
        double at_s = now_s() - start_s;
        if (ready < 0 && errno != EINTR)
            return fail("poll while waiting for", file);
        if (ready == 0) {
            fprintf(stderr, "pixen-firstline: %s %s after %ld ms\n", file,
                    first_s < 0 ? "got no bytes" : "was written but the command had not returned",
                    timeout_ms);
            return 2;
        }
        /* A truncation is a modification too: count only bytes. */
        if ((fds[0].revents & POLLIN) && wrote_file(inotify_fd, base) && first_s < 0 &&
            stat(file, &st) == 0 && st.st_size > 0)
            first_s = at_s;
        if (fds[1].revents & POLLIN) {
            int status;
            if (waitpid(pid, &status, 0) < 0)
                return fail("waitpid for", argv[3]);
            returned_s = at_s;
            if (WIFSIGNALED(status)) {
                fprintf(stderr, "pixen-firstline: %s killed by signal %d\n", argv[3],
                        WTERMSIG(status));
                return 1;
            }
            if (WEXITSTATUS(status) != 0) {
                fprintf(stderr, "pixen-firstline: %s exited %d\n", argv[3], WEXITSTATUS(status));
                return 1;
            }
        }
    }
    printf("%.6f %.6f\n", returned_s, first_s);
    return 0;
}
