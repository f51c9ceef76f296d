#include "bootdoms.h"

#include "fdtcheck.h"

#include <libfdt.h>
#include <stdio.h>
#include <string.h>

/* xen,shared-mem = <host guest size>, two cells each (the domain node's, as mkboot writes them). */
static int read_owned_shm(const void *fdt, int domain, const char *source, const char *name,
                          struct boot_domain_node *d, struct xu_err *err)
{
    int off;

    d->owned_shm_kib = 0;
    fdt_for_each_subnode(off, fdt, domain)
    {
        const fdt32_t *cells;
        const char *role;
        int len;

        if (fdt_node_check_compatible(fdt, off, "xen,domain-shared-memory-v1") != 0)
            continue;
        role = fdt_getprop(fdt, off, "role", &len);
        if (!role || len != sizeof("owner") || memcmp(role, "owner", sizeof("owner")) != 0)
            continue;
        cells = fdt_getprop(fdt, off, "xen,shared-mem", &len);
        if (!cells || len != 24)
            return xu_fail(err, "%s: /chosen/%s: xen,shared-mem is not 64-bit host, guest, size",
                           source, name);
        d->owned_shm_kib += ((uint64_t)fdt32_to_cpu(cells[4]) << 32 | fdt32_to_cpu(cells[5])) >> 10;
    }
    return 0;
}

static int read_node(const void *fdt, int off, const char *source, const char *name,
                     struct boot_domain_node *d, struct xu_err *err)
{
    const char *config;
    const fdt32_t *cells;
    int len;

    if (strlen(name) >= sizeof(d->node))
        return xu_fail(err, "%s: /chosen/%s: name too long", source, name);
    snprintf(d->node, sizeof(d->node), "%s", name);

    cells = fdt_getprop(fdt, off, "memory", &len);
    if (!cells || len != 8)
        return xu_fail(err, "%s: /chosen/%s: no 64-bit memory property", source, name);
    d->memory_kib = ((uint64_t)fdt32_to_cpu(cells[0]) << 32) | fdt32_to_cpu(cells[1]);

    cells = fdt_getprop(fdt, off, "cpus", &len);
    if (!cells || len != 4)
        return xu_fail(err, "%s: /chosen/%s: no cpus property", source, name);
    d->vcpus = fdt32_to_cpu(cells[0]);

    d->direct_map = fdt_getprop(fdt, off, "direct-map", NULL) != NULL;
    d->start_paused = fdt_getprop(fdt, off, "pixen,start-paused", NULL) != NULL;
    /* Banks of two address and two size cells, /chosen's, as mkboot writes them. */
    d->static_mem_end = 0;
    cells = fdt_getprop(fdt, off, "xen,static-mem", &len);
    if (cells) {
        if (len <= 0 || len % 16)
            return xu_fail(err, "%s: /chosen/%s: xen,static-mem is not 64-bit address, size pairs",
                           source, name);
        for (int i = 0; i < len / 4; i += 4) {
            uint64_t addr = (uint64_t)fdt32_to_cpu(cells[i]) << 32 | fdt32_to_cpu(cells[i + 1]);
            uint64_t size = (uint64_t)fdt32_to_cpu(cells[i + 2]) << 32 | fdt32_to_cpu(cells[i + 3]);

            if (addr + size > d->static_mem_end)
                d->static_mem_end = addr + size;
        }
    }
    if (d->direct_map && !d->static_mem_end)
        return xu_fail(err, "%s: /chosen/%s: direct-map without xen,static-mem", source, name);

    if (read_owned_shm(fdt, off, source, name, d, err) < 0)
        return -1;
    config = fdt_getprop(fdt, off, "pixen,config", &len);
    if (!config)
        return xu_fail(err, "%s: /chosen/%s: no pixen,config: not written by pixen's mkboot",
                       source, name);
    if (len < 2 || config[len - 1] != '\0' || (size_t)len > sizeof(d->config_file) ||
        strlen(config) != (size_t)len - 1)
        return xu_fail(err, "%s: /chosen/%s: pixen,config is not a file name", source, name);
    memcpy(d->config_file, config, (size_t)len);
    return 0;
}

static int read_pool(const void *fdt, int off, const char *source, const char *node,
                     struct boot_pool_node *out, struct xu_err *err)
{
    const char *name;
    const fdt32_t *cells;
    int len;

    memset(out, 0, sizeof(*out));
    name = fdt_getprop(fdt, off, "pixen,pool-name", &len);
    if (!name || len < 2 || len > BOOTDOMS_POOL_NAME_BYTES || name[len - 1] != '\0' ||
        strlen(name) != (size_t)len - 1)
        return xu_fail(err, "%s: /chosen/%s: no pixen,pool-name: not written by pixen's mkboot",
                       source, node);
    memcpy(out->name, name, (size_t)len);
    cells = fdt_getprop(fdt, off, "pixen,cpus", &len);
    if (!cells || len <= 0 || len % 4)
        return xu_fail(err, "%s: /chosen/%s: no pixen,cpus", source, node);
    for (int i = 0; i < len / 4; i++) {
        uint32_t cpu = fdt32_to_cpu(cells[i]);

        if (cpu >= CPUSET_MAX_CPUS)
            return xu_fail(err, "%s: /chosen/%s: pixen,cpus: CPU %u", source, node, cpu);
        cpuset_add(&out->cpus, cpu);
    }
    return 0;
}

/* Reads one /chosen node of the kind walk_chosen looks for into out[index]. */
typedef int (*read_fn)(const void *fdt, int off, const char *source, const char *name, void *out,
                       size_t index, struct xu_err *err);

/*
 * Each /chosen node compatible with `compatible`, in the tree's order (Xen's,
 * as it builds the domains and numbers the pools), read into out[0..max).
 */
static int walk_chosen(const void *fdt, size_t fdt_bytes, const char *source,
                       const char *compatible, const char *what, read_fn read, void *out,
                       size_t max, size_t *n, struct xu_err *err)
{
    const char *why;
    int chosen, off;

    *n = 0;
    if (fdt_check_strict(fdt, fdt_bytes, &why) < 0)
        return xu_fail(err, "%s: a damaged device tree: %s", source, why);
    chosen = fdt_path_offset(fdt, "/chosen");
    if (chosen < 0)
        return 0;
    fdt_for_each_subnode(off, fdt, chosen)
    {
        const char *name = fdt_get_name(fdt, off, NULL);

        if (fdt_node_check_compatible(fdt, off, compatible) != 0)
            continue;
        if (*n == max)
            return xu_fail(err, "%s: more than %zu %s", source, max, what);
        if (read(fdt, off, source, name ? name : "?", out, *n, err) < 0)
            return -1;
        (*n)++;
    }
    return 0;
}

static int read_domain(const void *fdt, int off, const char *source, const char *name, void *out,
                       size_t index, struct xu_err *err)
{
    struct boot_domain_node *d = (struct boot_domain_node *)out + index;

    /* Xen numbers them from 1. */
    d->domid = (uint32_t)(index + 1);
    return read_node(fdt, off, source, name, d, err);
}

int bootdoms_read(const void *fdt, size_t fdt_bytes, const char *source,
                  struct boot_domain_node *out, size_t max, size_t *n, struct xu_err *err)
{
    return walk_chosen(fdt, fdt_bytes, source, "xen,domain", "boot-time domains", read_domain, out,
                       max, n, err);
}

static int read_pool_at(const void *fdt, int off, const char *source, const char *name, void *out,
                        size_t index, struct xu_err *err)
{
    return read_pool(fdt, off, source, name, (struct boot_pool_node *)out + index, err);
}

int bootdoms_read_pools(const void *fdt, size_t fdt_bytes, const char *source,
                        struct boot_pool_node *out, size_t max, size_t *n, struct xu_err *err)
{
    return walk_chosen(fdt, fdt_bytes, source, "xen,cpupool", "CPU pools", read_pool_at, out, max,
                       n, err);
}
