/* xu create: a domain from its config file, started (or left paused), its console optional. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "commands.h"
#include "create.h"
#include "domcfg.h"
#include "registry.h"
#include "steptime.h"

int cmd_create(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    static struct domain_config dc;
    const char *target = NULL;
    char path[PATH_MAX], absolute[PATH_MAX];
    enum { PAUSED, CONSOLE };
    bool set[2] = {false, false}; /* -p, -c */
    uint32_t domid;
    char *text;
    size_t len;
    int rc;

    if (command_args("create", argc, argv, "pc", set, &target, err) < 0)
        return -1;
    if (!target)
        return usage_error(find_command("create"), err, "which domain?");
    if (registry_path(REGISTRY_DIR, target, path, sizeof(path), err) < 0 ||
        cfg_read_text(path, &text, &len, err) < 0)
        return -1;
    /* Relative file names are the config's folder's, whatever the working folder later. */
    if (!realpath(path, absolute))
        snprintf(absolute, sizeof(absolute), "%s", path);
    rc = domcfg_parse(path, text, len, NULL, &dc, err);
    step_done("Xen's handles, config read");
    if (rc == 0)
        rc = domain_create(hv, &dc, absolute, text, len, set[PAUSED], &domid, err);
    free(text);
    if (rc < 0)
        return -1;
    printf("domain:%u created\n", domid);
    fflush(stdout);
    if (set[CONSOLE] && console_attach(hv, domid, err) < 0) {
        struct xu_err why = *err;

        return xu_fail(err, "domain:%u created, but its console: %s", domid, why.msg);
    }
    return 0;
}
