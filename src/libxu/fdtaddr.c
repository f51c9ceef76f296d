#include "fdtaddr.h"

#include <stdio.h>
#include <stdlib.h>

uint64_t fdtaddr_cells(const fdt32_t *p, int n)
{
    uint64_t v = 0;

    for (int i = 0; i < n; i++)
        v = (v << 32) | fdt32_to_cpu(p[i]);
    return v;
}

int fdt_parents_init(struct fdt_parents *t, const void *fdt)
{
    int stack[FDTADDR_MAX_DEPTH], depth = 0, count = 0;

    *t = (struct fdt_parents){.fdt = fdt};
    for (int node = fdt_next_node(fdt, -1, &depth); node >= 0;
         node = fdt_next_node(fdt, node, &depth))
        count++;
    t->node = malloc(sizeof(int) * (size_t)(count ? count : 1));
    t->parent = malloc(sizeof(int) * (size_t)(count ? count : 1));
    if (!t->node || !t->parent) {
        fdt_parents_free(t);
        return -1;
    }
    depth = 0; /* libfdt counts the root as depth 1 */
    for (int node = fdt_next_node(fdt, -1, &depth); node >= 0 && (int)t->n < count;
         node = fdt_next_node(fdt, node, &depth)) {
        if (depth < 1 || depth > FDTADDR_MAX_DEPTH) {
            fdt_parents_free(t);
            return -1;
        }
        stack[depth - 1] = node;
        t->node[t->n] = node;
        t->parent[t->n++] = depth == 1 ? -FDT_ERR_NOTFOUND : stack[depth - 2];
    }
    return 0;
}

void fdt_parents_free(struct fdt_parents *t)
{
    free(t->node);
    free(t->parent);
    *t = (struct fdt_parents){.fdt = t->fdt};
}

int fdtaddr_parent(const void *fdt, const struct fdt_parents *parents, int node)
{
    size_t lo = 0, hi = parents ? parents->n : 0;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (parents->node[mid] == node)
            return parents->parent[mid];
        if (parents->node[mid] < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return fdt_parent_offset(fdt, node);
}

int fdtaddr_cells_of(const void *fdt, int node, bool size)
{
    int n = size ? fdt_size_cells(fdt, node) : fdt_address_cells(fdt, node);

    return n < 0 || n > 4 ? -1 : n;
}

int fdtaddr_to_cpu(const void *fdt, const struct fdt_parents *parents, int bus, uint64_t addr,
                   uint64_t size_bytes, uint64_t *out, char *why, size_t why_bytes)
{
    for (int depth = 0; bus != 0; depth++) {
        int parent = fdtaddr_parent(fdt, parents, bus);
        int na = fdtaddr_cells_of(fdt, bus, false), ns = fdtaddr_cells_of(fdt, bus, true);
        int pna = parent < 0 ? -1 : fdtaddr_cells_of(fdt, parent, false);
        const fdt32_t *r;
        bool found = false;
        int len;

        if (depth == FDTADDR_MAX_DEPTH || parent < 0 || na < 0 || ns < 0 || pna < 0 || na > 2 ||
            ns > 2 || pna > 2) {
            snprintf(why, why_bytes,
                     "its addresses cannot be translated to the CPU's (a bus on "
                     "the way has unusual cells)");
            return -1;
        }
        r = fdt_getprop(fdt, bus, "ranges", &len);
        if (!r) {
            snprintf(why, why_bytes, "its bus %s has no ranges: it is not reachable by the CPU",
                     fdt_get_name(fdt, bus, NULL));
            return -1;
        }
        if (len % (int)((na + pna + ns) * sizeof(fdt32_t)) != 0) {
            snprintf(why, why_bytes, "a bus on the way has a malformed ranges");
            return -1;
        }
        for (int i = 0; len > 0 && i < len / (int)sizeof(fdt32_t); i += na + pna + ns) {
            uint64_t child = fdtaddr_cells(r + i, na), to = fdtaddr_cells(r + i + na, pna);
            uint64_t span = fdtaddr_cells(r + i + na + pna, ns);

            if (addr >= child && addr - child < span && size_bytes <= span - (addr - child)) {
                addr = to + (addr - child);
                found = true;
                break;
            }
        }
        if (len > 0 && !found) {
            snprintf(why, why_bytes, "0x%llx lies outside its bus %s's ranges",
                     (unsigned long long)addr, fdt_get_name(fdt, bus, NULL));
            return -1;
        }
        bus = parent;
    }
    *out = addr;
    return 0;
}

bool fdtaddr_is_gic(const void *fdt, int node)
{
    static const char *const compatible[] = {
        "arm,gic-400",       "arm,cortex-a15-gic", "arm,cortex-a9-gic",
        "arm,cortex-a7-gic", "arm,gic-v2",         "arm,gic-v3",
    };
    int len;
    const fdt32_t *cells = fdt_getprop(fdt, node, "#interrupt-cells", &len);

    if (!fdt_getprop(fdt, node, "interrupt-controller", NULL) || !cells || len != 4 ||
        fdt32_to_cpu(*cells) != 3)
        return false;
    for (size_t i = 0; i < sizeof(compatible) / sizeof(compatible[0]); i++)
        if (fdt_node_check_compatible(fdt, node, compatible[i]) == 0)
            return true;
    return false;
}

int fdtaddr_interrupt_parent(const void *fdt, const struct fdt_parents *parents, int node)
{
    for (int depth = 0; node >= 0 && depth < FDTADDR_MAX_DEPTH; depth++) {
        int len;
        const fdt32_t *ph = fdt_getprop(fdt, node, "interrupt-parent", &len);
        /* The root's interrupt-parent is the default for the whole tree. */
        int next = ph     ? (len == 4 ? fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(*ph)) : -1)
                   : node ? fdtaddr_parent(fdt, parents, node)
                          : -1;

        if (next < 0)
            return -1;
        if (fdt_getprop(fdt, next, "interrupt-controller", NULL) ||
            fdt_getprop(fdt, next, "interrupt-map", NULL))
            return next;
        node = next;
    }
    return -1;
}
