#include "script.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "hostdevs.h"

#define LOAD_FROM "${devtype} ${devnum}:${distro_bootpart}"

int script_quote(const char *text, char *out, size_t size, struct xu_err *err)
{
    size_t n = 0;

    if (text[0] == '<' || text[0] == '[')
        return xu_fail(err, "\"%s\": fdt set would read a value starting with %c as numbers", text,
                       text[0]);
    out[n++] = '\'';
    for (const char *p = text; *p; p++) {
        const char *put = *p == '\\' ? "\\\\" : *p == '\'' ? "'\\''" : NULL;
        size_t len = put ? strlen(put) : 1;

        if ((unsigned char)*p < ' ' || *p == 0x7f)
            return xu_fail(err, "\"%s\": a control character cannot go into boot.scr", text);
        if (n + len + 2 > size)
            return xu_fail(err, "\"%s\": too long for boot.scr", text);
        memcpy(out + n, put ? put : p, len);
        n += len;
    }
    out[n++] = '\'';
    out[n] = '\0';
    return 0;
}

int script_check_file_name(const char *name, struct xu_err *err)
{
    if (!name[0] || name[0] == '/')
        return xu_fail(err, "\"%s\": not a file name on the boot partition", name);
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-+/", *p))
            return xu_fail(err,
                           "\"%s\": boot files are named with letters, digits and . _ - + "
                           "/ only",
                           name);
    if (strstr(name, "..") || strstr(name, "//"))
        return xu_fail(err, "\"%s\": not a plain path on the boot partition", name);
    return 0;
}

static void write_map(const struct boot_plan *plan, FILE *out)
{
    const struct layout *l = &plan->layout;

    fprintf(out, "# RAM 0x%" PRIx64 "-0x%" PRIx64 ", as boot.scr finds it:\n", l->base_addr,
            l->base_addr + l->size_bytes - 1);
    for (size_t i = 0; i < l->n_taken; i++)
        fprintf(out, "#   0x%09" PRIx64 "  %6" PRIu64 " KiB  %s\n", l->taken[i].addr,
                l->taken[i].size_bytes / 1024, l->taken[i].what);
    fprintf(out,
            "# u-boot reads %" PRIu64 " bytes (%.1f MiB) of boot files from the card, each once\n",
            plan->card_read_bytes, (double)plan->card_read_bytes / (1 << 20));
    if (plan->revision_tree_bytes)
        fprintf(out,
                "# and up to %" PRIu64 " bytes more on a board that loads its own device tree\n",
                plan->revision_tree_bytes);
}

/*
 * How a failed check stops the boot. u-boot 2023.01's hush does not end a
 * script at an `exit` inside `if` (it goes on to the next line), so the flag
 * also keeps the final booti from starting Xen on a half-made tree.
 */
#define STOP "setenv pixen_stop 1; exit"
/* Every edit of the tree is checked too: booti must not get a half-made one. */
#define OR_STOP " || setenv pixen_stop 1"

/* A module whose file an earlier one loaded: the same bytes, or a copy of them. */
static void write_reuse(const struct boot_plan *plan, const struct boot_module *m, unsigned index,
                        FILE *out)
{
    const struct boot_module *first = &plan->modules[m->loaded_by];

    if (!m->copied) {
        fprintf(out, "\n# %s: %s, as loaded for the %s\n", m->role, m->file, first->role);
        return;
    }
    fprintf(out, "\n# %s: a copy of the %s's %s (Xen unpacks a gzip kernel in place)\n", m->role,
            first->role, m->file);
    fprintf(out,
            "if cp.b 0x%" PRIx64 " 0x%" PRIx64 " ${pixen_size%u}; then true; else\n"
            "    echo \"pixen: cannot copy %s for the %s\"; " STOP "; fi\n",
            first->addr, m->addr, m->loaded_by, m->file, m->role);
    fprintf(out, "setenv pixen_size%u ${pixen_size%u}\n", index, m->loaded_by);
}

static void write_load(const struct boot_plan *plan, unsigned index, FILE *out)
{
    const struct boot_module *m = &plan->modules[index];

    if (m->loaded_by != index) {
        write_reuse(plan, m, index, out);
        return;
    }
    fprintf(out, "\n# %s: %" PRIu64 " bytes when built, room for %" PRIu64 "\n", m->role,
            m->file_bytes, m->slot_bytes);
    fprintf(out,
            "if load " LOAD_FROM " 0x%" PRIx64 " %s; then true; else\n"
            "    echo \"pixen: cannot load %s\"; " STOP "; fi\n",
            m->addr, m->file, m->file);
    fprintf(out,
            "if itest 0x${filesize} -gt 0x%" PRIx64 "; then\n"
            "    echo \"pixen: %s (0x${filesize} bytes) outgrew its room of 0x%" PRIx64
            " bytes: rebuild boot.scr\"; " STOP "; fi\n",
            m->slot_bytes, m->file, m->slot_bytes);
    fprintf(out, "setenv pixen_size%u 0x${filesize}\n", index);
}

static int write_module_node(const struct boot_module *m, unsigned index, FILE *out,
                             struct xu_err *err)
{
    char node[64], args[2048];

    snprintf(node, sizeof(node), "%s/module@%" PRIx64, m->parent, m->addr);
    fprintf(out, "\n# %s\n", m->role);
    fprintf(out, "fdt mknode %s module@%" PRIx64 OR_STOP "\n", m->parent, m->addr);
    fprintf(out, "fdt set %s compatible %s" OR_STOP "\n", node, m->compatible);
    fprintf(out, "fdt set %s reg <0x%" PRIx64 " 0x%" PRIx64 " 0x0 ${pixen_size%u}>" OR_STOP "\n",
            node, m->addr >> 32, m->addr & 0xffffffffu, m->copied ? index : m->loaded_by);
    if (m->bootargs) {
        if (script_quote(m->bootargs, args, sizeof(args), err) < 0)
            return -1;
        fprintf(out, "fdt set %s bootargs %s" OR_STOP "\n", node, args);
    }
    return 0;
}

#define CELLS64(v) (unsigned)((v) >> 32), (unsigned)((v)&0xffffffffu)

/*
 * Its static links, as children of its node: each region it shares
 * (xen,shared-mem = host address, guest address, size, in the node's two
 * cells each), each end of a static event channel (its port and its peer's
 * end, by the phandle mkboot numbered it with).
 */
static void write_links(const struct boot_plan *plan, const struct boot_domain *d, FILE *out)
{
    const struct domain_config *dc = d->config;
    unsigned index = plan->links ? plan->links->first_end[d - plan->domains] : 0;

    for (unsigned i = 0; i < dc->n_shm; i++) {
        const struct shm_spec *s = &dc->shm[i];
        char node[BOOT_NODE_BYTES + 32];

        snprintf(node, sizeof(node), "%s/shm-%s", d->node, s->id);
        fprintf(out, "\n# %s shares %s (static_shm)\n", dc->name, s->id);
        fprintf(out, "fdt mknode %s shm-%s" OR_STOP "\n", d->node, s->id);
        fprintf(out, "fdt set %s compatible \"xen,domain-shared-memory-v1\"" OR_STOP "\n", node);
        fprintf(out, "fdt set %s xen,shm-id \"%s\"" OR_STOP "\n", node, s->id);
        fprintf(out, "fdt set %s xen,shared-mem <0x%x 0x%x 0x%x 0x%x 0x%x 0x%x>" OR_STOP "\n", node,
                CELLS64(s->host_addr), CELLS64(s->guest_addr), CELLS64(s->size_bytes));
        if (shm_role_name(s->role))
            fprintf(out, "fdt set %s role \"%s\"" OR_STOP "\n", node, shm_role_name(s->role));
    }
    for (unsigned i = 0; plan->links && i < dc->n_evtchns; i++) {
        const struct evtchn_spec *e = &dc->evtchns[i];
        char node[BOOT_NODE_BYTES + 32];

        snprintf(node, sizeof(node), "%s/evtchn-%u", d->node, e->port);
        fprintf(out, "\n# %s's port %u, connected to %s's port %u (static_evtchn)\n", dc->name,
                e->port, e->peer, e->peer_port);
        fprintf(out, "fdt mknode %s evtchn-%u" OR_STOP "\n", d->node, e->port);
        fprintf(out, "fdt set %s compatible \"xen,evtchn-v1\"" OR_STOP "\n", node);
        fprintf(out, "fdt set %s xen,evtchn <0x%x 0x%x>" OR_STOP "\n", node, e->port,
                LINKS_PHANDLE_BASE + plan->links->peer_end[index + i]);
        fprintf(out, "fdt set %s phandle <0x%x>" OR_STOP "\n", node,
                LINKS_PHANDLE_BASE + index + i);
    }
}

/*
 * A domain Xen builds at boot (docs/misc/arm/device-tree/booting.txt): the
 * node carries its size; its modules follow as children. xen,enhanced gives
 * it xenstore, which Dom0's `xu attach` connects; pixen,config tells
 * `xu attach` which config the domain came from.
 */
static int write_domain_node(const struct boot_plan *plan, const struct boot_domain *d, FILE *out,
                             struct xu_err *err)
{
    const struct domain_config *dc = d->config;
    uint64_t kib = dc->memory_mib * 1024;
    char config[BOOT_FILE_NAME_BYTES + 8];

    if (script_quote(d->config_file, config, sizeof(config), err) < 0)
        return -1;
    fprintf(out, "\n# %s, from %s: started by Xen at boot\n", dc->name, d->config_file);
    fprintf(out, "fdt mknode /chosen %s" OR_STOP "\n", d->node + strlen("/chosen/"));
    fprintf(out, "fdt set %s compatible \"xen,domain\"" OR_STOP "\n", d->node);
    fprintf(out, "fdt set %s \\#address-cells <0x2>" OR_STOP "\n", d->node);
    fprintf(out, "fdt set %s \\#size-cells <0x2>" OR_STOP "\n", d->node);
    fprintf(out, "fdt set %s memory <0x%" PRIx64 " 0x%" PRIx64 ">" OR_STOP "\n", d->node, kib >> 32,
            kib & 0xffffffffu);
    fprintf(out, "fdt set %s cpus <0x%x>" OR_STOP "\n", d->node, dc->vcpus);
    if (dc->vuart == VUART_SBSA)
        fprintf(out, "fdt set %s vpl011" OR_STOP "\n", d->node);
    if (dc->n_static_mem) {
        /* In /chosen's cells: two each, as boot.scr sets them. */
        fprintf(out, "fdt set %s xen,static-mem <", d->node);
        for (unsigned i = 0; i < dc->n_static_mem; i++)
            fprintf(out, "%s0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64, i ? " " : "",
                    dc->static_mem[i].addr >> 32, dc->static_mem[i].addr & 0xffffffffu,
                    dc->static_mem[i].size_bytes >> 32, dc->static_mem[i].size_bytes & 0xffffffffu);
        fprintf(out, ">" OR_STOP "\n");
    }
    if (dc->direct_map)
        fprintf(out, "fdt set %s direct-map" OR_STOP "\n", d->node);
    if (cpupools_of(plan->platform, dc) >= 0)
        fprintf(out, "fdt set %s domain-cpupool <0x%x>" OR_STOP "\n", d->node,
                CPUPOOLS_PHANDLE_BASE + (unsigned)cpupools_of(plan->platform, dc));
    fprintf(out, "fdt set %s xen,enhanced \"enabled\"" OR_STOP "\n", d->node);
    fprintf(out, "fdt set %s pixen,config %s" OR_STOP "\n", d->node, config);
    /* Xen holds it (images/xen/patches/0008); Dom0's xu attach starts it. */
    if (dc->start_after_dom0)
        fprintf(out, "fdt set %s pixen,start-paused" OR_STOP "\n", d->node);
    for (unsigned i = 1; i < plan->n_modules; i++)
        if (plan->modules[i].parent == d->node &&
            write_module_node(&plan->modules[i], i, out, err) < 0)
            return -1;
    write_links(plan, d, out);
    return 0;
}

#define DT_PATH_CHARS \
    "a device-tree path in boot.scr may hold letters, digits and , . _ + - @ / only"

/* A device-tree path goes into boot.scr bare: only what node names are made of. */
static int check_dt_path(const char *path, struct xu_err *err)
{
    for (const char *p = path; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(",._+-@/", *p))
            return xu_fail(err, "\"%s\": " DT_PATH_CHARS, path);
    return 0;
}

/*
 * The host devices a boot-time domain takes: xen,passthrough keeps them from
 * Dom0; Xen routes to the domain only the interrupts the host node lists, so
 * a PCIe bridge's INTx (in its interrupt-map) are listed there too.
 */
static int write_passthrough(const struct boot_domain *d, FILE *out, struct xu_err *err)
{
    const struct pt_plan *pt = d->passthrough;
    char name[4 * DOMCFG_NAME_BYTES + 3]; /* each character quoted takes up to 4 */

    if (pt && pt->n_devices && script_quote(d->config->name, name, sizeof(name), err) < 0)
        return -1;
    for (unsigned i = 0; pt && i < pt->n_devices; i++) {
        const struct pt_device *dev = &pt->devices[i];

        if (check_dt_path(dev->path, err) < 0 || check_dt_path(dev->gic_path, err) < 0)
            return -1;
        fprintf(out, "\n# %s takes %s (dtdev in %s)\n", d->config->name, dev->path, d->config_file);
        fprintf(out,
                "if fdt set %s xen,passthrough; then true; else\n"
                "    echo \"pixen: the firmware device tree has no %s for %s\"; " STOP "; fi\n",
                dev->path, dev->path, d->config->name);
        fprintf(out, "fdt set %s " HOSTDEVS_DOMAIN_PROP " %s" OR_STOP "\n", dev->path, name);
        if (!dev->irqs_from_map && !dev->irqs_from_msi)
            continue;
        fprintf(out,
                "if fdt get value pixen_gic %s phandle; then true; else\n"
                "    echo \"pixen: the firmware device tree has no GIC at %s\"; " STOP "; fi\n",
                dev->gic_path, dev->gic_path);
        fprintf(out, "fdt set %s interrupt-parent <${pixen_gic}>" OR_STOP "\n", dev->path);
        fprintf(out, "fdt set %s interrupts <", dev->path);
        for (unsigned j = 0; j < dev->n_irqs; j++)
            fprintf(out, "%s0x%x 0x%x 0x%x", j ? " " : "", dev->irqs[j].cells[0],
                    dev->irqs[j].cells[1], dev->irqs[j].cells[2]);
        fprintf(out, ">" OR_STOP "\n");
    }
    return 0;
}

/* An edit of a node the platform file names; a tree without the node stops the boot. */
static int write_platform_edit(const struct platform *p, const char *key,
                               const struct platform_node *n, const char *edit, const char *why,
                               FILE *out, struct xu_err *err)
{
    if (check_dt_path(n->path, err) < 0)
        return xu_fail(err, "%s:%u: %s: \"%s\": %s", p->source, n->line, key, n->path,
                       DT_PATH_CHARS);
    fprintf(out, "\n# %s: %s (%s)\n", n->path, why, key);
    fprintf(out,
            "if fdt set %s %s; then true; else\n"
            "    echo \"pixen: the firmware device tree has no %s (%s)\"; " STOP "; fi\n",
            n->path, edit, n->path, key);
    return 0;
}

/*
 * guest_devices: xen,passthrough makes Xen give Dom0 the node disabled yet
 * leave Dom0 its MMIO and interrupts, to hand on to the guests it creates
 * (iomem, irqs); status = "disabled" would leave Dom0 nothing to hand on.
 * Xen drops xen,passthrough from Dom0's copy, so pixen,for-guests tells `xu
 * create` which nodes are the guests' (and pixen,domain which a boot-time
 * domain has).
 * disabled_nodes would use such a device, so Dom0 must not see them enabled.
 */
static int write_platform_nodes(const struct platform *p, FILE *out, struct xu_err *err)
{
    for (size_t i = 0; i < p->n_guest_devices; i++) {
        if (write_platform_edit(p, "guest_devices", &p->guest_devices[i], "xen,passthrough",
                                "kept from Dom0 for the guests it creates", out, err) < 0)
            return -1;
        fprintf(out, "fdt set %s " HOSTDEVS_GUESTS_PROP OR_STOP "\n", p->guest_devices[i].path);
    }
    for (size_t i = 0; i < p->n_disabled_nodes; i++)
        if (write_platform_edit(p, "disabled_nodes", &p->disabled_nodes[i], "status disabled",
                                "would use a device kept for guests", out, err) < 0)
            return -1;
    return 0;
}

/*
 * The CPU pools Xen makes at boot. cpupool-cpus names the host's cpu nodes by
 * phandle, read from the tree boot.scr booted; pixen,pool-name and
 * pixen,cpus (Xen's CPU numbers) stay in Dom0's tree, where `xu attach`
 * names the pools from them (Dom0's tree has no host cpu nodes to follow).
 */
static void write_cpupools(const struct boot_plan *plan, FILE *out)
{
    const struct platform *p = plan->platform;

    for (size_t i = 0; i < p->n_cpupools; i++) {
        const struct platform_cpupool *pool = &p->cpupools[i];
        char node[96];
        unsigned n = 0;

        snprintf(node, sizeof(node), "/chosen/cpupool-%s", pool->name);
        fprintf(out, "\n# CPU pool %s: CPUs %s, the %s scheduler (%s:%u)\n", pool->name,
                pool->cpus_text, pool->sched, p->source, pool->line);
        for (unsigned c = 0; c < plan->cpupools->n_cpus; c++)
            if (cpuset_has(&pool->cpus, c))
                fprintf(out,
                        "if fdt get value pixen_cpu%u %s phandle; then true; else\n"
                        "    echo \"pixen: the device tree has no phandle for %s\"; " STOP "; fi\n",
                        n++, plan->cpupools->cpu_paths[c], plan->cpupools->cpu_paths[c]);
        fprintf(out, "fdt mknode /chosen cpupool-%s" OR_STOP "\n", pool->name);
        fprintf(out, "fdt set %s compatible \"xen,cpupool\"" OR_STOP "\n", node);
        fprintf(out, "fdt set %s cpupool-cpus <", node);
        for (unsigned k = 0; k < n; k++)
            fprintf(out, "%s${pixen_cpu%u}", k ? " " : "", k);
        fprintf(out, ">" OR_STOP "\n");
        fprintf(out, "fdt set %s cpupool-sched \"%s\"" OR_STOP "\n", node, pool->sched);
        fprintf(out, "fdt set %s phandle <0x%x>" OR_STOP "\n", node,
                CPUPOOLS_PHANDLE_BASE + (unsigned)i);
        fprintf(out, "fdt set %s pixen,pool-name \"%s\"" OR_STOP "\n", node, pool->name);
        fprintf(out, "fdt set %s pixen,cpus <", node);
        n = 0;
        for (unsigned c = 0; c < plan->cpupools->n_cpus; c++)
            if (cpuset_has(&pool->cpus, c))
                fprintf(out, "%s0x%x", n++ ? " " : "", c);
        fprintf(out, ">" OR_STOP "\n");
    }
}

/* A value of cells, as fdt set reads it. */
static void write_cells(const struct treefix_value *v, FILE *out)
{
    fputc('<', out);
    for (unsigned i = 0; i < v->n_cells; i++)
        fprintf(out, "%s0x%x", i ? " " : "", v->cells[i]);
    fputc('>', out);
}

/*
 * The tree Xen gets: the firmware's, moved to the place the plan keeps for
 * it, or on a board whose revision needs another one, that tree from the
 * card. First of all, so that no load lands on the firmware's tree.
 */
static void write_tree(const struct boot_plan *plan, FILE *out)
{
    const struct platform *p = plan->platform;

    fprintf(out, "\n# Xen's device tree, with room for what boot.scr adds\n");
    if (p->n_revision_trees) {
        fprintf(out, "setenv pixen_tree\n");
        fprintf(out, "if setexpr pixen_rev ${%s} \"&\" 0x%llx; then\n", p->revision_var,
                (unsigned long long)p->revision_mask);
        for (size_t i = 0; i < p->n_revision_trees; i++)
            fprintf(out, "    if itest 0x${pixen_rev} == 0x%llx; then setenv pixen_tree %s; fi\n",
                    (unsigned long long)p->revision_trees[i].revision, p->revision_trees[i].file);
        fprintf(out, "fi\n");
        fprintf(out, "if test -n \"${pixen_tree}\"; then\n");
        fprintf(out, "    echo \"pixen: a board of revision ${%s}: Xen gets ${pixen_tree}\"\n",
                p->revision_var);
        fprintf(out,
                "    if load " LOAD_FROM " 0x%" PRIx64 " ${pixen_tree}; then true; else\n"
                "        echo \"pixen: cannot load ${pixen_tree}\"; " STOP "; fi\n",
                plan->fdt_addr);
        fprintf(out,
                "    if fdt addr 0x%" PRIx64 " 0x%" PRIx64 "; then true; else\n"
                "        echo \"pixen: ${pixen_tree} is not a device tree\"; " STOP "; fi\n",
                plan->fdt_addr, plan->fdt_bytes);
        fprintf(out, "else\n");
    }
    fprintf(out,
            "if fdt addr ${%s}; then true; else\n"
            "    echo 'pixen: no firmware device tree at ${%s}'; " STOP "; fi\n",
            p->fdt_var, p->fdt_var);
    fprintf(out,
            "if fdt move ${%s} 0x%" PRIx64 " 0x%" PRIx64 "; then true; else\n"
            "    echo \"pixen: the firmware device tree is larger than 0x%" PRIx64
            " bytes (fdt_max_kib)\"; " STOP "; fi\n",
            p->fdt_var, plan->fdt_addr, plan->fdt_bytes, p->fdt_max_bytes);
    if (p->n_revision_trees)
        fprintf(out, "fi\n");
    fprintf(out, "fdt addr 0x%" PRIx64 OR_STOP "\n", plan->fdt_addr);
}

/* An edit of the tree that names its node; a tree without it stops the boot. */
static void write_edit(const char *path, const char *why, FILE *out, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void write_edit(const char *path, const char *why, FILE *out, const char *fmt, ...)
{
    va_list ap;

    fprintf(out, "\n# %s: %s\nif fdt ", path, why);
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fprintf(out,
            "; then true; else\n    echo \"pixen: cannot edit %s in the device tree\"; " STOP
            "; fi\n",
            path);
}

/* fdt set of a computed value; a tree without the node stops the boot. */
static void write_set_cells(const struct treefix_value *v, FILE *out)
{
    fprintf(out, "if fdt set %s %s ", v->path, v->prop);
    write_cells(v, out);
    fprintf(out,
            "; then true; else\n    echo \"pixen: cannot edit %s in the device tree\"; " STOP
            "; fi\n",
            v->path);
}

/* A tree_edits line; phandles are read from the tree boot.scr edits (C1 and D0 trees differ). */
static void write_tree_edit(const struct platform_edit *e, FILE *out)
{
    switch (e->kind) {
    case PLATFORM_EDIT_REMOVE:
        write_edit(e->node.path, "a property removed (tree_edits)", out, "rm %s %s", e->node.path,
                   e->prop);
        return;
    case PLATFORM_EDIT_FLAG:
        write_edit(e->node.path, "a property set (tree_edits)", out, "set %s %s", e->node.path,
                   e->prop);
        return;
    case PLATFORM_EDIT_STRING:
        write_edit(e->node.path, "a property set (tree_edits)", out, "set %s %s \"%s\"",
                   e->node.path, e->prop, e->text);
        return;
    case PLATFORM_EDIT_PHANDLES:
        fprintf(out, "\n# %s: %s set to the phandles of (tree_edits):\n", e->node.path, e->prop);
        for (unsigned i = 0; i < e->n_refs; i++)
            fprintf(out,
                    "if fdt get value pixen_ph%u %s phandle; then true; else\n"
                    "    echo \"pixen: the device tree has no phandle for %s\"; " STOP "; fi\n",
                    i, e->refs[i].path, e->refs[i].path);
        fprintf(out, "if fdt set %s %s <", e->node.path, e->prop);
        for (unsigned i = 0; i < e->n_refs; i++)
            fprintf(out, "%s${pixen_ph%u}", i ? " " : "", i);
        fprintf(out,
                ">; then true; else\n    echo \"pixen: cannot edit %s in the device tree\"; " STOP
                "; fi\n",
                e->node.path);
        return;
    }
}

static void write_fixes(const struct boot_plan *plan, FILE *out)
{
    const struct platform *p = plan->platform;
    const struct tree_fixes *fx = plan->fixes;

    if (!fx)
        return;
    for (size_t i = 0; i < p->n_bus_windows; i++) {
        const struct treefix_value *v = &fx->ranges[i];

        fprintf(out,
                "\n# %s: a 1:1 window at 0x%llx added to its ranges (bus_windows): Xen "
                "translates every reg\n",
                v->path, (unsigned long long)p->bus_windows[i].addr);
        write_set_cells(v, out);
    }
    for (size_t i = 0; i < p->n_page_regs; i++) {
        const struct treefix_value *v = &fx->regs[i];

        fprintf(out, "\n# %s: its reg widened to whole pages (page_regs)\n", v->path);
        write_set_cells(v, out);
    }
    for (size_t i = 0; i < p->n_tree_edits; i++)
        write_tree_edit(&p->tree_edits[i], out);
}

/*
 * The board's MAC address (u-boot's, from the firmware) into the partial
 * tree of the domain that owns the network device: booti writes it into
 * Xen's tree, not into a partial tree, and without it the device makes up
 * an address at every boot. A board without the variable keeps the tree's.
 */
static void write_mac(const struct boot_plan *plan, FILE *out)
{
    const struct platform *p = plan->platform;

    if (!plan->mac_path[0])
        return;
    fprintf(out, "\n# The board's MAC address (%s) for %s, in its partial tree\n", p->mac_var,
            plan->mac_path);
    fprintf(out, "if test -n \"${%s}\"; then\n", p->mac_var);
    fprintf(out, "    setexpr pixen_mac gsub : \" \" \"${%s}\"" OR_STOP "\n", p->mac_var);
    fprintf(out, "    fdt addr 0x%" PRIx64 OR_STOP "\n", plan->modules[plan->mac_module].addr);
    fprintf(out, "    fdt set %s local-mac-address \"[${pixen_mac}]\"" OR_STOP "\n",
            plan->mac_path);
    fprintf(out, "    fdt addr 0x%" PRIx64 OR_STOP "\n", plan->fdt_addr);
    fprintf(out, "fi\n");
}

int script_write(const struct boot_plan *plan, FILE *out, struct xu_err *err)
{
    const struct platform *p = plan->platform;
    char xen_args[2048];

    if (script_quote(plan->xen_cmdline, xen_args, sizeof(xen_args), err) < 0)
        return -1;
    fprintf(out, "# pixen boot script for %s, written by mkboot from %s: do not edit.\n", p->name,
            p->source);
    write_map(plan, out);
    fprintf(out, "\nsetenv pixen_stop\n");
    fprintf(out, "echo \"pixen: loading Xen and Dom0 from " LOAD_FROM "\"\n");
    write_tree(plan, out);
    write_fixes(plan, out);
    for (unsigned i = 0; i < plan->n_domains; i++)
        if (write_passthrough(&plan->domains[i], out, err) < 0)
            return -1;
    if (write_platform_nodes(p, out, err) < 0)
        return -1;
    for (size_t i = 0; i < p->n_removed_nodes; i++)
        write_edit(p->removed_nodes[i].path,
                   "removed from Xen's tree (removed_nodes): Xen 4.17 cannot translate the "
                   "addresses below it, and its domain has it in its partial tree",
                   out, "rm %s", p->removed_nodes[i].path);
    for (unsigned i = 0; i < plan->n_modules; i++)
        write_load(plan, i, out);

    fprintf(out, "\n# Where Xen finds its command line, its modules and the domains it builds\n");
    fprintf(out, "fdt set /chosen \\#address-cells <0x2>" OR_STOP "\n");
    fprintf(out, "fdt set /chosen \\#size-cells <0x2>" OR_STOP "\n");
    fprintf(out, "fdt set /chosen xen,xen-bootargs %s" OR_STOP "\n", xen_args);
    for (unsigned i = 1; i < plan->n_modules; i++)
        if (strcmp(plan->modules[i].parent, "/chosen") == 0 &&
            write_module_node(&plan->modules[i], i, out, err) < 0)
            return -1;
    if (plan->cpupools)
        write_cpupools(plan, out);
    /*
     * Xen builds the domains, and numbers them, in /chosen's order, and
     * `fdt mknode` puts a node before its siblings: the last first.
     */
    for (unsigned i = plan->n_domains; i-- > 0;)
        if (write_domain_node(plan, &plan->domains[i], out, err) < 0)
            return -1;
    write_mac(plan, out);

    fprintf(out, "\nif test -n \"${pixen_stop}\"; then\n"
                 "    echo \"pixen: not starting Xen: see the message above\"\n"
                 "else\n"
                 "    echo \"pixen: starting Xen\"\n");
    fprintf(out, "    booti 0x%" PRIx64 " - 0x%" PRIx64 "\n", plan->modules[0].addr,
            plan->fdt_addr);
    fprintf(out, "    echo \"pixen: booti of Xen failed\"\nfi\n");
    return ferror(out) ? xu_fail(err, "write error") : 0;
}
