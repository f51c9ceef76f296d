/* xu create: a domain from its config file, started (or left paused), its console optional. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "create.h"
#include "domcfg.h"
#include "registry.h"

int cmd_create(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    static struct domain_config dc;
    const char *target = NULL;
    char path[PATH_MAX], absolute[PATH_MAX];
    bool paused = false, console = false;
    uint32_t domid;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-p") == 0)
            paused = true;
        else if (strcmp(argv[i], "-c") == 0)
            console = true;
        else if (argv[i][0] == '-' || target)
            return usage_error(find_command("create"), err, "unexpected argument");
        else
            target = argv[i];
    }
    if (!target)
        return usage_error(find_command("create"), err, "which domain?");
    if (registry_path(REGISTRY_DIR, target, path, sizeof(path), err) < 0 ||
        domcfg_load(path, NULL, &dc, err) < 0)
        return -1;
    /* The monitor restarts the domain from this file, whatever the working folder then. */
    if (!realpath(path, absolute))
        snprintf(absolute, sizeof(absolute), "%s", path);
    if (domain_create(hv, &dc, absolute, paused, &domid, err) < 0)
        return -1;
    printf("domain:%u created\n", domid);
    fflush(stdout);
    return console ? console_attach(hv, domid, err) : 0;
}
