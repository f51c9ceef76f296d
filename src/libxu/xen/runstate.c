#include "runstate.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg.h"

static void config_path(uint32_t domid, char *path, size_t size)
{
    snprintf(path, size, "%s/%u.cfg", RUNSTATE_DIR, domid);
}

int runstate_save_config(uint32_t domid, const char *text, size_t len, struct xu_err *err)
{
    char path[128], tmp[136];
    FILE *f;

    mkdir("/run/xu", 0755);
    mkdir(RUNSTATE_DIR, 0755);
    config_path(domid, path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f)
        return xu_fail(err, "%s: %s", tmp, strerror(errno));
    if (fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        remove(tmp);
        return xu_fail(err, "%s: cannot write it", tmp);
    }
    if (rename(tmp, path) < 0)
        return xu_fail(err, "%s: %s", path, strerror(errno));
    return 0;
}

int runstate_load_config(uint32_t domid, char **text, size_t *len, struct xu_err *err)
{
    char path[128];

    config_path(domid, path, sizeof(path));
    return cfg_read_text(path, text, len, err);
}

void runstate_forget(uint32_t domid)
{
    char path[128];

    config_path(domid, path, sizeof(path));
    remove(path);
}
