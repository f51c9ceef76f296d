#include "passthrough.h"

#include <libfdt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdtaddr.h"
#include "fdtcheck.h"
#include "guest.h"

/* Every node and property the walks below visit is inside a checked blob; this bounds loops. */
#define MAX_DEPTH FDTADDR_MAX_DEPTH
/* The partial tree's own cells: the domain's root and /passthrough use 2 and 2. */
#define PT_CELLS 2
/* What the partial tree may take beyond the host tree it copies from. */
#define PT_PARTIAL_ROOM_BYTES 4096

struct ctx {
    const void *fdt;
    const char *host_name;
    const struct domain_config *dc;
    const struct pt_device *dev; /* the one being read, for messages */
    struct xu_err *err;
    struct pt_plan *plan; /* while planning: where fixed clocks are noted */
    const char *key;      /* the config key that named the device, for messages */
};

/*
 * Host properties the domain must not see. A node keeps its phandle, so
 * references between the nodes it is given hold as they are; msi-parent
 * stays only where the MSI controller is passed through too, else names the
 * node itself if it is an MSI controller (write_rest).
 */
static const char *const dropped[] = {
    "linux,phandle", "msi-map", "msi-map-mask", "iommus", "iommu-map", "iommu-map-mask",
};
/* Rewritten for the domain, not copied as they are. */
static const char *const rewritten[] = {
    "reg",        "ranges",           "dma-ranges",    "interrupts",
    "msi-ranges", "interrupt-parent", "interrupt-map", "interrupts-extended",
};

/*
 * Properties that refer to other nodes, and the cells that follow each
 * phandle (named by the referred node's #...-cells; NULL: none). A domain may
 * refer to what it is given (its dtdev nodes and what lies below them) and
 * to fixed clocks, which are copied; anything else of the host it cannot
 * have.
 */
struct ref_prop {
    const char *name;
    const char *cells;
    enum { REF_EXACT, REF_SUFFIX, REF_PREFIX } match;
};
static const struct ref_prop refs[] = {
    {"clocks", "#clock-cells", REF_EXACT},
    {"assigned-clocks", "#clock-cells", REF_EXACT},
    {"assigned-clock-parents", "#clock-cells", REF_EXACT},
    {"resets", "#reset-cells", REF_EXACT},
    {"power-domains", "#power-domain-cells", REF_EXACT},
    {"dmas", "#dma-cells", REF_EXACT},
    {"phys", "#phy-cells", REF_EXACT},
    {"mboxes", "#mbox-cells", REF_EXACT},
    {"msi-parent", "#msi-cells", REF_EXACT},
    {"phy-handle", NULL, REF_EXACT},
    {"-gpios", "#gpio-cells", REF_SUFFIX},
    {"-gpio", "#gpio-cells", REF_SUFFIX},
    {"-supply", NULL, REF_SUFFIX},
    {"pinctrl-", NULL, REF_PREFIX},
};

static bool in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0)
            return true;
    return false;
}

static const struct ref_prop *ref_prop_of(const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
        size_t m = strlen(refs[i].name);

        if ((refs[i].match == REF_EXACT && strcmp(name, refs[i].name) == 0) ||
            (refs[i].match == REF_SUFFIX && n > m && strcmp(name + n - m, refs[i].name) == 0) ||
            (refs[i].match == REF_PREFIX && n > m && strncmp(name, refs[i].name, m) == 0 &&
             strspn(name + m, "0123456789") == n - m))
            return &refs[i];
    }
    return NULL;
}

static bool is_enabled(const void *fdt, int node)
{
    const char *status = fdt_getprop(fdt, node, "status", NULL);

    return !status || strcmp(status, "okay") == 0 || strcmp(status, "ok") == 0;
}

/* Whether `node` is one the domain is given: a dtdev node or below one, nothing disabled between.
 */
static bool in_set(const void *fdt, const struct domain_config *dc, int node)
{
    for (int depth = 0; node > 0 && depth < MAX_DEPTH; depth++) {
        if (!is_enabled(fdt, node))
            return false;
        for (unsigned i = 0; i < dc->n_dtdevs; i++)
            if (fdt_path_offset(fdt, dc->dtdevs[i]) == node)
                return true;
        node = fdt_parent_offset(fdt, node);
    }
    return false;
}

static bool is_fixed_clock(const void *fdt, int node)
{
    const fdt32_t *cells = fdt_getprop(fdt, node, "#clock-cells", NULL);

    return fdt_node_check_compatible(fdt, node, "fixed-clock") == 0 && cells &&
           fdt32_to_cpu(*cells) == 0;
}

static int fail(const struct ctx *c, const char *why)
{
    return xu_fail(c->err, "%s:%u: %s: %s: %s (%s)", c->dc->source, c->dev->line, c->key,
                   c->dev->path, why, c->host_name);
}

/* An address on the bus `bus` (a node's parent), as the CPU sees it. */
static int to_cpu(const struct ctx *c, int bus, uint64_t addr, uint64_t size, uint64_t *out)
{
    char why[160];

    return fdtaddr_to_cpu(c->fdt, NULL, bus, addr, size, out, why, sizeof(why)) < 0 ? fail(c, why)
                                                                                    : 0;
}

static int add_window(const struct ctx *c, struct pt_device *d, uint64_t addr, uint64_t size)
{
    uint64_t start = addr & ~(uint64_t)(PT_PAGE_BYTES - 1);
    uint64_t end = addr + size;

    if (size == 0)
        return 0;
    if (end < addr || end > UINT64_MAX - PT_PAGE_BYTES)
        return fail(c, "a range runs past the end of the address space");
    /* Xen maps whole pages. */
    end = (end + PT_PAGE_BYTES - 1) & ~(uint64_t)(PT_PAGE_BYTES - 1);
    for (unsigned i = 0; i < d->n_windows; i++)
        if (d->windows[i].addr == start && d->windows[i].size_bytes == end - start)
            return 0;
    if (d->n_windows == PT_MAX_WINDOWS)
        return fail(c, "more address ranges than pixen maps for one device");
    d->windows[d->n_windows++] = (struct pt_window){start, end - start};
    return 0;
}

/* reg: the device's own registers, in its parent's cells. */
static int read_reg(const struct ctx *c, int node, struct pt_device *d)
{
    int parent = fdt_parent_offset(c->fdt, node);
    int na = fdtaddr_cells_of(c->fdt, parent, false), ns = fdtaddr_cells_of(c->fdt, parent, true);
    const fdt32_t *reg;
    int len;

    reg = fdt_getprop(c->fdt, node, "reg", &len);
    if (!reg)
        return 0;
    if (na < 1 || na > 2 || ns < 0 || ns > 2 || len % (int)((na + ns) * sizeof(fdt32_t)) != 0)
        return fail(c, "its reg does not fit its parent's #address-cells and #size-cells");
    for (int i = 0; i < len / (int)sizeof(fdt32_t); i += na + ns) {
        uint64_t addr;

        if (to_cpu(c, parent, fdtaddr_cells(reg + i, na), fdtaddr_cells(reg + i + na, ns), &addr) <
                0 ||
            add_window(c, d, addr, fdtaddr_cells(reg + i + na, ns)) < 0)
            return -1;
    }
    return 0;
}

/* ranges of a bus the device is (a PCIe host bridge): its windows, in the parent's cells. */
static int read_bus_windows(const struct ctx *c, int node, struct pt_device *d)
{
    int parent = fdt_parent_offset(c->fdt, node);
    int na = fdtaddr_cells_of(c->fdt, node, false), ns = fdtaddr_cells_of(c->fdt, node, true);
    int pna = fdtaddr_cells_of(c->fdt, parent, false);
    const fdt32_t *r;
    int len;

    r = fdt_getprop(c->fdt, node, "ranges", &len);
    if (!r)
        return 0;
    if (len == 0)
        return fail(c, "its ranges is empty (the same addresses as its parent's): name the "
                       "devices on it in dtdev instead");
    if (na < 1 || ns < 1 || ns > 2 || pna < 1 || pna > 2 ||
        len % (int)((na + pna + ns) * sizeof(fdt32_t)) != 0)
        return fail(c, "its ranges does not fit the #address-cells and #size-cells around it");
    for (int i = 0; i < len / (int)sizeof(fdt32_t); i += na + pna + ns) {
        uint64_t size = fdtaddr_cells(r + i + na + pna, ns), addr;

        if (to_cpu(c, parent, fdtaddr_cells(r + i + na, pna), size, &addr) < 0 ||
            add_window(c, d, addr, size) < 0)
            return -1;
    }
    return 0;
}

/* The GIC a phandle names; Xen routes interrupts of the GIC only. */
static int gic_by_phandle(const struct ctx *c, uint32_t phandle, struct pt_device *d, int *gic)
{
    char path[DOMCFG_DTPATH_BYTES];
    int node = fdt_node_offset_by_phandle(c->fdt, phandle);

    if (node < 0 || !fdtaddr_is_gic(c->fdt, node))
        return fail(c, "its interrupts go to a controller other than the GIC; Xen routes only "
                       "GIC interrupts");
    if (fdt_get_path(c->fdt, node, path, sizeof(path)) < 0)
        return fail(c, "its GIC's path is too long");
    if (d->gic_path[0] && strcmp(d->gic_path, path) != 0)
        return fail(c, "its interrupts go to two different GICs");
    strcpy(d->gic_path, path);
    *gic = node;
    return 0;
}

static int add_irq(const struct ctx *c, struct pt_device *d, const fdt32_t *spec)
{
    struct pt_irq irq = {{fdt32_to_cpu(spec[0]), fdt32_to_cpu(spec[1]), fdt32_to_cpu(spec[2])}};
    char why[160];

    if (irq.cells[0] != 0 || irq.cells[1] > DOMCFG_LAST_SPI - DOMCFG_FIRST_SPI) {
        snprintf(why, sizeof(why),
                 "interrupt <%u %u %u> is not a shared interrupt (SPI); only SPIs can be given "
                 "to a domain",
                 irq.cells[0], irq.cells[1], irq.cells[2]);
        return fail(c, why);
    }
    for (unsigned i = 0; i < d->n_irqs; i++) {
        if (d->irqs[i].cells[1] != irq.cells[1])
            continue;
        if (d->irqs[i].cells[2] != irq.cells[2]) {
            snprintf(why, sizeof(why), "SPI %u is given two different trigger types", irq.cells[1]);
            return fail(c, why);
        }
        return 0;
    }
    if (d->n_irqs == PT_MAX_IRQS)
        return fail(c, "more interrupts than pixen routes for one device");
    d->irqs[d->n_irqs++] = irq;
    return 0;
}

/* interrupts, on the node's interrupt parent: the GIC. */
static int read_interrupts(const struct ctx *c, int node, struct pt_device *d)
{
    const fdt32_t *spec, *ph = NULL;
    int len, gic;

    if (fdt_getprop(c->fdt, node, "interrupts-extended", NULL))
        return fail(c, "interrupts-extended is not supported: use interrupts");
    spec = fdt_getprop(c->fdt, node, "interrupts", &len);
    if (!spec)
        return 0;
    for (int n = node, depth = 0; n >= 0 && depth < MAX_DEPTH && !ph; depth++) {
        ph = fdt_getprop(c->fdt, n, "interrupt-parent", NULL);
        n = n == 0 ? -1 : fdt_parent_offset(c->fdt, n);
    }
    if (!ph)
        return fail(c, "it has interrupts but no interrupt-parent");
    gic = fdt_node_offset_by_phandle(c->fdt, fdt32_to_cpu(*ph));
    if (gic > 0 && !fdtaddr_is_gic(c->fdt, gic) && in_set(c->fdt, c->dc, gic)) {
        d->irq_parent_phandle = fdt32_to_cpu(*ph); /* a GPIO block's own interrupt controller */
        return 0;
    }
    if (gic_by_phandle(c, fdt32_to_cpu(*ph), d, &gic) < 0)
        return -1;
    if (len % (int)(3 * sizeof(fdt32_t)) != 0)
        return fail(c, "its interrupts are not GIC specifiers of 3 cells");
    for (int i = 0; i < len / (int)sizeof(fdt32_t); i += 3)
        if (add_irq(c, d, spec + i) < 0)
            return -1;
    return 0;
}

/* interrupt-map (a PCIe bridge's INTx): every entry must go to the GIC. */
static int read_interrupt_map(const struct ctx *c, int node, struct pt_device *d)
{
    const fdt32_t *map, *icells;
    int len, n, na = fdtaddr_cells_of(c->fdt, node, false);

    map = fdt_getprop(c->fdt, node, "interrupt-map", &len);
    if (!map)
        return 0;
    icells = fdt_getprop(c->fdt, node, "#interrupt-cells", NULL);
    if (!icells || na < 0 || fdt32_to_cpu(*icells) > 4)
        return fail(c, "its interrupt-map has no usable #interrupt-cells");
    d->map_child_cells = na + (int)fdt32_to_cpu(*icells);
    n = len / (int)sizeof(fdt32_t);
    for (int i = 0; i < n;) {
        const fdt32_t *pna;
        int gic;

        if (i + d->map_child_cells + 1 > n)
            return fail(c, "its interrupt-map ends inside an entry");
        if (gic_by_phandle(c, fdt32_to_cpu(map[i + d->map_child_cells]), d, &gic) < 0)
            return -1;
        /* The GIC's own #address-cells, 0 when it has none (not the bus default). */
        pna = fdt_getprop(c->fdt, gic, "#address-cells", NULL);
        d->map_gic_addr_cells = pna ? (int)fdt32_to_cpu(*pna) : 0;
        if (d->map_gic_addr_cells < 0 || d->map_gic_addr_cells > 4)
            return fail(c, "its GIC has unusual #address-cells");
        i += d->map_child_cells + 1 + d->map_gic_addr_cells;
        if (i + 3 > n)
            return fail(c, "its interrupt-map ends inside an entry");
        if (add_irq(c, d, map + i) < 0)
            return -1;
        i += 3;
        d->irqs_from_map = true;
    }
    return 0;
}

/*
 * msi-ranges: an MSI controller that turns a device's writes into GIC SPIs
 * (the BCM2712's MIP: <&gic GIC_SPI first flags> and a count). Xen routes
 * to the domain only what the host node's interrupts lists, so boot.scr
 * lists the SPIs there.
 */
static int read_msi_ranges(const struct ctx *c, int node, struct pt_device *d)
{
    const fdt32_t *v;
    int len, n;

    v = fdt_getprop(c->fdt, node, "msi-ranges", &len);
    if (!v)
        return 0;
    n = len / (int)sizeof(fdt32_t);
    for (int i = 0; i < n;) {
        const fdt32_t *icells;
        uint32_t count;
        int gic;

        if (gic_by_phandle(c, fdt32_to_cpu(v[i]), d, &gic) < 0)
            return -1;
        icells = fdt_getprop(c->fdt, gic, "#interrupt-cells", NULL);
        if (!icells || fdt32_to_cpu(*icells) != 3 || i + 5 > n)
            return fail(c, "its msi-ranges ends inside an entry");
        count = fdt32_to_cpu(v[i + 4]);
        if (count == 0 || count > PT_MAX_IRQS)
            return fail(c, "its msi-ranges names more SPIs than pixen routes for one device");
        for (uint32_t k = 0; k < count; k++) {
            fdt32_t spec[3] = {v[i + 1], cpu_to_fdt32(fdt32_to_cpu(v[i + 2]) + k), v[i + 3]};

            if (add_irq(c, d, spec) < 0)
                return -1;
        }
        d->irqs_from_msi = true;
        i += 5;
    }
    return 0;
}

/* The fixed clocks the domain's nodes use are copied into its tree, each once. */
static int note_fixed_clock(const struct ctx *c, uint32_t phandle)
{
    struct pt_plan *plan = c->plan;

    for (unsigned i = 0; i < plan->n_fixed_clocks; i++)
        if (plan->fixed_clocks[i] == phandle)
            return 0;
    if (plan->n_fixed_clocks == PT_MAX_FIXED_CLOCKS)
        return fail(c, "more fixed clocks than pixen copies for one domain");
    plan->fixed_clocks[plan->n_fixed_clocks++] = phandle;
    return 0;
}

/*
 * A property referring to other nodes: each must be given to the domain
 * too, or be a fixed clock (copied); an MSI controller that is not is
 * dropped (the device then uses INTx).
 */
static int check_ref(const struct ctx *c, int node, int depth, const char *name,
                     const struct ref_prop *ref, const fdt32_t *v, int len)
{
    char why[PATH_MAX + 200];
    int n = len / (int)sizeof(fdt32_t);

    if (len % (int)sizeof(fdt32_t) != 0) {
        snprintf(why, sizeof(why), "%s%s%s is not a list of phandles", name, depth ? " in " : "",
                 depth ? fdt_get_name(c->fdt, node, NULL) : "");
        return fail(c, why);
    }
    for (int i = 0; i < n;) {
        int target = fdt_node_offset_by_phandle(c->fdt, fdt32_to_cpu(v[i]));
        const fdt32_t *cells = NULL;
        char path[PATH_MAX];

        if (fdt32_to_cpu(v[i]) == 0 && strcmp(name, "assigned-clock-parents") == 0) {
            i++; /* an empty entry: this clock keeps its parent */
            continue;
        }
        if (target < 0) {
            snprintf(why, sizeof(why), "%s%s%s refers to phandle 0x%x, which no node has", name,
                     depth ? " in " : "", depth ? fdt_get_name(c->fdt, node, NULL) : "",
                     fdt32_to_cpu(v[i]));
            return fail(c, why);
        }
        if (ref->cells) {
            cells = fdt_getprop(c->fdt, target, ref->cells, NULL);
            if (!cells && strcmp(ref->cells, "#msi-cells") != 0) {
                snprintf(why, sizeof(why), "%s%s%s refers to %s, which has no %s", name,
                         depth ? " in " : "", depth ? fdt_get_name(c->fdt, node, NULL) : "",
                         fdt_get_name(c->fdt, target, NULL), ref->cells);
                return fail(c, why);
            }
        }
        if (!in_set(c->fdt, c->dc, target)) {
            if (strcmp(name, "clocks") == 0 && is_fixed_clock(c->fdt, target)) {
                if (note_fixed_clock(c, fdt32_to_cpu(v[i])) < 0)
                    return -1;
            } else if (strcmp(name, "msi-parent") != 0) {
                if (fdt_get_path(c->fdt, target, path, sizeof(path)) < 0)
                    snprintf(path, sizeof(path), "%s", fdt_get_name(c->fdt, target, NULL));
                snprintf(why, sizeof(why),
                         "%s%s%s refers to host resources a domain cannot be given (%s%s)", name,
                         depth ? " in " : "", depth ? fdt_get_name(c->fdt, node, NULL) : "", path,
                         strcmp(name, "clocks") == 0 ? ": a clock controller, not a fixed clock"
                                                     : ", which the domain is not given");
                return fail(c, why);
            }
        }
        /* The count is the tree's word: compare before adding, so no count wraps i. */
        uint32_t n_cells = cells ? fdt32_to_cpu(*cells) : 0;

        if (n_cells > (uint32_t)(n - i - 1)) {
            snprintf(why, sizeof(why), "%s%s%s ends inside an entry", name, depth ? " in " : "",
                     depth ? fdt_get_name(c->fdt, node, NULL) : "");
            return fail(c, why);
        }
        i += 1 + (int)n_cells;
    }
    return 0;
}

/* What the device node may carry, itself and below it (its enabled children). */
static int check_properties(const struct ctx *c, int node, int depth)
{
    int prop, child;

    if (depth == MAX_DEPTH)
        return fail(c, "its subtree is too deep");
    fdt_for_each_property_offset(prop, c->fdt, node)
    {
        const struct ref_prop *ref;
        const char *name;
        const void *v;
        char why[200];
        int len;

        v = fdt_getprop_by_offset(c->fdt, prop, &name, &len);
        if (!v && len < 0)
            return fail(c, "a property cannot be read");
        if (strcmp(name, "phandle") == 0 && len == 4 &&
            fdt32_to_cpu(*(const fdt32_t *)v) == GMAP_PHANDLE_GIC)
            return fail(c, "it has the phandle Xen gives the domain's GIC (65000)");
        ref = ref_prop_of(name);
        if (ref && check_ref(c, node, depth, name, ref, v, len) < 0)
            return -1;
        if (depth && (strcmp(name, "interrupts") == 0 || strcmp(name, "interrupt-map") == 0)) {
            int parent = fdtaddr_interrupt_parent(c->fdt, NULL, node);

            /* A controller of the device's own (RP1's) serves it; the GIC's are Xen's to route. */
            if (strcmp(name, "interrupts") == 0 && parent > 0 && !fdtaddr_is_gic(c->fdt, parent) &&
                in_set(c->fdt, c->dc, parent))
                continue;
            snprintf(why, sizeof(why),
                     "%s of its child %s would not reach the domain: name the child in dtdev", name,
                     fdt_get_name(c->fdt, node, NULL));
            return fail(c, why);
        }
    }
    fdt_for_each_subnode(child, c->fdt, node)
    {
        if (is_enabled(c->fdt, child) && check_properties(c, child, depth + 1) < 0)
            return -1;
    }
    return 0;
}

/* The node /chosen/stdout-path names (a path or an alias, before any ":options"). */
static bool is_xen_console(const void *fdt, int node)
{
    int chosen = fdt_path_offset(fdt, "/chosen"), len, target;
    const char *path = chosen < 0 ? NULL : fdt_getprop(fdt, chosen, "stdout-path", &len);
    const char *colon, *alias;

    if (!path || len < 2 || path[len - 1] != '\0')
        return false;
    colon = strchr(path, ':');
    len = colon ? (int)(colon - path) : (int)strlen(path);
    if (path[0] == '/')
        return fdt_path_offset_namelen(fdt, path, len) == node;
    /* An alias is a full path; libfdt would follow an alias naming an alias without end. */
    alias = fdt_get_alias_namelen(fdt, path, len);
    target = alias && alias[0] == '/' ? fdt_path_offset(fdt, alias) : -1;
    return target >= 0 && target == node;
}

static int plan_device(const struct ctx *c, struct pt_device *d)
{
    int node = fdt_path_offset(c->fdt, d->path);

    if (node < 0)
        return fail(c, "no such node in the host device tree");
    if (node == 0)
        return fail(c, "the root cannot be passed through");
    if (fdtaddr_is_gic(c->fdt, node))
        return fail(c, "it is the GIC, which Xen keeps for itself");
    if (is_xen_console(c->fdt, node))
        return fail(c, "it is the serial port of Xen's console (/chosen/stdout-path)");
    if (!is_enabled(c->fdt, node))
        return fail(c, "it is disabled (status) in the host device tree");
    if (read_reg(c, node, d) < 0 || read_bus_windows(c, node, d) < 0 ||
        read_interrupts(c, node, d) < 0 || read_interrupt_map(c, node, d) < 0 ||
        read_msi_ranges(c, node, d) < 0 || check_properties(c, node, 0) < 0)
        return -1;
    /* Xen routes a device's interrupts only with registers to map (xen,reg). */
    if (!d->n_windows && d->n_irqs)
        return fail(c, "it has interrupts Xen must route but no registers (reg) to map");
    d->has_iommu = fdt_getprop(c->fdt, node, "iommus", NULL) != NULL;
    return 0;
}

/* A 1:1 window must not cover what the domain already has at that address. */
static int check_windows(const struct ctx *c, const struct pt_device *d)
{
    const struct domain_config *dc = c->dc;
    char why[200];

    for (unsigned i = 0; i < d->n_windows; i++) {
        const struct pt_window *w = &d->windows[i];

        if (dc->direct_map) {
            for (unsigned j = 0; j < dc->n_static_mem; j++) {
                const struct mem_bank *b = &dc->static_mem[j];

                if (w->addr < b->addr + b->size_bytes && b->addr < w->addr + w->size_bytes) {
                    snprintf(why, sizeof(why), "0x%llx-0x%llx overlaps the domain's static_mem",
                             (unsigned long long)w->addr,
                             (unsigned long long)(w->addr + w->size_bytes - 1));
                    return fail(c, why);
                }
            }
            continue;
        }
        /* Otherwise Xen's guest memory map is what the domain sees. */
        static const struct pt_window guest[] = {
            {GMAP_GICD_BASE, GMAP_GICV3_GICR0_BASE + GMAP_GICV3_GICR0_SIZE - GMAP_GICD_BASE},
            {GMAP_PL011_BASE, GMAP_PL011_SIZE},
            {GMAP_GNTTAB_BASE, GMAP_GNTTAB_SIZE},
            {GMAP_MAGIC_BASE, GMAP_RAM0_BASE - GMAP_MAGIC_BASE},
            {GMAP_RAM0_BASE, GMAP_RAM0_SIZE},
            {GMAP_RAM1_BASE, GMAP_RAM1_SIZE},
        };
        for (size_t j = 0; j < sizeof(guest) / sizeof(guest[0]); j++)
            if (w->addr < guest[j].addr + guest[j].size_bytes &&
                guest[j].addr < w->addr + w->size_bytes) {
                snprintf(why, sizeof(why),
                         "0x%llx-0x%llx collides with Xen's guest memory map at 0x%llx; give "
                         "the domain direct_map = 1 and static_mem",
                         (unsigned long long)w->addr,
                         (unsigned long long)(w->addr + w->size_bytes - 1),
                         (unsigned long long)guest[j].addr);
                return fail(c, why);
            }
    }
    return 0;
}

/* Whether `node` is an ancestor of a node the domain is given (a bus on the way to it). */
static bool above_set(const void *fdt, const struct domain_config *dc, int node)
{
    for (unsigned i = 0; i < dc->n_dtdevs; i++) {
        int dev = fdt_path_offset(fdt, dc->dtdevs[i]);

        for (int depth = 0; dev > 0 && depth < MAX_DEPTH; depth++) {
            dev = fdt_parent_offset(fdt, dev);
            if (dev == node)
                return true;
        }
    }
    return false;
}

/* Whether `node` and every node above it are enabled. */
static bool enabled_on_the_way(const void *fdt, int node)
{
    for (int depth = 0; node > 0 && depth < MAX_DEPTH; depth++, node = fdt_parent_offset(fdt, node))
        if (!is_enabled(fdt, node))
            return false;
    return true;
}

/*
 * Xen maps whole pages, so a page of the domain's is the domain's alone: no
 * other enabled node, one Dom0 would drive or a guest is kept, may have
 * registers in it. Nodes whose addresses do not translate to the CPU's
 * (those behind PCIe) are not the CPU's to share.
 */
static int check_pages_alone(const void *host, const char *host_name,
                             const struct domain_config *dc, const struct pt_plan *plan,
                             const char *key, struct xu_err *err)
{
    int node;

    if (plan->n_devices == 0)
        return 0;
    for (node = fdt_next_node(host, 0, NULL); node >= 0; node = fdt_next_node(host, node, NULL)) {
        int parent = fdt_parent_offset(host, node), na, ns, len;
        const fdt32_t *reg = fdt_getprop(host, node, "reg", &len);
        struct xu_err scratch = {{0}};
        /* Translation failures are not this check's to report. */
        struct ctx quiet = {host, host_name, dc, &plan->devices[0], &scratch, NULL, key};

        if (!reg || parent < 0 || in_set(host, dc, node) || above_set(host, dc, node) ||
            !enabled_on_the_way(host, node))
            continue;
        na = fdtaddr_cells_of(host, parent, false);
        ns = fdtaddr_cells_of(host, parent, true);
        if (na < 1 || na > 2 || ns < 1 || ns > 2 || len % (int)((na + ns) * sizeof(fdt32_t)) != 0)
            continue;
        for (int i = 0; i < len / (int)sizeof(fdt32_t); i += na + ns) {
            uint64_t addr, size = fdtaddr_cells(reg + i + na, ns);

            if (size == 0 || to_cpu(&quiet, parent, fdtaddr_cells(reg + i, na), size, &addr) < 0)
                continue;
            for (unsigned k = 0; k < plan->n_devices; k++) {
                const struct pt_device *d = &plan->devices[k];

                for (unsigned w = 0; w < d->n_windows; w++) {
                    const struct pt_window *win = &d->windows[w];
                    char path[PATH_MAX];

                    if (addr >= win->addr + win->size_bytes || win->addr >= addr + size ||
                        addr + size < addr)
                        continue;
                    if (fdt_get_path(host, node, path, sizeof(path)) < 0)
                        snprintf(path, sizeof(path), "%s", fdt_get_name(host, node, NULL));
                    return xu_fail(err,
                                   "%s:%u: %s: %s: its pages 0x%llx-0x%llx also hold the "
                                   "registers of %s (0x%llx), which the domain is not given: "
                                   "give it too, or switch it off (disabled_nodes) (%s)",
                                   dc->source, d->line, key, d->path, (unsigned long long)win->addr,
                                   (unsigned long long)(win->addr + win->size_bytes - 1), path,
                                   (unsigned long long)addr, host_name);
                }
            }
        }
    }
    return 0;
}

int pt_plan_devices(const void *host, size_t host_bytes, const char *host_name,
                    const struct domain_config *dc, struct pt_plan *plan, struct xu_err *err)
{
    const char *why;

    memset(plan, 0, sizeof(*plan));
    if (fdt_check_strict(host, host_bytes, &why) < 0)
        return xu_fail(err, "%s: not a usable device tree: %s", host_name, why);
    for (unsigned i = 0; i < dc->n_dtdevs; i++) {
        struct pt_device *d = &plan->devices[i];
        struct ctx c = {host, host_name, dc, d, err, plan, "dtdev"};

        snprintf(d->path, sizeof(d->path), "%s", dc->dtdevs[i]);
        d->line = dc->dtdev_lines[i];
        for (unsigned j = 0; j < i; j++)
            if (strcmp(plan->devices[j].path, d->path) == 0)
                return fail(&c, "listed twice");
        if (plan_device(&c, d) < 0 || check_windows(&c, d) < 0)
            return -1;
        plan->n_devices++;
    }
    return check_pages_alone(host, host_name, dc, plan, "dtdev", err);
}

/* --- The platform's guest devices and disabled nodes ---------------------- */

/* By path, or with the host tree by node, which also catches /a/ for /a. */
static bool same_node(const void *host, const char *a, const char *b)
{
    int node;

    if (strcmp(a, b) == 0)
        return true;
    if (!host)
        return false;
    node = fdt_path_offset(host, a);
    return node >= 0 && node == fdt_path_offset(host, b);
}

/* Why boot.scr cannot mark or switch off `path` in the host tree; NULL if it can. */
static const char *unusable(const void *host, const char *host_name, const char *path, char *why,
                            size_t size)
{
    int node = fdt_path_offset(host, path);

    if (node < 0)
        snprintf(why, size, "no such node in %s", host_name);
    else if (node == 0)
        snprintf(why, size, "it is the root of %s", host_name);
    else if (fdtaddr_is_gic(host, node))
        snprintf(why, size, "it is the GIC, which Xen keeps for itself (%s)", host_name);
    else if (is_xen_console(host, node))
        snprintf(why, size, "it is the serial port of Xen's console (/chosen/stdout-path) (%s)",
                 host_name);
    else
        return NULL;
    return why;
}

static int check_platform_node(const void *host, const char *host_name, const struct platform *p,
                               const char *key, const struct platform_node *n,
                               const struct domain_config *domains, unsigned n_domains,
                               struct xu_err *err)
{
    char why[PATH_MAX + 128];

    if (host && unusable(host, host_name, n->path, why, sizeof(why)))
        return xu_fail(err, "%s:%u: %s: \"%s\": %s", p->source, n->line, key, n->path, why);
    for (unsigned i = 0; i < n_domains; i++)
        for (unsigned j = 0; j < domains[i].n_dtdevs; j++)
            if (same_node(host, n->path, domains[i].dtdevs[j]))
                return xu_fail(err, "%s:%u: %s: \"%s\" is already %s's (dtdev at %s:%u)", p->source,
                               n->line, key, n->path, domains[i].name, domains[i].source,
                               domains[i].dtdev_lines[j]);
    return 0;
}

/*
 * The guests' devices are given by page too (iomem): each page must be
 * theirs alone, as a boot-time domain's must be, so that no guest can write
 * registers Dom0 drives. Planned as if one domain had them all.
 */
static int check_guest_pages(const void *host, const char *host_name, const struct platform *p,
                             struct xu_err *err)
{
    static struct domain_config guests;
    static struct pt_plan plan;

    memset(&guests, 0, sizeof(guests));
    memset(&plan, 0, sizeof(plan));
    snprintf(guests.source, sizeof(guests.source), "%s", p->source);
    snprintf(guests.name, sizeof(guests.name), "the guests");
    for (size_t i = 0; i < p->n_guest_devices && i < DOMCFG_MAX_DTDEVS; i++) {
        struct pt_device *d = &plan.devices[i];
        struct ctx c = {host, host_name, &guests, d, err, &plan, "guest_devices"};

        snprintf(guests.dtdevs[i], sizeof(guests.dtdevs[i]), "%s", p->guest_devices[i].path);
        snprintf(d->path, sizeof(d->path), "%s", p->guest_devices[i].path);
        d->line = p->guest_devices[i].line;
        guests.n_dtdevs++;
        if (read_reg(&c, fdt_path_offset(host, d->path), d) < 0)
            return -1;
        plan.n_devices++;
    }
    return check_pages_alone(host, host_name, &guests, &plan, "guest_devices", err);
}

int pt_check_platform_nodes(const void *host, size_t host_bytes, const char *host_name,
                            const struct platform *p, const struct domain_config *domains,
                            unsigned n_domains, struct xu_err *err)
{
    const char *why;

    if (host && fdt_check_strict(host, host_bytes, &why) < 0)
        return xu_fail(err, "%s: not a usable device tree: %s", host_name, why);
    for (size_t i = 0; i < p->n_guest_devices; i++)
        if (check_platform_node(host, host_name, p, "guest_devices", &p->guest_devices[i], domains,
                                n_domains, err) < 0)
            return -1;
    for (size_t i = 0; i < p->n_disabled_nodes; i++)
        if (check_platform_node(host, host_name, p, "disabled_nodes", &p->disabled_nodes[i],
                                domains, n_domains, err) < 0)
            return -1;
    return host ? check_guest_pages(host, host_name, p, err) : 0;
}

/* --- The partial device tree -------------------------------------------- */

static void put_cells(fdt32_t **at, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        (*at)[i] = cpu_to_fdt32((uint32_t)(v >> (32 * (n - 1 - i))));
    *at += n;
}

/*
 * reg, ranges or dma-ranges with the parent-side addresses as the CPU's, in 2
 * cells each; the sizes in `out_size_cells` (reg's are in /passthrough's 2).
 */
static int write_translated(void *out_fdt, const struct ctx *c, int node, const char *name,
                            int child_cells, int size_cells, int out_size_cells)
{
    int parent = fdt_parent_offset(c->fdt, node);
    int pna = fdtaddr_cells_of(c->fdt, parent, false);
    const fdt32_t *in;
    fdt32_t *out, *at;
    int len, in_entry, out_entry, n, rc;

    in = fdt_getprop(c->fdt, node, name, &len);
    if (!in)
        return 0;
    if (len == 0)
        return fdt_property(out_fdt, name, NULL, 0);
    in_entry = child_cells + pna + size_cells;
    if (child_cells < 0 || pna < 1 || pna > 2 || size_cells < 0 || size_cells > 2 ||
        len % (int)(in_entry * sizeof(fdt32_t)) != 0)
        return fail(c, "an address property does not fit its cells");
    n = len / (int)(in_entry * sizeof(fdt32_t));
    out_entry = child_cells + PT_CELLS + out_size_cells;
    out = calloc((size_t)n, (size_t)out_entry * sizeof(fdt32_t));
    if (!out)
        return xu_fail(c->err, "out of memory");
    at = out;
    for (int i = 0; i < n; i++) {
        const fdt32_t *e = in + i * in_entry;
        uint64_t size = fdtaddr_cells(e + child_cells + pna, size_cells), addr;

        memcpy(at, e, (size_t)child_cells * sizeof(fdt32_t));
        at += child_cells;
        if (to_cpu(c, parent, fdtaddr_cells(e + child_cells, pna), size, &addr) < 0) {
            free(out);
            return -1;
        }
        put_cells(&at, addr, PT_CELLS);
        put_cells(&at, size, out_size_cells);
    }
    rc = fdt_property(out_fdt, name, out, (int)((size_t)n * out_entry * sizeof(fdt32_t)));
    free(out);
    return rc;
}

/*
 * interrupt-map on the domain's GIC, whose phandle is Xen's and whose
 * #address-cells is 0; the entries' layout is what planning read.
 */
static int write_interrupt_map(void *out_fdt, const struct ctx *c, int node)
{
    const struct pt_device *d = c->dev;
    const int entry = d->map_child_cells + 1 + d->map_gic_addr_cells + 3;
    const fdt32_t *map;
    fdt32_t *out, *at;
    int len, rc;

    map = fdt_getprop(c->fdt, node, "interrupt-map", &len);
    if (!map)
        return 0;
    out = calloc((size_t)len, 1);
    if (!out)
        return xu_fail(c->err, "out of memory");
    at = out;
    for (int i = 0; i + entry <= len / (int)sizeof(fdt32_t); i += entry) {
        memcpy(at, map + i, (size_t)d->map_child_cells * sizeof(fdt32_t));
        at += d->map_child_cells;
        *at++ = cpu_to_fdt32(GMAP_PHANDLE_GIC);
        memcpy(at, map + i + entry - 3, 3 * sizeof(fdt32_t));
        at += 3;
    }
    rc = fdt_property(out_fdt, "interrupt-map", out, (int)((at - out) * sizeof(fdt32_t)));
    free(out);
    return rc;
}

/* A host fixed clock, copied as it is (its phandle too, which the devices name). */
static int write_fixed_clock(void *out_fdt, const void *host, uint32_t phandle)
{
    int clk = fdt_node_offset_by_phandle(host, phandle), prop, rc;

    rc = fdt_begin_node(out_fdt, fdt_get_name(host, clk, NULL));
    fdt_for_each_property_offset(prop, host, clk)
    {
        const char *name;
        int len;
        const void *val = fdt_getprop_by_offset(host, prop, &name, &len);

        if (rc == 0 && (strcmp(name, "compatible") == 0 || strcmp(name, "#clock-cells") == 0 ||
                        strcmp(name, "clock-frequency") == 0 ||
                        strcmp(name, "clock-output-names") == 0 || strcmp(name, "phandle") == 0))
            rc = fdt_property(out_fdt, name, val, len);
    }
    return rc ? rc : fdt_end_node(out_fdt);
}

/* msi-ranges on the domain's GIC: each entry's phandle becomes Xen's for it. */
static int write_msi_ranges(void *out_fdt, const struct ctx *c, int node)
{
    const fdt32_t *v = fdt_getprop(c->fdt, node, "msi-ranges", NULL);
    fdt32_t out[5 * 8];
    int len, n;

    if (!v)
        return 0;
    fdt_getprop(c->fdt, node, "msi-ranges", &len);
    n = len / (int)sizeof(fdt32_t);
    if (n > (int)(sizeof(out) / sizeof(out[0])))
        return fail(c, "its msi-ranges has more entries than pixen rewrites");
    memcpy(out, v, (size_t)n * sizeof(fdt32_t));
    for (int i = 0; i + 5 <= n; i += 5)
        out[i] = cpu_to_fdt32(GMAP_PHANDLE_GIC);
    return fdt_property(out_fdt, "msi-ranges", out, n * (int)sizeof(fdt32_t));
}

/* msi-parent stays where its MSI controller is the domain's too (in_set). */
static bool keeps_msi_parent(const struct ctx *c, const void *val, int len)
{
    int target;

    if (len < (int)sizeof(fdt32_t))
        return false;
    target = fdt_node_offset_by_phandle(c->fdt, fdt32_to_cpu(*(const fdt32_t *)val));
    return target > 0 && in_set(c->fdt, c->dc, target);
}

/* The node's other properties as they are, and its children (addresses on its own bus). */
static int write_rest(void *out_fdt, const struct ctx *c, int node, int depth)
{
    int prop, child, rc = 0;

    fdt_for_each_property_offset(prop, c->fdt, node)
    {
        const char *name;
        int len;
        const void *val = fdt_getprop_by_offset(c->fdt, prop, &name, &len);

        if (in_list(name, dropped, sizeof(dropped) / sizeof(dropped[0])) ||
            (depth == 0 && in_list(name, rewritten, sizeof(rewritten) / sizeof(rewritten[0]))))
            continue;
        if (strcmp(name, "msi-parent") == 0 && !keeps_msi_parent(c, val, len)) {
            /*
             * A host bridge that is an MSI controller itself takes its own
             * MSIs, on an interrupt it lists and Xen routes; any other
             * device goes without MSIs (INTx).
             */
            uint32_t self = fdt_get_phandle(c->fdt, node);

            if (!fdt_getprop(c->fdt, node, "msi-controller", NULL) || self == 0)
                continue;
            rc = fdt_property_u32(out_fdt, name, self);
            if (rc)
                return rc;
            continue;
        }
        rc = fdt_property(out_fdt, name, val, len);
        if (rc)
            return rc;
    }
    fdt_for_each_subnode(child, c->fdt, node)
    {
        if (!is_enabled(c->fdt, child))
            continue; /* what the domain cannot use only takes room in Xen's tree for it */
        rc = fdt_begin_node(out_fdt, fdt_get_name(c->fdt, child, NULL));
        rc = rc ? rc : write_rest(out_fdt, c, child, depth + 1);
        rc = rc ? rc : fdt_end_node(out_fdt);
        if (rc)
            return rc;
    }
    return 0;
}

static int write_device(void *out_fdt, const struct ctx *c)
{
    const struct pt_device *d = c->dev;
    int node = fdt_path_offset(c->fdt, d->path);
    int na = fdtaddr_cells_of(c->fdt, node, false), ns = fdtaddr_cells_of(c->fdt, node, true);
    int pns = fdtaddr_cells_of(c->fdt, fdt_parent_offset(c->fdt, node), true);
    fdt32_t xen_reg[PT_MAX_WINDOWS * 3 * PT_CELLS], *at = xen_reg;
    const void *interrupts;
    int len, rc;

    rc = fdt_begin_node(out_fdt, fdt_get_name(c->fdt, node, NULL));
    rc = rc ? rc : write_translated(out_fdt, c, node, "reg", 0, pns, PT_CELLS);
    rc = rc ? rc : write_translated(out_fdt, c, node, "ranges", na, ns, ns);
    rc = rc ? rc : write_translated(out_fdt, c, node, "dma-ranges", na, ns, ns);
    rc = rc ? rc : write_interrupt_map(out_fdt, c, node);
    rc = rc ? rc : write_msi_ranges(out_fdt, c, node);
    interrupts = fdt_getprop(c->fdt, node, "interrupts", &len);
    if (!rc && interrupts) {
        rc = fdt_property_cell(out_fdt, "interrupt-parent",
                               d->irq_parent_phandle ? d->irq_parent_phandle : GMAP_PHANDLE_GIC);
        rc = rc ? rc : fdt_property(out_fdt, "interrupts", interrupts, len);
    }
    for (unsigned i = 0; i < d->n_windows; i++) {
        put_cells(&at, d->windows[i].addr, PT_CELLS);
        put_cells(&at, d->windows[i].size_bytes, PT_CELLS);
        put_cells(&at, d->windows[i].addr, PT_CELLS); /* 1:1 */
    }
    /*
     * A node without registers (a regulator) is only copied: Xen takes
     * xen,path without xen,reg for an error.
     */
    if (!rc && d->n_windows) {
        rc = fdt_property(out_fdt, "xen,reg", xen_reg, (int)((at - xen_reg) * sizeof(fdt32_t)));
        rc = rc ? rc : fdt_property_string(out_fdt, "xen,path", d->path);
        if (!rc && !d->has_iommu)
            rc = fdt_property(out_fdt, "xen,force-assign-without-iommu", NULL, 0);
    }
    /* Last: it ends with the subnodes, and libfdt sees no property after a subnode. */
    rc = rc ? rc : write_rest(out_fdt, c, node, 0);
    return rc ? rc : fdt_end_node(out_fdt);
}

int pt_partial_fdt(const void *host, const struct pt_plan *plan, const struct domain_config *dc,
                   void **blob, size_t *bytes, struct xu_err *err)
{
    size_t room = PT_PARTIAL_ROOM_BYTES + fdt_totalsize(host);
    void *out;
    int rc;

    *blob = NULL;
    err->msg[0] = '\0'; /* set below only by our own checks, not by libfdt */
    out = malloc(room);
    if (!out)
        return xu_fail(err, "out of memory");
    rc = fdt_create(out, (int)room);
    rc = rc ? rc : fdt_finish_reservemap(out);
    rc = rc ? rc : fdt_begin_node(out, "");
    rc = rc ? rc : fdt_property_cell(out, "#address-cells", PT_CELLS);
    rc = rc ? rc : fdt_property_cell(out, "#size-cells", PT_CELLS);
    rc = rc ? rc : fdt_begin_node(out, "passthrough");
    rc = rc ? rc : fdt_property_string(out, "compatible", "simple-bus");
    rc = rc ? rc : fdt_property(out, "ranges", NULL, 0);
    rc = rc ? rc : fdt_property_cell(out, "#address-cells", PT_CELLS);
    rc = rc ? rc : fdt_property_cell(out, "#size-cells", PT_CELLS);
    for (unsigned i = 0; rc == 0 && i < plan->n_fixed_clocks; i++)
        rc = write_fixed_clock(out, host, plan->fixed_clocks[i]);
    for (unsigned i = 0; rc == 0 && i < plan->n_devices; i++) {
        struct ctx c = {host, "host device tree", dc, &plan->devices[i], err, NULL, "dtdev"};

        rc = write_device(out, &c);
    }
    rc = rc ? rc : fdt_end_node(out);
    rc = rc ? rc : fdt_end_node(out);
    rc = rc ? rc : fdt_finish(out);
    if (rc) {
        free(out);
        if (err->msg[0])
            return -1;
        return xu_fail(err, "%s: writing the partial device tree: %s", dc->source,
                       fdt_strerror(rc));
    }
    *blob = out;
    *bytes = fdt_totalsize(out);
    return 0;
}
