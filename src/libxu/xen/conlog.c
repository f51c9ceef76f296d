#include "conlog.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv.h"

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

static uint64_t read_number(uint32_t domid, const char *what)
{
    char path[128];
    uint64_t v = 0;
    FILE *f;

    state_path(domid, what, path, sizeof(path));
    f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%" SCNu64, &v) != 1)
            v = 0;
        fclose(f);
    }
    return v;
}

/* Written aside and renamed, so a reader never sees half a number. */
static void write_number(uint32_t domid, const char *what, uint64_t v)
{
    char path[128], tmp[136];
    FILE *f;

    state_path(domid, what, path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "%" PRIu64 "\n", v);
    if (fclose(f) == 0)
        rename(tmp, path);
}

int conlog_start(const char *name, uint32_t domid, struct xu_err *err)
{
    char log[512], old[520];

    conlog_prev_path(name, old, sizeof(old));
    remove(old);
    conlog_path(name, log, sizeof(log));
    snprintf(old, sizeof(old), "%s.1", log);
    if (rename(log, old) < 0 && errno != ENOENT)
        return xu_fail(err, "%s: %s", log, strerror(errno));
    mkdir("/run/xu", 0755);
    mkdir(CONLOG_STATE_DIR, 0755);
    conlog_forget(domid);
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
    return read_number(domid, "pos");
}

void conlog_save(uint32_t domid, uint64_t offset)
{
    write_number(domid, "pos", offset);
}

uint64_t conlog_base(uint32_t domid)
{
    return read_number(domid, "base");
}

static int xenconsoled_pid(void)
{
    FILE *f = fopen(CONLOG_PID_FILE, "r");
    int pid = -1;

    if (f) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = -1;
        fclose(f);
    }
    return pid;
}

int conlog_cut(const char *name, uint32_t domid, struct xu_err *err)
{
    char log[512], prev[520];
    struct stat st;
    int pid = xenconsoled_pid();

    if (pid <= 0)
        return xu_fail(err, "%s: no pid in it: is xenconsoled running?", CONLOG_PID_FILE);
    conlog_path(name, log, sizeof(log));
    conlog_prev_path(name, prev, sizeof(prev));
    if (rename(log, prev) < 0)
        return xu_fail(err, "%s: %s", log, strerror(errno));
    /* On SIGHUP xenconsoled closes every log and opens it again by its name: a new file. */
    if (kill(pid, SIGHUP) < 0)
        goto put_back;
    for (unsigned waited = 0; stat(log, &st) < 0; waited += 10) {
        if (waited >= REOPEN_WAIT_MS)
            goto put_back;
        hv_sleep_ms(10);
    }
    /* xenconsoled has closed the old file before it made the new one: its size is final. */
    if (stat(prev, &st) == 0) {
        mkdir("/run/xu", 0755);
        mkdir(CONLOG_STATE_DIR, 0755);
        write_number(domid, "base", conlog_base(domid) + (uint64_t)st.st_size);
    }
    return 0;
put_back:
    rename(prev, log);
    return xu_fail(err, "xenconsoled (pid %d) did not start a new %s", pid, log);
}

void conlog_forget(uint32_t domid)
{
    char path[128];

    state_path(domid, "pos", path, sizeof(path));
    remove(path);
    state_path(domid, "base", path, sizeof(path));
    remove(path);
}
