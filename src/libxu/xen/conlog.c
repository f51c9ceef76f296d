#include "conlog.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

void conlog_path(const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/guest-%s.log", CONLOG_DIR, name);
}

static void state_path(uint32_t domid, char *path, size_t size)
{
    snprintf(path, size, "%s/%u.pos", CONLOG_STATE_DIR, domid);
}

int conlog_start(const char *name, uint32_t domid, struct xu_err *err)
{
    char log[512], old[520];

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
    char path[128];
    uint64_t offset = 0;
    FILE *f;

    state_path(domid, path, sizeof(path));
    f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%" SCNu64, &offset) != 1)
            offset = 0;
        fclose(f);
    }
    return offset;
}

void conlog_save(uint32_t domid, uint64_t offset)
{
    char path[128], tmp[136];
    FILE *f;

    state_path(domid, path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "%" PRIu64 "\n", offset);
    if (fclose(f) == 0)
        rename(tmp, path);
}

void conlog_forget(uint32_t domid)
{
    char path[128];

    state_path(domid, path, sizeof(path));
    remove(path);
}
