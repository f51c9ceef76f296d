#include "guestfdt.h"

#include "fdtcheck.h"

#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FDT_FIRST_BYTES 4096
/* Interrupt specifier cells (the GIC binding): type, number, flags. */
#define IRQ_SPI           0
#define IRQ_PPI           1
#define IRQ_EDGE_RISING   0x1
#define IRQ_LEVEL_HIGH    0x4
#define IRQ_LEVEL_LOW     0x8
#define PPI_ALL_CPUS_MASK (0xf << 8)
/* PSCI 0.1 function numbers, which Xen's virtual PSCI also answers. */
#define PSCI_0_1_CPU_OFF 1
#define PSCI_0_1_CPU_ON  2

/* Every libfdt call in the build goes through this, so the first failure sticks. */
struct writer {
    void *fdt;
    int rc;
};

static void check(struct writer *w, int rc)
{
    if (w->rc == 0 && rc < 0)
        w->rc = rc;
}

static void begin(struct writer *w, const char *name)
{
    check(w, fdt_begin_node(w->fdt, name));
}

static void end(struct writer *w)
{
    check(w, fdt_end_node(w->fdt));
}

static void prop_u32(struct writer *w, const char *name, uint32_t v)
{
    check(w, fdt_property_u32(w->fdt, name, v));
}

static void prop_str(struct writer *w, const char *name, const char *v)
{
    check(w, fdt_property_string(w->fdt, name, v));
}

/* A string list: "a\0b\0" given as sizeof the literal. */
static void prop_strs(struct writer *w, const char *name, const char *v, size_t len)
{
    check(w, fdt_property(w->fdt, name, v, (int)len));
}

static void prop_empty(struct writer *w, const char *name)
{
    check(w, fdt_property(w->fdt, name, NULL, 0));
}

/* reg with 2 address and 2 size cells per range. */
static void prop_reg(struct writer *w, const char *name, const uint64_t *pairs, unsigned n)
{
    fdt64_t cells[2 * (GMAP_EXT_REGIONS_MAX + 1)];

    for (unsigned i = 0; i < 2 * n; i++)
        cells[i] = cpu_to_fdt64(pairs[i]);
    check(w, fdt_property(w->fdt, name, cells, (int)(n * 2 * sizeof(fdt64_t))));
}

static void prop_interrupts(struct writer *w, const uint32_t *spec, unsigned n)
{
    fdt32_t cells[9];

    for (unsigned i = 0; i < 3 * n; i++)
        cells[i] = cpu_to_fdt32(spec[i]);
    check(w, fdt_property(w->fdt, "interrupts", cells, (int)(n * 3 * sizeof(fdt32_t))));
    prop_u32(w, "interrupt-parent", GMAP_PHANDLE_GIC);
}

static void root_properties(struct writer *w, const struct guest_fdt_config *c)
{
    char model[32], compatible[64];
    int a, b;

    snprintf(model, sizeof(model), "XENVM-%u.%u", c->xen_major, c->xen_minor);
    a = snprintf(compatible, sizeof(compatible), "xen,xenvm-%u.%u", c->xen_major, c->xen_minor);
    b = snprintf(compatible + a + 1, sizeof(compatible) - (size_t)a - 1, "xen,xenvm");
    prop_str(w, "model", model);
    prop_strs(w, "compatible", compatible, (size_t)(a + b + 2));
    prop_u32(w, "interrupt-parent", GMAP_PHANDLE_GIC);
    prop_u32(w, "#address-cells", 2);
    prop_u32(w, "#size-cells", 2);
}

static void chosen(struct writer *w, const struct guest_fdt_config *c)
{
    begin(w, "chosen");
    if (c->bootargs && c->bootargs[0])
        prop_str(w, "bootargs", c->bootargs);
    if (c->has_ramdisk) {
        /* Filled by guest_fdt_finalise once libxenguest has placed the ramdisk. */
        check(w, fdt_property_u64(w->fdt, "linux,initrd-start", 0));
        check(w, fdt_property_u64(w->fdt, "linux,initrd-end", 0));
    }
    if (c->rng_seed)
        check(w, fdt_property(w->fdt, "rng-seed", c->rng_seed, GUEST_RNG_SEED_BYTES));
    end(w);
}

static void cpus(struct writer *w, const struct guest_fdt_config *c)
{
    begin(w, "cpus");
    prop_u32(w, "#address-cells", 1);
    prop_u32(w, "#size-cells", 0);
    for (unsigned i = 0; i < c->vcpus; i++) {
        char name[24];
        uint32_t mpidr = guest_vcpu_mpidr(i);

        snprintf(name, sizeof(name), "cpu@%x", mpidr);
        begin(w, name);
        prop_str(w, "device_type", "cpu");
        prop_str(w, "compatible", "arm,armv8");
        prop_str(w, "enable-method", "psci");
        prop_u32(w, "reg", mpidr);
        end(w);
    }
    end(w);
}

static void psci(struct writer *w)
{
    static const char compatible[] = "arm,psci-1.0\0arm,psci-0.2\0arm,psci";

    begin(w, "psci");
    prop_strs(w, "compatible", compatible, sizeof(compatible));
    prop_str(w, "method", "hvc");
    prop_u32(w, "cpu_off", PSCI_0_1_CPU_OFF);
    prop_u32(w, "cpu_on", PSCI_0_1_CPU_ON);
    end(w);
}

static void memory_nodes(struct writer *w)
{
    static const uint64_t bases[GMAP_RAM_BANKS] = {GMAP_RAM0_BASE, GMAP_RAM1_BASE};

    for (unsigned i = 0; i < GMAP_RAM_BANKS; i++) {
        const uint64_t placeholder[2] = {0, 0};
        char name[32];

        snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)bases[i]);
        begin(w, name);
        prop_str(w, "device_type", "memory");
        prop_reg(w, "reg", placeholder, 1);
        end(w);
    }
}

static void gic(struct writer *w, enum gic_version version)
{
    static const char v2_compatible[] = "arm,cortex-a15-gic\0arm,cortex-a9-gic";
    const uint64_t v2_reg[] = {GMAP_GICD_BASE, GMAP_GICD_SIZE, GMAP_GICC_BASE, GMAP_GICC_SIZE};
    const uint64_t v3_reg[] = {GMAP_GICD_BASE, GMAP_GICV3_GICD_SIZE, GMAP_GICV3_GICR0_BASE,
                               GMAP_GICV3_GICR0_SIZE};
    char name[48];

    snprintf(name, sizeof(name), "interrupt-controller@%llx", (unsigned long long)GMAP_GICD_BASE);
    begin(w, name);
    if (version == GIC_V3)
        prop_str(w, "compatible", "arm,gic-v3");
    else
        prop_strs(w, "compatible", v2_compatible, sizeof(v2_compatible));
    prop_u32(w, "#interrupt-cells", 3);
    prop_u32(w, "#address-cells", 0);
    prop_empty(w, "interrupt-controller");
    prop_reg(w, "reg", version == GIC_V3 ? v3_reg : v2_reg, 2);
    prop_u32(w, "linux,phandle", GMAP_PHANDLE_GIC);
    prop_u32(w, "phandle", GMAP_PHANDLE_GIC);
    end(w);
}

static void timer(struct writer *w, uint32_t clock_frequency)
{
    const uint32_t flags = PPI_ALL_CPUS_MASK | IRQ_LEVEL_LOW;
    const uint32_t irqs[] = {
        IRQ_PPI, GMAP_TIMER_PHYS_S_PPI - 16, flags, IRQ_PPI, GMAP_TIMER_PHYS_NS_PPI - 16, flags,
        IRQ_PPI, GMAP_TIMER_VIRT_PPI - 16,   flags,
    };

    begin(w, "timer");
    prop_str(w, "compatible", "arm,armv8-timer");
    prop_interrupts(w, irqs, 3);
    if (clock_frequency)
        prop_u32(w, "clock-frequency", clock_frequency);
    end(w);
}

static void hypervisor(struct writer *w, const struct guest_fdt_config *c)
{
    const uint64_t placeholder[2 * (GMAP_EXT_REGIONS_MAX + 1)] = {0};
    const uint32_t irq[] = {IRQ_PPI, GMAP_EVTCHN_PPI - 16, PPI_ALL_CPUS_MASK | IRQ_LEVEL_LOW};
    char compatible[64];
    int a;

    a = snprintf(compatible, sizeof(compatible), "xen,xen-%u.%u", c->xen_major, c->xen_minor);
    memcpy(compatible + a + 1, "xen,xen", sizeof("xen,xen"));
    begin(w, "hypervisor");
    prop_strs(w, "compatible", compatible, (size_t)a + 1 + sizeof("xen,xen"));
    /* The grant table and room for the extended regions; finalise trims it. */
    prop_reg(w, "reg", placeholder, GMAP_EXT_REGIONS_MAX + 1);
    prop_interrupts(w, irq, 1);
    end(w);
}

static void vpl011(struct writer *w)
{
    const uint64_t reg[] = {GMAP_PL011_BASE, GMAP_PL011_SIZE};
    const uint32_t irq[] = {IRQ_SPI, GMAP_VPL011_SPI - 32, IRQ_LEVEL_HIGH};
    char name[32];

    snprintf(name, sizeof(name), "sbsa-uart@%llx", (unsigned long long)GMAP_PL011_BASE);
    begin(w, name);
    prop_str(w, "compatible", "arm,sbsa-uart");
    prop_reg(w, "reg", reg, 1);
    prop_interrupts(w, irq, 1);
    prop_u32(w, "current-speed", 115200);
    end(w);
}

static void optee(struct writer *w)
{
    begin(w, "firmware");
    begin(w, "optee");
    prop_str(w, "compatible", "linaro,optee-tz");
    prop_str(w, "method", "hvc");
    end(w);
    end(w);
}

#define PARTIAL_MAX_DEPTH 32 /* far deeper than any device's nodes go */

/* Copies node `offset` of `src`, its properties and all below it; stops at the first error. */
static void copy_node(struct writer *w, const void *src, int offset, unsigned depth)
{
    int prop, child;

    if (depth > PARTIAL_MAX_DEPTH) {
        check(w, -FDT_ERR_BADSTRUCTURE);
        return;
    }
    begin(w, fdt_get_name(src, offset, NULL));
    fdt_for_each_property_offset(prop, src, offset)
    {
        const char *name;
        int len;
        const void *value = fdt_getprop_by_offset(src, prop, &name, &len);

        check(w, value ? fdt_property(w->fdt, name, value, len) : len);
        if (w->rc)
            return;
    }
    /* Iteration ends with NOTFOUND; anything else is a damaged tree. */
    if (prop != -FDT_ERR_NOTFOUND)
        check(w, prop);
    fdt_for_each_subnode(child, src, offset)
    {
        copy_node(w, src, child, depth + 1);
        if (w->rc)
            return;
    }
    if (child != -FDT_ERR_NOTFOUND)
        check(w, child);
    end(w);
}

static int check_partial(const struct guest_fdt_config *c, struct xu_err *err)
{
    const char *why;

    if (c->partial_bytes < sizeof(struct fdt_header) || fdt_magic(c->partial) != FDT_MAGIC)
        return xu_fail(err, "%s: not a device tree blob (no FDT magic); compile it with dtc",
                       c->partial_name);
    if (fdt_check_strict(c->partial, c->partial_bytes, &why) < 0)
        return xu_fail(err, "%s: a damaged device tree blob: %s", c->partial_name, why);
    if (fdt_path_offset(c->partial, "/passthrough") < 0)
        return xu_fail(err, "%s: no /passthrough node; the nodes a guest gets go there",
                       c->partial_name);
    return 0;
}

static int build_once(const struct guest_fdt_config *c, void *fdt, size_t size)
{
    struct writer w = {.fdt = fdt};

    check(&w, fdt_create(fdt, (int)size));
    check(&w, fdt_finish_reservemap(fdt));
    begin(&w, "");
    root_properties(&w, c);
    chosen(&w, c);
    cpus(&w, c);
    psci(&w);
    memory_nodes(&w);
    gic(&w, c->gic);
    timer(&w, c->clock_frequency);
    hypervisor(&w, c);
    if (c->vuart == VUART_SBSA)
        vpl011(&w);
    if (c->tee == TEE_OPTEE)
        optee(&w);
    if (c->partial) {
        int aliases = fdt_path_offset(c->partial, "/aliases");

        copy_node(&w, c->partial, fdt_path_offset(c->partial, "/passthrough"), 0);
        if (aliases >= 0 && w.rc == 0)
            copy_node(&w, c->partial, aliases, 0);
    }
    end(&w);
    check(&w, fdt_finish(fdt));
    return w.rc;
}

int guest_fdt_build(const struct guest_fdt_config *c, void **blob, struct xu_err *err)
{
    if (c->partial && check_partial(c, err) < 0)
        return -1;
    /* Start small and double until the tree fits. */
    for (size_t size = FDT_FIRST_BYTES; size <= GUEST_FDT_MAX_BYTES; size *= 2) {
        void *fdt = malloc(size);
        int rc;

        if (!fdt)
            return xu_fail(err, "guest device tree: out of memory");
        rc = build_once(c, fdt, size);
        if (rc == 0) {
            *blob = fdt;
            return 0;
        }
        free(fdt);
        if (rc != -FDT_ERR_NOSPACE)
            return xu_fail(err, "guest device tree: %s%s%s", fdt_strerror(rc),
                           c->partial ? " (while copying " : "",
                           c->partial ? "the partial device tree)" : "");
    }
    return xu_fail(err, "guest device tree: larger than %u bytes", GUEST_FDT_MAX_BYTES);
}

int guest_fdt_finalise(void *blob, const struct guest_bank banks[GMAP_RAM_BANKS],
                       uint64_t initrd_start, uint64_t initrd_end, const struct guest_bank *ext,
                       unsigned n_ext, struct xu_err *err)
{
    fdt64_t reg[2 * (GMAP_EXT_REGIONS_MAX + 1)];
    int chosen = fdt_path_offset(blob, "/chosen");
    int hyp = fdt_path_offset(blob, "/hypervisor");
    int rc = 0;

    if (chosen < 0 || hyp < 0)
        return xu_fail(err, "guest device tree: /chosen or /hypervisor missing");
    if (fdt_getprop(blob, chosen, "linux,initrd-start", NULL)) {
        rc = fdt_setprop_inplace_u64(blob, chosen, "linux,initrd-start", initrd_start);
        if (rc == 0)
            rc = fdt_setprop_inplace_u64(blob, chosen, "linux,initrd-end", initrd_end);
    }
    /* The grant table first, then the extended regions; the property only shrinks. */
    if (n_ext > GMAP_EXT_REGIONS_MAX)
        n_ext = GMAP_EXT_REGIONS_MAX;
    reg[0] = cpu_to_fdt64(GMAP_GNTTAB_BASE);
    reg[1] = cpu_to_fdt64(GMAP_GNTTAB_SIZE);
    for (unsigned i = 0; i < n_ext; i++) {
        reg[2 + 2 * i] = cpu_to_fdt64(ext[i].base_addr);
        reg[3 + 2 * i] = cpu_to_fdt64(ext[i].size_bytes);
    }
    if (rc == 0)
        rc = fdt_setprop(blob, hyp, "reg", reg, (int)((1 + n_ext) * 2 * sizeof(fdt64_t)));
    for (unsigned i = 0; i < GMAP_RAM_BANKS && rc == 0; i++) {
        char path[32];
        int node;

        snprintf(path, sizeof(path), "/memory@%llx", (unsigned long long)banks[i].base_addr);
        node = fdt_path_offset(blob, path);
        if (node < 0) {
            rc = node;
        } else if (banks[i].size_bytes == 0) {
            rc = fdt_nop_node(blob, node);
        } else {
            fdt64_t bank[2] = {cpu_to_fdt64(banks[i].base_addr), cpu_to_fdt64(banks[i].size_bytes)};
            rc = fdt_setprop_inplace(blob, node, "reg", bank, sizeof(bank));
        }
    }
    if (rc < 0)
        return xu_fail(err, "guest device tree: finishing it: %s", fdt_strerror(rc));
    return 0;
}
