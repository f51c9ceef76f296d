#include "hostdevs.h"

#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdtaddr.h"
#include "fdtcheck.h"

#define PAGE_BYTES        4096u
#define MAX_GUEST_WINDOWS 64
#define PATH_BYTES        256
#define OWNER_BYTES       400
#define GUEST_NAMES_BYTES 200

/* A host range in whole pages, [start, end): Xen maps no less. */
struct window {
    uint64_t start;
    uint64_t end;
};

struct guest_windows {
    struct window w[MAX_GUEST_WINDOWS];
    size_t n;
};

static void node_path(const struct fdt_parents *t, int node, char *out, size_t out_bytes)
{
    if (fdt_get_path(t->fdt, node, out, (int)out_bytes) < 0)
        snprintf(out, out_bytes, "%s", fdt_get_name(t->fdt, node, NULL));
}

/* A property that is one NUL-ended string, or NULL. */
static const char *string_prop(const struct fdt_parents *t, int node, const char *name)
{
    int len;
    const char *v = fdt_getprop(t->fdt, node, name, &len);

    return v && len > 0 && v[len - 1] == '\0' && strlen(v) == (size_t)len - 1 ? v : NULL;
}

/* Returned for the guests' nodes by marked_owner(). */
static const char guests_mark[] = HOSTDEVS_GUESTS_PROP;

/*
 * Whose boot.scr says the node (or the device it is part of) is: the
 * guests' (guests_mark), a boot-time domain's (its name), or nobody's in
 * particular (NULL).
 */
static const char *marked_owner(const struct fdt_parents *t, int node)
{
    for (int depth = 0; node > 0 && depth < FDTADDR_MAX_DEPTH; depth++) {
        const char *domain = string_prop(t, node, HOSTDEVS_DOMAIN_PROP);

        if (fdt_getprop(t->fdt, node, HOSTDEVS_GUESTS_PROP, NULL))
            return guests_mark;
        if (domain)
            return domain;
        node = fdtaddr_parent(t->fdt, t, node);
    }
    return NULL;
}

static bool for_guests(const struct fdt_parents *t, int node)
{
    return marked_owner(t, node) == guests_mark;
}

/* Switched off, itself or a node above it (mkboot plans the same way). */
static bool is_disabled(const struct fdt_parents *t, int node)
{
    for (int depth = 0; node > 0 && depth < FDTADDR_MAX_DEPTH; depth++) {
        const char *status = string_prop(t, node, "status");

        if (status && strcmp(status, "okay") != 0 && strcmp(status, "ok") != 0)
            return true;
        node = fdtaddr_parent(t->fdt, t, node);
    }
    return false;
}

/* Whose a node (not the guests') is, as a message says it. */
static void describe(const struct fdt_parents *t, int node, char *out, size_t out_bytes)
{
    char path[PATH_BYTES];
    const char *owner = marked_owner(t, node), *type;
    int len;

    node_path(t, node, path, sizeof(path));
    type = fdt_getprop(t->fdt, node, "device_type", &len);
    if (owner)
        snprintf(out, out_bytes, "%s, which the boot-time domain %s has (its dtdev)", path, owner);
    else if (type && len > 0 && type[len - 1] == '\0' && strcmp(type, "memory") == 0)
        snprintf(out, out_bytes, "RAM (%s: Dom0's)", path);
    else if (strncmp(path, "/reserved-memory/", strlen("/reserved-memory/")) == 0)
        snprintf(out, out_bytes, "reserved RAM (%s)", path);
    else if (strcmp(path, "/hypervisor") == 0)
        snprintf(out, out_bytes,
                 "%s: the grant table and the RAM Dom0 maps other domains' pages at", path);
    else if (fdtaddr_is_gic(t->fdt, node))
        snprintf(out, out_bytes, "the GIC (%s), which Xen keeps", path);
    else if (is_disabled(t, node))
        snprintf(out, out_bytes, "%s, which is switched off (status \"disabled\")", path);
    else
        snprintf(out, out_bytes, "%s, which Dom0 keeps", path);
}

/*
 * Calls fn for each range the node's `prop` (reg, or a PCIe bridge's
 * ranges) gives it, as the CPU sees it, in whole pages. `skip` cells of
 * each entry come before the parent's address (a bridge's PCI address);
 * entries on buses without ranges (I2C, SPI, ...) are not memory. A
 * non-zero return from fn stops the walk and is returned.
 */
typedef int (*window_fn)(void *ctx, int node, struct window w);

static int each_entry(const struct fdt_parents *t, int node, const char *prop, int skip, int ns,
                      window_fn fn, void *ctx)
{
    int parent = fdtaddr_parent(t->fdt, t, node), len;
    int na = parent < 0 ? -1 : fdtaddr_cells_of(t->fdt, parent, false);
    const fdt32_t *p = fdt_getprop(t->fdt, node, prop, &len);

    if (!p || skip < 0 || skip > 3 || na < 1 || na > 2 || ns < 1 || ns > 2 ||
        len % (int)((skip + na + ns) * sizeof(fdt32_t)) != 0)
        return 0;
    for (int i = 0; i < len / (int)sizeof(fdt32_t); i += skip + na + ns) {
        uint64_t size = fdtaddr_cells(p + i + skip + na, ns), addr, end;
        char why[160];
        int rc;

        if (size == 0 ||
            fdtaddr_to_cpu(t->fdt, t, parent, fdtaddr_cells(p + i + skip, na), size, &addr, why,
                           sizeof(why)) < 0 ||
            addr + size < addr || addr + size > UINT64_MAX - PAGE_BYTES)
            continue;
        end = (addr + size + PAGE_BYTES - 1) & ~(uint64_t)(PAGE_BYTES - 1);
        rc = fn(ctx, node, (struct window){addr & ~(uint64_t)(PAGE_BYTES - 1), end});
        if (rc)
            return rc;
    }
    return 0;
}

/* A node's own registers; a PCIe bridge's windows are its too (its devices' BARs). */
static int each_window(const struct fdt_parents *t, int node, window_fn fn, void *ctx)
{
    int parent = fdtaddr_parent(t->fdt, t, node), len, rc;
    const char *type = fdt_getprop(t->fdt, node, "device_type", &len);

    if (parent < 0)
        return 0;
    rc = each_entry(t, node, "reg", 0, fdtaddr_cells_of(t->fdt, parent, true), fn, ctx);
    if (rc || !type || len <= 0 || type[len - 1] != '\0' || strcmp(type, "pci") != 0)
        return rc;
    return each_entry(t, node, "ranges", fdtaddr_cells_of(t->fdt, node, false),
                      fdtaddr_cells_of(t->fdt, node, true), fn, ctx);
}

/*
 * A switched-off node nobody was given is driven by nobody: a guest's page
 * may hold its registers (mkboot plans the same way), but it frees nothing.
 */
static bool idle(const struct fdt_parents *t, int node)
{
    return !marked_owner(t, node) && is_disabled(t, node);
}

struct iomem_walk {
    const struct fdt_parents *t;
    struct window asked;
    struct guest_windows *guests;
    int owner; /* the first node not the guests' that the range touches, or -1 */
    /* A page with no guest device in it: the idle node there, if any, for the message. */
    uint64_t uncovered;
    int idle;
};

static int note_window(void *ctx, int node, struct window w)
{
    struct iomem_walk *iw = ctx;

    if (w.end <= iw->asked.start || w.start >= iw->asked.end)
        return 0;
    if (idle(iw->t, node)) {
        if (iw->idle < 0 && w.start <= iw->uncovered && iw->uncovered < w.end)
            iw->idle = node;
        return 0;
    }
    if (!for_guests(iw->t, node)) {
        iw->owner = node;
        return 1;
    }
    if (iw->guests->n < MAX_GUEST_WINDOWS)
        iw->guests->w[iw->guests->n++] = w;
    return 0;
}

/* The guests' nodes by name, for a message. */
static void guest_names(const struct fdt_parents *t, char *out, size_t out_bytes)
{
    int depth = 0, used = 0;

    out[0] = '\0';
    for (int node = fdt_next_node(t->fdt, -1, &depth); node >= 0;
         node = fdt_next_node(t->fdt, node, &depth)) {
        char path[PATH_BYTES];

        if (!fdt_getprop(t->fdt, node, HOSTDEVS_GUESTS_PROP, NULL))
            continue;
        node_path(t, node, path, sizeof(path));
        if (used < (int)out_bytes)
            used += snprintf(out + used, out_bytes - (size_t)used, "%s%s", used ? ", " : "", path);
    }
    if (!out[0])
        snprintf(out, out_bytes, "none on this machine");
}

/*
 * Xen's UART, as dtuart= on Xen's command line names it (a path or an
 * alias; Xen drops /chosen/stdout-path from Dom0's tree, so a machine's
 * platform.cfg names it there). Xen keeps the node out of Dom0's tree; its
 * parent stays, so the unit address, translated through the parent's bus,
 * tells where its page is.
 */
static bool xen_uart(const struct fdt_parents *t, const char *cmdline, char *path,
                     size_t path_bytes, uint64_t *addr)
{
    const char *spec = NULL, *at, *alias;
    char name[PATH_BYTES], parent_path[PATH_BYTES], why[160];
    size_t n;
    int parent, aliases;

    for (const char *p = cmdline; p && (p = strstr(p, "dtuart=")) != NULL; p++)
        if (p == cmdline || p[-1] == ' ')
            spec = p + strlen("dtuart=");
    if (!spec)
        return false;
    n = strcspn(spec, " :");
    if (n == 0 || n >= sizeof(name))
        return false;
    memcpy(name, spec, n);
    name[n] = '\0';
    if (name[0] != '/') {
        aliases = fdt_path_offset(t->fdt, "/aliases");
        alias = aliases < 0 ? NULL : string_prop(t, aliases, name);
        if (!alias || alias[0] != '/' || strlen(alias) >= sizeof(name))
            return false;
        snprintf(name, sizeof(name), "%s", alias);
    }
    snprintf(path, path_bytes, "%s", name);
    at = strrchr(name, '@');
    if (!at || strchr(at, '/'))
        return false;
    *addr = strtoull(at + 1, NULL, 16);
    n = (size_t)(strrchr(name, '/') - name);
    memcpy(parent_path, name, n);
    parent_path[n] = '\0';
    parent = n == 0 ? 0 : fdt_path_offset(t->fdt, parent_path);
    return parent >= 0 && fdtaddr_to_cpu(t->fdt, t, parent, *addr, 1, addr, why, sizeof(why)) == 0;
}

/* Walks every node's windows against iw's range; stops at the first node not the guests'. */
static void walk_windows(struct iomem_walk *iw)
{
    int depth = 0;

    for (int node = fdt_next_node(iw->t->fdt, -1, &depth); node >= 0 && iw->owner < 0;
         node = fdt_next_node(iw->t->fdt, node, &depth))
        each_window(iw->t, node, note_window, iw);
}

/* The refusal of `what` (the range as asked, or a page of it) because it is `node`'s. */
static int refuse_taken(const struct fdt_parents *t, int node, const struct domain_config *dc,
                        const struct iomem_range *r, const char *what, const char *names,
                        struct xu_err *err)
{
    char owner[OWNER_BYTES];

    describe(t, node, owner, sizeof(owner));
    return xu_fail(err,
                   "%s:%u: iomem: %s is %s; a guest may have only the devices platform.cfg's "
                   "guest_devices frees (%s)",
                   dc->source, r->line, what, owner, names);
}

static int check_iomem(const struct fdt_parents *t, const char *cmdline,
                       const struct domain_config *dc, const struct iomem_range *r,
                       struct xu_err *err)
{
    struct guest_windows guests = {.n = 0};
    struct iomem_walk iw = {
        .t = t, .guests = &guests, .owner = -1, .idle = -1, .uncovered = UINT64_MAX};
    char asked[96], names[GUEST_NAMES_BYTES], uart[PATH_BYTES];
    uint64_t at, uart_addr;

    /* devspec's parser keeps ranges inside Xen's 52-bit space; this walk relies on it. */
    if (r->n_pages == 0 || r->start_pfn > (UINT64_MAX / PAGE_BYTES) - r->n_pages)
        return xu_fail(err, "%s:%u: iomem: \"0x%llx,0x%llx\" is no range of pages", dc->source,
                       r->line, (unsigned long long)r->start_pfn, (unsigned long long)r->n_pages);
    iw.asked = (struct window){r->start_pfn * PAGE_BYTES, (r->start_pfn + r->n_pages) * PAGE_BYTES};
    snprintf(asked, sizeof(asked), "\"0x%llx,0x%llx\" (host 0x%llx-0x%llx)",
             (unsigned long long)r->start_pfn, (unsigned long long)r->n_pages,
             (unsigned long long)iw.asked.start, (unsigned long long)iw.asked.end - 1);
    guest_names(t, names, sizeof(names));
    walk_windows(&iw);
    if (iw.owner >= 0)
        return refuse_taken(t, iw.owner, dc, r, asked, names, err);
    /* Every page must be a guest device's: walk the range window by window. */
    for (at = iw.asked.start; at < iw.asked.end;) {
        bool moved = false;

        for (size_t i = 0; i < guests.n; i++)
            if (guests.w[i].start <= at && at < guests.w[i].end) {
                at = guests.w[i].end;
                moved = true;
            }
        if (!moved)
            break;
    }
    if (at >= iw.asked.end)
        return 0;
    if (xen_uart(t, cmdline, uart, sizeof(uart), &uart_addr) &&
        uart_addr / PAGE_BYTES == at / PAGE_BYTES)
        return xu_fail(err,
                       "%s:%u: iomem: %s holds Xen's UART (%s, its console), which Xen keeps; a "
                       "guest may have only the devices platform.cfg's guest_devices frees (%s)",
                       dc->source, r->line, asked, uart, names);
    /* A switched-off node there, to name. */
    guests.n = 0;
    iw.uncovered = at;
    walk_windows(&iw);
    if (iw.idle >= 0) {
        char page[sizeof(asked) + 24];

        snprintf(page, sizeof(page), "%s: 0x%llx", asked, (unsigned long long)at);
        return refuse_taken(t, iw.idle, dc, r, page, names, err);
    }
    return xu_fail(err,
                   "%s:%u: iomem: %s: no device platform.cfg's guest_devices frees (%s) is at "
                   "0x%llx; Dom0's device tree shows nothing there that a guest may have",
                   dc->source, r->line, asked, names, (unsigned long long)at);
}

/* Whether the node raises GIC interrupt `irq` (32 and up: SPIs, 16-31: PPIs). */
static bool spec_is(const fdt32_t *spec, unsigned irq)
{
    uint32_t type = fdt32_to_cpu(spec[0]), number = fdt32_to_cpu(spec[1]);

    return (type == 0 && number + 32 == irq) || (type == 1 && number + 16 == irq);
}

static int cells_of(const struct fdt_parents *t, int node, const char *name, int absent)
{
    int len;
    const fdt32_t *p = fdt_getprop(t->fdt, node, name, &len);

    return !p ? absent : len == 4 && fdt32_to_cpu(*p) <= 4 ? (int)fdt32_to_cpu(*p) : -1;
}

/*
 * A PCIe host bridge's INTx reach the GIC only through its interrupt-map: per
 * entry the child's unit address and interrupt (the bridge's own cell counts),
 * the parent's phandle, unit address and interrupt (the parent's counts; its
 * #address-cells is 0 when absent, as Linux and Xen read it). Xen routes
 * these to the domain that has the bridge.
 */
static bool maps_to(const struct fdt_parents *t, int node, unsigned irq)
{
    int len, child;
    const fdt32_t *p = fdt_getprop(t->fdt, node, "interrupt-map", &len);
    int addr = cells_of(t, node, "#address-cells", 2),
        ints = cells_of(t, node, "#interrupt-cells", 1);

    if (!p || addr < 0 || ints < 0)
        return false;
    len /= (int)sizeof(fdt32_t);
    child = addr + ints;
    for (int i = 0; i + child + 1 <= len;) {
        int ctl = fdt_node_offset_by_phandle(t->fdt, fdt32_to_cpu(p[i + child]));
        int paddr = ctl < 0 ? -1 : cells_of(t, ctl, "#address-cells", 0);
        int pints = ctl < 0 ? -1 : cells_of(t, ctl, "#interrupt-cells", -1);
        int at = i + child + 1 + paddr;

        if (paddr < 0 || pints < 0 || at + pints > len)
            return false; /* the rest cannot be read */
        if (pints >= 2 && fdtaddr_is_gic(t->fdt, ctl) && spec_is(p + at, irq))
            return true;
        i = at + pints;
    }
    return false;
}

static bool raises(const struct fdt_parents *t, int node, unsigned irq)
{
    const fdt32_t *p;
    int len, gic;

    p = fdt_getprop(t->fdt, node, "interrupts", &len);
    gic = p ? fdtaddr_interrupt_parent(t->fdt, t, node) : -1;
    if (gic > 0 && fdtaddr_is_gic(t->fdt, gic))
        for (int i = 0; i + 3 <= len / (int)sizeof(fdt32_t); i += 3)
            if (spec_is(p + i, irq))
                return true;
    /* interrupts-extended: <phandle cells...> per interrupt, each on its own controller. */
    p = fdt_getprop(t->fdt, node, "interrupts-extended", &len);
    for (int i = 0; p && i < len / (int)sizeof(fdt32_t);) {
        int ctl = fdt_node_offset_by_phandle(t->fdt, fdt32_to_cpu(p[i]));
        int n = ctl < 0 ? -1 : cells_of(t, ctl, "#interrupt-cells", -1);

        if (n < 0 || i + 1 + n > len / (int)sizeof(fdt32_t))
            break;
        if (n >= 2 && fdtaddr_is_gic(t->fdt, ctl) && spec_is(p + i + 1, irq))
            return true;
        i += 1 + n;
    }
    return maps_to(t, node, irq);
}

static int check_irq(const struct fdt_parents *t, const struct domain_config *dc, unsigned i,
                     struct xu_err *err)
{
    unsigned irq = dc->irqs[i];
    char owner[OWNER_BYTES], names[GUEST_NAMES_BYTES];
    bool freed = false;
    int depth = 0, taken = -1, idle_node = -1;

    for (int node = fdt_next_node(t->fdt, -1, &depth); node >= 0 && taken < 0;
         node = fdt_next_node(t->fdt, node, &depth)) {
        if (!raises(t, node, irq))
            continue;
        if (idle(t, node))
            idle_node = idle_node < 0 ? node : idle_node;
        else if (for_guests(t, node))
            freed = true;
        else
            taken = node;
    }
    /* Another driven node's, or (if no guest device raises it) a switched-off one's. */
    if (taken < 0 && !freed)
        taken = idle_node;
    if (taken < 0 && freed)
        return 0;
    guest_names(t, names, sizeof(names));
    if (taken < 0)
        return xu_fail(err,
                       "%s:%u: irqs: %u: no device platform.cfg's guest_devices frees (%s) raises "
                       "it; Dom0's device tree shows no device with it a guest may have (Xen "
                       "keeps its own UART's)",
                       dc->source, dc->irq_lines[i], irq, names);
    describe(t, taken, owner, sizeof(owner));
    return xu_fail(err,
                   "%s:%u: irqs: %u is the interrupt of %s; a guest may have only the interrupts "
                   "of the devices platform.cfg's guest_devices frees (%s)",
                   dc->source, dc->irq_lines[i], irq, owner, names);
}

int hostdevs_check(const void *fdt, size_t fdt_bytes, const char *fdt_name, const char *xen_cmdline,
                   const struct domain_config *dc, struct xu_err *err)
{
    struct fdt_parents t;
    const char *why;
    int rc = 0;

    if (dc->n_iomem == 0 && dc->n_irqs == 0)
        return 0;
    if (fdt_check_strict(fdt, fdt_bytes, &why) < 0)
        return xu_fail(err, "%s: Dom0's device tree %s cannot be read: %s", dc->source, fdt_name,
                       why);
    if (fdt_parents_init(&t, fdt) < 0)
        return xu_fail(err, "%s: Dom0's device tree %s: out of memory, or nested too deep",
                       dc->source, fdt_name);
    for (unsigned i = 0; rc == 0 && i < dc->n_iomem; i++)
        rc = check_iomem(&t, xen_cmdline, dc, &dc->iomem[i], err);
    for (unsigned i = 0; rc == 0 && i < dc->n_irqs; i++)
        rc = check_irq(&t, dc, i, err);
    fdt_parents_free(&t);
    return rc;
}
