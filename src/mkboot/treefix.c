#include "treefix.h"

#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "fdtaddr.h"

#define PAGE_BYTES 4096u
/*
 * What the edits may add to the tree: a window or a wider reg changes no
 * size; flags, texts and phandles add little.
 */
#define ROOM_BYTES 4096

static void put_cells(uint32_t *at, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        at[i] = (uint32_t)(v >> (32 * (n - 1 - i)));
}

static int cells(const void *fdt, int node, const char *name, int dflt)
{
    const fdt32_t *v = fdt_getprop(fdt, node, name, NULL);

    return v ? (int)fdt32_to_cpu(*v) : dflt;
}

static int node_of(const struct platform *p, const void *fdt, const char *fdt_name, const char *key,
                   const struct platform_node *n, struct xu_err *err)
{
    int node = fdt_path_offset(fdt, n->path);

    if (node < 0)
        return xu_fail(err, "%s:%u: %s: \"%s\": no such node in %s", p->source, n->line, key,
                       n->path, fdt_name);
    return node;
}

/* The bus's ranges with an identity window appended, in its own cells. */
static int plan_window(const struct platform *p, const void *fdt, const char *fdt_name,
                       const struct platform_window *w, struct treefix_value *v, struct xu_err *err)
{
    int bus = node_of(p, fdt, fdt_name, "bus_windows", &w->bus, err), parent, len;
    int na, ns, pna, entry;
    const fdt32_t *r;

    if (bus < 0)
        return -1;
    parent = fdt_parent_offset(fdt, bus);
    na = cells(fdt, bus, "#address-cells", 2);
    ns = cells(fdt, bus, "#size-cells", 1);
    pna = parent < 0 ? -1 : cells(fdt, parent, "#address-cells", 2);
    r = fdt_getprop(fdt, bus, "ranges", &len);
    entry = na + pna + ns;
    if (na < 1 || na > 2 || ns < 1 || ns > 2 || pna < 1 || pna > 2 || !r || len == 0 ||
        len % (entry * (int)sizeof(fdt32_t)) != 0)
        return xu_fail(err,
                       "%s:%u: bus_windows: %s has no ranges of 1 or 2 cells to add a window "
                       "to (%s)",
                       p->source, w->bus.line, w->bus.path, fdt_name);
    if ((ns == 1 && w->size_bytes > UINT32_MAX) || (na == 1 && w->addr > UINT32_MAX) ||
        (pna == 1 && w->addr > UINT32_MAX))
        return xu_fail(err, "%s:%u: bus_windows: 0x%llx does not fit %s's cells", p->source,
                       w->bus.line, (unsigned long long)w->addr, w->bus.path);
    for (int i = 0; i < len / (int)sizeof(fdt32_t); i += entry) {
        uint64_t child = fdtaddr_cells(r + i, na), size = fdtaddr_cells(r + i + na + pna, ns);

        if (w->addr < child + size && child < w->addr + w->size_bytes)
            return xu_fail(err,
                           "%s:%u: bus_windows: 0x%llx is already in %s's ranges (%s): "
                           "nothing to add",
                           p->source, w->bus.line, (unsigned long long)w->addr, w->bus.path,
                           fdt_name);
    }
    v->n_cells = (unsigned)(len / (int)sizeof(fdt32_t)) + (unsigned)entry;
    if (v->n_cells > TREEFIX_MAX_CELLS)
        return xu_fail(err, "%s:%u: bus_windows: %s's ranges is too long for boot.scr", p->source,
                       w->bus.line, w->bus.path);
    for (int i = 0; i < len / (int)sizeof(fdt32_t); i++)
        v->cells[i] = fdt32_to_cpu(r[i]);
    put_cells(v->cells + len / (int)sizeof(fdt32_t), w->addr, na);
    put_cells(v->cells + len / (int)sizeof(fdt32_t) + na, w->addr, pna);
    put_cells(v->cells + len / (int)sizeof(fdt32_t) + na + pna, w->size_bytes, ns);
    v->path = w->bus.path;
    v->prop = "ranges";
    return 0;
}

/* The node's reg with each range widened to whole pages; no sibling may lie in them. */
static int plan_page_reg(const struct platform *p, const void *fdt, const char *fdt_name,
                         const struct platform_node *n, struct treefix_value *v, struct xu_err *err)
{
    int node = node_of(p, fdt, fdt_name, "page_regs", n, err), parent, len, na, ns, sib;
    const fdt32_t *reg;

    if (node < 0)
        return -1;
    parent = fdt_parent_offset(fdt, node);
    na = cells(fdt, parent, "#address-cells", 2);
    ns = cells(fdt, parent, "#size-cells", 1);
    reg = fdt_getprop(fdt, node, "reg", &len);
    if (na < 1 || na > 2 || ns < 1 || ns > 2 || !reg || len == 0 ||
        len % ((na + ns) * (int)sizeof(fdt32_t)) != 0 ||
        len / (int)sizeof(fdt32_t) > TREEFIX_MAX_CELLS)
        return xu_fail(err, "%s:%u: page_regs: %s has no reg to widen (%s)", p->source, n->line,
                       n->path, fdt_name);
    v->n_cells = (unsigned)(len / (int)sizeof(fdt32_t));
    for (unsigned i = 0; i < v->n_cells; i += (unsigned)(na + ns)) {
        uint64_t addr = fdtaddr_cells(reg + i, na), size = fdtaddr_cells(reg + i + na, ns);
        uint64_t wide = (size + PAGE_BYTES - 1) & ~(uint64_t)(PAGE_BYTES - 1);

        if (addr % PAGE_BYTES != 0)
            return xu_fail(err, "%s:%u: page_regs: %s's reg 0x%llx does not start a page (%s)",
                           p->source, n->line, n->path, (unsigned long long)addr, fdt_name);
        fdt_for_each_subnode(sib, fdt, parent)
        {
            const fdt32_t *sreg;
            int slen;

            if (sib == node || !(sreg = fdt_getprop(fdt, sib, "reg", &slen)))
                continue;
            for (int j = 0; j + na + ns <= slen / (int)sizeof(fdt32_t); j += na + ns) {
                uint64_t saddr = fdtaddr_cells(sreg + j, na);

                if (saddr >= addr && saddr < addr + wide)
                    return xu_fail(err,
                                   "%s:%u: page_regs: widening %s to a page would cover %s "
                                   "(%s)",
                                   p->source, n->line, n->path, fdt_get_name(fdt, sib, NULL),
                                   fdt_name);
            }
        }
        for (int k = 0; k < na; k++)
            v->cells[i + (unsigned)k] = fdt32_to_cpu(reg[i + (unsigned)k]);
        put_cells(v->cells + i + na, wide, ns);
    }
    v->path = n->path;
    v->prop = "reg";
    return 0;
}

static int check_edit(const struct platform *p, const void *fdt, const char *fdt_name,
                      const struct platform_edit *e, struct xu_err *err)
{
    int node = node_of(p, fdt, fdt_name, "tree_edits", &e->node, err);
    bool has = node >= 0 && fdt_getprop(fdt, node, e->prop, NULL) != NULL;

    if (node < 0)
        return -1;
    if (e->kind == PLATFORM_EDIT_REMOVE && !has)
        return xu_fail(err, "%s:%u: tree_edits: %s has no %s to remove (%s)", p->source,
                       e->node.line, e->node.path, e->prop, fdt_name);
    for (unsigned i = 0; i < e->n_refs; i++) {
        int ref = node_of(p, fdt, fdt_name, "tree_edits", &e->refs[i], err);

        if (ref < 0)
            return -1;
        if (fdt_get_phandle(fdt, ref) == 0)
            return xu_fail(err, "%s:%u: tree_edits: %s has no phandle to refer to (%s)", p->source,
                           e->refs[i].line, e->refs[i].path, fdt_name);
    }
    return 0;
}

/* One edit, applied to a tree check_edit() has passed; a libfdt error code. */
static int apply_edit(void *fdt, const struct platform_edit *e)
{
    int node = fdt_path_offset(fdt, e->node.path);
    fdt32_t cells[PLATFORM_EDIT_MAX_REFS];

    switch (e->kind) {
    case PLATFORM_EDIT_REMOVE:
        return fdt_delprop(fdt, node, e->prop);
    case PLATFORM_EDIT_FLAG:
        return fdt_setprop(fdt, node, e->prop, NULL, 0);
    case PLATFORM_EDIT_STRING:
        return fdt_setprop_string(fdt, node, e->prop, e->text);
    case PLATFORM_EDIT_PHANDLES:
        for (unsigned i = 0; i < e->n_refs; i++)
            cells[i] = cpu_to_fdt32(fdt_get_phandle(fdt, fdt_path_offset(fdt, e->refs[i].path)));
        return fdt_setprop(fdt, node, e->prop, cells, (int)(e->n_refs * sizeof(fdt32_t)));
    }
    return -FDT_ERR_BADVALUE;
}

static int set_cells(void *fdt, const struct treefix_value *v)
{
    fdt32_t be[TREEFIX_MAX_CELLS];

    for (unsigned i = 0; i < v->n_cells; i++)
        be[i] = cpu_to_fdt32(v->cells[i]);
    return fdt_setprop(fdt, fdt_path_offset(fdt, v->path), v->prop, be,
                       (int)(v->n_cells * sizeof(fdt32_t)));
}

int treefix_apply(const struct platform *p, void **host, size_t *host_bytes, const char *host_name,
                  struct tree_fixes *fx, struct xu_err *err)
{
    size_t room;
    void *grown;
    int rc = 0;

    memset(fx, 0, sizeof(*fx));
    fx->platform = p;
    if (!p->n_bus_windows && !p->n_page_regs && !p->n_tree_edits &&
        (!p->n_disabled_nodes || !*host))
        return 0;
    if (!*host)
        return xu_fail(err, "%s: bus_windows, page_regs and tree_edits need the host device tree",
                       p->source);
    for (size_t i = 0; i < p->n_bus_windows; i++)
        if (plan_window(p, *host, host_name, &p->bus_windows[i], &fx->ranges[i], err) < 0)
            return -1;
    for (size_t i = 0; i < p->n_page_regs; i++)
        if (plan_page_reg(p, *host, host_name, &p->page_regs[i], &fx->regs[i], err) < 0)
            return -1;
    for (size_t i = 0; i < p->n_tree_edits; i++)
        if (check_edit(p, *host, host_name, &p->tree_edits[i], err) < 0)
            return -1;

    room = *host_bytes + ROOM_BYTES;
    grown = malloc(room);
    if (!grown)
        return xu_fail(err, "out of memory");
    rc = fdt_open_into(*host, grown, (int)room);
    for (size_t i = 0; rc == 0 && i < p->n_bus_windows; i++)
        rc = set_cells(grown, &fx->ranges[i]);
    for (size_t i = 0; rc == 0 && i < p->n_page_regs; i++)
        rc = set_cells(grown, &fx->regs[i]);
    for (size_t i = 0; rc == 0 && i < p->n_tree_edits; i++)
        rc = apply_edit(grown, &p->tree_edits[i]);
    /* What boot.scr switches off, off here too (a node missing is reported by the planner). */
    for (size_t i = 0; rc == 0 && i < p->n_disabled_nodes; i++) {
        int node = fdt_path_offset(grown, p->disabled_nodes[i].path);

        if (node > 0)
            rc = fdt_setprop_string(grown, node, "status", "disabled");
    }
    if (rc == 0)
        rc = fdt_pack(grown);
    if (rc != 0) {
        free(grown);
        return xu_fail(err, "%s: applying %s's edits: %s", host_name, p->source, fdt_strerror(rc));
    }
    free(*host);
    *host = grown;
    *host_bytes = fdt_totalsize(grown);
    return 0;
}

int treefix_check_other(const struct tree_fixes *fx, const void *other, const char *other_name,
                        struct xu_err *err)
{
    const struct platform *p = fx->platform;

    for (size_t i = 0; i < p->n_bus_windows; i++) {
        struct treefix_value v;

        if (plan_window(p, other, other_name, &p->bus_windows[i], &v, err) < 0)
            return -1;
        if (v.n_cells != fx->ranges[i].n_cells ||
            memcmp(v.cells, fx->ranges[i].cells, v.n_cells * sizeof(v.cells[0])) != 0)
            return xu_fail(err,
                           "%s:%u: bus_windows: %s's ranges differ in %s; boot.scr writes one "
                           "value for both trees",
                           p->source, p->bus_windows[i].bus.line, p->bus_windows[i].bus.path,
                           other_name);
    }
    for (size_t i = 0; i < p->n_page_regs; i++) {
        struct treefix_value v;

        if (plan_page_reg(p, other, other_name, &p->page_regs[i], &v, err) < 0)
            return -1;
        if (v.n_cells != fx->regs[i].n_cells ||
            memcmp(v.cells, fx->regs[i].cells, v.n_cells * sizeof(v.cells[0])) != 0)
            return xu_fail(err,
                           "%s:%u: page_regs: %s's reg differs in %s; boot.scr writes one "
                           "value for both trees",
                           p->source, p->page_regs[i].line, p->page_regs[i].path, other_name);
    }
    for (size_t i = 0; i < p->n_tree_edits; i++)
        if (check_edit(p, other, other_name, &p->tree_edits[i], err) < 0)
            return -1;
    return 0;
}
