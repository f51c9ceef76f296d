/* CPU pools: xu cpupool-list and xu cpupool-migrate, as xl's. */
#include <stdio.h>

#include "commands.h"
#include "cpupool.h"

static struct cpupool pools[CPUPOOL_MAX];

int cmd_cpupool_list(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    const char *only = NULL;
    bool set[1] = {false}; /* -c */
    struct cpupool one;
    unsigned n;

    if (command_args("cpupool-list", argc, argv, "c", set, &only, err) < 0)
        return -1;
    if (only && cpupool_by_name(hv, only, &one, err) < 0)
        return -1;
    if (cpupool_list(hv, pools, CPUPOOL_MAX, &n, err) < 0)
        return -1;
    cpupool_list_header(stdout, set[0]);
    for (unsigned i = 0; i < n; i++)
        if (!only || pools[i].id == one.id)
            cpupool_list_row(stdout, &pools[i], set[0]);
    return 0;
}

int cmd_cpupool_migrate(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    struct cpupool pool;
    uint32_t domid;

    (void)argc;
    if (hv_resolve(hv, argv[0], &domid, err) < 0 || cpupool_by_name(hv, argv[1], &pool, err) < 0)
        return -1;
    if (domid == 0)
        return xu_fail(err, "cpupool-migrate: Dom0 stays in Pool-0");
    if (cpupool_move(hv, &pool, domid, err) < 0) {
        struct xu_err why = *err;

        /* The domain as the user named it, with the id Xen knows it by. */
        return xu_fail(err, "cpupool-migrate: %s: %s", argv[0], why.msg);
    }
    return 0;
}
