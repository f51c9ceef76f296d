#include "plan.h"

#include "script.h"

#include <stdio.h>
#include <string.h>

static int no_room(struct xu_err *err)
{
    struct xu_err why = *err;

    return xu_fail(err, "boot files do not fit in RAM: %s", why.msg);
}

/* `running_bytes`: what the image occupies once started in place (Xen only), else 0. */
static int add_module(struct boot_plan *plan, const char *role, const struct boot_file *f,
                      uint64_t running_bytes, const char *compatible, const char *bootargs,
                      struct xu_err *err)
{
    struct boot_module *m = &plan->modules[plan->n_modules];
    uint64_t need = running_bytes > f->size_bytes ? running_bytes : f->size_bytes;
    char what[LAYOUT_WHAT_BYTES];

    if (plan->n_modules == BOOT_MAX_MODULES)
        return xu_fail(err, "more than %d boot modules", BOOT_MAX_MODULES);
    if (script_check_file_name(f->name, err) < 0)
        return -1;
    snprintf(what, sizeof(what), "%s (%s)", role, f->name);
    m->slot_bytes = align_up(need, BOOT_ALIGN_BYTES);
    if (layout_place(&plan->layout, m->slot_bytes, BOOT_ALIGN_BYTES, what, &m->addr, err) < 0)
        return no_room(err);
    m->role = role;
    snprintf(m->file, sizeof(m->file), "%s", f->name);
    m->file_bytes = f->size_bytes;
    m->compatible = compatible;
    m->bootargs = bootargs;
    plan->n_modules++;
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

    if (xen->image.kind != IMAGE_ARM64)
        return xu_fail(err, "%s: Xen must be an uncompressed arm64 Image for booti", xen->name);
    /* Without the flag, booti moves the image to the start of RAM, over what lies there. */
    if (!xen->image.anywhere)
        return xu_fail(err, "%s: its Image header does not allow placement anywhere in RAM",
                       xen->name);
    /* booti starts an "anywhere" image at a 2 MiB boundary plus its text_offset. */
    if (add_module(plan, "xen", xen, xen->image.text_offset_bytes + xen->image.image_size_bytes,
                   NULL, NULL, err) < 0)
        return -1;

    plan->fdt_bytes = p->fdt_max_bytes + BOOT_FDT_ROOM_BYTES;
    if (plan->fdt_bytes > BOOT_ALIGN_BYTES)
        return xu_fail(err, "%s: fdt_max_kib leaves no room below Xen's 2 MiB device tree limit",
                       p->source);
    if (layout_place(&plan->layout, BOOT_ALIGN_BYTES, BOOT_ALIGN_BYTES, "device tree for Xen",
                     &plan->fdt_addr, err) < 0)
        return no_room(err);

    /* Xen copies Dom0's kernel out of its module, so the file size is all it takes here. */
    if (add_module(plan, "dom0 kernel", kernel, 0, "\"multiboot,kernel\" \"multiboot,module\"",
                   dom0->cmdline, err) < 0)
        return -1;
    if (ramdisk && add_module(plan, "dom0 ramdisk", ramdisk, 0,
                              "\"multiboot,ramdisk\" \"multiboot,module\"", NULL, err) < 0)
        return -1;
    if (files->xsm_policy && add_module(plan, "xsm policy", files->xsm_policy, 0,
                                        "\"xen,xsm-policy\" \"multiboot,module\"", NULL, err) < 0)
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
