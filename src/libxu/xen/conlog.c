#define _GNU_SOURCE /* renameat2 */
#include "conlog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv.h"
#include "wait.h"

#define REOPEN_WAIT_MS 2000

void conlog_path(const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/guest-%s.log", CONLOG_DIR, name);
}

void conlog_prev_path(const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/guest-%s.log.0", CONLOG_DIR, name);
}

/* `what`: pos (what xu console has shown) or base (where the current file starts). */
static void state_path(uint32_t domid, const char *what, char *path, size_t size)
{
    snprintf(path, size, "%s/%u.%s", CONLOG_STATE_DIR, domid, what);
}

/* Reads up to `n` numbers; returns how many there were (0: no record). */
static unsigned read_numbers(uint32_t domid, const char *what, uint64_t *v, unsigned n)
{
    char path[128];
    unsigned got = 0;
    FILE *f;

    state_path(domid, what, path, sizeof(path));
    f = fopen(path, "r");
    if (!f)
        return 0;
    while (got < n && fscanf(f, "%" SCNu64, &v[got]) == 1)
        got++;
    fclose(f);
    return got;
}

/* Written aside and renamed, so a reader never sees half a record. */
static int write_numbers(uint32_t domid, const char *what, const uint64_t *v, unsigned n,
                         struct xu_err *err)
{
    char path[128], tmp[136];
    FILE *f;

    mkdir("/run/xu", 0755);
    mkdir(CONLOG_STATE_DIR, 0755);
    state_path(domid, what, path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f)
        return xu_fail(err, "%s: %s", tmp, strerror(errno));
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "%" PRIu64 "\n", v[i]);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        int saved = errno;

        remove(tmp);
        return xu_fail(err, "%s: %s", path, strerror(saved));
    }
    return 0;
}

int conlog_start(const char *name, uint32_t domid, struct xu_err *err)
{
    char log[512], old[520];
    int fd;

    conlog_prev_path(name, old, sizeof(old));
    remove(old);
    conlog_path(name, log, sizeof(log));
    snprintf(old, sizeof(old), "%s.1", log);
    if (rename(log, old) < 0 && errno != ENOENT)
        return xu_fail(err, "%s: %s", log, strerror(errno));
    mkdir("/run/xu", 0755);
    mkdir(CONLOG_STATE_DIR, 0755);
    conlog_forget(domid);
    /* There from the start, so `xu console` finds it before the first output. */
    fd = open(log, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        int saved = errno;

        rename(old, log);
        return xu_fail(err, "%s: %s", log, strerror(saved));
    }
    close(fd);
    return 0;
}

void conlog_abandon(const char *name)
{
    char log[512], old[520];

    conlog_path(name, log, sizeof(log));
    snprintf(old, sizeof(old), "%s.1", log);
    remove(log);
    rename(old, log);
}

uint64_t conlog_position(uint32_t domid)
{
    uint64_t pos = 0;

    read_numbers(domid, "pos", &pos, 1);
    return pos;
}

void conlog_save(uint32_t domid, uint64_t offset)
{
    struct xu_err ignored;

    write_numbers(domid, "pos", &offset, 1, &ignored);
}

/*
 * The base record is "BASE INODE": where the file with that inode starts in
 * the stream. No record: the log has never been cut, and its file starts at 0.
 */
int conlog_file_base(uint32_t domid, uint64_t ino, uint64_t *base)
{
    uint64_t rec[2];
    unsigned n = read_numbers(domid, "base", rec, 2);

    if (n == 0) {
        *base = 0;
        return 0;
    }
    if (n != 2 || rec[1] != ino)
        return -1;
    *base = rec[0];
    return 0;
}

uint64_t conlog_base(uint32_t domid)
{
    uint64_t rec[2] = {0, 0};

    read_numbers(domid, "base", rec, 2);
    return rec[0];
}

/* The pid in xenconsoled's pid file, if that process is xenconsoled still. */
static int xenconsoled_pid(struct xu_err *err)
{
    char comm[64] = "", path[64];
    FILE *f = fopen(CONLOG_PID_FILE, "r");
    int pid = -1;

    if (f) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = -1;
        fclose(f);
    }
    if (pid <= 0)
        return xu_fail(err, "%s: no pid in it: is xenconsoled running?", CONLOG_PID_FILE);
    snprintf(path, sizeof(path), "/proc/%d/comm", pid);
    f = fopen(path, "r");
    if (f) {
        if (!fgets(comm, sizeof(comm), f))
            comm[0] = '\0';
        fclose(f);
    }
    if (strncmp(comm, "xenconsoled", 11) != 0)
        return xu_fail(err, "%s: pid %d is not xenconsoled (it has gone?)", CONLOG_PID_FILE, pid);
    return pid;
}

/* On SIGHUP xenconsoled closes every log and opens it again by its name: a new file. */
static int reopen_by_xenconsoled(void *ctx, uint32_t domid, struct xu_err *err)
{
    int pid = *(int *)ctx;

    (void)domid;
    if (kill(pid, SIGHUP) < 0)
        return xu_fail(err, "cannot signal xenconsoled (pid %d): %s", pid, strerror(errno));
    return 0;
}

int conlog_cut(const char *name, uint32_t domid, conlog_reopen_fn *reopen, void *ctx,
               struct xu_err *err)
{
    char log[512], prev[520];
    const char *writer = reopen ? "xu monitor" : "xenconsoled";
    struct stat old, cur;
    struct xu_wait w;
    uint64_t rec[2];
    int pid = -1;

    if (!reopen) {
        pid = xenconsoled_pid(err);
        if (pid < 0)
            return -1;
        reopen = reopen_by_xenconsoled;
        ctx = &pid;
    }
    conlog_path(name, log, sizeof(log));
    conlog_prev_path(name, prev, sizeof(prev));
    if (stat(log, &old) < 0)
        return xu_fail(err, "%s: %s", log, strerror(errno));
    /* Say first where the file about to be moved starts, so no reader takes it for a new one. */
    if (conlog_file_base(domid, (uint64_t)old.st_ino, &rec[0]) < 0)
        return xu_fail(err, "%s: the record of where it starts is not this file's", log);
    rec[1] = (uint64_t)old.st_ino;
    if (write_numbers(domid, "base", rec, 2, err) < 0)
        return -1;
    if (rename(log, prev) < 0)
        return xu_fail(err, "%s: %s", log, strerror(errno));
    if (reopen(ctx, domid, err) < 0) {
        rename(prev, log);
        return -1;
    }
    xu_wait_begin(&w, REOPEN_WAIT_MS, 10);
    while (stat(log, &cur) < 0) {
        if (xu_wait_again(&w))
            continue;
        /* Put it back, unless the writer made the new file just now. */
        if (renameat2(AT_FDCWD, prev, AT_FDCWD, log, RENAME_NOREPLACE) == 0)
            return xu_fail(err, "%s did not start a new %s", writer, log);
        if (stat(log, &cur) == 0)
            break;
        return xu_fail(err, "%s: %s", log, strerror(errno));
    }
    /* The writer is done with the old file before it makes the new one: its size is final. */
    if (stat(prev, &old) < 0)
        return xu_fail(err, "%s: %s", prev, strerror(errno));
    rec[0] += (uint64_t)old.st_size;
    rec[1] = (uint64_t)cur.st_ino;
    return write_numbers(domid, "base", rec, 2, err);
}

void conlog_forget(uint32_t domid)
{
    char path[128];

    state_path(domid, "pos", path, sizeof(path));
    remove(path);
    state_path(domid, "base", path, sizeof(path));
    remove(path);
}
