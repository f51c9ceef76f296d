#include "plan.h"

#include "script.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int no_room(struct xu_err *err)
{
    struct xu_err why = *err;

    return xu_fail(err, "boot files do not fit in RAM: %s", why.msg);
}

/* The module that already reads `f` as a module of the same kind, or NULL. */
static const struct boot_module *loaded_before(const struct boot_plan *plan,
                                               const struct boot_file *f, const char *compatible)
{
    for (unsigned i = 1; i < plan->n_modules; i++) {
        const struct boot_module *m = &plan->modules[i];

        if (m->loaded_by == i && strcmp(m->file, f->name) == 0 && m->compatible && compatible &&
            strcmp(m->compatible, compatible) == 0)
            return m;
    }
    return NULL;
}

/* The map line of the slot at `addr` names every module that uses it. */
static void name_slot(struct boot_plan *plan, uint64_t addr, const char *role)
{
    for (size_t i = 0; i < plan->layout.n_taken; i++) {
        struct region *r = &plan->layout.taken[i];
        char *paren = strrchr(r->what, '(');

        if (r->addr == addr && paren && paren > r->what) {
            char what[LAYOUT_WHAT_BYTES];

            snprintf(what, sizeof(what), "%.*s, %s %s", (int)(paren - r->what - 1), r->what, role,
                     paren);
            snprintf(r->what, sizeof(r->what), "%s", what);
        }
    }
}

/* `running_bytes`: what the image occupies once started in place (Xen only), else 0. */
static int add_module(struct boot_plan *plan, const char *parent, const char *role,
                      const struct boot_file *f, uint64_t running_bytes, const char *compatible,
                      const char *bootargs, struct xu_err *err)
{
    struct boot_module *m = &plan->modules[plan->n_modules];
    const struct boot_module *first = loaded_before(plan, f, compatible);
    uint64_t need = running_bytes > f->size_bytes ? running_bytes : f->size_bytes;
    bool unpacked_in_place =
        f->image.kind == IMAGE_GZIP && compatible && strstr(compatible, "multiboot,kernel");
    char what[LAYOUT_WHAT_BYTES];

    if (plan->n_modules == BOOT_MAX_MODULES)
        return xu_fail(err, "more than %d boot modules", BOOT_MAX_MODULES);
    if (script_check_file_name(f->name, err) < 0)
        return -1;
    snprintf(m->role, sizeof(m->role), "%s", role);
    m->parent = parent;
    snprintf(m->file, sizeof(m->file), "%s", f->name);
    m->file_bytes = f->size_bytes;
    m->compatible = compatible;
    m->bootargs = bootargs;
    m->loaded_by = first ? first->loaded_by : plan->n_modules;
    m->copied = first && unpacked_in_place;
    if (first && !m->copied) {
        m->addr = first->addr;
        m->slot_bytes = first->slot_bytes;
        name_slot(plan, m->addr, role);
    } else {
        snprintf(what, sizeof(what), "%s (%s%s)", role, f->name,
                 m->copied ? ", copied: Xen unpacks it in place" : "");
        m->slot_bytes = align_up(need, BOOT_ALIGN_BYTES);
        if (layout_place(&plan->layout, m->slot_bytes, BOOT_ALIGN_BYTES, what, &m->addr, err) < 0)
            return no_room(err);
    }
    if (!first)
        plan->card_read_bytes += f->size_bytes;
    plan->n_modules++;
    return 0;
}

/* Xen takes a boot-time domain's name from nowhere: the node name is for people. */
static int node_name_ok(const char *name)
{
    if (!name[0])
        return 0;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(",._+-", *p))
            return 0;
    return 1;
}

/*
 * Host RAM a boot-time domain has at a fixed place (its static_mem, the
 * memory it shares): inside RAM, or in more_ram, where u-boot loads nothing.
 */
static int reserve_fixed(struct boot_plan *plan, const struct domain_config *dc, unsigned line,
                         const char *key, uint64_t addr, uint64_t size_bytes, const char *what,
                         struct xu_err *err)
{
    const struct platform *p = plan->platform;

    for (size_t k = 0; k < p->n_more_ram; k++)
        if (addr >= p->more_ram[k].addr &&
            addr + size_bytes <= p->more_ram[k].addr + p->more_ram[k].size_bytes)
            return 0;
    if (addr < p->ram_base_addr || addr + size_bytes > p->ram_base_addr + p->ram_size_bytes)
        return xu_fail(err, "%s:%u: %s: 0x%llx-0x%llx lies outside RAM (%s)", dc->source, line, key,
                       (unsigned long long)addr, (unsigned long long)(addr + size_bytes - 1),
                       p->source);
    if (layout_reserve(&plan->layout, addr, size_bytes, what, err) < 0) {
        struct xu_err why = *err;

        return xu_fail(err, "%s:%u: %s: %s", dc->source, line, key, why.msg);
    }
    return 0;
}

static bool shm_named_before(const struct boot_files *files, unsigned domain, const char *id)
{
    for (unsigned i = 0; i < domain; i++)
        for (unsigned j = 0; j < files->domains[i].config->n_shm; j++)
            if (strcmp(files->domains[i].config->shm[j].id, id) == 0)
                return true;
    return false;
}

static int plan_domain(struct boot_plan *plan, const struct boot_domain_files *f,
                       struct xu_err *err)
{
    const struct domain_config *dc = f->config;
    struct boot_domain *d = &plan->domains[plan->n_domains];
    char role[96];

    if (plan->n_domains == BOOT_MAX_DOMAINS)
        return xu_fail(err, "more than %d boot-time domains", BOOT_MAX_DOMAINS);
    if (!node_name_ok(dc->name) || strlen(dc->name) > sizeof(d->node) - sizeof("/chosen/"))
        return xu_fail(err,
                       "%s: name \"%s\": a boot-time domain's name becomes a device-tree node "
                       "name: letters, digits and , . _ + - only, up to %zu",
                       dc->source, dc->name, sizeof(d->node) - sizeof("/chosen/"));
    for (unsigned i = 0; i < plan->n_domains; i++)
        if (strcmp(plan->domains[i].config->name, dc->name) == 0)
            return xu_fail(err, "%s: a boot-time domain named \"%s\" already exists", dc->source,
                           dc->name);
    if (script_check_file_name(f->config_file, err) < 0)
        return -1;
    d->config = dc;
    if (dc->direct_map) {
        uint64_t total = 0;
        int n;

        for (unsigned i = 0; i < dc->n_static_mem; i++)
            total += dc->static_mem[i].size_bytes;
        if (total <= 2 * BOOT_DIRECT_MAP_KEEP_BYTES)
            return xu_fail(err, "%s: static_mem: too little for a 1:1 domain", dc->source);
        n = snprintf(d->bootargs, sizeof(d->bootargs), "%s%smem=%lluK", dc->cmdline,
                     dc->cmdline[0] ? " " : "",
                     (unsigned long long)((total - BOOT_DIRECT_MAP_KEEP_BYTES) >> 10));
        if (n < 0 || (size_t)n >= sizeof(d->bootargs))
            return xu_fail(err, "%s: cmdline too long", dc->source);
    } else {
        snprintf(d->bootargs, sizeof(d->bootargs), "%s", dc->cmdline);
    }
    /*
     * Xen writes nothing of a static event channel into the domain's tree:
     * its command line tells it the ports, "pixen.evtchn=PEER:PORT,...".
     */
    for (unsigned i = 0; i < dc->n_evtchns; i++) {
        size_t used = strlen(d->bootargs);
        int n = snprintf(d->bootargs + used, sizeof(d->bootargs) - used, "%s%s:%u",
                         i      ? ","
                         : used ? " pixen.evtchn="
                                : "pixen.evtchn=",
                         dc->evtchns[i].peer, dc->evtchns[i].port);

        if (n < 0 || (size_t)n >= sizeof(d->bootargs) - used)
            return xu_fail(err, "%s: cmdline too long", dc->source);
    }
    snprintf(d->node, sizeof(d->node), "/chosen/%s", dc->name);
    snprintf(d->config_file, sizeof(d->config_file), "%s", f->config_file);
    d->passthrough = f->passthrough;
    plan->n_domains++;

    /* Xen copies the kernel and ramdisk out of their modules, as for Dom0. */
    snprintf(role, sizeof(role), "%s kernel", dc->name);
    if (add_module(plan, d->node, role, f->kernel, 0, "\"multiboot,kernel\" \"multiboot,module\"",
                   d->bootargs[0] ? d->bootargs : NULL, err) < 0)
        return -1;
    snprintf(role, sizeof(role), "%s ramdisk", dc->name);
    if (f->ramdisk && add_module(plan, d->node, role, f->ramdisk, 0,
                                 "\"multiboot,ramdisk\" \"multiboot,module\"", NULL, err) < 0)
        return -1;
    /* Xen copies its /passthrough into the domain's tree, and maps and routes what it names. */
    snprintf(role, sizeof(role), "%s device tree", dc->name);
    if (f->device_tree &&
        add_module(plan, d->node, role, f->device_tree, 0,
                   "\"multiboot,device-tree\" \"multiboot,module\"", NULL, err) < 0)
        return -1;
    return 0;
}

int plan_boot(const struct platform *p, const struct domain_config *dom0,
              const struct boot_files *files, struct boot_plan *plan, struct xu_err *err)
{
    const struct boot_file *xen = files->xen, *kernel = files->kernel;
    const struct boot_file *ramdisk = files->ramdisk;
    int n;

    memset(plan, 0, sizeof(*plan));
    plan->platform = p;
    layout_init(&plan->layout, p->ram_base_addr, p->ram_size_bytes);
    for (size_t i = 0; i < p->n_reserved; i++)
        if (layout_reserve(&plan->layout, p->reserved[i].addr, p->reserved[i].size_bytes,
                           p->reserved[i].what, err) < 0)
            return -1;

    /*
     * Boot-time domains' own RAM and the memory they share first: Xen gives
     * it to them, so no file may go there.
     */
    for (unsigned i = 0; i < files->n_domains; i++) {
        const struct domain_config *dc = files->domains[i].config;
        char what[LAYOUT_WHAT_BYTES];

        snprintf(what, sizeof(what), "%s's static memory", dc->name);
        for (unsigned j = 0; j < dc->n_static_mem; j++)
            if (reserve_fixed(plan, dc, dc->static_mem_line, "static_mem", dc->static_mem[j].addr,
                              dc->static_mem[j].size_bytes, what, err) < 0)
                return -1;
        for (unsigned j = 0; j < dc->n_shm; j++) {
            const struct shm_spec *shm = &dc->shm[j];

            /* Each region once: the other domains that share it name the same (mkboot checked). */
            if (shm_named_before(files, i, shm->id))
                continue;
            snprintf(what, sizeof(what), "shared memory %s", shm->id);
            if (reserve_fixed(plan, dc, shm->line, "static_shm", shm->host_addr, shm->size_bytes,
                              what, err) < 0)
                return -1;
        }
    }

    if (xen->image.kind != IMAGE_ARM64)
        return xu_fail(err, "%s: Xen must be an uncompressed arm64 Image for booti", xen->name);
    /* Without the flag, booti moves the image to the start of RAM, over what lies there. */
    if (!xen->image.anywhere)
        return xu_fail(err, "%s: its Image header does not allow placement anywhere in RAM",
                       xen->name);
    /* booti starts an "anywhere" image at a 2 MiB boundary plus its text_offset. */
    if (add_module(plan, "/chosen", "xen", xen,
                   xen->image.text_offset_bytes + xen->image.image_size_bytes, NULL, NULL, err) < 0)
        return -1;

    plan->fdt_bytes = p->fdt_max_bytes + BOOT_FDT_ROOM_BYTES;
    if (plan->fdt_bytes > BOOT_ALIGN_BYTES)
        return xu_fail(err, "%s: fdt_max_kib leaves no room below Xen's 2 MiB device tree limit",
                       p->source);
    if (layout_place(&plan->layout, BOOT_ALIGN_BYTES, BOOT_ALIGN_BYTES, "device tree for Xen",
                     &plan->fdt_addr, err) < 0)
        return no_room(err);

    /* Xen copies Dom0's kernel out of its module, so the file size is all it takes here. */
    if (add_module(plan, "/chosen", "dom0 kernel", kernel, 0,
                   "\"multiboot,kernel\" \"multiboot,module\"", dom0->cmdline, err) < 0)
        return -1;
    if (ramdisk && add_module(plan, "/chosen", "dom0 ramdisk", ramdisk, 0,
                              "\"multiboot,ramdisk\" \"multiboot,module\"", NULL, err) < 0)
        return -1;
    if (files->xsm_policy && add_module(plan, "/chosen", "xsm policy", files->xsm_policy, 0,
                                        "\"xen,xsm-policy\" \"multiboot,module\"", NULL, err) < 0)
        return -1;

    for (unsigned i = 0; i < files->n_domains; i++)
        if (plan_domain(plan, &files->domains[i], err) < 0)
            return -1;

    n = snprintf(plan->xen_cmdline, sizeof(plan->xen_cmdline),
                 "%s%s%sdom0_mem=%lluM,max:%lluM dom0_max_vcpus=%u", p->xen_cmdline,
                 p->xen_cmdline[0] ? " " : "", files->xsm_policy ? "xsm=flask " : "",
                 (unsigned long long)dom0->memory_mib, (unsigned long long)dom0->maxmem_mib,
                 dom0->vcpus);
    if (n < 0 || (size_t)n >= sizeof(plan->xen_cmdline))
        return xu_fail(err, "%s: Xen's command line is too long", p->source);
    return 0;
}
