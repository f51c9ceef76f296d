/*
 * Host devices for a boot-time domain (dtdev): what the plan reads from the
 * host device tree, and the partial device tree Xen copies into the domain's.
 * The host trees are written here with libfdt, as QEMU's virt machine and a
 * Raspberry Pi describe the same hardware.
 */
#include <libfdt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fdtwrite.h"
#include "passthrough.h"

#define GIC_PH     0x8003
#define V2M_PH     0x8004
#define PCLK_PH    0x8000
#define CPRMAN_PH  0x8010
#define GPIO_IC_PH 0x8011
#define RESET_PH   0x8012
#define HOST_NAME  "host.dtb"

static struct domain_config dc;

/* QEMU virt's GICv2 with its v2m MSI frame. */
static void qemu_gic(void *fdt, bool with_address_cells)
{
    node(fdt, "intc@8000000");
    cells(fdt, "phandle", 1, GIC_PH);
    cells(fdt, "reg", 8, 0, 0x8000000, 0, 0x10000, 0, 0x8010000, 0, 0x10000);
    str(fdt, "compatible", "arm,cortex-a15-gic");
    flag(fdt, "ranges");
    if (with_address_cells) {
        cells(fdt, "#size-cells", 1, 2);
        cells(fdt, "#address-cells", 1, 2);
    }
    cells(fdt, "#interrupt-cells", 1, 3);
    flag(fdt, "interrupt-controller");
    node(fdt, "v2m@8020000");
    cells(fdt, "phandle", 1, V2M_PH);
    cells(fdt, "reg", 4, 0, 0x8020000, 0, 0x1000);
    flag(fdt, "msi-controller");
    str(fdt, "compatible", "arm,gic-v2m-frame");
    end(fdt);
    end(fdt);
}

/*
 * QEMU 7.2's virt machine with its PCIe host bridge. The GIC has its own
 * #address-cells on QEMU; the interrupt-map then carries two cells of GIC
 * unit address in each entry.
 */
static void *qemu_pcie_tree(bool gic_has_address_cells)
{
    unsigned gic_na = gic_has_address_cells ? 2 : 0, entry = 4 + 1 + gic_na + 3, n = 0;
    uint32_t map[16 * 10];
    void *fdt = tree_begin();

    cells(fdt, "interrupt-parent", 1, GIC_PH);
    cells(fdt, "#size-cells", 1, 2);
    cells(fdt, "#address-cells", 1, 2);
    str(fdt, "compatible", "linux,dummy-virt");
    qemu_gic(fdt, gic_has_address_cells);
    node(fdt, "pcie@10000000");
    for (uint32_t slot = 0; slot < 4; slot++)
        for (uint32_t pin = 1; pin <= 4; pin++) {
            uint32_t e[10] = {slot << 11, 0, 0, pin, GIC_PH}, *at = e + 5 + gic_na;

            at[0] = 0;
            at[1] = 3 + (slot + pin - 1) % 4;
            at[2] = 4;
            memcpy(map + n, e, entry * sizeof(uint32_t));
            n += entry;
        }
    cell_array(fdt, "interrupt-map", map, n);
    cells(fdt, "interrupt-map-mask", 4, 0x1800, 0, 0, 7);
    cells(fdt, "#interrupt-cells", 1, 1);
    cells(fdt, "ranges", 21, 0x1000000, 0, 0, 0, 0x3eff0000, 0, 0x10000, /* PIO */
          0x2000000, 0, 0x10000000, 0, 0x10000000, 0, 0x2eff0000,        /* MMIO */
          0x3000000, 0x80, 0, 0x80, 0, 0x80, 0);                         /* high MMIO */
    cells(fdt, "reg", 4, 0x40, 0x10000000, 0, 0x10000000);               /* ECAM */
    cells(fdt, "msi-map", 4, 0, V2M_PH, 0, 0x10000);
    flag(fdt, "dma-coherent");
    cells(fdt, "bus-range", 2, 0, 0xff);
    cells(fdt, "linux,pci-domain", 1, 0);
    cells(fdt, "#size-cells", 1, 2);
    cells(fdt, "#address-cells", 1, 3);
    str(fdt, "device_type", "pci");
    str(fdt, "compatible", "pci-host-ecam-generic");
    end(fdt);
    return tree_end(fdt);
}

/* What is wrong with the GPIO controller in gpio_tree(). */
enum twist {
    PLAIN,
    PPI,              /* a per-CPU interrupt */
    HUGE_SPI,         /* an SPI number past the GIC's last */
    NOT_GIC_PARENT,   /* interrupts on a GPIO interrupt controller */
    RESETS,           /* a reset line on the host's reset controller */
    RESET_CELLS_WRAP, /* that controller's #reset-cells as large as the cell can say */
    CLOCK_CONTROLLER, /* a clock from a clock controller */
};

/* QEMU virt's PL061 GPIO controller at `addr`, with the nodes a twist refers to. */
static void *gpio_tree(uint32_t addr, enum twist twist)
{
    void *fdt = tree_begin();
    char name[32];

    cells(fdt, "interrupt-parent", 1, GIC_PH);
    cells(fdt, "#size-cells", 1, 2);
    cells(fdt, "#address-cells", 1, 2);
    qemu_gic(fdt, true);
    node(fdt, "chosen");
    str(fdt, "stdout-path", "serial0:115200n8");
    end(fdt);
    node(fdt, "aliases");
    str(fdt, "serial0", "/pl011@9000000");
    end(fdt);
    node(fdt, "pl011@9000000");
    cells(fdt, "clocks", 2, PCLK_PH, PCLK_PH);
    cells(fdt, "interrupts", 3, 0, 1, 4);
    cells(fdt, "reg", 4, 0, 0x9000000, 0, 0x1000);
    str(fdt, "compatible", "arm,pl011");
    end(fdt);
    node(fdt, "apb-pclk");
    cells(fdt, "phandle", 1, PCLK_PH);
    str(fdt, "clock-output-names", "clk24mhz");
    cells(fdt, "clock-frequency", 1, 24000000);
    cells(fdt, "#clock-cells", 1, 0);
    str(fdt, "compatible", "fixed-clock");
    end(fdt);
    node(fdt, "cprman@7e101000");
    cells(fdt, "phandle", 1, CPRMAN_PH);
    cells(fdt, "reg", 4, 0, 0x7e101000, 0, 0x2000);
    cells(fdt, "#clock-cells", 1, 1);
    str(fdt, "compatible", "brcm,bcm2835-cprman");
    end(fdt);
    node(fdt, "gpio-intc");
    cells(fdt, "phandle", 1, GPIO_IC_PH);
    flag(fdt, "interrupt-controller");
    cells(fdt, "#interrupt-cells", 1, 2);
    end(fdt);
    node(fdt, "reset@9100000");
    cells(fdt, "phandle", 1, RESET_PH);
    cells(fdt, "reg", 4, 0, 0x9100000, 0, 0x1000);
    cells(fdt, "#reset-cells", 1, twist == RESET_CELLS_WRAP ? 0xfffffffe : 1);
    end(fdt);
    snprintf(name, sizeof(name), "pl061@%x", addr);
    node(fdt, name);
    cells(fdt, "phandle", 1, 0x8006);
    str(fdt, "clock-names", "apb_pclk");
    if (twist == CLOCK_CONTROLLER)
        cells(fdt, "clocks", 2, CPRMAN_PH, 19);
    else
        cells(fdt, "clocks", 1, PCLK_PH);
    if (twist == PPI)
        cells(fdt, "interrupts", 3, 1, 9, 4);
    else if (twist == HUGE_SPI)
        cells(fdt, "interrupts", 3, 0, 0xfffffff0, 4);
    else if (twist == NOT_GIC_PARENT)
        cells(fdt, "interrupts", 2, 7, 4);
    else
        cells(fdt, "interrupts", 3, 0, 7, 4);
    if (twist == NOT_GIC_PARENT)
        cells(fdt, "interrupt-parent", 1, GPIO_IC_PH);
    if (twist == RESETS || twist == RESET_CELLS_WRAP)
        cells(fdt, "resets", 2, RESET_PH, 3);
    flag(fdt, "gpio-controller");
    cells(fdt, "#gpio-cells", 1, 2);
    str(fdt, "compatible", "arm,pl061");
    cells(fdt, "reg", 4, 0, addr, 0, 0x1000);
    end(fdt);
    return tree_end(fdt);
}

/*
 * A Raspberry Pi 4's GPIO block: /soc has 1 address and 1 size cell and maps
 * its bus address 0 to the CPU's 0xfe000000. `soc_size_cells` is what /soc
 * says of its sizes.
 */
static void *soc_tree(uint32_t soc_size_cells)
{
    void *fdt = tree_begin();

    cells(fdt, "interrupt-parent", 1, GIC_PH);
    cells(fdt, "#size-cells", 1, 2);
    cells(fdt, "#address-cells", 1, 2);
    node(fdt, "soc");
    str(fdt, "compatible", "simple-bus");
    cells(fdt, "#address-cells", 1, 1);
    cells(fdt, "#size-cells", 1, soc_size_cells);
    cells(fdt, "ranges", 4, 0, 0, 0xfe000000, 0x1800000);
    node(fdt, "interrupt-controller@1840000");
    cells(fdt, "phandle", 1, GIC_PH);
    str(fdt, "compatible", "arm,gic-400");
    flag(fdt, "interrupt-controller");
    cells(fdt, "#interrupt-cells", 1, 3);
    cells(fdt, "reg", 4, 0x1841000, 0x1000, 0x1842000, 0x2000);
    end(fdt);
    node(fdt, "gpio@7e200000");
    str(fdt, "compatible", "brcm,bcm2711-gpio");
    cells(fdt, "reg", 2, 0x215000, 0x100);
    cells(fdt, "interrupts", 6, 0, 113, 4, 0, 114, 4);
    flag(fdt, "gpio-controller");
    cells(fdt, "#gpio-cells", 1, 2);
    node(fdt, "uart0-pins");
    cells(fdt, "brcm,pins", 2, 14, 15);
    cells(fdt, "brcm,function", 1, 4);
    end(fdt);
    end(fdt);
    end(fdt);
    return tree_end(fdt);
}

/* --- The domain and what comes back ------------------------------------- */

/* domd.cfg naming `paths` on its lines 10, 11, ... */
static void config(bool direct_map, unsigned n, ...)
{
    va_list ap;

    memset(&dc, 0, sizeof(dc));
    strcpy(dc.source, "domd.cfg");
    strcpy(dc.name, "DomD");
    va_start(ap, n);
    for (unsigned i = 0; i < n; i++) {
        snprintf(dc.dtdevs[i], sizeof(dc.dtdevs[i]), "%s", va_arg(ap, const char *));
        dc.dtdev_lines[i] = 10 + i;
    }
    va_end(ap);
    dc.n_dtdevs = n;
    dc.direct_map = direct_map;
    if (direct_map) {
        dc.static_mem[0] = (struct mem_bank){0x50000000, 0x10000000};
        dc.n_static_mem = 1;
    }
}

static void assert_window(const struct pt_device *d, unsigned i, uint64_t addr, uint64_t size)
{
    assert_true(i < d->n_windows);
    assert_int_equal(d->windows[i].addr, addr);
    assert_int_equal(d->windows[i].size_bytes, size);
}

static void assert_irq(const struct pt_device *d, unsigned i, uint32_t spi, uint32_t flags)
{
    assert_true(i < d->n_irqs);
    assert_int_equal(d->irqs[i].cells[0], 0);
    assert_int_equal(d->irqs[i].cells[1], spi);
    assert_int_equal(d->irqs[i].cells[2], flags);
}

/* Cell `i` of `name` on `path` in `blob`, which must have at least `i` + 1 cells. */
static uint32_t cell_at(const void *blob, const char *path, const char *name, int i)
{
    int node = fdt_path_offset(blob, path), len;
    const fdt32_t *p;

    assert_true(node >= 0);
    p = fdt_getprop(blob, node, name, &len);
    if (!p)
        fail_msg("%s has no %s", path, name);
    assert_true(len >= (i + 1) * (int)sizeof(fdt32_t));
    return fdt32_to_cpu(p[i]);
}

/* How many cells `name` on `path` has; -1 if it has no such property. */
static int n_cells(const void *blob, const char *path, const char *name)
{
    int node = fdt_path_offset(blob, path), len;

    assert_true(node >= 0);
    return fdt_getprop(blob, node, name, &len) ? len / (int)sizeof(fdt32_t) : -1;
}

static bool has_prop(const void *blob, const char *path, const char *name)
{
    int node = fdt_path_offset(blob, path);

    assert_true(node >= 0);
    return fdt_getprop(blob, node, name, NULL) != NULL;
}

/* The plan for `dc`'s devices in `host`, which must succeed. */
static void plan_devices(const void *host, struct pt_plan *plan)
{
    struct xu_err err = {{0}};

    if (pt_plan_devices(host, fdt_totalsize(host), HOST_NAME, &dc, plan, &err) != 0)
        fail_msg("%s", err.msg);
}

/* The partial tree for `plan`, checked by libfdt. */
static void *partial(const void *host, const struct pt_plan *plan)
{
    struct xu_err err = {{0}};
    void *blob;
    size_t bytes;

    if (pt_partial_fdt(host, plan, &dc, &blob, &bytes, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(fdt_check_full(blob, bytes), 0);
    assert_int_equal(bytes, fdt_totalsize(blob));
    assert_int_equal(cell_at(blob, "/", "#address-cells", 0), 2);
    assert_int_equal(cell_at(blob, "/", "#size-cells", 0), 2);
    assert_int_equal(
        fdt_node_check_compatible(blob, fdt_path_offset(blob, "/passthrough"), "simple-bus"), 0);
    return blob;
}

/* The plan refuses the domain's device with a message naming its config line and `why`. */
static void assert_refused(const void *host, size_t bytes, const char *where, const char *why)
{
    static struct pt_plan plan;
    struct xu_err err = {{0}};

    if (pt_plan_devices(host, bytes, HOST_NAME, &dc, &plan, &err) != -1)
        fail_msg("the plan took it; expected \"%s\"", why);
    if (!strstr(err.msg, where) || !strstr(err.msg, why) ||
        (strncmp(err.msg, "domd.cfg:", 9) == 0 && !strstr(err.msg, "(" HOST_NAME ")")))
        fail_msg("got \"%s\"; expected \"%s\" and \"%s\"", err.msg, where, why);
}

/* --- Tests --------------------------------------------------------------- */

static void test_qemu_pcie_bridge(void **state)
{
    (void)state;
    const char *path = "/passthrough/pcie@10000000";
    static struct pt_plan plan;
    void *host = qemu_pcie_tree(true), *blob;
    const struct pt_device *d = &plan.devices[0];

    /* Its 1:1 windows cover Xen's guest RAM and PL011: only a direct-mapped domain can have it. */
    config(true, 1, "/pcie@10000000");
    plan_devices(host, &plan);
    assert_int_equal(plan.n_devices, 1);
    assert_string_equal(d->path, "/pcie@10000000");
    assert_int_equal(d->line, 10);
    assert_string_equal(d->gic_path, "/intc@8000000");
    /* INTA..INTD of 4 slots, swizzled onto 4 SPIs. */
    assert_int_equal(d->n_irqs, 4);
    for (unsigned i = 0; i < 4; i++)
        assert_irq(d, i, 3 + i, 4);
    assert_true(d->irqs_from_map);
    assert_int_equal(d->n_windows, 4);
    assert_window(d, 0, 0x4010000000ull, 0x10000000);   /* ECAM */
    assert_window(d, 1, 0x3eff0000, 0x10000);           /* PIO */
    assert_window(d, 2, 0x10000000, 0x2eff0000);        /* MMIO */
    assert_window(d, 3, 0x8000000000ull, 0x8000000000); /* high MMIO */
    assert_false(d->has_iommu);

    blob = partial(host, &plan);
    assert_int_equal(n_cells(blob, path, "reg"), 4);
    assert_int_equal(cell_at(blob, path, "reg", 0), 0x40);
    assert_int_equal(cell_at(blob, path, "reg", 1), 0x10000000);
    assert_int_equal(cell_at(blob, path, "reg", 3), 0x10000000);
    /* The bridge's own cells stay: 3 address cells, 2 CPU address cells, 2 size cells. */
    assert_int_equal(n_cells(blob, path, "ranges"), 21);
    assert_int_equal(cell_at(blob, path, "ranges", 4), 0x3eff0000);
    assert_int_equal(cell_at(blob, path, "ranges", 14), 0x3000000);
    assert_int_equal(cell_at(blob, path, "ranges", 17), 0x80);
    assert_int_equal(n_cells(blob, path, "interrupt-map"), 16 * 8);
    for (uint32_t slot = 0, e = 0; slot < 4; slot++)
        for (uint32_t pin = 1; pin <= 4; pin++, e += 8) {
            assert_int_equal(cell_at(blob, path, "interrupt-map", e), slot << 11);
            assert_int_equal(cell_at(blob, path, "interrupt-map", e + 3), pin);
            assert_int_equal(cell_at(blob, path, "interrupt-map", e + 4), 65000);
            assert_int_equal(cell_at(blob, path, "interrupt-map", e + 5), 0);
            assert_int_equal(cell_at(blob, path, "interrupt-map", e + 6), 3 + (slot + pin - 1) % 4);
            assert_int_equal(cell_at(blob, path, "interrupt-map", e + 7), 4);
        }
    assert_int_equal(n_cells(blob, path, "interrupt-map-mask"), 4);
    assert_int_equal(cell_at(blob, path, "#interrupt-cells", 0), 1);
    assert_int_equal(cell_at(blob, path, "#address-cells", 0), 3);
    assert_false(has_prop(blob, path, "msi-map"));
    assert_false(has_prop(blob, path, "interrupts"));
    assert_true(has_prop(blob, path, "dma-coherent"));
    assert_int_equal(
        fdt_node_check_compatible(blob, fdt_path_offset(blob, path), "pci-host-ecam-generic"), 0);
    /* xen,reg: <addr size guest-addr>, 2 cells each, for every window. */
    assert_int_equal(n_cells(blob, path, "xen,reg"), 4 * 6);
    assert_int_equal(cell_at(blob, path, "xen,reg", 0), 0x40);
    assert_int_equal(cell_at(blob, path, "xen,reg", 1), 0x10000000);
    assert_int_equal(cell_at(blob, path, "xen,reg", 3), 0x10000000);
    assert_int_equal(cell_at(blob, path, "xen,reg", 4), 0x40);
    assert_int_equal(cell_at(blob, path, "xen,reg", 5), 0x10000000);
    assert_int_equal(cell_at(blob, path, "xen,reg", 18), 0x80);
    assert_int_equal(cell_at(blob, path, "xen,reg", 20), 0x80);
    assert_int_equal(cell_at(blob, path, "xen,reg", 22), 0x80);
    assert_string_equal(fdt_getprop(blob, fdt_path_offset(blob, path), "xen,path", NULL),
                        "/pcie@10000000");
    assert_true(has_prop(blob, path, "xen,force-assign-without-iommu"));
    free(blob);
    free(host);
}

/* A GIC without #address-cells has no unit address in the interrupt-map entries. */
static void test_pcie_bridge_on_gic_without_address_cells(void **state)
{
    (void)state;
    const char *path = "/passthrough/pcie@10000000";
    static struct pt_plan plan;
    void *host = qemu_pcie_tree(false), *blob;

    config(true, 1, "/pcie@10000000");
    plan_devices(host, &plan);
    assert_int_equal(plan.devices[0].n_irqs, 4);
    assert_irq(&plan.devices[0], 3, 6, 4);
    blob = partial(host, &plan);
    assert_int_equal(n_cells(blob, path, "interrupt-map"), 16 * 8);
    assert_int_equal(cell_at(blob, path, "interrupt-map", 15 * 8 + 4), 65000);
    assert_int_equal(cell_at(blob, path, "interrupt-map", 15 * 8 + 6), 5);
    free(blob);
    free(host);
}

static void test_pl061_with_fixed_clock(void **state)
{
    (void)state;
    const char *path = "/passthrough/pl061@9030000";
    static struct pt_plan plan;
    void *host = gpio_tree(0x9030000, PLAIN), *blob;
    const struct pt_device *d = &plan.devices[0];
    int clock;

    config(false, 1, "/pl061@9030000");
    plan_devices(host, &plan);
    assert_int_equal(d->n_irqs, 1);
    assert_irq(d, 0, 7, 4);
    assert_false(d->irqs_from_map);
    assert_string_equal(d->gic_path, "/intc@8000000");
    assert_int_equal(d->n_windows, 1);
    assert_window(d, 0, 0x9030000, 0x1000);

    blob = partial(host, &plan);
    assert_int_equal(n_cells(blob, path, "reg"), 4);
    assert_int_equal(cell_at(blob, path, "reg", 1), 0x9030000);
    assert_int_equal(cell_at(blob, path, "reg", 3), 0x1000);
    assert_int_equal(cell_at(blob, path, "interrupt-parent", 0), 65000);
    assert_int_equal(n_cells(blob, path, "interrupts"), 3);
    assert_int_equal(cell_at(blob, path, "interrupts", 1), 7);
    /* Its phandle stays, so what refers to it within the domain's tree holds. */
    assert_int_equal(cell_at(blob, path, "phandle", 0), 0x8006);
    assert_true(has_prop(blob, path, "gpio-controller"));
    /* The fixed clock is copied, phandle and all, and the device points at the copy. */
    assert_int_equal(n_cells(blob, path, "clocks"), 1);
    assert_int_equal(cell_at(blob, path, "clocks", 0), PCLK_PH);
    clock = fdt_node_offset_by_phandle(blob, cell_at(blob, path, "clocks", 0));
    assert_true(clock > 0);
    assert_int_equal(fdt_parent_offset(blob, clock), fdt_path_offset(blob, "/passthrough"));
    assert_int_equal(fdt_node_check_compatible(blob, clock, "fixed-clock"), 0);
    assert_int_equal(fdt32_to_cpu(*(const fdt32_t *)fdt_getprop(blob, clock, "#clock-cells", NULL)),
                     0);
    assert_int_equal(
        fdt32_to_cpu(*(const fdt32_t *)fdt_getprop(blob, clock, "clock-frequency", NULL)),
        24000000);
    assert_int_equal(n_cells(blob, path, "xen,reg"), 6);
    assert_int_equal(cell_at(blob, path, "xen,reg", 1), 0x9030000);
    assert_int_equal(cell_at(blob, path, "xen,reg", 3), 0x1000);
    assert_int_equal(cell_at(blob, path, "xen,reg", 5), 0x9030000);
    assert_true(has_prop(blob, path, "xen,force-assign-without-iommu"));
    free(blob);
    free(host);
}

static void test_device_behind_a_bus_with_ranges(void **state)
{
    (void)state;
    const char *path = "/passthrough/gpio@7e200000";
    static struct pt_plan plan;
    void *host = soc_tree(1), *blob;
    const struct pt_device *d = &plan.devices[0];

    /* The CPU's 0xfe215000 is inside Xen's guest RAM: the domain is direct-mapped. */
    config(true, 1, "/soc/gpio@7e200000");
    plan_devices(host, &plan);
    /* Bus address 0x215000 is the CPU's 0xfe215000; Xen maps the whole page. */
    assert_int_equal(d->n_windows, 1);
    assert_window(d, 0, 0xfe215000, 0x1000);
    assert_string_equal(d->gic_path, "/soc/interrupt-controller@1840000");
    assert_int_equal(d->n_irqs, 2);
    assert_irq(d, 0, 113, 4);
    assert_irq(d, 1, 114, 4);

    blob = partial(host, &plan);
    /* In the domain's 2 + 2 cells, at the CPU's address, its own size. */
    assert_int_equal(n_cells(blob, path, "reg"), 4);
    assert_int_equal(cell_at(blob, path, "reg", 0), 0);
    assert_int_equal(cell_at(blob, path, "reg", 1), 0xfe215000);
    assert_int_equal(cell_at(blob, path, "reg", 2), 0);
    assert_int_equal(cell_at(blob, path, "reg", 3), 0x100);
    assert_int_equal(cell_at(blob, path, "xen,reg", 1), 0xfe215000);
    assert_int_equal(cell_at(blob, path, "xen,reg", 3), 0x1000);
    assert_int_equal(n_cells(blob, path, "interrupts"), 6);
    /* Its children come along, after every property of its own (libfdt sees none after them). */
    assert_true(fdt_path_offset(blob, "/passthrough/gpio@7e200000/uart0-pins") > 0);
    assert_string_equal(fdt_getprop(blob, fdt_path_offset(blob, path), "xen,path", NULL),
                        "/soc/gpio@7e200000");
    assert_true(has_prop(blob, path, "xen,force-assign-without-iommu"));
    assert_true(has_prop(blob, path, "gpio-controller"));
    free(blob);
    free(host);
}

static void test_devices_that_are_refused(void **state)
{
    (void)state;
    const char *where = "domd.cfg:10: dtdev: /pl061@9030000: ";
    void *host = gpio_tree(0x9030000, PLAIN);

    config(false, 1, "/pl061@9040000");
    assert_refused(host, fdt_totalsize(host),
                   "domd.cfg:10: dtdev: /pl061@9040000: ", "no such node");
    config(false, 2, "/pl061@9030000", "/pl061@9030000");
    assert_refused(host, fdt_totalsize(host),
                   "domd.cfg:11: dtdev: /pl061@9030000: ", "listed twice");
    config(false, 1, "/");
    assert_refused(host, fdt_totalsize(host), "domd.cfg:10: dtdev: /: ", "root");
    config(false, 1, "/intc@8000000");
    assert_refused(host, fdt_totalsize(host),
                   "domd.cfg:10: dtdev: /intc@8000000: ", "it is the GIC");
    config(false, 1, "/pl011@9000000");
    assert_refused(host, fdt_totalsize(host),
                   "domd.cfg:10: dtdev: /pl011@9000000: ", "serial port of Xen's console");
    /* Its page is the domain's own RAM under direct_map. */
    config(true, 1, "/pl061@9030000");
    dc.static_mem[0] = (struct mem_bank){0x9000000, 0x100000};
    assert_refused(host, fdt_totalsize(host), where, "overlaps the domain's static_mem");
    free(host);

    config(false, 1, "/pl061@9030000");
    host = gpio_tree(0x9030000, PPI);
    assert_refused(host, fdt_totalsize(host), where, "<1 9 4> is not a shared interrupt (SPI)");
    free(host);
    host = gpio_tree(0x9030000, HUGE_SPI);
    assert_refused(host, fdt_totalsize(host), where, "is not a shared interrupt (SPI)");
    free(host);
    host = gpio_tree(0x9030000, NOT_GIC_PARENT);
    assert_refused(host, fdt_totalsize(host), where, "a controller other than the GIC");
    free(host);
    host = gpio_tree(0x9030000, RESETS);
    assert_refused(host, fdt_totalsize(host), where, "resets refers to host resources");
    free(host);
    host = gpio_tree(0x9030000, CLOCK_CONTROLLER);
    assert_refused(host, fdt_totalsize(host), where, "clock controller");
    free(host);
    /* A cell count that, added as a signed index, once walked off the list (fuzz_passthrough). */
    config(false, 2, "/pl061@9030000", "/reset@9100000");
    host = gpio_tree(0x9030000, RESET_CELLS_WRAP);
    assert_refused(host, fdt_totalsize(host), where, "resets ends inside an entry");
    free(host);
    config(false, 1, "/pl061@9030000");

    /* Xen puts the domain's RAM at 0x40000000 unless it is direct-mapped. */
    config(false, 1, "/pl061@40000000");
    host = gpio_tree(0x40000000, PLAIN);
    assert_refused(host, fdt_totalsize(host), "domd.cfg:10: dtdev: /pl061@40000000: ",
                   "collides with Xen's guest memory map at 0x40000000");
    config(true, 1, "/pl061@40000000");
    {
        static struct pt_plan plan;

        plan_devices(host, &plan);
    }
    free(host);

    /* The bridge without direct_map: its ECAM is where Xen puts the domain's second RAM bank. */
    config(false, 1, "/pcie@10000000");
    host = qemu_pcie_tree(true);
    assert_refused(host, fdt_totalsize(host), "domd.cfg:10: dtdev: /pcie@10000000: ",
                   "0x4010000000-0x401fffffff collides with Xen's guest memory map at 0x200000000");
    free(host);
}

/* A page Xen maps for the domain is the domain's alone. */
static void test_a_page_shared_with_a_node_not_given_is_refused(void **state)
{
    (void)state;
    /* The GPIO block in the reset controller's page (0x9100000). */
    void *host = gpio_tree(0x9100800, PLAIN), *off;
    static struct pt_plan plan;

    config(false, 1, "/pl061@9100800");
    assert_refused(host, fdt_totalsize(host), "domd.cfg:10: dtdev: /pl061@9100800: ",
                   "its pages 0x9100000-0x9101fff also hold the registers of /reset@9100000 "
                   "(0x9100000), which the domain is not given: give it too, or switch it off "
                   "(disabled_nodes)");
    /* Given both, or the other switched off, the page is the domain's alone. */
    config(false, 2, "/pl061@9100800", "/reset@9100000");
    plan_devices(host, &plan);
    off = malloc(fdt_totalsize(host) + 64);
    assert_int_equal(fdt_open_into(host, off, (int)fdt_totalsize(host) + 64), 0);
    assert_int_equal(
        fdt_setprop_string(off, fdt_path_offset(off, "/reset@9100000"), "status", "disabled"), 0);
    config(false, 1, "/pl061@9100800");
    plan_devices(off, &plan);
    free(off);
    free(host);
}

#define L2_PH   0x50
#define GPIO_PH 0x51
#define REG_PH  0x52

/*
 * A Pi 5's Wi-Fi power: a GPIO block whose interrupts go through an L2
 * interrupt controller in its page, and a fixed regulator, without
 * registers, switched by one of its lines. `spi_on_regulator` gives the
 * regulator a GIC interrupt too.
 */
static void *wifi_power_tree(bool spi_on_regulator)
{
    void *fdt = tree_begin();

    cells(fdt, "interrupt-parent", 1, GIC_PH);
    cells(fdt, "#size-cells", 1, 2);
    cells(fdt, "#address-cells", 1, 2);
    qemu_gic(fdt, false);
    node(fdt, "interrupt-controller@9200400");
    str(fdt, "compatible", "brcm,bcm7271-l2-intc");
    cells(fdt, "reg", 4, 0, 0x9200400, 0, 0x10);
    cells(fdt, "interrupts", 3, 0, 44, 4);
    flag(fdt, "interrupt-controller");
    cells(fdt, "#interrupt-cells", 1, 1);
    cells(fdt, "phandle", 1, L2_PH);
    end(fdt);
    node(fdt, "gpio@9200500");
    str(fdt, "compatible", "brcm,brcmstb-gpio");
    cells(fdt, "reg", 4, 0, 0x9200500, 0, 0x40);
    cells(fdt, "interrupt-parent", 1, L2_PH);
    cells(fdt, "interrupts", 1, 0);
    flag(fdt, "gpio-controller");
    cells(fdt, "#gpio-cells", 1, 2);
    cells(fdt, "phandle", 1, GPIO_PH);
    end(fdt);
    node(fdt, "wl-on-reg");
    str(fdt, "compatible", "regulator-fixed");
    cells(fdt, "gpio", 3, GPIO_PH, 28, 0);
    if (spi_on_regulator)
        cells(fdt, "interrupts", 3, 0, 45, 4);
    cells(fdt, "phandle", 1, REG_PH);
    end(fdt);
    return tree_end(fdt);
}

static void test_a_gpio_block_with_its_interrupt_controller_and_a_regulator(void **state)
{
    (void)state;
    static struct pt_plan plan;
    void *host = wifi_power_tree(false), *blob;
    const char *gpio = "/passthrough/gpio@9200500", *reg = "/passthrough/wl-on-reg";

    config(false, 3, "/interrupt-controller@9200400", "/gpio@9200500", "/wl-on-reg");
    plan_devices(host, &plan);
    /* Xen routes the L2 controller's SPI; the GPIO block's interrupt is that controller's. */
    assert_int_equal(plan.devices[0].n_irqs, 1);
    assert_irq(&plan.devices[0], 0, 44, 4);
    assert_int_equal(plan.devices[1].n_irqs, 0);
    assert_int_equal(plan.devices[2].n_windows, 0);
    blob = partial(host, &plan);
    assert_int_equal(cell_at(blob, gpio, "interrupt-parent", 0), L2_PH);
    assert_int_equal(cell_at(blob, gpio, "interrupts", 0), 0);
    assert_true(has_prop(blob, gpio, "xen,reg"));
    /* The regulator is copied: Xen takes xen,path without xen,reg for an error. */
    assert_false(has_prop(blob, reg, "xen,reg"));
    assert_false(has_prop(blob, reg, "xen,path"));
    assert_int_equal(cell_at(blob, reg, "gpio", 0), GPIO_PH);
    free(blob);

    /* Without its controller, the GPIO block's interrupt would reach no one. */
    config(false, 2, "/gpio@9200500", "/wl-on-reg");
    assert_refused(host, fdt_totalsize(host), "domd.cfg:10: dtdev: /gpio@9200500: ",
                   "its interrupts go to a controller other than the GIC");
    free(host);
    /* Without registers, Xen cannot route a node's interrupts. */
    host = wifi_power_tree(true);
    config(false, 3, "/interrupt-controller@9200400", "/gpio@9200500", "/wl-on-reg");
    assert_refused(host, fdt_totalsize(host), "domd.cfg:12: dtdev: /wl-on-reg: ",
                   "it has interrupts Xen must route but no registers (reg) to map");
    free(host);
}

/* What is wrong with the bridge in rp1_tree(). */
enum rp1_twist {
    RP1_PLAIN,
    RP1_OUTSIDE_RESET, /* a reset line on a controller the domain is not given */
    RP1_CHILD_ON_GIC,  /* a child whose interrupts go to the GIC */
    RP1_OWN_MSI,       /* the bridge is an MSI controller too (as the BCM2712's are) */
};

#define XOSC_PH    0x30
#define MIP0_PH    0x23
#define RESCAL_PH  0x1f
#define RP1CLK_PH  0x25
#define RP1GPIO_PH 0x29
#define OTHER_PH   0x40
#define BRIDGE_PH  0x4a

/*
 * A Raspberry Pi 5's PCIe bridge to RP1 as Debian's upstream tree describes
 * it: the bridge's MSIs go to a MIP (msi-ranges of GIC SPIs, a second reg
 * at 0xff_ffff_f000 reachable only through the bus's ranges), RP1's
 * devices use RP1's own interrupt controller, its clocks, its GPIOs and a
 * fixed 50 MHz oscillator outside it; the bridge is reset by a controller
 * elsewhere on the SoC.
 */
static void *rp1_tree(enum rp1_twist twist)
{
    void *fdt = tree_begin();

    cells(fdt, "interrupt-parent", 1, GIC_PH);
    cells(fdt, "#size-cells", 1, 2);
    cells(fdt, "#address-cells", 1, 2);
    qemu_gic(fdt, false);
    node(fdt, "clk-rp1-xosc");
    str(fdt, "compatible", "fixed-clock");
    cells(fdt, "#clock-cells", 1, 0);
    cells(fdt, "clock-frequency", 1, 50000000);
    cells(fdt, "phandle", 1, XOSC_PH);
    end(fdt);
    node(fdt, "soc");
    cells(fdt, "#address-cells", 1, 1);
    cells(fdt, "#size-cells", 1, 1);
    cells(fdt, "ranges", 4, 0, 0x10, 0, 0x80000000);
    node(fdt, "reset-controller@119500");
    cells(fdt, "reg", 2, 0x119500, 0x10);
    cells(fdt, "#reset-cells", 1, 0);
    cells(fdt, "phandle", 1, RESCAL_PH);
    end(fdt);
    node(fdt, "reset-controller@1504318");
    cells(fdt, "reg", 2, 0x1504318, 0x30);
    cells(fdt, "#reset-cells", 1, 1);
    cells(fdt, "phandle", 1, OTHER_PH);
    end(fdt);
    end(fdt);
    node(fdt, "axi");
    cells(fdt, "#address-cells", 1, 2);
    cells(fdt, "#size-cells", 1, 2);
    /* 0x00 (64 GiB), 0x10_0000_0000 (4 GiB) and 0x1c_0000_0000 (16 GiB), 1:1, and the MSI page. */
    cells(fdt, "ranges", 24, 0, 0, 0, 0, 0x10, 0, 0x10, 0, 0x10, 0, 1, 0, 0x1c, 0, 0x1c, 0, 4, 0,
          0xff, 0xfffff000, 0xff, 0xfffff000, 0, 0x1000);
    node(fdt, "pcie@1000120000");
    cells(fdt, "reg", 4, 0x10, 0x120000, 0, 0x9310);
    str(fdt, "device_type", "pci");
    cells(fdt, "#address-cells", 1, 3);
    cells(fdt, "#size-cells", 1, 2);
    cells(fdt, "#interrupt-cells", 1, 1);
    cells(fdt, "interrupts", 6, 0, 233, 4, 0, 234, 4);
    cells(fdt, "interrupt-map-mask", 4, 0, 0, 0, 7);
    cells(fdt, "interrupt-map", 8, 0, 0, 0, 1, GIC_PH, 0, 229, 4);
    if (twist == RP1_OUTSIDE_RESET)
        cells(fdt, "resets", 3, RESCAL_PH, OTHER_PH, 44);
    else
        cells(fdt, "resets", 1, RESCAL_PH);
    str(fdt, "reset-names", "rescal");
    cells(fdt, "msi-parent", 1, MIP0_PH);
    if (twist == RP1_OWN_MSI) {
        flag(fdt, "msi-controller");
        cells(fdt, "phandle", 1, BRIDGE_PH);
    }
    cells(fdt, "ranges", 7, 0x2000000, 0, 0, 0x1f, 0, 0, 0x400000);
    node(fdt, "pci@0,0");
    cells(fdt, "reg", 5, 0, 0, 0, 0, 0);
    flag(fdt, "ranges");
    cells(fdt, "#address-cells", 1, 3);
    cells(fdt, "#size-cells", 1, 2);
    node(fdt, "dev@0,0");
    str(fdt, "compatible", "pci1de4,1");
    cells(fdt, "reg", 5, 0x10000, 0, 0, 0, 0);
    flag(fdt, "interrupt-controller");
    cells(fdt, "#interrupt-cells", 1, 2);
    cells(fdt, "#address-cells", 1, 2);
    cells(fdt, "#size-cells", 1, 2);
    cells(fdt, "ranges", 7, 0, 0x40000000, 0x82010000, 0, 0, 0, 0x400000);
    node(fdt, "clocks@40018000");
    cells(fdt, "reg", 4, 0, 0x40018000, 0, 0x10038);
    cells(fdt, "#clock-cells", 1, 1);
    cells(fdt, "clocks", 1, XOSC_PH);
    cells(fdt, "phandle", 1, RP1CLK_PH);
    end(fdt);
    node(fdt, "pinctrl@400d0000");
    cells(fdt, "reg", 4, 0, 0x400d0000, 0, 0xc000);
    flag(fdt, "gpio-controller");
    cells(fdt, "#gpio-cells", 1, 2);
    cells(fdt, "phandle", 1, RP1GPIO_PH);
    end(fdt);
    node(fdt, "i2c@40070000");
    cells(fdt, "reg", 4, 0, 0x40070000, 0, 0x1000);
    cells(fdt, "interrupts", 2, 7, 4);
    cells(fdt, "clocks", 2, RP1CLK_PH, 12);
    cells(fdt, "pinctrl-0", 1, OTHER_PH); /* would be refused, but it is disabled */
    str(fdt, "status", "disabled");
    end(fdt);
    node(fdt, "ethernet@40100000");
    str(fdt, "compatible", "raspberrypi,rp1-gem");
    cells(fdt, "reg", 4, 0, 0x40100000, 0, 0x4000);
    if (twist == RP1_CHILD_ON_GIC) {
        cells(fdt, "interrupt-parent", 1, GIC_PH);
        cells(fdt, "interrupts", 3, 0, 100, 4);
    } else {
        cells(fdt, "interrupts", 2, 6, 4);
    }
    cells(fdt, "clocks", 4, RP1CLK_PH, 12, RP1CLK_PH, 16);
    str(fdt, "pinctrl-names", "default");
    cells(fdt, "reset-gpios", 3, RP1GPIO_PH, 32, 1);
    end(fdt);
    end(fdt);
    end(fdt);
    end(fdt);
    node(fdt, "msi-controller@1000130000");
    str(fdt, "compatible", "brcm,bcm2712-mip");
    cells(fdt, "reg", 8, 0x10, 0x130000, 0, 0xc0, 0xff, 0xfffff000, 0, 0x1000);
    flag(fdt, "msi-controller");
    cells(fdt, "msi-ranges", 5, GIC_PH, 0, 128, 1, 64);
    cells(fdt, "phandle", 1, MIP0_PH);
    end(fdt);
    end(fdt);
    return tree_end(fdt);
}

static void test_rp1_behind_its_bridge_with_its_msi_controller(void **state)
{
    (void)state;
    const char *bridge = "/passthrough/pcie@1000120000";
    const char *eth = "/passthrough/pcie@1000120000/pci@0,0/dev@0,0/ethernet@40100000";
    const char *mip = "/passthrough/msi-controller@1000130000";
    static struct pt_plan plan;
    void *host = rp1_tree(RP1_PLAIN), *blob;
    const struct pt_device *b = &plan.devices[0], *m = &plan.devices[1];
    int clock;

    config(true, 3, "/axi/pcie@1000120000", "/axi/msi-controller@1000130000",
           "/soc/reset-controller@119500");
    plan_devices(host, &plan);
    /* The bridge: its own interrupts and its INTx, listed for Xen by boot.scr. */
    assert_int_equal(b->n_irqs, 3);
    assert_true(b->irqs_from_map);
    assert_window(b, 0, 0x1000120000, 0xa000);
    assert_window(b, 1, 0x1f00000000, 0x400000);
    /* The MIP: both its pages, and the 64 SPIs of its msi-ranges, edge. */
    assert_int_equal(m->n_windows, 2);
    assert_window(m, 0, 0x1000130000, 0x1000);
    assert_window(m, 1, 0xfffffff000, 0x1000);
    assert_int_equal(m->n_irqs, 64);
    assert_irq(m, 0, 128, 1);
    assert_irq(m, 63, 191, 1);
    assert_true(m->irqs_from_msi);
    assert_window(&plan.devices[2], 0, 0x1000119000, 0x1000);
    /* The oscillator RP1's clocks run from is copied. */
    assert_int_equal(plan.n_fixed_clocks, 1);
    assert_int_equal(plan.fixed_clocks[0], XOSC_PH);

    blob = partial(host, &plan);
    /* References within what the domain is given hold: phandles stay. */
    assert_int_equal(cell_at(blob, bridge, "msi-parent", 0), MIP0_PH);
    assert_int_equal(cell_at(blob, bridge, "resets", 0), RESCAL_PH);
    assert_int_equal(cell_at(blob, mip, "phandle", 0), MIP0_PH);
    assert_int_equal(cell_at(blob, "/passthrough/reset-controller@119500", "phandle", 0),
                     RESCAL_PH);
    clock = fdt_node_offset_by_phandle(blob, XOSC_PH);
    assert_true(clock > 0);
    assert_int_equal(fdt_node_check_compatible(blob, clock, "fixed-clock"), 0);
    /* The MIP's SPIs are on the domain's GIC. */
    assert_int_equal(n_cells(blob, mip, "msi-ranges"), 5);
    assert_int_equal(cell_at(blob, mip, "msi-ranges", 0), 65000);
    assert_int_equal(cell_at(blob, mip, "msi-ranges", 2), 128);
    /* RP1's devices keep their own interrupts and bus addresses. */
    assert_int_equal(n_cells(blob, eth, "interrupts"), 2);
    assert_int_equal(cell_at(blob, eth, "reg", 1), 0x40100000);
    assert_int_equal(cell_at(blob, eth, "reset-gpios", 0), RP1GPIO_PH);
    /* A disabled device is left out: it would only take room in Xen's tree for the domain. */
    assert_true(fdt_path_offset(blob, "/passthrough/pcie@1000120000/pci@0,0/dev@0,0/"
                                      "i2c@40070000") < 0);
    free(blob);

    /* Without the MIP, the bridge's msi-parent is dropped (INTx only). */
    config(true, 2, "/axi/pcie@1000120000", "/soc/reset-controller@119500");
    plan_devices(host, &plan);
    blob = partial(host, &plan);
    assert_false(has_prop(blob, bridge, "msi-parent"));
    free(blob);

    /* A bridge that is its own MSI controller takes its own MSIs instead. */
    free(host);
    host = rp1_tree(RP1_OWN_MSI);
    plan_devices(host, &plan);
    blob = partial(host, &plan);
    assert_int_equal(n_cells(blob, bridge, "msi-parent"), 1);
    assert_int_equal(cell_at(blob, bridge, "msi-parent", 0), BRIDGE_PH);
    assert_int_equal(cell_at(blob, bridge, "phandle", 0), BRIDGE_PH);
    free(blob);
    /* With the MIP given too, the tree's choice stands. */
    config(true, 3, "/axi/pcie@1000120000", "/axi/msi-controller@1000130000",
           "/soc/reset-controller@119500");
    plan_devices(host, &plan);
    blob = partial(host, &plan);
    assert_int_equal(cell_at(blob, bridge, "msi-parent", 0), MIP0_PH);
    free(blob);

    /* Without its reset controller, the bridge cannot be given. */
    config(true, 1, "/axi/pcie@1000120000");
    assert_refused(host, fdt_totalsize(host), "domd.cfg:10: dtdev: /axi/pcie@1000120000: ",
                   "resets refers to host resources a domain cannot be given "
                   "(/soc/reset-controller@119500, which the domain is not given)");
    free(host);

    host = rp1_tree(RP1_OUTSIDE_RESET);
    config(true, 3, "/axi/pcie@1000120000", "/axi/msi-controller@1000130000",
           "/soc/reset-controller@119500");
    assert_refused(host, fdt_totalsize(host), "domd.cfg:10: dtdev: /axi/pcie@1000120000: ",
                   "(/soc/reset-controller@1504318, which the domain is not given)");
    free(host);

    host = rp1_tree(RP1_CHILD_ON_GIC);
    assert_refused(host, fdt_totalsize(host), "domd.cfg:10: dtdev: /axi/pcie@1000120000: ",
                   "interrupts of its child ethernet@40100000 would not reach the domain");
    free(host);
}

/* Odd cells on the way to the CPU are refused, not misread. */
static void test_unusual_bus_cells_are_refused(void **state)
{
    (void)state;
    void *host = soc_tree(5);

    config(false, 1, "/soc/gpio@7e200000");
    assert_refused(host, fdt_totalsize(host), "domd.cfg:10: dtdev: /soc/gpio@7e200000: ",
                   "its reg does not fit its parent's #address-cells and #size-cells");
    free(host);
}

/*
 * An interrupt-map whose GIC claims a negative number of address cells
 * (0xfffffffe): read as such, the entry <0 0 5 4> would be SPI 5 and the
 * rewritten map longer than its buffer.
 */
static void test_interrupt_map_on_a_gic_with_odd_cells(void **state)
{
    (void)state;
    void *host = tree_begin();

    cells(host, "#size-cells", 1, 2);
    cells(host, "#address-cells", 1, 2);
    node(host, "intc@8000000");
    cells(host, "phandle", 1, 5);
    str(host, "compatible", "arm,gic-400");
    flag(host, "interrupt-controller");
    cells(host, "#interrupt-cells", 1, 3);
    cells(host, "#address-cells", 1, 0xfffffffe);
    end(host);
    node(host, "bridge@9000000");
    cells(host, "reg", 4, 0, 0x9000000, 0, 0x1000);
    cells(host, "#address-cells", 1, 1);
    cells(host, "#interrupt-cells", 1, 1);
    cells(host, "interrupt-map", 4, 0, 0, 5, 4);
    end(host);
    host = tree_end(host);
    config(false, 1, "/bridge@9000000");
    assert_refused(host, fdt_totalsize(host),
                   "domd.cfg:10: dtdev: /bridge@9000000: ", "its GIC has unusual #address-cells");
    free(host);
}

/* dma-ranges in cells libfdt cannot read (#address-cells 5): refused when written, not misread. */
static void test_dma_ranges_in_odd_cells(void **state)
{
    (void)state;
    static struct pt_plan plan;
    struct xu_err err = {{0}};
    void *host = tree_begin(), *blob = NULL;
    size_t bytes;

    cells(host, "#size-cells", 1, 2);
    cells(host, "#address-cells", 1, 2);
    node(host, "dma@9000000");
    cells(host, "reg", 4, 0, 0x9000000, 0, 0x1000);
    cells(host, "#address-cells", 1, 5);
    cells(host, "#size-cells", 1, 1);
    cells(host, "dma-ranges", 4, 0, 0, 0x40000000, 0x1000);
    end(host);
    host = tree_end(host);
    config(false, 1, "/dma@9000000");
    plan_devices(host, &plan);
    assert_int_equal(pt_partial_fdt(host, &plan, &dc, &blob, &bytes, &err), -1);
    assert_null(blob);
    assert_string_equal(err.msg, "domd.cfg:10: dtdev: /dma@9000000: an address property does "
                                 "not fit its cells (host device tree)");
    free(host);
}

/* stdout-path through an alias that names itself: not Xen's console, and no endless lookup. */
static void test_console_alias_naming_an_alias(void **state)
{
    (void)state;
    static struct pt_plan plan;
    void *host = tree_begin();

    cells(host, "#size-cells", 1, 2);
    cells(host, "#address-cells", 1, 2);
    node(host, "chosen");
    str(host, "stdout-path", "serial0:115200n8");
    end(host);
    node(host, "aliases");
    str(host, "serial0", "serial0");
    end(host);
    node(host, "pl011@9000000");
    cells(host, "reg", 4, 0, 0x9000000, 0, 0x1000);
    end(host);
    host = tree_end(host);
    config(false, 1, "/pl011@9000000");
    plan_devices(host, &plan);
    assert_int_equal(plan.n_devices, 1);
    free(host);
}

static void test_damaged_host_trees_are_refused(void **state)
{
    (void)state;
    void *host = gpio_tree(0x9030000, PLAIN);
    size_t bytes = fdt_totalsize(host);
    char *copy = malloc(bytes);

    config(false, 1, "/pl061@9030000");
    /* Cut short, as a partly read file is. */
    for (size_t cut = 0; cut < bytes; cut += 7) {
        memcpy(copy, host, cut);
        assert_refused(copy, cut, HOST_NAME ": not a usable device tree", "");
    }
    memset(copy, 0xa5, bytes);
    assert_refused(copy, bytes, HOST_NAME ": not a usable device tree", "");
    free(copy);
    free(host);
}

/* --- The platform's guest devices and disabled nodes ---------------------- */

/* A platform file naming `guest` and `disabled` (either may be NULL) on its lines 30 and 31. */
static void platform_naming(struct platform *p, const char *guest, const char *disabled)
{
    memset(p, 0, sizeof(*p));
    strcpy(p->source, "platform.cfg");
    if (guest) {
        snprintf(p->guest_devices[0].path, sizeof(p->guest_devices[0].path), "%s", guest);
        p->guest_devices[0].line = 30;
        p->n_guest_devices = 1;
    }
    if (disabled) {
        snprintf(p->disabled_nodes[0].path, sizeof(p->disabled_nodes[0].path), "%s", disabled);
        p->disabled_nodes[0].line = 31;
        p->n_disabled_nodes = 1;
    }
}

/* pt_check_platform_nodes's message for `guest` and `disabled` in `host` (NULL: none given). */
static const char *platform_nodes_refused(const void *host, const char *guest, const char *disabled)
{
    static struct platform p;
    static struct xu_err err;

    platform_naming(&p, guest, disabled);
    memset(&err, 0, sizeof(err));
    if (pt_check_platform_nodes(host, host ? fdt_totalsize(host) : 0, HOST_NAME, &p, &dc, 1,
                                &err) == 0)
        return NULL;
    return err.msg;
}

static void test_platform_nodes_must_be_in_the_host_tree(void **state)
{
    (void)state;
    void *host = gpio_tree(0x9030000, PLAIN);
    const char *msg;

    config(false, 0);
    assert_null(platform_nodes_refused(host, "/pl061@9030000", "/apb-pclk"));
    /* Without the host tree, only boot.scr can find a node missing. */
    assert_null(platform_nodes_refused(NULL, "/pl061@9040000", "/gpio-keys"));
    msg = platform_nodes_refused(host, "/pl061@9040000", NULL);
    assert_string_equal(msg, "platform.cfg:30: guest_devices: \"/pl061@9040000\": no such node "
                             "in " HOST_NAME);
    msg = platform_nodes_refused(host, "/pl061@9030000", "/gpio-keys");
    assert_string_equal(
        msg, "platform.cfg:31: disabled_nodes: \"/gpio-keys\": no such node in " HOST_NAME);
    msg = platform_nodes_refused(host, "/", NULL);
    assert_string_equal(msg, "platform.cfg:30: guest_devices: \"/\": it is the root of " HOST_NAME);
    msg = platform_nodes_refused(host, NULL, "/intc@8000000");
    assert_string_equal(msg, "platform.cfg:31: disabled_nodes: \"/intc@8000000\": it is the GIC, "
                             "which Xen keeps for itself (" HOST_NAME ")");
    msg = platform_nodes_refused(host, "/pl011@9000000", NULL);
    assert_string_equal(msg, "platform.cfg:30: guest_devices: \"/pl011@9000000\": it is the serial "
                             "port of Xen's console (/chosen/stdout-path) (" HOST_NAME ")");
    free(host);
}

static void test_a_boot_time_domains_device_is_no_guest_device(void **state)
{
    (void)state;
    void *host = gpio_tree(0x9030000, PLAIN);
    const char *msg;

    config(false, 2, "/apb-pclk", "/pl061@9030000");
    msg = platform_nodes_refused(host, "/pl061@9030000", NULL);
    assert_string_equal(msg, "platform.cfg:30: guest_devices: \"/pl061@9030000\" is already "
                             "DomD's (dtdev at domd.cfg:11)");
    /* The same node by another path. */
    msg = platform_nodes_refused(host, "/pl061@9030000/", NULL);
    assert_string_equal(msg, "platform.cfg:30: guest_devices: \"/pl061@9030000/\" is already "
                             "DomD's (dtdev at domd.cfg:11)");
    /* Without the host tree, by path. */
    msg = platform_nodes_refused(NULL, NULL, "/apb-pclk");
    assert_string_equal(msg, "platform.cfg:31: disabled_nodes: \"/apb-pclk\" is already DomD's "
                             "(dtdev at domd.cfg:10)");
    free(host);
}

/* xu create gives a guest device by whole pages too: none may hold another enabled node's
 * registers. */
static void test_a_guest_devices_page_must_be_the_guests_alone(void **state)
{
    (void)state;
    void *host = gpio_tree(0x9100800, PLAIN), *off;
    const char *msg;

    config(false, 0);
    msg = platform_nodes_refused(host, "/pl061@9100800", NULL);
    assert_non_null(msg);
    assert_string_equal(msg, "platform.cfg:30: guest_devices: /pl061@9100800: its pages "
                             "0x9100000-0x9101fff also hold the registers of /reset@9100000 "
                             "(0x9100000), which the domain is not given: give it too, or switch "
                             "it off (disabled_nodes) (" HOST_NAME ")");
    /* Switched off (mkboot plans with disabled_nodes off), the neighbour is nobody's. */
    off = malloc(fdt_totalsize(host) + 64);
    assert_int_equal(fdt_open_into(host, off, (int)fdt_totalsize(host) + 64), 0);
    assert_int_equal(
        fdt_setprop_string(off, fdt_path_offset(off, "/reset@9100000"), "status", "disabled"), 0);
    assert_null(platform_nodes_refused(off, "/pl061@9100800", "/reset@9100000"));
    free(off);
    free(host);
}

static void test_platform_nodes_in_a_damaged_host_tree(void **state)
{
    (void)state;
    void *host = gpio_tree(0x9030000, PLAIN);
    static struct platform p;
    struct xu_err err = {{0}};

    config(false, 0);
    platform_naming(&p, "/pl061@9030000", NULL);
    assert_int_equal(
        pt_check_platform_nodes(host, fdt_totalsize(host) / 2, HOST_NAME, &p, &dc, 1, &err), -1);
    assert_non_null(strstr(err.msg, HOST_NAME ": not a usable device tree"));
    free(host);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qemu_pcie_bridge),
        cmocka_unit_test(test_pcie_bridge_on_gic_without_address_cells),
        cmocka_unit_test(test_pl061_with_fixed_clock),
        cmocka_unit_test(test_device_behind_a_bus_with_ranges),
        cmocka_unit_test(test_rp1_behind_its_bridge_with_its_msi_controller),
        cmocka_unit_test(test_devices_that_are_refused),
        cmocka_unit_test(test_a_page_shared_with_a_node_not_given_is_refused),
        cmocka_unit_test(test_a_gpio_block_with_its_interrupt_controller_and_a_regulator),
        cmocka_unit_test(test_unusual_bus_cells_are_refused),
        cmocka_unit_test(test_interrupt_map_on_a_gic_with_odd_cells),
        cmocka_unit_test(test_dma_ranges_in_odd_cells),
        cmocka_unit_test(test_console_alias_naming_an_alias),
        cmocka_unit_test(test_damaged_host_trees_are_refused),
        cmocka_unit_test(test_platform_nodes_must_be_in_the_host_tree),
        cmocka_unit_test(test_a_boot_time_domains_device_is_no_guest_device),
        cmocka_unit_test(test_a_guest_devices_page_must_be_the_guests_alone),
        cmocka_unit_test(test_platform_nodes_in_a_damaged_host_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
